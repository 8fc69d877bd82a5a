"""Dataset / problem panel: which landscape (later: which model and data)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

import core

KIND_TITLES = {"landscape": "Landscapes (2-D)", "1-D": "Curves (1-D)", "model": "Models on data"}


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


def select_data(combo: QComboBox, key: str) -> None:
    """Select the entry whose item data is ``key``."""
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)


class DatasetPanel(QWidget):
    """Chooses the problem and explains it."""

    problemChanged = Signal(str)

    def __init__(self, problem: str = "two_bumps", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        entries = [(e.name, e.title, e.kind) for e in core.PROBLEMS.values()]
        self.combo = grouped_combo(entries, KIND_TITLES)
        self.combo.setObjectName("problemCombo")
        self.formula = QLabel()
        self.formula.setObjectName("problemFormula")
        self.formula.setWordWrap(True)
        self.description = QLabel()
        self.description.setObjectName("problemDescription")
        self.description.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Problem"))
        layout.addWidget(self.combo)
        layout.addWidget(self.formula)
        layout.addWidget(self.description)
        layout.addStretch(1)
        self._name = ""
        self.set_problem(problem)
        self.combo.currentIndexChanged.connect(self._picked)

    def problem(self) -> str:
        """Name of the selected problem."""
        return self._name

    def set_problem(self, name: str, *, emit: bool = False) -> None:
        """Select ``name`` and show its formula and description."""
        problem = core.get_problem(name)
        self._name = name
        self.combo.blockSignals(True)
        select_data(self.combo, name)
        self.combo.blockSignals(False)
        self.formula.setText(f"<b>{problem.formula}</b>")
        self.description.setText(problem.description)
        if emit:
            self.problemChanged.emit(name)

    def _picked(self, index: int) -> None:
        key = self.combo.itemData(index)
        if key and key != self._name:
            self.set_problem(key, emit=True)
