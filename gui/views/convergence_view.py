"""The convergence-order view: the distance |x_k − x*| to the optimum per step
on a log scale, one curve per racing method, with the estimated order of
convergence (core.convergence_order).  Gradient descent draws a straight line
(the error shrinks by a constant factor: order 1); Newton's method bends down
ever faster (ε → ε² → ε⁴: order 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

import core
from core import analysis_display, display

from .. import appearance
from ..style import set_title
from ..widgets import out_of_sight

#: Relative to the domain's diagonal: a converged run ending farther than this
#: from every known minimum is measured from its own end point.
NEAR = 1e-2
#: Draw a symbol on every point when a curve has at most this many.
MAX_SYMBOLS = 200

_MEANING = {
    "linear": "the error shrinks by about the same factor every step",
    "superlinear": "faster than any fixed factor per step",
    "quadratic": "the number of correct digits doubles every step",
    "faster than quadratic": "the digits more than double every step",
    "slower than linear": "each step gains less and less",
}


class ConvergenceView(QWidget):
    """|x_k − x*| for every racing method on a log axis, with the order of convergence.

    Use :meth:`set_problem` when the problem changes and :meth:`set_runs` after
    each batch (the same ``(label, colour, trace, status)`` tuples the loss
    view takes).  Safe for NaN, infinities and diverged runs.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("convergenceView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("convergencePlot")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        # The data are log10 values (from core.display.log_gap); the axis only
        # labels its ticks as powers of ten.
        self.plot.getAxis("left").setLogMode(True)
        self.plot.setLabel("left", "|xₖ − x*|")
        self.plot.setLabel("bottom", "step")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.orders_label = QLabel()
        self.orders_label.setObjectName("convergenceOrders")
        self.orders_label.setWordWrap(True)
        self.orders_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.orders_label)
        self.problem: core.Problem | None = None
        self.maximize = False
        self._curves: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        self._data: list[tuple[str, str, core.Trace, str]] = []
        self._pending: list | None = None  # runs kept while out of sight
        #: Estimated order per racer label (NaN when not measurable).
        self.orders: dict[str, float] = {}
        #: The sentence shown for each racer.
        self.order_texts: dict[str, str] = {}
        #: Where each racer's x* came from: "known", "final" or "none".
        self.references: dict[str, str] = {}
        #: Whether each racer's last order estimates agree (see analysis_display.steady_order).
        self.steady: dict[str, bool] = {}
        self._set_title()

    # -- API -----------------------------------------------------------------------
    def set_problem(self, problem: core.Problem, maximize: bool = False) -> None:
        """Measure distances on ``problem`` (to its maxima when ``maximize``)."""
        self.problem = problem
        self.maximize = bool(maximize)
        self.clear()

    def clear(self) -> None:
        """Remove every curve."""
        self._pending = None
        for shadow, curve in self._curves:
            self.plot.removeItem(shadow)
            self.plot.removeItem(curve)
        self.legend.clear()
        self._curves, self._data = [], []
        self.orders, self.order_texts, self.references, self.steady = {}, {}, {}, {}
        self.orders_label.setText("")
        self._set_title()

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
                c.opts["name"] != r[0] for (_, c), r in zip(self._curves, runs, strict=False)):
            self.clear()
        self._data = list(runs)
        while len(self._curves) < len(self._data):
            label, colour = self._data[len(self._curves)][:2]
            shadow = pg.PlotDataItem(pen=pg.mkPen((0, 0, 0, 90), width=5))
            self.plot.addItem(shadow)
            curve = self.plot.plot(pen=pg.mkPen(colour, width=3), name=label)
            self._curves.append((shadow, curve))
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the current data."""
        width = appearance.CURRENT.line_width
        self.orders, self.order_texts, self.references, self.steady = {}, {}, {}, {}
        ys_all, x_max, lines = [], 1.0, []
        for (shadow, curve), (label, colour, trace, status) in zip(
                self._curves, self._data, strict=False):
            steps, y, order, source, steady = self._errors(trace, status)
            many = len(y) > MAX_SYMBOLS
            shadow.setPen(pg.mkPen((0, 0, 0, 90), width=width + 2))
            curve.setPen(pg.mkPen(colour, width=width))
            curve.setSymbol(None if many else "o")
            curve.setSymbolSize(max(5.0, width + 3))
            curve.setSymbolBrush(pg.mkBrush(colour))
            curve.setSymbolPen(pg.mkPen((0, 0, 0, 140), width=1))
            if not np.isfinite(y).any():  # nothing to draw (and no all-NaN symbols)
                steps, y = np.zeros(0), np.zeros(0)
            shadow.setData(steps, y, connect="finite")
            curve.setData(steps, y, connect="finite")
            if len(steps):
                ys_all.append(y)
                x_max = max(x_max, float(steps[-1]))
            self.orders[label] = order
            self.steady[label] = steady
            self.references[label] = source
            text = self._describe(label, order, status, source, len(steps), steady)
            self.order_texts[label] = text
            item = self.legend.getLabel(curve)
            if item is not None:
                unsteady = "" if steady or not np.isfinite(order) else " (unsteady)"
                item.setText(f"{label}: order {_fmt_order(order)}{unsteady}")
            lines.append(f"<span style='color:{colour}'>■</span> {text}")
        self.orders_label.setText("<br>".join(lines))
        self._set_title()
        if ys_all:
            yr = display.robust_range(np.concatenate(ys_all))
            vb = self.plot.getViewBox()
            vb.disableAutoRange()
            if yr is not None:
                vb.setRange(xRange=(0, x_max), yRange=yr, padding=0.02)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending is not None:
            self.set_runs(self._pending)

    def appearance_changed(self) -> None:
        """Redraw with the current line widths."""
        self.refresh()

    # -- internals -----------------------------------------------------------------
    def _optima(self) -> np.ndarray:
        if self.problem is None:
            return np.zeros((0, 1))
        return self.problem.maxima if self.maximize else self.problem.minima

    def _errors(self, trace: core.Trace, status: str
                ) -> tuple[np.ndarray, np.ndarray, float, str, bool]:
        """Steps, log10 of the errors, the order, where x* came from and whether
        the order is steady."""
        empty = np.zeros(0)
        if trace is None or trace.last_step < 0 or self.problem is None:
            return empty, empty, float("nan"), "none", False
        x = trace.x
        dom = self.problem.domain
        radius = NEAR * float(np.linalg.norm(dom[:, 1] - dom[:, 0]))
        ref = analysis_display.reference_point(x, self._optima(), converged=status == "converged",
                                               radius=radius)
        if ref.x_star is None:
            return trace.steps.astype(float), np.full(len(x), np.nan), float("nan"), "none", False
        result = analysis_display.reference_convergence(x, ref)
        y, _ = display.log_gap(result.errors, 0.0)
        if ref.source == "final":
            # Measured from its own end: the last error is 0 by construction.
            y[result.errors <= result.floor] = np.nan
        steady = analysis_display.steady_order(result)
        return trace.steps.astype(float), y, float(result.order), ref.source, steady

    def _describe(self, label: str, order: float, status: str, source: str, n: int,
                  steady: bool) -> str:
        if n == 0:
            return f"{label}: no steps yet."
        if source == "none":
            return f"{label}: no finite point to measure from ({status})."
        name = analysis_display.order_name(order)
        if not np.isfinite(order):
            why = {"diverged": "the run diverged", "converged": "too few steps before it converged"}
            reason = why.get(status, "the error is not yet shrinking steadily")
            return f"{label}: order not measurable ({reason})."
        if steady:
            text = f"{label}: order ≈ {order:.2f}, {name}"
            meaning = _MEANING.get(name)
            if meaning:
                text += f" ({meaning})"
        else:
            text = (f"{label}: order ≈ {order:.2f}, but unsteady: the last estimates disagree, "
                    f"the error does not shrink steadily (it oscillates or stalls), so no "
                    f"single order describes it")
        if source == "final":
            text += "; measured from its own end point (no known minimum there)"
        return text + "."

    def _set_title(self) -> None:
        what = "maximum" if self.maximize else "minimum"
        sources = set(self.references.values())
        if self.problem is not None and not self._optima().size:
            title = f"Distance to each run's final point (no known {what})"
        elif "final" in sources:
            title = f"Distance to the nearest known {what} (or to the run's final point)"
        else:
            title = f"Distance to the known {what} nearest each run's end"
        set_title(self.plot, title)


def _fmt_order(order: float) -> str:
    return f"≈ {order:.2f}" if np.isfinite(order) else "not measurable"
