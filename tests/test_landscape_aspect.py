"""The contour map's aspect ratio: 1:1 for geometric landscapes, free for
domains whose coordinates have very different spans (curve_fit: a in about
[-3, 1], b in [0, 200]), so the landscape fills the plot instead of a strip."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

pytestmark = pytest.mark.gui


def _settle(qtbot, window):
    qtbot.wait(30)  # layout and view-range updates


def _assert_fills_the_view(view):
    vb = view.getViewBox()
    dom = np.asarray(view.problem.domain, dtype=float)
    spans = dom[:, 1] - dom[:, 0]
    assert vb.state["aspectLocked"] is False
    # the visible range covers the domain in both coordinates, and not much more
    for (lo, hi), (dlo, dhi), span in zip(vb.viewRange(), dom, spans, strict=True):
        assert lo <= dlo + 1e-6 * span and hi >= dhi - 1e-6 * span
        assert hi - lo <= 1.2 * span
    # the landscape image is large on screen: most of the plot's width and height
    box = vb.sceneBoundingRect()
    image = view.image.sceneBoundingRect()
    assert image.width() >= 0.9 * box.width(), (image, box)
    assert image.height() >= 0.9 * box.height(), (image, box)


def _assert_locked(view):
    vb = view.getViewBox()
    assert vb.state["aspectLocked"] == 1
    # one data unit is as many pixels across as up
    px_w, px_h = vb.viewPixelSize()
    assert px_w == pytest.approx(px_h, rel=1e-3)
    dom = np.asarray(view.problem.domain, dtype=float)
    for (lo, hi), (dlo, dhi) in zip(vb.viewRange(), dom, strict=True):
        span = dhi - dlo
        assert lo <= dlo + 1e-6 * span and hi >= dhi - 1e-6 * span


@pytest.mark.parametrize("loss", ["mae", "mse"])
def test_curve_fit_fills_the_contour_map(qtbot, window, loss):
    window.apply(problem="curve_fit", options={"loss": loss})
    _settle(qtbot, window)
    _assert_fills_the_view(window.landscape)


@pytest.mark.parametrize("name", ["curve_fit_mae", "curve_fit_least_squares"])
def test_the_curve_fit_lessons_fill_the_contour_map(qtbot, window, name):
    import core

    window.apply_scenario(core.load_scenario(name))
    _settle(qtbot, window)
    _assert_fills_the_view(window.landscape)


@pytest.mark.parametrize("name", ["bowl", "himmelblau", "rosenbrock", "ellipse", "two_bumps"])
def test_geometric_landscapes_keep_their_true_shape(qtbot, window, name):
    window.apply(problem=name)
    _settle(qtbot, window)
    _assert_locked(window.landscape)


def test_the_aspect_is_decided_again_at_every_problem_change(qtbot, window):
    view = window.landscape
    for name, locked in (("bowl", True), ("curve_fit", False), ("bowl", True),
                         ("curve_fit", False), ("himmelblau", True)):
        window.apply(problem=name)
        _settle(qtbot, window)
        if locked:
            _assert_locked(view)
        else:
            _assert_fills_the_view(view)


def test_clicking_the_unlocked_map_picks_that_start(qtbot, window):
    window.apply(problem="curve_fit")
    _settle(qtbot, window)
    view = window.landscape
    target = QPointF(-1.0, 120.0)
    scene = view.getViewBox().mapViewToScene(target)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))
    pixel = np.abs(np.array(view.getViewBox().viewPixelSize()))  # data units per pixel
    start = window.controller.settings.start
    assert abs(start[0] + 1.0) <= 3 * pixel[0] and abs(start[1] - 120.0) <= 3 * pixel[1], start


def test_paths_and_arrows_stay_on_the_unlocked_map(qtbot, window):
    window.apply(problem="curve_fit", method=["gd", "lm"], start=[-2.0, 30.0])
    _settle(qtbot, window)
    for _ in range(3):
        window.controller.step()
    _settle(qtbot, window)
    view = window.landscape
    dom = np.asarray(view.problem.domain, dtype=float)
    spans = dom[:, 1] - dom[:, 0]
    # each racer's path ends at its ball, and starts at the start point
    balls = [(s.pos().x(), s.pos().y()) for s in view._shared.ball.points()]
    for items, ball in zip(view._racers, balls, strict=True):
        xs, ys = items.line.getData()
        assert (xs[0], ys[0]) == pytest.approx((-2.0, 30.0))
        assert (xs[-1], ys[-1]) == pytest.approx(ball)
    # the arrows are drawn within reach of the map (at most a good part of
    # the domain beyond it in either coordinate), heads included
    drawn = [item for item in view._shared.arrows.values() if item.isVisible()]
    assert drawn
    for item in drawn:
        xs, ys = item.getData()
        pts = np.column_stack([xs, ys])
        assert np.isfinite(pts).all()
        assert (pts >= dom[:, 0] - 0.5 * spans).all() and (pts <= dom[:, 1] + 0.5 * spans).all()
