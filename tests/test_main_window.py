"""The main window: panels, a live run, divergence, clean shutdown, bad input.

Pattern (as napari's GUI tests): build the window, add it to qtbot, act as a
user would (or through the controller), assert on widgets and on the model.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from gui.main_window import MainWindow
from gui.threads import active_threads

pytestmark = pytest.mark.gui

PANELS = ("methodPanel", "learningRatePanel", "datasetPanel", "contourView", "lossView",
          "surfaceView")




def run_to_end(qtbot, win, timeout=20_000):
    win.controller.set_speed(0)
    win.controller.play()
    qtbot.waitUntil(lambda: win.controller.state == "finished", timeout=timeout)


def type_into(qtbot, field, text):
    edit = field.findChild(QLineEdit) if not isinstance(field, QLineEdit) else field
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


@pytest.mark.parametrize("name", PANELS)
def test_every_named_panel_and_view_exists_and_is_visible(window, name):
    widget = window.findChild(object, name)
    assert widget is not None, name
    assert widget.isVisible()


def test_play_grows_the_loss_curve_and_updates_the_status(qtbot, window):
    window.apply(problem="bowl", method="gd", lr=0.1, start=[1.5, -1.0])
    run_to_end(qtbot, window)
    curve = window.loss._curves[0]
    xs, ys = curve.getData()
    assert len(xs) > 10 and ys[0] == pytest.approx(1.5**2 + 1.0)
    assert np.all(np.diff(ys) <= 0)  # descent on a bowl never goes up
    assert window.status_line.text().startswith("Gradient descent: step ")
    assert "Converged at step" in window.banner.text()
    path_x, path_y = window.landscape._racers[0].line.getData()
    assert (path_x[0], path_y[0]) == (1.5, -1.0)
    assert abs(path_x[-1]) < 1e-3 and abs(path_y[-1]) < 1e-3


def test_step_advances_exactly_one_iteration(qtbot, window):
    window.apply(problem="parabola", method="gd", lr=0.25, start=[1.0])
    qtbot.mouseClick(window.findChild(object, "stepButton"), Qt.MouseButton.LeftButton)
    trace = window.controller.racers[0].trace
    assert trace.last_step == 1 and trace.last_x[0] == pytest.approx(0.5)
    window.controller.step()
    assert trace.last_step == 2 and trace.last_x[0] == pytest.approx(0.25)


@pytest.mark.parametrize(("problem", "kw"), [
    ("parabola", dict(lr=1.02, start=[1.0])),
    ("bowl", dict(lr=0.1, start=[1.0, 1.0], maximize=True)),
])
def test_diverging_run_is_reported_and_the_window_stays_usable(qtbot, window, problem, kw):
    window.apply(problem=problem, method="gd", steps=2000, **kw)
    run_to_end(qtbot, window)
    assert window.controller.racers[0].status == "diverged"
    assert window.banner.text().startswith("Diverged at step")
    xs, ys = window.loss._curves[0].getData()
    assert len(xs) > 20 and np.isfinite(ys).all()
    assert ys.max() > 1e6  # the explosion is on the curve
    mark_x, _ = window.loss._marks[0][0].getData()
    assert len(mark_x) == 1
    # Still responsive: reset, change something, run again.
    qtbot.mouseClick(window.findChild(object, "resetButton"), Qt.MouseButton.LeftButton)
    assert window.controller.state == "ready"
    window.apply(lr=0.05, maximize=False)
    run_to_end(qtbot, window)
    assert window.controller.racers[0].status in ("converged", "max_steps")


def test_clicking_the_map_sets_the_start_point(qtbot, window):
    window.apply(problem="himmelblau")
    view = window.landscape
    target = QPointF(2.0, -3.0)
    scene_pos = view.getViewBox().mapViewToScene(target)
    widget_pos = view.mapFromScene(scene_pos)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    start = window.controller.settings.start
    assert start == pytest.approx([2.0, -3.0], abs=0.1)
    assert view.start_position() == pytest.approx(tuple(start))


@pytest.mark.parametrize("text", ["0.05", "0.2", "0.9", "1.02", "7e-4"])
def test_learning_rate_is_typed_exactly(qtbot, window, text):
    type_into(qtbot, window.lr_panel.field, text)
    assert window.controller.settings.lr == float(text)
    assert window.controller.racers[0].runner.hp["lr"] == float(text)


@pytest.mark.parametrize("text", ["abc", "-1", "0", "nan", "inf", "", "1e400", "2e4"])
def test_bad_learning_rate_is_refused_with_a_visible_message(qtbot, window, text):
    type_into(qtbot, window.lr_panel.field, "0.3")
    type_into(qtbot, window.lr_panel.field, text)
    assert window.controller.settings.lr == 0.3  # nothing the user had is lost
    message = window.lr_panel.field.message
    assert message.isVisible() and message.text()


def test_learning_rate_slider_is_logarithmic(qtbot, window):
    slider = window.lr_panel.slider
    window.lr_panel.set_lr(0.05, emit=True)
    assert slider.value() == -130  # hundredths of a decade: log10(0.05) = -1.301
    window.lr_panel.set_lr(0.01, emit=True)
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)  # one decade up
    assert window.controller.settings.lr == 0.1
    assert window.lr_panel.field.value() == 0.1
    slider.setValue(slider.minimum())
    assert window.controller.settings.lr == 1e-4
    slider.setValue(slider.maximum())
    assert window.controller.settings.lr == 10.0
    window.lr_panel.set_lr(7e-5, emit=True)  # typed below the slider's range: kept exactly
    assert slider.value() == slider.minimum() and window.controller.settings.lr == 7e-5


def test_method_controls_come_from_the_specification(qtbot, window):
    window.apply(method="momentum")
    field = window.method_panel.findChild(object, "param_momentum")
    assert field is not None and field.value() == 0.9
    qtbot.waitUntil(field.isVisible)  # Qt shows new children of a visible form on the next loop
    type_into(qtbot, field, "0.5")
    assert window.controller.racers[0].runner.hp["momentum"] == 0.5
    type_into(qtbot, field, "-0.5")
    assert window.controller.racers[0].runner.hp["momentum"] == 0.5
    assert field.message.isVisible() and "momentum" in field.message.text()


def test_learning_rate_change_during_a_run_applies_at_the_next_batch(qtbot, window):
    window.apply(problem="bowl", lr=0.001, steps=1_000_000, start=[1.0, 1.0])
    window.controller.set_speed(60)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.racers[0].trace.last_step > 3, timeout=5000)
    window.lr_panel.set_lr(0.002, emit=True)
    runner = window.controller.racers[0].runner
    qtbot.waitUntil(lambda: runner.hp["lr"] == 0.002, timeout=2000)
    assert window.controller.state == "running"
    window.controller.pause()
    assert window.controller.state == "paused"


def test_closing_mid_run_stops_the_worker_quickly(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.apply(problem="rosenbrock", method="gd", lr=1e-4, steps=10_000_000, start=[-1.5, 2.5])
    win.controller.set_speed(0)
    win.controller.play()
    qtbot.waitUntil(lambda: win.controller.racers[0].trace.last_step > 100, timeout=5000)
    assert win.controller.running
    started = time.perf_counter()
    win.close()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert active_threads() == 0
    assert not win.controller.running


def test_switching_problems_redraws_the_map(qtbot, window):
    for name in ("bowl", "ellipse", "two_bumps", "rosenbrock", "himmelblau", "saddle", "parabola"):
        window.dataset_panel.set_problem(name, emit=True)
        assert window.controller.problem.name == name
        QApplication.processEvents()
        image = window.landscape.grab().toImage()
        assert not image.isNull()
    assert window.landscape.curve.getData()[0] is not None  # parabola draws its curve


def test_racing_methods_each_get_a_colour_path_and_legend_line(qtbot, window):
    window.apply(problem="himmelblau", method=["gd", "momentum", "adam"], lr=0.01,
                 start=[-1.0, -1.0], steps=300)
    assert [r.method for r in window.controller.racers] == ["gd", "momentum", "adam"]
    colours = {r.colour for r in window.controller.racers}
    assert len(colours) == 3
    run_to_end(qtbot, window)
    assert len(window.landscape._racers) == 3
    for items in window.landscape._racers:
        xs, _ = items.line.getData()
        assert len(xs) > 2
    labels = [window.loss.legend.getLabel(c).text for c in window.loss._curves]
    assert any(label.startswith("Adam:") and "evaluations" in label for label in labels)
    assert window.banner.text().count("<br>") == 2  # one line per racer


def test_ticking_a_method_in_the_tree_adds_a_racer(qtbot, window):
    item = window.method_panel._items["adam"]
    item.setCheckState(0, Qt.CheckState.Checked)
    assert [r.method for r in window.controller.racers] == ["gd", "adam"]
    # The last ticked method can never be unticked: one method always runs.
    window.method_panel._items["gd"].setCheckState(0, Qt.CheckState.Unchecked)
    window.method_panel._items["adam"].setCheckState(0, Qt.CheckState.Unchecked)
    assert [r.method for r in window.controller.racers] == ["adam"]


def test_overlays_draw_the_last_step_and_can_be_switched_off(qtbot, window):
    window.apply(problem="ellipse", method="momentum", lr=0.02, start=[-2.5, 1.5])
    for _ in range(3):
        window.controller.step()
    items = window.landscape._racers[0]
    for key in ("gradient", "velocity", "step"):
        xs, _ = items.arrows[key].getData()
        assert xs is not None and len(xs) == 6, key  # shaft + two head strokes
    window.overlay_actions["gradient"].setChecked(False)
    xs, _ = items.arrows["gradient"].getData()
    assert xs is None or len(xs) == 0
    xs, _ = items.arrows["velocity"].getData()
    assert len(xs) == 6


def test_either_landscape_view_can_be_maximised(qtbot, window):
    window.landscape_pane.max_button.click()
    assert not window.surface_pane.isVisible() and window.landscape_pane.isVisible()
    window.surface_pane.max_button.click()  # hidden pane's button still works from code
    assert not window.landscape_pane.isVisible()
    window.surface_pane.max_button.click()
    assert window.landscape_pane.isVisible() and window.surface_pane.isVisible()


def test_a_problem_with_a_suggested_learning_rate_brings_it_and_takes_it_away(window):
    """The tea curve's slopes are tiny: picking it sets its suggested rate; the
    bowl afterwards gets the usual rate back, unless the user chose one."""
    lr = window.controller.settings
    window.dataset_panel.set_problem("tea", {}, emit=True)
    assert lr.lr == 8.0 and window.lr_panel.field.value() == 8.0
    window.dataset_panel.set_problem("bowl", {}, emit=True)
    assert lr.lr == 0.1 and window.lr_panel.field.value() == 0.1
    window.dataset_panel.set_problem("tea", {}, emit=True)
    window.lr_panel.set_lr(5.0, emit=True)  # the user's own choice stays
    window.dataset_panel.set_problem("bowl", {}, emit=True)
    assert lr.lr == 5.0


def test_no_basin_map_for_a_slice_through_a_models_parameters(qtbot, window):
    """A model of 3 or more parameters is drawn as a slice: a basin map of the slice
    would mislead (and take a minute): it is refused in words, at once."""
    window.apply(problem="logistic", method="gd")
    window.basin_button.click()
    assert not window.basin_button.isChecked() and not window.basins.busy
    assert "No basin map for Logistic regression" in window.banner.text()
    assert "3 parameters" in window.banner.text()


def test_the_analysis_tabs_can_be_maximised(qtbot, window):
    """For a lesson told in a tab (derivatives, a sweep): the tabs take the whole
    height; a lesson loaded afterwards restores the usual layout."""
    import core

    tabs_height = window.analysis.height()
    window.analysis_max_button.click()
    assert not window.landscape_pane.isVisible() and not window.surface_pane.isVisible()
    assert window.analysis_max_button.text() == "Restore"
    qtbot.waitUntil(lambda: window.analysis.height() > 1.8 * tabs_height)
    window.apply_scenario(core.load_scenario("himmelblau_basins"))
    assert window.landscape_pane.isVisible() and window.surface_pane.isVisible()
    assert window.analysis_max_button.text() == "Maximise"


def test_a_landscape_of_one_coordinate_gets_the_whole_width(qtbot, window):
    """A 1-D problem has no 3-D surface: its pane gives way to the curve, and
    comes back with a 2-D problem (a maximised pane stays maximised)."""
    both = window.landscape_pane.width()
    window.apply(problem="tea")
    qtbot.waitUntil(lambda: not window.surface_pane.isVisible())
    assert window.landscape_pane.isVisible() and not window.landscape_pane.max_button.isVisible()
    qtbot.waitUntil(lambda: window.landscape_pane.width() > 1.5 * both)
    window.surface_pane.max_button.click()  # asked for while hidden: the curve stays
    assert window.landscape_pane.isVisible() and not window.surface_pane.isVisible()
    window.apply(problem="bowl")
    assert window.surface_pane.isVisible() and not window.landscape_pane.isVisible()
    window.surface_pane.max_button.click()
    assert window.landscape_pane.isVisible() and window.surface_pane.isVisible()
    assert window.landscape_pane.max_button.isVisible()


@pytest.mark.parametrize("problem", ["two_bumps", "logistic", "tea", "curve_fit"])
def test_the_side_panels_fit_a_narrow_window(qtbot, window, problem):
    """With the docks at their narrowest, no panel is wider than its dock (the
    docks scroll only up and down: a wider panel would be cut off at the right),
    whichever method's controls the Method panel shows."""
    from PySide6.QtWidgets import QScrollArea

    import core

    window.resize(900, 700)
    window.apply(problem=problem)
    scrolls = [s for s in window.findChildren(QScrollArea)
               if s.widget() is not None and s.widget().objectName().endswith("Panel")
               and s.widget().objectName() != "scenarioPanel"]
    assert {s.widget().objectName() for s in scrolls} >= {"datasetPanel", "methodPanel",
                                                          "learningRatePanel"}
    for name in core.METHODS:
        window.method_panel.set_method(name)  # shows that method's controls
        qtbot.wait(1)
        for scroll in scrolls:
            panel = scroll.widget()
            assert panel.minimumSizeHint().width() <= scroll.viewport().width(), (name, panel.objectName())


