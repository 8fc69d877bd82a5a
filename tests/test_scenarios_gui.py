"""Scenarios in the window: one click sets everything up; bad files change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import core
from gui.main_window import MainWindow
from gui.save_dialog import SaveScenarioDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: len(win.scenario_panel.scenarios) > 0, timeout=20000)
    yield win
    win.controller.shutdown()


def test_the_panel_lists_every_scenario_and_shows_the_explanation(qtbot, window):
    panel = window.scenario_panel
    assert panel.list.count() == len(core.list_scenarios()) >= 20
    assert panel.choose(0)
    first = core.list_scenarios()[0]
    assert first.title in panel.title.text()
    assert first.explanation.split()[0] in panel.explanation.toPlainText()


def test_the_learning_rate_lesson_sets_up_four_racers(qtbot, window):
    window.apply_scenario(core.load_scenario("learning_rates"))
    c = window.controller
    assert c.problem.name == "parabola"
    assert [r.hyper["lr"] for r in c.racers] == [0.05, 0.2, 0.9, 1.02]
    assert len({r.colour for r in c.racers}) == 4
    assert c.settings.start.tolist() == [1.0]
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=15000)
    assert [r.status for r in c.racers] == ["converged"] * 3 + ["diverged"]
    assert window.loss.log_check.isChecked()


@pytest.mark.parametrize("name, labels", [
    ("learning_rates", ["Gradient descent (r = 0.05)", "Gradient descent (r = 0.2)",
                        "Gradient descent (r = 0.9)", "Gradient descent (r = 1.02)"]),
    ("tea_search_race", ["Exhaustive grid search", "Gradient descent", "Simulated annealing",
                         "Genetic algorithm"]),
    ("newton_quadratic_convergence", ["Newton's method", "Gradient descent"]),
    ("newton_far_away", ["Newton's method (pure)", "Newton's method (damped)",
                         "Gradient descent"]),
    ("levenberg_marquardt", ["Gradient descent", "Levenberg–Marquardt"]),
    ("fence_by_hand", ["Gradient ascent (r = 0.25)", "Gradient ascent (r = 0.5)",
                       "Gradient ascent (r = 1 (thrashing))"]),
])
def test_a_racer_is_named_by_its_method_and_what_its_own_label_adds(window, name, labels):
    """A lesson's own label appears in brackets only when it says something the
    method's title does not ("Exhaustive grid search (exhaustive search)" would
    fill a projector's banner with repetition)."""
    window.apply_scenario(core.load_scenario(name))
    assert [r.label for r in window.controller.racers] == labels


@pytest.mark.parametrize("name, activation", [("relu_dead_neuron", "relu"),
                                              ("leaky_relu_recovers", "leaky_relu"),
                                              ("softplus_smooth_relu", "softplus"),
                                              ("heaviside_no_gradient", "heaviside")])
def test_a_neuron_lesson_opens_the_gallery_on_its_activation(qtbot, window, name, activation):
    """The activation gallery follows the neuron being trained, whether it is
    built by the lesson or was built before (then shown the Heaviside step)."""
    window.apply_scenario(core.load_scenario(name))
    gallery = window._lazy["activations"].view
    assert gallery.activation() == activation
    assert window.analysis.currentWidget() is window.tabs["activations"]
    if activation in ("heaviside", "relu", "leaky_relu"):  # formulas with "z < 0"
        assert "z &lt; 0" in gallery.description.text()  # escaped: not read as a tag
    window.apply(problem="neuron", options={"activation": "sigmoid"})
    assert gallery.activation() == "sigmoid"


def test_a_formula_lesson_shows_its_function_and_ends_at_once(qtbot, window):
    """Regression: the L'Hopital lesson left the Dataset panel on the previous problem
    and said "Ready" although its run cannot take a single step (0/0 at the start)."""
    window.apply_scenario(core.load_scenario("lhopital_zero_over_zero"))
    panel = window.dataset_panel
    assert panel.function_box.isChecked()
    assert panel.function_entry.edit.text() == "(x**2 - 4)/(x - 2)"
    assert "(x² − 4)/(x − 2)" in panel.formula.text()
    assert "typed" in panel.description.text() or "formula" in panel.description.text().lower()
    x, y = window.landscape.start_position()  # f(2) is 0/0: the marker stays on screen
    assert x == 2.0 and np.isfinite(y) and window.landscape.start.isVisible()
    assert panel.combo.currentIndex() == -1  # the list names no listed problem...
    assert panel.combo.currentText() == ""  # ...and shows its placeholder instead
    assert "own function" in panel.combo.placeholderText()
    c = window.controller
    assert c.state == "finished"
    assert c.racers[0].status == "diverged"
    qtbot.waitUntil(lambda: "Diverged at step 0" in window.banner.text(), timeout=3000)
    window.show_tab("data")  # drawing a NaN loss must not warn (filterwarnings = error)
    qtbot.wait(300)
    window.apply_scenario(core.load_scenario("learning_rates"))  # back to a named problem
    assert "parabola" in panel.formula.text().lower() or panel.problem() == "parabola"
    assert c.state == "ready"


