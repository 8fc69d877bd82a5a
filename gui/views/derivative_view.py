"""Where gradients come from: symbolic, finite-difference and automatic derivatives.

Two pages:

* **Your function**: type ``f(x)`` or ``f(x, y)``, choose a point and a step
  ``h``; the table compares the symbolic derivative with forward and central
  finite differences and forward-mode automatic differentiation (dual
  numbers), and a log-log plot shows the finite-difference error against
  ``h``: truncation error on the right, round-off error on the left.
* **L'Hôpital (0/0)**: ``h(t) = (t² − 4)/(t − 2)`` at ``t = 2``, where the
  computer sees 0/0 but the symbols see ``t + 2``; what the epsilon hacks give
  and what they cost.

Every number comes from :mod:`core.derivatives`.  sympy (through
``core.parse_function``) is only loaded the first time the view is shown.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import core
from core import derivatives

from .. import appearance
from ..panels.function_entry import FunctionEntry, help_text
from ..style import set_title
from ..widgets import NumberField

DEFAULT_FORMULA = "sin(3*x) + x**2/4"
DEFAULT_POINT = (0.5, 1.0)
DEFAULT_H = 1e-4
DEFAULT_EPSILON = 1e-8
#: Errors of exactly 0 are drawn at this height on the log axes.
ERROR_FLOOR = 1e-17

FORWARD_COLOUR = "#D55E00"
CENTRAL_COLOUR = "#0072B2"
AD_COLOUR = "#009E73"
ROUNDOFF_SHADE = (213, 94, 0, 28)
TRUNCATION_SHADE = (0, 114, 178, 28)
MARK_COLOUR = "#555555"

#: Rows of the derivative table: (key of DerivativeComparison, label).
ROUTES = (
    ("symbolic", "Symbolic (exact)"),
    ("forward", "Forward difference"),
    ("central", "Central difference"),
    ("automatic", "Automatic (dual numbers)"),
)


def fmt_value(v: float) -> str:
    """A number as the tables show it: 15 significant digits, nan/inf spelled out."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "−inf"
    return f"{v:.15g}".replace("-", "−")


def fmt_error(e: float) -> str:
    """An absolute error: 0 is "0 (exact)", otherwise 3 significant digits."""
    if math.isnan(e):
        return "nan"
    if e == 0:
        return "0 (exact)"
    return f"{e:.2e}"


def _number(name: str, low: float, high: float, *, low_open: bool = False):
    return lambda v: core._checks.check_real(name, v, low=low, high=high, low_open=low_open)


def _log_plot(name: str, title: str, xlabel: str, ylabel: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    plot.plotItem.setMenuEnabled(False)
    plot.setLogMode(x=True, y=True)
    plot.showGrid(x=True, y=True, alpha=0.3)
    set_title(plot, title)
    plot.setLabel("bottom", xlabel)
    plot.setLabel("left", ylabel)
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)  # "(x1e+18)" on log axes confuses
    legend = plot.addLegend()
    legend.anchor((0.5, 0), (0.5, 0), (0, 8))  # top middle: the V of the errors leaves it empty
    return plot


#: Labels of the error plot's two regions; shorter ones for a narrow plot.
REGION_LABELS = ("← round-off dominates\n(ε·|f|/h grows as h shrinks)",
                 "truncation dominates →\n(forward ∝ h, central ∝ h²)")
REGION_LABELS_SHORT = ("← round-off", "truncation →")


def _positive(values: np.ndarray) -> np.ndarray:
    """Errors ready for log axes: 0 drawn at the floor, NaN left as a gap."""
    v = np.asarray(values, dtype=float)
    return np.where(v == 0, ERROR_FLOOR, v)


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _set_row(table: QTableWidget, row: int, cells: list[str], colour: str | None = None,
             numbers: tuple[int, ...] = (1, 2)) -> None:
    for col, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if col in numbers:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if colour is not None and col == 0:
            item.setForeground(QColor(colour))
        table.setItem(row, col, item)


