"""Optiscope's main window: panels on the left, the landscape and the loss on the right."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

import core

from .controller import RunController, RunSettings
from .panels.dataset_panel import DatasetPanel
from .panels.learning_rate_panel import LearningRatePanel
from .panels.method_panel import MethodPanel
from .style import STATUS_COLOURS
from .views.landscape_view import LandscapeView
from .views.loss_view import LossView
from .widgets import Banner

SPEEDS = (("1 step/s", 1.0), ("5 steps/s", 5.0), ("20 steps/s", 20.0), ("60 steps/s", 60.0),
          ("300 steps/s", 300.0), ("Fastest", 0.0))


class MainWindow(QMainWindow):
    """The whole application window. Takes no required arguments."""

    def __init__(self, settings: RunSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Optiscope — watch optimisation happen")
        self.controller = RunController(settings, parent=self)
        s = self.controller.settings

        self.dataset_panel = DatasetPanel(s.problem)
        self.method_panel = MethodPanel(s.methods[0][0])
        self.lr_panel = LearningRatePanel(s.lr)
        for title, panel in (("Dataset", self.dataset_panel), ("Method", self.method_panel),
                             ("Learning rate", self.lr_panel)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{panel.objectName()}Dock")
            dock.setWidget(panel)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.banner = Banner()
        self.landscape = LandscapeView()
        self.loss = LossView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.landscape)
        splitter.addWidget(self.loss)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self._build_toolbar()
        self.status_line = QLabel()
        self.status_line.setObjectName("statusLine")
        self.statusBar().addWidget(self.status_line, 1)

        c = self.controller
        c.updated.connect(self._refresh)
        c.stateChanged.connect(self._state_changed)
        c.problemChanged.connect(self._problem_changed)
        c.startChanged.connect(self.landscape.set_start)
        c.failed.connect(self._show_failure)
        self.dataset_panel.problemChanged.connect(c.set_problem)
        self.method_panel.methodChanged.connect(self._method_changed)
        self.method_panel.hyperChanged.connect(lambda ch: c.set_hyper(0, ch))
        self.method_panel.settingsChanged.connect(self._run_options_changed)
        self.lr_panel.lrChanged.connect(c.set_lr)
        self.landscape.startPicked.connect(c.set_start)
        self._problem_changed(c.problem)
        self.landscape.set_start(c.settings.start)
        self._refresh()
        self._state_changed(c.state)
        self.resize(1400, 860)

    # -- building ------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Run")
        bar.setObjectName("runToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.play_action = QAction("▶  Play", self)
        self.play_action.setObjectName("playAction")
        self.play_action.setShortcut(QKeySequence("Ctrl+P"))
        self.play_action.triggered.connect(self.controller.toggle)
        self.step_action = QAction("Step", self)
        self.step_action.setObjectName("stepAction")
        self.step_action.triggered.connect(self.controller.step)
        self.reset_action = QAction("↺  Reset", self)
        self.reset_action.setObjectName("resetAction")
        self.reset_action.triggered.connect(self.controller.reset)
        for action in (self.play_action, self.step_action, self.reset_action):
            bar.addAction(action)
            button = bar.widgetForAction(action)
            if button is not None:
                button.setObjectName(action.objectName().replace("Action", "Button"))
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed: "))
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speedCombo")
        for label, value in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setCurrentIndex(3)
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.controller.set_speed(self.speed_combo.itemData(i)))
        bar.addWidget(self.speed_combo)
        self.addToolBar(bar)

    # -- scripting ---------------------------------------------------------------
    def apply(self, *, problem: str | None = None, method: str | None = None,
              lr: float | None = None, start: Any = None, steps: int | None = None,
              maximize: bool | None = None, tol: float | None = None) -> None:
        """Set up a configuration as a user would, validating every value.

        Raises ValueError (from ``core``) naming the bad parameter.
        """
        c = self.controller
        if problem is not None:
            core.get_problem(problem)
            self.dataset_panel.set_problem(problem, emit=True)
        if method is not None:
            core.get_method(method)
            self.method_panel.set_method(method, emit=True)
        if lr is not None:
            lr = core.METHODS["gd"].param("lr").check(lr)
            self.lr_panel.set_lr(lr)
            c.set_lr(lr)
        if steps is not None or maximize is not None or tol is not None:
            if steps is not None:
                self.method_panel.steps.setValue(core._checks.check_int("steps", steps, low=1))
            if maximize is not None:
                self.method_panel.maximize.setChecked(bool(maximize))
            if tol is not None:
                self.method_panel.tol.setValue(core._checks.check_real("tol", tol, low=0.0))
            self._run_options_changed()
        if start is not None:
            x = core._checks.check_point("start", start, c.problem.dim, batch=False)
            c.set_start(x)

    # -- reactions -----------------------------------------------------------------
    def _method_changed(self, name: str) -> None:
        self.controller.set_methods([(name, self.method_panel.hyper())])

    def _run_options_changed(self) -> None:
        mp = self.method_panel
        self.controller.set_run_options(maximize=mp.maximize.isChecked(),
                                        steps=int(mp.steps.value()), tol=float(mp.tol.value()))

    def _problem_changed(self, problem: core.Problem) -> None:
        self.landscape.set_problem(problem)
        self.landscape.set_start(self.controller.settings.start)
        floor = float(problem.value(problem.minima).min()) if problem.minima.size else None
        self.loss.set_floor(floor)
        self.loss.clear()

    def _state_changed(self, state: str) -> None:
        self.play_action.setText("⏸  Pause" if state == "running" else "▶  Play")
        self.step_action.setEnabled(state != "running" and state != "finished")
        self._refresh()

    def _refresh(self) -> None:
        c = self.controller
        racers = [r for r in c.racers if r.trace is not None]
        self.landscape.set_paths([(r.colour, r.trace) for r in racers])
        if not any(r.trace.n or r.trace.last_step >= 0 for r in racers):
            self.loss.clear()
        self.loss.set_runs([(r.label, r.colour, r.trace, r.status) for r in racers])
        self._update_texts()

    def _update_texts(self) -> None:
        c = self.controller
        racers = c.racers
        if not racers:
            return
        lead = racers[0]
        if lead.status == "error":
            self.banner.show_message(lead.message, STATUS_COLOURS["diverged"])
            self.status_line.setText("")
            return
        trace = lead.trace
        if trace is None or trace.last_step < 0:
            s = c.settings
            start = ", ".join(f"{v:.3g}" for v in np.atleast_1d(s.start))
            verb = "climbs (ascent)" if s.maximize else "descends"
            lr_text = f" with learning rate {s.lr:g}" if "lr" in lead.hyper else ""
            self.banner.show_message(
                f"Ready: {lead.label} {verb} from ({start}){lr_text}. "
                f"Click the map to move the start, then press Play.", STATUS_COLOURS["idle"])
            self.status_line.setText("")
            return
        colour = STATUS_COLOURS.get(lead.status, STATUS_COLOURS["running"])
        self.banner.show_message(lead.message, colour)
        last = trace.last
        self.status_line.setText(
            f"Step {trace.last_step}   ·   loss {last['f']:.6g}   ·   "
            f"gradient norm {last['grad_norm']:.3g}   ·   "
            f"function evaluations {int(last['nfev'])}")

    def _show_failure(self, message: str) -> None:
        self.banner.show_message(message, STATUS_COLOURS["diverged"])
        if not self.isVisible():
            return
        QMessageBox.warning(self, "Optiscope", message)

    # -- closing -------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.controller.shutdown()
        super().closeEvent(event)
