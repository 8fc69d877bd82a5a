"""The runner: convergence, divergence, statuses, counters, batching, validation.

Registry sweeps (every method × every problem) make sure a newly registered
method or problem is exercised at once; the learning-rate lesson on the
parabola and the bad-input table pin down the behaviour the app teaches.
"""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest

import core

PROBLEM_NAMES = sorted(core.PROBLEMS)
METHOD_NAMES = sorted(core.METHODS)
BATCHED = [m for m in METHOD_NAMES if core.METHODS[m].batched]
FIRST_ORDER = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def start_in(p: core.Problem, seed: int = 0, runs: int | None = None) -> np.ndarray:
    """A seeded start point (or ``runs`` of them) inside the problem's domain."""
    rng = np.random.default_rng(seed)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    shape = (p.dim,) if runs is None else (runs, p.dim)
    return lo + (hi - lo) * rng.uniform(0.1, 0.9, size=shape)


def extra_options(method: core.Method) -> dict:
    return {"seed": 0} if method.stochastic else {}


def problem_for(method: core.Method, name: str) -> core.Problem | None:
    p = core.get_problem(name)
    if "residuals" in method.needs and not p.has_residuals:
        return None
    return p


def inf_problem(value: float = np.inf) -> core.Problem:
    """A tiny custom problem whose value is ``value`` everywhere."""
    return core.Problem(
        name="broken", title="Broken", formula="f = ∞", dim=2, domain=[[-1, 1], [-1, 1]],
        f=lambda X: np.full(X.shape[:-1], value), g=lambda X: np.zeros_like(X),
        h=lambda X: np.zeros(X.shape + (2,)),
    )


# -- the learning-rate lesson -------------------------------------------------------

def test_gd_on_bowl_converges():
    r = core.run("bowl", "gd", [1.5, -1.0], steps=500, lr=0.1, tol=1e-8)
    assert r.status == "converged" and r.success
    assert np.linalg.norm(r.x) < 1e-8
    assert r.fun < 1e-16
    assert r.message.startswith(f"Converged at step {r.nit}")


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.9])
def test_parabola_follows_the_geometric_sequence(rate):
    steps = 200
    r = core.run("parabola", "gd", [1.0], steps=steps, tol=0, lr=rate)
    assert r.status == "max_steps"
    assert r.path.shape == (steps + 1, 1)
    k = np.arange(steps + 1)
    np.testing.assert_allclose(r.path[:, 0], (1 - 2 * rate) ** k, rtol=1e-12, atol=0)
    np.testing.assert_allclose(r.values, ((1 - 2 * rate) ** k) ** 2, rtol=1e-11, atol=0)


def test_parabola_with_rate_above_one_diverges():
    r = core.run("parabola", "gd", [1.0], steps=1000, lr=1.02)
    assert r.status == "diverged" and not r.success
    # |x_k| = 1.04^k passes the escape bound (a million times the plot's reach) at step:
    bound = core.ESCAPE_FACTOR * core.get_problem("parabola").scale
    expected = math.ceil(math.log(bound) / math.log(1.04))
    assert r.nit == expected == len(r.path) - 1
    assert re.match(rf"Diverged at step {expected}\b", r.message), r.message
    # the path up to the divergence step is the true sequence, explosion included
    k = np.arange(expected + 1)
    np.testing.assert_allclose(r.path[:, 0], (-1.04) ** k, rtol=1e-12)
    assert np.all(np.isfinite(r.values))