class DerivativeView(QWidget):
    """Symbolic vs finite-difference vs automatic derivatives, and L'Hôpital.

    Public attributes: ``entry`` (the formula :class:`FunctionEntry`, whose
    ``functionAccepted`` signal re-emits every accepted problem), ``table``,
    ``error_plot``, ``lhopital_table``, ``epsilon_plot``, ``tabs``.
    After :meth:`refresh`, ``comparison`` (a ``core.derivatives.DerivativeComparison``),
    ``curve`` (``FDErrorCurve``) and ``report`` (``LHopitalReport``) hold what is shown.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("derivativeView")
        self.comparison: derivatives.DerivativeComparison | None = None
        self.curve: derivatives.FDErrorCurve | None = None
        self.report: derivatives.LHopitalReport | None = None
        self._computed = False

        self.tabs = QTabWidget()
        self.tabs.setObjectName("derivativeTabs")
        self.tabs.addTab(self._build_function_page(), "Your function")
        self.tabs.addTab(self._build_lhopital_page(), "L'Hôpital: 0/0")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    # -- building ----------------------------------------------------------------
    def _build_function_page(self) -> QWidget:
        self.entry = FunctionEntry(DEFAULT_FORMULA, noise=False, button_text="Differentiate")
        self.entry.setObjectName("derivativeFormulaEntry")
        self.entry.help.hide()
        self.entry.edit.setToolTip(help_text())
        self.entry.functionAccepted.connect(lambda _: self.refresh())

        self.x_field = NumberField(DEFAULT_POINT[0], _number("x", -1e6, 1e6), fmt="{:.10g}",
                                   tooltip="The point where the derivative is taken.")
        self.x_field.setObjectName("derivativeX")
        self.y_field = NumberField(DEFAULT_POINT[1], _number("y", -1e6, 1e6), fmt="{:.10g}",
                                   tooltip="The y coordinate of the point (formulas in x and y).")
        self.y_field.setObjectName("derivativeY")
        self.y_label = QLabel("y =")
        self.variable_combo = QComboBox()
        self.variable_combo.setObjectName("derivativeVariable")
        self.variable_combo.addItem("∂f/∂x", "x")
        self.variable_combo.addItem("∂f/∂y", "y")
        self.variable_label = QLabel("derivative:")
        self.h_field = NumberField(DEFAULT_H, _number("h", 0.0, 1.0, low_open=True), fmt="{:.3g}",
                                   tooltip="The finite-difference step, e.g. 1e-4 (0 < h ≤ 1).")
        self.h_field.setObjectName("derivativeH")
        for field in (self.x_field, self.y_field, self.h_field):
            field.valueCommitted.connect(lambda _: self.refresh())
        self.variable_combo.currentIndexChanged.connect(lambda _: self.refresh())

        point = QHBoxLayout()
        point.addWidget(QLabel("at x ="))
        point.addWidget(self.x_field)
        point.addWidget(self.y_label)
        point.addWidget(self.y_field)
        point.addWidget(self.variable_label)
        point.addWidget(self.variable_combo)
        point.addWidget(QLabel("step h ="))
        point.addWidget(self.h_field)
        point.addStretch(1)

        self.symbolic_label = QLabel()
        self.symbolic_label.setObjectName("symbolicDerivative")
        self.symbolic_label.setTextFormat(Qt.TextFormat.PlainText)
        self.symbolic_label.setWordWrap(True)
        self.symbolic_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _table("derivativeTable", ["route", "value", "error vs symbolic"])
        self.table.setRowCount(len(ROUTES))
        self.note = QLabel(
            "Forward: (f(x+h) − f(x))/h, error ≈ |f″|h/2. Central: (f(x+h) − f(x−h))/(2h), "
            "error ≈ |f‴|h²/6. Both lose ≈ 10⁻¹⁶·|f|/h to rounding, so a smaller h is not "
            "always better. Dual numbers carry the derivative through every operation: "
            "exact up to rounding, with no h at all.")
        self.note.setObjectName("derivativeNote")
        self.note.setWordWrap(True)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.entry)
        lay.addLayout(point)
        lay.addWidget(self.symbolic_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)

        self.error_plot = _log_plot("fdErrorPlot", "Finite-difference error against the step h",
                                    "step h", "|error|")
        item = self.error_plot.plotItem
        self._roundoff = pg.LinearRegionItem(brush=pg.mkBrush(*ROUNDOFF_SHADE), movable=False,
                                             pen=pg.mkPen(None))
        self._truncation = pg.LinearRegionItem(brush=pg.mkBrush(*TRUNCATION_SHADE), movable=False,
                                               pen=pg.mkPen(None))
        for region in (self._roundoff, self._truncation):
            region.setZValue(-10)
            item.addItem(region, ignoreBounds=True)
        self._fwd = item.plot(name="forward difference", connect="finite")
        self._cen = item.plot(name="central difference", connect="finite")
        self._fwd_model = item.plot(name="textbook error model", connect="finite")
        self._cen_model = item.plot(connect="finite")
        self._h_line = pg.InfiniteLine(angle=90, movable=False,
                                       pen=pg.mkPen(MARK_COLOUR, width=1.5, style=Qt.PenStyle.DashLine))
        item.addItem(self._h_line, ignoreBounds=True)
        self._roundoff_text = pg.TextItem(REGION_LABELS[0], color=FORWARD_COLOUR, anchor=(0, 1))
        self._truncation_text = pg.TextItem(REGION_LABELS[1], color=CENTRAL_COLOUR, anchor=(1, 1))
        self._h_text = pg.TextItem("your h", color=MARK_COLOUR, anchor=(0, 0))
        for text in (self._roundoff_text, self._truncation_text, self._h_text):
            item.addItem(text, ignoreBounds=True)
        item.vb.sigResized.connect(lambda _vb: self._fit_region_labels())
        self.plot_note = QLabel()
        self.plot_note.setObjectName("fdErrorNote")
        self.plot_note.setWordWrap(True)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.error_plot, 1)
        rlay.addWidget(self.plot_note)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("derivativeSplitter")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        return split

    def _build_lhopital_page(self) -> QWidget:
        intro = QLabel(
            "h(t) = (t² − 4)/(t − 2) at t = 2. The computer sees 0/0 = nan; the symbols see "
            "(t − 2)(t + 2)/(t − 2) = t + 2, so h(2) = 4 and h′(2) = 1. Libraries that "
            "differentiate the formula as written do not know L'Hôpital.")
        intro.setObjectName("lhopitalIntro")
        intro.setWordWrap(True)
        self.epsilon_field = NumberField(DEFAULT_EPSILON, _number("ε", 0.0, 1.0, low_open=True),
                                         fmt="{:.3g}", tooltip="The ε of the two hacks, e.g. 1e-8.")
        self.epsilon_field.setObjectName("lhopitalEpsilon")
        self.epsilon_field.valueCommitted.connect(lambda _: self._show_lhopital())
        eps_row = QHBoxLayout()
        eps_row.addWidget(QLabel("ε for the hacks ="))
        eps_row.addWidget(self.epsilon_field)
        eps_row.addStretch(1)
        self.lhopital_table = _table("lhopitalTable", ["route", "h(2)", "h′(2)", "comment"])
        self.lhopital_note = QLabel()
        self.lhopital_note.setObjectName("lhopitalNote")
        self.lhopital_note.setWordWrap(True)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(intro)
        lay.addLayout(eps_row)
        lay.addWidget(self.lhopital_table, 1)
        lay.addWidget(self.lhopital_note)

        self.epsilon_plot = _log_plot("epsilonPlot", "What the epsilon hack costs", "ε",
                                      "|error| at t = 2")
        item = self.epsilon_plot.plotItem
        self._eps_curves = {
            key: item.plot(name=label, connect="finite")
            for key, label in (("den_value", "ε in the denominator: h(2)"),
                               ("den_deriv", "ε in the denominator: h′(2)"),
                               ("nudge_value", "t = 2 + ε: h(2)"),
                               ("nudge_deriv", "t = 2 + ε: h′(2) by dual numbers"))
        }
        self._eps_line = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen(MARK_COLOUR, width=1.5, style=Qt.PenStyle.DashLine))
        item.addItem(self._eps_line, ignoreBounds=True)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("lhopitalSplitter")
        split.addWidget(left)
        split.addWidget(self.epsilon_plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        return split

    # -- public API ----------------------------------------------------------------
    def formula(self) -> str:
        """The formula being differentiated (the last accepted one)."""
        return self.entry.text()

    def set_formula(self, text: str) -> bool:
        """Differentiate ``text``; False (message shown, old formula kept) if refused."""
        if self.entry.set_text(text, emit=False):
            self.refresh()
            return True
        return False

    def set_point(self, x: float, y: float | None = None) -> None:
        """Take the derivative at ``x`` (and ``y``); raises ValueError for bad numbers."""
        self.x_field.setValue(self.x_field._check(x))
        if y is not None:
            self.y_field.setValue(self.y_field._check(y))
        self.refresh()

    def set_h(self, h: float) -> None:
        """The finite-difference step (0 < h ≤ 1); raises ValueError otherwise."""
        self.h_field.setValue(self.h_field._check(h))
        self.refresh()

    def set_variable(self, variable: str) -> None:
        """Differentiate with respect to "x" or "y"."""
        index = self.variable_combo.findData(variable)
        if index < 0:
            raise ValueError(f"variable={variable!r} is not allowed: use 'x' or 'y'.")
        self.variable_combo.setCurrentIndex(index)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # The first computation loads sympy: do it when the view is first seen.
        super().showEvent(event)
        if not self._computed:
            self.refresh()

    def appearance_changed(self) -> None:
        """Redraw with the current line widths and colours."""
        if self._computed:
            self._draw_curve()
            self._draw_epsilon()

    # -- computing -------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute everything from core and redraw."""
        problem = self.entry.problem()
        if problem is None:
            return
        self._computed = True
        two = problem.dim == 2
        for widget in (self.y_label, self.y_field, self.variable_label, self.variable_combo):
            widget.setVisible(two)
        variable = self.variable_combo.currentData() if two else "x"
        point = [self.x_field.value(), self.y_field.value()] if two else [self.x_field.value()]
        axis = problem.coords.index(variable)
        h = float(self.h_field.value())
        text = self.entry.text()
        try:
            self.comparison = derivatives.compare_derivatives(text, point, variable, h)
            self.curve = derivatives.fd_error_curve(problem, point, axis=axis)
        except ValueError as exc:  # e.g. a point outside what core accepts
            self.symbolic_label.setText(str(exc))
            return
        self._show_comparison()
        self._draw_curve()
        if self.report is None:
            self.report = derivatives.lhopital_example()
            self._show_lhopital()

    def _show_comparison(self) -> None:
        c = self.comparison
        where = ", ".join(f"{v} = {p:.6g}" for v, p in zip(
            ("x", "y"), c.point.tolist(), strict=False))
        self.symbolic_label.setText(f"∂f/∂{c.variable} = {c.symbolic_text}   (at {where})")
        errors = c.errors
        colours = {"forward": FORWARD_COLOUR, "central": CENTRAL_COLOUR, "automatic": AD_COLOUR}
        for row, (key, label) in enumerate(ROUTES):
            if key in ("forward", "central"):
                label = f"{label}, h = {c.h:.3g}"
            error = "the reference" if key == "symbolic" else fmt_error(errors[key])
            _set_row(self.table, row, [label, fmt_value(getattr(c, key)), error], colours.get(key),
                     numbers=(1, 2) if key != "symbolic" else (1,))
        self.table.resizeRowsToContents()

    def _draw_curve(self) -> None:
        c = self.curve
        if c is None:
            return
        width = appearance.CURRENT.line_width
        self._fwd.setData(c.hs, _positive(c.forward_error), pen=pg.mkPen(FORWARD_COLOUR, width=width))
        self._cen.setData(c.hs, _positive(c.central_error), pen=pg.mkPen(CENTRAL_COLOUR, width=width))
        dash = Qt.PenStyle.DashLine
        self._fwd_model.setData(c.hs, _positive(c.forward_model),
                                pen=pg.mkPen(FORWARD_COLOUR, width=max(1.0, width / 2), style=dash))
        self._cen_model.setData(c.hs, _positive(c.central_model),
                                pen=pg.mkPen(CENTRAL_COLOUR, width=max(1.0, width / 2), style=dash))
        lo, hi = float(np.log10(c.hs[0])), float(np.log10(c.hs[-1]))
        h = self.comparison.h if self.comparison is not None else DEFAULT_H
        self._h_line.setPos(math.log10(h))
        finite = np.isfinite(c.forward_error).any() and np.isfinite(c.central_error).any()
        errs = np.concatenate([c.forward_error, c.central_error])
        errs = errs[np.isfinite(errs) & (errs > 0)]
        top = float(np.log10(errs.max())) if errs.size else 0.0
        bottom = float(np.log10(errs.min())) if errs.size else math.log10(ERROR_FLOOR)
        if finite:
            best = sorted((c.best_forward_h, c.best_central_h))
            left, right = math.log10(best[0]), math.log10(best[1])
            self._roundoff.setRegion((lo, left))
            self._truncation.setRegion((right, hi))
            self.plot_note.setText(
                f"Smallest error: forward at h ≈ {c.best_forward_h:.1e} (theory √ε ≈ 1e-8), "
                f"central at h ≈ {c.best_central_h:.1e} (theory ε^⅓ ≈ 6e-6). Left of the "
                f"best h, rounding dominates; right of it, the truncated Taylor terms. "
                f"Dashed: the textbook error models. Errors of exactly 0 are drawn at "
                f"{ERROR_FLOOR:g}.")
        else:
            self._roundoff.setRegion((lo, lo))
            self._truncation.setRegion((hi, hi))
            self.plot_note.setText("The function has no finite value near this point, "
                                   "so there is no error to plot: choose another point.")
        # The errors make a V: its lower corners are free for the labels.
        self._roundoff_text.setPos(lo, bottom)
        self._truncation_text.setPos(hi, bottom)
        self._h_text.setPos(math.log10(h), top)
        self.error_plot.plotItem.vb.setXRange(lo, hi, padding=0.02)
        self._fit_region_labels()

    def _fit_region_labels(self) -> None:
        """The two region labels sit in the plot's lower corners: in a narrow plot
        they would run into each other, so they shorten, and at last give way."""
        width = self.error_plot.plotItem.vb.width()
        for text in (self._roundoff_text, self._truncation_text):
            text.setVisible(True)
        for texts in (REGION_LABELS, REGION_LABELS_SHORT):
            self._roundoff_text.setText(texts[0])
            self._truncation_text.setText(texts[1])
            needed = sum(t.boundingRect().width() for t in (self._roundoff_text,
                                                             self._truncation_text))
            if needed + 16 <= width:
                return
        for text in (self._roundoff_text, self._truncation_text):
            text.setVisible(False)  # the shading and the note below still say it

    def _show_lhopital(self) -> None:
        r = self.report
        if r is None:
            return
        eps = float(self.epsilon_field.value())
        rows = r.rows(eps)
        self.lhopital_table.setRowCount(len(rows))
        colours = {1: "#b2182b", 2: "#b2182b", 3: AD_COLOUR, 4: AD_COLOUR}
        for i, (route, value, deriv, comment) in enumerate(rows):
            _set_row(self.lhopital_table, i,
                     [route, fmt_value(value), fmt_value(deriv), comment], colours.get(i))
        self.lhopital_table.resizeRowsToContents()
        safe = r.safe_nudge_epsilon
        safe_text = f"ε ≥ {safe:.0e}" if math.isfinite(safe) else "no ε tried"
        self.lhopital_note.setText(
            "The cost of the hacks: dividing by t − 2 + ε never gives nan, but h(2) is 0 for "
            "every ε and h′(2) = 4/ε explodes as ε shrinks. Evaluating at t = 2 + ε gives "
            "h ≈ 4, but its dual-number derivative cancels to rounding noise for small ε: "
            f"both are right only for {safe_text}, and for ε below ≈ 2e-16 the 0/0 is back. "
            "The cure is symbolic: simplify first, or use a derivative you know.")
        self._draw_epsilon()

    def _draw_epsilon(self) -> None:
        r = self.report
        if r is None:
            return
        width = appearance.CURRENT.line_width
        with np.errstate(all="ignore"):
            data = {
                "den_value": (np.abs(r.eps_denominator_value - r.exact_value),
                              FORWARD_COLOUR, None),
                "den_deriv": (np.abs(r.eps_denominator_derivative - r.exact_derivative),
                              FORWARD_COLOUR, Qt.PenStyle.DashLine),
                "nudge_value": (r.eps_nudge_error, CENTRAL_COLOUR, None),
                "nudge_deriv": (np.abs(r.eps_nudge_derivative - r.exact_derivative),
                                CENTRAL_COLOUR, Qt.PenStyle.DashLine),
            }
        for key, (err, colour, style) in data.items():
            pen = pg.mkPen(colour, width=width) if style is None else \
                pg.mkPen(colour, width=width, style=style)
            self._eps_curves[key].setData(r.epsilons, _positive(err), pen=pen)
        self._eps_line.setPos(math.log10(float(self.epsilon_field.value())))
