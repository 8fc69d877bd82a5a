"""The data view: what the model makes of the data, live.

- classifiers: the points by class (red and blue), the plane shaded by the
  model's confidence (purple = class 0 … yellow = class 1), the decision
  boundary, and for the SVM its margin and support vectors;
  the axes are ticked in the data set's original units (credit score, not its
  standardised value), though the models see the standardised features;
- curve fitting: the data and the current curve;
- 1-D problems: the curve with the ball, the tangent line and every point
  evaluated so far ("cups of tea brewed").
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

import core
from core import display

from .. import appearance
from ..style import set_title

CLASS_COLOURS = ("#D62728", "#1F5FBF")  # red, blue
NAMED_COLOURS = {"red": "#D62728", "blue": "#1F5FBF"}
SHADE_MAP = "viridis"  # purple (0) to yellow (1): colour-blind safe
SHADE_RESOLUTION = 90


class OriginalUnitsAxis(pg.AxisItem):
    """An axis of standardised coordinates ticked in a data set's original units.

    The ticks fall on round numbers of the original units (pyqtgraph picks them
    on the original range) and are placed where those numbers lie in the
    standardised coordinates the plot is drawn in; the conversions are the
    data set's own (:meth:`core.Dataset.to_original`, ``to_standardised``).
    Without a data set it is an ordinary axis.
    """

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self.dataset: core.Dataset | None = None
        self.feature = 0

    def set_feature(self, dataset: core.Dataset | None, feature: int = 0) -> None:
        """Tick in the original units of ``dataset``'s feature ``feature`` (None: as drawn)."""
        self.dataset, self.feature = dataset, feature
        self.enableAutoSIPrefix(dataset is None)  # an SI prefix would scale the wrong units
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        ds = self.dataset
        if ds is None:
            return super().tickValues(minVal, maxVal, size)
        low, high = ds.to_original([minVal, maxVal], self.feature)
        # spacing stays in original units: pyqtgraph only passes it to tickStrings
        return [(spacing, ds.to_standardised(values, self.feature).tolist())
                for spacing, values in super().tickValues(float(low), float(high), size)]

    def tickStrings(self, values, scale, spacing):
        ds = self.dataset
        if ds is None:
            return super().tickStrings(values, scale, spacing)
        return super().tickStrings(ds.to_original(values, self.feature).tolist(), 1.0, spacing)