def test_gradient_ascent_on_bowl_diverges_with_the_step_reported():
    r = core.run("bowl", "gd", [1.0, 1.0], steps=1000, lr=0.1, maximize=True)
    assert r.status == "diverged" and not r.success
    bound = core.ESCAPE_FACTOR * core.get_problem("bowl").scale
    expected = math.ceil(math.log(bound) / math.log(1.2))  # x_k = 1.2^k
    assert r.nit == expected
    assert re.match(rf"Diverged at step {expected}\b", r.message), r.message
    np.testing.assert_allclose(r.values, core.get_problem("bowl").value(r.path), rtol=1e-14)


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov"])
def test_divergence_is_detected_at_the_step_it_happens(method):
    # rosenbrock with a far too large step: explodes within a few steps.  (The
    # adaptive methods move at most about lr per coordinate and step: they crawl
    # away instead of exploding.)
    p = core.get_problem("rosenbrock")
    r = core.run(p, method, [2.0, 2.0], steps=200, lr=0.5, tol=0)
    assert r.status == "diverged", r.message
    bound = core.ESCAPE_FACTOR * p.scale
    before, last = r.path[:-1], r.path[-1]
    assert np.all(np.abs(before) <= bound) and np.all(np.isfinite(r.values[:-1]))
    assert np.abs(last).max() > bound or not np.isfinite(r.values[-1])
    assert r.message.startswith(f"Diverged at step {r.nit}:")


def test_nonfinite_loss_at_the_start_is_handled():
    for value, word in ((np.inf, "infinite"), (np.nan, "NaN")):
        p = inf_problem(value)
        r = core.run(p, "gd", [0.5, 0.5], steps=10, lr=0.1)
        assert r.status == "diverged" and not r.success
        assert r.nit == 0
        assert r.path.shape == (1, 2)
        assert r.message.startswith("Diverged at step 0:") and word in r.message
        batched = core.run(p, "adam", [[0.5, 0.5], [0.1, 0.2]], steps=10, lr=0.1)
        assert list(batched.status) == ["diverged", "diverged"]
        slim = core.run(p, "gd", [0.5, 0.5], steps=10, lr=0.1, keep_path=False)
        assert slim.status == "diverged"
        np.testing.assert_array_equal(slim.x, [0.5, 0.5])


# -- statuses, messages, counters ---------------------------------------------------

def test_tol_zero_runs_every_step():
    r = core.run("bowl", "gd", [1.0, 1.0], steps=300, lr=0.1, tol=0)
    assert r.status == "max_steps" and not r.success
    assert r.nit == 300 and r.path.shape == (301, 2)
    assert r.message.startswith("Ran all 300 steps")


def test_step_limit_without_convergence():
    r = core.run("rosenbrock", "gd", [-1.2, 1.0], steps=50, lr=1e-3, tol=1e-8)
    assert r.status == "max_steps" and not r.success
    assert r.nit == 50
    assert "step limit of 50" in r.message


def test_zero_steps_and_start_at_the_minimum():
    r = core.run("bowl", "gd", [1.0, 1.0], steps=0, lr=0.1)
    assert r.status == "max_steps" and r.nit == 0 and r.path.shape == (1, 2)
    r = core.run("bowl", "gd", [0.0, 0.0], steps=10, lr=0.1)
    assert r.status == "converged" and r.nit == 0 and r.message.startswith("Converged at step 0")
    # Exactly zero gradient away from any known optimum: a flat spot, not "converged".
    neuron = core.get_problem("neuron", activation="heaviside")
    r = core.run(neuron, "gd", [-0.8, -4.0], steps=10, lr=0.5)
    assert r.status == "converged" and r.nit == 0
    assert r.message.startswith("Stopped at step 0: the gradient is exactly zero")
    # Derivative-free runs have no gradient to report while running.
    runner = core.Runner("bowl", "nelder_mead", [1.0, 1.0], steps=10)
    runner.advance(2)
    assert runner.message().startswith("Running") and "gradient" not in runner.message()


@pytest.mark.parametrize("method", FIRST_ORDER)
@pytest.mark.parametrize("tol", [0.0, 1e-6])
def test_first_order_counters_are_exact(method, tol):
    r = core.run("bowl", method, [1.0, -0.5], steps=200, lr=0.05, tol=tol)
    assert r.nfev == r.ngev == r.nit + 1  # one value+gradient per step, plus the start
    assert r.nhev == 0
    np.testing.assert_array_equal(r.evals, np.arange(r.nit + 1) + 1)