def test_a_noisy_lesson_names_its_landscape_and_a_listed_problem_can_follow_a_typed_one(
        qtbot, window):
    """The dropout lesson's panel showed the previous problem (two bumps) beside a
    map of the elongated valley; after a typed function, picking the problem that
    was listed before it must take effect again."""
    window.apply_scenario(core.load_scenario("gradient_noise_dropout"))
    panel = window.dataset_panel
    assert panel.combo.currentData() == window.controller.problem.name == "ellipse"
    assert "valley" in panel.description.text().lower()
    window.apply_scenario(core.load_scenario("finite_differences"))  # a typed function
    assert panel.combo.currentIndex() == -1
    panel.combo.setCurrentIndex(panel.combo.findData("ellipse"))  # as a user picks it
    assert window.controller.problem.name == "ellipse" and panel.combo.currentData() == "ellipse"


def test_the_derivatives_tab_follows_the_typed_function(qtbot, window):
    """finite_differences differentiates its own formula; the 0/0 lesson, whose
    function has no value at the start, opens the L'Hopital page."""
    window.apply_scenario(core.load_scenario("lhopital_zero_over_zero"))
    view = window._lazy["derivatives"].view
    assert view.formula() == "(x**2 - 4)/(x - 2)"
    assert view.tabs.currentIndex() == 1
    window.apply_scenario(core.load_scenario("finite_differences"))
    assert view.formula() == "sin(3*x) + x**2/4" and view.tabs.currentIndex() == 0


def test_the_method_list_colours_each_method_as_its_run_is_drawn(window):
    """newton_far_away races Newton twice, then gradient descent (third colour):
    the list showed gradient descent in the second colour, damped Newton's."""
    from PySide6.QtGui import QColor

    window.apply_scenario(core.load_scenario("newton_far_away"))
    runs = {}
    for r in window.controller.racers:
        runs.setdefault(r.method, r.colour)
    for name, colour in runs.items():
        shown = window.method_panel._items[name].foreground(0).color()
        assert shown == QColor(colour), name


def test_the_learning_rate_panel_says_when_racers_bring_their_own_rates(qtbot, window):
    window.apply_scenario(core.load_scenario("tea_gradient_descent"))  # gd at 20 and 5
    note = window.lr_panel.note
    assert note.isVisible() and "(20, 5)" in note.text() and "not used" in note.text()
    window.apply(problem="bowl", method="gd")  # a set-up of one's own: no note
    window._update_texts()
    assert not note.isVisible()


def test_the_gallery_runs_the_lessons_neuron_when_the_lesson_plays(qtbot, window):
    """The neuron lessons open the gallery, whose loss plot stayed empty and whose
    inputs sat at its own start: it follows the lesson's start, rate and run."""
    window.apply_scenario(core.load_scenario("leaky_relu_recovers"))
    gallery = window._lazy["activations"].view
    c = window.controller
    assert gallery.w_field.value() == pytest.approx(c.settings.start[0])
    assert gallery.b_field.value() == pytest.approx(c.settings.start[1])
    assert gallery.lr_field.value() == pytest.approx(c.racers[0].hyper["lr"])
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: gallery.result is not None, timeout=20000)
    xs, ys = gallery._loss.getData()
    assert xs is not None and len(xs) > 10
    lead = c.racers[0].trace
    assert gallery.result["final_loss"] == pytest.approx(float(lead.last["f"]), rel=1e-6, abs=1e-12)


