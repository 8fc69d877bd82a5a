"""Dataset / problem panel: which landscape, curve or model-on-data; the
model's options (data set, loss, numerics, seed), user CSV files, and which
2-D slice of a many-parameter model the maps show."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import core
from core._checks import check_int, check_real

from ..widgets import NumberField, compact_combo

KIND_TITLES = {"landscape": "Landscapes (2-D)", "1-D": "Curves (1-D)", "model": "Models on data"}
RANDOM_DIRECTIONS = "random"


def grouped_combo(entries: list[tuple[str, str, str]], groups: dict[str, str]) -> QComboBox:
    """A combo box listing ``(key, title, group)`` entries under bold, unselectable group headers."""
    combo = QComboBox()
    model = combo.model()
    for group, heading in groups.items():
        members = [e for e in entries if e[2] == group]
        if not members:
            continue
        combo.addItem(heading)
        header = model.item(model.rowCount() - 1) if isinstance(model, QStandardItemModel) else None
        if header is not None:
            header.setEnabled(False)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
        for key, title, _ in members:
            combo.addItem(f"   {title}", key)
    return combo


def select_data(combo: QComboBox, key: Any) -> None:
    """Select the entry whose item data is ``key``."""
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)


def _option_check(spec: core.OptionSpec):
    """Validator for a numeric problem option."""
    if spec.kind == "int":
        return lambda v: check_int(spec.name, v, low=0, high=2**31 - 1)
    return lambda v: check_real(spec.name, v, low=0.0)


class DatasetPanel(QWidget):
    """Chooses the problem, its options and the slice; explains the problem.

    Signals
    -------
    problemChanged(str, dict)
        The problem or one of its options changed: name and options (the
        ``dataset`` option may be a loaded :class:`core.Dataset`).
    sliceChanged(object)
        ``(i, j)`` parameter indices, or ``"random"`` for two random directions.
    """

    problemChanged = Signal(str, dict)
    sliceChanged = Signal(object)

    def __init__(self, problem: str = "two_bumps", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        entries = [(e.name, e.title, e.kind) for e in core.PROBLEMS.values()]
        self.combo = grouped_combo(entries, KIND_TITLES)
        self.combo.setObjectName("problemCombo")
        self.combo.setPlaceholderText("Your own function (typed below)")
        self.options_box = QGroupBox("Model and data")
        self.options_form = QFormLayout(self.options_box)
        self.csv_button: QPushButton | None = None
        self.csv_message = QLabel()
        self.csv_message.setObjectName("csvMessage")
        self.csv_message.setWordWrap(True)
        self.csv_message.hide()
        self.slice_box = QGroupBox("Slice shown on the maps")
        slice_row = QHBoxLayout(self.slice_box)
        self.slice_u = QComboBox()
        self.slice_u.setObjectName("sliceU")
        self.slice_v = QComboBox()
        self.slice_v.setObjectName("sliceV")
        slice_row.addWidget(self.slice_u)
        slice_row.addWidget(QLabel("×"))
        slice_row.addWidget(self.slice_v)
        self.slice_u.currentIndexChanged.connect(lambda _: self._slice_picked())
        self.slice_v.currentIndexChanged.connect(lambda _: self._slice_picked())
        self.formula = QLabel()
        self.formula.setObjectName("problemFormula")
        self.formula.setWordWrap(True)
        self.description = QLabel()
        self.description.setObjectName("problemDescription")
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)  # "z < 0" is not a tag
        from .function_entry import FunctionEntry

        self.function_box = QGroupBox("Or type your own f(x) or f(x, y)")
        self.function_box.setObjectName("functionBox")
        self.function_box.setToolTip("Tick to type a formula in x (and y); its derivatives "
                                     "are worked out for you.")
        self.function_box.setCheckable(True)
        self.function_box.setChecked(False)
        self.function_entry = FunctionEntry()
        box_layout = QVBoxLayout(self.function_box)
        box_layout.addWidget(self.function_entry)
        self.function_entry.setVisible(False)
        self.function_box.toggled.connect(self.function_entry.setVisible)
        self.function_entry.functionAccepted.connect(self._describe)
        self.function_entry.functionAccepted.connect(lambda _p: self._combo_shows_function())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Problem"))
        layout.addWidget(self.combo)
        layout.addWidget(self.function_box)
        layout.addWidget(self.options_box)
        layout.addWidget(self.csv_message)
        layout.addWidget(self.slice_box)
        layout.addWidget(self.formula)
        layout.addWidget(self.description, 1)
        self._name = ""
        self._options: dict[str, Any] = {}
        self._csv: core.Dataset | None = None
        self.set_problem(problem)
        self.combo.currentIndexChanged.connect(self._picked)

    # -- state ----------------------------------------------------------------
    def problem(self) -> str:
        """Name of the selected problem."""
        return self._name

    def options(self) -> dict[str, Any]:
        """The selected problem's options."""
        return dict(self._options)

    def slice_choice(self) -> Any:
        """``(i, j)`` or ``"random"``."""
        u, v = self.slice_u.currentData(), self.slice_v.currentData()
        if u == RANDOM_DIRECTIONS or v == RANDOM_DIRECTIONS:
            return RANDOM_DIRECTIONS
        if u is None or v is None:
            return (0, 1)
        return (int(u), int(v))

    def set_problem(self, name: str, options: dict[str, Any] | None = None, *,
                    emit: bool = False) -> core.Problem:
        """Select ``name`` with ``options`` (validated by building the problem)."""
        opts = dict(options or {})
        problem = core.get_problem(name, **opts)
        self._name = name
        self._options = opts
        self.combo.blockSignals(True)
        select_data(self.combo, name)
        self.combo.blockSignals(False)
        self._build_options(name)
        self._build_slice(problem)
        self._describe(problem)
        if emit:
            self.problemChanged.emit(name, dict(opts))
        return problem

    def show_function(self, problem: core.Problem) -> None:
        """Show a formula problem (``core.parse_function``, e.g. a lesson's) as the
        current problem: its text in the function box, its formula and description
        below (nothing is emitted)."""
        self.function_box.setChecked(True)
        self.function_entry.display(problem)
        self._combo_shows_function()
        self._build_options("custom")
        self._build_slice(problem)
        self._describe(problem)

    def _combo_shows_function(self) -> None:
        """The problem list names no listed problem while a typed function is used."""
        self._name = "custom"  # so that picking the previous problem again takes effect
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(-1)  # shows the placeholder text
        self.combo.blockSignals(False)

    def _describe(self, problem: core.Problem) -> None:
        self.formula.setText(f"<b>{html.escape(problem.formula or '')}</b>")
        self.description.setText(problem.description)

    # -- option controls --------------------------------------------------------------
    def _build_options(self, name: str) -> None:
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        specs = [s for s in core.problem_options(name) if s.kind in ("choice", "int", "float")]
        self.options_box.setVisible(bool(specs))
        for spec in specs:
            value = self._options.get(spec.name, spec.default)
            if spec.kind == "choice":
                widget = compact_combo()
                for choice in spec.choices:
                    widget.addItem(choice, choice)
                if spec.name == "dataset" and isinstance(value, core.Dataset):
                    widget.addItem(f"file: {value.name}", value.name)
                    widget.setCurrentIndex(widget.count() - 1)
                else:
                    widget.setCurrentIndex(max(widget.findData(value), 0))
                widget.currentIndexChanged.connect(
                    lambda _i, w=widget, n=spec.name: self._option_picked(n, w.currentData()))
            else:
                fmt = "{:d}" if spec.kind == "int" else "{:.6g}"
                widget = NumberField(value, _option_check(spec), fmt=fmt, tooltip=spec.help)
                widget.valueCommitted.connect(lambda v, n=spec.name: self._option_picked(n, v))
            widget.setObjectName(f"option_{spec.name}")
            widget.setToolTip(spec.help)
            if spec.name == "dataset":
                row = QWidget()
                box = QHBoxLayout(row)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(widget, 1)
                # Rebuilt with the form: removing a form row deletes its widgets.
                self.csv_button = QPushButton("Load CSV…")
                self.csv_button.setObjectName("loadCsvButton")
                self.csv_button.setToolTip("Columns x1,x2,label (two classes) for classifiers, "
                                           "or x,y for fitting.")
                self.csv_button.clicked.connect(self._choose_csv)
                box.addWidget(self.csv_button)
                self.options_form.addRow("data set", row)
            else:
                self.options_form.addRow(spec.name, widget)

    def _option_picked(self, name: str, value: Any) -> None:
        if name == "dataset" and self._csv is not None and value == self._csv.name:
            value = self._csv
        new = {**self._options, name: value}
        try:
            core.get_problem(self._name, **new)
        except ValueError as exc:
            self._show_csv_message(str(exc))
            return
        self._options = new
        self.csv_message.hide()
        self.problemChanged.emit(self._name, dict(new))

    # -- CSV ----------------------------------------------------------------------------
    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a data set", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.load_csv(path)

    def load_csv(self, path: str) -> bool:
        """Load ``path`` as this model's data; on error show why and keep the old data."""
        try:
            data = core.load_csv(path)
            core.get_problem(self._name, **{**self._options, "dataset": data})
        except ValueError as exc:
            self._show_csv_message(str(exc))
            return False
        self._csv = data
        self._options = {**self._options, "dataset": data}
        self._build_options(self._name)
        self.csv_message.hide()
        self.problemChanged.emit(self._name, dict(self._options))
        return True

    def _show_csv_message(self, text: str) -> None:
        self.csv_message.setText(f"<span style='color:#b2182b'>{text} The previous data are still loaded.</span>")
        self.csv_message.show()

    # -- slices -------------------------------------------------------------------------
    def _build_slice(self, problem: core.Problem) -> None:
        many = problem.dim > 2
        self.slice_box.setVisible(many)
        for box, default in ((self.slice_u, 0), (self.slice_v, 1)):
            box.blockSignals(True)
            box.clear()
            if many:
                for i, name in enumerate(problem.coords):
                    box.addItem(name, i)
                box.addItem("random direction", RANDOM_DIRECTIONS)
                box.setCurrentIndex(default)
            box.blockSignals(False)

    def _slice_picked(self) -> None:
        u, v = self.slice_u.currentData(), self.slice_v.currentData()
        if u == v and u != RANDOM_DIRECTIONS:  # the same parameter twice: move the other one
            other = self.slice_v if self.sender() is self.slice_u else self.slice_u
            other.blockSignals(True)
            other.setCurrentIndex((other.currentIndex() + 1) % max(other.count() - 1, 1))
            other.blockSignals(False)
        self.sliceChanged.emit(self.slice_choice())

    def _picked(self, index: int) -> None:
        key = self.combo.itemData(index)
        if key and key != self._name:
            self._csv = None
            self.set_problem(key, {}, emit=True)
