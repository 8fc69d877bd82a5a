"""Smooth redraws while methods race (issue 5): less work per frame, nothing drawn wrong.

Each saving here skips or shares work; each test checks that what the views
show still follows the data when it changes.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QObject

from gui.views.loss_view import steady_range

pytestmark = pytest.mark.gui

RACE = ["gd", "momentum", "adam", "newton", "bfgs", "nelder_mead"]


def steps(qtbot, window, n=1):
    for _ in range(n):
        window.controller.step()
    qtbot.wait(20)


def test_the_contour_map_shares_items_between_racers_and_hides_empty_ones(qtbot, window):
    window.apply(problem="two_bumps", method=RACE, lr=0.05)
    steps(qtbot, window, 3)
    view = window.landscape
    shared = view._shared
    # One ball item for every racer, one spot per racer, each in its racer's colour.
    balls = shared.ball.data
    assert len(balls) == len(RACE)
    colours = [spot.brush().color().name() for spot in shared.ball.points()]
    assert colours == [r.colour.lower() for r in window.controller.racers]
    # Every racer's own path ends where its ball is.
    for items, spot in zip(view._racers, shared.ball.points(), strict=True):
        xs, ys = items.line.getData()
        assert (xs[-1], ys[-1]) == pytest.approx((spot.pos().x(), spot.pos().y()))
    # Nothing racing here draws a genetic population or annealing candidates: hidden,
    # so Qt does not paint them; Nelder-Mead's simplex is drawn by its own item.
    assert not shared.population.isVisible() and not shared.candidate.isVisible()
    simplexes = [items.simplex for items in view._racers if items.simplex is not None]
    assert len(simplexes) == 1 and simplexes[0].isVisible()
    # An overlay switched off empties and hides its item; on again, it is back.
    assert shared.arrows["gradient"].isVisible()
    window.overlay_actions["gradient"].setChecked(False)
    assert not shared.arrows["gradient"].isVisible()
    window.overlay_actions["gradient"].setChecked(True)
    xs, _ = shared.arrows["gradient"].getData()
    assert shared.arrows["gradient"].isVisible() and len(xs) == 6 * (len(RACE) - 1)


def test_the_balls_move_with_new_steps_and_their_symbols_are_not_rendered_again(qtbot, window):
    window.apply(problem="bowl", method=["gd", "adam"], lr=0.1, start=[1.5, 1.0])
    steps(qtbot, window)
    ball = window.landscape._shared.ball
    first = [(s.pos().x(), s.pos().y()) for s in ball.points()]
    atlas = len(ball.fragmentAtlas._coords)
    steps(qtbot, window, 5)
    later = [(s.pos().x(), s.pos().y()) for s in ball.points()]
    assert later != first  # the redraw follows the data
    # The same pens and brushes every frame: no new symbol images per frame
    # (before, the atlas grew by one image per racer and frame, without end).
    assert len(ball.fragmentAtlas._coords) == atlas


def test_a_hidden_tab_draws_when_it_is_shown_with_the_latest_data(qtbot, window):
    window.apply(problem="bowl", method="gd", lr=0.1, start=[1.5, 1.0])
    window.show_tab("loss")
    steps(qtbot, window, 3)
    conv = window.convergence_view
    assert not conv.isVisible()
    assert conv._pending is not None  # kept, not drawn
    assert conv.order_texts == {}
    steps(qtbot, window, 4)
    window.show_tab("convergence")
    qtbot.waitUntil(lambda: conv._pending is None)
    xs, _ = conv._curves[0][1].getData()
    assert xs[-1] == 7  # every step so far, drawn when shown
    assert "Gradient descent" in conv.orders_label.text()
    # The loss view, now hidden, keeps its runs and shows them when it is back.
    steps(qtbot, window, 2)
    assert window.loss._pending is not None
    window.show_tab("loss")
    qtbot.waitUntil(lambda: window.loss._pending is None)
    xs, _ = window.loss._curves[0].getData()
    assert xs[-1] == 9
    label = window.loss.legend.getLabel(window.loss._curves[0]).text
    assert "9 steps" in label


def test_a_window_not_shown_draws_everything_at_once(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.apply(problem="bowl", method="gd", lr=0.1, start=[1.5, 1.0])
    win.controller.step()
    win.controller.step()
    win._refresh()  # (the throttled refresh needs an event loop)
    assert win.convergence_view._pending is None
    xs, _ = win.convergence_view._curves[0][1].getData()
    assert xs[-1] == 2


def test_the_loss_axes_stay_put_while_the_data_fit_and_follow_when_they_do_not():
    r = steady_range(None, (0, 100), (0.0, 1.0))
    assert r == ((0.0, 125.0), (-0.1, 1.1))
    assert steady_range(r, (0, 120), (0.05, 0.95)) == r  # small changes: the same axes
    grown = steady_range(r, (0, 130), (0.0, 1.0))
    assert grown[0] == (0.0, 162.5) and grown[1] == r[1]
    lower = steady_range(r, (0, 100), (-0.5, 1.0))  # a value below the axis: refit
    assert lower[1][0] < -0.5 and lower[1][1] >= 1.0
    shrunk = steady_range(r, (0, 100), (0.9, 1.0))  # data fill under half: refit
    assert shrunk[1][0] > 0.8 and shrunk[1][1] < 1.05
    assert steady_range(r, (0, 110), (0.0, 1.0), growth=1.0)[0] == (0.0, 110.0)  # finished


def test_the_loss_view_follows_a_run_that_leaves_its_axes(qtbot, window):
    window.apply(problem="bowl", method="gd", lr=0.1, start=[1.5, 1.0], steps=100_000)
    steps(qtbot, window, 2)
    vb = window.loss.plot.getViewBox()
    (x0, x1), _ = vb.viewRange()
    steps(qtbot, window, 10)
    (_, x2), _ = vb.viewRange()
    assert x2 > x1 and x2 >= 12  # the last step is in view
    assert window.loss.legend.getLabel(window.loss._curves[0]).text.startswith(
        "Gradient descent: 12 steps")


def test_one_refresh_paints_the_changed_plots_in_one_window_update(qtbot, window):
    window.apply(problem="bowl", method=["gd", "adam"], lr=0.1, start=[1.5, 1.0])
    steps(qtbot, window, 2)
    qtbot.wait(200)
    log = EventLog()
    contour, loss = window.landscape.viewport(), window.loss.plot.viewport()
    contour.installEventFilter(log)
    loss.installEventFilter(log)
    # The last filter installed sees events first: the window's own filter
    # (which holds back update requests while the plots take their changes)
    # goes after the log, so only the requests that reach the window are logged.
    window.removeEventFilter(window._one_flush)
    window.installEventFilter(log)
    window.installEventFilter(window._one_flush)
    for r in window.controller.racers:
        r.trace.extend(r.runner.advance(1))
    window._refresh()
    qtbot.waitUntil(lambda: contour in log.painted and loss in log.painted)
    # Both plots were painted in answer to the first update request (before
    # it, each plot's scene flushed the whole window on its own).
    assert log.requests_before(contour) == 1 and log.requests_before(loss) == 1
    xs, _ = window.loss._curves[0].getData()
    assert xs[-1] == 3


class EventLog(QObject):
    """The window's update requests and the plots' paints, in order."""

    def __init__(self):
        super().__init__()
        self.events: list[tuple[QObject, QEvent.Type]] = []

    @property
    def painted(self) -> list[QObject]:
        return [obj for obj, kind in self.events if kind == QEvent.Type.Paint]

    def requests_before(self, viewport) -> int:
        """Update requests before ``viewport``'s first paint."""
        n = 0
        for obj, kind in self.events:
            if kind == QEvent.Type.UpdateRequest:
                n += 1
            elif obj is viewport:
                return n
        raise AssertionError("not painted")

    def eventFilter(self, watched, event):  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.UpdateRequest, QEvent.Type.Paint):
            self.events.append((watched, event.type()))
        return False


