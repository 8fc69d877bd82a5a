"""Whole-landscape experiments: basins of attraction, learning-rate sweeps and
the order of convergence.

:func:`basin_map` and :func:`lr_sweep` each make *one* batched call of
:func:`core.run` (``keep_path=False``), so a 128 × 128 map of starts or a
sweep over hundreds of learning rates costs about as much as a few single
runs.  :func:`convergence_order` measures how fast a recorded path closes in
on a known optimum: order 1 for gradient descent, 2 for Newton's method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import bad, check_int, check_point, check_real
from .methods import Method, get_method
from .methods.first_order import PerRunHyperParam
from .problems import Problem, get_problem
from .runner import Result, run

Array = np.ndarray

#: Label of a start whose run diverged.
DIVERGED = -1
#: Label of a start whose run neither converged nor diverged within ``steps``.
NOT_CONVERGED = -2


def _problem(problem: Problem | str) -> Problem:
    return problem if isinstance(problem, Problem) else get_problem(problem)


def _method(method: Method | str) -> Method:
    return method if isinstance(method, Method) else get_method(method)


# -- basins of attraction ---------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BasinMap:
    """Which optimum every start of a grid ends in.

    Attributes
    ----------
    labels
        ``(resolution, resolution)`` ints, row-major ``[iy, ix]`` like
        ``np.meshgrid(xs, ys, indexing="xy")`` (a 1-D problem gives
        ``(resolution,)``): the index into ``ends`` of the point the run from
        that start ended at, ``-1`` (:data:`DIVERGED`) or ``-2``
        (:data:`NOT_CONVERGED`).
    ends, end_values
        ``(k, dim)`` distinct end points and the objective there.  The
        problem's known minima (maxima with ``maximize=True``) come first, in
        the problem's order and whether reached or not, so a minimum keeps
        its label (and colour) across methods; end points matching none of
        them follow, merged within ``merge`` × the domain's diagonal.
    known
        How many of ``ends`` are the problem's known optima.
    extent
        ``(x0, x1, y0, y1)`` of the grid (``(x0, x1)`` for a 1-D problem).
    xs, ys
        The grid's coordinates along x and y (``ys`` is None in 1-D).
    counts
        Starts per label, including ``-1`` and ``-2`` (always present).
    nit
        Iterations each run took, shaped like ``labels``.
    """

    labels: Array
    ends: Array
    end_values: Array
    known: int
    extent: tuple[float, ...]
    xs: Array
    ys: Array | None
    counts: dict[int, int]
    nit: Array
    resolution: int
    method: str
    problem: str
    steps: int
    tol: float
    hyper: dict[str, Any] = field(default_factory=dict)

    @property
    def n_basins(self) -> int:
        """How many distinct end points at least one start reached."""
        return sum(1 for label, n in self.counts.items() if label >= 0 and n > 0)

    @property
    def fraction_converged(self) -> float:
        """Share of starts that converged to one of ``ends``."""
        return float(np.count_nonzero(self.labels >= 0)) / self.labels.size

    def __repr__(self) -> str:
        return (f"BasinMap(problem={self.problem!r}, method={self.method!r}, "
                f"resolution={self.resolution}, basins={self.n_basins}, "
                f"converged={self.fraction_converged:.0%})")


def basin_map(problem: Problem | str, method: Method | str, resolution: int = 128,
              steps: int = 500, *, tol: float = 1e-8, domain: object = None,
              merge: float = 1e-2, maximize: bool = False, seed: object = None,
              **hyper: Any) -> BasinMap:
    """Run ``method`` from every point of a grid and label each start by where it ends.

    All ``resolution²`` starts (``resolution`` for a 1-D problem) advance in
    one batched run.  A converged run is labelled by the known minimum it
    ended at (within ``merge`` × the domain's diagonal); a converged run that
    matches no known minimum (a saddle, or a problem whose minima are not
    known) is grouped with the other end points within that distance.

    Only batched methods are accepted: a one-start-at-a-time method such as
    Nelder–Mead would need thousands of separate runs (a ``ValueError`` says so).

    Parameters
    ----------
    problem, method
        A problem (or its name) with 1 or 2 coordinates; a batched method.
    resolution
        Grid points per axis (>= 2).
    steps, tol, maximize, seed, **hyper
        As for :func:`core.run`; ``tol`` decides what counts as converged.
    domain
        ``(dim, 2)`` bounds of the grid; default the problem's domain.
    merge
        Distance, relative to the domain's diagonal, within which end points
        count as the same point (0 < merge <= 1).

    Examples
    --------
    >>> import core
    >>> m = core.basin_map("himmelblau", "gd", resolution=24, steps=300, lr=0.01)
    >>> m.labels.shape, m.n_basins
    ((24, 24), 4)
    """
    p = _problem(problem)
    m = _method(method)
    if p.dim not in (1, 2):
        raise ValueError(
            f"problem {p.name!r} has {p.dim} coordinates: a basin map needs a 1-D or 2-D problem."
        )
    if not m.batched:
        raise ValueError(
            f"method={m.name!r} is not allowed: method must be a batched method (a basin map "
            f"runs every start at once, and {m.name!r} runs one start at a time), e.g. "
            + ", ".join(repr(k) for k, v in sorted(_batched_methods().items()) if v) + "."
        )
    res = check_int("resolution", resolution, low=2, high=2048)
    merge = check_real("merge", merge, low=0.0, high=1.0, low_open=True)
    box = _domain(p, domain)
    axes = [np.linspace(lo, hi, res) for lo, hi in box]
    if p.dim == 1:
        starts = axes[0][:, None]
        shape: tuple[int, ...] = (res,)
    else:
        gx, gy = np.meshgrid(axes[0], axes[1], indexing="xy")
        starts = np.stack([gx.ravel(), gy.ravel()], axis=-1)
        shape = (res, res)
    r = run(p, m, starts, steps=steps, tol=tol, maximize=maximize, seed=seed,
            keep_path=False, **hyper)
    known = p.maxima if maximize else p.minima
    radius = merge * float(np.linalg.norm(box[:, 1] - box[:, 0]))
    labels, ends = _label_ends(r.x, np.asarray(r.status), known, radius)
    end_values = p.value(ends) if len(ends) else np.zeros(0)
    counts = {DIVERGED: 0, NOT_CONVERGED: 0, **{i: 0 for i in range(len(ends))}}
    values, n = np.unique(labels, return_counts=True)
    counts.update({int(v): int(c) for v, c in zip(values, n, strict=True)})
    extent = tuple(float(v) for v in box.ravel())
    return BasinMap(
        labels=labels.reshape(shape), ends=ends, end_values=np.asarray(end_values, dtype=float),
        known=len(known), extent=extent, xs=axes[0], ys=axes[1] if p.dim == 2 else None,
        counts=counts, nit=np.asarray(r.nit).reshape(shape), resolution=res, method=m.name,
        problem=p.name, steps=int(steps), tol=float(tol), hyper=dict(r.hyper),
    )


def _batched_methods() -> dict[str, bool]:
    from .methods import METHODS

    return {name: meth.batched for name, meth in METHODS.items()}


def _domain(p: Problem, domain: object) -> Array:
    if domain is None:
        return np.array(p.domain, dtype=float)
    try:
        box = np.array(domain, dtype=float).reshape(p.dim, 2)
    except (TypeError, ValueError):
        raise bad("domain", domain, f"{p.dim} pairs [low, high]") from None
    if not np.all(np.isfinite(box)) or np.any(box[:, 0] >= box[:, 1]):
        raise bad("domain", domain, f"{p.dim} finite pairs [low, high] with low < high")
    return box


def _label_ends(x: Array, status: Array, known: Array, radius: float) -> tuple[Array, Array]:
    """Label converged end points by the known optimum within ``radius``, else by
    clusters of end points within ``radius`` of the cluster's first member."""
    labels = np.full(len(x), NOT_CONVERGED, dtype=np.int64)
    labels[status == "diverged"] = DIVERGED
    conv = np.flatnonzero(status == "converged")
    ends = [np.asarray(pt, dtype=float) for pt in known]
    if conv.size and len(known):
        dist = np.linalg.norm(x[conv, None, :] - known[None, :, :], axis=-1)
        nearest = dist.argmin(axis=1)
        hit = dist[np.arange(conv.size), nearest] <= radius
        labels[conv[hit]] = nearest[hit]
        conv = conv[~hit]
    while conv.size:  # greedy clustering, in row-major order of the starts
        centre = x[conv[0]]
        near = np.linalg.norm(x[conv] - centre, axis=-1) <= radius
        labels[conv[near]] = len(ends)
        ends.append(x[conv[near]].mean(axis=0))
        conv = conv[~near]
    dim = x.shape[1]
    return labels, (np.array(ends, dtype=float).reshape(-1, dim))


# -- learning-rate sweep --------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LearningRateSweep:
    """One start run with many learning rates.

    Attributes
    ----------
    lrs
        The learning rates, in the order given.
    final_loss, status, nit
        Per learning rate: the loss at the last iterate, the run's status
        ("converged", "diverged", "max_steps") and its iterations.
    steps_to_converge
        ``nit`` where the run converged, ``-1`` where it did not.
    threshold
        The smallest learning rate whose run does not converge, looking only
        above the smallest learning rate that converged (rates too small to
        get there within ``steps`` are slow, not unstable); None if every
        such run converged or none did.
    stability_limit
        For a quadratic objective (the same positive-definite Hessian at the
        start and at random points of the domain), 2/λ_max: plain gradient
        descent converges exactly below it.  None otherwise.
    """

    lrs: Array
    final_loss: Array
    status: Array
    nit: Array
    steps_to_converge: Array
    threshold: float | None
    stability_limit: float | None
    method: str
    problem: str
    x0: Array
    steps: int
    tol: float

    def __repr__(self) -> str:
        return (f"LearningRateSweep(problem={self.problem!r}, method={self.method!r}, "
                f"{self.lrs.size} rates, threshold={self.threshold!r}, "
                f"stability_limit={self.stability_limit!r})")


def lr_sweep(problem: Problem | str, method: Method | str, x0: object, lrs: object,
             steps: int = 2000, *, tol: float = 1e-8, maximize: bool = False,
             seed: object = None, **hyper: Any) -> LearningRateSweep:
    """Run ``method`` from ``x0`` once per learning rate in ``lrs``, in one batched run.

    First-order methods take one learning rate per run, so the whole sweep is
    one batched :func:`core.run`, each run bit-identical to a separate run
    with that rate.  Other methods with an ``lr`` run once per rate.

    Parameters
    ----------
    problem, method
        A problem (or its name); a method with an ``lr`` hyperparameter.
    x0
        The start point, ``(dim,)``.
    lrs
        Learning rates: a non-empty 1-D sequence of positive numbers.
    steps, tol, maximize, seed, **hyper
        As for :func:`core.run` (``hyper`` must not contain ``lr``).

    Examples
    --------
    >>> import core, numpy as np
    >>> s = core.lr_sweep("parabola", "gd", [1.0], [0.1, 0.5, 0.9, 1.1], steps=200)
    >>> s.status.tolist(), s.threshold, s.stability_limit
    (['converged', 'converged', 'converged', 'diverged'], 1.1, 1.0)
    """
    p = _problem(problem)
    m = _method(method)
    names = [hp.name for hp in m.params]
    if "lr" not in names:
        raise ValueError(f"method={m.name!r} is not allowed: method must have a learning rate "
                         f"(lr); {m.name!r} has none.")
    if "lr" in hyper:
        raise ValueError("lr cannot be given to lr_sweep: the learning rates are lrs.")
    rates = _check_rates(m, lrs)
    start = check_point("x0", x0, p.dim, batch=False)
    opts = dict(steps=steps, tol=tol, maximize=maximize, seed=seed, keep_path=False, **hyper)
    if isinstance(m.param("lr"), PerRunHyperParam):
        r = run(p, m, np.repeat(start[None, :], rates.size, axis=0), lr=rates, **opts)
        fun, status, nit = np.asarray(r.fun), np.asarray(r.status), np.asarray(r.nit)
    else:
        rs = [run(p, m, start, lr=float(rate), **opts) for rate in rates]
        fun = np.array([one.fun for one in rs], dtype=float)
        status = np.array([one.status for one in rs], dtype=object)
        nit = np.array([one.nit for one in rs], dtype=np.int64)
    converged = status == "converged"
    return LearningRateSweep(
        lrs=rates, final_loss=fun, status=status, nit=nit,
        steps_to_converge=np.where(converged, nit, -1),
        threshold=_threshold(rates, converged),
        stability_limit=_stability_limit(p, start, -1.0 if maximize else 1.0),
        method=m.name, problem=p.name, x0=start, steps=int(steps), tol=float(tol),
    )


def _check_rates(m: Method, lrs: object) -> Array:
    try:
        complex_ = np.iscomplexobj(lrs)  # casting would drop the imaginary part, with a warning
        rates = np.array(lrs, dtype=float).reshape(-1) if np.ndim(lrs) <= 1 and not complex_ else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond 1.8e308
        rates = None
    if rates is None or rates.size == 0:
        raise bad("lrs", lrs, "a non-empty 1-D sequence of learning rates")
    spec = m.param("lr")
    for i, v in enumerate(rates.tolist()):
        check_real(f"lrs[{i}]", v, low=spec.low, high=spec.high,
                   low_open=spec.low_open, high_open=spec.high_open)
    return rates


def _threshold(rates: Array, converged: Array) -> float | None:
    order = np.argsort(rates, kind="stable")
    ok = converged[order]
    if not ok.any():
        return None
    first = int(np.argmax(ok))
    fails = np.flatnonzero(~ok[first:])
    return float(rates[order][first + fails[0]]) if fails.size else None


def _stability_limit(p: Problem, x0: Array, sign: float, probes: int = 4) -> float | None:
    """2/λ_max when the objective's Hessian is constant and positive definite."""
    rng = np.random.default_rng(0)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    points = np.vstack([x0[None, :], lo + (hi - lo) * rng.random((probes, p.dim))])
    try:
        H = sign * np.asarray(p.hess(points), dtype=float)
    except (ValueError, ArithmeticError, NotImplementedError):
        return None
    if H.shape != (len(points), p.dim, p.dim) or not np.all(np.isfinite(H)):
        return None
    scale = float(np.max(np.abs(H[0]))) or 1.0
    if not np.allclose(H, H[0], rtol=1e-12, atol=1e-12 * scale):
        return None
    eig = np.linalg.eigvalsh(0.5 * (H[0] + H[0].T))
    if eig[0] <= 0:
        return None
    return float(2.0 / eig[-1])


# -- order of convergence ---------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ConvergenceOrder:
    """Distances to the optimum along a path and the order of convergence.

    Attributes
    ----------
    errors
        ``e_k = |x_k − x*|`` (Euclidean norm) for every point of the path.
    orders
        Per step, ``q_k = log(e_{k+1}/e_k) / log(e_k/e_{k−1})``: 1 for linear
        convergence, 2 for quadratic.  NaN where it cannot be measured: at the
        ends of the path, where an error is zero, not finite, below
        ``floor`` (rounding noise), or not smaller than the one before.
    order
        The median of the last (up to) three measurable ``q_k``: the
        asymptotic order; NaN when none is measurable.
    floor
        Errors at or below this (100 ulps of ``|x*|``) are rounding noise.
    """

    errors: Array
    orders: Array
    order: float
    floor: float


def convergence_order(path: object, x_star: object) -> ConvergenceOrder:
    """Errors ``|x_k − x*|`` along ``path`` and the estimated order of convergence.

    With ``e_{k+1} ≈ C·e_k^q`` near the optimum, successive errors give
    ``q ≈ log(e_{k+1}/e_k) / log(e_k/e_{k−1})``.  Gradient descent shrinks the
    error by a constant factor per step (q = 1); Newton's method squares it
    (q = 2: the number of correct digits doubles).  Steps whose error is zero,
    not finite or at rounding level are skipped, so a run that lands exactly
    on the optimum or keeps going after reaching it does not spoil the estimate.

    Parameters
    ----------
    path
        ``(k+1, dim)`` iterates (``(k+1,)`` for one coordinate), or a
        :class:`core.Result` of a single run.
    x_star
        The optimum, ``(dim,)``.

    Examples
    --------
    >>> import core
    >>> r = core.run("parabola", "gd", [1.0], steps=30, lr=0.2, tol=0)
    >>> c = core.convergence_order(r, [0.0])
    >>> round(float(c.errors[1]), 6), round(c.order, 6)
    (0.6, 1.0)
    """
    pts = path.path if isinstance(path, Result) else path
    try:
        pts = np.array(pts, dtype=float)
    except (TypeError, ValueError):
        raise bad("path", path, "a sequence of points, shape (steps+1, dim)") from None
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[0] == 0:
        raise ValueError(f"path has shape {pts.shape}: path must have shape (steps+1, dim) "
                         f"(one run; index a batch first).")
    star = check_point("x_star", x_star, pts.shape[1], batch=False)
    with np.errstate(all="ignore"):
        errors = np.linalg.norm(pts - star, axis=1)
        floor = 100 * np.finfo(float).eps * max(1.0, float(np.linalg.norm(star)))
        orders = np.full(errors.shape, np.nan)
        e = errors
        good = np.isfinite(e) & (e > floor)
        for k in range(1, len(e) - 1):
            if good[k - 1] and good[k] and good[k + 1] and e[k + 1] < e[k] < e[k - 1]:
                orders[k] = math.log(e[k + 1] / e[k]) / math.log(e[k] / e[k - 1])
    measured = orders[np.isfinite(orders)]
    order = float(np.median(measured[-3:])) if measured.size else float("nan")
    return ConvergenceOrder(errors=errors, orders=orders, order=order, floor=float(floor))
