"""The analysis views: convergence order, learning-rate sweep and the basin overlay.

Pictures are checked by pixel statistics, numbers against what core computes
(and, for the parabola, against the hand-derived limit 2/λ_max = 2/2 = 1).
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6.QtGui import QImage

import core
from core import analysis_display
from gui.views.basin_overlay import (
    BASIN_COLOURS,
    DIVERGED_COLOURS,
    NOT_CONVERGED_COLOUR,
    BasinController,
    basin_image,
)
from gui.views.convergence_view import ConvergenceView
from gui.views.landscape_view import LandscapeView
from gui.views.sweep_view import SweepView, sweepable_methods

pytestmark = pytest.mark.gui

RACERS = ("#D55E00", "#56B4E9", "#009E73", "#CC79A7")


def rgb(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    return ndarray_from_qimage(image)[..., :3].astype(int).copy()


def coloured_share(pixels: np.ndarray) -> float:
    """Share of clearly coloured (not white, grey or black) pixels."""
    spread = pixels.max(axis=-1) - pixels.min(axis=-1)
    return float((spread > 60).mean())


def trace_of(problem, method, x0, **options):
    trace = core.Trace(problem.dim)
    batch = None
    for batch in core.iterate(problem, method, x0, **options):
        trace.extend(batch)
    return trace, batch.status


def nan_trace(dim: int) -> core.Trace:
    """A run whose last rows are NaN and ±inf (an overflow)."""
    x = np.array([[1.0] * dim, [3.0] * dim, [1e300] * dim, [np.inf] * dim, [np.nan] * dim])
    f = np.array([1.0, 9.0, np.inf, np.inf, np.nan])
    n = len(x)
    batch = core.Batch(steps=np.arange(n), x=x, f=f, grad_norm=f.copy(), nfev=np.arange(n) + 1.0,
                       ngev=np.arange(n) + 1.0, nhev=np.zeros(n), diagnostics=(),
                       status="diverged", done=True, message="")
    trace = core.Trace(dim)
    trace.extend(batch)
    return trace


# -- convergence view ------------------------------------------------------------------

@pytest.fixture
def convergence(qtbot):
    view = ConvergenceView()
    view.resize(760, 480)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def displayed_order(view: ConvergenceView, label: str) -> float:
    match = re.search(re.escape(label) + r": order ≈ (-?[0-9.]+)", view.orders_label.text())
    assert match, view.orders_label.text()
    return float(match.group(1))


def test_convergence_view_shows_newton_quadratic_and_gd_linear(qtbot, convergence):
    p = core.get_problem("himmelblau")
    convergence.set_problem(p)
    runs = []
    for colour, (method, hyper) in zip(RACERS, [("gd", {"lr": 0.01}), ("newton", {}),
                                                ("momentum", {"lr": 0.01})], strict=False):
        trace, status = trace_of(p, method, [2.5, 2.5], steps=2000, **hyper)
        assert status == "converged"
        runs.append((core.get_method(method).title, colour, trace, status))
    convergence.set_runs(runs)
    gd, newton = runs[0][0], runs[1][0]
    # The numbers the view displays (and keeps) are those of core.convergence_order.
    assert displayed_order(convergence, gd) == pytest.approx(1.0, abs=0.05)
    assert 1.6 < displayed_order(convergence, newton) < 2.4
    expected = core.convergence_order(runs[1][2].x, p.minima[0]).order
    assert convergence.orders[newton] == pytest.approx(expected)
    assert "quadratic" in convergence.order_texts[newton]
    assert "linear" in convergence.order_texts[gd]
    assert convergence.steady[gd] and convergence.steady[newton]
    # Heavy-ball momentum spirals in: its error oscillates, so its per-step
    # estimates disagree and the view says so instead of naming an order.
    heavy = runs[2][0]
    assert not convergence.steady[heavy] and "unsteady" in convergence.order_texts[heavy]
    assert "quadratic" not in convergence.order_texts[heavy]
    assert set(convergence.references.values()) == {"known"}
    # Errors fall to ~1e-9 (GD) and below (Newton): the curves span many decades.
    curve = convergence._curves[0][1]
    _, y = curve.getData()
    assert y[0] > -1 and np.nanmin(y) < -8
    pixels = rgb(convergence.plot)
    assert coloured_share(pixels) > 0.003
    assert len(np.unique(pixels.reshape(-1, 3)[::3], axis=0)) > 30


def test_convergence_view_without_known_minimum_uses_the_final_point(qtbot, convergence):
    saddle = core.get_problem("saddle")
    convergence.set_problem(saddle)
    trace, status = trace_of(saddle, "gd", [1.0, 0.0], steps=300, lr=0.1)
    convergence.set_runs([("GD", RACERS[0], trace, status)])
    assert convergence.references == {"GD": "final"}
    assert "final point" in convergence.plot.plotItem.titleLabel.text
    assert displayed_order(convergence, "GD") == pytest.approx(1.0, abs=0.05)


def test_convergence_view_one_dimensional(qtbot, convergence):
    p = core.get_problem("parabola")
    convergence.set_problem(p)
    trace, status = trace_of(p, "gd", [1.5], steps=300, lr=0.2)
    convergence.set_runs([("GD", RACERS[0], trace, status)])
    assert convergence.orders["GD"] == pytest.approx(1.0, abs=1e-6)
    fence = core.get_problem("fence")  # 1-D, no known minimum
    convergence.set_problem(fence)
    trace, status = trace_of(fence, "gd", [fence.domain[0].mean()], steps=50, lr=0.01)
    convergence.set_runs([("GD", RACERS[0], trace, status)])
    assert "final point" in convergence.plot.plotItem.titleLabel.text


def test_convergence_view_survives_divergence_and_nan(qtbot, convergence):
    bowl = core.get_problem("bowl")
    convergence.set_problem(bowl, maximize=True)  # the bowl has no maximum
    up, status = trace_of(bowl, "gd", [1.0, 1.0], steps=500, lr=0.1, maximize=True)
    assert status == "diverged"
    convergence.set_problem(bowl)
    convergence.set_runs([("ascent", RACERS[0], up, status), ("overflow", RACERS[1], nan_trace(2), "diverged"),
                          ("empty", RACERS[2], core.Trace(2), "ready")])
    for label in ("ascent", "overflow"):
        assert np.isnan(convergence.orders[label])
        assert "not measurable" in convergence.order_texts[label]
    assert "no steps yet" in convergence.order_texts["empty"]
    _, y = convergence._curves[0][1].getData()
    assert np.nanmax(y) <= 15.0  # clipped for display
    assert not convergence.grab().isNull()
    convergence.clear()
    assert convergence.orders_label.text() == ""


# -- learning-rate sweep --------------------------------------------------------------

@pytest.fixture
def sweep(qtbot):
    view = SweepView()
    view.resize(900, 560)
    view.auto_check.setChecked(False)  # the tests start every sweep themselves
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.shutdown()


def run_sweep(qtbot, view: SweepView):
    with qtbot.waitSignal(view.finished, timeout=60_000) as blocker:
        assert view.sweep()
    return blocker.args[0]


def test_sweep_methods_all_take_a_learning_rate(sweep):
    names = [sweep.method_combo.itemData(i) for i in range(sweep.method_combo.count())]
    assert names == sweepable_methods()
    assert "gd" in names and "newton" in names and "nelder_mead" not in names


def test_sweep_on_the_parabola_finds_the_threshold_and_the_stability_limit(qtbot, sweep):
    p = core.get_problem("parabola")
    sweep.set_context(p, "gd", [-1.2], {"lr": 0.1, "momentum": 0.0})
    result = run_sweep(qtbot, sweep)
    # f = x², λ = 2: plain gradient descent multiplies x by (1 − 2r), stable below r = 1.
    assert result.stability_limit == pytest.approx(1.0)
    assert result.threshold == pytest.approx(1.0, rel=0.01)
    assert sweep.limit_line.isVisible() and sweep.limit_line.value() == pytest.approx(0.0)
    assert "2/λ_max = 1.0" in sweep.limit_line.label.toPlainText()
    assert sweep.threshold_line.isVisible()
    assert 10 ** sweep.threshold_line.value() == pytest.approx(result.threshold)
    summary = sweep.summary.text()
    assert "Runs converge up to r ≈ 0.99" in summary and "2/λ_max limit is 1.0" in summary
    # The sources' four rates: slow, fast, oscillating (all converge), diverging.
    lesson = sweep.lesson.data
    assert len(lesson) == 4
    status = dict(zip(result.lrs.tolist(), result.status.tolist(), strict=True))
    assert [status[r] for r in analysis_display.LESSON_RATES] == ["converged"] * 3 + ["diverged"]
    steps = dict(zip(result.lrs.tolist(), result.steps_to_converge.tolist(), strict=True))
    assert steps[0.05] > steps[0.2] and steps[0.9] > steps[0.2]
    assert len(sweep.diverged.data) == int((result.status == "diverged").sum()) > 0
    pixels = rgb(sweep.plot)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 90)
    assert red.sum() > 50  # the diverged crosses and the threshold line
    assert coloured_share(pixels) > 0.01


def test_sweep_survives_an_ascent_where_everything_diverges(qtbot, sweep):
    sweep.set_context(core.get_problem("bowl"), "gd", [1.0, 1.0], {}, maximize=True)
    sweep.set_range(0.1, 2.0, rates=9, steps=300)
    result = run_sweep(qtbot, sweep)
    assert set(result.status.tolist()) == {"diverged"}
    assert "No learning rate" in sweep.summary.text()
    assert not sweep.threshold_line.isVisible()
    _, y = sweep.line.getData()
    assert np.isfinite(y).all()
    assert not sweep.grab().isNull()


def test_sweep_refuses_bad_ranges_with_a_message(qtbot, sweep):
    sweep.set_context(core.get_problem("parabola"), "gd", [1.0], {})
    sweep.min_field.edit.setText("fast")
    assert not sweep.sweep()
    assert sweep.message.isVisible() and "not a number" in sweep.message.text()
    sweep.min_field.edit.setText("-1")
    assert not sweep.sweep()
    assert "lr" in sweep.message.text()
    sweep.min_field.edit.setText("2")
    sweep.max_field.edit.setText("0.5")
    with qtbot.waitSignal(sweep.failed) as blocker:
        assert not sweep.sweep()
    assert "must be larger" in blocker.args[0]


def test_sweep_with_a_method_without_lr_keeps_the_combo_and_runs_other_methods(qtbot, sweep):
    p = core.get_problem("himmelblau")
    sweep.set_context(p, "nelder_mead", [0.5, 0.5], {"reflection": 1.0})
    assert sweep.method == "gd"
    sweep.method_combo.setCurrentIndex(sweep.method_combo.findData("newton"))
    sweep.set_range(0.1, 2.0, rates=5, steps=100)
    result = run_sweep(qtbot, sweep)
    assert result.method == "newton" and result.lrs.size >= 5


def test_sweep_can_be_closed_while_running(qtbot):
    view = SweepView()
    qtbot.addWidget(view)
    view.auto_check.setChecked(False)
    # Newton runs one rate at a time, so the sweep stops between runs; with
    # tol=0 every run takes all its steps (minutes in total).
    view.set_context(core.get_problem("rosenbrock"), "newton", [-1.5, 2.0], {}, tol=0.0)
    view.set_range(0.01, 1.0, rates=1000, steps=1000)
    got = []
    view.finished.connect(got.append)
    assert view.sweep()
    qtbot.wait(100)
    started = time.perf_counter()
    view.close()  # stops the sweep and waits for its thread
    assert time.perf_counter() - started < 3.0
    qtbot.wait(50)
    assert got == [] and view._pool.active == 0


# -- basin overlay --------------------------------------------------------------------

def colours_in(image: np.ndarray) -> set[tuple[int, int, int]]:
    rgba = image.reshape(-1, 4)
    return {tuple(int(v) for v in c[:3]) for c in np.unique(rgba[rgba[:, 3] > 0], axis=0)}


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_basin_image_of_himmelblau_has_four_basin_colours(qtbot):
    p = core.get_problem("himmelblau")
    result = core.basin_map(p, "gd", resolution=64, steps=400, lr=0.01)
    image, rect, legend = basin_image(result)
    assert image.shape == (64, 64, 4) and image.dtype == np.uint8
    assert colours_in(image) == {hex_rgb(c) for c in BASIN_COLOURS[:4]}
    assert len(legend) == 4 and all(label.startswith("minimum") for label, _ in legend)
    # Pixels are centred on the grid points: half a pixel beyond the domain.
    half = 10 / 63 / 2
    assert rect == pytest.approx((-5 - half, -5 - half, 10 + 2 * half, 10 + 2 * half))
    # Row-major like the labels: the top-right minimum (3, 2) owns the top-right corner.
    top_right = tuple(int(v) for v in image[-1, -1, :3])
    (label, colour), = [(lab, c) for lab, c in legend if lab.startswith("minimum (3, 2)")]
    assert result.labels[-1, -1] == 0 or top_right == hex_rgb(colour)

    view = LandscapeView()
    view.resize(420, 420)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.set_problem(p)
    before = rgb(view)
    view.set_basin(image, rect)
    after = rgb(view)
    assert np.abs(after - before).mean() > 5  # the overlay shows


def test_basin_image_marks_diverged_and_unfinished_starts():
    bowl = core.get_problem("bowl")
    result = core.basin_map(bowl, "gd", resolution=16, steps=200, lr=0.1, maximize=True)
    image, _, legend = basin_image(result, optimum="maximum")
    assert colours_in(image) >= {hex_rgb(c) for c in DIVERGED_COLOURS}
    assert legend[-1][0].startswith("diverged")
    slow = core.basin_map(bowl, "gd", resolution=16, steps=1, lr=1e-4)
    image, _, legend = basin_image(slow)
    assert colours_in(image) == {hex_rgb(NOT_CONVERGED_COLOUR)}
    assert legend == [("not converged within 1 steps: 100%", NOT_CONVERGED_COLOUR)]


def test_basin_image_of_a_curve_is_one_row_spanning_the_domain():
    p = core.get_problem("tea")
    result = core.basin_map(p, "gd", resolution=50, steps=500, lr=0.5)
    image, rect, legend = basin_image(result, y_range=(-2.0, 3.0))
    assert image.shape == (1, 50, 4)
    x0, x1 = p.domain[0]
    dx = (x1 - x0) / 49
    assert rect == pytest.approx((x0 - dx / 2, -2.0, x1 - x0 + dx, 5.0))
    assert legend


def test_basin_controller_computes_in_the_background(qtbot):
    controller = BasinController(resolution=48, steps=400)
    with qtbot.waitSignal(controller.ready, timeout=30_000) as blocker:
        assert controller.compute("himmelblau", "gd", {"lr": 0.01})
        assert controller.busy
    image, rect, legend, summary = blocker.args
    assert image.shape == (48, 48, 4) and len(legend) == 4
    assert "4 basins" in summary and "100% converged" in summary
    assert controller.result.n_basins == 4 and not controller.busy
    # A 1-D problem: the band spans what the landscape view shows.
    with qtbot.waitSignal(controller.ready, timeout=30_000) as blocker:
        controller.compute(core.get_problem("parabola"), "gd", {"lr": 0.1})
    image, rect, _, _ = blocker.args
    assert image.shape == (1, 48, 4) and rect[3] > 0
    assert controller.shutdown()


@pytest.mark.parametrize("problem, method, words", [
    ("himmelblau", "nelder_mead", "one start at a time"),
    ("logistic", "gd", "1 or 2 coordinates"),
])
def test_basin_controller_refuses_what_it_cannot_map(qtbot, problem, method, words):
    controller = BasinController()
    with qtbot.waitSignal(controller.failed) as blocker:
        assert not controller.compute(problem, method, {})
    assert words in blocker.args[0]


def test_basin_controller_reports_bad_hyperparameters_and_can_cancel(qtbot):
    controller = BasinController(resolution=32, steps=100)
    with qtbot.waitSignal(controller.failed, timeout=30_000) as blocker:
        controller.compute("bowl", "gd", {"lr": -1.0})
    assert "lr" in blocker.args[0]
    got = []
    controller.ready.connect(lambda *args: got.append(args))
    controller.compute("bowl", "gd", {"lr": 0.1})
    controller.cancel()
    assert controller.shutdown()
    qtbot.wait(50)
    assert got == [] and not controller.busy
    with pytest.raises(ValueError, match="resolution"):
        controller.set_resolution(1)


def test_basin_summary_reads_well_for_a_curve_and_for_one_basin():
    """"from 128 starts along the axis: 2 basins", "1 basin" (not "(128)", "1 basins")."""
    from gui.views.basin_overlay import basin_summary

    tea = core.basin_map(core.get_problem("tea"), "gd", resolution=128, steps=500, lr=8.0)
    text = basin_summary(tea)
    assert "128 starts along the axis: 2 basins" in text, text
    bowl = core.basin_map(core.get_problem("bowl"), "gd", resolution=16, steps=500, lr=0.1)
    text = basin_summary(bowl)
    assert "256 starts (16 × 16): 1 basin;" in text, text