def test_the_banner_is_restyled_only_when_its_colour_changes(qtbot, monkeypatch):
    from gui.widgets import Banner

    banner = Banner()
    qtbot.addWidget(banner)
    sheets = []
    original = banner.setStyleSheet
    monkeypatch.setattr(banner, "setStyleSheet", lambda sheet: (sheets.append(sheet),
                                                                original(sheet)))
    banner.show_message("Running", "#2c3e50")
    banner.show_message("Running", "#2c3e50")
    assert sheets == []  # the colour it had: no new style sheet to parse
    banner.show_message("Converged", "#2c3e50")
    assert banner.text() == "Converged" and sheets == []
    banner.show_message("Diverged", "#b2182b")
    assert banner.text() == "Diverged" and len(sheets) == 1
    assert "#b2182b" in banner.styleSheet()


def test_a_playing_race_draws_curves_without_antialiasing_and_the_still_picture_with(
        qtbot, window):
    window.apply(problem="himmelblau", method=["gd", "adam"], lr=0.01, steps=100_000)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "running")
    qtbot.wait(100)
    curves = [items.line for items in window.landscape._racers] + window.loss._curves
    assert len(curves) == 4 and not any(c.opts["antialias"] for c in curves)
    window.controller.pause()
    qtbot.waitUntil(lambda: window.controller.state == "paused")
    qtbot.wait(50)
    assert all(c.opts["antialias"] for c in curves)


