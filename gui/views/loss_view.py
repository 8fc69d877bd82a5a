"""The loss curve: one line per racing method, against steps or against
function evaluations ("cups of tea brewed"), with a marker where a run diverged."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

import core
from core import display
from core.text import plural

from .. import appearance
from ..style import FramedCurve, no_scene_index, set_title
from ..widgets import out_of_sight

#: The x axis grows by this factor when the curves reach its end, and the y
#: range keeps this much room: the axes (and their grid) then stay unchanged for
#: many frames and are repainted from a cached pixmap instead of redrawn.
GROWTH = 1.25
#: Seconds between updates of the legend's step and evaluation counts during a run.
LEGEND_INTERVAL = 0.25

X_AXES = {"steps": ("step", "step"), "evaluations": ("nfev", "function evaluations (cups of tea)")}


class LossView(QWidget):
    """Loss of every run, safe for NaN, infinities and huge values."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lossView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("lossPlot")
        no_scene_index(self.plot)
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        for side in ("left", "bottom"):  # "loss (x0.001)" over ticks up to 300 read as 300
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        set_title(self.plot, "Loss during the run")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.plot.getViewBox().sigResized.connect(lambda _vb: self._fit_legend())
        self.log_check = QCheckBox("log scale (gap to the best known loss)")
        self.log_check.setObjectName("lossLogCheck")
        self.log_check.toggled.connect(lambda _: self.refresh())
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("lossXAxisCombo")
        self.x_combo.addItem("against steps", "steps")
        self.x_combo.addItem("against function evaluations (cups of tea)", "evaluations")
        self.x_combo.currentIndexChanged.connect(lambda _: self.refresh())
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Loss"))
        controls.addWidget(self.x_combo)
        controls.addWidget(self.log_check)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addLayout(controls)
        self._curves: list[pg.PlotCurveItem] = []
        self._marks: list[tuple[pg.ScatterPlotItem, pg.TextItem]] = []
        self._data: list[tuple[str, str, core.Trace, str]] = []
        self._pending: list | None = None  # runs kept while out of sight
        self._legend_time = -1e9  # when the legend's counts were last updated
        #: True while a race plays: the legend's counts then follow less often.
        self.live = False
        self.floor: float | None = None
        self._climbing = False  # see set_climbing
        self._range: tuple[tuple[float, float], tuple[float, float]] | None = None
        #: (curve, x, y) as last computed: redrawn for another visible stretch
        self._drawn: list[tuple[pg.PlotCurveItem, np.ndarray, np.ndarray]] = []
        #: The top corner the legend is in, "right" or "left" (see _place_legend).
        self.legend_corner = "right"
        for side in ("left", "bottom", "top", "right"):
            self.plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.getViewBox().sigRangeChangedManually.connect(lambda *_: self._draw_curves())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending is not None:
            self.set_runs(self._pending)

    def appearance_changed(self) -> None:
        """Redraw with the current line widths and fonts."""
        font = self.font()
        for _, text in self._marks:
            text.setFont(font)
        self.refresh()

    @property
    def x_axis(self) -> str:
        """"steps" or "evaluations"."""
        return self.x_combo.currentData()

    def set_x_axis(self, which: str) -> None:
        """Plot against "steps" or "evaluations"."""
        self.x_combo.setCurrentIndex(self.x_combo.findData(which))

    def set_climbing(self, climbing: bool) -> None:
        """Name the plotted value as the run treats it: a loss to lower, or a value
        to raise (the fence's area is no loss)."""
        if climbing != self._climbing:
            self._climbing = climbing
            self.refresh()

    def set_floor(self, floor: float | None) -> None:
        """Best known loss of the problem (the log scale shows the gap to it)."""
        self.floor = floor

    def clear(self) -> None:
        """Remove every curve."""
        self._pending = None
        for curve in self._curves:
            self.plot.removeItem(curve)
        for mark, text in self._marks:
            self.plot.removeItem(mark)
            self.plot.removeItem(text)
        self.legend.clear()
        self._curves, self._marks, self._data, self._drawn = [], [], [], []
        self._range = None

    def set_runs(self, runs: Sequence[tuple[str, str, core.Trace, str]]) -> None:
        """Show ``(label, colour, trace, status)`` for each run.

        While the view is out of sight (another tab in front) only the runs are
        kept; they are drawn when it is shown.
        """
        if out_of_sight(self):
            self._pending = list(runs)
            return
        self._pending = None
        if len(runs) != len(self._curves) or any(
                c.opts["name"] != r[0] for c, r in zip(self._curves, runs, strict=False)):
            self.clear()
        self._data = list(runs)
        while len(self._curves) < len(self._data):
            label, colour = self._data[len(self._curves)][:2]
            # A plain curve: a PlotDataItem's own clipping and downsampling cost
            # more per frame than the drawing (refresh does both, with core.display)
            curve = FramedCurve(pen=pg.mkPen(colour, width=3), name=label)
            self.plot.addItem(curve)
            self._curves.append(curve)
            mark = pg.ScatterPlotItem(symbol="x", size=22, pen=pg.mkPen("#b2182b", width=4))
            text = pg.TextItem(color="#b2182b", anchor=(1, 1))
            self.plot.addItem(mark)
            self.plot.addItem(text)
            self._marks.append((mark, text))
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the current data."""
        log = self.log_check.isChecked()
        column, xlabel = X_AXES[self.x_axis]
        name = "value" if self._climbing else "loss"
        labels = (f"log₁₀({name} − best known)" if log
                  else "value (climbing)" if self._climbing else "loss", xlabel)
        if labels != getattr(self, "_labels", None):
            self._labels = labels
            self._range = None  # other numbers: fit the axes afresh
            self.plot.setLabel("left", labels[0])
            self.plot.setLabel("bottom", labels[1])
        ys_all, x_max = [], 1.0
        width = appearance.CURRENT.line_width
        running = any(status == "running" for *_, status in self._data)
        drawn = []
        for curve, (mark, text), (_label, colour, trace, status) in zip(
                self._curves, self._marks, self._data, strict=False):
            if curve.opts.get("style_key") != (colour, width):
                curve.opts["style_key"] = (colour, width)
                curve.setPen(pg.mkPen(colour, width=width))
            xs = trace.steps.astype(float) if column == "step" else trace.column("nfev")
            f = trace.column("f")
            y = display.log_gap(f, self.floor)[0] if log else display.clip_values(f)
            drawn.append((curve, xs, y))
            ys_all.append(y)
            if len(xs):
                x_max = max(x_max, float(np.nanmax(xs)))
            if status == "diverged" and len(xs):
                finite = np.nonzero(np.isfinite(y))[0]
                i = finite[-1] if finite.size else len(y) - 1
                yy = float(y[i]) if np.isfinite(y[i]) else 0.0
                mark.setData([float(xs[-1])], [yy])
                text.setText(f"diverged at step {trace.last_step}")
                text.setPos(float(xs[-1]), yy)
            elif mark.isVisible():
                mark.setData([], [])
                text.setText("")
            mark.setVisible(status == "diverged" and len(xs) > 0)
            text.setVisible(mark.isVisible())
        # The legend's counts change every frame of a run, and re-laying out its
        # rich text costs ~0.3 ms a line: while the race plays (``live``) they
        # follow 4 times a second; a pause or the end brings them up to date.
        legend_due = not self.live or time.monotonic() - self._legend_time >= LEGEND_INTERVAL
        if legend_due:
            self._update_legend()
        if ys_all:
            yr = display.robust_range(np.concatenate(ys_all))
            vb = self.plot.getViewBox()
            vb.disableAutoRange()
            if yr is not None:
                # Room to grow only while a run goes on: a finished race fills the axis.
                shown = steady_range(self._range, (0.0, x_max), yr,
                                     growth=GROWTH if running else 1.0)
                if shown != self._range:
                    self._range = shown
                    vb.setRange(xRange=shown[0], yRange=shown[1], padding=0.02)
        self._drawn = drawn
        self._draw_curves()
        if legend_due and self._range is not None:
            self._place_legend()

    def _place_legend(self) -> None:
        """Keep the legend in the top corner the curves leave freer (a diverging
        run ends in the upper right, where its mark would hide behind it)."""
        drawn = self._drawn
        vb = self.plot.getViewBox()
        size = self.legend.boundingRect()
        box = (size.width() / max(vb.width(), 1.0), size.height() / max(vb.height(), 1.0))
        corner = display.quieter_corner([xs for _, xs, _ in drawn], [y for _, _, y in drawn],
                                        *self._range, current=self.legend_corner, box=box)
        if corner != self.legend_corner:
            self.legend_corner = corner
            self.legend.setOffset((10 if corner.endswith("left") else -10,
                                   -10 if corner.startswith("bottom") else 10))
        self._fit_legend()

    def _fit_legend(self) -> None:
        """A legend taller than most of a squeezed plot would hide the curves: it
        gives way until there is room (the banner and the status line name the runs)."""
        room = self.plot.getViewBox().height()
        self.legend.setVisible(self.legend.boundingRect().height() <= 0.7 * room)

    def _draw_curves(self) -> None:
        """Hand the curves what can be seen: the visible stretch, with about
        two points per pixel column (long runs have far more steps).  Also
        called when the user zooms or pans: the same data, another stretch."""
        vb = self.plot.getViewBox()
        x_range = tuple(vb.viewRange()[0])
        columns = max(int(vb.width()), 200)
        for curve, xs, y in self._drawn:
            curve.setData(*display.envelope(xs, y, columns, x_range), connect="finite")

    def _update_legend(self) -> None:
        self._legend_time = time.monotonic()
        for curve, (label, _, trace, _) in zip(self._curves, self._data, strict=False):
            item = self.legend.getLabel(curve)
            if item is None or trace.last_step < 0:
                continue
            evals = int(trace.last["nfev"]) if np.isfinite(trace.last["nfev"]) else 0
            entry = f"{label}: {plural(trace.last_step, 'step')}, {plural(evals, 'evaluation')}"
            if item.text != entry:
                item.setText(entry)


def steady_range(current: tuple[tuple[float, float], tuple[float, float]] | None,
                 xr: tuple[float, float], yr: tuple[float, float], growth: float = GROWTH
                 ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The axes' ranges for data spanning ``xr`` × ``yr``, changed only when needed.

    The data always fit.  When the curves reach the end of the x axis it grows
    to ``growth`` times their length (with ``growth`` 1 the axis fits them).  The y range is kept while the data
    fit in it and fill at least half of it; otherwise it fits them again with
    room of a tenth of their span on each side.

    >>> steady_range(None, (0, 100), (0.0, 1.0))
    ((0.0, 125.0), (-0.1, 1.1))
    >>> steady_range(((0.0, 125.0), (-0.1, 1.1)), (0, 110), (-0.05, 0.9))
    ((0.0, 125.0), (-0.1, 1.1))
    """
    x_lo, x_hi = float(xr[0]), float(xr[1])
    y_lo, y_hi = float(yr[0]), float(yr[1])
    if current is not None and current[0][0] == x_lo and x_hi <= current[0][1] \
            and (growth > 1.0 or x_hi == current[0][1]):
        x_range = current[0]
    else:
        x_range = (x_lo, x_lo + growth * (x_hi - x_lo))
    if current is not None and current[1][0] <= y_lo and y_hi <= current[1][1] \
            and (y_hi - y_lo) >= 0.5 * (current[1][1] - current[1][0]):
        y_range = current[1]
    else:
        room = 0.1 * (y_hi - y_lo)
        y_range = (round(y_lo - room, 12), round(y_hi + room, 12))
    return x_range, y_range
