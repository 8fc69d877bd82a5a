"""Method panel: choose a method; its controls are built from its specification."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

import core
from core._checks import check_int, check_real

from ..widgets import NumberField
from .dataset_panel import grouped_combo, select_data

GROUP_TITLES = {
    "first-order": "First-order (gradient)",
    "second-order": "Second-order (curvature)",
    "derivative-free": "Derivative-free and global",
}

#: Hyperparameters with a panel of their own.
SHARED_PARAMS = ("lr",)


class MethodPanel(QWidget):
    """Chooses the method, its hyperparameters, ascent/descent and run length."""

    methodChanged = Signal(str)
    hyperChanged = Signal(dict)
    settingsChanged = Signal()

    def __init__(self, method: str = "gd", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("methodPanel")
        entries = [(m.name, m.title, m.group) for m in core.METHODS.values()]
        self.combo = grouped_combo(entries, GROUP_TITLES)
        self.combo.setObjectName("methodCombo")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("methodSummary")
        self.params_box = QGroupBox("Hyperparameters")
        self.params_form = QFormLayout(self.params_box)
        self.maximize = QCheckBox("Climb instead (gradient ascent: maximise)")
        self.maximize.setObjectName("maximizeCheck")
        self.maximize.setToolTip("Follow the gradient uphill: the loss is made as large as possible.")
        self.steps = NumberField(500, lambda v: check_int("steps", v, low=1, high=10_000_000),
                                 fmt="{:d}", tooltip="Largest number of iterations.")
        self.steps.setObjectName("stepsField")
        self.tol = NumberField(1e-8, lambda v: check_real("tolerance", v, low=0.0),
                               tooltip="Stop when the gradient norm is below this (0 = never stop early).")
        self.tol.setObjectName("tolField")
        run_box = QGroupBox("Run")
        run_form = QFormLayout(run_box)
        run_form.addRow(self.maximize)
        run_form.addRow("Max steps", self.steps)
        run_form.addRow("Tolerance", self.tol)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Method"))
        layout.addWidget(self.combo)
        layout.addWidget(self.summary)
        layout.addWidget(self.params_box)
        layout.addWidget(run_box)
        layout.addStretch(1)
        self._fields: dict[str, Any] = {}
        self._hyper: dict[str, Any] = {}
        self._name = ""
        self.set_method(method)
        self.combo.currentIndexChanged.connect(self._picked)
        self.maximize.toggled.connect(lambda _: self.settingsChanged.emit())
        self.steps.valueCommitted.connect(lambda _: self.settingsChanged.emit())
        self.tol.valueCommitted.connect(lambda _: self.settingsChanged.emit())

    # -- state ---------------------------------------------------------------
    def method(self) -> str:
        """Name of the selected method."""
        return self._name

    def hyper(self) -> dict[str, Any]:
        """Hyperparameters set in this panel (not the shared ones such as lr)."""
        return dict(self._hyper)

    def set_method(self, name: str, *, emit: bool = False) -> None:
        """Select ``name`` and rebuild its controls from its specification."""
        method = core.get_method(name)
        self._name = name
        self.combo.blockSignals(True)
        select_data(self.combo, name)
        self.combo.blockSignals(False)
        self.summary.setText(method.summary)
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self._fields.clear()
        self._hyper = {}
        for spec in method.params:
            if spec.name in SHARED_PARAMS:
                continue
            self._hyper[spec.name] = spec.default
            self.params_form.addRow(spec.display, self._control(spec))
        if not self._fields:
            self.params_form.addRow(QLabel("(only the learning rate)"))
        if emit:
            self.methodChanged.emit(name)

    def _control(self, spec: core.HyperParam) -> QWidget:
        if spec.kind == "choice":
            widget = QComboBox()
            widget.addItems(list(spec.choices))
            widget.setCurrentText(spec.default)
            widget.currentTextChanged.connect(lambda v, n=spec.name: self._set(n, v))
        elif spec.kind == "bool":
            widget = QCheckBox()
            widget.setChecked(bool(spec.default))
            widget.toggled.connect(lambda v, n=spec.name: self._set(n, bool(v)))
        else:
            fmt = "{:d}" if spec.kind == "int" else "{:.6g}"
            widget = NumberField(spec.default, spec.check, fmt=fmt,
                                 tooltip=f"{spec.help}. Allowed: {spec.allowed()}.")
            widget.valueCommitted.connect(lambda v, n=spec.name: self._set(n, v))
        widget.setObjectName(f"param_{spec.name}")
        widget.setToolTip(f"{spec.help}. Allowed: {spec.allowed()}.")
        self._fields[spec.name] = widget
        return widget

    def _set(self, name: str, value: Any) -> None:
        self._hyper[name] = value
        self.hyperChanged.emit({name: value})

    def _picked(self, index: int) -> None:
        key = self.combo.itemData(index)
        if key and key != self._name:
            self.set_method(key, emit=True)
