"""The landscape view: filled contour map with contour lines (2-D problems) or
the curve itself (1-D problems), with every racing method's path and ball."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen

import core
from core import display

from ..style import COLOUR_MAP

GRID_RESOLUTION = 200
CONTOUR_LEVELS = 14


class LandscapeView(pg.PlotWidget):
    """Shows a problem and the paths taken on it; a click picks the start point."""

    startPicked = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent=parent, background="w")
        self.setObjectName("contourView")
        self.setMinimumSize(360, 300)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.plotItem.showGrid(x=False, y=False)
        self.getViewBox().setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get(COLOUR_MAP))
        self.image.setZValue(-10)
        self.addItem(self.image)
        self.lines = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((255, 255, 255, 110), width=1))
        self.lines.setZValue(-5)
        self.addItem(self.lines)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#2c3e50", width=3))
        self.addItem(self.curve)
        self.optima = pg.ScatterPlotItem(symbol="star", size=22, brush=pg.mkBrush("w"),
                                         pen=pg.mkPen("k", width=1.5))
        self.optima.setZValue(5)
        self.addItem(self.optima)
        self.start = pg.ScatterPlotItem(symbol="s", size=16, brush=pg.mkBrush("w"),
                                        pen=pg.mkPen("k", width=2))
        self.start.setZValue(8)
        self.addItem(self.start)
        self._paths: list[tuple[pg.PlotDataItem, pg.PlotDataItem, pg.ScatterPlotItem]] = []
        self.problem: core.Problem | None = None
        self._curve_range: tuple[float, float] | None = None
        self.scene().sigMouseClicked.connect(self._clicked)

    # -- problem ---------------------------------------------------------------
    def set_problem(self, problem: core.Problem) -> None:
        """Draw ``problem``'s landscape and fix the view to its domain."""
        self.problem = problem
        self.clear_paths()
        dom = problem.domain
        vb = self.getViewBox()
        vb.disableAutoRange()
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
            vb.setRange(xRange=dom[0], yRange=dom[1], padding=0)
            self.setLabel("bottom", problem.coords[0])
            self.setLabel("left", problem.coords[1])
            shade = ", log scale" if mode == "log" else ""
            self.setTitle(f"{problem.title} — dark = low loss{shade}, ★ = minimum")
            self.plotItem.setAspectLocked(True)
            self._curve_range = None
            self.optima.setData(pos=problem.minima[:, :2] if problem.minima.size else np.zeros((0, 2)))
        elif problem.dim == 1:
            xs, fs = display.curve_samples(problem)
            self.image.hide()
            self.lines.setData([], [])
            self.curve.setData(xs, fs, connect="finite")
            yr = display.robust_range(fs, pad=0.08) or (-1.0, 1.0)
            self._curve_range = yr
            vb.setRange(xRange=dom[0], yRange=yr, padding=0)
            self.setLabel("bottom", problem.coords[0])
            self.setLabel("left", "f")
            self.setTitle(f"{problem.title} — the ball rolls along the curve")
            self.plotItem.setAspectLocked(False)
            if problem.minima.size:
                self.optima.setData(problem.minima[:, 0], problem.value(problem.minima))
            else:
                self.optima.setData([], [])
        else:
            self.image.hide()
            self.lines.setData([], [])
            self.curve.setData([], [])
            self.optima.setData([], [])
            self.setTitle(f"{problem.title}: {problem.dim} parameters (no map yet)")

    # -- markers ---------------------------------------------------------------
    def set_start(self, x: np.ndarray) -> None:
        """Show the start marker at ``x``."""
        if self.problem is None:
            return
        if self.problem.dim == 2:
            self.start.setData([float(x[0])], [float(x[1])])
        elif self.problem.dim == 1:
            fx = display.clip_values(self.problem.value(np.asarray(x, dtype=float)[:1]))
            self.start.setData([float(x[0])], [float(fx)])

    def clear_paths(self) -> None:
        """Remove every drawn path."""
        for items in self._paths:
            for item in items:
                self.removeItem(item)
        self._paths = []

    def set_paths(self, traces: Sequence[tuple[str, core.Trace]]) -> None:
        """Draw each ``(colour, trace)``: its path as a line and its current point as a ball."""
        while len(self._paths) < len(traces):
            shadow = pg.PlotDataItem(pen=pg.mkPen((0, 0, 0, 160), width=5))
            line = pg.PlotDataItem()
            ball = pg.ScatterPlotItem(size=18)
            for z, item in ((6, shadow), (7, line), (9, ball)):
                item.setZValue(z)
                self.addItem(item)
            self._paths.append((shadow, line, ball))
        for (shadow, line, ball), (colour, trace) in zip(self._paths, traces, strict=False):
            pts = self._display_points(trace)
            line.setPen(pg.mkPen(colour, width=3))
            shadow.setData(pts[:, 0], pts[:, 1], connect="finite")
            line.setData(pts[:, 0], pts[:, 1], connect="finite")
            last = pts[-1:] if len(pts) and np.isfinite(pts[-1]).all() else np.zeros((0, 2))
            ball.setData(pos=last, brush=pg.mkBrush(colour), pen=QPen(QColor("black"), 2))

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

    # -- mouse -------------------------------------------------------------------
    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.problem is None:
            return
        if self.problem.dim not in (1, 2):
            return
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        x = np.array([point.x(), point.y()][: self.problem.dim], dtype=float)
        self.startPicked.emit(x)
