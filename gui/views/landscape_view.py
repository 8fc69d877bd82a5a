"""The landscape view: filled contour map with contour lines (2-D problems) or
the curve itself (1-D problems), with every racing method's path, ball and
what its last step computed (gradient, velocity, Newton step, simplex...)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem

import core
from core import display

from .. import appearance
from ..style import COLOUR_MAP, FramedCurve, no_scene_index, set_title

GRID_RESOLUTION = 200
CONTOUR_LEVELS = 14

#: The contour map shows both coordinates at one scale (circles look round,
#: gradients cross the contour lines at right angles) when the domain's two
#: spans differ by at most this factor.  Beyond it (curve_fit: a in about
#: [-3, 1], b in [0, 200]) a 1:1 map would be a strip a few pixels wide, so
#: each coordinate gets the plot's whole width or height instead.
ASPECT_LOCK_MAX_RATIO = 4.0

#: Overlays the user can toggle: key -> menu label.
OVERLAYS = {
    "gradient": "Gradient ∇f (uphill; the step goes the other way)",
    "velocity": "Velocity / momentum",
    "step": "Step actually taken",
    "newton_step": "Newton step −H⁻¹∇f",
    "trials": "Line-search trial points",
    "simplex": "Nelder–Mead simplex",
    "candidate": "Annealing candidate (accepted / rejected)",
    "population": "Genetic population",
    "evaluated": "Every point evaluated (cups of tea brewed)",
}

_ARROW_STYLE = {
    "gradient": dict(color="#ffffff", width=3, style=Qt.PenStyle.SolidLine),
    "velocity": dict(color="#00e5ff", width=3, style=Qt.PenStyle.DashLine),
    "step": dict(color="#ff4fd8", width=3, style=Qt.PenStyle.SolidLine),
    "newton_step": dict(color="#7CFC00", width=3, style=Qt.PenStyle.DotLine),
}


@lru_cache(maxsize=256)
def _brush(colour) -> pg.QtGui.QBrush:
    """One brush object per colour, reused frame after frame: scatter items
    render and keep a symbol image per pen and brush *object*, so new ones each
    frame meant rendering every symbol again and an ever-growing symbol atlas."""
    return pg.mkBrush(colour)


@lru_cache(maxsize=256)
def _pen(colour, width: float = 1.0) -> QPen:
    """One pen object per colour and width, reused (see :func:`_brush`)."""
    return pg.mkPen(colour, width=width)


def keeps_true_shape(domain) -> bool:
    """Whether a contour map of ``domain`` (rows: coordinates, columns: low,
    high) is drawn at 1:1 aspect (see :data:`ASPECT_LOCK_MAX_RATIO`).

    >>> keeps_true_shape([[-5, 5], [-5, 5]]), keeps_true_shape([[-3, 1], [0, 200]])
    (True, False)
    """
    dom = np.asarray(domain, dtype=float)[:2]
    spans = np.abs(dom[:, 1] - dom[:, 0])
    if spans.shape != (2,) or not np.all(np.isfinite(spans)) or spans.min() <= 0:
        return True  # nothing sensible to stretch
    return bool(spans.max() <= ASPECT_LOCK_MAX_RATIO * spans.min())


def _short(title: str, limit: int = 34) -> str:
    """Titles must not widen the plot beyond its pane: cut long ones."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


class _SharedItems:
    """Graphics items drawn for all racing methods at once.

    One item per kind instead of one per racer: every item costs Python calls
    (bounding rectangle, paint) each frame even when it draws nothing, which with
    8 racers was most of the contour map's paint time.  Items with nothing to
    show are hidden, so Qt does not ask them to paint.
    """

    def __init__(self, plot: pg.PlotWidget):
        self.shadow = FramedCurve(pen=pg.mkPen((0, 0, 0, 160), width=5))
        self.ball = pg.ScatterPlotItem(size=18)
        self.arrows = {k: FramedCurve(connect="pairs", pen=pg.mkPen(**v))
                       for k, v in _ARROW_STYLE.items()}
        self.trials = pg.ScatterPlotItem(size=9, symbol="o", brush=None)
        self.candidate = pg.ScatterPlotItem(size=16)
        self.population = pg.ScatterPlotItem(size=8, symbol="o")
        self.evaluated = pg.ScatterPlotItem(size=4, symbol="o", pen=None)
        layers = [(2, self.evaluated), (6, self.shadow), (7.6, self.population),
                  (7.7, self.trials), (8, self.candidate), (11, self.ball)]
        layers += [(8.5, a) for a in self.arrows.values()]
        self.all = [item for _, item in layers]
        # The balls are drawn over the start marker (z 10): a run stuck where it
        # started (a flat step, a dead neuron) shows its ball, not a white square;
        # they take no mouse buttons, so the marker under them can still be dragged.
        self.ball.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        for z, item in layers:
            item.setZValue(z)
            item.setVisible(False)
            plot.addItem(item)
        self.style_key: tuple | None = None


