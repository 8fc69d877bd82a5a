"""Every registered problem: analytic derivatives, broadcasting, metadata.

All tests are parametrised over the whole registry ``core.PROBLEMS``, so a
problem is tested the moment it is registered.  Derivatives are checked
against central finite differences at seeded random points of the plotting
domain (scipy's ``check_grad`` idea, with tolerances for h ~ 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest

import core

NAMES = sorted(core.PROBLEMS)
H = 1e-6  # finite-difference step (relative to the size of the coordinate)
N_POINTS = 25


@pytest.fixture(params=NAMES)
def problem(request) -> core.Problem:
    return core.get_problem(request.param)


def random_points(p: core.Problem, n: int = N_POINTS, seed: int = 0) -> np.ndarray:
    """``n`` seeded points strictly inside the problem's plotting domain."""
    rng = np.random.default_rng(seed)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    return lo + (hi - lo) * rng.uniform(0.02, 0.98, size=(n, p.dim))


def fd_jacobian(fun, x: np.ndarray, h: float = H) -> np.ndarray:
    """Central differences of ``fun`` (any output shape) at one point ``x``.

    Returns an array of shape ``fun(x).shape + (dim,)``.
    """
    cols = []
    for i in range(x.size):
        step = h * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = step
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * step))
    return np.stack(cols, axis=-1)


# -- registry and metadata ------------------------------------------------------

def test_registry_is_not_empty_and_has_the_foundation_problems():
    for name in ("bowl", "ellipse", "two_bumps", "rosenbrock", "himmelblau", "saddle",
                 "parabola"):
        assert name in core.PROBLEMS


def test_metadata(problem):
    entry = core.PROBLEMS[problem.name]
    assert entry.name == problem.name
    for text in (problem.title, problem.formula, problem.description, entry.title):
        assert isinstance(text, str) and text.strip()
    assert isinstance(problem.dim, int) and problem.dim >= 1
    assert len(problem.coords) == problem.dim


def test_smooth_flag_and_goal(problem):
    assert isinstance(problem.smooth, bool)
    assert problem.goal in ("minimize", "maximize")
    if problem.goal == "maximize":
        assert problem.maxima.size, "a maximisation problem should say where its maximum is"


def test_a_suggested_learning_rate_makes_progress_without_diverging(problem):
    """Where a problem suggests a learning rate, gradient descent at that rate
    from across the domain either stops on a flat step (the rating) or ends
    lower within 300 steps, and never diverges (at the usual 0.1, Rosenbrock,
    Himmelblau and the elongated valley diverge at once)."""
    lr = problem.suggested_lr
    if getattr(problem, "dataset", None) is not None:
        pytest.skip("a model's rate is checked on its data in test_models")
    if lr is None:
        pytest.skip("no suggested learning rate")
    lo, hi = problem.domain[:, 0], problem.domain[:, 1]
    fractions = np.linspace(0.1, 0.9, 5)
    grid = np.stack(np.meshgrid(*[fractions] * problem.dim, indexing="ij"), axis=-1)
    for x0 in (lo + grid.reshape(-1, problem.dim) * (hi - lo)):
        r = core.run(problem, "gd", x0, steps=300, lr=lr)
        assert r.status != "diverged", x0
        if problem.name != "tea_rating" and r.status != "stopped":
            # (with kinks, descent may bounce between them: its best point counts)
            end = r.fun if problem.smooth else float(np.min(r.values))
            assert end <= float(problem.value(x0)), x0


def test_domain(problem):
    d = problem.domain
    assert d.shape == (problem.dim, 2)
    assert np.all(np.isfinite(d))
    assert np.all(d[:, 0] < d[:, 1])


def test_known_points_have_the_right_shape_and_lie_in_the_domain(problem):
    lo, hi = problem.domain[:, 0], problem.domain[:, 1]
    for pts in (problem.minima, problem.maxima, problem.saddles):
        assert pts.ndim == 2 and pts.shape[1] == problem.dim
        assert np.all((pts >= lo) & (pts <= hi))


