"""The landscape view: filled contour map with contour lines (2-D problems) or
the curve itself (1-D problems), with every racing method's path, ball and
what its last step computed (gradient, velocity, Newton step, simplex...)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen

import core
from core import display

from .. import appearance
from ..style import COLOUR_MAP, set_title

GRID_RESOLUTION = 200
CONTOUR_LEVELS = 14

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


def _short(title: str, limit: int = 34) -> str:
    """Titles must not widen the plot beyond its pane: cut long ones."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


class _RacerItems:
    """Graphics items of one racing method."""

    def __init__(self, plot: pg.PlotWidget):
        self.shadow = pg.PlotDataItem(pen=pg.mkPen((0, 0, 0, 160), width=5))
        self.line = pg.PlotDataItem()
        self.ball = pg.ScatterPlotItem(size=18)
        self.arrows = {k: pg.PlotDataItem(connect="pairs", pen=pg.mkPen(**v))
                       for k, v in _ARROW_STYLE.items()}
        self.trials = pg.ScatterPlotItem(size=9, symbol="o", brush=None)
        self.simplex = pg.PlotDataItem()
        self.candidate = pg.ScatterPlotItem(size=16)
        self.population = pg.ScatterPlotItem(size=8, symbol="o")
        self.evaluated = pg.ScatterPlotItem(size=4, symbol="o", pen=None)
        layers = [(2, self.evaluated), (6, self.shadow), (7, self.line), (7.5, self.simplex),
                  (7.6, self.population), (7.7, self.trials), (8, self.candidate), (9, self.ball)]
        layers += [(8.5, a) for a in self.arrows.values()]
        self.all = [item for _, item in layers]
        for z, item in layers:
            item.setZValue(z)
            plot.addItem(item)

        self.drawn: set = set()  # overlay items that currently show something
        self.style_key: tuple | None = None

    def clear_overlays(self) -> None:
        # Only touch what is drawn: with 8 racers, emptying every overlay item on
        # every refresh was a large part of the GUI thread's time.
        for item in self.drawn:
            item.setData([], [])
        self.drawn.clear()