def test_a_ball_stuck_on_its_start_shows_and_the_start_can_still_be_dragged(qtbot, window):
    """A run that cannot leave its start (a flat step of the tea rating) drew its
    ball under the white start square; now the ball is on top, and dragging the
    square with the mouse still works through it."""
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest

    window.apply(problem="tea_rating", method="gd", start=[40.0])
    run_to_end(qtbot, window)
    view = window.landscape
    ball = view._shared.ball
    assert ball.isVisible() and ball.zValue() > view.start.zValue()  # drawn over it
    assert len(ball.data) == 1 and ball.data["x"][0] == pytest.approx(40.0)
    widget = view.viewport()

    def start_on_screen():
        return view.mapFromScene(view.start.mapToScene(0, 0))

    qtbot.waitUntil(lambda: widget.rect().contains(start_on_screen()))  # laid out anew
    here = start_on_screen()
    target = view.mapFromScene(view.plotItem.vb.mapViewToScene(QPointF(70.0, 3.0)))
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, here)
    for k in range(1, 11):  # a move with the button held (QTest.mouseMove holds none)
        at = QPointF(here + (target - here) * (k / 10))
        move = QMouseEvent(QEvent.Type.MouseMove, at, widget.mapToGlobal(at),
                           Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, move)
        qtbot.wait(5)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    qtbot.waitUntil(lambda: abs(window.controller.settings.start[0] - 40.0) > 10)
    assert isinstance(target, QPoint)


