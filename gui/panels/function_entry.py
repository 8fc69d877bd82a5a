"""Type your own function: a formula entry checked by ``core.parse_function``,
and an option for noisy (stochastic) gradients.

Wiring (for the main window)::

    entry = FunctionEntry()
    entry.functionAccepted.connect(on_problem)     # a core.Problem, dim 1 or 2
    entry.noiseChanged.connect(on_noise)           # float, 0.0 = exact gradients

    def on_problem(problem):        # problem.name == "custom"
        controller.set_problem(noisy(problem))

    def noisy(problem):
        scale = entry.noise_scale()
        return core.with_gradient_noise(problem, scale, seed=0) if scale > 0 else problem

The noise wrapper draws a fresh, seeded noise stream each time it is called,
so wrap again for every new run (``core.with_gradient_noise`` notes that its
stream is not thread-safe and that the same seed replays the same noise).
It applies to any problem, not only typed ones.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import core
from core import parse

from ..widgets import NumberField

#: What the entry shows before anything is typed.
DEFAULT_TEXT = "sin(3*x)*y + x**2/4"
#: Default standard deviation of the gradient noise when it is switched on.
DEFAULT_NOISE = 0.5
ERROR_COLOUR = "#b2182b"
_COLUMN = re.compile(r"at column (\d+)")


def help_text() -> str:
    """What a formula may contain, listed from ``core.parse``'s whitelist."""
    functions = ", ".join(parse.FUNCTIONS)
    constants = " and ".join(parse.CONSTANTS)
    variables = " and ".join(parse.VARIABLES)
    return (
        f"Allowed: numbers, the variables {variables}, the constants {constants}, "
        f"+ − * / and ** for powers, parentheses, and the functions {functions}. "
        f"A formula that mentions y is a function of (x, y); you may start with f(x) = "
        f"or f(x, y) =. At most {parse.MAX_LENGTH} characters and {parse.MAX_DEPTH} "
        f"levels of nesting; number exponents lie in [−{parse.MAX_EXPONENT}, "
        f"{parse.MAX_EXPONENT}]. Anything else (names, attributes, strings, lambdas…) is "
        f"refused with its column."
    )


def _noise_scale(value: object) -> float:
    return core._checks.check_real("gradient noise scale", value, low=0.0, high=1e6)