def test_gd_counters_on_a_known_run():
    # bowl, lr 0.1: x_k = 0.8^k·x0, so the gradient norm is 0.8^k·|2·x0| and first
    # falls below 1e-8 at the step computed here.
    x0 = np.array([1.0, 1.0])
    r = core.run("bowl", "gd", x0, steps=500, lr=0.1, tol=1e-8)
    g0 = np.linalg.norm(2 * x0)
    expected = math.ceil(math.log(1e-8 / g0) / math.log(0.8))
    assert r.status == "converged"
    assert r.nit == expected
    assert (r.nfev, r.ngev, r.nhev) == (expected + 1, expected + 1, 0)


def test_result_fields_for_each_status():
    seen = {}
    seen["converged"] = core.run("bowl", "gd", [1.0, 1.0], steps=500, lr=0.1)
    seen["diverged"] = core.run("parabola", "gd", [1.0], steps=1000, lr=1.02)
    seen["max_steps"] = core.run("bowl", "gd", [1.0, 1.0], steps=5, lr=0.1)
    runner = core.Runner("bowl", "gd", [1.0, 1.0], steps=500, lr=0.01)
    first = runner.advance(5)
    runner.stop()
    last = runner.advance(10)
    seen["stopped"] = runner.result(
        np.concatenate([first.x, last.x]), np.concatenate([first.f, last.f]),
        np.concatenate([first.grad_norm, last.grad_norm]), np.concatenate([first.nfev, last.nfev]))
    assert set(seen) == set(core.STATUSES)
    starts = {"converged": "Converged at step", "diverged": "Diverged at step",
              "max_steps": "Reached the step limit", "stopped": "Stopped by the user after 5 steps"}
    for status, r in seen.items():
        assert r.status == status
        assert r.success is (status == "converged")
        assert r.message.startswith(starts[status]), r.message
        assert r.message.endswith(".")
        assert r.nit == len(r.path) - 1
        np.testing.assert_array_equal(r.x, r.path[-1])
        assert r.fun == r.values[-1]
        assert repr(r).startswith("Result(")


def test_runner_stop_takes_effect_immediately():
    runner = core.Runner("bowl", "gd", [1.0, 1.0], steps=500, lr=0.01)
    b = runner.advance(5)
    assert b.status == "running" and not b.done and b.message.startswith("Running: step 5")
    runner.stop()
    assert runner.done
    b = runner.advance(10)
    assert b.steps.size == 0 and b.done and b.status == "stopped"
    assert b.message.startswith("Stopped by the user after 5 steps")


@pytest.mark.parametrize("kind", ["event", "callable"])
def test_iterate_stops_cooperatively(kind):
    event = threading.Event()
    stop = event if kind == "event" else event.is_set
    batches = []
    for batch in core.iterate("bowl", "gd", [1.0, 1.0], steps=500, batch_size=10, lr=0.01,
                              stop=stop):
        batches.append(batch)
        event.set()  # set after the first batch
    assert len(batches) == 2
    first, last = batches
    assert first.steps.tolist() == list(range(11)) and first.status == "running"
    assert last.steps.size == 0 and last.done
    assert last.status == "stopped"
    assert last.message.startswith("Stopped by the user after 10 steps")


def test_iterate_stop_before_the_first_batch_still_reports_the_start():
    event = threading.Event()
    event.set()
    batches = list(core.iterate("bowl", "gd", [1.0, 1.0], steps=50, lr=0.01, stop=event))
    assert len(batches) == 1
    assert batches[0].steps.tolist() == [0] and batches[0].status == "stopped"


@pytest.mark.parametrize("method", METHOD_NAMES)
@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_iterate_batches_concatenate_to_the_run(method, batch_size):
    m = core.METHODS[method]
    p = problem_for(m, "rosenbrock")
    opts = dict(steps=60, tol=1e-4, **extra_options(m))
    r = core.run(p, method, [-1.0, 1.5], **opts)
    batches = list(core.iterate(p, method, [-1.0, 1.5], batch_size=batch_size, **opts))
    assert all(len(b.steps) <= batch_size + 1 for b in batches)
    assert batches[-1].done and not any(b.done for b in batches[:-1])
    steps = np.concatenate([b.steps for b in batches])
    np.testing.assert_array_equal(steps, np.arange(len(r.path)))
    np.testing.assert_array_equal(np.concatenate([b.x for b in batches]), r.path)
    np.testing.assert_array_equal(np.concatenate([b.f for b in batches]), r.values)
    np.testing.assert_array_equal(np.concatenate([b.nfev for b in batches]), r.evals)
    assert batches[-1].status == r.status
    assert batches[-1].message == r.message


