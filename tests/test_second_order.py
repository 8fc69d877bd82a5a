"""Second-order methods: Newton, nonlinear CG, BFGS and Levenberg–Marquardt.

Reference numbers come from plain-numpy transcriptions of the textbook
rules written here (Newton: x − H⁻¹∇f; LM: the slides' (JᵀJ + νI)⁻¹Jᵀε with
the ratio test), from formulas worked out by hand (the exact line search on
the ellipse), and from the defining conditions themselves (strong Wolfe).
Evaluation counts are asserted exactly, as scipy's own tests do.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import core

SECOND_ORDER = ("newton", "cg", "bfgs", "lm")
NAN, INF = float("nan"), float("inf")


def quadratic5(residuals: bool = True) -> core.Problem:
    """f = ½xᵀAx with a non-diagonal A (distinct eigenvalues 1.13 … 5.35).

    As a least-squares problem: f = ‖Rx‖² with RᵀR = A/2 (R from Cholesky).
    """
    A = np.array([[4.0, 1.0, 0.0, 0.0, 0.0],
                  [1.0, 3.0, 1.0, 0.0, 0.0],
                  [0.0, 1.0, 2.0, 0.5, 0.0],
                  [0.0, 0.0, 0.5, 5.0, 1.0],
                  [0.0, 0.0, 0.0, 1.0, 1.5]])
    R = np.linalg.cholesky(A / 2).T
    extra = {}
    if residuals:
        extra = dict(r=lambda X: X @ R.T,
                     j=lambda X: np.broadcast_to(R, X.shape[:-1] + (5, 5)).copy())
    return core.Problem(
        name="quadratic5", title="5-D quadratic", formula="f(x) = ½xᵀAx", dim=5,
        domain=[[-1.0, 1.0]] * 5, f=lambda X: 0.5 * np.einsum("...i,ij,...j->...", X, A, X),
        g=lambda X: X @ A, h=lambda X: np.broadcast_to(A, X.shape[:-1] + (5, 5)).copy(),
        minima=np.zeros((1, 5)), **extra,
    )


X0_5 = [1.0, -1.0, 0.5, 0.3, -0.7]


def custom(name: str, f, g, h, dim: int = 2) -> core.Problem:
    return core.Problem(name=name, title=name, formula=name, dim=dim,
                        domain=[[-2.0, 2.0]] * dim, f=f, g=g, h=h)


def trial_count(r: core.Result) -> int:
    """Number of line-search trial points over the whole run (NaN rows are padding)."""
    return sum(int(np.isfinite(d["trials"][..., 0]).sum()) for d in r.diagnostics[1:])


# -- Newton ---------------------------------------------------------------------------

def ref_newton(p: core.Problem, x0, steps: int, lr: float = 1.0) -> np.ndarray:
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * np.linalg.solve(p.hess(x), p.grad(x))
        path.append(x.copy())
    return np.array(path)


@pytest.mark.parametrize("name, x0", [("rosenbrock", [-1.2, 1.0]), ("himmelblau", [1.0, 1.0]),
                                      ("two_bumps", [0.5, -1.0])])
def test_newton_path_is_x_minus_h_inverse_grad(name, x0):
    p = core.get_problem(name)
    r = core.run(p, "newton", x0, steps=4, tol=0)
    np.testing.assert_allclose(r.path, ref_newton(p, x0, 4), rtol=1e-13, atol=1e-15)
    half = core.run(p, "newton", x0, steps=4, tol=0, lr=0.5)
    np.testing.assert_allclose(half.path, ref_newton(p, x0, 4, lr=0.5), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, x0", [("bowl", [1.5, -1.0]), ("ellipse", [2.5, -1.5]),
                                      ("parabola", [1.5])])
@pytest.mark.parametrize("variant", ["pure", "damped"])
def test_newton_on_a_quadratic_converges_in_one_step(name, x0, variant):
    r = core.run(name, "newton", x0, variant=variant, diagnostics=True)
    assert r.status == "converged" and r.nit == 1
    np.testing.assert_allclose(r.x, 0.0, atol=1e-15)
    assert (r.nfev, r.ngev, r.nhev) == (2, 2, 1)
    d = r.diagnostics[1]
    assert bool(d["hessian_ok"]) is True
    np.testing.assert_allclose(d["newton_step"], -np.asarray(x0), rtol=1e-15)
    np.testing.assert_array_equal(d["step"], r.x - np.asarray(x0))
    assert "Note" not in r.message


def test_newton_on_the_5d_quadratic_converges_in_one_step():
    r = core.run(quadratic5(), "newton", X0_5)
    assert r.status == "converged" and r.nit == 1
    np.testing.assert_allclose(r.x, 0.0, atol=1e-15)


@pytest.mark.parametrize("x0", [[3.3, 1.6], [3.1, 2.1]])
def test_newton_converges_quadratically_near_a_minimum(x0):
    # The order p from successive errors: e_{k+1}/e_k = (e_k/e_{k-1})^p for e ~ C·e².
    r = core.run("himmelblau", "newton", x0, steps=10, tol=0)
    e = np.linalg.norm(r.path - [3.0, 2.0], axis=1)
    usable = [k for k in range(2, len(e)) if e[k] > 1e-13]  # above rounding
    assert len(usable) >= 2
    orders = [math.log(e[k] / e[k - 1]) / math.log(e[k - 1] / e[k - 2]) for k in usable]
    assert min(orders) >= 1.8, orders
    assert e[-1] < 1e-14  # and the minimum is reached to machine precision


def test_newton_from_a_saddle_region_reports_the_indefinite_hessian():
    # saddle f = x² − y², H = diag(2, −2): Newton jumps straight to the saddle point.
    r = core.run("saddle", "newton", [1.0, 1.0], diagnostics=True)
    assert r.status == "converged" and r.nit == 1
    np.testing.assert_array_equal(r.x, [0.0, 0.0])
    assert bool(r.diagnostics[1]["hessian_ok"]) is False
    assert "not positive definite at 1 step" in r.message
    assert "saddle point" in r.message and r.message.endswith(".")
    # the damped variant follows the gradient instead: downhill along y, away from the saddle
    d = core.run("saddle", "newton", [1.0, 1.0], variant="damped", steps=5, tol=0,
                 diagnostics=True)
    assert d.status == "max_steps"
    assert not any(bool(s["hessian_ok"]) for s in d.diagnostics[1:])
    assert abs(d.x[1]) > 1.0 and d.values[-1] < d.values[0]
    assert "not positive definite at 5 steps" in d.message and "followed the gradient" in d.message


def test_newton_far_out_on_two_bumps_does_not_crash_and_says_why():
    p = core.get_problem("two_bumps")
    x0 = [2.5, 2.5]
    assert np.linalg.eigvalsh(p.hess(np.array(x0))).min() < 0  # indefinite there
    r = core.run(p, "newton", x0, steps=50, diagnostics=True)
    assert r.status in core.STATUSES
    assert bool(r.diagnostics[1]["hessian_ok"]) is False
    assert "hessian_ok False" in r.message
    # damped Newton follows the gradient until near, then Newton takes over
    d = core.run(p, "newton", x0, steps=2000, variant="damped", diagnostics=True)
    assert d.status == "converged"
    np.testing.assert_allclose(d.x, p.minima[0], atol=1e-8)
    ok = [bool(s["hessian_ok"]) for s in d.diagnostics[1:]]
    assert not ok[0] and all(ok[-3:])
    assert "followed the gradient" in d.message


def test_newton_with_a_singular_or_broken_hessian_does_not_crash():
    # f = x⁴ + y² at x = 0: H = diag(0, 2) is singular; the pseudo-inverse step
    # (the Newton step where there is curvature) lands on the minimum.
    quartic = custom("quartic", lambda X: X[..., 0] ** 4 + X[..., 1] ** 2,
                     lambda X: np.stack([4 * X[..., 0] ** 3, 2 * X[..., 1]], axis=-1),
                     lambda X: np.stack([np.stack([12 * X[..., 0] ** 2, 0 * X[..., 0]], -1),
                                         np.stack([0 * X[..., 0], 2 + 0 * X[..., 0]], -1)], -2))
    r = core.run(quartic, "newton", [0.0, 1.0], diagnostics=True)
    assert r.status == "converged" and r.nit == 1
    np.testing.assert_array_equal(r.x, [0.0, 0.0])
    np.testing.assert_allclose(r.diagnostics[1]["newton_step"], [0.0, -1.0], atol=1e-15)
    assert bool(r.diagnostics[1]["hessian_ok"]) is False
    assert "singular at 1 step" in r.message
    # a plane: H = 0 everywhere, no Newton step at all; the gradient is followed
    plane = custom("plane", lambda X: X[..., 0] + X[..., 1], lambda X: np.ones_like(X),
                   lambda X: np.zeros(X.shape + (2,)))
    r = core.run(plane, "newton", [0.5, 0.5], steps=3, lr=0.25, diagnostics=True)
    assert r.status == "max_steps"
    np.testing.assert_allclose(r.path[:, 0], 0.5 - 0.25 * np.arange(4))
    assert np.all(np.isnan(r.diagnostics[1]["newton_step"]))
    # a Hessian full of NaN: reported, and the gradient step is taken
    broken = custom("broken", lambda X: np.sum(X * X, -1), lambda X: 2 * X,
                    lambda X: np.full(X.shape + (2,), np.nan))
    r = core.run(broken, "newton", [1.0, -1.0], steps=2, tol=0, lr=0.25, diagnostics=True)
    np.testing.assert_allclose(r.path[1], [0.5, -0.5])
    assert bool(r.diagnostics[1]["hessian_ok"]) is False and "Note" in r.message


def test_damped_newton_reaches_rosenbrocks_minimum():
    r = core.run("rosenbrock", "newton", [-1.2, 1.0], variant="damped", steps=500,
                 diagnostics=True)
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-9)
    assert np.all(np.diff(r.values) < 0)  # every accepted step goes downhill
    # exact counts: one Hessian per step, one f per trial, one g per accepted step
    assert r.nhev == r.nit and r.ngev == r.nit + 1
    assert r.nfev == 1 + trial_count(r)
    assert (r.nit, r.nfev, r.ngev, r.nhev) == (21, 29, 22, 21)
    for k, d in enumerate(r.diagnostics[1:], start=1):
        trials = d["trials"]
        # the trials are x + α·p with α = 1, ½, ¼, … along Newton's step (or, where
        # the Hessian is not positive definite, along −∇f); the last one is taken
        p = d["newton_step"] if d["hessian_ok"] else -d["grad"]
        alphas = 0.5 ** np.arange(len(trials))
        np.testing.assert_array_equal(trials, r.path[k - 1] + alphas[:, None] * p)
        np.testing.assert_array_equal(trials[-1], r.path[k])


def test_pure_newton_counts():
    for name, x0, nit in (("rosenbrock", [-1.2, 1.0], 6), ("himmelblau", [1.0, 1.0], 8)):
        r = core.run(name, "newton", x0)
        assert r.status == "converged" and r.nit == nit
        assert (r.nfev, r.ngev, r.nhev) == (nit + 1, nit + 1, nit)
        np.testing.assert_array_equal(r.evals, np.arange(nit + 1) + 1)


# -- conjugate gradient -----------------------------------------------------------------

BETAS = ("polak_ribiere", "fletcher_reeves")


@pytest.mark.parametrize("beta", BETAS)
def test_cg_with_exact_line_search_on_the_ellipse_by_hand(beta):
    # ellipse f = ½x² + 12.5y², H = diag(1, 25), from (2.5, −1.5): g0 = (2.5, −37.5).
    # Exact step along −g0: α0 = g0ᵀg0 / g0ᵀHg0 = 1412.5 / 35162.5.
    # Then the conjugate direction leads to the minimum: 2 iterations in all.
    g0 = np.array([2.5, -37.5])
    a0 = 1412.5 / 35162.5
    x1 = np.array([2.5, -1.5]) - a0 * g0
    r = core.run("ellipse", "cg", [2.5, -1.5], beta=beta, line_search="exact_quadratic",
                 diagnostics=True)
    assert r.status == "converged" and r.nit == 2
    np.testing.assert_allclose(r.path[1], x1, rtol=1e-14)
    np.testing.assert_allclose(r.x, [0.0, 0.0], atol=1e-14)
    assert (r.nfev, r.ngev, r.nhev) == (3, 3, 2)
    # the second direction is H-conjugate to the first: d1ᵀ H d0 = 0
    d0, d1 = r.diagnostics[1]["direction"], r.diagnostics[2]["direction"]
    np.testing.assert_allclose(d0, -g0)
    assert abs(d1 @ np.diag([1.0, 25.0]) @ d0) < 1e-12 * np.linalg.norm(d0) * np.linalg.norm(d1) * 25


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("name, x0, n", [("ellipse", [2.5, -1.5], 2), ("ellipse", [-1.0, 2.0], 2),
                                         ("bowl", [1.5, -1.0], 1), ("parabola", [1.5], 1)])
def test_cg_reaches_a_quadratics_minimum_in_at_most_n_steps(name, x0, n, beta):
    # A round bowl needs only 1: its steepest-descent direction points at the centre.
    r = core.run(name, "cg", x0, beta=beta, line_search="exact_quadratic")
    assert r.status == "converged" and r.nit == n
    np.testing.assert_allclose(r.x, 0.0, atol=1e-14)
    assert (r.nfev, r.ngev, r.nhev) == (n + 1, n + 1, n)


@pytest.mark.parametrize("beta", BETAS)
def test_cg_reaches_the_5d_quadratics_minimum_in_5_steps(beta):
    p = quadratic5()
    r = core.run(p, "cg", X0_5, beta=beta, line_search="exact_quadratic", diagnostics=True)
    assert r.status == "converged" and r.nit == 5
    np.testing.assert_allclose(r.x, 0.0, atol=1e-14)
    assert (r.nfev, r.ngev, r.nhev) == (6, 6, 5)
    # every pair of directions is A-conjugate (A = the Hessian)
    A = p.hess(np.zeros(5))
    D = np.array([d["direction"] for d in r.diagnostics[1:]])
    C = D @ A @ D.T
    off = C - np.diag(np.diag(C))
    assert np.abs(off).max() < 1e-10 * np.abs(np.diag(C)).max()
    # four steps are not enough (the eigenvalues of A are distinct)
    assert core.run(p, "cg", X0_5, beta=beta, line_search="exact_quadratic", steps=4).status == "max_steps"


@pytest.mark.parametrize("beta", BETAS)
def test_cg_with_wolfe_line_search_on_the_5d_quadratic(beta):
    # Cubic interpolation is exact on a quadratic, so here the Wolfe search also
    # finds the exact line minimum and CG keeps its finite termination.
    r = core.run(quadratic5(), "cg", X0_5, beta=beta)
    assert r.status == "converged" and r.nit == 5
    assert r.nfev == r.ngev and r.nhev == 0


def test_cg_counts_per_line_search():
    for kw in ({}, {"beta": "fletcher_reeves"}):
        r = core.run("rosenbrock", "cg", [-1.2, 1.0], diagnostics=True, **kw)
        assert r.status == "converged"
        assert r.nfev == r.ngev == 1 + trial_count(r) and r.nhev == 0
    r = core.run("rosenbrock", "cg", [-1.2, 1.0], diagnostics=True)
    assert (r.nit, r.nfev) == (33, 123)
    r = core.run("himmelblau", "cg", [1.0, 1.0], line_search="backtracking", diagnostics=True)
    assert r.status == "converged"
    moved = sum(bool(np.any(d["step"] != 0)) for d in r.diagnostics[1:])
    assert r.nfev == 1 + trial_count(r) and r.ngev == 1 + moved and r.nhev == 0
    r = core.run("rosenbrock", "cg", [-1.2, 1.0], line_search="exact_quadratic",
                 diagnostics=True)
    assert r.status == "converged"
    assert r.nfev == 1 + trial_count(r) and r.ngev == r.nit + 1 and r.nhev == r.nit


def _check_strong_wolfe(p: core.Problem, r: core.Result, c1: float, c2: float) -> None:
    for k, d in enumerate(r.diagnostics[1:], start=1):
        x, x_new, direction = r.path[k - 1], r.path[k], d["direction"]
        alpha = float((x_new - x) @ direction / (direction @ direction))
        slope0 = float(p.grad(x) @ direction)
        assert slope0 < 0
        f0, f1 = float(p.value(x)), float(p.value(x_new))
        assert f1 <= f0 + c1 * alpha * slope0 + 1e-12 * abs(f0)
        assert abs(float(p.grad(x_new) @ direction)) <= c2 * abs(slope0) * (1 + 1e-9)


@pytest.mark.parametrize("method, c2", [("cg", 0.1), ("bfgs", 0.9)])
@pytest.mark.parametrize("name, x0", [("rosenbrock", [-1.2, 1.0]), ("himmelblau", [0.5, 4.0])])
def test_every_accepted_step_satisfies_the_strong_wolfe_conditions(method, c2, name, x0):
    p = core.get_problem(name)
    r = core.run(p, method, x0, diagnostics=True, steps=200)
    assert r.status == "converged"
    assert "line search found no" not in r.message
    _check_strong_wolfe(p, r, 1e-4, c2)


# -- BFGS -----------------------------------------------------------------------------

@pytest.mark.parametrize("x0, nit, nfev", [([-1.2, 1.0], 41, 49), ([-1.5, 2.0], 49, 62)])
def test_bfgs_reaches_rosenbrocks_minimum(x0, nit, nfev):
    r = core.run("rosenbrock", "bfgs", x0, steps=500, diagnostics=True)
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-9)
    assert (r.nit, r.nfev, r.ngev, r.nhev) == (nit, nfev, nfev, 0)
    assert r.nfev == 1 + trial_count(r)


def test_bfgs_on_the_5d_quadratic():
    r = core.run(quadratic5(), "bfgs", X0_5)
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, 0.0, atol=1e-8)


# -- stalled at rounding level ---------------------------------------------------------

#: From the app's default start (−0.5, 0.5) on two_bumps, e.g. BFGS reaches the
#: local minimum's gradient norm ~1e-16 at step 50, where no decrease is
#: measurable any more.
STALLS = [("bfgs", {}, 50, 155), ("cg", {}, 11, 78), ("newton", {"variant": "damped"}, 5, 6)]


@pytest.mark.parametrize("method, options, k, nfev", STALLS)
def test_a_line_search_stuck_at_rounding_level_converges(method, options, k, nfev):
    p = core.get_problem("two_bumps")
    r = core.run(p, method, [-0.5, 0.5], steps=1000, tol=1e-30, **options)
    assert r.status == "converged" and r.nit == k and r.nfev == nfev
    assert "no decrease along its direction is large enough to tell from rounding" in r.message
    assert "gradient norm" in r.message and "only a local minimum" in r.message
    assert r.grad_norms[-1] < 1e-15  # it really is at the bottom
    np.testing.assert_allclose(r.x, [-0.99351327, 0.99589678], atol=1e-7)


@pytest.mark.parametrize("method, options, k, nfev", STALLS)
def test_tolerance_0_steps_on_without_searching_again(method, options, k, nfev):
    # The stalled run would repeat the same failed search forever: it keeps
    # stepping (tolerance 0 asks for every step) but brews no more tea.
    p = core.get_problem("two_bumps")
    r = core.run(p, method, [-0.5, 0.5], steps=1000, tol=0.0, keep_path=True, **options)
    assert r.status == "max_steps" and r.nit == 1000 and r.nfev == nfev
    np.testing.assert_array_equal(r.path[k:], np.broadcast_to(r.path[k], r.path[k:].shape))


def test_a_failed_search_with_a_measurable_decrease_is_not_stalled():
    # A first trial 10,000 times Newton's step and one trial per search: every
    # search fails and the run stays put, but a decrease would be measurable,
    # so the run goes on trying (one evaluation a step), never claiming to be done.
    r = core.run("rosenbrock", "newton", [-1.2, 1.0], steps=30, variant="damped", max_trials=1,
                 lr=1e4)
    assert r.status == "max_steps" and r.nfev == 1 + 30
    assert "The line search found no lower point at 30 steps" in r.message
    np.testing.assert_array_equal(r.x, [-1.2, 1.0])


# -- Levenberg–Marquardt ----------------------------------------------------------------

def ref_lm(p: core.Problem, x0, steps: int, nu: float = 1e-3, up: float = 10.0,
           down: float = 3.0):
    """The slides' rule: w ← w − (JᵀJ + νI)⁻¹Jᵀε, kept when the actual decrease
    is at least a quarter of the predicted one; ν ÷ down above three quarters,
    ν × up (and the step rejected) below a quarter."""
    x = np.array(x0, dtype=float)
    r, J = p.residuals(x), p.jacobian(x)
    path, nus, accepted = [x.copy()], [], []
    for _ in range(steps):
        step = -np.linalg.solve(J.T @ J + nu * np.eye(x.size), J.T @ r)
        r_new = p.residuals(x + step)
        predicted = r @ r - (r + J @ step) @ (r + J @ step)
        ratio = (r @ r - r_new @ r_new) / predicted
        nus.append(nu)
        accepted.append(bool(predicted > 0 and ratio >= 0.25))
        if accepted[-1]:
            x = x + step
            r, J = r_new, p.jacobian(x)
        nu = nu / down if ratio > 0.75 else (nu if ratio >= 0.25 else nu * up)
        path.append(x.copy())
    return np.array(path), np.array(nus), np.array(accepted)


@pytest.mark.parametrize("x0", [[-1.5, 2.0], [-1.2, 1.0]])
def test_lm_reaches_rosenbrocks_minimum_with_nu_per_step(x0):
    p = core.get_problem("rosenbrock")
    r = core.run(p, "lm", x0, steps=200, diagnostics=True)
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-8)
    assert (r.nfev, r.ngev, r.nhev) == (r.nit + 1, r.nit + 1, 0)
    nus = np.array([d["nu"] for d in r.diagnostics[1:]])
    accepted = np.array([bool(d["accepted"]) for d in r.diagnostics[1:]])
    path, want_nus, want_accepted = ref_lm(p, x0, r.nit)
    np.testing.assert_allclose(r.path, path, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nus, want_nus, rtol=1e-12)
    np.testing.assert_array_equal(accepted, want_accepted)
    # the first Gauss–Newton-like step overshoots along the valley: rejected, ν grows tenfold
    assert not accepted[0] and nus[1] == 10 * nus[0]
    np.testing.assert_array_equal(r.path[1], x0)
    # near the end ν has shrunk: the steps are (almost) Gauss–Newton steps
    assert nus[-1] < nus.max() / 100 and accepted[-3:].all()
    for k, d in enumerate(r.diagnostics[1:], start=1):
        np.testing.assert_allclose(d["grad"], p.grad(r.path[k - 1]), rtol=1e-12, atol=1e-12)


def test_lm_on_the_5d_least_squares_quadratic():
    r = core.run(quadratic5(), "lm", X0_5)
    assert r.status == "converged" and r.nit <= 5
    np.testing.assert_allclose(r.x, 0.0, atol=1e-9)


@pytest.mark.parametrize("name", ["bowl", "ellipse", "parabola", "saddle", "two_bumps"])
def test_lm_refuses_problems_without_residuals(name):
    p = core.get_problem(name)
    with pytest.raises(ValueError, match="least-squares") as info:
        core.run(p, "lm", np.zeros(p.dim))
    assert "'lm'" in str(info.value) and repr(name) in str(info.value)
    with pytest.raises(ValueError, match="least-squares"):
        core.run(quadratic5(residuals=False), "lm", X0_5)


# -- maximize -----------------------------------------------------------------------------

def test_newton_finds_the_top_of_an_upside_down_bowl():
    cap = custom("cap", lambda X: 3.0 - np.sum(X * X, -1), lambda X: -2 * X,
                 lambda X: np.broadcast_to(-2 * np.eye(2), X.shape + (2,)).copy())
    r = core.run(cap, "newton", [1.5, -1.0], maximize=True, diagnostics=True)
    assert r.status == "converged" and r.nit == 1 and r.fun == 3.0
    np.testing.assert_array_equal(r.x, [0.0, 0.0])
    assert bool(r.diagnostics[1]["hessian_ok"]) is True and "Note" not in r.message
    # maximising the ordinary bowl: the Hessian curves the wrong way, and it says so
    r = core.run("bowl", "newton", [1.5, -1.0], maximize=True)
    assert "not negative definite" in r.message and "minimum" in r.message


@pytest.mark.parametrize("method, options", [
    ("newton", {}), ("newton", {"variant": "damped"}), ("cg", {}),
    ("cg", {"line_search": "exact_quadratic"}), ("cg", {"beta": "fletcher_reeves"}), ("bfgs", {}),
])
def test_maximize_climbs_to_himmelblaus_maximum(method, options):
    # f ≈ 181.6 at the top: the line searches must cope with decreases below f's rounding.
    p = core.get_problem("himmelblau")
    r = core.run(p, method, [0.0, -0.5], maximize=True, steps=100, **options)
    assert r.status == "converged", r.message
    np.testing.assert_allclose(r.x, p.maxima[0], atol=1e-9)
    assert r.fun == pytest.approx(float(p.value(p.maxima[0])), rel=1e-14)


def test_maximize_equals_minimising_the_negative():
    p = core.get_problem("himmelblau")
    neg = core.Problem(name="neg", title="−himmelblau", formula="−f", dim=2, domain=p.domain,
                       f=lambda X: -p.f(X), g=lambda X: -p.g(X), h=lambda X: -p.h(X))
    for method, options in (("newton", {"variant": "damped"}), ("cg", {}), ("bfgs", {})):
        up = core.run(p, method, [0.5, -0.5], steps=15, tol=0, maximize=True, **options)
        down = core.run(neg, method, [0.5, -0.5], steps=15, tol=0, **options)
        np.testing.assert_array_equal(up.path, down.path)
        np.testing.assert_array_equal(up.values, -down.values)
        assert (up.nfev, up.ngev, up.nhev) == (down.nfev, down.ngev, down.nhev)


def test_lm_maximising_a_sum_of_squares_runs_and_climbs():
    r = core.run("rosenbrock", "lm", [0.5, 0.5], maximize=True, steps=30, diagnostics=True)
    assert r.status in core.STATUSES and r.message.endswith(".")
    assert r.values[-1] > r.values[0]
    np.testing.assert_allclose(r.values, core.get_problem("rosenbrock").value(r.path), rtol=1e-12)


# -- batches --------------------------------------------------------------------------------

VARIANTS = [
    ("newton", {"variant": "damped"}),
    ("cg", {"line_search": "wolfe"}),
    ("cg", {"line_search": "backtracking", "beta": "fletcher_reeves"}),
    ("cg", {"line_search": "exact_quadratic"}),
    ("bfgs", {}),
    ("lm", {"nu": 1.0}),
]


@pytest.mark.parametrize("method, options", VARIANTS,
                         ids=[f"{m}-{'-'.join(map(str, o.values()))}" for m, o in VARIANTS])
@pytest.mark.parametrize("name", ["himmelblau", "rosenbrock"])
def test_batched_line_searches_equal_single_runs(method, options, name):
    # Each run has its own line search; a batch must match the runs done one by
    # one bit for bit, counters included, also when runs finish at different steps.
    p = core.get_problem(name)
    rng = np.random.default_rng(11)
    X0 = p.domain[:, 0] + (p.domain[:, 1] - p.domain[:, 0]) * rng.uniform(0.1, 0.9, (5, 2))
    X0[0] = p.minima[0]
    batch = core.run(p, method, X0, steps=80, tol=1e-6, diagnostics=True, **options)
    assert batch.status[0] == "converged" and batch.nit[0] == 0
    assert len(set(batch.nit.tolist())) >= 2
    for i in range(len(X0)):
        one = core.run(p, method, X0[i], steps=80, tol=1e-6, diagnostics=True, **options)
        k = one.nit
        assert (batch.nit[i], batch.status[i]) == (k, one.status)
        assert (batch.nfev[i], batch.ngev[i], batch.nhev[i]) == (one.nfev, one.ngev, one.nhev)
        np.testing.assert_array_equal(batch.path[: k + 1, i], one.path)
        np.testing.assert_array_equal(batch.values[: k + 1, i], one.values)
        for j in range(1, k + 1):
            for key, value in one.diagnostics[j].items():
                got = batch.diagnostics[j][key][i]
                if key == "trials":  # the batch pads with NaN rows to its longest search
                    assert np.all(np.isnan(got[len(value):]))
                    got = got[: len(value)]
                np.testing.assert_array_equal(got, value)


def test_batched_newton_reports_hessian_ok_per_run():
    p = core.get_problem("two_bumps")
    X0 = np.array([[0.8, -1.2], [2.5, 2.5], [-1.0, 1.0]])
    r = core.run(p, "newton", X0, steps=1, tol=0, diagnostics=True)
    np.testing.assert_array_equal(r.diagnostics[1]["hessian_ok"], [True, False, True])
    assert r.diagnostics[1]["newton_step"].shape == (3, 2)


# -- methods × problems -------------------------------------------------------------------

STARTS = {"bowl": [1.5, -1.0], "ellipse": [2.5, -1.5], "rosenbrock": [-1.2, 1.0],
          "himmelblau": [1.0, 1.0], "parabola": [1.5], "quadratic5": X0_5}
SETTINGS = [
    ("newton", {}), ("newton", {"variant": "damped"}),
    ("cg", {}), ("cg", {"beta": "fletcher_reeves"}),
    ("cg", {"line_search": "exact_quadratic"}),
    ("cg", {"line_search": "exact_quadratic", "beta": "fletcher_reeves"}),
    ("bfgs", {}), ("lm", {}),
]
# Steps each setting needs at most (None: it does not apply, no residuals).
STEP_LIMIT = {
    "newton": dict(bowl=1, ellipse=1, parabola=1, quadratic5=1, rosenbrock=10, himmelblau=10),
    "cg": dict(bowl=5, ellipse=15, parabola=5, quadratic5=10, rosenbrock=100, himmelblau=20),
    "cg_exact": dict(bowl=1, ellipse=2, parabola=1, quadratic5=5, rosenbrock=100, himmelblau=20),
    "bfgs": dict(bowl=5, ellipse=15, parabola=5, quadratic5=20, rosenbrock=60, himmelblau=15),
    "lm": dict(bowl=None, ellipse=None, parabola=None, quadratic5=5, rosenbrock=40, himmelblau=15),
}


def _limit(method: str, options: dict, name: str):
    if method == "cg" and options.get("line_search") == "exact_quadratic":
        return STEP_LIMIT["cg_exact"][name]
    if method == "newton" and options.get("variant") == "damped" and name == "rosenbrock":
        return 30  # backtracking and gradient steps: slower on the banana
    return STEP_LIMIT[method][name]


@pytest.mark.parametrize("name", sorted(STARTS))
@pytest.mark.parametrize("method, options", SETTINGS,
                         ids=[f"{m}-{'-'.join(map(str, o.values())) or 'default'}" for m, o in SETTINGS])
def test_methods_times_problems(method, options, name):
    p = quadratic5() if name == "quadratic5" else core.get_problem(name)
    limit = _limit(method, options, name)
    if limit is None:
        with pytest.raises(ValueError, match="least-squares"):
            core.run(p, method, STARTS[name], **options)
        return
    r = core.run(p, method, STARTS[name], steps=500, **options)
    assert r.status == "converged", r.message
    assert r.nit <= limit
    nearest = np.linalg.norm(p.minima - r.x, axis=1).min()
    assert nearest < 1e-7
    assert r.fun == pytest.approx(0.0, abs=1e-14)
    assert r.message.startswith(f"Converged at step {r.nit}")
    if name != "himmelblau":  # convex, or (rosenbrock) convex along these paths
        assert "Note" not in r.message
    elif method == "newton":  # the Hessian at (1, 1) is indefinite: hxx = 12 + 4 − 42 < 0
        assert "not positive definite at 1 step" in r.message


def test_every_second_order_method_is_registered():
    for name in SECOND_ORDER:
        m = core.METHODS[name]
        assert m.group == "second-order" and m.batched and not m.stochastic
    assert core.METHODS["lm"].needs == frozenset({"residuals"})
    assert "h" in core.METHODS["newton"].needs


# -- bad hyperparameters ----------------------------------------------------------------------

BAD = [
    ("newton", {"lr": 0.0}, "lr"),
    ("newton", {"lr": -1.0}, "lr"),
    ("newton", {"variant": "halley"}, "variant"),
    ("newton", {"variant": None}, "variant"),
    ("newton", {"c1": 0.0}, "c1"),
    ("newton", {"c1": 0.5}, "c1"),
    ("newton", {"rho": 1.0}, "rho"),
    ("newton", {"rho": 0.0}, "rho"),
    ("newton", {"max_trials": 0}, "max_trials"),
    ("newton", {"max_trials": 2.5}, "max_trials"),
    ("cg", {"beta": "hestenes_stiefel"}, "beta"),
    ("cg", {"line_search": "exact"}, "line_search"),
    ("cg", {"c2": 1.0}, "c2"),
    ("cg", {"c2": 0.05}, "c2"),
    ("cg", {"c1": NAN}, "c1"),
    ("cg", {"lr": INF}, "lr"),
    ("bfgs", {"c1": -1e-4}, "c1"),
    ("bfgs", {"c2": 1.5}, "c2"),
    ("bfgs", {"max_trials": 101}, "max_trials"),
    ("bfgs", {"rho": 0.5}, "rho"),  # BFGS has no backtracking factor
    ("lm", {"nu": 0.0}, "nu"),
    ("lm", {"nu": -1.0}, "nu"),
    ("lm", {"nu_up": 1.0}, "nu_up"),
    ("lm", {"nu_down": 0.5}, "nu_down"),
    ("lm", {"nu_up": "10"}, "nu_up"),
    ("lm", {"lr": NAN}, "lr"),
]


@pytest.mark.parametrize("method, hyper, name", BAD,
                         ids=[f"{m}-{next(iter(h))}={h[next(iter(h))]!r}" for m, h, _ in BAD])
def test_bad_hyperparameters_raise_a_value_error_naming_them(method, hyper, name):
    problem = "rosenbrock"
    with pytest.raises(ValueError, match=re.escape(name)):
        core.run(problem, method, [-1.2, 1.0], steps=3, **hyper)
    with pytest.raises(ValueError, match=re.escape(name)):
        core.Runner(problem, method, [-1.2, 1.0], steps=3).set_hyper(**hyper)


# -- notes in the message -----------------------------------------------------------------------

def test_the_note_is_only_added_for_single_runs():
    one = core.run("saddle", "newton", [1.0, 1.0])
    assert "Note:" in one.message
    batch = core.run("saddle", "newton", [[1.0, 1.0], [0.5, 2.0]])
    assert batch.message == "Of 2 runs: 2 converged."
    runner = core.Runner("saddle", "newton", [1.0, 1.0], steps=10)
    assert "Note" not in runner.message()  # nothing has happened yet
    runner.advance(1)
    assert runner.message().startswith("Stopped at step 1: the gradient is exactly zero") and "Note:" in runner.message()
