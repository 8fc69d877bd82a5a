"""Second-order and quasi-Newton methods: Newton, nonlinear CG, BFGS, Levenberg–Marquardt.

All four are batched: independent runs advance together along the leading
axis, each with its own line search, and a batched run is bit-identical to
the same runs done one at a time.  Line searches evaluate every run at each
trial but count an evaluation only for the runs still searching (the
``where=`` argument of the evaluation context), so counters stay exact.

Evaluation cost per iteration (what ``nfev``/``ngev``/``nhev`` record)
---------------------------------------------------------------------
Every method evaluates f and g once at the start (LM: residuals and Jacobian,
counted as one f and one g).  Then, per iteration:

``newton`` "pure"
    1 Hessian at x, then f and g at the new point: (1, 1, 1).
``newton`` "damped"
    1 Hessian; 1 f per line-search trial; 1 g at the accepted point (none
    when the line search fails and x stays put).
``cg`` with ``line_search="exact_quadratic"``
    1 Hessian (for the exact step along the line); 1 f per trial (a single
    trial on a quadratic); 1 g at the accepted point.
``cg`` with ``"backtracking"``
    1 f per trial; 1 g at the accepted point.
``cg`` with ``"wolfe"``, ``bfgs``
    f and g at every trial (the Wolfe conditions need the slope there).
``lm``
    residuals and Jacobian at the trial point (1 f and 1 g), whether the
    step is accepted or rejected.

So on a 2-D quadratic, ``cg`` with the exact line search converges in 2
iterations with ``nfev == ngev == 3`` and ``nhev == 2``, and pure Newton in
1 iteration with ``nfev == ngev == 2`` and ``nhev == 1``.

Examples
--------
>>> import core
>>> r = core.run("ellipse", "cg", [2.5, -1.5], line_search="exact_quadratic")
>>> r.nit, (r.nfev, r.ngev, r.nhev)
(2, (3, 3, 2))
>>> core.run("rosenbrock", "lm", [-1.2, 1.0]).x.round(8).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..text import plural
from .base import HyperParam, Method, learning_rate, register_method

Array = np.ndarray

#: An eigenvalue smaller than this fraction of the largest one counts as zero.
_RCOND = 1e-13
#: Relative rounding error allowed in f when a line search compares values.
_FTOL = 1e-12
_NU_MIN, _NU_MAX = 1e-12, 1e12


# -- small batched linear algebra ------------------------------------------------

def _reduce_rows(op: np.ufunc, M: Array) -> Array:
    """Reduce the last axis of ``M`` with ``op``, one column at a time.

    For the handful of coordinates these methods see, a Python loop over the
    columns is tens of times faster than numpy's reduction over a short axis.
    """
    out = M[..., 0]
    for i in range(1, M.shape[-1]):
        out = op(out, M[..., i])
    return out


def _dot(a: Array, b: Array) -> Array:
    """Row-wise dot product of (runs, n) arrays."""
    return _reduce_rows(np.add, a * b)


def _matvec(A: Array, v: Array) -> Array:
    """(runs, m, n) @ (runs, n) row by row."""
    return _reduce_rows(np.add, A * v[:, None, :])


def _all_finite(A: Array) -> Array:
    """True per run where every entry of ``A`` (runs, ...) is finite."""
    return _reduce_rows(np.logical_and, np.isfinite(A.reshape(A.shape[0], -1)))


def _outer(a: Array, b: Array) -> Array:
    """Row-wise outer products: (runs, n), (runs, n) -> (runs, n, n)."""
    return a[:, :, None] * b[:, None, :]


def _eigvals_sym(H: Array) -> Array:
    """Ascending eigenvalues of symmetric (runs, n, n) matrices.

    Closed form for n <= 2 (the landscapes: fast enough for a 65,536-run
    basin map), LAPACK otherwise.  Non-finite matrices must be replaced first.
    """
    n = H.shape[-1]
    if n == 1:
        return H[:, :, 0].copy()
    if n == 2:
        a, b, c = H[:, 0, 0], 0.5 * (H[:, 0, 1] + H[:, 1, 0]), H[:, 1, 1]
        mean = 0.5 * (a + c)
        rad = np.hypot(0.5 * (a - c), b)
        return np.stack([mean - rad, mean + rad], axis=-1)
    return np.linalg.eigvalsh(H)


def _hessian_kind(H: Array) -> tuple[Array, Array, Array]:
    """Which Hessians are finite, invertible and positive definite, per run."""
    finite = _all_finite(H)
    safe = np.where(finite[:, None, None], H, np.eye(H.shape[-1]))
    w = _eigvals_sym(safe)
    size = np.abs(w)
    big = _reduce_rows(np.maximum, size)
    invertible = finite & (big > 0) & (_reduce_rows(np.minimum, size) > _RCOND * big)
    positive = invertible & (w[:, 0] > 0)
    return finite, invertible, positive


def _solve(A: Array, b: Array, ok: Array) -> Array:
    """Solve ``A x = b`` for the runs in ``ok`` (NaN elsewhere); never raises."""
    eye = np.eye(A.shape[-1])
    As = np.where(ok[:, None, None], A, eye)
    bs = np.where(ok[:, None], b, 0.0)
    try:
        x = np.linalg.solve(As, bs[..., None])[..., 0]
    except np.linalg.LinAlgError:  # exactly singular despite the check: one by one
        x = np.full_like(bs, np.nan)
        for i in np.flatnonzero(ok):
            try:
                x[i] = np.linalg.solve(As[i], bs[i])
            except np.linalg.LinAlgError:
                ok = ok.copy()
                ok[i] = False
    return np.where(ok[:, None], x, np.nan)


def _flat(hp) -> dict:
    """Hyperparameters with per-run values flattened to shape (runs,).

    The runner hands per-run values (a learning-rate sweep) as (runs, 1)
    arrays; the line searches work with (runs,) arrays.
    """
    return {k: v.reshape(-1) if isinstance(v, np.ndarray) else v for k, v in hp.items()}


def _col(v):
    """A scalar, or a (runs,) array as a (runs, 1) column to scale (runs, dim) rows."""
    return v[:, None] if isinstance(v, np.ndarray) else v


def _full(v, runs: int) -> Array:
    """A scalar or (runs,) hyperparameter as a fresh (runs,) float array."""
    return np.broadcast_to(np.asarray(v, dtype=float), (runs,)).copy()


# -- line searches (shared by newton "damped", cg and bfgs) ----------------------

class LineSearch(NamedTuple):
    """Outcome of a batched line search along ``d`` from ``x``.

    ``ok`` is False where no acceptable point was found; then ``x``/``f``
    are the best point that decreased f (or the start), ``g`` likewise (None
    for the backtracking search, which does not evaluate gradients).
    ``trials`` is (runs, k, dim): every point evaluated, NaN-padded for runs
    that needed fewer than k trials.
    """

    alpha: Array
    x: Array
    f: Array
    g: Array | None
    ok: Array
    trials: Array


def _searching(ctx, slope: Array, stalled: Array | None = None) -> Array:
    """Runs that search: still active, ``d`` really points downhill, and not
    ``stalled`` (a search that would end exactly as the last one did)."""
    out = ctx.active.astype(bool) & (slope < 0)
    return out if stalled is None else out & ~stalled


def _stack_trials(trials: list[Array], x: Array) -> Array:
    if not trials:
        return np.empty((x.shape[0], 0, x.shape[1]))
    return np.stack(trials, axis=1)


def _resolvable(f0: Array, alpha: Array, slope: Array, c1: float) -> tuple[Array, Array]:
    """Can the values tell a sufficient decrease from rounding noise?

    Near an optimum where |f| is large (Himmelblau's maximum, f ≈ 181) the
    decrease the Armijo test asks for, c1·α·|gᵀd|, can fall below the
    rounding error of f itself, and a test on values alone would reject
    every step.  There the searches decide as Hager & Zhang's "approximate
    Wolfe" conditions do: accept a value within rounding of f(x) and judge
    by slopes.  Returns (resolvable, tolerance on f).
    """
    ftol = _FTOL * np.abs(f0)
    return c1 * alpha * np.abs(slope) > ftol, ftol


def _stalled(searched: Array, x_old: Array, x_new: Array, same_next: Array, f0: Array,
             slope: Array, lr, c1: float, before: Array) -> Array:
    """Runs stuck for good at an optimum to floating-point precision.

    The line search left the point exactly where it was (a step too small to
    change x counts as none), the next step would search the same line from
    the same point (``same_next``) and end the same way, and even the largest
    first trial step ``lr`` predicts a decrease below f's rounding error.  The
    next steps skip the search (they would brew the same cups of tea for the
    same result), and the runner ends such runs as converged when ``tol > 0``.
    """
    resolvable, _ = _resolvable(f0, lr, slope, c1)
    # ``before``: stalled already (it stays so unless a new lr or c1 makes a decrease visible)
    return ((searched & np.all(x_new == x_old, axis=-1) & same_next) | before) & ~resolvable


def backtracking_search(ctx, x: Array, f0: Array, g0: Array, d: Array, alpha0: Array, *,
                        c1: float, rho: float, max_trials: int,
                        stalled: Array | None = None) -> LineSearch:
    """Armijo backtracking: try α, ρα, ρ²α, … until f(x + αd) ≤ f + c1·α·gᵀd.

    Where that decrease is below f's rounding error, f(x + αd) ≤ f + 1e-12·|f|
    is enough (see :func:`_resolvable`).  One f evaluation per trial and run
    still searching.  Where no trial is accepted within ``max_trials``, and
    where the run is ``stalled``, the run stays at ``x``.
    """
    slope = _dot(g0, d)
    pending = _searching(ctx, slope, stalled)
    alpha = np.asarray(alpha0, dtype=float).copy()
    ok = np.zeros_like(pending)
    a_out, x_out, f_out = np.zeros_like(alpha), x.copy(), f0.copy()
    trials = []
    for t in range(int(np.max(max_trials))):
        pending &= t < max_trials  # (a per-run limit, if the runner gave one)
        if not pending.any():
            break
        X = x + alpha[:, None] * d
        f = ctx.f(X, where=pending)
        trials.append(np.where(pending[:, None], X, np.nan))
        resolvable, ftol = _resolvable(f0, alpha, slope, c1)
        armijo = np.where(resolvable, f <= f0 + c1 * alpha * slope, f <= f0 + ftol)
        accept = pending & armijo  # False for NaN
        a_out = np.where(accept, alpha, a_out)
        x_out = np.where(accept[:, None], X, x_out)
        f_out = np.where(accept, f, f_out)
        ok |= accept
        pending &= ~accept
        alpha = np.where(pending, alpha * rho, alpha)
    return LineSearch(a_out, x_out, f_out, None, ok, _stack_trials(trials, x))


def _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi) -> Array:
    """Minimiser of the cubic through two points with slopes, safeguarded.

    Nocedal & Wright eq. (3.59); falls back to bisection when the cubic has
    no minimum inside the middle 80 % of the interval (or anything overflowed).
    """
    d1 = d_lo + d_hi - 3.0 * (f_lo - f_hi) / (a_lo - a_hi)
    d2 = np.sign(a_hi - a_lo) * np.sqrt(d1 * d1 - d_lo * d_hi)
    a = a_hi - (a_hi - a_lo) * (d_hi + d2 - d1) / (d_hi - d_lo + 2.0 * d2)
    lo, hi = np.minimum(a_lo, a_hi), np.maximum(a_lo, a_hi)
    margin = 0.1 * (hi - lo)
    good = np.isfinite(a) & (a >= lo + margin) & (a <= hi - margin)
    return np.where(good, a, 0.5 * (a_lo + a_hi))


def wolfe_search(ctx, x: Array, f0: Array, g0: Array, d: Array, alpha0: Array, *,
                 c1: float, c2: float, max_trials: int,
                 stalled: Array | None = None) -> LineSearch:
    """Strong Wolfe line search: bracketing, then zoom (Nocedal & Wright, Alg. 3.5/3.6).

    Accepts α with f(x + αd) ≤ f + c1·α·gᵀd and |∇f(x + αd)ᵀd| ≤ c2·|gᵀd|.
    Each run keeps its own bracket; the trial step doubles while the slope is
    still downhill and the value still falling, then cubic interpolation
    shrinks the bracket.  f and g are evaluated at every trial.  Where no
    point is accepted within ``max_trials`` the run moves to the lowest
    point found that satisfied sufficient decrease, if any.  Where the
    decrease is below f's rounding error, the approximate Wolfe conditions
    of Hager & Zhang decide by slopes instead (see :func:`_resolvable`).
    A ``stalled`` run does not search: it stays at ``x``.
    """
    dphi0 = _dot(g0, d)
    pending = _searching(ctx, dphi0, stalled)
    searched = pending.copy()
    zoom = np.zeros_like(pending)
    a_next = np.asarray(alpha0, dtype=float).copy()
    # lo: the best point so far that satisfies sufficient decrease (starts at α = 0)
    a_lo, f_lo, d_lo, g_lo = np.zeros_like(a_next), f0.copy(), dphi0.copy(), g0.copy()
    a_hi, f_hi, d_hi = np.full_like(a_next, np.nan), np.full_like(f0, np.nan), np.full_like(f0, np.nan)
    ok = np.zeros_like(pending)
    a_out, x_out, f_out, g_out = np.zeros_like(a_next), x.copy(), f0.copy(), g0.copy()
    trials = []
    for t in range(int(np.max(max_trials))):
        pending &= t < max_trials
        if not pending.any():
            break
        a = np.where(zoom, _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi), a_next)
        X = x + a[:, None] * d
        f, g = ctx.fg(X, where=pending)
        trials.append(np.where(pending[:, None], X, np.nan))
        dphi = _dot(g, d)
        resolvable, ftol = _resolvable(f0, a, dphi0, c1)
        decrease = np.where(resolvable, f <= f0 + c1 * a * dphi0,  # False for NaN
                            (f <= f0 + ftol) & (dphi <= (1 - 2 * c1) * -dphi0))
        lower = np.where(resolvable, f < f_lo, dphi * (a - a_lo) < 0)
        # too far (or no lower than lo): the step we want lies between lo and a
        new_hi = pending & ~(decrease & lower)
        accept = pending & ~new_hi & (np.abs(dphi) <= -c2 * dphi0)
        rest = pending & ~new_hi & ~accept  # a becomes the new lo
        flip = rest & np.where(zoom, dphi * (a_hi - a_lo) >= 0, dphi >= 0)  # old lo becomes hi
        expand = rest & ~zoom & ~flip
        a_hi, f_hi, d_hi = (np.where(new_hi, a, np.where(flip, a_lo, a_hi)),
                            np.where(new_hi, f, np.where(flip, f_lo, f_hi)),
                            np.where(new_hi, dphi, np.where(flip, d_lo, d_hi)))
        a_lo, f_lo, d_lo = np.where(rest, a, a_lo), np.where(rest, f, f_lo), np.where(rest, dphi, d_lo)
        g_lo = np.where(rest[:, None], g, g_lo)
        zoom |= new_hi | flip
        a_next = np.where(expand, 2.0 * a, a_next)
        a_out = np.where(accept, a, a_out)
        x_out = np.where(accept[:, None], X, x_out)
        f_out = np.where(accept, f, f_out)
        g_out = np.where(accept[:, None], g, g_out)
        ok |= accept
        pending &= ~accept
        # a bracket that has shrunk to nothing will not produce anything new
        pending &= ~(zoom & (np.abs(a_hi - a_lo) <= 1e-14 * np.maximum(np.abs(a_lo), np.abs(a_hi))))
    fallback = searched & ~ok & (a_lo > 0)
    x_out = np.where(fallback[:, None], x + a_lo[:, None] * d, x_out)
    a_out = np.where(fallback, a_lo, a_out)
    f_out = np.where(fallback, f_lo, f_out)
    g_out = np.where(fallback[:, None], g_lo, g_out)
    return LineSearch(a_out, x_out, f_out, g_out, ok, _stack_trials(trials, x))


def _first_trial(f: Array, f_prev: Array, slope: Array, lr: float) -> Array:
    """scipy's first trial step: α₀ = min(lr, 2.02·(f_k − f_{k−1})/gᵀd), else lr.

    It assumes this step decreases f about as much as the previous one did
    (Nocedal & Wright eq. 3.60); before the first step ``f_prev`` is
    f + ‖g‖/2, which makes the first step about 1 long.
    """
    guess = 1.01 * 2.0 * (f - f_prev) / slope
    return np.where(np.isfinite(guess) & (guess > 0), np.minimum(lr, guess), lr)


def _initial_f_prev(f: Array, g: Array) -> Array:
    return f + 0.5 * np.sqrt(_dot(g, g))


def _g_where_moved(ctx, search: LineSearch, g_old: Array) -> Array:
    """Gradient at the accepted points (counted only for the runs that moved)."""
    moved = search.ok
    if not moved.any():
        return g_old
    g = ctx.g(search.x, where=moved)
    return np.where(moved[:, None], g, g_old)


# -- hyperparameters -------------------------------------------------------------

_C1 = HyperParam("c1", 1e-4, "sufficient decrease: accept a trial step α only if f drops by "
                 "at least c1·α·|slope|", low=0.0, high=0.1, low_open=True, high_open=True,
                 log=True, label="c₁ (Armijo)")
_RHO = HyperParam("rho", 0.5, "backtracking: shrink the trial step by this factor after "
                  "each rejected trial", low=0.0, high=1.0, low_open=True, high_open=True,
                  label="shrink factor ρ")
_MAX_TRIALS = HyperParam("max_trials", 30, "most function evaluations one line search may "
                         "spend before giving up", kind="int", low=1, high=100,
                         label="max trials")


def _c2(default: float) -> HyperParam:
    return HyperParam("c2", default, "curvature condition: accept only where the slope along "
                      "the line has shrunk to c2 times its size at the start (strong Wolfe)",
                      low=0.1, high=1.0, high_open=True, label="c₂ (Wolfe)")


# -- Newton ------------------------------------------------------------------------

class NewtonState(NamedTuple):
    x: Array
    f: Array
    g: Array
    n_bad: Array  # steps whose Hessian was not positive definite
    n_singular: Array  # ... of which it could not even be inverted
    n_fail: Array  # damped: line searches that found no lower point
    stalled: Array  # damped: stuck at a minimum to rounding (see _stalled)
    damped: bool
    climb: bool  # maximising: the note talks about negative definite

    def note(self, i: int) -> str:
        """A remark for the run's message: how often Newton's step could not be trusted."""
        bad, singular, fail = int(self.n_bad[i]), int(self.n_singular[i]), int(self.n_fail[i])
        want, good, wrong = (("negative definite", "maximum", "minimum") if self.climb
                             else ("positive definite", "minimum", "maximum"))
        parts = []
        if bad:
            head = f"Note: the Hessian was not {want} at {plural(bad, 'step')} (hessian_ok False)"
            if self.damped:
                parts.append(f"{head}; there the damped variant followed the gradient instead "
                             f"of Newton's step.")
            else:
                parts.append(f"{head}; there Newton's step heads for a saddle point or a {wrong} "
                             f"as readily as for a {good}.")
                if singular:
                    parts.append(f"It was singular at {plural(singular, 'step')}: there the step "
                                 f"used its pseudo-inverse (or the gradient where it was all zero).")
        if fail:
            parts.append(f"The line search found no lower point at {plural(fail, 'step')}.")
        return " ".join(parts)


def _newton_init(ctx, x0: Array, hp) -> NewtonState:
    f, g = ctx.fg(x0)
    zeros = np.zeros(x0.shape[0], dtype=np.int64)
    return NewtonState(x0, f, g, zeros, zeros.copy(), zeros.copy(), zeros.astype(bool),
                       hp["variant"] == "damped", ctx.sign < 0)


def _newton_direction(H: Array, g: Array) -> tuple[Array, Array, Array]:
    """Newton's step −H⁻¹g per run, with the pseudo-inverse where H is singular.

    Returns (step, invertible, positive definite).  Where H is not finite,
    or the pseudo-inverse step is zero (a flat Hessian), the step is NaN.
    """
    finite, invertible, positive = _hessian_kind(H)
    step = _solve(H, -g, invertible)
    singular = finite & ~invertible
    if singular.any():
        pinv = np.linalg.pinv(H[singular], rtol=_RCOND, hermitian=True)
        ps = -_matvec(pinv, g[singular])
        ps[~np.any(ps != 0, axis=-1)] = np.nan
        step[singular] = ps
    return step, invertible, positive


def _newton_step(ctx, s: NewtonState, hp):
    hp = _flat(hp)
    lr = hp["lr"]
    H = ctx.h(s.x)
    nstep, invertible, positive = _newton_direction(H, s.g)
    diag = {"grad": s.g, "newton_step": nstep, "hessian_ok": positive}
    bad = s.n_bad + ~positive
    if hp["variant"] == "pure":
        usable = _all_finite(nstep)
        d = np.where(usable[:, None], nstep, -s.g)
        x = s.x + _col(lr) * d
        f, g = ctx.fg(x)
        singular = s.n_singular + ~invertible
        fail = s.n_fail
        stalled = s.stalled
    else:
        d = np.where(positive[:, None], nstep, -s.g)
        search = backtracking_search(ctx, s.x, s.f, s.g, d, _full(lr, s.f.shape[0]),
                                     c1=hp["c1"], rho=hp["rho"], max_trials=hp["max_trials"],
                                     stalled=s.stalled)
        x, f = search.x, search.f
        g = _g_where_moved(ctx, search, s.g)
        singular = s.n_singular
        slope = _dot(s.g, d)
        searched = _searching(ctx, slope, s.stalled)
        fail = s.n_fail + (searched & ~search.ok)
        # nothing moved: the same Hessian and direction next time
        stalled = _stalled(searched, s.x, x, True, s.f, slope, lr, hp["c1"], s.stalled)
        diag["trials"] = search.trials
    diag["step"] = x - s.x
    state = s._replace(x=x, f=f, g=g, n_bad=bad, n_singular=singular, n_fail=fail,
                       stalled=stalled, damped=hp["variant"] == "damped")  # the variant may change mid-run
    return state, diag


register_method(Method(
    name="newton", title="Newton's method", group="second-order",
    summary="x ← x − H⁻¹∇f: jump to the bottom of the local quadratic. Quadratic convergence "
            "near a minimum; goes anywhere when far away (damped: follow the gradient until near).",
    params=(
        learning_rate(1.0, "fraction of Newton's step taken (damped: the first trial step)"),
        HyperParam("variant", "pure", "pure: always take Newton's step; damped: backtrack along "
                   "it, and follow the gradient where the Hessian is not positive definite",
                   kind="choice", choices=("pure", "damped")),
        _C1, _RHO, _MAX_TRIALS,
    ),
    init=_newton_init, step=_newton_step, needs=frozenset({"f", "g", "h"}),
    captions={
        "grad": "Compute the gradient: which way is uphill.",
        "newton_step": "Solve H·p = −∇f: the step to the bottom of the local quadratic bowl.",
        "hessian_ok": "Is the Hessian positive definite? If not, the quadratic has no bottom.",
        "trials": "Damped: try the step, halving it until the loss drops enough.",
        "step": "Take the step.",
    },
))


# -- nonlinear conjugate gradient ----------------------------------------------------

def _line_search_note(failures, remedy: str) -> str:
    """The message's remark after ``failures`` failed line searches ("" if none)."""
    fail = int(failures)
    if not fail:
        return ""
    return (f"Note: the line search found no acceptable point at {plural(fail, 'step')}; "
            f"{remedy}.")


class CGState(NamedTuple):
    x: Array
    f: Array
    g: Array
    d: Array  # search direction for the next step
    f_prev: Array  # value before the last step, for the first trial step
    n_fail: Array
    stalled: Array  # stuck at a minimum to rounding (see _stalled)

    def note(self, i: int) -> str:
        """A remark for the run's message when line searches failed."""
        return _line_search_note(self.n_fail[i], "the search direction was reset to the "
                                                 "negative gradient")


def _cg_init(ctx, x0: Array, hp) -> CGState:
    f, g = ctx.fg(x0)
    runs = x0.shape[0]
    return CGState(x0, f, g, -g, _initial_f_prev(f, g), np.zeros(runs, dtype=np.int64),
                   np.zeros(runs, dtype=bool))


def _cg_step(ctx, s: CGState, hp):
    hp = _flat(hp)
    lr, how = hp["lr"], hp["line_search"]
    d = s.d
    slope = _dot(s.g, d)
    alpha0 = _first_trial(s.f, s.f_prev, slope, lr)
    if how == "wolfe":
        search = wolfe_search(ctx, s.x, s.f, s.g, d, alpha0, c1=hp["c1"], c2=hp["c2"],
                              max_trials=hp["max_trials"], stalled=s.stalled)
        g = search.g
    else:
        if how == "exact_quadratic":
            # exact minimiser along the line of the local quadratic model
            H = ctx.h(s.x)
            curv = _dot(d, _matvec(H, d))
            exact = -slope / curv
            alpha0 = np.where(np.isfinite(exact) & (curv > 0), exact, alpha0)
        search = backtracking_search(ctx, s.x, s.f, s.g, d, alpha0, c1=hp["c1"], rho=hp["rho"],
                                     max_trials=hp["max_trials"], stalled=s.stalled)
        g = _g_where_moved(ctx, search, s.g)
    x, f = search.x, search.f
    moved = search.alpha > 0
    gg = _dot(s.g, s.g)
    if hp["beta"] == "fletcher_reeves":
        beta = _dot(g, g) / gg
    else:  # Polak–Ribière+, which restarts (β = 0) when the formula goes negative
        beta = np.maximum(_dot(g, g - s.g) / gg, 0.0)
    d_new = -g + beta[:, None] * d
    # Restart along −g when the new direction does not lead downhill, the search
    # failed, or (Powell; Nocedal & Wright eq. 5.52) successive gradients are far
    # from orthogonal, a sign that conjugacy is lost.  On a quadratic with exact
    # line searches successive gradients are orthogonal: CG is never restarted.
    restart = ~(_dot(g, d_new) < 0) | ~moved | ~np.isfinite(beta)
    restart |= np.abs(_dot(g, s.g)) >= 0.1 * _dot(g, g)
    d_new = np.where(restart[:, None], -g, d_new)
    searched = _searching(ctx, slope, s.stalled)
    # already straight downhill: a failed search restarts along the same line
    steepest = np.all(d == -s.g, axis=-1)
    stalled = _stalled(searched, s.x, x, steepest, s.f, slope, lr, hp["c1"], s.stalled)
    state = CGState(x, f, g, d_new, np.where(moved, s.f, s.f_prev), s.n_fail + (searched & ~moved),
                    stalled)
    diag = {"grad": s.g, "direction": d, "trials": search.trials, "step": x - s.x}
    return state, diag


register_method(Method(
    name="cg", title="Conjugate gradient", group="second-order",
    summary="Minimise along a line, then turn to a direction conjugate to the last one: uses the "
            "gradient but does not go along it; reaches a quadratic's minimum in N steps.",
    params=(
        learning_rate(1.0, "largest first trial step α of each line search (later guesses "
                      "assume the same decrease as the last step, as scipy does)"),
        HyperParam("beta", "polak_ribiere", "how much of the previous direction to keep: "
                   "Polak–Ribière (with restart when negative) or Fletcher–Reeves",
                   kind="choice", choices=("polak_ribiere", "fletcher_reeves"), label="β formula"),
        HyperParam("line_search", "wolfe", "wolfe: strong Wolfe conditions; backtracking: "
                   "Armijo only; exact_quadratic: the exact minimum along the line of the local "
                   "quadratic (uses the Hessian; exact for quadratics)",
                   kind="choice", choices=("wolfe", "backtracking", "exact_quadratic"),
                   label="line search"),
        _C1, _c2(0.1), _RHO, _MAX_TRIALS,
    ),
    init=_cg_init, step=_cg_step, needs=frozenset({"f", "g", "h"}),
    captions={
        "grad": "Compute the gradient.",
        "direction": "Search direction: minus the gradient plus β times the previous direction.",
        "trials": "Line search: try points along the direction until one is good enough.",
        "step": "Move to the accepted point.",
    },
))


# -- BFGS --------------------------------------------------------------------------

class BFGSState(NamedTuple):
    x: Array
    f: Array
    g: Array
    hinv: Array  # (runs, n, n) approximation of the inverse Hessian
    fresh: Array  # hinv is still the identity: scale it before the first update
    f_prev: Array
    n_fail: Array
    stalled: Array  # stuck at a minimum to rounding (see _stalled)

    def note(self, i: int) -> str:
        """A remark for the run's message when line searches failed."""
        return _line_search_note(self.n_fail[i], "the Hessian approximation was reset to "
                                                 "the identity")


def _bfgs_init(ctx, x0: Array, hp) -> BFGSState:
    f, g = ctx.fg(x0)
    runs, n = x0.shape
    eye = np.broadcast_to(np.eye(n), (runs, n, n)).copy()
    return BFGSState(x0, f, g, eye, np.ones(runs, dtype=bool), _initial_f_prev(f, g),
                     np.zeros(runs, dtype=np.int64), np.zeros(runs, dtype=bool))


def _bfgs_step(ctx, s: BFGSState, hp):
    hp = _flat(hp)
    runs, n = s.x.shape
    eye = np.eye(n)
    d = -_matvec(s.hinv, s.g)
    slope = _dot(s.g, d)
    # a direction that does not lead downhill: forget the approximation
    reset = ~(slope < 0)
    hinv = np.where(reset[:, None, None], eye, s.hinv)
    fresh = s.fresh | reset
    d = np.where(reset[:, None], -s.g, d)
    slope = _dot(s.g, d)
    alpha0 = _first_trial(s.f, s.f_prev, slope, hp["lr"])
    search = wolfe_search(ctx, s.x, s.f, s.g, d, alpha0, c1=hp["c1"], c2=hp["c2"],
                          max_trials=hp["max_trials"], stalled=s.stalled)
    moved = search.alpha > 0
    x, f = search.x, search.f
    g = np.where(moved[:, None], search.g, s.g)
    step, y = x - s.x, g - s.g
    sy = _dot(step, y)
    update = moved & np.isfinite(sy) & (sy > 1e-10 * np.sqrt(_dot(step, step) * _dot(y, y)))
    # Nocedal & Wright (6.20): scale the identity before the first update
    yy = _dot(y, y)
    first = update & fresh
    hinv = np.where(first[:, None, None], (sy / np.where(first, yy, 1.0))[:, None, None] * eye,
                    hinv)
    # H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ, written with H·y
    rho = 1.0 / np.where(update, sy, 1.0)
    hy = _matvec(hinv, y)
    yhy = _dot(y, hy)
    new = (hinv - rho[:, None, None] * (_outer(step, hy) + _outer(hy, step))
           + ((rho * rho * yhy + rho)[:, None, None]) * _outer(step, step))
    hinv = np.where(update[:, None, None], new, hinv)
    searched = _searching(ctx, slope, s.stalled)
    failed = searched & ~search.ok
    hinv = np.where(failed[:, None, None], eye, hinv)
    # the direction was −g already (identity H⁻¹): a failed search resets to the same
    stalled = _stalled(searched, s.x, x, fresh, s.f, slope, hp["lr"], hp["c1"], s.stalled)
    state = BFGSState(x, f, g, hinv, (fresh & ~update) | failed, np.where(moved, s.f, s.f_prev),
                      s.n_fail + failed, stalled)
    diag = {"grad": s.g, "direction": d, "trials": search.trials, "step": step}
    return state, diag


register_method(Method(
    name="bfgs", title="BFGS (quasi-Newton)", group="second-order",
    summary="Newton's method without the Hessian: build an approximation of H⁻¹ from how the "
            "gradient changes from step to step, and line-search along −H⁻¹∇f.",
    params=(
        learning_rate(1.0, "largest first trial step α of each line search (1 = the full "
                      "quasi-Newton step)"),
        _C1, _c2(0.9), _MAX_TRIALS,
    ),
    init=_bfgs_init, step=_bfgs_step,
    captions={
        "grad": "Compute the gradient.",
        "direction": "Quasi-Newton direction −H⁻¹∇f from the current approximation of H⁻¹.",
        "trials": "Line search (Wolfe): try points until the loss and the slope both drop enough.",
        "step": "Move, then update the approximation of H⁻¹ from the change in the gradient.",
    },
))


# -- Levenberg–Marquardt ---------------------------------------------------------------

class LMState(NamedTuple):
    x: Array
    f: Array
    g: Array
    r: Array  # residuals ε (runs, m)
    J: Array  # their Jacobian (runs, m, n)
    nu: Array  # damping ν for the next step
    sign: float  # −1 when maximising the sum of squares


def _lm_values(r: Array, J: Array, sign: float) -> tuple[Array, Array]:
    f = _dot(r, r)
    g = 2.0 * np.sum(J * r[:, :, None], axis=1)
    return (f, g) if sign > 0 else (-f, -g)


def _lm_init(ctx, x0: Array, hp) -> LMState:
    r, J = ctx.residuals(x0)
    f, g = _lm_values(r, J, ctx.sign)
    return LMState(x0, f, g, r, J, _full(_flat(hp)["nu"], x0.shape[0]), ctx.sign)


def _lm_step(ctx, s: LMState, hp):
    hp = _flat(hp)
    n = s.x.shape[1]
    sign = s.sign
    JtJ = np.sum(s.J[:, :, :, None] * s.J[:, :, None, :], axis=1)
    Jtr = np.sum(s.J * s.r[:, :, None], axis=1)
    # (JᵀJ + νI) p = −Jᵀε; when maximising, the model's curvature is −JᵀJ
    M = sign * JtJ + s.nu[:, None, None] * np.eye(n)
    solvable = _all_finite(M) & _all_finite(Jtr)
    p = _col(hp["lr"]) * _solve(M, -sign * Jtr, solvable)
    X = s.x + p
    r, J = ctx.residuals(X)
    f, g = _lm_values(r, J, sign)
    Jp = _matvec(s.J, p)
    # reduction of f that the linearised residuals ε + J·p predict, and the real one
    predicted = -sign * (2.0 * _dot(s.r, Jp) + _dot(Jp, Jp))
    actual = s.f - f
    ratio = actual / predicted
    trusted = np.isfinite(ratio) & (predicted > 0)
    accepted = trusted & (ratio >= 0.25)
    good = trusted & (ratio > 0.75)
    nu = np.where(good, s.nu / hp["nu_down"], np.where(accepted, s.nu, s.nu * hp["nu_up"]))
    nu = np.clip(nu, _NU_MIN, _NU_MAX)
    keep = accepted[:, None]
    x = np.where(keep, X, s.x)
    state = LMState(x, np.where(accepted, f, s.f), np.where(keep, g, s.g),
                    np.where(keep, r, s.r), np.where(accepted[:, None, None], J, s.J), nu, sign)
    diag = {"grad": s.g, "nu": s.nu, "trials": X[:, None, :], "accepted": accepted,
            "step": x - s.x}
    return state, diag


register_method(Method(
    name="lm", title="Levenberg–Marquardt", group="second-order",
    summary="For least squares: w ← w − (JᵀJ + νI)⁻¹Jᵀε. Small ν: a Gauss–Newton step; large ν: "
            "a short gradient step. ν shrinks when the predicted decrease comes true and grows "
            "when it does not.",
    params=(
        learning_rate(1.0, "fraction of the Levenberg–Marquardt step taken (1 = the full step)"),
        HyperParam("nu", 1e-3, "damping ν at the start: large ν means short, gradient-like "
                   "steps", low=0.0, high=1e8, low_open=True, log=True, label="ν (start)"),
        HyperParam("nu_up", 10.0, "factor ν grows by after a poor step (the step is rejected)",
                   low=1.0, high=1e3, low_open=True, log=True, label="ν up"),
        HyperParam("nu_down", 3.0, "factor ν shrinks by after a step whose decrease was "
                   "predicted well", low=1.0, high=1e3, low_open=True, log=True, label="ν down"),
    ),
    init=_lm_init, step=_lm_step, needs=frozenset({"residuals"}),
    captions={
        "grad": "Gradient of the sum of squares: 2Jᵀε.",
        "nu": "Damping ν: blends a Gauss–Newton step (small ν) with a gradient step (large ν).",
        "trials": "The point (JᵀJ + νI)⁻¹Jᵀε away.",
        "accepted": "Did the loss drop as predicted? Yes: keep the step, lower ν. "
                    "No: reject it, raise ν.",
        "step": "The step actually taken (zero when rejected).",
    },
))
