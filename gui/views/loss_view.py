"""The loss curve: one line per racing method, against steps or against
function evaluations ("cups of tea brewed"), with a marker where a run diverged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import core
from core import display

from .. import appearance
from ..style import set_title

X_AXES = {"steps": ("step", "step"), "evaluations": ("nfev", "function evaluations (cups of tea)")}


class LossView(QWidget):
    """Loss of every run, safe for NaN, infinities and huge values."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lossView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("lossPlot")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        set_title(self.plot, "Loss during the run")
        self.legend = self.plot.addLegend(offset=(-10, 10))
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
        self._curves: list[pg.PlotDataItem] = []
        self._marks: list[tuple[pg.ScatterPlotItem, pg.TextItem]] = []
        self._data: list[tuple[str, str, core.Trace, str]] = []
        self.floor: float | None = None

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

    def set_floor(self, floor: float | None) -> None:
        """Best known loss of the problem (the log scale shows the gap to it)."""
        self.floor = floor

    def clear(self) -> None:
        """Remove every curve."""
        for curve in self._curves:
            self.plot.removeItem(curve)
        for mark, text in self._marks:
            self.plot.removeItem(mark)
            self.plot.removeItem(text)
        self.legend.clear()
        self._curves, self._marks, self._data = [], [], []

    def set_runs(self, runs: Sequence[tuple[str, str, core.Trace, str]]) -> None:
        """Show ``(label, colour, trace, status)`` for each run."""
        if len(runs) != len(self._curves) or any(
                c.opts["name"] != r[0] for c, r in zip(self._curves, runs, strict=False)):
            self.clear()
        self._data = list(runs)
        while len(self._curves) < len(self._data):
            label, colour = self._data[len(self._curves)][:2]
            curve = self.plot.plot(pen=pg.mkPen(colour, width=3), name=label)
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
        self.plot.setLabel("left", "log₁₀(loss − best known)" if log else "loss")
        self.plot.setLabel("bottom", xlabel)
        ys_all, x_max = [], 1.0
        width = appearance.CURRENT.line_width
        for curve, (mark, text), (label, colour, trace, status) in zip(
                self._curves, self._marks, self._data, strict=False):
            curve.setPen(pg.mkPen(colour, width=width))
            xs = trace.steps.astype(float) if column == "step" else trace.column("nfev")
            f = trace.column("f")
            y = display.log_gap(f, self.floor)[0] if log else display.clip_values(f)
            curve.setData(xs, y, connect="finite")
            ys_all.append(y)
            if len(xs):
                x_max = max(x_max, float(np.nanmax(xs)))
                evals = int(trace.last["nfev"]) if np.isfinite(trace.last["nfev"]) else 0
                item = self.legend.getLabel(curve)
                if item is not None:
                    item.setText(f"{label}: {trace.last_step} steps, {evals} evaluations")
            if status == "diverged" and len(xs):
                finite = np.nonzero(np.isfinite(y))[0]
                i = finite[-1] if finite.size else len(y) - 1
                yy = float(y[i]) if np.isfinite(y[i]) else 0.0
                mark.setData([float(xs[-1])], [yy])
                text.setText(f"diverged at step {trace.last_step}")
                text.setPos(float(xs[-1]), yy)
            else:
                mark.setData([], [])
                text.setText("")
        if ys_all:
            yr = display.robust_range(np.concatenate(ys_all))
            vb = self.plot.getViewBox()
            vb.disableAutoRange()
            if yr is not None:
                vb.setRange(xRange=(0, x_max), yRange=yr, padding=0.02)