def test_a_climbing_loss_on_a_log_scale_climbs(qtbot, window):
    """ascent_spikes: the log plot measured the gap from the run's own start (its
    smallest loss), so step 0 fell to 1e-12 and the steady climb looked flat."""
    window.apply_scenario(core.load_scenario("ascent_spikes"))
    c = window.controller
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=15000)
    window.loss.refresh()
    assert window.loss.log_check.isChecked() and window.loss.floor == 0.0
    _, ys = window.loss._curves[0].getData()
    finite = ys[np.isfinite(ys)]
    assert len(finite) >= 5 and finite[0] > -3  # log10 of the loss itself, ~0.1
    assert np.all(np.diff(finite) >= -1e-9)  # climbing all the way


def test_a_climbed_value_is_not_called_a_loss(qtbot, window):
    window.apply_scenario(core.load_scenario("fence_by_hand"))
    window._refresh()
    assert window.loss.plot.getAxis("left").labelText == "value (climbing)"
    window.apply_scenario(core.load_scenario("learning_rates"))  # a log scale: the gap
    window._refresh()
    assert window.loss.plot.getAxis("left").labelText == "log₁₀(loss − best known)"
    window.loss.log_check.setChecked(False)
    assert window.loss.plot.getAxis("left").labelText == "loss"


def test_newton_on_the_hilltop_is_not_praised(qtbot, window):
    window.apply_scenario(core.load_scenario("newton_far_away"))
    c = window.controller
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=15000)
    window._update_texts()
    text = window.banner.text()
    assert "Newton's method (pure): Converged at step" in text
    assert "— a maximum, not a minimum" in text
    assert "#1b7837" not in window.banner.styleSheet()  # not the green of success


def test_number_keys_load_the_first_lessons(qtbot, window):
    qtbot.waitUntil(lambda: window.surface.gl is not None)  # GL creation drops activation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    second = core.list_scenarios()[1]
    qtbot.keyClick(window.landscape, Qt.Key.Key_2)
    assert window.scenario_panel.title.text() == f"<b>{second.title}</b>"
    assert window.controller.problem.name == second.problem.name


def test_a_malformed_file_leaves_the_session_untouched(qtbot, window, tmp_path):
    window.apply(problem="himmelblau", method=["gd", "adam"], lr=0.02)
    before = (window.controller.problem.name, [r.method for r in window.controller.racers])
    bad = tmp_path / "broken.toml"
    bad.write_text('title = "Broken"\nexplanation = "too short"\n[run]\nsteps = -5\n',
                   encoding="utf-8")
    assert not window.open_scenario(str(bad))
    message = window.scenario_panel.message
    assert message.isVisible() and "broken.toml" in message.text() and "line" in message.text()
    assert (window.controller.problem.name,
            [r.method for r in window.controller.racers]) == before


def test_saving_the_current_set_up_round_trips(qtbot, window, tmp_path):
    window.apply(problem="rosenbrock", method=["gd", "newton"], lr=0.001, start=[-1.2, 1.0],
                 steps=300)
    dialog = SaveScenarioDialog(window, window.current_scenario_dict())
    qtbot.addWidget(dialog)
    dialog.title.setText("Newton against descent on the banana")
    assert not dialog.save_to(tmp_path / "x.toml")  # no explanation yet: refused
    assert "explanation" in dialog.message.text()
    assert not (tmp_path / "x.toml").exists()
    dialog.explanation.setPlainText(" ".join(["Watch the two balls."] * 20))
    path = tmp_path / "banana.toml"
    assert dialog.save_to(path)
    loaded = core.load_scenario(path)
    assert loaded.problem.name == "rosenbrock" and [m.name for m in loaded.methods] == ["gd", "newton"]
    assert list(loaded.run.start) == [-1.2, 1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["banana.toml"]  # no temp files left
    window.apply(problem="bowl")
    assert window.open_scenario(str(path))
    assert window.controller.problem.name == "rosenbrock"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gui.app", *args], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))


def test_command_line_lists_and_runs_scenarios(tmp_path):
    listed = _cli("--list-scenarios")
    assert listed.returncode == 0
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == len(core.list_scenarios())
    assert lines[0].split("\t")[0] == core.list_scenarios()[0].name
    out = tmp_path / "lesson.png"
    shot = _cli("--scenario", "learning_rates", "--steps", "50", "--screenshot", str(out))
    assert shot.returncode == 0, shot.stderr
    assert out.stat().st_size > 10_000


def test_command_line_refuses_a_malformed_scenario_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("title = [unclosed\n", encoding="utf-8")
    proc = _cli("--scenario", str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "optiscope: error" in line]
    assert len(errors) == 1 and "bad.toml" in errors[0] and "line 1" in errors[0]