class DataView(QWidget):
    """Shows the data and the model's current predictions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dataView")
        self.axes = {side: OriginalUnitsAxis(side) for side in ("bottom", "left")}
        self.plot = pg.PlotWidget(background="w", axisItems=self.axes)
        self.plot.setObjectName("dataPlot")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.summary = QLabel()
        self.summary.setObjectName("dataSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        self.shade = pg.ImageItem()
        self.shade.setColorMap(pg.colormap.get(SHADE_MAP))
        self.shade.setOpacity(0.55)
        self.shade.setZValue(-10)
        self.plot.addItem(self.shade)
        self.boundary = pg.PlotDataItem(pen=pg.mkPen("k", width=3))
        self.margins = pg.PlotDataItem(connect="pairs",
                                       pen=pg.mkPen("k", width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#2c3e50", width=3))
        self.points = [pg.ScatterPlotItem(size=9, pen=pg.mkPen("w", width=1), brush=pg.mkBrush(c))
                       for c in CLASS_COLOURS]
        self.support = pg.ScatterPlotItem(size=18, symbol="o", brush=None,
                                          pen=pg.mkPen("k", width=2))
        self.tangent = pg.PlotDataItem(pen=pg.mkPen("#E69F00", width=3))
        self.cups = pg.ScatterPlotItem(size=8, symbol="o", pen=pg.mkPen("k", width=1),
                                       brush=pg.mkBrush("#E69F00"))
        self.ball = pg.ScatterPlotItem(size=18, pen=pg.mkPen("k", width=2))
        for z, item in enumerate([self.boundary, self.margins, self.curve, *self.points,
                                  self.support, self.tangent, self.cups, self.ball]):
            item.setZValue(z)
            self.plot.addItem(item)
        self.problem: core.Problem | None = None
        self._runs: list[tuple[str, str, core.Trace]] = []

    # -- content -------------------------------------------------------------------
    def set_problem(self, problem: core.Problem) -> None:
        """Show ``problem``'s data (or curve) with no model yet."""
        self.problem = problem
        self._runs = []
        for item in (self.boundary, self.margins, self.curve, *self.points, self.support,
                     self.tangent, self.cups, self.ball):
            item.setData([], [])
        self.shade.hide()
        vb = self.plot.getViewBox()
        vb.disableAutoRange()
        ds = getattr(problem, "dataset", None)
        self.axes["bottom"].set_feature(ds, 0)
        self.axes["left"].set_feature(ds if ds is not None and ds.is_classification else None, 1)
        if ds is not None:
            b = ds.bounds
            vb.setRange(xRange=b[0], yRange=b[1], padding=0.02)
            if ds.is_classification:
                names = [str(n).lower() for n in ds.class_names]
                colours = [NAMED_COLOURS.get(n, CLASS_COLOURS[i]) for i, n in enumerate(names)]
                if colours[0] == colours[1]:
                    colours = list(CLASS_COLOURS)
                for cls, item in enumerate(self.points):
                    item.setData(pos=ds.X[ds.y == cls], brush=pg.mkBrush(colours[cls]))
                self.plot.setLabel("bottom", ds.feature_names[0])
                self.plot.setLabel("left", ds.feature_names[1])
                if set(names) <= set(NAMED_COLOURS):
                    set_title(self.plot, f"{ds.title}: the red and the blue class")
                else:
                    by = {c: n for c, n in zip(colours, ds.class_names, strict=True)}
                    set_title(self.plot, f"{ds.title}: red = {by.get(CLASS_COLOURS[0], '')}, "
                                       f"blue = {by.get(CLASS_COLOURS[1], '')}")
            else:
                self.points[1].setData(ds.x, ds.y)
                self.plot.setLabel("bottom", ds.feature_names[0])
                self.plot.setLabel("left", ds.target_name)
                set_title(self.plot, f"{ds.title}: the data and the fitted curve")
        elif problem.dim == 1:
            xs, fs = display.curve_samples(problem)
            self.curve.setData(xs, fs, connect="finite")
            yr = display.robust_range(fs, pad=0.08) or (-1.0, 1.0)
            vb.setRange(xRange=problem.domain[0], yRange=yr, padding=0)
            self.plot.setLabel("bottom", problem.coords[0])
            self.plot.setLabel("left", "f")
            set_title(self.plot, f"{problem.title}: every cup of tea brewed so far")
        else:
            set_title(self.plot, "This landscape is a formula: there is no data to show")
        self.summary.setText(self._describe(None))

    def set_runs(self, runs: list[tuple[str, str, core.Trace]]) -> None:
        """Draw the model of the first run (and, for 1-D problems, every run's points)."""
        self._runs = list(runs)
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the latest parameters."""
        p = self.problem
        if p is None:
            return
        lead = next((t for _, _, t in self._runs if t.last_x is not None), None)
        params = lead.last_x if lead is not None else getattr(p, "start", None)
        ds = getattr(p, "dataset", None)
        if ds is not None and params is not None and np.isfinite(params).all():
            if ds.is_classification:
                self._draw_classifier(p, params)
            else:
                xs = np.linspace(*ds.bounds[0], 200)
                ys = display.clip_values(p.predict(params, xs))
                self.curve.setData(xs, ys, connect="finite")
        elif p.dim == 1:
            self._draw_cups()
        self.summary.setText(self._describe(params))

    def _draw_classifier(self, p, params: np.ndarray) -> None:
        xs, ys, grid = display.plane_grid(p.dataset.bounds, SHADE_RESOLUTION)
        proba = np.nan_to_num(p.predict_proba(params, grid), nan=0.5)
        self.shade.setImage(proba, levels=(0.0, 1.0))
        self.shade.setRect(float(xs[0]), float(ys[0]), float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
        self.shade.show()
        if p.linear:
            seg = p.line(params)
            self.boundary.setData(*(seg.T if seg is not None else ([], [])))
        else:
            seg = display.contour_segments(xs, ys, proba, 0.5)
            self.boundary.setData(seg[:, 0], seg[:, 1], connect="pairs")
        if p.model == "svm":
            lines = [s for s in (p.line(params, 1.0), p.line(params, -1.0)) if s is not None]
            pts = np.concatenate(lines) if lines else np.zeros((0, 2))
            self.margins.setData(pts[:, 0], pts[:, 1], connect="pairs")
            self.support.setData(pos=p.dataset.X[p.support_vectors(params)])

    def _draw_cups(self) -> None:
        p = self.problem
        width = appearance.CURRENT.line_width
        cups, balls, brushes = [], [], []
        for _, colour, trace in self._runs:
            pts = trace.evaluated
            if len(pts):
                cups.append(np.column_stack([pts[:, 0], display.clip_values(p.value(pts))]))
            else:  # methods that report no evaluated points: the path itself
                cups.append(np.column_stack([trace.x[:, 0], display.clip_values(trace.column("f"))]))
            if trace.last_x is not None:
                ball = [trace.last_x[0], display.clip_values(p.value(trace.last_x))]
                if np.isfinite(ball).all():  # no ball where the loss is NaN
                    balls.append(ball)
                    brushes.append(pg.mkBrush(colour))
        allcups = np.concatenate(cups) if cups else np.zeros((0, 2))
        self.cups.setData(pos=display.finite_rows(display.clip_points(allcups, np.array(
            [p.domain[0], self.plot.getViewBox().viewRange()[1]]))))
        self.ball.setData(pos=np.array(balls).reshape(-1, 2), brush=brushes,
                          size=appearance.CURRENT.ball_size)
        lead = next((t for _, _, t in self._runs if t.last_x is not None), None)
        seg = display.tangent(p, lead.last_x[0]) if lead is not None else None
        self.tangent.setPen(pg.mkPen("#E69F00", width=width))
        self.tangent.setData(*(seg.T if seg is not None else ([], [])))

    def _describe(self, params) -> str:
        p = self.problem
        ds = getattr(p, "dataset", None)
        if ds is None:
            if p is not None and p.dim == 1:
                total = sum(max(len(t.evaluated), t.last_step + 1) for _, _, t in self._runs)
                return (f"Cups of tea brewed so far: {total}. The orange line is the tangent: "
                        f"its slope is the gradient the method follows.")
            return ""
        text = f"{ds.title}: {ds.n} samples. {ds.description}"
        if params is not None and ds.is_classification and np.isfinite(params).all():
            acc = float(p.accuracy(params))
            inv = float(p.inverted_accuracy(params))
            text = (f"<b>Accuracy {acc:.0%}</b> · always taking the opposite answer: "
                    f"<b>{inv:.0%}</b>. " + text)
            if p.model == "svm":
                text = f"Margin width {float(p.margin(params)):.3g}. " + text
        lead = next((label for label, _, t in self._runs if t.last_x is not None), None)
        if params is not None and lead is not None and len(self._runs) > 1:  # whose model
            text = (f"Model of <b>{html.escape(lead)}</b> (click another method in the "
                    f"Method panel to see its model). " + text)
        return text

    def appearance_changed(self) -> None:
        """Follow line widths and ball sizes."""
        self.refresh()
