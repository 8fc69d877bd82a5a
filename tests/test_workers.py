"""Helper processes (core.workers): a large batch split between this process and
helpers gives bit-identical results to the plain loop, whatever the method,
problem, tolerance or hyperparameters; a helper that dies, or a problem a
helper cannot rebuild, costs only time."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_runner_speed import BATCHED, PROBLEMS, assert_same_runs, mixed_starts

import core
import core.runner as runner_module
from core import workers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def helped(monkeypatch):
    """Every batch goes to helpers (``THREADS - 1`` of them); counts the parts
    they handed back."""
    monkeypatch.setattr(runner_module, "PROCESS_WORK", 0)
    monkeypatch.setattr(runner_module, "THREADS", 3)
    taken = []
    original = runner_module.Runner._take_back

    def counting(self, rows, per_run, reply):
        taken.append(rows.size)
        return original(self, rows, per_run, reply)

    monkeypatch.setattr(runner_module.Runner, "_take_back", counting)
    return taken


@pytest.mark.parametrize("problem_name", PROBLEMS)
@pytest.mark.parametrize("method", BATCHED)
@pytest.mark.parametrize("tol", [1e-4, 0.0])
def test_helpers_give_the_plain_loops_numbers(method, problem_name, tol, helped):
    m = core.METHODS[method]
    p = core.get_problem(problem_name)
    if "residuals" in m.needs and not p.has_residuals:
        pytest.skip(f"{method} needs residuals")
    X0 = mixed_starts(p, runs=31)
    opts = dict(steps=60, tol=tol, **({"lr": 0.05} if "lr" in m.defaults else {}))
    full = core.run(p, method, X0, **opts)  # records every step: the plain loop
    slim = core.run(p, method, X0, keep_path=False, **opts)
    assert_same_runs(slim, full)
    assert len(helped) == 2 and min(helped) > 0  # two helpers each took a part


def test_helpers_with_a_rate_per_run_ascent_and_many_batches(helped):
    p = core.get_problem("himmelblau")
    X0 = mixed_starts(p, runs=40)
    lrs = np.geomspace(1e-3, 0.5, 40)
    full = core.run(p, "adam", X0, steps=90, lr=lrs, tol=1e-3, maximize=True)
    runner = core.Runner(p, "adam", X0, steps=90, lr=lrs, tol=1e-3, maximize=True)
    while not runner.done:
        runner.advance(7, record=False)
    np.testing.assert_array_equal(runner.state.x, full.x)
    np.testing.assert_array_equal(runner.nit, full.nit)
    np.testing.assert_array_equal(runner.ctx.nfev, full.nfev)
    np.testing.assert_array_equal(runner.status_names(), full.status)
    assert runner.state.t == full.nit.max()
    assert len(helped) >= 2 * 13


def test_a_model_problem_is_rebuilt_with_its_options(helped):
    p = core.get_problem("logistic", seed=3)
    X0 = p.start + np.random.default_rng(1).normal(0, 1, size=(12, p.dim))
    full = core.run(p, "momentum", X0, steps=40, lr=0.05, tol=1e-6)
    slim = core.run(p, "momentum", X0, steps=40, lr=0.05, tol=1e-6, keep_path=False)
    assert_same_runs(slim, full)
    assert helped


def test_a_problem_no_helper_can_rebuild_stays_here(helped):
    bowl = core.get_problem("bowl")
    mine = core.Problem(name="bowl", title="my bowl", formula="x² + y²", dim=2,
                        domain=bowl.domain, f=bowl.f, g=bowl.g, h=bowl.h)
    X0 = mixed_starts(bowl)
    full = core.run(mine, "gd", X0, steps=30, lr=0.1)
    slim = core.run(mine, "gd", X0, steps=30, lr=0.1, keep_path=False)
    assert_same_runs(slim, full)
    assert helped == []  # "bowl" by name would be another function: not sent


def test_a_dead_helper_costs_only_time(helped):
    p = core.get_problem("rosenbrock")
    X0 = mixed_starts(p)
    full = core.run(p, "nesterov", X0, steps=50, lr=1e-3)
    core.run(p, "nesterov", X0[:3], steps=2, lr=1e-3, keep_path=False)  # helpers are up
    for helper in workers._helpers:
        helper.proc.kill()
        helper.proc.wait()
    slim = core.run(p, "nesterov", X0, steps=50, lr=1e-3, keep_path=False)
    assert_same_runs(slim, full)
    taken = len(helped)
    again = core.run(p, "nesterov", X0, steps=50, lr=1e-3, keep_path=False)  # new helpers
    assert_same_runs(again, full)
    assert len(helped) == taken + 2
    assert all(h.proc.poll() is None for h in workers._helpers)


def test_shutdown_ends_every_helper(helped):
    core.run("bowl", "gd", mixed_starts(core.get_problem("bowl")), steps=5, keep_path=False)
    procs = [h.proc for h in workers._helpers]
    assert procs
    workers.shutdown()
    assert workers._helpers == [] and all(p.returncode is not None for p in procs)


def test_a_helper_ends_with_its_parent():
    # the helper's stdin is the only thing keeping it alive
    code = ("import core.workers as w; h = w.Helper(); print(h.proc.pid, flush=True); "
            "import os; os._exit(0)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    pid = int(out.split()[0])
    for _ in range(100):
        if not _alive(pid):
            return
        time.sleep(0.1)
    pytest.fail(f"helper {pid} outlived its parent")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody has reaped yet has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_helper_that_does_not_answer_in_time_is_ended():
    helper = workers.Helper()
    try:
        assert helper.submit(time.sleep, 60)
        started = time.perf_counter()
        assert helper.result(timeout=0.5) is None
        assert time.perf_counter() - started < 10
        assert helper.broken and helper.proc.wait(timeout=10) is not None
    finally:
        helper.close()


def test_the_frozen_launcher_serves_as_a_helper(monkeypatch):
    # The frozen build starts helpers as `optiscope --core-worker`: the launcher
    # script (PyInstaller's entry) must answer requests before touching Qt.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", sys.executable)
    assert workers.command() == [sys.executable, workers.FROZEN_FLAG]
    monkeypatch.setattr(workers, "command", lambda: [
        sys.executable, str(REPO / "packaging" / "optiscope_launcher.py"), workers.FROZEN_FLAG])
    helper = workers.Helper()
    try:
        assert helper.submit(np.add, np.arange(3.0), 1.0, dtype=float)
        np.testing.assert_array_equal(helper.result(), [1.0, 2.0, 3.0])
        assert "PySide6" not in _modules_of(helper)
    finally:
        helper.close()


def _modules_of(helper: workers.Helper) -> str:
    helper.submit(eval, "' '.join(sorted(__import__('sys').modules))")
    return helper.result()


def test_a_failing_request_is_reported_as_none():
    helper = workers.Helper()
    try:
        assert helper.submit(int, "not a number")
        assert helper.result() is None
        assert not helper.broken  # and the helper goes on serving
        assert helper.submit(int, "12") and helper.result() == 12
        assert not helper.submit(lambda: 1)  # not picklable: nothing sent
    finally:
        helper.close()


def test_without_a_way_to_start_helpers_a_batch_stays_here(helped, monkeypatch):
    workers.shutdown()
    monkeypatch.setattr(sys, "executable", "")  # e.g. Python embedded in another program
    monkeypatch.setattr(workers, "_disabled", False)
    p = core.get_problem("himmelblau")
    X0 = mixed_starts(p)
    full = core.run(p, "adam", X0, steps=40, lr=0.05)
    slim = core.run(p, "adam", X0, steps=40, lr=0.05, keep_path=False)
    assert_same_runs(slim, full)
    assert helped == [] and workers._disabled


def test_a_problem_registered_at_run_time_stays_here(helped, monkeypatch):
    # a helper process would not know it: no recipe, so it is not sent
    monkeypatch.setattr(core.problems.base, "PROBLEMS", dict(core.PROBLEMS))

    @core.problems.register_problem("steep_bowl", "Steep bowl", "landscape")
    def steep_bowl():
        bowl = core.get_problem("bowl")
        return core.Problem(name="steep_bowl", title="Steep bowl", formula="4(x² + y²)", dim=2,
                            domain=bowl.domain, f=lambda X: 4 * bowl.f(X),
                            g=lambda X: 4 * bowl.g(X), h=lambda X: 4 * bowl.h(X))

    p = core.get_problem("steep_bowl")
    assert getattr(p, "recipe", None) is None
    X0 = mixed_starts(core.get_problem("bowl"))
    full = core.run(p, "gd", X0, steps=30, lr=0.01)
    slim = core.run(p, "gd", X0, steps=30, lr=0.01, keep_path=False)
    assert_same_runs(slim, full)
    assert helped == []
    assert core.get_problem("bowl").recipe == ("bowl", {})
