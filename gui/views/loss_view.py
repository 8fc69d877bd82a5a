"""The loss curve: one line per racing method, with a marker where a run diverged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

import core
from core import display


class LossView(QWidget):
    """Loss against step for every run, safe for NaN, infinities and huge values."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lossView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("lossPlot")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.setTitle("Loss during the run")
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.log_check = QCheckBox("log scale (distance to the best known loss)")
        self.log_check.setObjectName("lossLogCheck")
        self.log_check.toggled.connect(lambda _: self.refresh())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.log_check)
        self._curves: list[pg.PlotDataItem] = []
        self._marks: list[tuple[pg.ScatterPlotItem, pg.TextItem]] = []
        self._data: list[tuple[str, str, core.Trace, str]] = []
        self.floor: float | None = None

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
        self.plot.setLabel("left", "log₁₀(loss − best)" if log else "loss")
        ys_all = []
        for curve, (mark, text), (_, _, trace, status) in zip(
                self._curves, self._marks, self._data, strict=False):
            steps = trace.steps.astype(float)
            f = trace.column("f")
            y = display.log_gap(f, self.floor)[0] if log else display.clip_values(f)
            curve.setData(steps, y, connect="finite")
            ys_all.append(y)
            if status == "diverged" and len(steps):
                finite = np.nonzero(np.isfinite(y))[0]
                i = finite[-1] if finite.size else len(y) - 1
                yy = float(y[i]) if np.isfinite(y[i]) else 0.0
                mark.setData([float(steps[-1])], [yy])
                text.setText(f"diverged at step {int(steps[-1])}")
                text.setPos(float(steps[-1]), yy)
            else:
                mark.setData([], [])
                text.setText("")
        if ys_all:
            yr = display.robust_range(np.concatenate(ys_all))
            last = max((t.last_step for _, _, t, _ in self._data), default=0)
            vb = self.plot.getViewBox()
            vb.disableAutoRange()
            if yr is not None:
                vb.setRange(xRange=(0, max(last, 1)), yRange=yr, padding=0.02)