def test_unknown_problem_and_option_are_rejected():
    with pytest.raises(ValueError, match=r"problem='no_such_problem'.*one of .*bowl"):
        core.get_problem("no_such_problem")
    with pytest.raises(ValueError, match=r"unknown option 'wobble' for problem 'bowl'"):
        core.get_problem("bowl", wobble=3)


def test_evaluators_reject_points_of_the_wrong_dimension(problem):
    X = np.zeros(problem.dim + 1)
    for fn in (problem.value, problem.grad, problem.hess):
        with pytest.raises(ValueError, match=f"length {problem.dim}"):
            fn(X)


# -- derivatives against finite differences --------------------------------------

def smooth_here(p: core.Problem, fun, x: np.ndarray, rtol: float, atol: float) -> bool:
    """For a non-smooth problem: is there no kink or jump within the stencil at ``x``?

    A central difference straddling a kink (or a jump) changes when the step
    does; away from one, steps of h and 4h agree.  Smooth problems are always
    checked.
    """
    if p.smooth:
        return True
    a, b = fd_jacobian(fun, x, H), fd_jacobian(fun, x, 4 * H)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def test_grad_matches_finite_differences(problem):
    checked = 0
    for x in random_points(problem):
        g = problem.grad(x)
        # Rounding error of a central difference is ~ eps·|f|/h; truncation ~ h².
        atol = 1e-6 + 1e-9 * abs(float(problem.value(x)))
        if not smooth_here(problem, problem.value, x, 1e-6, atol):
            continue
        checked += 1
        fd = fd_jacobian(problem.value, x)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=atol, err_msg=f"at x={x}")
    assert checked >= 0.8 * N_POINTS


def test_hess_matches_finite_differences_of_grad(problem):
    checked = 0
    for x in random_points(problem, seed=1):
        hs = problem.hess(x)
        np.testing.assert_allclose(hs, np.swapaxes(hs, -1, -2), rtol=1e-14, atol=1e-12)
        atol = 1e-5 + 1e-9 * float(np.abs(problem.grad(x)).max())
        if not smooth_here(problem, problem.grad, x, 1e-6, atol):
            continue
        checked += 1
        fd = fd_jacobian(problem.grad, x)
        np.testing.assert_allclose(hs, fd, rtol=1e-6, atol=atol, err_msg=f"at x={x}")
    assert checked >= 0.8 * N_POINTS


def test_value_and_grad_agree_with_value_and_grad(problem):
    X = random_points(problem, seed=2)
    f, g = problem.value_and_grad(X)
    np.testing.assert_allclose(f, problem.value(X), rtol=1e-14, atol=0)
    np.testing.assert_allclose(g, problem.grad(X), rtol=1e-14, atol=0)


# -- broadcasting ----------------------------------------------------------------

def test_evaluators_broadcast_over_leading_axes(problem):
    d = problem.dim
    X = random_points(problem, n=35, seed=3).reshape(5, 7, d)
    F, G, Hs = problem.value(X), problem.grad(X), problem.hess(X)
    assert F.shape == (5, 7)
    assert G.shape == (5, 7, d)
    assert Hs.shape == (5, 7, d, d)
    for i in range(5):
        for j in range(7):
            x = X[i, j]
            np.testing.assert_allclose(F[i, j], problem.value(x), rtol=1e-14, atol=0)
            np.testing.assert_allclose(G[i, j], problem.grad(x), rtol=1e-14, atol=0)
            np.testing.assert_allclose(Hs[i, j], problem.hess(x), rtol=1e-14, atol=0)


def test_single_point_gives_scalar_vector_matrix(problem):
    x = random_points(problem, n=1)[0]
    assert np.shape(problem.value(x)) == ()
    assert problem.grad(x).shape == (problem.dim,)
    assert problem.hess(x).shape == (problem.dim, problem.dim)