def test_the_legend_counts_follow_four_times_a_second_while_playing(qtbot):
    import core
    from gui.views.loss_view import LossView

    loss = LossView()
    qtbot.addWidget(loss)
    p = core.get_problem("bowl")
    trace = core.Trace(2)
    batches = core.iterate(p, "gd", [1.5, 1.0], steps=1000, lr=0.01, batch_size=1)

    def advance(n):
        for _ in range(n):
            trace.extend(next(batches))
        loss.set_runs([("Gradient descent", "#D55E00", trace, "running")])

    advance(3)
    legend = loss.legend.getLabel(loss._curves[0])
    assert legend.text.startswith("Gradient descent: 3 steps")
    loss.live = True  # as while the race plays
    advance(3)
    assert "3 steps" in legend.text  # not yet: less than a quarter second
    loss._legend_time -= 0.3
    advance(1)
    assert "7 steps" in legend.text  # a quarter second later
    loss.live = False  # paused: every refresh
    advance(1)
    assert "8 steps" in legend.text


def test_at_full_speed_the_worker_waits_for_the_display_instead_of_computing_ahead():
    """A frame computed and not yet taken by the display: the stream waits for it
    (drawing needs Python's GIL too) instead of computing more it cannot show."""
    import threading

    import core
    from gui.worker import stream

    runners = [core.Runner("bowl", "gd", [1.0, 1.0], steps=10_000_000, lr=1e-9, tol=0.0)]
    wake, consumed = threading.Event(), threading.Event()
    consumed.set()  # the display is ready for the first frame
    frames = stream(runners, lambda: 0.0, wake, consumed)
    try:
        first = next(frames)  # computed and handed over at once
        assert first[0] and first[0][-1].steps[-1] >= 1
        done = runners[0].k
        holder = {}
        thread = threading.Thread(target=lambda: holder.setdefault("next", next(frames)),
                                  daemon=True)
        thread.start()
        time.sleep(0.3)  # the display has not taken the first frame
        assert thread.is_alive()
        ahead = runners[0].k
        assert ahead > done  # one frame computed ahead...
        time.sleep(0.2)
        assert runners[0].k == ahead  # ...and then it waits
        consumed.set()
        thread.join(2)
        assert not thread.is_alive() and holder["next"][0]
    finally:
        wake.set()  # the stream ends


