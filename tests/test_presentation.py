"""Presentation mode: full screen, scaled fonts, themes, thick lines, keyboard."""

from __future__ import annotations

import warnings

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from gui import appearance
from gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    appearance.CURRENT.scale, appearance.CURRENT.theme = 1.0, "light"
    appearance.CURRENT.presentation = False
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # The 3-D view creates its GL widget just after the first show; doing so
    # re-creates native windows, which drops activation: wait for it first.
    qtbot.waitUntil(lambda: win.surface.gl is not None)
    # Shortcuts only fire in the active window (Xvfb has no window manager to activate it).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the only way without a WM
        QApplication.setActiveWindow(win)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win
    win.controller.shutdown()
    appearance.CURRENT.scale, appearance.CURRENT.theme = 1.0, "light"
    appearance.CURRENT.presentation = False
    appearance.apply(win)


def tick_font_size(plot) -> float:
    return plot.getPlotItem().getAxis("bottom").style["tickFont"].pointSizeF()


def test_ctrl_plus_scales_every_font_together(qtbot, window):
    before = (QApplication.font().pointSizeF(), window.banner.font().pointSizeF(),
              tick_font_size(window.landscape), tick_font_size(window.loss.plot))
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    after = (QApplication.font().pointSizeF(), window.banner.font().pointSizeF(),
             tick_font_size(window.landscape), tick_font_size(window.loss.plot))
    for b, a in zip(before, after, strict=True):
        assert a == pytest.approx(b * appearance.SCALE_STEP**2, rel=0.02), (before, after)
    assert window.method_panel.summary.font().pointSizeF() == pytest.approx(after[0])
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.font().pointSizeF() == pytest.approx(before[0] * appearance.SCALE_STEP,
                                                             rel=0.02)


def test_dark_theme_changes_plots_and_widgets(qtbot, window):
    window.theme_actions["dark"].trigger()
    bg = window.loss.plot.backgroundBrush().color()
    assert bg.lightness() < 50
    assert QApplication.palette().window().color().lightness() < 60
    window.theme_actions["light"].trigger()
    assert window.loss.plot.backgroundBrush().color() == QColor("#ffffff")


@pytest.mark.parametrize("tab,plot", [("convergence", "convergencePlot"),
                                      ("lr_sweep", "sweepPlot")])
def test_a_tab_opened_later_gets_the_current_theme_and_text_size(qtbot, window, tab, plot):
    """Analysis tabs are built when first opened, after the theme was applied."""
    window.theme_actions["dark"].trigger()
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    window.show_tab(tab)
    widget = window.findChild(object, plot)
    assert widget is not None
    assert widget.backgroundBrush().color().lightness() < 50
    assert tick_font_size(widget) == pytest.approx(tick_font_size(window.loss.plot))
    title = widget.getPlotItem().titleLabel
    assert QColor(title.opts["color"]).lightness() > 150  # light text on the dark plot


def test_presentation_mode_draws_thicker_lines_and_bigger_balls(qtbot, window):
    window.apply(problem="bowl", start=[1.0, 1.0], lr=0.1)
    window.controller.step()
    qtbot.wait(60)
    items = window.landscape._racers[0]
    thin = items.line.opts["pen"].widthF()
    small = items.ball.opts["size"]
    window.presentation_action.trigger()
    assert items.line.opts["pen"].widthF() > thin
    assert items.ball.opts["size"] > small
    assert QApplication.font().pointSizeF() > 10


def test_f11_toggles_full_screen(qtbot, window):
    window.fullscreen_action.trigger()
    qtbot.waitUntil(window.isFullScreen)
    window.fullscreen_action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())


def test_keyboard_space_n_and_r(qtbot, window):
    window.apply(problem="bowl", start=[1.0, 1.0], lr=0.01, steps=100000)
    window.landscape.setFocus()
    qtbot.keyClick(window.landscape, Qt.Key.Key_N)
    trace = window.controller.racers[0].trace
    assert trace.last_step == 1
    qtbot.keyClick(window.landscape, Qt.Key.Key_Space)
    assert window.controller.state == "running"
    qtbot.waitUntil(lambda: trace.last_step > 3)
    qtbot.keyClick(window.landscape, Qt.Key.Key_Space)
    assert window.controller.state == "paused"
    qtbot.keyClick(window.landscape, Qt.Key.Key_R)
    assert window.controller.state == "ready"
    assert window.controller.racers[0].trace.last_step == -1