class _RacerItems:
    """Graphics items of one racing method: its own coloured path and simplex,
    and the items it shares with the other racers (see :class:`_SharedItems`)."""

    def __init__(self, plot: pg.PlotWidget, shared: _SharedItems):
        self.line = FramedCurve()
        self.line.setZValue(7)
        plot.addItem(self.line)
        self.simplex: pg.PlotCurveItem | None = None  # made when a simplex is first drawn
        self._sketch: display.PathSketch | None = None
        self._plot = plot
        self.shared = shared
        self.style_key: tuple | None = None

    @property
    def ball(self) -> pg.ScatterPlotItem:
        return self.shared.ball

    @property
    def shadow(self) -> pg.PlotCurveItem:
        return self.shared.shadow

    @property
    def arrows(self) -> dict[str, pg.PlotCurveItem]:
        return self.shared.arrows

    @property
    def all(self) -> list:
        """The items that belong to this racer alone."""
        return [self.line] + ([self.simplex] if self.simplex is not None else [])

    def sketch_of(self, domain: np.ndarray, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The points to draw of ``path`` on a plot of ``domain`` and their
        ``connect`` flags (the sketch goes on from the last frame's while the
        path only grows)."""
        s = self._sketch
        if s is None or s.domain is None or not np.array_equal(s.domain, domain):
            self._sketch = s = display.PathSketch(display.path_spacing(domain), domain)
        return s.update(path)

    def draw_simplex(self, p: np.ndarray | None, colour: str) -> None:
        if p is None:
            if self.simplex is not None and self.simplex.isVisible():
                self.simplex.setData([], [])
                self.simplex.setVisible(False)
            return
        if self.simplex is None:
            self.simplex = FramedCurve()
            self.simplex.setZValue(7.5)
            self._plot.addItem(self.simplex)
        self.simplex.setData(p[:, 0], p[:, 1], pen=pg.mkPen(colour, width=2))
        self.simplex.setVisible(True)


class _Overlays:
    """What the racers' last steps computed, gathered for the shared items."""

    def __init__(self):
        self.arrows: dict[str, list[np.ndarray]] = {k: [] for k in _ARROW_STYLE}
        self.trials: list[tuple[np.ndarray, str]] = []
        self.candidates: list[tuple[np.ndarray, bool]] = []
        self.population: list[tuple[np.ndarray, str]] = []
        self.evaluated: list[np.ndarray] = []


def _show(item, visible: bool) -> None:
    if item.isVisible() != visible:
        item.setVisible(visible)


class LandscapeView(pg.PlotWidget):
    """Shows a problem and the paths taken on it; a click (or dragging the
    start marker) picks the start point."""

    startPicked = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent=parent, background="w")
        self.setObjectName("contourView")
        self.setMinimumSize(320, 280)
        no_scene_index(self)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.getViewBox().setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get(COLOUR_MAP))
        self.image.setZValue(-10)
        self.addItem(self.image)
        self.basin = pg.ImageItem()
        self.basin.setZValue(-4)
        self.basin.setOpacity(0.45)
        self.addItem(self.basin)
        self.lines = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((255, 255, 255, 110), width=1))
        self.lines.setZValue(-5)
        self.addItem(self.lines)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#2c3e50", width=3))
        self.addItem(self.curve)
        self.optima = pg.ScatterPlotItem(symbol="star", size=22, brush=pg.mkBrush("w"),
                                         pen=pg.mkPen("k", width=1.5))
        self.optima.setZValue(5)
        self.addItem(self.optima)
        self.start = pg.TargetItem(pos=(0, 0), size=18, symbol="s", movable=True,
                                   pen=pg.mkPen("k", width=2), brush=pg.mkBrush("w"),
                                   hoverBrush=pg.mkBrush("#ffe680"))
        self.start.setZValue(10)
        self.start.setToolTip("Start point: drag it, or click anywhere on the map.")
        self.start.sigPositionChangeFinished.connect(self._dragged)
        self.addItem(self.start)
        self._shared = _SharedItems(self)
        self._racers: list[_RacerItems] = []
        self.overlays: dict[str, bool] = dict.fromkeys(OVERLAYS, True)
        #: Step-by-step mode: only these diagnostics are drawn (None = all), and
        #: with ``hold`` the ball waits at the previous point until the step is shown.
        self.reveal: tuple[str, ...] | None = None
        self.hold = False
        self.problem: core.Problem | None = None
        self._curve_range: tuple[float, float] | None = None
        #: With the aspect unlocked, the domain's spans: paths are sketched and
        #: arrows sized in units of them (one data unit of ``a`` and of ``b``
        #: are then far from the same length on screen).  None: data units.
        self._scale: np.ndarray | None = None
        self._last: Sequence[tuple[str, core.Trace]] = []
        self.scene().sigMouseClicked.connect(self._clicked)
        # The map, its contour lines, the optima and the axes stay put while the
        # paths move: Qt keeps each of them as a pixmap in screen coordinates and
        # repaints a frame by copying it, instead of rasterising the 200×200
        # image and thousands of antialiased contour segments every frame.
        cached = [self.image, self.basin, self.lines.curve, self.curve.curve, self.optima]
        cached += [self.plotItem.getAxis(side) for side in ("left", "bottom", "top", "right")]
        for item in cached:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # -- problem ---------------------------------------------------------------
    def set_problem(self, problem: core.Problem) -> None:
        """Draw ``problem``'s landscape and fix the view to its domain."""
        self.problem = problem
        self.clear_paths()
        self.set_basin(None)
        dom = problem.domain
        vb = self.getViewBox()
        vb.disableAutoRange()
        self._scale = None
        self.start.setVisible(problem.dim in (1, 2))
        if problem.dim == 2:
            grid = display.landscape_grid(problem, GRID_RESOLUTION)
            H, mode = display.display_heights(grid.Z)
            self.image.setImage(H, autoLevels=True)
            self.image.setRect(float(dom[0, 0]), float(dom[1, 0]),
                               float(dom[0, 1] - dom[0, 0]), float(dom[1, 1] - dom[1, 0]))
            self.image.show()
            segs = [display.contour_segments(grid.xs, grid.ys, H, lv)
                    for lv in display.contour_levels(H, CONTOUR_LEVELS)]
            pts = np.concatenate(segs) if segs else np.zeros((0, 2))
            self.lines.setData(pts[:, 0], pts[:, 1], connect="pairs")
            self.curve.setData([], [])
            # decided again for every problem: back on a bowl, the lock returns
            locked = keeps_true_shape(dom)
            if not locked:
                self._scale = np.asarray(dom, dtype=float)[:2, 1] - np.asarray(dom, dtype=float)[:2, 0]
            self.plotItem.setAspectLocked(locked)
            vb.setRange(xRange=dom[0], yRange=dom[1], padding=0)
            self.setLabel("bottom", problem.coords[0])
            self.setLabel("left", problem.coords[1])
            shade = ", log colours" if mode == "log" else ""
            set_title(self, f"{_short(problem.title)} — dark = low loss{shade}")
            self._curve_range = None
            self.optima.setData(pos=problem.minima[:, :2] if problem.minima.size else np.zeros((0, 2)))
        elif problem.dim == 1:
            xs, fs = display.curve_samples(problem)
            self.image.hide()
            self.lines.setData([], [])
            self.curve.setData(xs, fs, connect="finite")
            yr = display.robust_range(fs, pad=0.08) or (-1.0, 1.0)
            self._curve_range = yr
            self.plotItem.setAspectLocked(False)
            vb.setRange(xRange=dom[0], yRange=yr, padding=0)
            self.setLabel("bottom", problem.coords[0])
            self.setLabel("left", "f")
            set_title(self, f"{_short(problem.title)} — the ball rolls along the curve")
            if problem.minima.size:
                self.optima.setData(problem.minima[:, 0], problem.value(problem.minima))
            else:
                self.optima.setData([], [])
        else:
            self.image.hide()
            self.lines.setData([], [])
            self.curve.setData([], [])
            self.optima.setData([], [])
            set_title(self, f"{problem.title}: {problem.dim} parameters")

    def set_basin(self, image: np.ndarray | None, rect: tuple[float, float, float, float] | None = None) -> None:
        """Show an RGBA basin-of-attraction image over ``rect`` = (x, y, w, h), or hide it."""
        if image is None:
            self.basin.hide()
            return
        self.basin.setImage(image, autoLevels=False)
        if rect is not None:
            self.basin.setRect(*rect)
        self.basin.show()

    # -- markers ---------------------------------------------------------------
    def set_start(self, x: np.ndarray) -> None:
        """Show the start marker at ``x``."""
        if self.problem is None:
            return
        self.start.blockSignals(True)
        if self.problem.dim == 2:
            self.start.setPos(float(x[0]), float(x[1]))
        elif self.problem.dim == 1:
            fx = float(display.clip_values(self.problem.value(np.asarray(x, dtype=float)[:1])))
            if not np.isfinite(fx):  # no value here (0/0): the marker waits on the T axis,
                low, high = self.getViewBox().viewRange()[1]  # visible, to be dragged
                fx = float(low + 0.04 * (high - low))
            self.start.setPos(float(x[0]), fx)
        self.start.blockSignals(False)

    def start_position(self) -> tuple[float, float]:
        """Where the start marker is drawn."""
        p = self.start.pos()
        return float(p.x()), float(p.y())

    def clear_paths(self) -> None:
        """Remove every drawn path."""
        for racer in self._racers:
            for item in racer.all:
                self.removeItem(item)
        self._racers = []
        for item in self._shared.all:
            item.setData([], [])
            item.setVisible(False)

    def set_overlay(self, key: str, on: bool) -> None:
        """Show or hide one overlay (see :data:`OVERLAYS`)."""
        self.overlays[key] = bool(on)
        self.set_paths(self._last)

    def set_paths(self, traces: Sequence[tuple[str, core.Trace]]) -> None:
        """Draw each ``(colour, trace)``: path, ball and overlays of its last step."""
        self._last = traces
        shared = self._shared
        while len(self._racers) < len(traces):
            self._racers.append(_RacerItems(self, shared))
        while len(self._racers) > len(traces):
            for item in self._racers.pop().all:
                self.removeItem(item)
        width = appearance.CURRENT.line_width
        key = (width, appearance.CURRENT.ball_size)
        if shared.style_key != key:
            shared.style_key = key
            shared.shadow.setPen(pg.mkPen((0, 0, 0, 160), width=width + 2))
            shared.ball.setSize(appearance.CURRENT.ball_size)
        shadows, balls, ball_colours = [], [], []
        found = _Overlays()
        for items, (colour, trace) in zip(self._racers, traces, strict=False):
            if self.problem is not None and self.problem.dim == 2:
                # each stroke once: a run settled at its minimum, or circling it,
                # adds nothing anyone can see (see core.display.PathSketch)
                path = trace.x[:-1] if self.hold and len(trace.x) > 1 else trace.x
                pts, connect = self._sketch(items, path)
                breaks = np.flatnonzero(~connect[:-1])
                shadow = np.insert(pts, breaks + 1, np.nan, axis=0) if breaks.size else pts
                # the ball: the newest point as drawn (a sketch's line ends there)
                path = pts[-1:] if len(path) and np.isfinite(path[-1]).all() else path[:0]
            else:
                path = self._display_points(trace)
                if self.hold and len(path) > 1:
                    path = path[:-1]
                pts, connect, shadow = path, "finite", path
            if len(pts):
                shadows += [shadow, np.full((1, 2), np.nan)]  # NaN: no line between racers
            if items.style_key != (colour, width):
                items.style_key = (colour, width)
                items.line.setPen(pg.mkPen(colour, width=width))
            items.line.setData(pts[:, 0], pts[:, 1], connect=connect)
            if len(path) and np.isfinite(path[-1]).all():
                balls.append(path[-1])
                ball_colours.append(colour)
            simplex = None
            if self.problem is not None and self.problem.dim in (1, 2) and trace.last_x is not None:
                simplex = self._gather_overlays(found, colour, trace)
            items.draw_simplex(simplex, colour)
        shadow = np.concatenate(shadows) if shadows else np.zeros((0, 2))
        shared.shadow.setData(shadow[:, 0], shadow[:, 1], connect="finite")
        _show(shared.shadow, len(shadow) > 0)
        shared.ball.setData(pos=np.array(balls).reshape(-1, 2),
                            brush=[_brush(c) for c in ball_colours], pen=_pen("k", 2))
        _show(shared.ball, bool(balls))
        self._draw_overlays(found)

    def _sketch(self, items: _RacerItems, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``items.sketch_of`` the path, on a plot whose coordinates may have
        different scales: sketched in units of the domain's spans then, so
        what is left out is well under a pixel in either direction."""
        dom = self.problem.domain
        if self._scale is None:
            return items.sketch_of(dom, path)
        s = self._scale
        pts, connect = items.sketch_of(np.asarray(dom, dtype=float)[:2] / s[:, None],
                                       np.asarray(path, dtype=float).reshape(-1, 2) / s)
        return pts * s, connect

    def _arrow(self, origin: np.ndarray, vector, dom: np.ndarray,
               spans: np.ndarray | None = None) -> np.ndarray | None:
        """:func:`core.display.arrow` as drawn on this plot.  Where the two axes
        have different scales (``spans``, default: the unlocked map's) it is capped
        and its head shaped in units of the spans, so it stays on the plot and its
        head looks like one."""
        spans = self._scale if spans is None else spans
        if spans is None:
            return display.arrow(origin, vector, dom)
        v = np.asarray(vector, dtype=float).ravel()[:2]
        o = np.asarray(origin, dtype=float).ravel()[:2]
        if v.shape != (2,) or o.shape != (2,):
            return None
        seg = display.arrow(o / spans, v / spans, np.asarray(dom, dtype=float)[:2] / spans[:, None])
        return None if seg is None else seg * spans

    def _gather_overlays(self, found: _Overlays, colour: str, trace: core.Trace
                         ) -> np.ndarray | None:
        """Collect what ``trace``'s last step computed; returns its simplex (or None).

        On a map, points are drawn where they are.  On a curve (one coordinate)
        they sit on the curve, and the arrows run along T from where the step
        began, at its height.
        """
        d = trace.last_diagnostics
        if self.reveal is not None:
            d = {k: v for k, v in d.items() if k in self.reveal}
        p, on = self.problem, self.overlays
        step = d.get("step")
        if p.dim == 2:
            dom, spans = p.domain, None

            def place(points) -> np.ndarray:
                return display.clip_points(np.asarray(points, dtype=float).reshape(-1, 2), dom)

            origin = trace.last_x - np.asarray(step) if step is not None else trace.last_x

            def along(vec):
                return vec
        else:
            low, high = self.getViewBox().viewRange()[1]
            dom = np.array([p.domain[0], [low, high]], dtype=float)
            spans = dom[:, 1] - dom[:, 0]  # T and f differ 10-fold: arrows shaped in spans
            if not (np.isfinite(dom).all() and (spans > 0).all()):
                return None

            def place(points) -> np.ndarray:
                xs = np.asarray(points, dtype=float).reshape(-1)
                return display.clip_points(
                    np.column_stack([xs, display.clip_values(p.value(xs[:, None]))]), dom)

            x = float(trace.last_x[0])
            origin = place([x - float(np.ravel(step)[0]) if step is not None else x])[0]

            def along(vec):
                return [float(np.ravel(vec)[0]), 0.0]
        vectors = {"gradient": d.get("grad"), "velocity": d.get("velocity"),
                   "step": step, "newton_step": d.get("newton_step")}
        for key, vec in vectors.items():
            seg = (self._arrow(origin, along(vec), dom, spans)
                   if vec is not None and on[key] else None)
            if seg is not None:
                found.arrows[key].append(seg)
        if on["trials"] and d.get("trials") is not None:
            found.trials.append((place(d["trials"]), colour))
        if on["candidate"] and d.get("candidate") is not None:
            found.candidates.append((place(d["candidate"]), bool(np.all(d.get("accepted", True)))))
        if on["population"] and d.get("population") is not None:
            found.population.append((place(d["population"]), colour))
        if on["evaluated"] and len(trace.evaluated):
            found.evaluated.append(place(trace.evaluated))
        if p.dim == 2 and on["simplex"] and d.get("simplex") is not None:
            return display.clip_points(display.polygon(d["simplex"]), dom)
        return None

    def _draw_overlays(self, found: _Overlays) -> None:
        shared = self._shared
        for key, segs in found.arrows.items():
            item = shared.arrows[key]
            if segs:
                seg = np.concatenate(segs)
                item.setData(seg[:, 0], seg[:, 1], connect="pairs")
            elif item.isVisible():
                item.setData([], [])
            _show(item, bool(segs))
        if found.trials:
            pos = np.concatenate([p for p, _ in found.trials])
            pens = [_pen(c, 2) for p, c in found.trials for _ in range(len(p))]
            shared.trials.setData(pos=pos, pen=pens, brush=_brush(None))
        self._finish(shared.trials, bool(found.trials))
        if found.candidates:
            pos = np.concatenate([p for p, _ in found.candidates])
            oks = [ok for p, ok in found.candidates for _ in range(len(p))]
            shared.candidate.setData(
                pos=pos, symbol=["o" if ok else "x" for ok in oks],
                brush=[_brush("#7CFC00") if ok else _brush(None) for ok in oks],
                pen=[_pen("#7CFC00" if ok else "#ff3030", 3) for ok in oks])
        self._finish(shared.candidate, bool(found.candidates))
        if found.population:
            pos = np.concatenate([p for p, _ in found.population])
            brushes = [_brush(c) for p, c in found.population for _ in range(len(p))]
            shared.population.setData(pos=pos, brush=brushes, pen=_pen("k", 1))
        self._finish(shared.population, bool(found.population))
        if found.evaluated:
            shared.evaluated.setData(pos=np.concatenate(found.evaluated),
                                     brush=_brush((255, 255, 255, 150)))
        self._finish(shared.evaluated, bool(found.evaluated))

    @staticmethod
    def _finish(item, drawn: bool) -> None:
        """Empty and hide ``item`` when it has nothing to draw (only then: emptying
        an already empty item every frame costs time too)."""
        if not drawn and item.isVisible():
            item.setData([], [])
        _show(item, drawn)

    def _display_points(self, trace: core.Trace) -> np.ndarray:
        x = trace.x
        if self.problem is None or x.size == 0:
            return np.zeros((0, 2))
        if self.problem.dim == 1:  # (2-D paths are sketched: see set_paths)
            xy = np.column_stack([x[:, 0], trace.column("f")])
            yr = self._curve_range or (-1.0, 1.0)
            return display.clip_points(xy, np.array([self.problem.domain[0], yr]))
        return np.zeros((0, 2))

    def appearance_changed(self) -> None:
        """Redraw with the current line widths, ball sizes and theme."""
        theme = appearance.CURRENT.colours
        self.curve.setPen(pg.mkPen(theme.plot_foreground, width=appearance.CURRENT.line_width))
        self.set_paths(self._last)

    # -- mouse -------------------------------------------------------------------
    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.problem is None:
            return
        if self.problem.dim not in (1, 2) or event.isAccepted():
            return
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.startPicked.emit(np.array([point.x(), point.y()][: self.problem.dim], dtype=float))

    def _dragged(self) -> None:
        if self.problem is None or self.problem.dim not in (1, 2):
            return
        x, y = self.start_position()
        self.startPicked.emit(np.array([x, y][: self.problem.dim], dtype=float))