# -- every method on every problem --------------------------------------------------

@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("problem_name", PROBLEM_NAMES)
@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_method_on_every_problem(method, problem_name, maximize):
    m = core.METHODS[method]
    p = problem_for(m, problem_name)
    x0 = start_in(core.get_problem(problem_name))
    if p is None:
        with pytest.raises(ValueError, match=method):
            core.run(problem_name, method, x0, steps=5)
        return
    r = core.run(p, method, x0, steps=40, maximize=maximize, **extra_options(m))
    assert r.status in core.STATUSES
    assert r.success is (r.status == "converged")
    assert isinstance(r.message, str) and r.message.endswith(".")
    assert r.path.shape == (r.nit + 1, p.dim)
    np.testing.assert_array_equal(r.path[0], x0)
    np.testing.assert_array_equal(r.x, r.path[-1])
    # values are of the true objective, also when maximising
    np.testing.assert_allclose(r.values, p.value(r.path), rtol=1e-12, atol=1e-300)
    assert r.fun == r.values[-1] or (np.isnan(r.fun) and np.isnan(r.values[-1]))
    assert r.nfev >= 1 and r.ngev >= 0 and r.nhev >= 0
    assert r.problem == problem_name and r.method == method and r.maximize is maximize
    if r.status == "max_steps":
        assert r.nit == 40


@pytest.mark.parametrize("method", [m for m in METHOD_NAMES if core.METHODS[m].stochastic])
def test_stochastic_methods_are_reproducible(method):
    m = core.METHODS[method]
    p = problem_for(m, "himmelblau") or core.get_problem("rosenbrock")
    a = core.run(p, method, [0.0, 0.0], steps=30, seed=3)
    b = core.run(p, method, [0.0, 0.0], steps=30, seed=3)
    c = core.run(p, method, [0.0, 0.0], steps=30, seed=4)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.array_equal(a.path, c.path)


# -- batched runs -------------------------------------------------------------------

def _check_batch_against_single_runs(p, method, X0, **opts):
    batch = core.run(p, method, X0, **opts)
    B = len(X0)
    assert batch.path.shape == (len(batch.path), B, p.dim)
    assert batch.values.shape == (len(batch.path), B)
    assert len(batch.path) == max(batch.nit) + 1
    assert batch.status.shape == (B,)
    for i in range(B):
        one = core.run(p, method, X0[i], **opts)
        k = one.nit
        assert batch.nit[i] == k
        assert batch.status[i] == one.status
        assert batch.success[i] == one.success
        assert (batch.nfev[i], batch.ngev[i], batch.nhev[i]) == (one.nfev, one.ngev, one.nhev)
        # bit-identical up to the run's own end ...
        np.testing.assert_array_equal(batch.path[: k + 1, i], one.path)
        np.testing.assert_array_equal(batch.values[: k + 1, i], one.values)
        # ... and frozen afterwards
        after = batch.path[k + 1:, i]
        np.testing.assert_array_equal(after, np.broadcast_to(one.x, after.shape))
        np.testing.assert_array_equal(batch.x[i], one.x)
        assert batch.fun[i] == one.fun or (np.isnan(batch.fun[i]) and np.isnan(one.fun))
    return batch


def test_batch_with_runs_that_finish_at_different_steps():
    X0 = np.array([[1.0, 1.0], [0.0, 0.0], [1e-3, 0.0], [5e6, 0.0], [-0.5, 2.0]])
    batch = _check_batch_against_single_runs(core.get_problem("bowl"), "gd", X0,
                                             steps=100, lr=0.1, tol=1e-8)
    assert list(batch.status) == ["converged", "converged", "converged", "diverged", "converged"]
    assert batch.nit[1] == 0 and batch.nit[3] == 0
    assert batch.message == "Of 5 runs: 4 converged, 1 diverged."


