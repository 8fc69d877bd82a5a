"""The activation gallery: each activation with its derivative, and a live
gradient descent on one neuron through it.

The curves, descriptions and the one-neuron problem all come from
``core.activations`` and ``core.get_problem("neuron", activation=...)``; the
run is a ``core.Runner`` advanced a few steps per timer tick, so the GUI
thread never loops over many steps.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

import core
from core import display
from core.activations import ACTIVATIONS, NEURON_ACTIVATIONS, get_activation
from core.problems.neuron import NEURON_LR, NEURON_START

from .. import appearance
from ..style import STATUS_COLOURS, set_title
from ..widgets import NumberField

#: The gallery's entries: every neuron activation, then soft-max against arg-max.
SOFTMAX_VS_ARGMAX = "softmax_vs_argmax"
ENTRIES: tuple[tuple[str, str], ...] = tuple(
    (name, ACTIVATIONS[name].title) for name in NEURON_ACTIVATIONS
) + ((SOFTMAX_VS_ARGMAX, "Soft-max vs arg-max (two classes)"),)

VALUE_COLOUR = "#0072B2"
DERIV_COLOUR = "#D55E00"
LOSS_COLOUR = "#009E73"
HISTORY_COLOUR = (120, 120, 120, 150)
UNIT_COLOUR = "#CC79A7"
#: Losses are drawn on log axes; 0 is drawn at this height.
LOSS_FLOOR = 1e-30
DEFAULT_STEPS = 200
TICK_MS = 30
STEPS_PER_TICK = 4


def _number(name: str, low: float, high: float, *, low_open: bool = False):
    return lambda v: core._checks.check_real(name, v, low=low, high=high, low_open=low_open)


def _for_log(loss: np.ndarray) -> np.ndarray:
    """Losses safe for log axes: huge values clipped, 0 at the floor, NaN a gap."""
    v = display.clip_values(loss)
    return np.where(np.isnan(v) | (v > LOSS_FLOOR), v, LOSS_FLOOR)


class ActivationView(QWidget):
    """Activation gallery with a live one-neuron gradient descent.

    Public API: :meth:`set_activation`, :meth:`play`, :meth:`pause`,
    :meth:`reset`, :meth:`is_running`; ``outcome`` (QLabel) holds the
    message of the last finished run, ``result`` a dict with its numbers
    (``start_loss``, ``final_loss``, ``start_grad_norm``, ``steps``,
    ``status``, ``moved``) or None.  ``steps_per_tick`` sets the animation speed.

    Signals
    -------
    runFinished(dict)
        Emitted with ``result`` when a run ends.
    """

    runFinished = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("activationView")
        self.steps_per_tick = STEPS_PER_TICK
        self.result: dict | None = None
        self._runner: core.Runner | None = None
        self._trace: core.Trace | None = None
        self._history: dict[str, core.Trace] = {}
        self._problem: core.Problem | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

        self.combo = QComboBox()
        self.combo.setObjectName("activationCombo")
        for key, title in ENTRIES:
            self.combo.addItem(title, key)
        # Narrow enough for the side column (the list itself shows the full titles).
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.description = QLabel()
        self.description.setObjectName("activationDescription")
        self.description.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Activation:"))
        top.addWidget(self.combo)
        top.addStretch(1)

        self.curve_plot = pg.PlotWidget(background="w")
        self.curve_plot.setObjectName("activationPlot")
        self.curve_plot.plotItem.setMenuEnabled(False)
        self.curve_plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve_plot.setLabel("bottom", "input z")
        set_title(self.curve_plot, "Activation and derivative")
        self.curve_plot.addLegend(offset=(10, 10))
        ci = self.curve_plot.plotItem
        self._value = ci.plot(name="a(z)")
        self._deriv = ci.plot(name="a′(z)")
        self._value2 = ci.plot(name="arg-max")
        self._deriv2 = ci.plot(name="arg-max′")
        self._units = pg.ScatterPlotItem(size=14, brush=pg.mkBrush(UNIT_COLOUR),
                                         pen=pg.mkPen("k", width=1))
        ci.addItem(self._units)
        self._unit_text = pg.TextItem("", color=UNIT_COLOUR, anchor=(0.5, 1.3))
        ci.addItem(self._unit_text, ignoreBounds=True)  # a label must not widen the axes

        self.loss_plot = pg.PlotWidget(background="w")
        self.loss_plot.setObjectName("neuronLossPlot")
        self.loss_plot.plotItem.setMenuEnabled(False)
        self.loss_plot.setLogMode(x=False, y=True)
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.setLabel("left", "loss (log scale)")
        set_title(self.loss_plot, "Loss of one neuron")
        self.loss_plot.addLegend(offset=(-10, 10))
        self._loss = self.loss_plot.plotItem.plot(name="this run", connect="finite")
        self.loss_plot.getAxis("bottom").enableAutoSIPrefix(False)  # "step (x0.001)" misled
        self._history_curves: list[pg.PlotDataItem] = []

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("activationSplitter")
        split.addWidget(self.curve_plot)
        split.addWidget(self.loss_plot)

        self.neuron_text = QLabel()
        self.neuron_text.setObjectName("neuronDescription")
        self.neuron_text.setWordWrap(True)
        self.neuron_text.setTextFormat(Qt.TextFormat.PlainText)  # "z < 0" is not a tag
        self.lr_field = NumberField(NEURON_LR, core.METHODS["gd"].param("lr").check, fmt="{:.6g}",
                                    tooltip="Learning rate of the gradient descent.")
        self.lr_field.setObjectName("neuronLr")
        self.w_field = NumberField(NEURON_START[0], _number("w", -100.0, 100.0), fmt="{:.6g}",
                                   tooltip="Starting weight w.")
        self.w_field.setObjectName("neuronW")
        self.b_field = NumberField(NEURON_START[1], _number("b", -100.0, 100.0), fmt="{:.6g}",
                                   tooltip="Starting bias b.")
        self.b_field.setObjectName("neuronB")
        self.steps_field = NumberField(DEFAULT_STEPS,
                                       lambda v: core._checks.check_int("steps", v, low=1, high=100_000),
                                       tooltip="How many gradient-descent steps to run.")
        self.steps_field.setObjectName("neuronSteps")
        self.play_button = QPushButton("▶  Play")
        self.play_button.setObjectName("neuronPlayButton")
        self.play_button.setToolTip("Run gradient descent on the neuron (click again to pause).")
        self.reset_button = QPushButton("↺  Reset")
        self.reset_button.setObjectName("neuronResetButton")
        controls = QFormLayout()
        for label, widget in (("learning rate", self.lr_field), ("start w", self.w_field),
                              ("start b", self.b_field), ("steps", self.steps_field)):
            controls.addRow(label, widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setObjectName("neuronOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setMargin(6)

        # The plots take the tab's whole height; the words and controls sit beside
        # them and scroll when the tab is short (a 1280x800 projector).
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(4, 0, 4, 0)
        column.addLayout(top)
        column.addWidget(self.description)
        column.addWidget(self.neuron_text)
        column.addLayout(controls)
        column.addLayout(buttons)
        column.addWidget(self.outcome)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("activationSide")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(scroll.fontMetrics().averageCharWidth() * 40)
        split.addWidget(scroll)
        split.setCollapsible(2, False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)

        self.combo.currentIndexChanged.connect(lambda _: self._activation_changed())
        self.play_button.clicked.connect(self.toggle)
        self.reset_button.clicked.connect(self.reset)
        for field in (self.lr_field, self.w_field, self.b_field, self.steps_field):
            field.valueCommitted.connect(lambda _: self._settings_changed())
        self._activation_changed()

    # -- public API -------------------------------------------------------------------
    def activation(self) -> str:
        """Key of the selected entry (an activation name or ``"softmax_vs_argmax"``)."""
        return self.combo.currentData()

    def set_activation(self, name: str) -> None:
        """Select ``name`` (a key of :data:`ENTRIES`); raises ValueError otherwise."""
        index = self.combo.findData(name)
        if index < 0:
            raise ValueError(f"activation={name!r} is not allowed: use one of "
                             + ", ".join(repr(k) for k, _ in ENTRIES) + ".")
        self.combo.setCurrentIndex(index)

    def follow(self, start, lr: float, steps: int) -> None:
        """Take a run's start ``(w, b)``, learning rate and steps (the main window's
        neuron lesson), forgetting any run of its own; raises ValueError for values
        its fields refuse."""
        for field, value in ((self.w_field, start[0]), (self.b_field, start[1]),
                             (self.lr_field, lr), (self.steps_field, int(steps))):
            field.setValue(field._check(value))
        self.reset()

    def is_running(self) -> bool:
        """True while the live run is advancing."""
        return self._timer.isActive()

    def toggle(self) -> None:
        """Play or pause."""
        self.pause() if self.is_running() else self.play()

    def play(self) -> None:
        """Start (or continue) the run with the current controls."""
        if self._problem is None:
            return
        for field in (self.lr_field, self.w_field, self.b_field, self.steps_field):
            if not field.commit():
                return
        if self._runner is None or self._runner.done:
            self._start_run()
        self._timer.start()
        self.play_button.setText("⏸  Pause")

    def pause(self) -> None:
        """Stop advancing (Play continues)."""
        self._timer.stop()
        self.play_button.setText("▶  Play")

    def reset(self) -> None:
        """Forget the current run (the start is shown again)."""
        self.pause()
        self._runner = None
        self._trace = None
        self.result = None
        self._loss.setData([], [])
        self._show_units(self._start())
        self._show_ready()

    def appearance_changed(self) -> None:
        """Redraw with the current line widths."""
        self._draw_curves()
        self._draw_loss()

    # -- selection -------------------------------------------------------------------
    def _activation_changed(self) -> None:
        self.pause()
        key = self.activation()
        if key == SOFTMAX_VS_ARGMAX:
            soft, hard = get_activation("softmax"), get_activation("argmax")
            self.description.setText(_entry_html(soft) + "<br>" + _entry_html(hard))
            self._problem = None
            self.neuron_text.setText(
                "The one-neuron run uses a single output: soft-max of (s, 0) is the sigmoid "
                "σ(s) — choose Sigmoid to watch it train — and arg-max is the Heaviside "
                "step — choose Heaviside to watch it get stuck.")
        else:
            act = get_activation(key)
            self.description.setText(_entry_html(act))
            self._problem = core.get_problem("neuron", activation=key)
            self.neuron_text.setText(self._problem.description)
        for widget in (self.play_button, self.reset_button, self.lr_field, self.w_field,
                       self.b_field, self.steps_field):
            widget.setEnabled(self._problem is not None)
        self._draw_curves()
        self.reset()
        self._draw_history()

    def _settings_changed(self) -> None:
        # New learning rate, start or length: earlier runs no longer compare.
        self._history.clear()
        self._draw_history()
        self.reset()

    def _start(self) -> np.ndarray:
        return np.array([float(self.w_field.value()), float(self.b_field.value())])

    # -- the run ---------------------------------------------------------------------
    def _start_run(self) -> None:
        self._runner = core.Runner(self._problem, "gd", self._start(),
                                   steps=int(self.steps_field.value()),
                                   lr=float(self.lr_field.value()))
        self._trace = core.Trace(2)
        self.result = None

    def _tick(self) -> None:
        runner = self._runner
        if runner is None:
            self.pause()
            return
        batch = runner.advance(max(1, int(self.steps_per_tick)))
        self._trace.extend(batch)
        self._draw_loss()
        self._show_units(self._trace.last_x)
        if batch.done:
            self.pause()
            self._finished()
        else:
            self._show_message(runner.message(), STATUS_COLOURS["running"])

    def _finished(self) -> None:
        runner, trace = self._runner, self._trace
        f0 = float(runner.start_f[0])
        g0 = float(runner.start_gn[0])
        f1 = float(trace.last["f"])
        steps = int(runner.nit[0])
        status = str(runner.status_names()[0])
        moved = bool(np.any(trace.last_x != runner.start[0]))
        act = get_activation(self.activation())
        if g0 == 0 and not moved:
            text = (f"Stuck: the gradient at the start is exactly 0, so gradient descent has no "
                    f"direction and never moves; the loss stays at {f0:.4g}.")
            colour = STATUS_COLOURS["diverged"]
        elif not f1 < f0:
            text = (f"No progress: the loss went from {f0:.4g} to {f1:.4g} in {steps} steps "
                    f"(gradient at the start {g0:.2g}).")
            colour = STATUS_COLOURS["diverged"]
        else:
            text = (f"Progress: the loss fell from {f0:.4g} to {f1:.4g} in {steps} steps "
                    f"(gradient at the start {g0:.2g}).")
            colour = STATUS_COLOURS["converged" if status == "converged" else "max_steps"]
        self.result = {"activation": act.name, "start_loss": f0, "final_loss": f1,
                       "start_grad_norm": g0, "steps": steps, "status": status, "moved": moved}
        self._show_message(f"{text} {runner.message()} {act.effect}", colour)
        self._history[act.name] = trace
        self._draw_history()
        self.runFinished.emit(dict(self.result))

    # -- drawing -------------------------------------------------------------------------
    def _show_message(self, text: str, colour: str) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(
            f"QLabel#neuronOutcome {{ background: {colour}; color: white; border-radius: 4px; }}")

    def _show_ready(self) -> None:
        if self._problem is None:
            self._show_message("Choose one of the other activations to run the neuron.",
                               STATUS_COLOURS["idle"])
            return
        w, b = self._start()
        self._show_message(
            f"Ready: gradient descent from (w, b) = ({w:.3g}, {b:.3g}) with learning rate "
            f"{float(self.lr_field.value()):g}. Press Play.", STATUS_COLOURS["idle"])

    def _draw_curves(self) -> None:
        width = appearance.CURRENT.line_width
        key = self.activation()
        dash = Qt.PenStyle.DashLine
        first = get_activation("softmax" if key == SOFTMAX_VS_ARGMAX else key)
        z, a, da = first.curves()
        self._value.setData(z, a, pen=pg.mkPen(VALUE_COLOUR, width=width))
        self._deriv.setData(z, da, pen=pg.mkPen(DERIV_COLOUR, width=width))
        legend = self.curve_plot.plotItem.legend
        if key == SOFTMAX_VS_ARGMAX:
            z2, a2, da2 = get_activation("argmax").curves()
            self._value2.setData(z2, a2, pen=pg.mkPen(VALUE_COLOUR, width=width, style=dash))
            self._deriv2.setData(z2, da2, pen=pg.mkPen(DERIV_COLOUR, width=width, style=dash))
            names = ("soft-max p₁(s)", "∂p₁/∂s (soft-max)", "arg-max p₁(s)", "∂p₁/∂s (arg-max)")
            self.curve_plot.setLabel("bottom", "score difference s (input (s, 0))")
        else:
            self._value2.setData([], [])
            self._deriv2.setData([], [])
            names = ("a(z)", "a′(z)", "", "")
            self.curve_plot.setLabel("bottom", "input z")
        if legend is not None:
            legend.clear()
            for item, name in zip((self._value, self._deriv, self._value2, self._deriv2), names,
                                  strict=True):
                if name:
                    legend.addItem(item, name)

    def _show_units(self, x: np.ndarray) -> None:
        """Mark where the neuron's two inputs sit on the activation curve."""
        if self._problem is None:
            self._units.setData([], [])
            self._unit_text.setText("")
            return
        act = get_activation(self.activation())
        inputs = np.asarray(self._problem.options["inputs"], dtype=float)
        w, b = float(x[0]), float(x[1])
        z = np.clip(w * inputs + b, -6.0, 6.0)  # kept on the plotted range
        self._units.setData(z, act.value(z))
        self._unit_text.setText("the two inputs")
        centre = float(z.mean())
        # the words run towards the middle of the plot, never off its edge
        self._unit_text.setAnchor((0.0, 1.3) if centre < 0 else (1.0, 1.3))
        self._unit_text.setPos(centre, float(act.value(z).max()))

    def _draw_loss(self) -> None:
        width = appearance.CURRENT.line_width
        trace = self._trace
        if trace is None or trace.n == 0:
            self._loss.setData([], [])
            return
        few = trace.n <= 2  # a dead neuron stops at step 0: one point, drawn as a dot
        self._loss.setData(trace.steps.astype(float), _for_log(trace.column("f")),
                           pen=pg.mkPen(LOSS_COLOUR, width=width),
                           symbol="o" if few else None, symbolSize=10,
                           symbolBrush=pg.mkBrush(LOSS_COLOUR), symbolPen=None)

    def _draw_history(self) -> None:
        item = self.loss_plot.plotItem
        for curve in self._history_curves:
            item.removeItem(curve)
        self._history_curves = []
        current = self.activation()
        for name, trace in self._history.items():
            if name == current or trace.n == 0:
                continue
            curve = item.plot(trace.steps.astype(float), _for_log(trace.column("f")),
                              pen=pg.mkPen(HISTORY_COLOUR, width=1.5),
                              name=ACTIVATIONS[name].title, connect="finite")
            self._history_curves.append(curve)


def _entry_html(act) -> str:
    """An activation's title, formulas and effect as rich text ("z < 0" escaped:
    unescaped, "< 0, 1 for z >" would be read as a tag and vanish)."""
    e = html.escape
    return (f"<b>{e(act.title)}</b>: {e(act.formula)}; {e(act.derivative_formula)}. "
            f"{e(act.effect)}")