def test_while_playing_the_3d_view_gets_frames_of_its_own(qtbot, window, monkeypatch):
    window.apply(problem="himmelblau", method=["gd", "adam"], lr=0.01, steps=100_000)
    qtbot.waitUntil(lambda: window.surface.gl is not None, timeout=5000)
    calls = []
    for view, name in ((window.surface, "surface"), (window.landscape, "contour")):
        original = view.set_paths
        monkeypatch.setattr(view, "set_paths",
                            lambda traces, original=original, name=name: (
                                calls.append((name, window._refresh_count)), original(traces)))
    count = {"n": 0}
    original_refresh = window._refresh

    def counted():
        count["n"] += 1
        window._refresh_count = count["n"]
        original_refresh()

    window._refresh_count = 0
    monkeypatch.setattr(window, "_refresh", counted)
    window._refresh_soon._func = counted
    window.controller.play()
    qtbot.wait(1200)
    window.controller.pause()
    playing = [c for c in calls[:-4]]  # (a pause draws everything at once)
    surface = {n for name, n in playing if name == "surface"}
    contour = {n for name, n in playing if name == "contour"}
    assert 4 <= len(surface) <= 10  # about every 0.15 s
    assert len(contour) > 3 * len(surface)
    assert not surface & contour  # never in the same frame


def _shown_loss_view(qtbot):
    from gui.views.loss_view import LossView

    loss = LossView()
    qtbot.addWidget(loss)
    loss.resize(700, 400)
    loss.show()
    qtbot.waitExposed(loss)
    return loss


def _whole_trace(problem: str, x0, **run):
    """The trace of a whole gradient-descent run (tolerance 0: every step)."""
    import core

    trace = core.Trace(2)
    for batch in core.iterate(problem, "gd", x0, tol=0.0, batch_size=5000, **run):
        trace.extend(batch)
    return trace


def test_a_long_loss_curve_is_drawn_with_a_few_points_per_pixel_and_zooming_shows_detail(qtbot):
    import numpy as np

    loss = _shown_loss_view(qtbot)
    # zig-zags for a long time: a wide band of loss values
    trace = _whole_trace("ellipse", [2.5, 1.0], steps=30_000, lr=0.079)
    loss.set_runs([("Gradient descent", "#D55E00", trace, "max_steps")])
    curve = loss._curves[0]
    xs, ys = curve.getData()
    width = int(loss.plot.getViewBox().width())
    assert len(trace.steps) > 10_000 and len(xs) <= 2 * max(width, 200) + 1
    f = trace.column("f")
    assert ys.max() == f.max() and ys.min() == f.min()  # no peak or dip lost
    assert xs[-1] == 30_000
    # the user zooms in on steps 100..150: every step there is drawn
    loss.plot.getViewBox().setXRange(100, 150, padding=0)
    loss.plot.getViewBox().sigRangeChangedManually.emit([True, False])
    xs, ys = curve.getData()
    assert xs[0] <= 100 and xs[-1] >= 150 and len(xs) < 60
    first = int(np.searchsorted(trace.steps, xs[0]))
    np.testing.assert_array_equal(xs, trace.steps[first:first + len(xs)])
    np.testing.assert_array_equal(ys, f[first:first + len(xs)])


