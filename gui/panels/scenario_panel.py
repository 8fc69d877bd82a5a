"""Scenarios panel: one-click lessons from assets/scenarios, with their
explanation shown beside the plots; open and save scenario files."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import core

from ..threads import WorkerPool

ROLE = Qt.ItemDataRole.UserRole


class ScenarioPanel(QWidget):
    """Lists the scenarios; choosing one emits :attr:`chosen`.

    Signals
    -------
    chosen(object)
        A :class:`core.Scenario` to set up.
    openRequested(), saveRequested()
        The user asked to open a file or save the current set-up.
    """

    chosen = Signal(object)
    openRequested = Signal()
    saveRequested = Signal()
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("scenarioPanel")
        self.list = QListWidget()
        self.list.setObjectName("scenarioList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.title = QLabel()
        self.title.setObjectName("scenarioTitle")
        self.title.setWordWrap(True)
        self.explanation = QTextBrowser()
        self.explanation.setObjectName("scenarioExplanation")
        self.explanation.setOpenExternalLinks(False)
        self.message = QLabel()
        self.message.setObjectName("scenarioMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        open_button = QPushButton("Open…")
        open_button.setObjectName("openScenarioButton")
        open_button.clicked.connect(self.openRequested)
        save_button = QPushButton("Save current…")
        save_button.setObjectName("saveScenarioButton")
        save_button.clicked.connect(self.saveRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Lessons (keys 1–9 load the first nine)"))
        layout.addWidget(self.list, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation, 3)
        self.scenarios: list[core.Scenario] = []
        self._pool = WorkerPool(self)
        self._stop = threading.Event()
        self.list.addItem("Loading the lessons…")
        self._started = False
        self._closed = False
        self._listed = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._started:
            # Read the lessons once the window is on screen: validating builds
            # problems (and imports sympy for formulas): not before the first frame.
            self._started = True
            QTimer.singleShot(300, self.reload)

    def reload(self) -> None:
        """Read the scenario folder in a background thread (validating every file
        builds its problem, which can take a second: the window must not wait)."""
        from superqt.utils import create_worker

        if self._closed:
            return
        self.list.clear()
        self.list.addItem("Loading the lessons…")
        self._stop.set()  # a reading still going on is for the old list
        self._stop = stop = threading.Event()
        worker = create_worker(_read_scenarios, stop.is_set, _start_thread=False)
        # A reader told to stop returns part of the list: it is not shown.
        worker.returned.connect(lambda result: stop.is_set() or self._show_list(result))
        worker.errored.connect(lambda exc: stop.is_set() or self._show_list(([], [str(exc)])))
        self._pool.start(worker)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Wait for the reading thread (before the window closes)."""
        self._closed = True
        self._stop.set()  # the reader stops before its next file
        self._pool.wait(timeout_ms)

    @property
    def loading(self) -> bool:
        """True until the lessons have been read (or reading failed)."""
        return not self._listed

    def _show_list(self, result: tuple[list, list[str]]) -> None:
        self._listed = True
        scenarios, errors = result
        self.scenarios = list(scenarios)
        self.list.clear()
        if errors:
            self.show_error("Skipped a broken scenario file: " + errors[0])
        for i, s in enumerate(self.scenarios):
            prefix = f"{i + 1}. " if i < 9 else "    "
            item = QListWidgetItem(f"{prefix}{s.title}")
            item.setData(ROLE, i)
            item.setToolTip(s.explanation)
            self.list.addItem(item)
        self.loaded.emit()

    def scenario(self, index: int) -> core.Scenario | None:
        """The ``index``-th listed scenario (0-based), if any."""
        return self.scenarios[index] if 0 <= index < len(self.scenarios) else None

    def choose(self, index: int) -> bool:
        """Select and emit the ``index``-th scenario."""
        s = self.scenario(index)
        if s is None:
            return False
        self.list.setCurrentRow(index)
        self.chosen.emit(s)
        return True

    def show_scenario(self, scenario: core.Scenario) -> None:
        """Show a scenario's title and explanation."""
        self.message.hide()
        self.title.setText(f"<b>{scenario.title}</b>")
        paragraphs = [p.strip() for p in scenario.explanation.split("\n\n") if p.strip()]
        self.explanation.setHtml("".join(f"<p>{_escape(p)}</p>" for p in paragraphs))

    def show_error(self, text: str) -> None:
        """A scenario could not be used: say why (the current set-up stays)."""
        self.message.setText(f"<span style='color:#b2182b'>{_escape(text)}</span>")
        self.message.show()

    def _activated(self, item: QListWidgetItem) -> None:
        index = item.data(ROLE)
        if index is not None:
            self.chosen.emit(self.scenarios[int(index)])


def _read_scenarios(should_stop) -> tuple[list[core.Scenario], list[str]]:
    errors: list[str] = []
    return core.list_scenarios(errors=errors, should_stop=should_stop), errors


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
