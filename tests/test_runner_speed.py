"""The runner's fast paths change nothing: large batches advanced in chunks,
fused value-and-gradient evaluators, and the squared-norm convergence test
give bit-identical results to the plain code."""

from __future__ import annotations

import numpy as np
import pytest

import core
import core.runner as runner_module

BATCHED = sorted(m for m in core.METHODS if core.METHODS[m].batched)
PROBLEMS = ["bowl", "himmelblau", "rosenbrock", "parabola", "two_bumps"]


def mixed_starts(p: core.Problem, runs: int = 23, seed: int = 0) -> np.ndarray:
    """Starts that converge, crawl and diverge at different steps."""
    rng = np.random.default_rng(seed)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    X = lo + (hi - lo) * rng.uniform(-0.5, 1.5, size=(runs, p.dim))
    X[2] = p.minima[0] if p.minima.size else X[2]  # converged at step 0
    X[5] *= 1e4  # far out: diverges at once for many methods
    return X


def assert_same_runs(slim, full):
    np.testing.assert_array_equal(slim.x, full.x)
    np.testing.assert_array_equal(slim.fun, full.fun)
    np.testing.assert_array_equal(slim.path[-1], full.path[-1])
    np.testing.assert_array_equal(slim.grad_norms[-1], full.grad_norms[-1])
    for name in ("nit", "nfev", "ngev", "nhev", "status"):
        np.testing.assert_array_equal(getattr(slim, name), getattr(full, name), err_msg=name)
    assert slim.message == full.message


def chunked(monkeypatch, chunk_values: int, threads: int) -> None:
    monkeypatch.setattr(runner_module, "CHUNK_VALUES", chunk_values)
    monkeypatch.setattr(runner_module, "THREADED_CHUNK_VALUES", chunk_values)
    monkeypatch.setattr(runner_module, "THREADS", threads)


@pytest.mark.parametrize("problem_name", PROBLEMS)
@pytest.mark.parametrize("method", BATCHED)
@pytest.mark.parametrize("chunk_values, threads, tol",
                         [(4, 3, 1e-4), (10, 1, 1e-4), (runner_module.CHUNK_VALUES, 2, 1e-4),
                          (6, 2, 0.0)])
def test_chunked_batches_equal_the_plain_loop(method, problem_name, chunk_values, threads, tol,
                                              monkeypatch):
    m = core.METHODS[method]
    p = core.get_problem(problem_name)
    if "residuals" in m.needs and not p.has_residuals:
        pytest.skip(f"{method} needs residuals")
    X0 = mixed_starts(p)
    opts = dict(steps=60, tol=tol, **({"lr": 0.05} if "lr" in m.defaults else {}))
    full = core.run(p, method, X0, **opts)  # records every step: the plain loop
    chunked(monkeypatch, chunk_values, threads)
    slim = core.run(p, method, X0, keep_path=False, **opts)
    assert_same_runs(slim, full)


def _huge_bowl() -> core.Problem:
    """A bowl so steep that the squared gradient norm overflows at |x| ≈ 6,700
    while the gradient, the value and x itself stay finite and in bounds."""
    return core.Problem(
        name="huge_bowl", title="Huge bowl", formula="f = 1e150·(x² + y²)", dim=2,
        domain=[[-10, 10], [-10, 10]], f=lambda X: 1e150 * (X[..., 0] ** 2 + X[..., 1] ** 2),
        g=lambda X: 2e150 * X, h=lambda X: np.broadcast_to(2e150 * np.eye(2), X.shape + (2,)),
        columnar=True,
    )


@pytest.mark.parametrize("tol", [0.0, 1e-4])
@pytest.mark.parametrize("method", ["gd", "adam"])
def test_a_gradient_norm_overflowing_mid_run_is_caught_in_chunks(method, tol, monkeypatch):
    # ascent doubles x each step (gd) or moves it by about 500 (adam): the squared
    # norm of the gradient overflows after 12 to 16 steps; the chunks must notice.
    p = _huge_bowl()
    X0 = np.array([[1.0, 0.5], [0.5, 0.0], [-1.0, 1.0], [0.1, 0.1], [2.0, -2.0]])
    lr = 5e-151 if method == "gd" else 500.0
    full = core.run(p, method, X0, steps=40, lr=lr, tol=tol, maximize=True)
    assert list(full.status) == ["diverged"] * 5, full.message
    # mid-run, with the value and x finite and in bounds: the gradient's norm did it
    assert np.all(full.nit > 10) and np.all(np.isfinite(full.fun))
    assert np.abs(full.x).max() < 1e5
    chunked(monkeypatch, 4, 2)
    slim = core.run(p, method, X0, steps=40, lr=lr, tol=tol, maximize=True, keep_path=False)
    assert_same_runs(slim, full)