def test_grid_is_a_meshgrid_over_the_domain(problem):
    axes = problem.grid(9)
    assert len(axes) == min(problem.dim, 2)
    for k, a in enumerate(axes):
        assert np.isclose(a.min(), problem.domain[k, 0])
        assert np.isclose(a.max(), problem.domain[k, 1])


# -- least squares -----------------------------------------------------------------

LSQ = [n for n in NAMES if core.get_problem(n).has_residuals]


@pytest.mark.parametrize("name", LSQ)
def test_value_is_sum_of_squared_residuals(name):
    p = core.get_problem(name)
    X = random_points(p, seed=4)
    r = p.residuals(X)
    assert r.ndim == 2 and r.shape[0] == X.shape[0]
    np.testing.assert_allclose(p.value(X), np.sum(r * r, axis=-1), rtol=1e-12, atol=1e-12)
    # broadcasting works for residuals too
    Xg = X[:24].reshape(4, 6, p.dim)
    assert p.residuals(Xg).shape == (4, 6, r.shape[-1])
    assert p.jacobian(Xg).shape == (4, 6, r.shape[-1], p.dim)


@pytest.mark.parametrize("name", LSQ)
def test_jacobian_matches_finite_differences_of_residuals(name):
    p = core.get_problem(name)
    for x in random_points(p, seed=5):
        J = p.jacobian(x)
        fd = fd_jacobian(p.residuals, x)
        assert J.shape == fd.shape
        np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-6, err_msg=f"at x={x}")


def test_problems_without_residuals_say_so():
    for name in NAMES:
        p = core.get_problem(name)
        if p.has_residuals:
            continue
        with pytest.raises(ValueError, match="not a least-squares problem"):
            p.residuals(np.zeros(p.dim))


def test_rosenbrock_residuals_are_the_slides_residuals():
    p = core.get_problem("rosenbrock")
    x, y = 0.3, -0.7
    np.testing.assert_allclose(p.residuals([x, y]), [10 * (y - x * x), 1 - x], rtol=1e-15)


# -- stationary points ----------------------------------------------------------------

def _stationary_tol(p: core.Problem, x: np.ndarray) -> float:
    return 1e-7 * (1.0 + float(np.abs(p.hess(x)).max()))


def _no_better_neighbour(p: core.Problem, x: np.ndarray, sign: float) -> None:
    """Non-smooth optima (kinks, flat steps): no nearby point is better."""
    rng = np.random.default_rng(0)
    f0 = sign * float(p.value(x))
    for r in (1e-6, 1e-4, 1e-2):
        near = x + r * max(1.0, float(np.abs(x).max())) * rng.uniform(-1, 1, size=(64, p.dim))
        assert np.all(sign * p.value(near) >= f0 - 1e-12 * (1 + abs(f0))), (x, r)


def test_minima_are_minima(problem):
    for x in problem.minima:
        if not problem.smooth:
            _no_better_neighbour(problem, x, 1.0)
            continue
        assert np.linalg.norm(problem.grad(x)) < _stationary_tol(problem, x), x
        eig = np.linalg.eigvalsh(problem.hess(x))
        assert np.all(eig > 0), (x, eig)


def test_maxima_are_maxima(problem):
    for x in problem.maxima:
        if not problem.smooth:
            _no_better_neighbour(problem, x, -1.0)
            continue
        assert np.linalg.norm(problem.grad(x)) < _stationary_tol(problem, x), x
        eig = np.linalg.eigvalsh(problem.hess(x))
        assert np.all(eig < 0), (x, eig)


def test_saddles_are_saddles(problem):
    assert problem.smooth or not problem.saddles.size, "saddles of non-smooth problems are not checked"
    for x in problem.saddles:
        assert np.linalg.norm(problem.grad(x)) < _stationary_tol(problem, x), x
        eig = np.linalg.eigvalsh(problem.hess(x))
        assert eig.min() < 0 < eig.max(), (x, eig)


def test_ellipse_is_ill_conditioned():
    eig = np.linalg.eigvalsh(core.get_problem("ellipse").hess([0.0, 0.0]))
    assert eig.max() / eig.min() >= 25

