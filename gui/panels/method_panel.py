"""Method panel: tick one or more methods to race; the selected one's controls
are built from its hyperparameter specification (no hand-made forms)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

import core
from core._checks import check_int, check_real

from ..style import race_colour
from ..widgets import NumberField, compact_combo

GROUP_TITLES = {
    "first-order": "First-order (gradient)",
    "second-order": "Second-order (curvature)",
    "derivative-free": "Derivative-free and global",
}

#: Hyperparameters of first-order methods set by a panel of their own.
SHARED_PARAMS = ("lr",)


def _shared(method: core.Method, name: str) -> bool:
    """True if ``name`` comes from the Learning-rate panel for this method."""
    return name in SHARED_PARAMS and method.group == "first-order"
NAME_ROLE = Qt.ItemDataRole.UserRole


class MethodPanel(QWidget):
    """Chooses the racing methods, their hyperparameters, ascent/descent and run length.

    Signals
    -------
    racersChanged(list)
        The ticked methods changed: a list of ``(name, hyperparameters)``.
    hyperChanged(str, dict)
        A hyperparameter of method ``name`` changed.
    settingsChanged()
        Ascent/descent, step limit or tolerance changed.
    """

    racersChanged = Signal(list)
    hyperChanged = Signal(str, dict)
    settingsChanged = Signal()
    #: The method whose controls are shown changed (the user clicked another one).
    shownChanged = Signal(str)

    def __init__(self, method: str = "gd", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("methodPanel")
        self.tree = QTreeWidget()
        self.tree.setObjectName("methodTree")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setToolTip("Tick several methods to race them from the same start.")
        self._items: dict[str, QTreeWidgetItem] = {}
        self._hypers: dict[str, dict[str, Any]] = {}
        self._checked: list[str] = []
        self._colours: dict[str, str] = {}  # see set_colours
        for group, heading in GROUP_TITLES.items():
            members = [m for m in core.METHODS.values() if m.group == group]
            if not members:
                continue
            top = QTreeWidgetItem([heading])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            for m in members:
                item = QTreeWidgetItem([m.title])
                item.setData(0, NAME_ROLE, m.name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setToolTip(0, m.summary)
                top.addChild(item)
                self._items[m.name] = item
                self._hypers[m.name] = {p.name: p.default for p in m.params
                                        if not _shared(m, p.name)}
            top.setExpanded(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("methodSummary")
        self.params_box = QGroupBox("Hyperparameters")
        self.params_form = QFormLayout(self.params_box)
        self.maximize = QCheckBox("Climb instead (maximise)")
        self.maximize.setObjectName("maximizeCheck")
        self.maximize.setToolTip("Gradient ascent: follow the gradient uphill, so the loss is "
                                 "made as large as possible.")
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
        layout.addWidget(QLabel("Tick methods to race; click one to edit it"))
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.params_box)
        layout.addWidget(run_box)
        self._fields: dict[str, Any] = {}
        self._shown = ""
        self.set_method(method)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.maximize.toggled.connect(lambda _: self.settingsChanged.emit())
        self.steps.valueCommitted.connect(lambda _: self.settingsChanged.emit())
        self.tol.valueCommitted.connect(lambda _: self.settingsChanged.emit())

    # -- state ---------------------------------------------------------------
    def method(self) -> str:
        """The method whose controls are shown."""
        return self._shown

    def racers(self) -> list[tuple[str, dict[str, Any]]]:
        """Ticked methods with their hyperparameters, in the order they were ticked."""
        return [(name, dict(self._hypers[name])) for name in self._checked]

    def hyper(self, name: str | None = None) -> dict[str, Any]:
        """Hyperparameters of ``name`` (default: the shown method), shared ones excluded."""
        return dict(self._hypers[name or self._shown])

    def set_method(self, name: str, *, emit: bool = False) -> None:
        """Race ``name`` alone and show its controls."""
        self.set_racers([name], emit=emit)

    def set_racers(self, names: list[str], *, emit: bool = False) -> None:
        """Tick exactly ``names`` (in this order) and show the first one's controls."""
        for n in names:
            core.get_method(n)
        self.tree.blockSignals(True)
        for key, item in self._items.items():
            item.setCheckState(0, Qt.CheckState.Checked if key in names else Qt.CheckState.Unchecked)
        self.tree.blockSignals(False)
        self._checked = list(dict.fromkeys(names))
        self._colours = {}
        self._recolour()
        if names:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(self._items[names[0]])
            self.tree.blockSignals(False)
            self._show_controls(names[0])
        if emit:
            self.racersChanged.emit(self.racers())

    def set_hyper(self, name: str, values: dict[str, Any]) -> None:
        """Set hyperparameters of ``name`` (validated), updating its controls if shown."""
        method = core.get_method(name)
        checked = method.validate(**{**self._hypers[name], **values})
        self._hypers[name].update({k: v for k, v in checked.items() if not _shared(method, k)})
        if name == self._shown:
            self._show_controls(name)

    # -- controls --------------------------------------------------------------
    def _show_controls(self, name: str) -> None:
        method = core.get_method(name)
        self._shown = name
        self.summary.setText(f"<b>{method.title}</b>: {method.summary}")
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self._fields.clear()
        for spec in method.params:
            if _shared(method, spec.name):
                continue
            self.params_form.addRow(spec.display, self._control(name, spec))
        if not self._fields:
            text = "(uses only the shared learning rate)" \
                if any(p.name == "lr" for p in method.params) else "(no settings)"
            self.params_form.addRow(QLabel(text))
        # (The method's name is in bold just above: a longer title could make
        # the panel wider than its dock.)
        self.params_box.setToolTip(f"Hyperparameters of {method.title}")

    def _control(self, method: str, spec: core.HyperParam) -> QWidget:
        value = self._hypers[method][spec.name]
        tip = f"{spec.help}. Allowed: {spec.allowed()}."
        if spec.kind == "choice":
            widget = compact_combo(list(spec.choices))
            widget.setCurrentText(str(value))
            widget.currentTextChanged.connect(lambda v, n=spec.name: self._set(method, n, v))
        elif spec.kind == "bool":
            widget = QCheckBox()
            widget.setChecked(bool(value))
            widget.toggled.connect(lambda v, n=spec.name: self._set(method, n, bool(v)))
        else:
            fmt = "{:d}" if spec.kind == "int" else "{:.6g}"
            widget = NumberField(value, spec.check, fmt=fmt, tooltip=tip)
            widget.valueCommitted.connect(lambda v, n=spec.name: self._set(method, n, v))
        widget.setObjectName(f"param_{spec.name}")
        widget.setToolTip(tip)
        self._fields[spec.name] = widget
        return widget

    def _set(self, method: str, name: str, value: Any) -> None:
        self._hypers[method][name] = value
        self.hyperChanged.emit(method, {name: value})

    def set_colours(self, colours: dict[str, str]) -> None:
        """Colour ticked methods as their runs are drawn, where that is not by their
        place in the list: a lesson racing one method twice (pure and damped Newton)
        shifts the colours of the methods after it."""
        self._colours = dict(colours)
        self._recolour()

    def _recolour(self) -> None:
        with QSignalBlocker(self.tree):  # a new colour is no tick (itemChanged)
            self._paint_items()

    def _paint_items(self) -> None:
        for key, item in self._items.items():
            if key in self._checked:
                colour = self._colours.get(key) or race_colour(self._checked.index(key))
                item.setForeground(0, QBrush(QColor(colour)))
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            else:
                item.setForeground(0, QBrush())
                font = item.font(0)
                font.setBold(False)
                item.setFont(0, font)

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, NAME_ROLE)
        if not name:
            return
        ticked = item.checkState(0) == Qt.CheckState.Checked
        if ticked and name not in self._checked:
            self._checked.append(name)
        elif not ticked and name in self._checked:
            if len(self._checked) == 1:  # at least one method always races
                self.tree.blockSignals(True)
                item.setCheckState(0, Qt.CheckState.Checked)
                self.tree.blockSignals(False)
                return
            self._checked.remove(name)
        self._colours = {}  # the ticked list is the race now: colours by place
        self._recolour()
        self._show_controls(name)
        self.racersChanged.emit(self.racers())

    def _current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        name = current.data(0, NAME_ROLE) if current is not None else None
        if name:
            self._show_controls(name)
            self.shownChanged.emit(name)