class LandscapeView(pg.PlotWidget):
    """Shows a problem and the paths taken on it; a click (or dragging the
    start marker) picks the start point."""

    startPicked = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent=parent, background="w")
        self.setObjectName("contourView")
        self.setMinimumSize(320, 280)
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
        self._racers: list[_RacerItems] = []
        self.overlays: dict[str, bool] = dict.fromkeys(OVERLAYS, True)
        #: Step-by-step mode: only these diagnostics are drawn (None = all), and
        #: with ``hold`` the ball waits at the previous point until the step is shown.
        self.reveal: tuple[str, ...] | None = None
        self.hold = False
        self.problem: core.Problem | None = None
        self._curve_range: tuple[float, float] | None = None
        self._last: Sequence[tuple[str, core.Trace]] = []
        self.scene().sigMouseClicked.connect(self._clicked)

    # -- problem ---------------------------------------------------------------
    def set_problem(self, problem: core.Problem) -> None:
        """Draw ``problem``'s landscape and fix the view to its domain."""
        self.problem = problem
        self.clear_paths()
        self.set_basin(None)
        dom = problem.domain
        vb = self.getViewBox()
        vb.disableAutoRange()
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
            self.plotItem.setAspectLocked(True)
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
            fx = display.clip_values(self.problem.value(np.asarray(x, dtype=float)[:1]))
            self.start.setPos(float(x[0]), float(fx))
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

    def set_overlay(self, key: str, on: bool) -> None:
        """Show or hide one overlay (see :data:`OVERLAYS`)."""
        self.overlays[key] = bool(on)
        self.set_paths(self._last)

    def set_paths(self, traces: Sequence[tuple[str, core.Trace]]) -> None:
        """Draw each ``(colour, trace)``: path, ball and overlays of its last step."""
        self._last = traces
        while len(self._racers) < len(traces):
            self._racers.append(_RacerItems(self))
        while len(self._racers) > len(traces):
            for item in self._racers.pop().all:
                self.removeItem(item)
        width = appearance.CURRENT.line_width
        for items, (colour, trace) in zip(self._racers, traces, strict=False):
            pts = self._display_points(trace)
            if self.hold and len(pts) > 1:
                pts = pts[:-1]
            key = (colour, width, appearance.CURRENT.ball_size)
            if items.style_key != key:
                items.style_key = key
                items.line.setPen(pg.mkPen(colour, width=width))
                items.shadow.setPen(pg.mkPen((0, 0, 0, 160), width=width + 2))
                items.ball.setSize(appearance.CURRENT.ball_size)
            items.shadow.setData(pts[:, 0], pts[:, 1], connect="finite")
            items.line.setData(pts[:, 0], pts[:, 1], connect="finite")
            last = pts[-1:] if len(pts) and np.isfinite(pts[-1]).all() else np.zeros((0, 2))
            items.ball.setData(pos=last, brush=pg.mkBrush(colour), pen=QPen(QColor("black"), 2))
            items.clear_overlays()
            if self.problem is not None and self.problem.dim == 2 and trace.last_x is not None:
                self._draw_overlays(items, colour, trace)

    def _draw_overlays(self, items: _RacerItems, colour: str, trace: core.Trace) -> None:
        d = trace.last_diagnostics
        if self.reveal is not None:
            d = {k: v for k, v in d.items() if k in self.reveal}
        dom = self.problem.domain
        on = self.overlays
        step = d.get("step")
        origin = trace.last_x - np.asarray(step) if step is not None else trace.last_x
        vectors = {"gradient": d.get("grad"), "velocity": d.get("velocity"),
                   "step": step, "newton_step": d.get("newton_step")}
        for key, vec in vectors.items():
            seg = display.arrow(origin, vec, dom) if (vec is not None and on[key]) else None
            if seg is not None:
                items.arrows[key].setData(seg[:, 0], seg[:, 1], connect="pairs")
                items.drawn.add(items.arrows[key])
        if on["trials"] and d.get("trials") is not None:
            p = display.clip_points(np.asarray(d["trials"]).reshape(-1, 2), dom)
            items.trials.setData(pos=p, pen=pg.mkPen(colour, width=2), brush=None)
            items.drawn.add(items.trials)
        if on["simplex"] and d.get("simplex") is not None:
            p = display.clip_points(display.polygon(d["simplex"]), dom)
            items.simplex.setData(p[:, 0], p[:, 1], pen=pg.mkPen(colour, width=2))
            items.drawn.add(items.simplex)
        if on["candidate"] and d.get("candidate") is not None:
            p = display.clip_points(np.asarray(d["candidate"]).reshape(-1, 2), dom)
            ok = bool(np.all(d.get("accepted", True)))
            items.candidate.setData(pos=p, symbol="o" if ok else "x",
                                    brush=pg.mkBrush("#7CFC00") if ok else None,
                                    pen=pg.mkPen("#7CFC00" if ok else "#ff3030", width=3))
            items.drawn.add(items.candidate)
        if on["population"] and d.get("population") is not None:
            p = display.clip_points(np.asarray(d["population"]).reshape(-1, 2), dom)
            items.population.setData(pos=p, brush=pg.mkBrush(colour), pen=pg.mkPen("k", width=1))
            items.drawn.add(items.population)
        if on["evaluated"] and len(trace.evaluated):
            p = display.clip_points(trace.evaluated, dom)
            items.evaluated.setData(pos=p, brush=pg.mkBrush(255, 255, 255, 150))
            items.drawn.add(items.evaluated)

    def _display_points(self, trace: core.Trace) -> np.ndarray:
        x = trace.x
        if self.problem is None or x.size == 0:
            return np.zeros((0, 2))
        if self.problem.dim == 2:
            return display.clip_points(x, self.problem.domain)
        if self.problem.dim == 1:
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
