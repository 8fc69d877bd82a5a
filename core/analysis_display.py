"""Numbers the analysis views need (convergence order, learning-rate sweep,
basin map), computed here so the GUI holds no mathematics.

Everything here is numpy only and robust to NaN, infinities and huge values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._checks import bad, check_int, check_real
from .landscape_tools import (
    ConvergenceOrder,
    LearningRateSweep,
    _threshold,
    convergence_order,
    lr_sweep,
)
from .methods import Method, get_method
from .methods.first_order import PerRunHyperParam
from .problems import Problem

Array = np.ndarray

#: The sources' learning-rate lesson on a quadratic: slow, fast, oscillating, diverging.
LESSON_RATES = (0.05, 0.2, 0.9, 1.02)


# -- convergence order -------------------------------------------------------------

class Reference(NamedTuple):
    """The point a run's errors are measured from.

    ``source`` is ``"known"`` (a known optimum of the problem), ``"final"``
    (the run's own last finite point) or ``"none"`` (the run has no finite
    point; ``x_star`` is None).
    """

    x_star: Array | None
    source: str


def reference_point(path: object, optima: object, *, converged: bool = False,
                    radius: float | None = None) -> Reference:
    """The known optimum nearest to the end of ``path`` (else the end itself).

    The end is the last finite row of ``path``.  With ``converged=True`` and a
    ``radius``, a run that ended farther than ``radius`` from every known
    optimum (at a saddle, or at an optimum nobody listed) is measured from
    its own end point instead, so its errors still fall to zero.

    Examples
    --------
    >>> import numpy as np
    >>> path = np.array([[2.0, 2.0], [2.9, 2.1], [3.0, 2.0]])
    >>> ref = reference_point(path, [[3.0, 2.0], [-2.8, 3.1]])
    >>> ref.x_star.tolist(), ref.source
    ([3.0, 2.0], 'known')
    >>> reference_point(path, np.zeros((0, 2))).source
    'final'
    """
    pts = np.asarray(path, dtype=float)
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[0] == 0:
        return Reference(None, "none")
    finite = np.flatnonzero(np.isfinite(pts).all(axis=1))
    if finite.size == 0:
        return Reference(None, "none")
    end = pts[finite[-1]]
    known = np.asarray(optima, dtype=float).reshape(-1, pts.shape[1]) if np.size(optima) else None
    if known is None or known.size == 0:
        return Reference(end.copy(), "final")
    with np.errstate(all="ignore"):
        dist = np.linalg.norm(known - end, axis=1)
    i = int(np.nanargmin(dist)) if np.isfinite(dist).any() else 0
    if converged and radius is not None and not dist[i] <= radius:
        return Reference(end.copy(), "final")
    return Reference(known[i].copy(), "known")


#: Measured from a run's own end point, errors within this many last steps of
#: it are dominated by the end point's own error and are left out of the order.
END_MARGIN = 1000.0


def reference_convergence(path: object, reference: Reference) -> ConvergenceOrder:
    """:func:`core.convergence_order` of ``path`` about ``reference.x_star``.

    When x* is the run's own end point (``source == "final"``), the last
    errors ``|x_k − x_N|`` shrink faster than the true ones (the end point is
    itself ``|x_N − x*|`` off), which inflates the order.  Those rows, with an
    error below :data:`END_MARGIN` times the last step's length, are left out
    of the order (the errors are all kept).

    Examples
    --------
    >>> import core
    >>> r = core.run("saddle", "gd", [1.0, 0.0], steps=300, lr=0.1)
    >>> ref = reference_point(r.path, [], converged=True)
    >>> ref.source, round(reference_convergence(r.path, ref).order, 2)
    ('final', 1.0)
    """
    if reference.x_star is None:
        raise ValueError("reference has no point (x_star is None): nothing to measure from.")
    full = convergence_order(path, reference.x_star)
    if reference.source != "final":
        return full
    pts = np.asarray(path, dtype=float)
    pts = pts[:, None] if pts.ndim == 1 else pts
    finite = np.flatnonzero(np.isfinite(pts).all(axis=1))
    if finite.size < 2:
        return full
    with np.errstate(all="ignore"):
        last_step = float(np.linalg.norm(pts[finite[-1]] - pts[finite[-2]]))
        close = ~(full.errors > END_MARGIN * last_step)
    cut = int(np.argmax(close)) if close.any() else len(pts)
    if cut < 3:
        return ConvergenceOrder(full.errors, np.full_like(full.orders, np.nan), float("nan"),
                                full.floor)
    trimmed = convergence_order(pts[:cut], reference.x_star)
    orders = np.full_like(full.orders, np.nan)
    orders[:cut] = trimmed.orders
    return ConvergenceOrder(full.errors, orders, trimmed.order, full.floor)


#: The order is called steady when its last few estimates agree within this
#: fraction of their median.
STEADY_SPREAD = 0.5


def order_spread(result: ConvergenceOrder, last: int = 3) -> tuple[float, float] | None:
    """Smallest and largest of the last ``last`` per-step order estimates
    (those :func:`core.convergence_order` takes the median of); None if fewer than two.

    Examples
    --------
    >>> import core
    >>> r = core.run("parabola", "gd", [1.0], steps=30, lr=0.2, tol=0)
    >>> [round(v, 6) for v in order_spread(core.convergence_order(r, [0.0]))]
    [1.0, 1.0]
    """
    q = np.asarray(result.orders, dtype=float)
    q = q[np.isfinite(q)][-last:]
    if q.size < 2:
        return None
    return float(q.min()), float(q.max())


def steady_order(result: ConvergenceOrder, spread: float = STEADY_SPREAD) -> bool:
    """True when the last order estimates agree (within ``spread`` × their median).

    A method whose error oscillates (heavy-ball momentum in a curved valley)
    gives per-step estimates all over the place; their median is then no
    order of convergence and should not be presented as one.

    Examples
    --------
    >>> import core
    >>> p = core.get_problem("himmelblau")
    >>> newton = core.run(p, "newton", [2.5, 2.5])
    >>> heavy_ball = core.run(p, "momentum", [2.5, 2.5], lr=0.01, steps=2000)
    >>> steady_order(core.convergence_order(newton, p.minima[0]))
    True
    >>> steady_order(core.convergence_order(heavy_ball, p.minima[0]))
    False
    """
    bounds = order_spread(result)
    if bounds is None or not np.isfinite(result.order) or result.order <= 0:
        return False
    return bounds[1] - bounds[0] <= spread * result.order


def order_name(order: float) -> str:
    """A word for an estimated order of convergence.

    Examples
    --------
    >>> order_name(1.02), order_name(1.9), order_name(float("nan"))
    ('linear', 'quadratic', 'not measurable')
    """
    if not np.isfinite(order):
        return "not measurable"
    if order < 0.8:
        return "slower than linear"
    if order < 1.25:
        return "linear"
    if order < 1.75:
        return "superlinear"
    if order < 2.5:
        return "quadratic"
    return "faster than quadratic"


# -- learning-rate sweep -------------------------------------------------------------

def sweep_rates(low: float, high: float, n: int, include: object = ()) -> Array:
    """``n`` log-spaced learning rates from ``low`` to ``high``, plus those of
    ``include`` that lie inside the range, sorted and without repeats.

    Examples
    --------
    >>> sweep_rates(0.01, 1.0, 3).tolist()
    [0.01, 0.1, 1.0]
    >>> sweep_rates(0.01, 1.0, 3, include=LESSON_RATES).tolist()
    [0.01, 0.05, 0.1, 0.2, 0.9, 1.0]
    """
    lo = check_real("low", low, low=0.0, low_open=True)
    hi = check_real("high", high, low=0.0, low_open=True)
    if not hi > lo:
        raise bad("high", high, f"larger than low = {lo:g}")
    count = check_int("n", n, low=2, high=10_000)
    rates = np.logspace(np.log10(lo), np.log10(hi), count)
    rates[0], rates[-1] = lo, hi  # exactly the ends asked for
    extra = np.asarray(include, dtype=float).reshape(-1)
    extra = extra[np.isfinite(extra) & (extra >= lo) & (extra <= hi)]
    return np.unique(np.concatenate([rates, extra]))


def refined_lr_sweep(problem: Problem | str, method: Method | str, x0: object, lrs: object,
                     steps: int = 2000, *, refine: int = 24,
                     should_stop: Callable[[], bool] | None = None,
                     **options: Any) -> LearningRateSweep | None:
    """:func:`core.lr_sweep`, then ``refine`` more rates between the largest
    converging rate and the threshold, so the threshold is found closely.

    The two sweeps are merged (sorted by rate) and the threshold recomputed.
    ``options`` go to :func:`core.lr_sweep` (``tol``, ``maximize``, hyperparameters).

    ``should_stop`` is asked between runs; when it returns True the sweep
    ends and None is returned.  First-order methods run every rate in one
    batched run (asked before and after it); other methods run one rate at a
    time, so they stop within one run.

    Examples
    --------
    >>> import numpy as np
    >>> s = refined_lr_sweep("parabola", "gd", [1.0], sweep_rates(0.01, 3.0, 12), steps=2000)
    >>> s.lrs.size, s.stability_limit, round(s.threshold, 3)
    (36, 1.0, 1.012)
    >>> refined_lr_sweep("parabola", "newton", [1.0], [0.5, 1.0], should_stop=lambda: True) is None
    True
    """
    refine = check_int("refine", refine, low=0, high=10_000)
    m = method if isinstance(method, Method) else get_method(method)
    per_run = "lr" in [p.name for p in m.params] and isinstance(m.param("lr"), PerRunHyperParam)

    def sweep(rates: Array) -> LearningRateSweep | None:
        rates = np.asarray(rates, dtype=float).reshape(-1)
        chunks = [rates] if per_run or rates.size == 0 else np.array_split(rates, rates.size)
        merged = None
        for part in chunks:
            if should_stop is not None and should_stop():
                return None
            one = lr_sweep(problem, m, x0, part, steps, **options)
            merged = one if merged is None else merge_sweeps(merged, one)
        return merged

    coarse = sweep(lrs)
    if coarse is None or (should_stop is not None and should_stop()):
        return None
    outline = sweep_outline(coarse)
    if refine == 0 or outline.threshold is None or outline.largest_converging is None:
        return coarse
    lo, hi = outline.largest_converging, outline.threshold
    inner = np.linspace(lo, hi, refine + 2)[1:-1]
    inner = inner[(inner > lo) & (inner < hi)]
    if inner.size == 0:
        return coarse
    fine = sweep(inner)
    if fine is None or (should_stop is not None and should_stop()):
        return None
    return merge_sweeps(coarse, fine)


def merge_sweeps(a: LearningRateSweep, b: LearningRateSweep) -> LearningRateSweep:
    """One sweep holding the rates of both (sorted; ``a`` wins on repeats)."""
    rates = np.concatenate([a.lrs, b.lrs])
    _, first = np.unique(rates, return_index=True)
    order = first[np.argsort(rates[first], kind="stable")]

    def pick(x: Array, y: Array) -> Array:
        return np.concatenate([np.asarray(x), np.asarray(y)])[order]

    status = pick(a.status.astype(object), b.status.astype(object))
    lrs = rates[order]
    return LearningRateSweep(
        lrs=lrs, final_loss=pick(a.final_loss, b.final_loss), status=status,
        nit=pick(a.nit, b.nit), steps_to_converge=pick(a.steps_to_converge, b.steps_to_converge),
        threshold=_threshold(lrs, status == "converged"),
        stability_limit=a.stability_limit if a.stability_limit is not None else b.stability_limit,
        method=a.method, problem=a.problem, x0=a.x0, steps=a.steps, tol=a.tol,
    )


class SweepOutline(NamedTuple):
    """What a sweep says in one sentence.

    ``largest_converging`` is the largest converging rate below the threshold
    (the largest of all if there is no threshold); every value is None when
    it does not exist.
    """

    smallest_converging: float | None
    largest_converging: float | None
    threshold: float | None
    stability_limit: float | None
    n_converged: int
    n_diverged: int
    n_unfinished: int


def sweep_outline(sweep: LearningRateSweep) -> SweepOutline:
    """The converging range, threshold and stability limit of a sweep.

    Examples
    --------
    >>> import core
    >>> s = core.lr_sweep("parabola", "gd", [1.0], [0.1, 0.5, 0.9, 1.1], steps=200)
    >>> o = sweep_outline(s)
    >>> o.largest_converging, o.threshold, o.stability_limit
    (0.9, 1.1, 1.0)
    """
    lrs = np.asarray(sweep.lrs, dtype=float)
    status = np.asarray(sweep.status)
    ok = status == "converged"
    below = ok & (lrs < sweep.threshold) if sweep.threshold is not None else ok
    return SweepOutline(
        smallest_converging=float(lrs[ok].min()) if ok.any() else None,
        largest_converging=float(lrs[below].max()) if below.any() else None,
        threshold=sweep.threshold,
        stability_limit=sweep.stability_limit,
        n_converged=int(ok.sum()),
        n_diverged=int((status == "diverged").sum()),
        n_unfinished=int((~ok & (status != "diverged")).sum()),
    )


class SweepHeights(NamedTuple):
    """A sweep placed on log-log axes (see :func:`sweep_heights`)."""

    x: Array
    y: Array
    top: float
    y_range: tuple[float, float]


def sweep_heights(sweep: LearningRateSweep, floor: float | None = None) -> SweepHeights:
    """Where to draw a sweep on log-log axes.

    ``x = log10(lr)``, ``y = log10(final loss − floor)`` (see
    :func:`core.display.log_gap`).  Runs that diverged (or whose loss is not
    finite) are placed at ``top``, just above the finite values, so a single
    overflow does not squash the picture; ``y_range`` covers everything.

    Examples
    --------
    >>> import core
    >>> s = core.lr_sweep("parabola", "gd", [1.0], [0.1, 1.1], steps=200)
    >>> h = sweep_heights(s, 0.0)
    >>> h.x.round(3).tolist(), bool(h.y[1] == h.top), bool(h.y[0] < h.top < h.y_range[1])
    ([-1.0, 0.041], True, True)
    """
    from .display import log_gap

    with np.errstate(all="ignore"):
        x = np.log10(np.asarray(sweep.lrs, dtype=float))
    y, _ = log_gap(np.asarray(sweep.final_loss, dtype=float), floor)
    bad_run = (np.asarray(sweep.status) == "diverged") | ~np.isfinite(y)
    good = y[~bad_run & np.isfinite(y)]
    if good.size:
        lo, hi = float(good.min()), float(good.max())
        if hi - lo < 1.0:
            lo, hi = lo - 0.5, hi + 0.5
        top = hi + 0.1 * (hi - lo)
    else:
        lo, top = -1.0, 1.0
    y = np.where(bad_run, top, np.minimum(y, top))
    return SweepHeights(x, y, float(top), (lo - 0.05 * (top - lo), top + 0.08 * (top - lo)))


class SweepSteps(NamedTuple):
    """Steps to converge on a log axis (see :func:`sweep_steps`)."""

    y: Array
    y_range: tuple[float, float]


def sweep_steps(sweep: LearningRateSweep) -> SweepSteps:
    """``log10`` of the steps each converged run took (NaN where it did not
    converge; a run converged at step 0 counts as one step) and a y-range.

    Examples
    --------
    >>> import core
    >>> s = core.lr_sweep("parabola", "gd", [1.0], [0.1, 0.5, 1.1], steps=200)
    >>> y = sweep_steps(s).y
    >>> s.steps_to_converge.tolist(), float(y[1]), bool(np.isnan(y[2]))
    ([86, 1, -1], 0.0, True)
    """
    n = np.asarray(sweep.steps_to_converge, dtype=float)
    ok = n >= 0
    with np.errstate(all="ignore"):
        y = np.where(ok, np.log10(np.maximum(n, 1.0)), np.nan)
    top = float(np.log10(max(float(sweep.steps), 1.0)))
    return SweepSteps(y, (-0.1, top + 0.15 * max(top, 1.0)))