@pytest.mark.parametrize("method", [m for m in BATCHED])
@pytest.mark.parametrize("problem_name", ["bowl", "himmelblau", "rosenbrock", "parabola"])
def test_batched_runs_equal_single_runs(method, problem_name):
    m = core.METHODS[method]
    p = problem_for(m, problem_name)
    if p is None:
        pytest.skip(f"{method} does not apply to {problem_name}")
    X0 = start_in(p, seed=7, runs=6)
    X0[0] = p.minima[0]  # starts at a minimum: converged at step 0
    X0[1] *= 4  # far out: some methods diverge from there
    batch = _check_batch_against_single_runs(p, method, X0, steps=60, tol=1e-3, lr=0.02,
                                             **extra_options(m))
    assert batch.status[0] == "converged"


def test_mixed_batch_really_mixes_statuses():
    p = core.get_problem("himmelblau")
    X0 = np.array([[3.0, 2.0], [3.1, 2.1], [4.9, 4.9], [6.0, 6.0], [-2.0, 1.0]])
    batch = _check_batch_against_single_runs(p, "gd", X0, steps=40, tol=1e-6, lr=0.02)
    assert {"converged", "diverged", "max_steps"} <= set(batch.status)


@pytest.mark.parametrize("method", BATCHED)
def test_keep_path_false_keeps_start_and_end(method):
    m = core.METHODS[method]
    p = problem_for(m, "himmelblau") or core.get_problem("rosenbrock")
    X0 = start_in(p, seed=8, runs=5)
    opts = dict(steps=80, tol=1e-4, lr=0.01, **extra_options(m))
    full = core.run(p, method, X0, **opts)
    slim = core.run(p, method, X0, keep_path=False, **opts)
    assert slim.path.shape == (2, 5, p.dim)
    assert slim.values.shape == (2, 5)
    np.testing.assert_array_equal(slim.path[0], X0)
    np.testing.assert_array_equal(slim.path[-1], full.x)
    np.testing.assert_array_equal(slim.x, full.x)
    np.testing.assert_array_equal(slim.values[-1], full.values[-1])
    np.testing.assert_array_equal(slim.fun, full.fun)
    np.testing.assert_array_equal(slim.nit, full.nit)
    np.testing.assert_array_equal(slim.nfev, full.nfev)
    np.testing.assert_array_equal(slim.status, full.status)
    single = core.run(p, method, X0[0], keep_path=False, **opts)
    assert single.path.shape == (2, p.dim)
    np.testing.assert_array_equal(single.x, full.x[0])


def test_batch_of_one_keeps_the_runs_axis():
    r = core.run("bowl", "gd", [[1.0, 1.0]], steps=10, lr=0.1, tol=0)
    assert r.path.shape == (11, 1, 2)
    assert r.status.shape == (1,)


# -- changing hyperparameters mid-run ------------------------------------------------

def test_set_hyper_applies_from_the_next_advance():
    runner = core.Runner("parabola", "gd", [1.0], steps=100, lr=0.1, tol=0)
    b1 = runner.advance(3)
    np.testing.assert_allclose(b1.x[:, 0], 0.8 ** np.arange(4), rtol=1e-15)
    runner.set_hyper(lr=0.25)  # x ← 0.5·x from now on
    b2 = runner.advance(2)
    np.testing.assert_allclose(b2.x[:, 0], 0.8**3 * 0.5 ** np.arange(1, 3), rtol=1e-15)
    assert b2.steps.tolist() == [4, 5]
    assert runner.hp["lr"] == 0.25


@pytest.mark.parametrize("bad", [{"lr": -1.0}, {"lr": 0}, {"lr": float("nan")},
                                 {"momentum": 2.0}, {"nonsense": 1}])
