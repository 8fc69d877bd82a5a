"""Save the current set-up as a scenario file (title and explanation asked for)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import core


class SaveScenarioDialog(QDialog):
    """Asks for a title and a 60–150-word explanation, validates, saves atomically."""

    def __init__(self, parent: QWidget | None, data: dict):
        super().__init__(parent)
        self.setObjectName("saveScenarioDialog")
        self.setWindowTitle("Save the current set-up as a scenario")
        self.data = data
        self.title = QLineEdit(data.get("title", ""))
        self.title.setObjectName("scenarioTitleField")
        self.explanation = QPlainTextEdit(data.get("explanation", ""))
        self.explanation.setObjectName("scenarioExplanationField")
        self.explanation.setPlaceholderText(
            "What should students watch for, and what does it mean? (60–150 words)")
        self.words = QLabel()
        self.message = QLabel()
        self.message.setObjectName("saveMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b2182b;")
        self.explanation.textChanged.connect(self._count)
        save = QPushButton("Save…")
        save.setObjectName("saveButton")
        save.clicked.connect(self._save_clicked)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Title"))
        layout.addWidget(self.title)
        layout.addWidget(QLabel("Explanation for students"))
        layout.addWidget(self.explanation, 1)
        layout.addWidget(self.words)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.saved: Path | None = None
        self._count()
        self.resize(560, 420)

    def _count(self) -> None:
        n = len(re.findall(r"\S+", self.explanation.toPlainText()))
        lo, hi = core.scenarios.EXPLANATION_WORDS
        self.words.setText(f"{n} words (a scenario needs {lo}–{hi})")

    def scenario(self) -> core.Scenario:
        """Validate the form as a scenario (ValueError says what is wrong)."""
        data = dict(self.data)
        data["title"] = self.title.text().strip()
        data["explanation"] = self.explanation.toPlainText().strip()
        return core.scenarios.scenario_from_dict(data, name=_slug(data["title"]))

    def save_to(self, path: str | Path) -> bool:
        """Validate and save atomically to ``path``; show why not on failure."""
        try:
            self.saved = Path(core.save_scenario(self.scenario(), path).path or path)
        except (ValueError, OSError) as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("")
        return True

    def _save_clicked(self) -> None:
        try:
            scenario = self.scenario()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        default = str(core.SCENARIO_DIR / f"{scenario.name}.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", default,
                                              "Scenarios (*.toml)")
        if path and self.save_to(path):
            self.accept()


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return slug or "my_scenario"
