"""The derivative view, the activation gallery and the function entry.

Every number these widgets show comes from ``core``; the tests check that the
numbers shown are the documented ones, that the plots draw, and that bad
formulas are refused visibly without losing the previous function.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

import core
from gui import appearance
from gui.panels.function_entry import FunctionEntry, help_text
from gui.views import activation_view as av
from gui.views import derivative_view as dv
from gui.views.activation_view import ENTRIES, ActivationView
from gui.views.derivative_view import DerivativeView

pytestmark = pytest.mark.gui

HOSTILE = ["__import__('os')", "x.__class__", "9**9**9", "foo(x)", "lambda: x",
           "x +", "(x for x in y)", "x if y else 1", "x" * 600]


# -- helpers ---------------------------------------------------------------------------

def rgb(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    return ndarray_from_qimage(image)[..., :3].astype(int)


def pixels_near(pixels: np.ndarray, colour: str, tol: int = 40) -> int:
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - target).max(axis=-1) <= tol).sum())


def assert_drawn(pixels: np.ndarray, *colours: str, min_pixels: int = 150) -> None:
    background = (pixels > 245).all(axis=-1)
    assert 0.01 < (~background).mean() < 0.9  # something drawn, not a blank or solid plot
    for colour in colours:
        assert pixels_near(pixels, colour) > min_pixels, colour


def number(text: str) -> float:
    text = text.replace("−", "-").split(" ")[0]
    return float(text)


def column(table, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def type_into(qtbot, edit, text: str) -> None:
    edit.clear()
    if len(text) > 60:
        edit.setText(text)  # keyClicks would take seconds for long text
    else:
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


@pytest.fixture
def dview(qtbot):
    v = DerivativeView()
    v.resize(1300, 650)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


@pytest.fixture
def aview(qtbot):
    v = ActivationView()
    v.resize(1300, 700)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.pause()


def run_to_end(qtbot, view: ActivationView, name: str) -> dict:
    view.set_activation(name)
    view.steps_per_tick = 50
    with qtbot.waitSignal(view.runFinished, timeout=10_000) as blocker:
        view.play_button.click()
    assert not view.is_running()
    return blocker.args[0]


# -- the derivative view --------------------------------------------------------------

def test_reference_configuration_draws_the_error_plot(dview):
    assert dview.formula() == dv.DEFAULT_FORMULA
    c = dview.curve
    assert c is not None and c.hs[0] == pytest.approx(1e-16)
    xs, ys = dview._fwd.getData()  # in log mode pyqtgraph returns log10 data
    assert len(xs) == len(c.hs) and np.isfinite(ys).sum() > 50
    assert_drawn(rgb(dview.error_plot), dv.FORWARD_COLOUR, dv.CENTRAL_COLOUR)
    # Round-off region on the left, truncation region on the right of the best steps.
    lo, hi = dview._roundoff.getRegion()
    lo2, hi2 = dview._truncation.getRegion()
    assert lo == pytest.approx(-16) and hi == pytest.approx(math.log10(min(c.best_forward_h,
                                                                           c.best_central_h)))
    assert hi2 == pytest.approx(0) and lo2 == pytest.approx(math.log10(max(c.best_forward_h,
                                                                           c.best_central_h)))
    assert "round-off" in dview._roundoff_text.textItem.toPlainText()
    assert "truncation" in dview._truncation_text.textItem.toPlainText()
    assert "Smallest error" in dview.plot_note.text()


@pytest.mark.parametrize("width", [1300, 760, 560])
def test_the_region_labels_never_run_into_each_other(dview, qtbot, width):
    """Wide: the long labels; narrower: short ones; they never overlap."""
    dview.resize(width, 700)
    qtbot.wait(20)
    labels = (dview._roundoff_text, dview._truncation_text)
    vb = dview.error_plot.plotItem.vb
    shown = [t for t in labels if t.isVisible()]
    if shown:
        assert len(shown) == 2
        left, right = (t.mapRectToItem(vb, t.boundingRect()) for t in labels)
        assert left.right() <= right.left()  # side by side, not on top of each other
    if width == 1300:
        assert "dominates" in dview._roundoff_text.textItem.toPlainText()


def test_table_shows_the_documented_numbers_for_sin(dview):
    assert dview.set_formula("sin(x)")
    dview.set_point(0.0)
    dview.set_h(1e-4)
    assert dview.symbolic_label.text().startswith("∂f/∂x = cos(x)")
    values = [number(t) for t in column(dview.table, 1)]
    symbolic, forward, central, automatic = values
    assert symbolic == 1.0 and automatic == 1.0
    errors = column(dview.table, 2)
    assert errors[0] == "the reference" and errors[3] == "0 (exact)"
    fwd_err, cen_err = number(errors[1]), number(errors[2])
    # sin''(0) = 0: both errors are sin(h)/h − 1 ≈ h²/6 here.
    assert fwd_err == pytest.approx(1e-8 / 6, rel=1e-2) and cen_err == pytest.approx(1e-8 / 6, rel=1e-2)
    # The same numbers core computes (3 significant digits in the table).
    ref = core.derivatives.compare_derivatives("sin(x)", [0.0], "x", 1e-4)
    assert forward == pytest.approx(ref.forward, rel=1e-14)
    assert central == pytest.approx(ref.central, rel=1e-14)
    assert "h = 0.0001" in dview.table.item(1, 0).text()
    # At x = 1 the forward difference's h/2·|f''| term shows: central is far better.
    dview.set_point(1.0)
    errors = column(dview.table, 2)
    assert number(errors[1]) == pytest.approx(math.sin(1.0) * 1e-4 / 2, rel=1e-2)
    assert number(errors[2]) < 1e-3 * number(errors[1])
    assert number(dview.table.item(0, 1).text()) == pytest.approx(math.cos(1.0), rel=1e-14)


def test_at_h_1e_4_central_beats_forward_on_the_default_function(dview):
    dview.set_h(1e-4)
    c = dview.comparison
    assert c.errors["central"] < c.errors["forward"]
    errors = column(dview.table, 2)
    assert number(errors[2]) < number(errors[1])
    assert dview._h_line.value() == pytest.approx(-4)


def test_two_variable_formula_shows_y_and_the_partial_derivative(dview, qtbot):
    assert dview.set_formula("sin(3*x)*y + x**2/4")
    assert dview.y_field.isVisible() and dview.variable_combo.isVisible()
    dview.set_point(0.0, 2.0)
    assert number(dview.table.item(0, 1).text()) == 6.0  # ∂f/∂x = x/2 + 3y cos(3x)
    dview.set_variable("y")
    assert number(dview.table.item(0, 1).text()) == 0.0  # ∂f/∂y = sin(3x)
    assert number(dview.table.item(3, 1).text()) == 0.0
    assert dview.symbolic_label.text().startswith("∂f/∂y = sin(3*x)")
    assert dview.set_formula("x**3")
    assert not dview.y_field.isVisible() and not dview.variable_combo.isVisible()
    assert dview.comparison.variable == "x"


def test_bad_formulas_are_refused_visibly_and_the_old_one_stays(dview, qtbot):
    before = column(dview.table, 1)
    old = dview.formula()
    message = dview.entry.message
    for text in HOSTILE:
        with pytest.raises(ValueError) as expected:
            core.parse_function(text)
        dview.entry.edit.setText(text)
        qtbot.keyClick(dview.entry.edit, Qt.Key.Key_Return)
        assert message.isVisible() and message.text() == str(expected.value), text
        assert "column" in message.text()
        assert dview.formula() == old
        assert column(dview.table, 1) == before
        assert "Still using" in dview.entry.current.text()
    # Correcting the text (typed key by key) brings everything back.
    type_into(qtbot, dview.entry.edit, "x**2")
    assert not message.isVisible() and dview.formula() == "x**2"
    assert column(dview.table, 1) != before


def test_set_formula_reports_refusal(dview):
    assert not dview.set_formula("x.__class__")
    assert dview.formula() == dv.DEFAULT_FORMULA
    assert "attribute access" in dview.entry.error()


def test_point_where_the_function_is_undefined_shows_nan(dview):
    assert dview.set_formula("log(x)")
    dview.set_point(-1.0)
    values = column(dview.table, 1)
    assert values[1] == "nan" and values[2] == "nan"
    assert "no finite value" in dview.plot_note.text()


def test_lhopital_section_shows_nan_for_naive_and_4_for_symbolic(dview, qtbot):
    dview.tabs.setCurrentIndex(1)
    table = dview.lhopital_table
    rows = {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
            for r in range(table.rowCount())}
    assert rows["naive evaluation"][0] == "nan"
    assert rows["automatic differentiation"] == ("nan", "nan")
    cancel = next(k for k in rows if k.startswith("symbolic: cancel"))
    assert cancel.endswith("t + 2") and rows[cancel] == ("4", "1")
    assert rows["symbolic: limit t → 2"][0] == "4"
    hack = next(k for k in rows if k.startswith("ε in the denominator"))
    assert number(rows[hack][0]) == 0.0 and number(rows[hack][1]) == pytest.approx(4e8)
    assert "1e-06" in dview.lhopital_note.text()  # core's safe_nudge_epsilon
    assert_drawn(rgb(dview.epsilon_plot), dv.FORWARD_COLOUR, dv.CENTRAL_COLOUR)
    # Another ε: the table follows core's rows for it.
    dview.epsilon_field.edit.setText("1e-4")
    dview.epsilon_field.commit()
    hack = next(table.item(r, 0).text() for r in range(table.rowCount())
                if table.item(r, 0).text().startswith("ε in the denominator"))
    assert "0.0001" in hack
    assert dview._eps_line.value() == pytest.approx(-4)


def test_presentation_mode_thickens_the_lines(dview):
    saved = appearance.CURRENT.presentation
    try:
        appearance.CURRENT.presentation = True
        dview.appearance_changed()
        assert dview._fwd.opts["pen"].widthF() == pytest.approx(appearance.CURRENT.line_width)
        assert dview._eps_curves["nudge_value"].opts["pen"].widthF() == pytest.approx(
            appearance.CURRENT.line_width)
    finally:
        appearance.CURRENT.presentation = saved


# -- the activation gallery --------------------------------------------------------------

@pytest.mark.parametrize("key", [k for k, _ in ENTRIES])
def test_each_activation_draws_its_curve_and_derivative(aview, key):
    aview.set_activation(key)
    assert_drawn(rgb(aview.curve_plot), av.VALUE_COLOUR, av.DERIV_COLOUR)
    text = aview.description.text()
    if key == av.SOFTMAX_VS_ARGMAX:
        assert core.activations.ACTIVATIONS["softmax"].effect in text
        assert core.activations.ACTIVATIONS["argmax"].effect in text
        assert not aview.play_button.isEnabled()
    else:
        assert core.activations.ACTIVATIONS[key].effect in text
        assert aview.play_button.isEnabled()
        xs, ys = aview._value.getData()
        assert np.array_equal(ys, core.activations.ACTIVATIONS[key].value(xs))


def test_heaviside_is_stuck_with_zero_gradient(aview, qtbot):
    result = run_to_end(qtbot, aview, "heaviside")
    assert result["start_grad_norm"] == 0 and not result["moved"]
    assert result["final_loss"] == result["start_loss"]
    text = aview.outcome.text()
    assert text.startswith("Stuck") and "gradient at the start is exactly 0" in text


def test_relu_dies_and_leaky_relu_recovers(aview, qtbot):
    dead = run_to_end(qtbot, aview, "relu")
    assert not dead["moved"] and aview.outcome.text().startswith("Stuck")
    alive = run_to_end(qtbot, aview, "leaky_relu")
    assert alive["moved"] and alive["status"] == "converged"
    assert alive["final_loss"] < 1e-12
    assert aview.outcome.text().startswith("Progress")


def test_softplus_makes_progress_and_draws_the_loss(aview, qtbot):
    result = run_to_end(qtbot, aview, "softplus")
    assert result["moved"] and result["final_loss"] < 0.01 * result["start_loss"]
    assert aview.outcome.text().startswith("Progress: the loss fell from")
    xs, _ = aview._loss.getData()
    assert len(xs) == result["steps"] + 1
    assert_drawn(rgb(aview.loss_plot), av.LOSS_COLOUR)
    # Its numbers are core's.
    ref = core.run(core.get_problem("neuron", activation="softplus"), "gd",
                   core.problems.neuron.NEURON_START, steps=av.DEFAULT_STEPS,
                   lr=core.problems.neuron.NEURON_LR)
    assert result["final_loss"] == ref.fun and result["steps"] == ref.nit


def test_sigmoid_crawls_then_a_finished_run_stays_for_comparison(aview, qtbot):
    crawl = run_to_end(qtbot, aview, "sigmoid")
    assert crawl["moved"] and crawl["start_grad_norm"] < 0.05
    aview.set_activation("softplus")
    assert len(aview._history_curves) == 1  # the sigmoid run, drawn faintly


def test_the_run_advances_a_few_steps_per_tick(aview, qtbot):
    aview.set_activation("sigmoid")
    aview.play()
    assert aview.is_running() and "Pause" in aview.play_button.text()
    qtbot.waitUntil(lambda: aview._trace is not None and aview._trace.last_step > 0, timeout=5000)
    aview.pause()
    assert 0 < aview._trace.last_step < av.DEFAULT_STEPS
    assert "Play" in aview.play_button.text()


def test_controls_set_the_learning_rate_and_start(aview, qtbot):
    aview.set_activation("leaky_relu")
    aview.lr_field.edit.setText("0")
    assert not aview.lr_field.commit() and aview.lr_field.message.isVisible()
    aview.lr_field.edit.setText("0.1")
    aview.lr_field.commit()
    aview.b_field.edit.setText("1")
    aview.b_field.commit()
    result = run_to_end(qtbot, aview, "leaky_relu")
    ref = core.run(core.get_problem("neuron", activation="leaky_relu"), "gd",
                   [core.problems.neuron.NEURON_START[0], 1.0], steps=av.DEFAULT_STEPS, lr=0.1)
    assert result["final_loss"] == ref.fun and result["steps"] == ref.nit


# -- the function entry ----------------------------------------------------------------

@pytest.fixture
def entry(qtbot):
    e = FunctionEntry("x**2")
    qtbot.addWidget(e)
    e.show()
    qtbot.waitExposed(e)
    return e


def test_function_entry_emits_a_working_problem(entry, qtbot):
    with qtbot.waitSignal(entry.functionAccepted, timeout=5000) as blocker:
        type_into(qtbot, entry.edit, "sin(3*x)*y + x**2/4")
    p = blocker.args[0]
    assert isinstance(p, core.Problem) and p.dim == 2 and p.name == "custom"
    assert p.grad([0.0, 2.0]).tolist() == [6.0, 0.0]
    assert entry.problem() is p and entry.text() == "sin(3*x)*y + x**2/4"
    assert core.run(p, "gd", [0.1, 0.5], steps=5, lr=0.01).nit == 5
    assert "sin(3x)·y + x²/4" in entry.current.text()


def test_function_entry_refuses_unknown_functions_with_the_column(entry, qtbot):
    old = entry.problem()
    assert old is not None and old.options["text"] == "x**2"
    with qtbot.assertNotEmitted(entry.functionAccepted):
        type_into(qtbot, entry.edit, "foo(x)")
    assert entry.message.isVisible()
    assert "unknown function 'foo' at column 1" in entry.message.text()
    assert entry.problem() is old and entry.text() == "x**2"
    assert entry.edit.text() == "foo(x)"  # kept for correcting
    with qtbot.assertNotEmitted(entry.functionAccepted):
        type_into(qtbot, entry.edit, "x + bar(y)")
    assert "column 5" in entry.message.text() and entry.edit.cursorPosition() == 4


def test_function_entry_help_lists_the_whitelist():
    text = help_text()
    for name in (*core.parse.FUNCTIONS, *core.parse.CONSTANTS, *core.parse.VARIABLES):
        assert name in text
    assert str(core.parse.MAX_LENGTH) in text


def test_noise_option_emits_its_scale(entry, qtbot):
    assert entry.noise_scale() == 0.0
    with qtbot.waitSignal(entry.noiseChanged) as blocker:
        entry.noise_check.setChecked(True)
    assert blocker.args == [0.5] and entry.noise_scale() == 0.5
    with qtbot.waitSignal(entry.noiseChanged) as blocker:
        type_into(qtbot, entry.noise_field.edit, "0.1")
    assert blocker.args == [0.1]
    with qtbot.assertNotEmitted(entry.noiseChanged):
        type_into(qtbot, entry.noise_field.edit, "-1")
    assert entry.noise_field.message.isVisible() and entry.noise_scale() == 0.1
    # The lead applies it with core's wrapper.
    noisy = core.with_gradient_noise(entry.problem(), entry.noise_scale(), seed=0)
    assert noisy.options["gradient_noise"] == 0.1
    assert not np.array_equal(noisy.grad([1.0]), entry.problem().grad([1.0]))
    with qtbot.waitSignal(entry.noiseChanged) as blocker:
        entry.noise_check.setChecked(False)
    assert blocker.args == [0.0] and not entry.noise_field.isEnabled()


@pytest.mark.parametrize("which", ["derivative", "activation", "entry"])
def test_appearance_apply_reaches_every_plot_and_restores(qtbot, which):
    widget = {"derivative": DerivativeView, "activation": ActivationView,
              "entry": FunctionEntry}[which]()
    qtbot.addWidget(widget)
    widget.resize(1200, 650)
    widget.show()
    qtbot.waitExposed(widget)
    saved = (appearance.CURRENT.theme, appearance.CURRENT.scale)
    try:
        appearance.CURRENT.theme = "dark"
        appearance.CURRENT.scale = 1.5
        appearance.apply(widget)
        for plot in widget.findChildren(pg.PlotWidget):
            pixels = rgb(plot)
            assert np.median(pixels.reshape(-1, 3), axis=0).max() < 60  # dark background
    finally:
        appearance.CURRENT.theme, appearance.CURRENT.scale = saved
        appearance.apply(widget)


def test_the_activation_axes_follow_the_curve_in_a_small_tab(qtbot):
    """Regression: in a short tab the label of the neuron's inputs (a TextItem sized in
    pixels) widened the auto-range to z from -80000 to 0 (seen in a 1400x860 window)."""
    v = ActivationView()
    v.resize(620, 100)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    for name in ("heaviside", "relu", "sigmoid"):
        v.set_activation(name)
        qtbot.wait(50)
        (x0, x1), _ = v.curve_plot.getViewBox().viewRange()
        assert -20 < x0 < x1 < 20, (name, x0, x1)
    v.pause()