def test_set_hyper_rejects_bad_values_and_keeps_the_old_ones(bad):
    runner = core.Runner("bowl", "gd", [1.0, 1.0], steps=100, lr=0.1)
    before = dict(runner.hp)
    name = next(iter(bad))
    with pytest.raises(ValueError, match=re.escape(name)):
        runner.set_hyper(**bad)
    assert runner.hp == before
    runner.advance(5)


def test_set_hyper_from_another_thread_is_safe():
    runner = core.Runner("bowl", "momentum", [1.0, 1.0], steps=2000, lr=0.01, tol=0)
    done = threading.Event()

    def tweak():
        for i in range(200):
            runner.set_hyper(lr=0.01 + 0.0001 * (i % 5))
        done.set()

    t = threading.Thread(target=tweak)
    t.start()
    while not runner.done:
        runner.advance(50)
    t.join(5)
    assert done.is_set() and runner.k == 2000


# -- the bad-input table ---------------------------------------------------------------

NAN, INF = float("nan"), float("inf")

# (description, call keywords for core.run, parameter named in the message, shown value)
BAD_INPUTS = [
    ("negative lr", dict(lr=-0.1), "lr", -0.1),
    ("zero lr", dict(lr=0.0), "lr", 0.0),
    ("zero int lr", dict(lr=0), "lr", 0),
    ("NaN lr", dict(lr=NAN), "lr", NAN),
    ("infinite lr", dict(lr=INF), "lr", INF),
    ("negative infinite lr", dict(lr=-INF), "lr", -INF),
    ("string lr", dict(lr="0.1"), "lr", "0.1"),
    ("bool lr", dict(lr=True), "lr", True),
    ("None lr", dict(lr=None), "lr", None),
    ("huge lr", dict(lr=1e9), "lr", 1e9),
    ("negative steps", dict(steps=-1), "steps", -1),
    ("fractional steps", dict(steps=2.5), "steps", 2.5),
    ("string steps", dict(steps="10"), "steps", "10"),
    ("NaN steps", dict(steps=NAN), "steps", NAN),
    ("bool steps", dict(steps=True), "steps", True),
    ("negative tol", dict(tol=-1e-8), "tol", -1e-8),
    ("NaN tol", dict(tol=NAN), "tol", NAN),
    ("string tol", dict(tol="small"), "tol", "small"),
    ("negative seed", dict(seed=-1), "seed", -1),
    ("fractional seed", dict(seed=1.5), "seed", 1.5),
    ("string seed", dict(seed="abc"), "seed", "abc"),
    ("string maximize", dict(maximize="yes"), "maximize", "yes"),
    ("negative momentum", dict(method="momentum", momentum=-0.1), "momentum", -0.1),
    ("momentum above one", dict(method="momentum", momentum=1.5), "momentum", 1.5),
    ("gd momentum above one", dict(momentum=1.01), "momentum", 1.01),
    ("nesterov momentum zero", dict(method="nesterov", momentum=0.0), "momentum", 0.0),
    ("rmsprop negative momentum", dict(method="rmsprop", momentum=-0.5), "momentum", -0.5),
    ("rmsprop alpha one", dict(method="rmsprop", alpha=1.0), "alpha", 1.0),
    ("rmsprop negative alpha", dict(method="rmsprop", alpha=-0.1), "alpha", -0.1),
    ("beta1 one", dict(method="adam", beta1=1.0), "beta1", 1.0),
    ("beta1 negative", dict(method="adam", beta1=-0.1), "beta1", -0.1),
    ("beta2 one", dict(method="adam", beta2=1.0), "beta2", 1.0),
    ("beta2 above one", dict(method="adamw", beta2=1.5), "beta2", 1.5),
    ("beta2 negative", dict(method="adamw", beta2=-1e-3), "beta2", -1e-3),
    ("negative eps", dict(method="adam", eps=-1e-8), "eps", -1e-8),
    ("negative adagrad eps", dict(method="adagrad", eps=-1.0), "eps", -1.0),
    ("NaN eps", dict(method="rmsprop", eps=NAN), "eps", NAN),
    ("negative weight_decay", dict(weight_decay=-0.01), "weight_decay", -0.01),
    ("negative adamw weight_decay", dict(method="adamw", weight_decay=-0.01), "weight_decay",
     -0.01),
    ("string weight_decay", dict(method="adam", weight_decay="0"), "weight_decay", "0"),
    ("x0 too long", dict(x0=[1.0, 2.0, 3.0]), "x0", [1.0, 2.0, 3.0]),
    ("x0 too short", dict(x0=[1.0]), "x0", [1.0]),
    ("x0 empty", dict(x0=[]), "x0", []),
    ("x0 batch of wrong width", dict(x0=[[1.0, 2.0, 3.0]]), "x0", [[1.0, 2.0, 3.0]]),
    ("x0 with NaN", dict(x0=[NAN, 1.0]), "x0", [NAN, 1.0]),
    ("x0 with inf", dict(x0=[1.0, INF]), "x0", [1.0, INF]),
    ("x0 batch with -inf", dict(x0=[[1.0, 1.0], [-INF, 0.0]]), "x0", [[1.0, 1.0], [-INF, 0.0]]),
    ("x0 not numbers", dict(x0="ab"), "x0", "ab"),
    ("x0 ragged", dict(x0=[[1.0, 2.0], [3.0]]), "x0", [[1.0, 2.0], [3.0]]),
    ("unknown method", dict(method="sgd_plus"), "method", "sgd_plus"),
    ("method not a string", dict(method=3), "method", 3),
    ("unknown problem", dict(problem="banana"), "problem", "banana"),
    ("problem not a string", dict(problem=None), "problem", None),
]


