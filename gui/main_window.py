"""Optiscope's main window: panels on the left, the landscape and the loss on the right."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressDialog,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import core
from core import display
from core.text import plural

from . import appearance
from .controller import RacerSpec, RunController, RunSettings, uses_shared_lr
from .frame_batch import OneFlushPerFrame
from .panels.dataset_panel import DatasetPanel
from .panels.learning_rate_panel import LearningRatePanel
from .panels.method_panel import MethodPanel
from .panels.scenario_panel import ScenarioPanel
from .style import STATUS_COLOURS, draw_fast, race_colour
from .throttle import Throttled
from .views.data_view import DataView
from .views.landscape_view import OVERLAYS, LandscapeView
from .views.loss_view import LossView
from .views.surface_view import SurfaceView
from .widgets import Banner, LazyTab, Pane, maximise_button

#: Seconds between updates of the 3-D view's paths (software OpenGL redraws the
#: whole 256×256 or 128×128 surface each time).
SURFACE_INTERVAL = 0.15

#: Export menu: (label, kind, target).
EXPORTS = (
    ("Whole window as PNG…", "png", "window"),
    ("Contour map as PNG…", "png", "contour"),
    ("3-D surface as PNG…", "png", "surface"),
    ("Analysis tab as PNG…", "png", "tab"),
    ("Contour map as SVG…", "svg", "contour"),
    ("Loss curve as SVG…", "svg", "loss"),
    ("Data view as SVG…", "svg", "data"),
    ("Run as animated GIF…", "gif", "window"),
    ("Run as MP4 video…", "mp4", "window"),
    ("Paths as CSV…", "csv", "paths"),
)

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
        self.method_panel = MethodPanel(s.methods[0].name)
        self.lr_panel = LearningRatePanel(s.lr)
        #: The docks of the settings panels (hidden in presentation mode: see set_presentation).
        self.settings_docks: list[QDockWidget] = []
        for title, panel in (("Dataset", self.dataset_panel), ("Method", self.method_panel),
                             ("Learning rate", self.lr_panel)):
            dock = QDockWidget(title, self)
            self.settings_docks.append(dock)
            dock.setObjectName(f"{panel.objectName()}Dock")
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            # Panels fit their narrowest dock at ordinary text sizes (tested); at a
            # projector's large text one may not, and then it scrolls, never cut off.
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            scroll.setWidget(panel)
            dock.setWidget(scroll)
            dock.setMinimumWidth(330)
            dock.setMaximumWidth(460)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.scenario_panel = ScenarioPanel()
        self.scenario_dock = QDockWidget("Scenarios", self)
        self.scenario_dock.setObjectName("scenarioPanelDock")
        self.scenario_dock.setWidget(self.scenario_panel)
        self.scenario_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                       | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                                       | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.scenario_dock.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scenario_dock)
        self.scenario_panel.chosen.connect(self._scenario_chosen)
        self.scenario_panel.openRequested.connect(self.open_scenario_dialog)
        self.scenario_panel.saveRequested.connect(self.save_scenario_dialog)

        self.banner = Banner()
        self.landscape = LandscapeView()
        self.surface = SurfaceView()
        self.loss = LossView()
        self.overlay_button = self._overlay_menu()
        self.basin_button = QToolButton()
        self.basin_button.setObjectName("basinButton")
        self.basin_button.setText("Basins")
        self.basin_button.setCheckable(True)
        self.basin_button.setToolTip("Colour every start point by the minimum the first racing "
                                     "method reaches from it (a basin-of-attraction map).")
        self.basin_button.toggled.connect(self._basin_toggled)
        self.landscape_pane = Pane("Contour map", self.landscape,
                                   [self.basin_button, self.overlay_button])
        self.surface_pane = Pane("3-D surface", self.surface)
        self.views = QSplitter(Qt.Orientation.Horizontal)
        self.views.setObjectName("landscapeSplitter")
        self.views.addWidget(self.landscape_pane)
        self.views.addWidget(self.surface_pane)
        self.landscape_pane.maximiseToggled.connect(
            lambda on: self._maximise(self.landscape_pane, self.surface_pane, on))
        self.surface_pane.maximiseToggled.connect(
            lambda on: self._maximise(self.surface_pane, self.landscape_pane, on))
        self.analysis = QTabWidget()
        self.analysis.setObjectName("analysisTabs")
        self.analysis_max_button = maximise_button(
            "analysisMaximise", "Give the analysis tabs the whole height, above the contour "
            "and 3-D views too (click again to restore).")
        self.analysis_max_button.toggled.connect(lambda on: self.views.setVisible(not on))
        self.analysis.setCornerWidget(self.analysis_max_button, Qt.Corner.TopRightCorner)
        self.data_view = DataView()
        #: Analysis tabs by the names scenarios and the command line use.
        self.tabs: dict[str, QWidget] = {}
        self.add_tab("loss", self.loss, "Loss")
        self.add_tab("data", self.data_view, "Data and model")
        from .views.basin_overlay import BasinController

        # The other analysis views are built when their tab is first opened.
        self._sweep_context = None
        self._lazy: dict[str, LazyTab] = {}
        self._add_lazy_tab("convergence", _lazy_view("convergence_view", "ConvergenceView"),
                           "Convergence order", self._convergence_built)
        self._add_lazy_tab("lr_sweep", _lazy_view("sweep_view", "SweepView"),
                           "Learning-rate sweep", self._sweep_built)
        self.basins = BasinController(self)
        self.basins.ready.connect(self._basins_ready)
        self.basins.failed.connect(self._basins_failed)
        self._add_lazy_tab("derivatives", _lazy_view("derivative_view", "DerivativeView"),
                           "Derivatives", lambda _view: self._follow_formula())
        self._add_lazy_tab("activations", _lazy_view("activation_view", "ActivationView"),
                           "Activations", lambda _view: self._gallery_built())
        self.vertical = vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.setObjectName("viewsAndTabsSplitter")
        vertical.addWidget(self.views)
        vertical.addWidget(self.analysis)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(vertical, 1)
        self.setCentralWidget(central)

        self._build_toolbar()
        self._build_menus()
        self.status_line = QLabel()
        self.status_line.setObjectName("statusLine")
        self.statusBar().addWidget(self.status_line, 1)

        c = self.controller
        # Redraw at most ~60 times a second however fast batches arrive.
        self._refresh_soon = Throttled(self._refresh, 10, parent=self)
        self._surface_time = 0.0  # when a playing race last updated the 3-D view
        self._surface_soon = Throttled(lambda traces: self.surface.set_paths(traces),
                                       round(1000 * SURFACE_INTERVAL),
                                       parent=self)
        self._one_flush = OneFlushPerFrame(self)  # all changed views in one repaint
        c.updated.connect(self._refresh_soon)
        c.stateChanged.connect(self._state_changed)
        c.problemChanged.connect(self._problem_changed)
        c.startChanged.connect(self._start_changed)
        c.failed.connect(self._show_failure)
        self.dataset_panel.problemChanged.connect(self._problem_picked)
        self.dataset_panel.sliceChanged.connect(lambda _: self._reslice())
        self.dataset_panel.function_entry.functionAccepted.connect(self._function_typed)
        self.dataset_panel.function_entry.noiseChanged.connect(self._noise_changed)
        self._noise = 0.0
        self.method_panel.racersChanged.connect(c.set_methods)
        self.method_panel.hyperChanged.connect(c.set_method_hyper)
        self.method_panel.settingsChanged.connect(self._run_options_changed)
        self.method_panel.shownChanged.connect(lambda _: self._refresh())
        self.lr_panel.lrChanged.connect(c.set_lr)
        self.landscape.startPicked.connect(self._start_picked)
        self._plane: core.SliceGrid | None = None  # the slice shown for many-parameter models
        self._state_before = "ready"  # the run's state before the last change
        #: The learning rate a picked problem suggested (None: the user's own rate).
        self._suggested_lr: float | None = None
        self._reslice_soon = Throttled(self._reslice, 2000, leading=False, parent=self)
        self._problem_changed(c.problem)
        self._refresh()
        self._state_changed(c.state)
        appearance.apply(self)
        self.resize(1400, 860)

    # -- building ------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Run")
        bar.setObjectName("runToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.play_action = QAction("▶  Play", self)
        self.play_action.setObjectName("playAction")
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setToolTip("Play / pause (Space)")
        self.play_action.triggered.connect(self.controller.toggle)
        self.step_action = QAction("Step", self)
        self.step_action.setObjectName("stepAction")
        self.step_action.setShortcut(QKeySequence(Qt.Key.Key_N))
        self.step_action.setToolTip("One step of every racing method (N)")
        self.step_action.triggered.connect(self.step_clicked)
        self.explain_action = QAction("Step by step", self, checkable=True)
        self.explain_action.setObjectName("stepByStepAction")
        self.explain_action.setToolTip("Show each update in parts, with a caption, one part per Step (N)")
        self.explain_action.toggled.connect(self._explain_toggled)
        self._stages: list[str] = []
        self._stage = 0
        self.reset_action = QAction("↺  Reset", self)
        self.reset_action.setObjectName("resetAction")
        self.reset_action.setShortcut(QKeySequence(Qt.Key.Key_R))
        self.reset_action.setToolTip("Back to the start point (R)")
        self.reset_action.triggered.connect(self.controller.reset)
        for action in (self.play_action, self.step_action, self.explain_action, self.reset_action):
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
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep number keys for lessons
        bar.addWidget(self.speed_combo)
        self.addToolBar(bar)

    # -- basins and sweeps -----------------------------------------------------------
    def _basin_toggled(self, on: bool) -> None:
        if not on:
            self.basins.cancel()
            self.landscape.set_basin(None)
            return
        c = self.controller
        lead = c.racers[0] if c.racers else None
        if lead is None:
            return
        shown = self.landscape.problem
        if self._plane is not None:
            # Descent on the slice alone would hold the other parameters still: its
            # basins are not where training the whole model ends, and the thousands
            # of trainings on the data would take a minute.
            self._basins_failed(
                f"No basin map for {c.problem.title}: the map shows a slice through "
                f"{c.problem.dim} parameters, and where training ends depends on all of "
                f"them. Basin maps are for landscapes of 1 or 2 coordinates (two bumps, "
                f"Himmelblau, the tea curve…).")
            return
        self.banner.show_message("Computing the basin map: every start point runs at once…",
                                 STATUS_COLOURS["idle"])
        self.basins.compute(shown, lead.method, dict(lead.hyper), maximize=c.settings.maximize,
                            tol=c.settings.tol)

    def _basins_ready(self, image, rect, legend, summary: str) -> None:
        if self.basin_button.isChecked():
            self.landscape.set_basin(image, rect)
            self.banner.show_message(summary, STATUS_COLOURS["idle"])

    def _basins_failed(self, message: str) -> None:
        self.basin_button.setChecked(False)
        self.banner.show_message(message, STATUS_COLOURS["diverged"])

    def _update_sweep_context(self) -> None:
        c = self.controller
        if not c.racers:
            return
        lead = c.racers[0]
        if not self._lazy["lr_sweep"].is_built:
            return  # it is given the set-up when it is built
        key = (id(c.problem), lead.method, tuple(np.atleast_1d(c.settings.start)),
               tuple(sorted((k, str(v)) for k, v in lead.hyper.items())), c.settings.maximize)
        if key != self._sweep_context:
            self._sweep_context = key
            self.sweep_view.set_context(c.problem, lead.method, c.settings.start, dict(lead.hyper),
                                        maximize=c.settings.maximize, tol=c.settings.tol)

    def scenario_view_hook(self, view) -> None:
        """The parts of a scenario's [view] that need the analysis tools."""
        self._update_sweep_context()
        if view.lr_sweep:
            lrs = list(view.lr_sweep)
            self.sweep_view.set_range(min(lrs), max(lrs), rates=max(len(lrs), 8))
            self.sweep_view.sweep()
        if view.basin_map:
            self.basin_button.setChecked(False)
            self.basin_button.setChecked(True)

    # -- step-by-step mode ----------------------------------------------------------
    def step_clicked(self) -> None:
        """Step (N): one iteration, or in step-by-step mode the next part of it."""
        if not self.explain_action.isChecked():
            self.controller.step()
            return
        if self._stage >= len(self._stages):
            self.controller.step()
            lead = next((r for r in self.controller.racers if r.trace is not None), None)
            if lead is None or lead.trace.last_step <= 0:
                return
            captions = core.get_method(lead.method).captions
            shown = lead.trace.last_diagnostics
            self._stages = [k for k in captions if k in shown] or ["step"]
            self._stage = 0
        self._show_stage()

    def _show_stage(self) -> None:
        lead = next((r for r in self.controller.racers if r.trace is not None), None)
        key = self._stages[self._stage]
        last = self._stage == len(self._stages) - 1
        self.landscape.reveal = tuple(self._stages[: self._stage + 1])
        self.landscape.hold = not last
        caption = core.get_method(lead.method).captions.get(key, "Take the step.")
        self._refresh()
        self.banner.show_message(
            f"Step {lead.trace.last_step}, part {self._stage + 1} of {len(self._stages)}: "
            f"{caption}", STATUS_COLOURS["idle"])
        self._stage += 1

    def _explain_toggled(self, on: bool) -> None:
        self._stages, self._stage = [], 0
        self.landscape.reveal = None
        self.landscape.hold = False
        if on:
            self.controller.pause()
        self._refresh()

    def add_tab(self, key: str, widget: QWidget, title: str) -> None:
        """Add an analysis view as a tab under the maps."""
        self.tabs[key] = widget
        self.analysis.addTab(widget, title)

    def _add_lazy_tab(self, key: str, factory, title: str, on_built=None) -> None:
        tab = LazyTab(factory)
        if on_built is not None:
            tab.built.connect(on_built)
        self._lazy[key] = tab
        self.add_tab(key, tab, title)

    @property
    def convergence_view(self):
        """The convergence-order view (built on first use)."""
        return self._lazy["convergence"].view

    @property
    def sweep_view(self):
        """The learning-rate sweep view (built on first use)."""
        return self._lazy["lr_sweep"].view

    def _convergence_built(self, view) -> None:
        view.set_problem(self.controller.problem, self.controller.settings.maximize)
        self._refresh()

    def _sweep_built(self, view) -> None:
        self._sweep_context = None  # hand it the current set-up
        self._update_sweep_context()

    def show_tab(self, key: str) -> None:
        """Bring the analysis tab ``key`` (e.g. "loss", "data") to the front."""
        if key not in self.tabs:
            raise ValueError(f"tab={key!r} is not allowed: tab must be one of {', '.join(self.tabs)}.")
        self.analysis.setCurrentWidget(self.tabs[key])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        run = bar.addMenu("&Run")
        for action in (self.play_action, self.step_action, self.reset_action):
            run.addAction(action)
        file_menu = bar.addMenu("&File")
        export_menu = file_menu.addMenu("Export")
        for label, kind, target in EXPORTS:
            action = QAction(label, self)
            action.setObjectName(f"export_{kind}_{target}")
            action.triggered.connect(lambda _=False, k=kind, t=target: self.export_dialog(k, t))
            export_menu.addAction(action)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        scenarios = bar.addMenu("&Scenarios")
        open_action = QAction("Open scenario…", self)
        open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        open_action.triggered.connect(self.open_scenario_dialog)
        save_action = QAction("Save current set-up as a scenario…", self)
        save_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        save_action.triggered.connect(self.save_scenario_dialog)
        scenarios.addAction(open_action)
        scenarios.addAction(save_action)
        scenarios.addAction(self.scenario_dock.toggleViewAction())
        for i in range(9):
            action = QAction(f"Load lesson {i + 1}", self)
            action.setObjectName(f"scenarioKey{i + 1}")
            action.setShortcut(QKeySequence(str(i + 1)))
            action.triggered.connect(lambda _=False, k=i: self.load_scenario_key(k))
            self.addAction(action)
        view = bar.addMenu("&View")
        self.fullscreen_action = QAction("Full screen", self, checkable=True)
        self.fullscreen_action.setObjectName("fullscreenAction")
        self.fullscreen_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.fullscreen_action.toggled.connect(self.set_full_screen)
        self.presentation_action = QAction("Presentation mode (big text, thick lines)", self,
                                           checkable=True)
        self.presentation_action.setObjectName("presentationAction")
        self.presentation_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.presentation_action.toggled.connect(self.set_presentation)
        bigger = QAction("Larger text", self)
        bigger.setObjectName("largerTextAction")
        bigger.setShortcuts(_unique_keys("Ctrl++", "Ctrl+=", QKeySequence.StandardKey.ZoomIn))
        bigger.triggered.connect(lambda: self.scale_text(appearance.SCALE_STEP))
        smaller = QAction("Smaller text", self)
        smaller.setObjectName("smallerTextAction")
        smaller.setShortcuts(_unique_keys("Ctrl+-", QKeySequence.StandardKey.ZoomOut))
        smaller.triggered.connect(lambda: self.scale_text(1 / appearance.SCALE_STEP))
        normal = QAction("Normal text size", self)
        normal.setShortcut(QKeySequence("Ctrl+0"))
        normal.triggered.connect(lambda: self.scale_text(1 / appearance.CURRENT.scale))
        self.panels_action = QAction("Settings panels (Dataset, Method, Learning rate)", self,
                                     checkable=True)
        self.panels_action.setObjectName("settingsPanelsAction")
        self.panels_action.setShortcut(QKeySequence(Qt.Key.Key_F9))
        self.panels_action.setChecked(True)
        self.panels_action.toggled.connect(self.show_settings_panels)
        for action in (self.fullscreen_action, self.presentation_action, self.panels_action,
                       bigger, smaller, normal):
            view.addAction(action)
            self.addAction(action)  # shortcuts work even when the menu bar is hidden
        view.addSeparator()
        themes = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key, label in (("light", "High-contrast light theme"), ("dark", "Dark theme")):
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"theme_{key}")
            action.setChecked(key == appearance.CURRENT.theme)
            action.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            themes.addAction(action)
            view.addAction(action)
            self.theme_actions[key] = action

    # -- appearance ----------------------------------------------------------------
    def set_full_screen(self, on: bool) -> None:
        """F11: fill the screen (and leave it again)."""
        if self.fullscreen_action.isChecked() != on:
            self.fullscreen_action.setChecked(on)
            return
        self.showFullScreen() if on else self.showNormal()

    def scale_text(self, factor: float) -> None:
        """Ctrl+Plus / Ctrl+Minus: scale every font of the window together."""
        appearance.scale_by(factor)
        appearance.apply(self)

    def set_theme(self, name: str) -> None:
        """Switch between the "light" and "dark" themes."""
        appearance.CURRENT.theme = name
        self.theme_actions[name].setChecked(True)
        appearance.apply(self)

    def set_presentation(self, on: bool) -> None:
        """Projector mode: larger text, thicker lines, bigger balls."""
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)
            return
        appearance.CURRENT.presentation = on
        appearance.CURRENT.scale = 1.5 if on else 1.0
        # The class watches the plots: the settings panels make way (F9 brings them back).
        self.show_settings_panels(not on)
        appearance.apply(self)

    def show_settings_panels(self, on: bool) -> None:
        """F9: show or hide the Dataset, Method and Learning-rate panels."""
        if self.panels_action.isChecked() != on:
            self.panels_action.setChecked(on)
            return
        for dock in self.settings_docks:
            dock.setVisible(on)

    def _overlay_menu(self) -> QToolButton:
        button = QToolButton()
        button.setObjectName("overlayButton")
        button.setText("Overlays")
        button.setToolTip("Choose what the last step of each method shows on the map.")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.overlay_actions: dict[str, QAction] = {}
        for key, label in OVERLAYS.items():
            action = QAction(label, menu)
            action.setCheckable(True)
            action.setChecked(True)
            action.setObjectName(f"overlay_{key}")
            action.toggled.connect(lambda on, k=key: self.landscape.set_overlay(k, on))
            menu.addAction(action)
            self.overlay_actions[key] = action
        button.setMenu(menu)
        return button

    def _maximise(self, pane: Pane, other: Pane, on: bool) -> None:
        if on and other.max_button.isChecked():
            other.max_button.setChecked(False)
        self._fit_panes()

    def _fit_panes(self) -> None:
        """Show the contour and 3-D panes as their Maximise buttons ask; a landscape
        of one coordinate has no surface, so its contour pane takes the whole width."""
        flat = self.surface.problem is not None and self.surface.problem.dim != 2
        self.landscape_pane.max_button.setVisible(not flat)
        self.landscape_pane.title.setText("<b>Landscape</b>" if flat else "<b>Contour map</b>")
        self.landscape_pane.setVisible(flat or not self.surface_pane.max_button.isChecked())
        self.surface_pane.setVisible(not flat and not self.landscape_pane.max_button.isChecked())

    # -- export ----------------------------------------------------------------------
    def export_dialog(self, kind: str, target: str) -> None:
        """Ask where to save, then :meth:`export`; errors are shown, never raised."""
        suffix = {"png": "PNG images (*.png)", "svg": "SVG drawings (*.svg)",
                  "gif": "Animated GIF (*.gif)", "mp4": "MP4 video (*.mp4)",
                  "csv": "CSV tables (*.csv)"}[kind]
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"optiscope-{target}.{kind}", suffix)
        if not path:
            return
        if kind in ("gif", "mp4"):
            dialog = QProgressDialog("Recording the run…", "Cancel", 0, 100, self)
            dialog.setObjectName("exportProgress")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(0)

            def progress(done: int, total: int) -> bool:
                dialog.setMaximum(total)
                dialog.setValue(done)
                return not dialog.wasCanceled()

            try:
                self.export(kind, target, path, progress=progress)
            except ValueError as exc:
                self.banner.show_message(str(exc), STATUS_COLOURS["diverged"])
            finally:
                dialog.close()
            return
        try:
            self.export(kind, target, path)
        except ValueError as exc:
            self.banner.show_message(str(exc), STATUS_COLOURS["diverged"])

    def export(self, kind: str, target: str, path: str, *, frames: int = 60,
               progress=None) -> str:
        """Write an export (see :data:`EXPORTS`); raises ValueError saying what went wrong."""
        from . import export

        widgets = {"window": self, "contour": self.landscape, "surface": self.surface,
                   "tab": self.analysis.currentWidget(), "loss": self.loss.plot,
                   "data": self.data_view.plot}
        if kind == "png":
            return str(export.export_png(widgets[target], path))
        if kind == "svg":
            return str(export.export_svg(widgets[target], path))
        if kind == "csv":
            return str(export.export_csv(self.controller, path))
        if kind in ("gif", "mp4"):
            return str(export.record_run(self, path, frames=frames, progress=progress))
        raise ValueError(f"kind={kind!r} is not allowed: kind must be png, svg, gif, mp4 or csv.")

    # -- scenarios -----------------------------------------------------------------
    def _scenario_chosen(self, scenario: core.Scenario) -> None:
        try:
            self.apply_scenario(scenario)
        except ValueError as exc:
            self.scenario_panel.show_error(str(exc))

    def load_scenario_key(self, index: int) -> None:
        """Keys 1–9: load the ``index``-th scenario (0-based)."""
        s = self.scenario_panel.scenario(index)
        if s is not None:
            self.scenario_panel.list.setCurrentRow(index)
            self._scenario_chosen(s)

    def apply_scenario(self, s: core.Scenario) -> None:
        """Set everything up as scenario ``s`` says and show its explanation.

        The problem is built first: if that fails, nothing has changed yet.
        """
        problem = s.build_problem()
        c = self.controller
        c.pause()
        name, options = s.problem.name, dict(s.problem.options)
        if name == "custom" and s.problem.formula:
            self.dataset_panel.show_function(core.parse_function(s.problem.formula))
        elif name in core.PROBLEMS:  # (with noise: the panel names the landscape beneath)
            self.dataset_panel.set_problem(name, options)
        self.scenario = s
        # Run settings first, so the problem change builds the right runs once.
        settings = c.settings
        settings.steps = s.run.steps
        settings.maximize = bool(s.run.maximize)
        if s.run.tol is not None:
            settings.tol = s.run.tol
        if s.run.lr is not None:
            settings.lr = s.run.lr
            self.lr_panel.set_lr(s.run.lr)
        settings.methods = [RacerSpec(r.name, dict(r.hyper), r.label, r.lr, r.seed)
                            for r in s.methods]
        self.method_panel.blockSignals(True)
        self.method_panel.set_racers(list(dict.fromkeys(r.name for r in s.methods)))
        first = {}
        for i, r in enumerate(s.methods):
            first.setdefault(r.name, race_colour(i))
        self.method_panel.set_colours(first)
        for r in s.methods:
            self.method_panel.set_hyper(r.name, dict(r.hyper))
        self.method_panel.steps.setValue(settings.steps)
        self.method_panel.maximize.setChecked(settings.maximize)
        self.method_panel.tol.setValue(settings.tol)
        self.method_panel.blockSignals(False)
        if s.view.slice is not None:
            self.dataset_panel.slice_u.setCurrentIndex(s.view.slice[0])
            self.dataset_panel.slice_v.setCurrentIndex(s.view.slice[1])
        c.set_problem_object(problem, name, options)
        c.set_start(np.asarray(s.run.start, dtype=float))
        if s.run.speed is not None:
            self.set_speed(s.run.speed)
        self._apply_view(s.view)
        self.scenario_panel.show_scenario(s)

    def _apply_view(self, view) -> None:
        layout = view.layout or "both"
        self.landscape_pane.max_button.setChecked(layout == "contour")
        self.surface_pane.max_button.setChecked(layout == "surface")
        self.analysis_max_button.setChecked(False)
        self._fit_panes()
        chosen = set(view.overlays) if view.overlays is not None else set(OVERLAYS)
        for key, action in self.overlay_actions.items():
            action.setChecked(key in chosen)
        self.loss.set_x_axis(view.loss_x or "steps")
        self.loss.log_check.setChecked(bool(view.loss_log))
        self.surface.set_height_mode(view.height or "auto")
        tab = view.tab if view.tab in self.tabs else "loss"
        self.show_tab(tab)
        # A lesson told through an analysis tab (a sweep, convergence orders, the
        # data) gives that tab half the height; the loss curve needs less.
        # (Sizes in per mille: the splitter shares its height in their proportion,
        # also before the window is first laid out.)
        self.vertical.setSizes([600, 400] if tab == "loss" else [500, 500])
        hook = getattr(self, "scenario_view_hook", None)
        if callable(hook):
            hook(view)

    def set_speed(self, steps_per_second: float) -> None:
        """Animation speed; the speed menu shows the nearest choice."""
        self.controller.set_speed(steps_per_second)
        values = [v for _, v in SPEEDS]
        nearest = min(range(len(values)), key=lambda i: abs(values[i] - steps_per_second)
                      if steps_per_second > 0 else (values[i] != 0))
        self.speed_combo.blockSignals(True)
        self.speed_combo.setCurrentIndex(nearest)
        self.speed_combo.blockSignals(False)

    def open_scenario_dialog(self) -> None:
        """File ▸ Open scenario…"""
        path, _ = QFileDialog.getOpenFileName(self, "Open a scenario", str(core.SCENARIO_DIR),
                                              "Scenarios (*.toml);;All files (*)")
        if path:
            self.open_scenario(path)

    def open_scenario(self, path: str) -> bool:
        """Load and apply a scenario file; a bad file changes nothing and says why."""
        try:
            self.apply_scenario(core.load_scenario(path))
        except ValueError as exc:
            self.scenario_panel.show_error(str(exc))
            return False
        return True

    def save_scenario_dialog(self) -> None:
        """File ▸ Save current set-up as a scenario…"""
        from .save_dialog import SaveScenarioDialog

        dialog = SaveScenarioDialog(self, self.current_scenario_dict())
        dialog.exec()

    def current_scenario_dict(self) -> dict:
        """The current set-up in the scenario file's shape (title and explanation to fill)."""
        c = self.controller
        s = c.settings
        data: dict = {"title": "My scenario", "explanation": ""}
        problem: dict = {"name": s.problem}
        if s.problem == "custom" or s.problem not in core.PROBLEMS:
            problem = {"name": "custom", "formula": c.problem.title}
        elif s.options:
            opts = {k: v for k, v in s.options.items() if not isinstance(v, core.Dataset)}
            if opts:
                problem["options"] = opts
        data["problem"] = problem
        run = {"start": [float(v) for v in np.atleast_1d(s.start)], "steps": int(s.steps),
               "maximize": bool(s.maximize), "tol": float(s.tol), "lr": float(s.lr),
               "speed": float(c.speed)}
        data["run"] = run
        methods = []
        for spec in s.methods:
            entry: dict = {"name": spec.name}
            if spec.label:
                entry["label"] = spec.label
            if spec.lr is not None:
                entry["lr"] = float(spec.lr)
            if spec.seed is not None:
                entry["seed"] = int(spec.seed)
            hyper = {k: v for k, v in spec.hyper.items() if k != "lr"}
            if hyper:
                entry["hyper"] = hyper
            methods.append(entry)
        data["methods"] = methods
        current_tab = next((k for k, w in self.tabs.items() if w is self.analysis.currentWidget()), "loss")
        data["view"] = {
            "overlays": [k for k, a in self.overlay_actions.items() if a.isChecked()],
            "loss_x": self.loss.x_axis, "loss_log": self.loss.log_check.isChecked(),
            "tab": current_tab, "height": self.surface.height_mode(),
        }
        return data

    # -- scripting ---------------------------------------------------------------
    def apply(self, *, problem: str | None = None, method: str | list[str] | None = None,
              lr: float | None = None, start: Any = None, steps: int | None = None,
              maximize: bool | None = None, tol: float | None = None,
              options: dict | None = None) -> None:
        """Set up a configuration as a user would, validating every value.

        Raises ValueError (from ``core``) naming the bad parameter.
        """
        c = self.controller
        if problem is not None:
            self.dataset_panel.set_problem(problem, options or {}, emit=True)
        if method is not None:
            names = [method] if isinstance(method, str) else list(method)
            if not names:
                raise ValueError("method=[] is not allowed: method must name at least one method.")
            for name in names:
                core.get_method(name)
            self.method_panel.set_racers(names, emit=True)
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
    def _run_options_changed(self) -> None:
        mp = self.method_panel
        self.controller.set_run_options(maximize=mp.maximize.isChecked(),
                                        steps=int(mp.steps.value()), tol=float(mp.tol.value()))

    def _function_typed(self, problem: core.Problem) -> None:
        """A user-typed function becomes the problem (with gradient noise if asked for)."""
        self._set_problem_with_noise(problem, "custom", {"text": problem.options.get("text", "")})

    def _noise_changed(self, scale: float) -> None:
        """Gradient noise on any problem: rebuild the current problem with it."""
        self._noise = float(scale)
        s = self.controller.settings
        if s.problem == "custom" and s.options.get("text"):
            base = core.parse_function(s.options["text"])
        else:
            base = core.get_problem(s.problem, **s.options)
        start = self.controller.settings.start.copy()
        self._set_problem_with_noise(base, s.problem, s.options)
        if start.shape == self.controller.settings.start.shape:
            self.controller.set_start(start)

    def _set_problem_with_noise(self, problem: core.Problem, name: str, options: dict) -> None:
        if self._noise > 0:
            problem = core.with_gradient_noise(problem, self._noise, seed=0)
        self.controller.set_problem_object(problem, name, options)

    def _problem_picked(self, name: str, options: dict) -> None:
        if self._noise > 0:
            self._set_problem_with_noise(core.get_problem(name, **options), name, options)
        else:
            self.controller.set_problem(name, options)
        # A maximisation problem (the fence) is climbed; everything else descends.
        climb = getattr(self.controller.problem, "goal", "minimize") == "maximize"
        if self.method_panel.maximize.isChecked() != climb:
            self.method_panel.maximize.setChecked(climb)
        # Models and the tea curves come with a learning rate that makes visible
        # progress; leaving them for a problem without one, a rate the user did not
        # choose goes back to the usual one (the tea's 8 would fling a ball off the bowl).
        suggested = getattr(self.controller.problem, "suggested_lr", None)
        lr = self.controller.settings.lr
        if suggested is None and self._suggested_lr is not None and lr == self._suggested_lr:
            suggested = RunSettings.lr
        if suggested is not None and suggested != lr:
            self.lr_panel.set_lr(float(suggested))
            self.controller.set_lr(float(suggested))
        self._suggested_lr = self.controller.settings.lr if suggested is not None else None

    def _follow_activation(self) -> None:
        """The activation gallery shows the activation of the one-neuron problem
        being trained (the neuron lessons open it), not its first entry."""
        if not self._lazy["activations"].is_built:
            return
        name = self.controller.problem.options.get("activation")
        if self.controller.problem.name == "neuron" and name:
            with contextlib.suppress(ValueError):  # an activation the gallery lacks
                self._lazy["activations"].view.set_activation(str(name))

    def _follow_formula(self) -> None:
        """The derivatives tab differentiates the function typed for the run (and
        opens its 0/0 page when that function has no value at the start)."""
        problem = self.controller.problem
        if not self._lazy["derivatives"].is_built or problem.name != "custom":
            return
        view = self._lazy["derivatives"].view
        text = str(problem.options.get("text", ""))
        if text and text != view.formula():
            view.set_formula(text)
        try:
            undefined = not np.isfinite(problem.value(self.controller.settings.start))
        except ValueError:  # a start of another problem, about to be replaced
            undefined = False
        view.tabs.setCurrentIndex(1 if undefined else 0)

    def _gallery_built(self) -> None:
        self._follow_activation()
        self._follow_neuron_run(play=self.controller.state in ("running", "finished"))

    def _follow_neuron_run(self, play: bool) -> None:
        """The gallery's one-neuron run follows the lead racer of a neuron lesson:
        its start, rate and steps, and it plays when the lesson's run plays (it sat
        at its own start with an empty loss plot beside a lesson's finished run)."""
        c = self.controller
        if not self._lazy["activations"].is_built or c.problem.name != "neuron" or not c.racers:
            return
        lead = c.racers[0]
        if lead.method != "gd" or "lr" not in lead.hyper:
            return
        gallery = self._lazy["activations"].view
        with contextlib.suppress(ValueError):  # a start or rate its fields refuse
            gallery.follow(c.settings.start, float(lead.hyper["lr"]), c.settings.steps)
            if play:
                gallery.play()

    def _problem_changed(self, problem: core.Problem) -> None:
        self.data_view.set_problem(problem)
        self._follow_activation()
        self._follow_formula()
        if self._lazy["convergence"].is_built:
            self.convergence_view.set_problem(problem, self.controller.settings.maximize)
        if self.basin_button.isChecked():
            self.basin_button.setChecked(False)
        # (for a model, 0: a climbing run's log plot then shows its climb, not a
        # gap to its own starting value, the smallest it ever had)
        self.loss.set_floor(display.loss_floor(problem))
        self.loss.clear()
        self._reslice(center=self.controller.settings.start)

    def _reslice(self, center: np.ndarray | None = None) -> None:
        """Show the problem on the maps: itself, or for models with more than two
        parameters a slice through ``center`` (default: the lead run's current point)."""
        problem = self.controller.problem
        if problem.dim <= 2:
            self._plane = None
            shown = problem
        else:
            if center is None:
                lead = next((r.trace for r in self.controller.racers
                             if r.trace is not None and r.trace.last_x is not None), None)
                center = lead.last_x if lead is not None else self.controller.settings.start
            if not np.all(np.isfinite(center)):
                return  # a diverged run: keep the slice we have
            choice = self.dataset_panel.slice_choice()
            kw = ({"directions": core.random_directions(problem.dim, seed=0)}
                  if choice == "random" else {"axes": choice})
            try:
                shown, self._plane = core.slice_view(problem, center, **kw)
            except ValueError as exc:
                self._show_failure(str(exc))
                return
        self.landscape.set_problem(shown)
        self.surface.set_problem(shown)
        self._fit_panes()
        self._start_changed(self.controller.settings.start)
        self._refresh()

    def _show_data_runs(self) -> None:
        """The data view draws the model of the method clicked in the Method panel
        (the first of its name), or else of the first racer."""
        racers = [r for r in self.controller.racers if r.trace is not None]
        shown = self.method_panel.method()
        lead = next((r for r in racers if r.method == shown), None)
        racers.sort(key=lambda r: r is not lead)  # stable: that one first, the rest in order
        self.data_view.set_runs([(r.label, r.colour, r.trace) for r in racers])

    def _shown(self, trace: core.Trace):
        """A run as the maps draw it (projected onto the slice for big models)."""
        return trace if self._plane is None else core.ProjectedTrace(trace, self._plane)

    def _start_changed(self, x: np.ndarray) -> None:
        shown = x if self._plane is None else self._plane.project(np.asarray(x, dtype=float))
        self.landscape.set_start(shown)
        self.surface.set_start(shown)

    def _start_picked(self, x: np.ndarray) -> None:
        if self._plane is not None:
            x = self._plane.lift(np.asarray(x, dtype=float))
        self.controller.set_start(x)

    def _state_changed(self, state: str) -> None:
        self.surface.set_live(state == "running")
        if state == "running" and self._state_before in ("ready", "idle"):
            self._follow_neuron_run(play=True)
        elif state == "ready":
            self._follow_neuron_run(play=False)
        self._state_before = state
        self.play_action.setText("⏸  Pause" if state == "running" else "▶  Play")
        self.step_action.setEnabled(state != "running" and state != "finished")
        if self._plane is not None and state in ("paused", "finished"):
            self._reslice()  # hold the other parameters at their current values
        self._refresh()

    def _refresh(self) -> None:
        c = self.controller
        racers = [r for r in c.racers if r.trace is not None]
        # The runs of a new problem arrive just before the maps switch to it:
        # draw nothing until they have (the switch refreshes again).
        if self._plane is not None and len(self._plane.origin) != c.problem.dim:
            return
        shown_dim = 2 if self._plane is not None else c.problem.dim
        if self.landscape.problem is not None and self.landscape.problem.dim != shown_dim:
            return
        shown = [(r.colour, self._shown(r.trace)) for r in racers]
        playing = c.state == "running"
        # Software OpenGL redraws the whole surface each time: update it less often
        # (SURFACE_INTERVAL).  While a race plays it gets a frame of its own, the
        # other views following at the next frame: a frame drawing them all would
        # take longer than one frame's time.
        if playing and self.surface.isVisible():
            now = time.monotonic()
            if now - self._surface_time >= SURFACE_INTERVAL:
                self._surface_time = now
                self._surface_soon.cancel()
                self.surface.set_paths(shown)
                self._refresh_soon()  # the other views at the next frame
                return
        else:
            self._surface_soon(shown)
        self.landscape.set_paths(shown)
        if not any(r.trace.n or r.trace.last_step >= 0 for r in racers):
            self.loss.clear()
        self.loss.live = playing
        self.loss.set_climbing(c.settings.maximize)
        self.loss.set_runs([(r.label, r.colour, r.trace, r.status) for r in racers])
        self._show_data_runs()
        if self._lazy["convergence"].is_built:
            self.convergence_view.set_runs([(r.label, r.colour, r.trace, r.status) for r in racers])
        self._update_sweep_context()
        if self._plane is not None and playing:
            self._reslice_soon()
        self._update_texts()
        draw_fast(self.landscape, playing)
        draw_fast(self.loss.plot, playing)
        self._one_flush.flush()

    def _update_texts(self) -> None:
        if self.explain_action.isChecked() and self._stages:
            return  # the banner holds the caption of the part being shown
        c = self.controller
        racers = c.racers
        self._note_own_rates()
        if not racers:
            return
        if c.error:
            self.banner.show_message(c.error + " Press Reset to start again.",
                                     STATUS_COLOURS["diverged"])
            return
        errors = [r for r in racers if r.status == "error"]
        if errors:
            self.banner.show_message(errors[0].message, STATUS_COLOURS["diverged"])
            self.status_line.setText("")
            return
        started = [r for r in racers if r.trace is not None and r.trace.last_step >= 0]
        if not started:
            s = c.settings
            start = ", ".join(f"{v:.3g}" for v in np.atleast_1d(s.start))
            verb = "climb (ascent)" if s.maximize else "descend"
            who = racers[0].label if len(racers) == 1 else f"{len(racers)} methods"
            lr_text = f" with learning rate {s.lr:g}" if any(uses_shared_lr(r.method) for r in racers) else ""
            self.banner.show_message(
                f"Ready: {who} will {verb} from ({start}){lr_text}. "
                f"Click the map or drag the white square to move the start, then press Play.",
                STATUS_COLOURS["idle"])
            self.status_line.setText("")
            return
        # Green means the run found what it was after: one that came to rest on a
        # flat spot or in a worse minimum than a known one is a qualified success.
        statuses = {"qualified" if r.status == "converged" and r.caveat else r.status
                    for r in racers}
        if "diverged" in statuses:
            colour = STATUS_COLOURS["diverged"]
        elif statuses <= {"converged"}:
            colour = STATUS_COLOURS["converged"]
        elif len(statuses) == 1:
            colour = STATUS_COLOURS.get(statuses.pop(), STATUS_COLOURS["running"])
        else:
            colour = STATUS_COLOURS["running"]
        if len(racers) == 1:
            self.banner.show_message(racers[0].message, colour)
        else:
            # One short line per racer: the sentence up to its colon (a step limit
            # in fewer words: four racers' lines must leave the plots room).
            def headline(r) -> str:
                if r.status == "max_steps" and r.trace is not None:
                    return f"Not converged after {plural(r.trace.last_step, 'step')}"
                return r.message.split(":")[0].rstrip(".")

            lines = [f"<span style='color:{r.colour}'>■</span> {r.label}: {headline(r)}"
                     f"{'' if r.caveat in ('', 'a flat spot') else f' — {r.caveat}'}"
                     for r in racers]
            self.banner.show_message("<br>".join(lines), colour, compact=len(lines) > 2)
        parts, short = [], []
        for r in started:
            last = r.trace.last
            evals = int(last["nfev"]) if np.isfinite(last["nfev"]) else 0
            grad = "" if not np.isfinite(last["grad_norm"]) else f", |∇f| {last['grad_norm']:.3g}"
            parts.append(f"{r.label}: step {r.trace.last_step}, loss {last['f']:.6g}"
                         f"{grad}, {plural(evals, 'evaluation')}")
            short.append(f"{r.label}: step {r.trace.last_step}, loss {last['f']:.4g}")
        # Several racers' whole lines overflow the window, and a number cut short
        # reads as another ("step 30" of 300): then each says less, all of it in
        # the tooltip.
        whole = "   ·   ".join(parts)
        fits = self.status_line.fontMetrics().horizontalAdvance(whole) <= self.width() - 40
        self.status_line.setText(whole if fits else "  ·  ".join(short))
        self.status_line.setToolTip("" if fits else "\n".join(parts))

    def _note_own_rates(self) -> None:
        """Say so under the slider when racers run at rates of their own (a lesson's
        20 and 5 for the tea): the slider then moves only the others, or none."""
        specs = [m for m in self.controller.settings.methods if uses_shared_lr(m.name)]
        own = [m for m in specs if m.lr is not None]
        if not own:
            self.lr_panel.set_note("")
            return
        rates = ", ".join(f"{m.lr:g}" for m in own)
        rest = ("the slider sets the others' rate" if len(own) < len(specs)
                else "the slider is not used")
        whose = "a rate of its own" if len(own) == 1 else "rates of their own"
        self.lr_panel.set_note(f"This set-up gives {plural(len(own), 'racer')} {whose} "
                               f"({rates}): {rest}.")

    def _show_failure(self, message: str) -> None:
        # Expected problems (a refused setting) go to the banner; unexpected
        # errors also reach the error dialog through the controller.
        self.banner.show_message(message, STATUS_COLOURS["diverged"])

    # -- showing and closing -------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if getattr(self, "_refresh_disconnected", False):  # shown again after a close
            self._refresh_disconnected = False
            self.controller.updated.connect(self._refresh_soon)
            self._refresh()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        for throttled in (self._refresh_soon, self._surface_soon, self._reslice_soon):
            throttled.cancel()  # no late redraw may reach views that are being destroyed
        if not getattr(self, "_refresh_disconnected", False):  # close() may come twice
            self._refresh_disconnected = True
            self.controller.updated.disconnect(self._refresh_soon)
        self.controller.shutdown()
        self.scenario_panel.shutdown()
        self.basins.shutdown()
        if self._lazy["lr_sweep"].is_built:
            self.sweep_view.shutdown()
        super().closeEvent(event)
        # Deliver the layout requests the last redraw posted (legend anchors follow
        # their plot's geometry) while every view still exists: deleting the window
        # right after closing must not leave them to reach deleted ViewBoxes.
        QCoreApplication.sendPostedEvents()


def _lazy_view(module: str, name: str):
    """A factory for the view ``gui.views.<module>.<name>``, imported when first built."""
    def build() -> QWidget:
        import importlib

        return getattr(importlib.import_module(f".views.{module}", __package__), name)()

    return build


def _unique_keys(*keys) -> list[QKeySequence]:
    """Key sequences without repeats (a repeat makes Qt call the shortcut ambiguous)."""
    out: list[QKeySequence] = []
    for key in keys:
        seqs = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) \
            else [QKeySequence(key)]
        out.extend(s for s in seqs if s not in out)
    return out