def test_typing_in_a_field_does_not_trigger_shortcuts(qtbot, window):
    field = window.lr_panel.field.edit
    field.setFocus()
    field.clear()
    qtbot.keyClicks(field, "1")
    qtbot.keyClick(field, Qt.Key.Key_N)  # not "step"
    assert window.controller.racers[0].trace.last_step == -1
    assert field.text() == "1n"


def test_step_by_step_shows_each_part_of_an_update_with_a_caption(qtbot, window):
    window.apply(problem="ellipse", method="momentum", lr=0.02, start=[-2.5, 1.5])
    window.explain_action.setChecked(True)
    items = window.landscape._racers
    window.step_clicked()
    assert "part 1 of 3" in window.banner.text() and "gradient" in window.banner.text().lower()
    racer = window.landscape._racers[0]
    assert len(racer.arrows["gradient"].getData()[0]) == 6
    assert racer.arrows["velocity"].getData()[0] is None or len(racer.arrows["velocity"].getData()[0]) == 0
    assert len(racer.line.getData()[0]) == 1  # the ball waits at the start
    window.step_clicked()
    assert "part 2 of 3" in window.banner.text() and "velocity" in window.banner.text()
    assert len(racer.arrows["velocity"].getData()[0]) == 6
    window.step_clicked()
    assert "part 3 of 3" in window.banner.text()
    assert len(racer.line.getData()[0]) == 2  # now the step is taken
    window.step_clicked()  # the next update begins
    assert "Step 2, part 1" in window.banner.text()
    window.explain_action.setChecked(False)
    assert window.landscape.reveal is None and items


def test_the_loss_legend_lets_a_curve_under_it_show_through(qtbot, window):
    # a slow run's loss often runs through the upper right, where the legend is
    window.apply(problem="ellipse", method=["gd", "cg"], lr=0.1, steps=60)
    brush = window.loss.legend.opts["brush"]
    assert 120 <= brush.color().alpha() < 255


def test_a_title_too_long_for_its_plot_ends_in_an_ellipsis(qtbot):
    """A narrow plot shortens its title to "…" (the whole title in the tooltip)
    instead of being pushed wider than its pane; a wide one shows it all."""
    import pyqtgraph as pg

    from gui.style import set_title

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    text = "Two bumps (upside down) — dark = low loss, light = high loss"
    set_title(plot, text)
    plot.resize(260, 200)
    plot.show()
    qtbot.waitExposed(plot)
    label = plot.getPlotItem().titleLabel
    shown = label.item.toPlainText
    qtbot.waitUntil(lambda: shown().endswith("…"))
    assert text.startswith(shown()[:-1].rstrip()) and len(shown()) > 5
    assert label.itemRect().width() <= label.size().width()
    assert label.text == text and label.toolTip() == text  # a theme change sets it again
    assert plot.getPlotItem().width() <= 260  # the plot is not pushed wider
    label.setAttr("size", "20pt")
    label.setText(label.text)  # as a theme or text-size change does
    assert shown().endswith("…") and label.itemRect().width() <= label.size().width()
    plot.resize(1400, 200)
    qtbot.waitUntil(lambda: shown() == text)
    assert label.toolTip() == ""


def test_presentation_mode_makes_way_for_the_plots_and_f9_brings_the_panels_back(qtbot, window):
    docks = window.settings_docks
    assert len(docks) == 3 and all(d.isVisible() for d in docks)
    width = window.landscape_pane.width()
    window.presentation_action.trigger()
    assert not any(d.isVisible() for d in docks)
    qtbot.waitUntil(lambda: window.landscape_pane.width() > width)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert all(d.isVisible() for d in docks) and window.panels_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert not any(d.isVisible() for d in docks)
    window.presentation_action.trigger()  # leaving presentation mode brings them back
    assert all(d.isVisible() for d in docks)


def test_a_race_of_several_methods_gets_one_compact_banner_line_each(qtbot, window):
    """With more than two racers the banner's lines are in ordinary-sized bold
    text (one racer's message stays large), and a step limit is said briefly."""
    window.apply(problem="two_bumps", method="gd", steps=5, start=[-1.5, 0.0])
    window.controller.set_speed(0)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished")
    large = window.banner.font().pointSizeF()
    window.apply(method=["gd", "momentum", "adam"], steps=3)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished")
    window._update_texts()
    assert window.banner.font().pointSizeF() < 0.8 * large
    assert window.banner.text().count("Not converged after 3 steps") == 3