@pytest.mark.parametrize("what, kwargs, name, value", BAD_INPUTS,
                         ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_raises_a_helpful_value_error(what, kwargs, name, value):
    call = {"problem": "bowl", "method": "gd", "x0": [1.0, 1.0], "steps": 10, **kwargs}
    problem, method, x0 = call.pop("problem"), call.pop("method"), call.pop("x0")
    pattern = re.escape(f"{name}={value!r}")
    with pytest.raises(ValueError, match=pattern) as info:
        core.run(problem, method, x0, **call)
    assert "must" in str(info.value)  # says what is allowed
    # the same check guards the other entry points
    with pytest.raises(ValueError, match=pattern):
        core.Runner(problem, method, x0, **call)
    with pytest.raises(ValueError, match=pattern):
        next(core.iterate(problem, method, x0, **call))


def test_unknown_keyword_is_named_with_what_is_allowed():
    with pytest.raises(ValueError, match=r"unknown hyperparameter 'learning_rate'.*'gd'.*lr"):
        core.run("bowl", "gd", [1.0, 1.0], learning_rate=0.1)
    with pytest.raises(ValueError, match=r"unknown hyperparameter 'beta1'.*'momentum'"):
        core.run("bowl", "momentum", [1.0, 1.0], beta1=0.9)


def test_unknown_problem_option_is_named():
    with pytest.raises(ValueError, match=r"unknown option 'noise' for problem 'bowl'"):
        core.get_problem("bowl", noise=0.1)


def test_bad_batch_size_for_iterate():
    with pytest.raises(ValueError, match=re.escape("batch_size=0")):
        next(core.iterate("bowl", "gd", [1.0, 1.0], batch_size=0))


def test_problem_without_residuals_is_rejected_by_least_squares_methods():
    for name, m in core.METHODS.items():
        if "residuals" in m.needs:
            with pytest.raises(ValueError, match="least-squares"):
                core.run("bowl", name, [1.0, 1.0], steps=3)


def _bad_values(hp: core.HyperParam) -> list:
    """Values that violate ``hp``'s declared range or type."""
    if hp.kind == "float":
        out = [NAN, INF, "1", True, None]
        if hp.low is not None:
            out.append(hp.low if hp.low_open else hp.low - 1.0)
        if hp.high is not None:
            out.append(hp.high if hp.high_open else hp.high + 1.0)
        return out
    if hp.kind == "int":
        out = [1.5, "3", True, NAN]
        if hp.low is not None:
            out.append(int(hp.low) - 1)
        if hp.high is not None:
            out.append(int(hp.high) + 1)
        return out
    if hp.kind == "choice":
        return ["no such choice", 1, None]
    if hp.kind == "bool":
        return ["yes", 1, None]
    raise AssertionError(hp.kind)


SPEC = [(m.name, hp) for m in core.METHODS.values() for hp in m.params]


@pytest.mark.parametrize("method, hp", SPEC, ids=[f"{m}.{hp.name}" for m, hp in SPEC])
def test_every_hyperparameter_spec_is_consistent(method, hp):
    # the default passes its own check, unchanged
    assert hp.check(hp.default) == hp.default
    assert hp.kind in ("float", "int", "choice", "bool")
    assert hp.help.strip() and hp.display.strip() and hp.allowed().strip()
    if hp.log:
        assert hp.low is not None and hp.low >= 0
    for value in _bad_values(hp):
        with pytest.raises(ValueError, match=re.escape(f"{hp.name}={value!r}")):
            hp.check(value)
        with pytest.raises(ValueError, match=re.escape(hp.name)):
            core.METHODS[method].validate(**{hp.name: value})


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_method_describes_itself(method):
    m = core.METHODS[method]
    assert m.group in core.GROUPS
    assert m.title.strip() and m.summary.strip()
    assert len({p.name for p in m.params}) == len(m.params)
    assert m.validate() == m.defaults


def test_a_loss_undefined_at_the_start_is_not_blamed_on_an_overflow():
    """0/0 at the start: nothing overflowed, the function has no value there."""
    r = core.run(core.parse_function("(x**2 - 4)/(x - 2)"), "gd", [2.0], steps=10, lr=0.05)
    assert r.status == "diverged" and r.nit == 0
    assert "undefined there" in r.message and "overflow" not in r.message
    r = core.run(core.parse_function("(x**2 - 4)/(x - 2)"), "gd", [1.0], steps=10, lr=0.05)
    assert r.status != "diverged" or "undefined" not in r.message


def test_a_run_that_settles_on_a_hilltop_or_saddle_is_told_so():
    """Pure Newton from 70 degrees climbs onto the tea curve's hump and 'converges':
    the message says it is a maximum, not a minimum (it sounded like a success)."""
    r = core.run(core.get_problem("tea"), "newton", [70.0], steps=50)  # the lesson's start
    assert r.status == "converged"
    assert "This is a maximum, not a minimum" in r.message
    r = core.run(core.get_problem("saddle"), "newton", [1.0, 0.0], steps=5)
    assert "This is a saddle point, not a minimum" in r.message
    r = core.run(core.get_problem("bowl"), "gd", [1.0, 1.0], steps=500, lr=0.1)
    assert "not a" not in r.message and "only a local" not in r.message


@pytest.mark.parametrize("problem, method, x0, options, caveat", [
    ("tea", "newton", [70.0], {}, "a maximum, not a minimum"),
    ("saddle", "newton", [1.0, 0.0], {}, "a saddle point, not a minimum"),
    ("tea_rating", "gd", [40.0], {"lr": 8.0}, "a flat spot"),
    ("two_bumps", "gd", [-1.5, 0.0], {"lr": 0.1}, "only a local minimum"),
    ("bowl", "gd", [1.0, 1.0], {"lr": 0.1}, ""),
    ("bowl", "gd", [0.0, 0.0], {"lr": 0.1}, ""),  # zero gradient at the optimum itself
])
def test_the_caveat_names_what_is_wrong_with_where_a_run_ended(problem, method, x0, options,
                                                               caveat):
    """Runner.caveat (and every Batch's) is what the app colours by: a few words
    the message also says at length."""
    batches = list(core.iterate(problem, method, x0, steps=300, **options))
    assert batches[-1].status == "converged" and batches[-1].caveat == caveat
    if caveat and caveat != "a flat spot":
        assert f"This is {caveat}" in batches[-1].message
    assert all(b.caveat == "" for b in batches[:-1] if b.status != "converged")
