"""The learning-rate sweep: one start, many learning rates (core.lr_sweep in a
background thread), final loss against learning rate on log-log axes.

Rates that converge, rates too slow to finish and rates that diverge are
drawn differently; vertical lines mark the threshold (the smallest rate that
no longer converges) and, for quadratics, the stability limit 2/λ_max.  On
``parabola`` the sources' lesson r = 0.05 / 0.2 / 0.9 / 1.02 (slow, fast,
oscillating, diverging) becomes one picture.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import FunctionWorker, create_worker

import core
from core import analysis_display
from core.text import plural

from .. import appearance
from ..style import STATUS_COLOURS, set_title
from ..threads import WorkerPool
from ..widgets import NumberField

DEFAULT_RANGE = (1e-3, 3.0)
DEFAULT_RATES = 61
DEFAULT_STEPS = 2000
#: Extra rates tried between the largest converging rate and the threshold.
REFINE = 24

CONVERGED_COLOUR = "#0072B2"
UNFINISHED_COLOUR = "#E69F00"
DIVERGED_COLOUR = STATUS_COLOURS["diverged"]
LIMIT_COLOUR = "#009E73"
STEPS_COLOUR = "#CC79A7"


def sweepable_methods() -> list[str]:
    """Registered methods that take a learning rate ``lr``."""
    return [name for name, m in core.METHODS.items() if any(p.name == "lr" for p in m.params)]


class SweepView(QWidget):
    """Final loss against learning rate for the current problem, method and start.

    Call :meth:`set_context` whenever the window's settings change and
    :meth:`sweep` (or press *Sweep*) to run.  ``finished`` carries the
    :class:`core.landscape_tools.LearningRateSweep`; ``failed`` a message.
    Call :meth:`shutdown` before the window closes (closing this widget does it).
    """

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lrSweepView")
        self.problem: core.Problem | None = None
        self.start: np.ndarray | None = None
        self.maximize = False
        self.tol = 1e-8
        self._context_method = "gd"
        self._hyper: dict[str, Any] = {}
        self.result = None
        self.busy = False
        self._stale = False
        self._generation = 0
        self._worker: FunctionWorker | None = None
        self._cancel = threading.Event()
        self._pool = WorkerPool(self)
        self._build_controls()
        self._build_plot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._controls)
        layout.addWidget(self.message)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        self._resweep = QTimer(self)
        self._resweep.setSingleShot(True)
        self._resweep.setInterval(300)
        self._resweep.timeout.connect(self._auto_sweep)

    # -- building ---------------------------------------------------------------
    def _build_controls(self) -> None:
        self.method_combo = QComboBox()
        self.method_combo.setObjectName("sweepMethodCombo")
        for name in sweepable_methods():
            self.method_combo.addItem(core.get_method(name).title, name)
        self.method_combo.setToolTip("Methods with a learning rate.")
        self.method_combo.currentIndexChanged.connect(lambda _: self._changed())
        self.min_field = NumberField(DEFAULT_RANGE[0], self._check_lr, fmt="{:.4g}",
                                     tooltip="Smallest learning rate tried.")
        self.min_field.setObjectName("sweepMinLr")
        self.max_field = NumberField(DEFAULT_RANGE[1], self._check_lr, fmt="{:.4g}",
                                     tooltip="Largest learning rate tried.")
        self.max_field.setObjectName("sweepMaxLr")
        for field in (self.min_field, self.max_field):
            field.valueCommitted.connect(lambda _: self._changed())
        self.rates_spin = QSpinBox()
        self.rates_spin.setObjectName("sweepRates")
        self.rates_spin.setRange(5, 1000)
        self.rates_spin.setValue(DEFAULT_RATES)
        self.rates_spin.setToolTip("How many learning rates, evenly spaced on a log scale.")
        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("sweepSteps")
        self.steps_spin.setRange(10, 1_000_000)
        self.steps_spin.setSingleStep(500)
        self.steps_spin.setValue(DEFAULT_STEPS)
        self.steps_spin.setToolTip("Steps per run: a rate that has not converged by then "
                                   "counts as too slow.")
        self.auto_check = QCheckBox("follow the settings")
        self.auto_check.setObjectName("sweepAutoCheck")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip("Sweep again whenever the problem, method or start changes "
                                   "(while this view is shown).")
        self.sweep_button = QPushButton("Sweep")
        self.sweep_button.setObjectName("sweepButton")
        self.sweep_button.setToolTip("Run the start once per learning rate (in the background).")
        self.sweep_button.clicked.connect(self.sweep)
        grid = QGridLayout()
        grid.addWidget(QLabel("Method"), 0, 0)
        grid.addWidget(self.method_combo, 0, 1, 1, 3)
        grid.addWidget(QLabel("rates"), 0, 4)
        grid.addWidget(self.rates_spin, 0, 5)
        grid.addWidget(QLabel("steps"), 0, 6)
        grid.addWidget(self.steps_spin, 0, 7)
        grid.addWidget(QLabel("lr from"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.min_field, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(QLabel("to"), 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.max_field, 1, 3, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.sweep_button, 1, 4, 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.auto_check, 1, 6, 1, 2, Qt.AlignmentFlag.AlignTop)
        row = QHBoxLayout()
        row.addLayout(grid)
        row.addStretch(1)
        self._controls = QVBoxLayout()
        self._controls.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("sweepMessage")
        self.message.setWordWrap(True)
        self.summary = QLabel("Press Sweep to run the start once per learning rate.")
        self.summary.setObjectName("sweepSummary")
        self.summary.setWordWrap(True)

    def _build_plot(self) -> None:
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("sweepPlot")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        # Data are log10 values (core.analysis_display.sweep_heights); the axes
        # only label their ticks as powers of ten.
        self.plot.getAxis("bottom").setLogMode(True)
        self.plot.getAxis("left").setLogMode(True)
        self.plot.setLabel("bottom", "learning rate r")
        self.plot.setLabel("left", "final loss − best known")
        set_title(self.plot, "Learning-rate sweep")
        self.legend = self.plot.addLegend(offset=(10, 10), colCount=2)  # two rows, not four
        self.line = pg.PlotDataItem(pen=pg.mkPen((90, 90, 90), width=1))
        self.plot.addItem(self.line)
        self.converged = pg.ScatterPlotItem(symbol="o", size=8, pen=pg.mkPen("k", width=0.5),
                                            brush=pg.mkBrush(CONVERGED_COLOUR), name="converged")
        self.unfinished = pg.ScatterPlotItem(symbol="s", size=8, pen=pg.mkPen("k", width=0.5),
                                             brush=pg.mkBrush(UNFINISHED_COLOUR),
                                             name="not converged within the steps (too slow)")
        self.diverged = pg.ScatterPlotItem(symbol="x", size=14, pen=pg.mkPen(DIVERGED_COLOUR, width=3),
                                           brush=pg.mkBrush(DIVERGED_COLOUR), name="diverged")
        for item in (self.converged, self.unfinished, self.diverged):
            self.plot.addItem(item)
        self.threshold_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            label="", labelOpts=dict(position=0.92, color=DIVERGED_COLOUR, anchors=[(1, 0), (1, 0)]))
        self.limit_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(LIMIT_COLOUR, width=2, style=Qt.PenStyle.DotLine),
            label="", labelOpts=dict(position=0.8, color=LIMIT_COLOUR, anchors=[(1, 0), (1, 0)]))
        for line in (self.threshold_line, self.limit_line):
            line.setZValue(5)
            line.hide()
            self.plot.addItem(line)
        self.lesson = pg.ScatterPlotItem(symbol="o", size=18, pen=pg.mkPen("k", width=2), brush=None)
        self.lesson.setZValue(6)
        self.plot.addItem(self.lesson)
        self._lesson_texts: list[pg.TextItem] = []
        # Steps to converge on a second (right-hand, log) axis: converged runs
        # all end near the floor, so this is where slow, fast and oscillating differ.
        item = self.plot.plotItem
        self.steps_box = pg.ViewBox()
        self.steps_box.setMouseEnabled(x=False, y=False)
        item.showAxis("right")
        item.scene().addItem(self.steps_box)
        right = item.getAxis("right")
        right.linkToView(self.steps_box)
        right.setLogMode(True)
        right.setLabel("steps to converge", color=STEPS_COLOUR)
        self.steps_box.setXLink(item)
        self.steps_curve = pg.PlotDataItem(pen=pg.mkPen(STEPS_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                                           symbol="d", symbolSize=7, symbolBrush=pg.mkBrush(STEPS_COLOUR),
                                           symbolPen=None, name="steps to converge (right axis)")
        self.steps_box.addItem(self.steps_curve)
        self.legend.addItem(self.steps_curve, "steps to converge (right axis)")
        item.vb.sigResized.connect(self._sync_steps_box)

    # -- context -------------------------------------------------------------------
    def set_context(self, problem: core.Problem | str, method: str, start: object,
                    hyper: dict[str, Any] | None = None, *, maximize: bool = False,
                    tol: float | None = None) -> None:
        """Receive the window's current problem, method, start and hyperparameters.

        ``hyper`` may contain ``lr`` (it is ignored: the sweep varies it).
        A method without a learning rate keeps the method chosen in the combo.
        """
        self.problem = problem if isinstance(problem, core.Problem) else core.get_problem(problem)
        self.start = np.array(start, dtype=float).reshape(-1)
        self.maximize = bool(maximize)
        if tol is not None:
            self.tol = float(tol)
        self._context_method = method
        self._hyper = {k: v for k, v in (hyper or {}).items() if k != "lr"}
        index = self.method_combo.findData(method)
        self.method_combo.blockSignals(True)
        if index >= 0:
            self.method_combo.setCurrentIndex(index)
        self.method_combo.blockSignals(False)
        self._changed()

    @property
    def method(self) -> str:
        """The method being swept."""
        return self.method_combo.currentData()

    def set_range(self, low: float, high: float, rates: int | None = None,
                  steps: int | None = None) -> None:
        """Set the learning-rate range (and optionally the number of rates and steps)."""
        self.min_field.setValue(self._check_lr(low))
        self.max_field.setValue(self._check_lr(high))
        if rates is not None:
            self.rates_spin.setValue(int(rates))
        if steps is not None:
            self.steps_spin.setValue(int(steps))

    def _check_lr(self, value: Any) -> float:
        return core.get_method(self.method or "gd").param("lr").check(value)

    def _changed(self) -> None:
        """Settings changed: the shown sweep is out of date."""
        self._generation += 1  # a sweep still running is for the old settings
        self._cancel.set()
        self.busy = False
        self.sweep_button.setEnabled(True)
        if self.result is not None or self._stale:
            self._stale = True
        if self.auto_check.isChecked() and self.isVisible() and self.problem is not None:
            self._resweep.start()

    def _auto_sweep(self) -> None:
        if self.isVisible():
            self.sweep()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale and self.auto_check.isChecked() and self.problem is not None:
            self._resweep.start()

    # -- running -------------------------------------------------------------------
    def sweep(self) -> bool:
        """Start a sweep in the background; False (with a message) if the settings are invalid."""
        self._resweep.stop()
        if self.problem is None or self.start is None:
            self._say("Choose a problem and a start point first.", error=True)
            return False
        for field in (self.min_field, self.max_field):
            if not field.commit():
                self._say("Fix the learning-rate range first: " + field.message.text(), error=True)
                return False
        low, high = float(self.min_field.value()), float(self.max_field.value())
        try:
            rates = analysis_display.sweep_rates(low, high, self.rates_spin.value(),
                                                 include=analysis_display.LESSON_RATES)
        except ValueError as exc:
            text = str(exc)
            if "larger than low" in text:
                text = (f"The range is empty: 'to' ({high:g}) must be larger than "
                        f"'from' ({low:g}).")
            self._say(text, error=True)
            self.failed.emit(text)
            return False
        method = self.method
        hyper = dict(self._hyper) if method == self._context_method else {}
        self._generation += 1
        generation = self._generation
        self._cancel.set()  # a sweep still running is for the old settings
        self._cancel = threading.Event()
        worker = create_worker(
            analysis_display.refined_lr_sweep, self.problem, method, self.start.copy(), rates,
            int(self.steps_spin.value()), refine=REFINE, should_stop=self._cancel.is_set,
            tol=self.tol, maximize=self.maximize, **hyper, _start_thread=False,
            _ignore_errors=True)
        worker.returned.connect(lambda result: self._done(result, generation))
        worker.errored.connect(lambda exc: self._error(exc, generation))
        if self._worker is not None:
            self._worker.quit()
        self._worker = worker
        self.busy = True
        self._stale = False
        self.sweep_button.setEnabled(False)
        self._say(f"Sweeping {rates.size} learning rates from {low:g} to {high:g} "
                  f"({core.get_method(method).title}, {self.steps_spin.value()} steps each)…")
        self._pool.start(worker)
        return True

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Forget any running sweep and wait for its thread (call before closing)."""
        self._resweep.stop()
        self._generation += 1
        self._cancel.set()
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        return self._pool.wait(timeout_ms)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)

    def _done(self, result, generation: int) -> None:
        if generation != self._generation:
            return  # a sweep for settings that have changed since
        self._worker = None
        self.busy = False
        self.sweep_button.setEnabled(True)
        self.result = result
        self._say("")
        self.draw()
        self.finished.emit(result)

    def _error(self, exc: Exception, generation: int) -> None:
        if generation != self._generation:
            return
        self._worker = None
        self.busy = False
        self.sweep_button.setEnabled(True)
        text = str(exc) if isinstance(exc, ValueError) else f"The sweep failed: {type(exc).__name__}: {exc}"
        self._say(text, error=True)
        self.failed.emit(text)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b2182b;" if error else "")
        self.message.setVisible(bool(text))

    # -- drawing -------------------------------------------------------------------
    def _floor(self) -> float | None:
        p = self.problem
        if p is None or self.maximize or not p.minima.size:
            return None
        values = np.asarray(p.value(p.minima), dtype=float)
        values = values[np.isfinite(values)]
        return float(values.min()) if values.size else None

    def draw(self) -> None:
        """Draw :attr:`result`."""
        s = self.result
        if s is None:
            return
        h = analysis_display.sweep_heights(s, self._floor())
        status = np.asarray(s.status)
        conv = status == "converged"
        div = status == "diverged"
        other = ~conv & ~div
        self.line.setData(h.x, h.y, connect="finite")
        self.converged.setData(h.x[conv], h.y[conv])
        self.unfinished.setData(h.x[other], h.y[other])
        self.diverged.setData(h.x[div], h.y[div])
        self._place_line(self.threshold_line, s.threshold, "threshold r = {}")
        self._place_line(self.limit_line, s.stability_limit, "2/λ_max = {}")
        self._draw_lessons(s, h)
        steps = analysis_display.sweep_steps(s)
        ok = np.isfinite(steps.y)  # only converged runs have a step count
        self.steps_curve.setData(h.x[ok], steps.y[ok])
        self.steps_box.setYRange(*steps.y_range, padding=0)
        vb = self.plot.getViewBox()
        vb.disableAutoRange()
        finite_x = h.x[np.isfinite(h.x)]
        if finite_x.size:
            lo, hi = float(finite_x.min()), float(finite_x.max())
            pad = max(0.03 * (hi - lo), 0.05)
            vb.setRange(xRange=(lo - pad, hi + pad), yRange=h.y_range, padding=0)
            _decade_ticks(self.plot.getAxis("bottom"), hi - lo)
        _decade_ticks(self.plot.getAxis("right"), steps.y_range[1] - steps.y_range[0])
        self._sync_steps_box()
        what = "final loss − best known" if self._floor() is not None else "final loss (gap to the lowest)"
        self.plot.setLabel("left", what)
        title = core.get_method(s.method).title
        set_title(self.plot, f"{title} on {self.problem.title}, {s.steps} steps")
        self.summary.setText(self._summary(s))
        self.appearance_changed()

    def _sync_steps_box(self) -> None:
        vb = self.plot.plotItem.vb
        self.steps_box.setGeometry(vb.sceneBoundingRect())
        self.steps_box.linkedViewChanged(vb, self.steps_box.XAxis)

    def _place_line(self, line: pg.InfiniteLine, value: float | None, label: str) -> None:
        if value is None or not np.isfinite(value) or value <= 0:
            line.hide()
            return
        line.show()  # the label only updates its text while visible
        line.setValue(float(np.log10(value)))
        line.label.setFormat(label.format(_fmt(value)))

    def _draw_lessons(self, s, h) -> None:
        for text in self._lesson_texts:
            self.plot.removeItem(text)
        self._lesson_texts = []
        lrs = np.asarray(s.lrs, dtype=float)
        points = []
        for rate in analysis_display.LESSON_RATES:
            hit = np.flatnonzero(lrs == rate)
            if hit.size == 0:
                continue
            i = int(hit[0])
            points.append((h.x[i], h.y[i]))
            text = pg.TextItem(f"r = {rate:g}", color=appearance.CURRENT.colours.plot_foreground,
                               anchor=(0.5, 1.3))
            text.setPos(float(h.x[i]), float(h.y[i]))
            text.setZValue(7)
            self.plot.addItem(text)
            self._lesson_texts.append(text)
        self.lesson.setData(pos=np.array(points, dtype=float).reshape(-1, 2))

    def _summary(self, s) -> str:
        o = analysis_display.sweep_outline(s)
        lo, hi = float(np.min(s.lrs)), float(np.max(s.lrs))
        parts = []
        if o.largest_converging is None:
            parts.append(f"No learning rate from {_fmt(lo)} to {_fmt(hi)} converged within "
                         f"{s.steps} steps.")
        else:
            text = f"Runs converge up to r ≈ {_fmt(o.largest_converging)}"
            if o.threshold is not None:
                text += f"; from r ≈ {_fmt(o.threshold)} on they do not"
                if o.n_diverged:
                    text += (f" ({o.n_diverged} of the {len(s.lrs)} rates tried diverged, "
                             f"counting those added near the threshold to find it)")
            parts.append(text + ".")
            if o.smallest_converging is not None and o.smallest_converging > lo:
                parts.append(f"Below r ≈ {_fmt(o.smallest_converging)} they are too slow to "
                             f"converge in {s.steps} steps.")
        if o.stability_limit is not None:
            who = "" if s.method == "gd" else " (for plain gradient descent)"
            parts.append(f"The 2/λ_max limit is {_fmt(o.stability_limit)}{who}.")
        lessons = []
        lrs = np.asarray(s.lrs, dtype=float)
        for rate in analysis_display.LESSON_RATES:
            hit = np.flatnonzero(lrs == rate)
            if hit.size:
                i = int(hit[0])
                st = str(s.status[i])
                verb = {"converged": "converged in",
                        "diverged": "diverged after"}.get(st, "not converged after")
                lessons.append(f"{rate:g}: {verb} {plural(int(s.nit[i]), 'step')}")
        if lessons:
            parts.append("r = " + "; ".join(lessons) + ".")
        return " ".join(parts)

    def appearance_changed(self) -> None:
        """Follow the current theme, line widths and fonts."""
        fg = appearance.CURRENT.colours.plot_foreground
        width = appearance.CURRENT.line_width
        self.line.setPen(pg.mkPen((128, 128, 128), width=max(1.0, width / 3)))
        size = 8 * min(appearance.CURRENT.scale, 2.0) ** 0.5 * (1.4 if appearance.CURRENT.presentation else 1)
        self.converged.setSize(size)
        self.unfinished.setSize(size)
        self.diverged.setSize(size * 1.7)
        self.lesson.setSize(size * 2.2)
        self.lesson.setPen(pg.mkPen(fg, width=2))
        font = self.font()
        for text in self._lesson_texts:
            text.setColor(fg)
            text.setFont(font)
        for line in (self.threshold_line, self.limit_line):
            line.label.setFont(font)


def _decade_ticks(axis: pg.AxisItem, decades: float) -> None:
    """On a log axis spanning at least two decades, tick (and label) whole decades
    only: pyqtgraph otherwise labels 2, 3, … 9 as well and the labels collide."""
    if decades >= 2:
        axis.setTickSpacing(levels=[(1.0, 0.0)])
        axis.setStyle(maxTextLevel=0)
    else:
        axis.setTickSpacing()
        axis.setStyle(maxTextLevel=1)


def _fmt(value: float) -> str:
    """3 significant digits, keeping a decimal point on round numbers ("1.0")."""
    text = f"{value:.3g}"
    return text + ".0" if text.lstrip("-").isdigit() else text