@pytest.mark.parametrize("problem, start, colour", [
    ("bowl", [1.0, 1.0], "#1b7837"),  # found the minimum: green
    ("tea_rating", [40.0], "#8c510a"),  # stopped on a flat step: not a success
    ("two_bumps", [-1.5, 0.0], "#8c510a"),  # only the shallower hollow
])
def test_the_banner_is_green_only_when_the_run_found_the_best(qtbot, window, problem, start,
                                                              colour):
    window.apply(problem=problem, method="gd", start=start)
    run_to_end(qtbot, window)
    window._update_texts()
    assert window.controller.racers[0].status == "converged"
    assert colour in window.banner.styleSheet()


def test_a_curve_shows_the_overlays_of_each_step(qtbot, window):
    """Arrows along T from where the step began, and every cup brewed on the curve
    (the tea lessons ask to watch them; curves drew none)."""
    window.apply(problem="tea", method="gd", lr=8.0, start=[80.0], steps=3)
    run_to_end(qtbot, window)
    shared = window.landscape._shared
    for key in ("gradient", "step"):
        xs, ys = shared.arrows[key].getData()
        assert xs is not None and len(xs) == 6 and np.isfinite(xs).all(), key
        assert ys[0] == pytest.approx(ys[1])  # the shaft runs along T
    step_x, _ = shared.arrows["step"].getData()
    last = window.controller.racers[0].trace.x
    assert step_x[1] == pytest.approx(last[-1, 0])  # from the last point to the newest
    window.apply(method="grid", steps=60)
    run_to_end(qtbot, window)
    pos = shared.evaluated.getData()
    assert len(pos[0]) >= 10
    p = window.controller.problem
    np.testing.assert_allclose(pos[1], p.value(np.asarray(pos[0])[:, None]), rtol=1e-9)


def test_the_status_line_of_a_race_fits_the_window_and_cuts_no_number(qtbot, window):
    window.apply(problem="two_bumps", method=["gd", "momentum", "adam", "nesterov"],
                 steps=300, start=[-1.5, 0.0])
    run_to_end(qtbot, window)
    window._update_texts()
    text = window.status_line.text()
    assert window.status_line.fontMetrics().horizontalAdvance(text) <= window.width()
    for r in window.controller.racers:
        assert f"{r.label}: step {r.trace.last_step}," in text  # whole numbers, each racer
        assert f"{r.label}: step {r.trace.last_step}," in window.status_line.toolTip()
    assert "evaluations" in window.status_line.toolTip()


def test_dragging_the_start_marker_moves_the_start(qtbot, window):
    window.apply(problem="bowl")
    window.landscape.start.setPos(0.5, -1.25)
    window.landscape.start.sigPositionChangeFinished.emit(window.landscape.start)
    assert window.controller.settings.start == pytest.approx([0.5, -1.25])