def test_framed_curves_are_drawn_where_their_data_are_and_follow_a_zoom(qtbot, window):
    """Paths and loss curves report their plot's visible area as their bounds
    (pyqtgraph's own bounds cost more than drawing them): check the pixels."""
    import numpy as np
    from pyqtgraph.functions import ndarray_from_qimage
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QGraphicsScene

    window.apply(problem="bowl", method=["gd"], lr=0.05, start=[1.5, 1.0])
    steps(qtbot, window, 12)
    view = window.landscape
    line = view._racers[0].line
    assert line.boundingRect() == view.getViewBox().viewRect()
    for plot in (view, window.loss.plot):
        assert plot.scene().itemIndexMethod() == QGraphicsScene.ItemIndexMethod.NoIndex

    def racer_pixels(widget, colour):
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        rgb = ndarray_from_qimage(image)[..., :3].astype(int)
        want = QColor(colour)
        near = np.abs(rgb - [want.red(), want.green(), want.blue()]).sum(axis=-1) < 60
        return np.argwhere(near)

    colour = window.controller.racers[0].colour
    found = racer_pixels(view, colour)
    assert len(found) > 30  # the path from (1.5, 1) towards (0, 0)
    # the path's pixels lie between the start and the minimum, where the data are
    vb = view.getViewBox()
    xs, ys = line.getData()
    top_left, bottom_right = (view.mapFromScene(vb.mapViewToScene(QPointF(float(x), float(y))))
                              for x, y in ((xs.min(), ys.max()), (xs.max(), ys.min())))
    rows, cols = found[:, 0], found[:, 1]
    assert np.median(cols) > top_left.x() - 15 and np.median(cols) < bottom_right.x() + 15
    assert np.median(rows) > top_left.y() - 15 and np.median(rows) < bottom_right.y() + 15
    # zoomed in on the start, the curve is still drawn (its bounds follow the view)
    vb.setRange(xRange=(1.0, 1.6), yRange=(0.5, 1.1), padding=0)
    qtbot.wait(30)
    assert line.boundingRect() == vb.viewRect()
    assert len(racer_pixels(view, colour)) > 30
    loss_curve = window.loss._curves[0]
    assert loss_curve.boundingRect() == window.loss.plot.getViewBox().viewRect()
    assert len(racer_pixels(window.loss.plot, colour)) > 30


def test_the_loss_legend_moves_out_of_the_way_of_a_climbing_loss(qtbot):
    loss = _shown_loss_view(qtbot)

    def race(maximize):
        trace = _whole_trace("bowl", [0.5, 0.2], steps=40, lr=0.05, maximize=maximize)
        loss.set_runs([("Gradient descent", "#D55E00", trace, "max_steps")])
        return loss.legend.pos().x()

    right = race(maximize=False)  # the loss falls: the upper right is free
    assert loss.legend_corner == "right"
    left = race(maximize=True)  # ascent: the loss climbs into the upper right
    assert loss.legend_corner == "left" and left < right


def test_the_loss_legend_gives_way_in_a_squeezed_plot_and_returns(qtbot):
    """Four racers' legend lines would cover a plot squeezed to a sliver (a
    projector's large text): the legend hides until there is room again."""
    loss = _shown_loss_view(qtbot)
    runs = [(f"Method {i}", "#D55E00", _whole_trace("bowl", [0.5, 0.2], steps=40, lr=0.05),
             "max_steps") for i in range(4)]
    loss.set_runs(runs)
    qtbot.waitUntil(lambda: loss.legend.isVisible())
    height = loss.height()
    loss.resize(loss.width(), 170)
    qtbot.waitUntil(lambda: not loss.legend.isVisible())
    loss.resize(loss.width(), max(height, 500))
    qtbot.waitUntil(lambda: loss.legend.isVisible())


def test_the_loss_axis_shows_the_loss_itself_not_a_scaled_number(qtbot):
    """A loss of 0.31 was labelled "loss (x0.001)" with ticks up to 300."""
    loss = _shown_loss_view(qtbot)
    trace = _whole_trace("bowl", [0.02, 0.01], steps=30, lr=0.05)
    loss.set_runs([("Gradient descent", "#D55E00", trace, "max_steps")])
    axis = loss.plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    values = [v for _, ticks in axis.tickValues(*loss.plot.getViewBox().viewRange()[1], 300)
              for v in ticks]
    assert max(values) < 0.01  # ticks in the loss's own units
