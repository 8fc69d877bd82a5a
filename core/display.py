"""Numbers the views need, computed here so the GUI holds no mathematics.

Everything in this module is robust to NaN, infinities and huge values: a
diverging run must never make a view crash, hang or warn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
        quartile = float(np.percentile(vals, 25))
        spread = hi - lo
        mode = "log" if spread > 0 and (quartile - lo) * 20 < spread else "linear"
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
    centre = (dom[:, 0] + dom[:, 1]) / 2
    half = (dom[:, 1] - dom[:, 0]) / 2 * margin
    with np.errstate(all="ignore"):  # np.clip's own checks cost more than the clipping
        np.maximum(P, centre - half, out=P)
        np.minimum(P, centre + half, out=P)
        bad = ~np.isfinite(P).all(axis=-1)
    P[bad] = np.nan
    return P


#: Paths are drawn to within this fraction of the plotted region's diagonal
#: (well under a pixel of any plot on screen).
PATH_DETAIL = 1e-3


def path_spacing(domain: Array, detail: float = PATH_DETAIL) -> float:
    """The spacing for :func:`thin_path` on a plot of ``domain``.

    >>> path_spacing([[-5, 5], [-5, 5]])  # doctest: +ELLIPSIS
    0.01414...
    """
    dom = np.asarray(domain, dtype=float)
    return float(detail * np.hypot(*(dom[:2, 1] - dom[:2, 0])))


def thin_path(points: Array, spacing: float) -> Array:
    """Indices of the points of a path worth drawing when ``spacing`` is below
    what the eye can tell apart (about a pixel).

    A point is kept when the path, measured along its length, has entered a new
    stretch of ``spacing`` since the previous point, so the drawn line is never
    more than ``spacing`` away from the full one.  Long steps (a zigzag) are all
    kept; the thousands of tiny steps of a run settling at its minimum become a
    few.  The first and last points and every non-finite row with its
    neighbours (the breaks of the line) are always kept.

    >>> thin_path([[0, 0], [1, 0], [1.001, 0], [1.002, 0], [2, 0]], 0.01).tolist()
    [0, 1, 4]
    """
    P = np.asarray(points, dtype=float)
    n = len(P)
    if n <= 2 or not spacing > 0:
        return np.arange(n)
    with np.errstate(all="ignore"):
        step = np.sqrt(((P[1:] - P[:-1]) ** 2).sum(axis=-1))
        step[~np.isfinite(step)] = 0.0
        stretch = np.floor(np.concatenate([[0.0], np.cumsum(step)]) / spacing)
    keep = np.empty(n, dtype=bool)
    keep[0] = keep[-1] = True
    keep[1:-1] = stretch[1:-1] != stretch[:-2]
    bad = ~np.isfinite(P).all(axis=-1)
    if bad.any():
        keep |= bad
        keep[1:] |= bad[:-1]
        keep[:-1] |= bad[1:]
    return np.flatnonzero(keep)


class PathSketch:
    """What to draw of a growing 2-D path: every stretch of it once.

    :func:`thin_path` drops the tiny steps of a run settling at its minimum,
    but a run caught in a cycle (RMSprop circling its minimum with a constant
    step, momentum orbiting) retraces the same few strokes for ever, each one
    long enough to keep: its path grew by a point a step and every frame drew
    all of them.  A sketch draws a stroke between two cells of a ``spacing``
    grid only the first time: the picture is the same (to a cell, well under a
    pixel) and stays as small as what can be seen.

    Strokes are measured from the end of the line drawn so far, so a run
    creeping by steps shorter than a cell is still followed.  The drawn line
    always ends at the newest point (the ball); NaN rows break it.  Feeding
    the path again as it grows costs only its new points; a path that is not
    the previous one extended (a new run, a reset) starts a new sketch.

    >>> sketch = PathSketch(0.5)
    >>> loop = [[0, 0], [2, 0], [0, 0], [2, 0], [0, 0], [2, 0], [3, 0]]
    >>> xy, connect = sketch.update(loop)
    >>> xy.tolist(), connect.tolist()
    ([[0.0, 0.0], [2.0, 0.0], [2.0, 0.0], [3.0, 0.0]], [True, False, True, False])
    """

    def __init__(self, spacing: float, domain: Array | None = None):
        self.spacing = float(spacing)
        #: With a domain, points are drawn as :func:`clip_points` shows them
        #: (clipped here, as they come: the path itself may be long).
        self.domain = None if domain is None else np.array(domain, dtype=float)
        # cells of the grid; without a usable spacing, every distinct point is one
        self._scale = 1 / self.spacing if 0 < self.spacing < math.inf else None
        self._start()

    def _start(self) -> None:
        self._n = 0  # points of the path taken in so far
        self._first: list[float] | None = None  # its first point
        self._latest: tuple[float, float] | None = None  # the last point taken in
        self._seen: set[tuple[int, int, int, int]] = set()
        self._xy: list[tuple[float, float]] = []
        self._connect: list[bool] = []
        self._end: tuple[float, float] | None = None  # where the drawn line ends
        self._open = False  # the last point drawn is ``_end``: a new stroke joins on

    def update(self, points: Array) -> tuple[Array, Array]:
        """The points to draw for ``points`` (the whole path so far) and, per
        point, whether a line joins it to the next (pyqtgraph's ``connect``)."""
        P = np.asarray(points, dtype=float).reshape(-1, 2)
        n = len(P)
        # only the new rows become Python floats: the path may be long
        if n < self._n or (self._n and not (_same(P[0].tolist(), self._first)
                                             and _same(P[self._n - 1].tolist(), self._latest))):
            self._start()
        if n and self._n == 0:
            self._first = P[0].tolist()
        new = self._shown(P[self._n:]).tolist()
        for x, y in new:
            self._take(x, y)
        self._n = n
        self._latest = tuple(P[-1].tolist()) if n else None
        last = None if not n else tuple(new[-1] if new else self._shown(P[-1:])[0].tolist())
        xy, connect = list(self._xy), list(self._connect)
        if last is not None and self._end is not None and not (self._open and last == self._end):
            # the line ends at the newest point (the ball), even within a cell
            # or on a stroke drawn before
            if last != self._end:
                if not self._open:
                    xy.append(self._end)
                    connect.append(False)
                connect[-1] = True
            xy.append(last)
            connect.append(False)
        return np.array(xy, dtype=float).reshape(-1, 2), np.array(connect, dtype=bool)

    def _shown(self, rows: Array) -> Array:
        return rows if self.domain is None else clip_points(rows, self.domain)

    def _cell(self, x: float, y: float) -> tuple:
        if self._scale is None:
            return x, y
        u, v = x * self._scale, y * self._scale
        if not (math.isfinite(u) and math.isfinite(v)):
            return x, y  # a huge coordinate: floor() of infinity would raise
        return math.floor(u), math.floor(v)

    def _take(self, x: float, y: float) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            self._end, self._open = None, False  # a break in the line
            return
        if self._end is None:  # the first point, or the first after a break
            self._end = (x, y)
            self._xy.append(self._end)
            self._connect.append(False)
            self._open = True
            return
        a, b = self._cell(*self._end), self._cell(x, y)
        if a == b:
            return  # still within the cell where the line ends
        key = (*a, *b) if a <= b else (*b, *a)
        if key in self._seen:
            self._end, self._open = (x, y), False  # drawn before: not again
            return
        self._seen.add(key)
        if not self._open:
            self._xy.append(self._end)
            self._connect.append(False)
        self._connect[-1] = True
        self._end = (x, y)
        self._xy.append(self._end)
        self._connect.append(False)
        self._open = True


def _same(a, b) -> bool:
    """Equal coordinates, NaN equal to NaN (a diverged run's last point)."""
    return b is not None and len(a) == len(b) and all(
        u == v or (u != u and v != v) for u, v in zip(a, b, strict=True))


def envelope(x: Array, y: Array, columns: int,
             x_range: tuple[float, float] | None = None) -> tuple[Array, Array]:
    """The points of a curve worth drawing across ``columns`` pixel columns.

    ``x`` is non-decreasing (steps, or evaluations so far).  A curve of at
    most ``2·columns`` points is drawn whole.  Of a longer one, points outside
    ``x_range`` (the visible stretch) are dropped but for one on either side,
    so the line runs on to the edge; when more than ``2·columns`` remain, runs
    of consecutive points are drawn as their lowest and highest ``y`` (NaN
    ignored; NaN where a run is all NaN, which breaks the line), at the run's
    first ``x``, and the last point as it is: no peak or dip is lost, as with
    pyqtgraph's "peak" downsampling.  Of a level stretch only its ends are kept.

    >>> xs, ys = envelope(np.arange(8.0), np.array([0, 5, 1, 1, 2, -3, 2, 2.0]), 2)
    >>> xs.tolist(), ys.tolist()
    ([0.0, 0.0, 4.0, 4.0, 7.0], [0.0, 5.0, -3.0, 2.0, 2.0])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    columns = max(int(columns), 1)
    n = len(x)
    if n <= 2 * columns:
        return x, y
    if x_range is not None and np.isfinite(x[0]) and np.isfinite(x[-1]):
        lo = max(int(np.searchsorted(x, x_range[0], side="left")) - 1, 0)
        hi = min(int(np.searchsorted(x, x_range[1], side="right")) + 1, n)
        x, y = x[lo:hi], y[lo:hi]
        n = len(x)
        if n <= 2 * columns:
            return x, y
    starts = np.arange(0, n, -(-n // columns))
    out_x = np.empty(2 * len(starts) + 1)
    out_y = np.empty_like(out_x)
    out_x[:-1] = np.repeat(x[starts], 2)
    out_y[:-1:2] = np.fmin.reduceat(y, starts)  # fmin / fmax: NaN only if all are
    out_y[1:-1:2] = np.fmax.reduceat(y, starts)
    out_x[-1], out_y[-1] = x[-1], y[-1]
    # a level stretch (a run that has settled) needs only its two ends
    level = np.zeros(len(out_y), dtype=bool)
    level[1:-1] = (out_y[1:-1] == out_y[:-2]) & (out_y[1:-1] == out_y[2:])
    return out_x[~level], out_y[~level]


def finite_rows(points: Array) -> Array:
    """Only the rows whose coordinates are all finite (markers for NaN points are
    not drawn; a plotting library may also warn about all-NaN data).

    >>> finite_rows([[1.0, 2.0], [2.0, float("nan")]]).tolist()
    [[1.0, 2.0]]
    """
    P = np.asarray(points, dtype=float)
    if P.ndim == 1:
        P = P.reshape(-1, 1)
    return P[np.isfinite(P).all(axis=1)]


#: The corners a legend can sit in, as :func:`quieter_corner` names them.
CORNERS = ("right", "left", "bottom right", "bottom left")


def quieter_corner(xs: Sequence[Array], ys: Sequence[Array],
                   x_range: tuple[float, float], y_range: tuple[float, float],
                   current: str = "right", box: tuple[float, float] = (0.5, 0.35)) -> str:
    """The corner of a plot (one of :data:`CORNERS`: ``"left"`` and ``"right"``
    are the top ones) where a legend covers fewest of the curves' points.

    The legend is taken to fill ``box`` (fractions of the plot's width and
    height) in that corner of ``x_range`` × ``y_range``.  The ``current``
    corner is kept unless another covers less than half as many points, so
    the legend does not hop to and fro as a race goes on; among equally free
    corners a top one, then the one on the same side, is preferred.

    >>> xs, ys = [np.arange(10.0)], [np.arange(10.0)]  # a loss that climbs
    >>> quieter_corner(xs, ys, (0, 9), (0, 9))
    'left'
    >>> quieter_corner(xs, [9 - ys[0]], (0, 9), (0, 9))  # one that falls
    'right'
    >>> quieter_corner(xs, [np.full(10, 8.5)], (0, 9), (0, 9))  # one that stays high
    'bottom right'
    """
    x = np.concatenate([np.asarray(v, dtype=float).ravel() for v in xs] or [np.zeros(0)])
    y = np.concatenate([np.asarray(v, dtype=float).ravel() for v in ys] or [np.zeros(0)])
    (x0, x1), (y0, y1) = x_range, y_range
    bw, bh = (min(max(float(b), 0.0), 1.0) for b in box)
    with np.errstate(invalid="ignore"):  # NaN compares False: counts as nothing
        top, bottom = y >= y1 - bh * (y1 - y0), y <= y0 + bh * (y1 - y0)
        left, right = x <= x0 + bw * (x1 - x0), x >= x1 - bw * (x1 - x0)
        counts = {"right": int(np.count_nonzero(top & right)),
                  "left": int(np.count_nonzero(top & left)),
                  "bottom right": int(np.count_nonzero(bottom & right)),
                  "bottom left": int(np.count_nonzero(bottom & left))}
    current = current if current in counts else "right"
    side = "left" if current.endswith("left") else "right"
    best = min(CORNERS, key=lambda c: (counts[c], c.startswith("bottom"), not c.endswith(side)))
    return best if 2 * counts[best] < counts[current] else current


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


def contour_segments(xs: Array, ys: Array, H: Array, level: float) -> Array:
    """Line segments of the ``level`` contour of ``H[iy, ix]`` (marching squares).

    Returns an ``(2m, 2)`` array of endpoints, consecutive pairs forming one
    segment (ready for a plot with ``connect="pairs"``).  Saddle cells are
    split using the value at the cell centre.

    Examples
    --------
    >>> import numpy as np
    >>> xs = ys = np.linspace(-1, 1, 3)
    >>> X, Y = np.meshgrid(xs, ys)
    >>> seg = contour_segments(xs, ys, X, 0.5)
    >>> bool(np.allclose(seg[:, 0], 0.5))
    True
    """
    H = np.asarray(H, dtype=float)
    with np.errstate(all="ignore"):
        above = H > level
        z00, z01 = H[:-1, :-1], H[:-1, 1:]   # bottom-left, bottom-right
        z10, z11 = H[1:, :-1], H[1:, 1:]     # top-left, top-right
        a00, a01, a10, a11 = above[:-1, :-1], above[:-1, 1:], above[1:, :-1], above[1:, 1:]
        x0, x1 = xs[:-1][None, :], xs[1:][None, :]
        y0, y1 = ys[:-1][:, None], ys[1:][:, None]

        def cross(za, zb):
            t = (level - za) / (zb - za)
            return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

        shape = z00.shape
        # Edge crossing points: bottom, right, top, left.
        tb, tr, tt, tl = cross(z00, z01), cross(z01, z11), cross(z10, z11), cross(z00, z10)
        pts = np.empty((4,) + shape + (2,))
        pts[0, ..., 0] = x0 + tb * (x1 - x0)
        pts[0, ..., 1] = np.broadcast_to(y0, shape)
        pts[1, ..., 0] = np.broadcast_to(x1, shape)
        pts[1, ..., 1] = y0 + tr * (y1 - y0)
        pts[2, ..., 0] = x0 + tt * (x1 - x0)
        pts[2, ..., 1] = np.broadcast_to(y1, shape)
        pts[3, ..., 0] = np.broadcast_to(x0, shape)
        pts[3, ..., 1] = y0 + tl * (y1 - y0)
        hit = np.stack([a00 != a01, a01 != a11, a10 != a11, a00 != a10])
        finite = np.isfinite(z00) & np.isfinite(z01) & np.isfinite(z10) & np.isfinite(z11)
        count = hit.sum(axis=0) * finite
    segments = []
    two = count == 2
    if two.any():
        idx = np.argsort(~hit[:, two], axis=0, kind="stable")[:2]  # the two crossed edges
        cells = pts[:, two]
        n = cells.shape[1]
        first = cells[idx[0], np.arange(n)]
        second = cells[idx[1], np.arange(n)]
        segments.append(np.stack([first, second], axis=1).reshape(-1, 2))
    four = count == 4
    if four.any():
        centre_above = ((z00 + z01 + z10 + z11) / 4 > level)[four]
        same = centre_above == a00[four]
        c = pts[:, four]
        # If the centre agrees with the bottom-left corner, that corner is joined
        # to the middle: cut off the other two corners instead.
        s1a = np.where(same[:, None], c[0], c[0])
        s1b = np.where(same[:, None], c[1], c[3])
        s2a = np.where(same[:, None], c[2], c[2])
        s2b = np.where(same[:, None], c[3], c[1])
        segments.append(np.stack([s1a, s1b], axis=1).reshape(-1, 2))
        segments.append(np.stack([s2a, s2b], axis=1).reshape(-1, 2))
    if not segments:
        return np.zeros((0, 2))
    return np.concatenate(segments)


def loss_floor(problem: Problem) -> float | None:
    """The best loss ``problem`` is known to approach, for a log-scale plot's gap:
    its best known minimum, or 0 for a model on data (its losses are sums of
    non-negative terms, so 0 bounds them even where no minimum exists, as for a
    classifier of separable data); None when nothing is known.

    >>> import core
    >>> loss_floor(core.get_problem("bowl")), loss_floor(core.get_problem("logistic"))
    (0.0, 0.0)
    >>> loss_floor(core.get_problem("saddle")) is None
    True
    """
    if problem.minima.size:
        return float(np.min(problem.value(problem.minima)))
    if getattr(problem, "dataset", None) is not None:
        return 0.0
    return None


def log_gap(values: Array, floor: float | None) -> tuple[Array, float]:
    """``log10(value − floor)`` for a log-scale loss plot, safe for any input.

    ``floor`` is the best known value (e.g. the global minimum); without one,
    a little below the smallest finite value is used.  Non-positive gaps are
    clamped to ``log10(1e-16) = -16``; NaN stays NaN.
    Returns the transformed values and the floor used.
    """
    v = clip_values(values)
    finite = v[np.isfinite(v)]
    if floor is None:
        if finite.size == 0:
            return np.full_like(v, np.nan), 0.0
        lo = float(finite.min())
        floor = lo - max(abs(lo) * 1e-12, 1e-300)
    with np.errstate(all="ignore"):
        out = np.log10(np.maximum(v - floor, 1e-16))
    out[np.isnan(v)] = np.nan
    return out, float(floor)


def arrow(origin: Array, vector: Array, domain: Array, max_fraction: float = 0.3) -> Array | None:
    """Line segments of an arrow for display, or None if it cannot be drawn.

    Returns ``(6, 2)`` endpoints taken in pairs: the shaft and the two strokes
    of the head.  The arrow keeps its direction; its length is capped at
    ``max_fraction`` of the domain's diagonal so a huge gradient still shows.

    Examples
    --------
    >>> seg = arrow([0.0, 0.0], [1.0, 0.0], [[-2, 2], [-2, 2]])
    >>> seg[:2].tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    o = np.asarray(origin, dtype=float).ravel()[:2].tolist()
    v = np.asarray(vector, dtype=float).ravel()[:2].tolist()
    if len(o) != 2 or len(v) != 2 or not all(math.isfinite(a) for a in o + v):
        return None
    # Python floats: a handful of numbers, drawn for every racer in every frame
    dom = np.asarray(domain, dtype=float)[:2].tolist()
    diag = math.hypot(dom[0][1] - dom[0][0], dom[1][1] - dom[1][0])
    vx, vy = v
    length = math.hypot(vx, vy)
    if not math.isfinite(length) or length <= diag * 1e-9:
        return None
    cap = max_fraction * diag
    if length > cap:
        vx, vy = vx * (cap / length), vy * (cap / length)
        length = cap
    ox, oy = o
    tx, ty = ox + vx, oy + vy
    head = min(0.35 * length, 0.04 * diag)
    bx, by = -vx / length * head, -vy / length * head
    c, s_ = _HEAD_COS, _HEAD_SIN
    return np.array([[ox, oy], [tx, ty],
                     [tx, ty], [tx + c * bx - s_ * by, ty + s_ * bx + c * by],
                     [tx, ty], [tx + c * bx + s_ * by, ty - s_ * bx + c * by]])


#: The head's strokes leave the shaft at π/7 either side.
_HEAD_COS, _HEAD_SIN = math.cos(math.pi / 7), math.sin(math.pi / 7)


def polygon(points: Array) -> Array:
    """Close a polygon (e.g. a Nelder–Mead simplex) for drawing: first point repeated at the end."""
    P = np.asarray(points, dtype=float).reshape(-1, np.asarray(points).shape[-1])[:, :2]
    return np.concatenate([P, P[:1]]) if len(P) else P


class HeightScale:
    """Maps loss values to heights in a 3-D box, the same way for the surface
    and for the paths drawn on it.

    ``mode`` is one of :data:`HEIGHT_MODES` ("auto" picks "log" when a few
    values dwarf the rest, as for Rosenbrock).  Heights land in
    ``[0, top]``; non-finite or huge values are clamped, never passed on.

    Examples
    --------
    >>> import numpy as np
    >>> s = HeightScale(np.array([[0.0, 1.0], [2.0, 4.0]]), "linear", top=2.0)
    >>> s(np.array([0.0, 4.0, np.inf, np.nan])).tolist()
    [0.0, 2.0, 2.0, 2.0]
    """

    def __init__(self, Z: Array, mode: str = "auto", top: float = 1.0):
        if mode not in HEIGHT_MODES:
            raise ValueError(f"mode={mode!r} is not allowed: mode must be one of {', '.join(HEIGHT_MODES)}.")
        Z = np.asarray(Z, dtype=float)
        vals = Z[np.isfinite(Z)]
        self.top = float(top)
        if vals.size == 0:
            self.mode, self.lo, self.hi = "linear", 0.0, 1.0
        else:
            _, self.mode = display_heights(Z, mode)
            self.lo, self.hi = float(vals.min()), float(vals.max())
            if self.mode == "clipped":
                self.hi = float(np.percentile(vals, 95))
        if self.hi <= self.lo:
            self.hi = self.lo + 1.0
        self.delta = max((self.hi - self.lo) * 1e-6, 1e-12)
        self._h_lo, self._h_hi = self._raw(np.array([self.lo, self.hi]))

    def _raw(self, v: Array) -> Array:
        with np.errstate(all="ignore"):
            c = np.clip(v, self.lo, self.hi)
            if self.mode == "log":
                return np.log10(c - self.lo + self.delta)
            return c

    def __call__(self, values: Array) -> Array:
        """Heights in ``[0, top]`` for ``values`` (NaN and +inf go to the top)."""
        v = np.asarray(values, dtype=float)
        v = np.where(np.isnan(v), np.inf, v)
        h = (self._raw(v) - self._h_lo) / (self._h_hi - self._h_lo)
        return np.clip(np.nan_to_num(h, nan=1.0), 0.0, 1.0) * self.top

    def unit(self, values: Array) -> Array:
        """Heights in ``[0, 1]`` (for colour lookup)."""
        return self(values) / self.top if self.top else np.zeros_like(np.asarray(values, float))


def plane_grid(bounds: Array, resolution: int = 100) -> tuple[Array, Array, Array]:
    """Points covering a 2-D box for shading a classifier's confidence.

    Returns ``(xs, ys, P)`` with ``P`` of shape ``(resolution, resolution, 2)``
    (row-major: ``P[iy, ix]``).
    """
    b = np.asarray(bounds, dtype=float).reshape(2, 2)
    xs = np.linspace(b[0, 0], b[0, 1], resolution)
    ys = np.linspace(b[1, 0], b[1, 1], resolution)
    X, Y = np.meshgrid(xs, ys, indexing="xy")
    return xs, ys, np.stack([X, Y], axis=-1)


def tangent(problem, x: float, half_width: float | None = None) -> Array | None:
    """The tangent line of a 1-D problem at ``x`` as two endpoints ``(2, 2)``.

    Its half-width defaults to a tenth of the domain; None where the value or
    slope is not finite.
    """
    x = float(x)
    if problem.dim != 1 or not np.isfinite(x):
        return None
    dom = problem.domain[0]
    w = half_width if half_width is not None else 0.1 * float(dom[1] - dom[0])
    with np.errstate(all="ignore"):
        fx = float(problem.value([x]))
        slope = float(np.asarray(problem.grad([x])).reshape(-1)[0])
    if not (np.isfinite(fx) and np.isfinite(slope)):
        return None
    return np.array([[x - w, fx - slope * w], [x + w, fx + slope * w]])