def test_chunked_iterate_over_many_batches(monkeypatch):
    monkeypatch.setattr(runner_module, "CHUNK_VALUES", 8)
    p = core.get_problem("himmelblau")
    X0 = mixed_starts(p, runs=40)
    full = core.run(p, "adam", X0, steps=90, lr=0.1, tol=1e-3)
    runner = core.Runner(p, "adam", X0, steps=90, lr=0.1, tol=1e-3)
    while not runner.done:
        runner.advance(7, record=False)
    np.testing.assert_array_equal(runner.state.x, full.x)
    np.testing.assert_array_equal(runner.nit, full.nit)
    np.testing.assert_array_equal(runner.status_names(), full.status)
    assert runner.state.t == full.nit.max()  # the step counter shared by all runs


def test_noisy_problems_are_not_regrouped(monkeypatch):
    # the noise stream is drawn per evaluation: splitting the batch would change it
    monkeypatch.setattr(runner_module, "CHUNK_VALUES", 4)
    X0 = mixed_starts(core.get_problem("bowl"), runs=9)
    runs = [core.run(core.with_gradient_noise(core.get_problem("bowl"), 0.5, seed=3), "gd", X0,
                     steps=40, lr=0.1, tol=1e-2, keep_path=keep) for keep in (True, False)]
    np.testing.assert_array_equal(runs[0].x, runs[1].x)
    np.testing.assert_array_equal(runs[0].nit, runs[1].nit)


@pytest.mark.parametrize("name", ["bowl", "ellipse", "parabola", "rosenbrock", "himmelblau",
                                  "two_bumps"])
def test_fused_value_and_gradient_is_bit_identical(name):
    p = core.get_problem(name)
    assert p.fg is not None
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5000, p.dim)) * np.exp(rng.uniform(-30, 120, (5000, p.dim)))
    X[:5], X[5:10], X[10:15] = np.nan, np.inf, -0.0
    f, g = p.value_and_grad(X)
    np.testing.assert_array_equal(f, p.value(X))
    np.testing.assert_array_equal(g, p.grad(X))
    assert np.array_equal(np.signbit(f), np.signbit(p.value(X)))


@pytest.mark.parametrize("tol", [1e-8, 1e-4, 0.3, 1.0, 7.5, 1e-200, 1e150])
def test_squared_threshold_decides_like_the_norm(tol):
    t = runner_module._square_threshold(tol)
    assert np.sqrt(t) >= tol and np.sqrt(np.nextafter(t, 0)) < tol
    rng = np.random.default_rng(0)
    s = np.concatenate([np.nextafter(t, [-np.inf, np.inf]), [t, 0.0, np.inf, np.nan],
                        t * rng.uniform(0.5, 2.0, 1000)])
    np.testing.assert_array_equal(s < t, np.sqrt(s) < tol)


def test_norms_match_einsum():
    rng = np.random.default_rng(2)
    for dim in (1, 2, 3):
        for runs in (1, 5, 300):
            g = rng.standard_normal((runs, dim)) * np.exp(rng.uniform(-200, 200, (runs, dim)))
            state = type("State", (), {"x": g, "g": g})()  # anything with x and g
            np.testing.assert_array_equal(runner_module._sum_of_squares(state),
                                          np.einsum("ij,ij->i", g, g))
            np.testing.assert_array_equal(runner_module._abs_max(g), np.abs(g).max(axis=1))


def test_methods_skip_diagnostics_nobody_keeps():
    p = core.get_problem("bowl")
    ctx = runner_module.Context(p, 1.0, 1, np.random.default_rng(0))
    for name in ("gd", "adam", "rmsprop", "adagrad"):
        m = core.METHODS[name]
        hp = m.validate(lr=0.1)
        s = m.init(ctx, np.array([[1.0, 1.0]]), hp)
        ctx.diagnostics = True
        _, diag = m.step(ctx, s, hp)
        assert "step" in diag
        ctx.diagnostics = False
        _, diag = m.step(ctx, s, hp)
        assert diag == {}


@pytest.mark.parametrize("method", ["adam", "adamw", "gd"])
def test_chunks_leave_the_callers_starts_alone(method, monkeypatch):
    # chunks update their state in place (ctx.in_place): never the caller's arrays
    chunked(monkeypatch, 6, 2)
    X0 = mixed_starts(core.get_problem("himmelblau"))
    before = X0.copy()
    runner = core.Runner("himmelblau", method, X0, steps=30, lr=0.05, tol=0)
    first = runner.state.x.copy()
    runner.advance(10, record=False)
    np.testing.assert_array_equal(X0, before)
    assert not np.array_equal(runner.state.x, first)
    runner.advance(20, record=False)
    full = core.run("himmelblau", method, X0, steps=30, lr=0.05, tol=0)
    np.testing.assert_array_equal(runner.state.x, full.x)