class FunctionEntry(QWidget):
    """A formula entry: ``Use this function`` parses the text with
    ``core.parse_function`` and emits the problem, or shows why not.

    A refused formula never replaces the accepted one: :meth:`problem` keeps
    returning the last accepted problem, and the refused text stays in the
    field so it can be corrected.

    Signals
    -------
    functionAccepted(object)
        A :class:`core.Problem` (named ``"custom"``) for the accepted text.
    noiseChanged(float)
        The gradient-noise scale when the check box or the scale changes;
        ``0.0`` when noise is off.
    """

    functionAccepted = Signal(object)
    noiseChanged = Signal(float)

    def __init__(self, text: str = DEFAULT_TEXT, *, noise: bool = True,
                 button_text: str = "Use this function", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("functionEntry")
        self.edit = QLineEdit()
        self.edit.setObjectName("functionEdit")
        self.edit.setPlaceholderText("e.g. sin(3*x)*y + x**2/4")
        self.edit.setMaxLength(parse.MAX_LENGTH + 100)  # longer text gets core's message
        self.edit.setToolTip("Type f(x) or f(x, y), then press Enter or the button.")
        self.button = QPushButton(button_text)
        self.button.setObjectName("useFunctionButton")
        self.message = QLabel()
        self.message.setObjectName("functionMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # it may quote what was typed
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message.hide()
        self.current = QLabel()
        self.current.setObjectName("functionFormula")
        self.current.setWordWrap(True)
        self.help = QLabel(help_text())
        self.help.setObjectName("functionHelp")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: #555555;")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("f ="))
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.current)
        layout.addWidget(self.help)

        self.noise_check = QCheckBox("Noisy gradients (stochastic / dropout-style)")
        self.noise_check.setObjectName("noiseCheck")
        self.noise_check.setToolTip(
            "Add seeded random noise to every gradient, as a mini-batch gradient or dropout "
            "does: the path jitters and settles near the minimum rather than on it.")
        self.noise_field = NumberField(DEFAULT_NOISE, _noise_scale, fmt="{:.4g}",
                                       tooltip="Standard deviation of the noise added to "
                                               "each gradient component.")
        self.noise_field.setObjectName("noiseScale")
        self.noise_field.setEnabled(False)
        if noise:
            noise_row = QHBoxLayout()
            noise_row.setContentsMargins(0, 0, 0, 0)
            noise_row.addWidget(self.noise_check)
            noise_row.addWidget(QLabel("σ ="))
            noise_row.addWidget(self.noise_field)
            noise_row.addStretch(1)
            layout.addLayout(noise_row)
        else:
            self.noise_check.hide()
            self.noise_field.hide()

        self._problem: core.Problem | None = None
        self._noise = 0.0
        self.button.clicked.connect(self.submit)
        self.edit.returnPressed.connect(self.submit)
        self.noise_check.toggled.connect(self._noise_toggled)
        self.noise_field.valueCommitted.connect(lambda _: self._emit_noise())
        # Check the initial text without sympy (fast start-up); the problem
        # itself is built the first time it is asked for.
        self.edit.setText(text)
        self._initial = ""
        try:
            formula = parse.check_formula(text)
        except ValueError as exc:
            self._refuse(str(exc))
        else:
            self._initial = text
            self.current.setText(f"Using <b>f({', '.join(formula.variables)}) = "
                                 f"{_html(formula.pretty)}</b>")

    # -- formula ------------------------------------------------------------------
    def problem(self) -> core.Problem | None:
        """The last accepted problem (None only if the initial text was refused)."""
        if self._problem is None and self._initial:
            try:
                self._problem = core.parse_function(self._initial)
            except ValueError as exc:
                self._initial = ""
                self._refuse(str(exc))
        return self._problem

    def text(self) -> str:
        """The accepted formula's text (not what is being typed)."""
        if self._problem is not None:
            return self._problem.options["text"]
        return self._initial.strip()

    def error(self) -> str:
        """The message shown for the last refused text ("" after an accepted one)."""
        return self.message.text() if not self.message.isHidden() else ""

    def set_text(self, text: str, *, emit: bool = False) -> bool:
        """Put ``text`` in the field and submit it; True if it was accepted."""
        self.edit.setText(text)
        return self.submit(emit=emit)

    def submit(self, emit: bool = True) -> bool:
        """Check the text with ``core.parse_function``: accept it (and emit
        ``functionAccepted``) or show core's message and keep the old function."""
        text = self.edit.text()
        try:
            problem = core.parse_function(text)
        except ValueError as exc:
            self._refuse(str(exc))
            return False
        self.display(problem)
        if emit:
            self.functionAccepted.emit(problem)
        return True

    def display(self, problem: core.Problem) -> None:
        """Make ``problem`` (an accepted formula, e.g. a lesson's) the current
        function and show its text, without emitting anything."""
        self._problem = problem
        self._initial = ""
        if problem.options.get("text"):
            self.edit.setText(problem.options["text"])
        self.message.hide()
        self.edit.setStyleSheet("")
        self.current.setText(f"Using <b>{_html(problem.formula)}</b>")

    def _refuse(self, message: str) -> None:
        self.message.setText(message)
        if self._problem is not None:
            self.current.setText(f"Still using <b>{_html(self._problem.formula)}</b> "
                                 f"(the text above was not applied)")
        elif self._initial:
            self.current.setText(f"Still using <b>{_html(self._initial.strip())}</b> "
                                 f"(the text above was not applied)")
        self.message.show()
        self.edit.setStyleSheet(f"border: 2px solid {ERROR_COLOUR};")
        m = _COLUMN.search(message)
        if m:  # put the cursor where core found the problem
            self.edit.setCursorPosition(max(0, min(int(m.group(1)) - 1, len(self.edit.text()))))

    # -- gradient noise --------------------------------------------------------------
    def noise_scale(self) -> float:
        """The gradient-noise scale to apply (0.0 when the option is off)."""
        return self._noise

    def set_noise(self, scale: float, *, emit: bool = False) -> None:
        """Switch noise on with ``scale`` (validated), or off with 0."""
        scale = _noise_scale(scale)
        self.noise_check.blockSignals(True)
        self.noise_check.setChecked(scale > 0)
        self.noise_check.blockSignals(False)
        self.noise_field.setEnabled(scale > 0)
        if scale > 0:
            self.noise_field.setValue(scale)
        self._noise = scale
        if emit:
            self.noiseChanged.emit(scale)

    def _noise_toggled(self, on: bool) -> None:
        self.noise_field.setEnabled(on)
        self._emit_noise()

    def _emit_noise(self) -> None:
        scale = float(self.noise_field.value()) if self.noise_check.isChecked() else 0.0
        if scale != self._noise:
            self._noise = scale
            self.noiseChanged.emit(scale)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
