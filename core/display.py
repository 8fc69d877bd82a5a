"""Numbers the views need, computed here so the GUI holds no mathematics.

Everything in this module is robust to NaN, infinities and huge values: a
diverging run must never make a view crash, hang or warn.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .problems import Problem

Array = np.ndarray

#: Largest magnitude handed to a plot (pyqtgraph curves vanish near 1e27 and
#: float32 GL buffers overflow at 3e38).
DISPLAY_LIMIT = 1e15

HEIGHT_MODES = ("auto", "linear", "log", "clipped")


class Grid(NamedTuple):
    """A landscape sampled on a regular grid (row-major: ``Z[iy, ix]``)."""

    xs: Array
    ys: Array
    Z: Array


def landscape_grid(problem: Problem, resolution: int = 200) -> Grid:
    """Sample a 2-D problem over its domain.

    Examples
    --------
    >>> import core
    >>> g = core.display.landscape_grid(core.get_problem("bowl"), 5)
    >>> g.Z.shape, float(g.Z[2, 2])
    ((5, 5), 0.0)
    """
    if problem.dim != 2:
        raise ValueError(f"landscape_grid needs a 2-D problem; {problem.name!r} has dim {problem.dim}.")
    xs = np.linspace(*problem.domain[0], resolution)
    ys = np.linspace(*problem.domain[1], resolution)
    X, Y = np.meshgrid(xs, ys, indexing="xy")
    Z = problem.value(np.stack([X, Y], axis=-1))
    return Grid(xs, ys, np.asarray(Z, dtype=float))


def curve_samples(problem: Problem, resolution: int = 800) -> tuple[Array, Array]:
    """Sample a 1-D problem over its domain: ``(xs, f(xs))``."""
    if problem.dim != 1:
        raise ValueError(f"curve_samples needs a 1-D problem; {problem.name!r} has dim {problem.dim}.")
    xs = np.linspace(*problem.domain[0], resolution)
    return xs, clip_values(problem.value(xs[:, None]))


def display_heights(Z: Array, mode: str = "auto") -> tuple[Array, str]:
    """Map values to heights that read well as colours or a surface.

    ``linear`` keeps them; ``log`` uses ``log10(Z − min + δ)`` so a deep narrow
    valley (Rosenbrock) shows structure; ``clipped`` caps at the 95th
    percentile; ``auto`` picks ``log`` when a few values dwarf the rest.
    Returns the heights (non-finite values replaced by the highest finite
    one) and the mode used.
    """
    if mode not in HEIGHT_MODES:
        raise ValueError(f"mode={mode!r} is not allowed: mode must be one of {', '.join(HEIGHT_MODES)}.")
    Z = np.asarray(Z, dtype=float)
    finite = np.isfinite(Z)
    if not finite.any():
        return np.zeros_like(Z), "linear"
    vals = Z[finite]
    lo, hi = float(vals.min()), float(vals.max())
    if mode == "auto":
        med = float(np.median(vals))
        spread = hi - lo
        mode = "log" if spread > 0 and (med - lo) < spread / 50 else "linear"
    with np.errstate(all="ignore"):
        if mode == "log":
            delta = max((hi - lo) * 1e-6, 1e-12)
            H = np.log10(np.clip(Z, lo, hi) - lo + delta)
        elif mode == "clipped":
            cap = float(np.percentile(vals, 95))
            H = np.clip(Z, lo, cap)
        else:
            H = np.clip(Z, lo, hi)
    H = np.where(finite, H, np.nanmax(np.where(finite, H, np.nan)))
    return H, mode


def contour_levels(H: Array, n: int = 14) -> Array:
    """``n`` evenly spaced levels strictly inside the range of the finite heights."""
    vals = np.asarray(H, dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size == 0 or vals.min() == vals.max():
        return np.zeros(0)
    return np.linspace(vals.min(), vals.max(), n + 2)[1:-1]


def clip_values(values: Array, limit: float = DISPLAY_LIMIT) -> Array:
    """Values safe to plot: ±inf and huge values become ±limit, NaN stays NaN (a gap)."""
    v = np.array(values, dtype=float, copy=True)
    with np.errstate(all="ignore"):
        np.clip(v, -limit, limit, out=v)
    return v


def clip_points(points: Array, domain: Array, margin: float = 2.0) -> Array:
    """Points safe to draw on a landscape: coordinates are clamped to the
    domain enlarged ``margin`` times about its centre; non-finite rows become NaN."""
    P = np.array(points, dtype=float, copy=True)
    dom = np.asarray(domain, dtype=float)
    centre = dom.mean(axis=1)
    half = (dom[:, 1] - dom[:, 0]) / 2 * margin
    with np.errstate(all="ignore"):
        np.clip(P, centre - half, centre + half, out=P)
        bad = ~np.isfinite(P).all(axis=-1)
    P[bad] = np.nan
    return P


def robust_range(values: Array, pad: float = 0.05) -> tuple[float, float] | None:
    """A finite plotting range covering the finite values (None if there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    lo, hi = max(lo, -DISPLAY_LIMIT), min(hi, DISPLAY_LIMIT)
    if hi - lo <= 1e-300:
        width = max(abs(hi), 1.0) * 0.1
        return lo - width, hi + width
    span = hi - lo
    return lo - pad * span, hi + pad * span
