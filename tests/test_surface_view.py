"""The 3-D surface view renders through OpenGL under Xvfb and survives anything."""

from __future__ import annotations

import numpy as np
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6.QtGui import QImage

import core
from gui.views.surface_view import SurfaceView

pytestmark = pytest.mark.gui


def rgb(image: QImage) -> np.ndarray:
    # the converted image must outlive the copy: the array is a view of its memory
    # (a temporary freed first showed the allocator's pointers as a few stray pixels)
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)
    return ndarray_from_qimage(converted)[..., :3].copy()


def shown_view(qtbot, width: int = 420, height: int = 360) -> SurfaceView:
    """A shown surface view whose GL window can be drawn and grabbed."""
    v = SurfaceView()
    v.resize(width, height)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    assert v.ensure_gl()
    # the GL window is made current (valid) when first exposed, after the
    # event loop has run: a grab before that is a null image
    qtbot.waitUntil(v.gl.isValid)
    return v


@pytest.fixture
def view(qtbot):
    return shown_view(qtbot)


@pytest.mark.parametrize("name", ["bowl", "two_bumps", "rosenbrock", "himmelblau"])
@pytest.mark.parametrize("mode", ["auto", "linear", "clipped", "log"])
def test_surface_draws_a_coloured_landscape(qtbot, view, name, mode):
    view.set_problem(core.get_problem(name))
    view.set_height_mode(mode)
    pixels = rgb(view.gl.grabFramebuffer())
    background = (pixels > 245).all(axis=-1)
    assert 0.05 < (~background).mean() < 0.98  # a surface covers part of the view
    assert len(np.unique(pixels.reshape(-1, 3)[::5], axis=0)) > 50  # a colour map, not one colour


def test_paths_and_balls_survive_a_diverging_run(qtbot, view):
    p = core.get_problem("bowl")
    view.set_problem(p)
    trace = core.Trace(2)
    for batch in core.iterate(p, "gd", [1.0, 1.0], steps=500, lr=0.1, maximize=True):
        trace.extend(batch)
    assert batch.status == "diverged"
    view.set_paths([("#D55E00", trace)])
    line, ball = view._paths[0]
    assert np.isfinite(line.pos).all() and len(line.pos) > 10
    assert float(np.abs(line.pos).max()) < 1e3  # clipped for display
    image = view.gl.grabFramebuffer()
    assert not image.isNull()


def test_one_dimensional_problems_explain_themselves(qtbot, view):
    view.set_problem(core.get_problem("parabola"))
    assert view.note.isVisible() and "two coordinates" in view.note.text()
    view.set_problem(core.get_problem("bowl"))
    assert not view.note.isVisible() and view.gl.isVisible()


def test_reset_camera_restores_the_view(qtbot, view):
    view.set_problem(core.get_problem("himmelblau"))
    before = dict(view.gl.cameraParams())
    view.gl.orbit(40, 10)
    assert view.gl.cameraParams()["azimuth"] != before["azimuth"]
    view.reset_button.click()
    assert view.gl.cameraParams()["azimuth"] == before["azimuth"]
    assert view.gl.cameraParams()["elevation"] == before["elevation"]


def test_the_3d_view_is_a_gl_window_of_its_own_with_a_depth_buffer(qtbot, view):
    """Not a QOpenGLWidget: with one in it, Qt composites the whole main window
    through OpenGL on every repaint (slow with software GL).  Its own window
    needs a depth buffer asked for, or hills would not hide what is behind them."""
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    from gui.views.gl_window import GLViewWindow

    assert isinstance(view.gl, GLViewWindow) and view.gl_container.isVisible()
    assert view.findChild(QOpenGLWidget) is None
    assert view.gl.format().depthBufferSize() >= 16


def test_a_window_grab_shows_the_3d_view(qtbot, view):
    from gui.export import grab

    view.set_problem(core.get_problem("two_bumps"))
    whole = rgb(grab(view))
    top_left = view.gl_container.mapTo(view, view.gl_container.rect().topLeft())
    area = whole[top_left.y():top_left.y() + view.gl_container.height(),
                 top_left.x():top_left.x() + view.gl_container.width()]
    assert len(np.unique(area.reshape(-1, 3)[::7], axis=0)) > 50  # the coloured surface


def test_a_playing_race_draws_the_lighter_surface_and_the_still_picture_the_full_one(
        qtbot, view):
    from gui.views.surface_view import LIVE_RESOLUTION, SURFACE_RESOLUTION

    view.set_problem(core.get_problem("himmelblau"))
    full, light = view._meshes
    assert full.visible() and not light.visible()
    assert len(full.opts["meshdata"].vertexes()) == SURFACE_RESOLUTION ** 2
    assert len(light.opts["meshdata"].vertexes()) == LIVE_RESOLUTION ** 2
    still = rgb(view.gl.grabFramebuffer())
    view.set_live(True)
    assert light.visible() and not full.visible()
    playing = rgb(view.gl.grabFramebuffer())
    # the same landscape, drawn from fewer triangles: nearly the same picture
    assert np.mean(np.abs(playing.astype(int) - still).sum(axis=-1) > 30) < 0.05
    view.set_height_mode("log")  # a rebuild keeps drawing the lighter one while playing
    full, light = view._meshes
    assert light.visible() and not full.visible()
    view.set_live(False)
    assert full.visible() and not light.visible()


def test_the_window_switches_the_surface_with_play_and_pause(qtbot, window):
    window.apply(problem="himmelblau", method="gd", lr=0.01, steps=100_000)
    qtbot.waitUntil(lambda: len(window.surface._meshes) == 2, timeout=5000)
    full, light = window.surface._meshes
    window.controller.play()
    qtbot.waitUntil(lambda: light.visible() and not full.visible())
    window.controller.pause()
    qtbot.waitUntil(lambda: full.visible() and not light.visible())


def test_paths_draw_only_what_can_be_seen_and_plain_lines_while_playing(qtbot, view):
    p = core.get_problem("bowl")
    view.set_problem(p)
    trace = core.Trace(2)
    for batch in core.iterate(p, "gd", [1.0, 1.0], steps=2000, lr=0.1, tol=0.0):
        trace.extend(batch)
    view.set_paths([("#D55E00", trace)])
    line, ball = view._paths[0]
    assert 5 < len(line.pos) < 0.05 * len(trace.x)  # the settled tail is one point
    np.testing.assert_allclose(line.pos[-1, :2], trace.x[-1], atol=1e-12)  # ends at the ball
    assert line.antialias
    view.set_live(True)
    assert not line.antialias
    view.set_live(False)
    assert line.antialias


# -- the still picture (GLViewWindow keeps the surface; frames draw the paths over it) --

def _race_trace(p: core.Problem, start) -> core.Trace:
    trace = core.Trace(2)
    for batch in core.iterate(p, "gd", start, steps=40, lr=0.05):
        trace.extend(batch)
    return trace


def _plain(view) -> np.ndarray:
    """The picture drawn without the still picture (every item shaded afresh)."""
    view.gl._still_broken = True
    try:
        return rgb(view.gl.grabFramebuffer())
    finally:
        view.gl._still_broken = False


def test_paths_over_the_still_picture_look_as_drawn_afresh(qtbot, view):
    p = core.get_problem("two_bumps")
    view.set_problem(p)
    view.set_paths([("#D55E00", _race_trace(p, [-1.6, -0.4])),
                    ("#0072B2", _race_trace(p, [1.5, 1.5]))])
    cached = rgb(view.gl.grabFramebuffer())
    assert view.gl._still_fbo is not None and not view.gl._still_broken
    plain = _plain(view)
    differ = (np.abs(cached.astype(int) - plain.astype(int)).max(axis=-1) > 8).mean()
    assert differ < 0.002, f"{differ:.2%} of the pixels differ"
    # the paths are there, hidden where a hill is in front of them (depth copied too)
    orange = (np.abs(cached.astype(int) - [0xD5, 0x5E, 0x00]).sum(axis=-1) < 60).sum()
    assert orange > 30


def test_a_still_item_that_changes_makes_a_new_picture(qtbot, view):
    p = core.get_problem("two_bumps")
    view.set_problem(p)
    view.set_paths([("#D55E00", _race_trace(p, [-1.6, -0.4]))])
    view.set_start(np.array([-1.6, -0.4]))
    before = rgb(view.gl.grabFramebuffer())
    view.set_start(np.array([2.0, 2.0]))  # the start marker is a still item
    after = rgb(view.gl.grabFramebuffer())
    assert (np.abs(after.astype(int) - before.astype(int)).max(axis=-1) > 30).sum() > 20
    _assert_alike(after, _plain(view))
    view.set_height_mode("log")  # a new surface
    _assert_alike(rgb(view.gl.grabFramebuffer()), _plain(view))
    view.gl.setCameraPosition(azimuth=30)  # a new camera
    _assert_alike(rgb(view.gl.grabFramebuffer()), _plain(view))


def _assert_alike(a: np.ndarray, b: np.ndarray) -> None:
    """The same picture, but for a colour step of rounding here and there."""
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_moving_paths_reuse_the_still_picture(qtbot, view, monkeypatch):
    p = core.get_problem("himmelblau")
    view.set_problem(p)
    trace = _race_trace(p, [0.0, 0.0])
    view.set_paths([("#D55E00", trace)])
    view.gl.grabFramebuffer()
    made = []
    original = type(view.gl)._paint_still
    monkeypatch.setattr(type(view.gl), "_paint_still",
                        lambda self, *a: (made.append(1), original(self, *a))[1])
    for k in (5, 15, 30):
        short = core.Trace(2)
        for batch in core.iterate(p, "gd", [0.0, 0.0], steps=k, lr=0.05):
            short.extend(batch)
        view.set_paths([("#D55E00", short)])
        view.gl.grabFramebuffer()
    assert made == []


def test_a_gl_view_created_in_the_dark_theme_starts_dark(qtbot, monkeypatch):
    """The GL view is created after the window first shows: a theme chosen
    before that (a lesson, the command line) must not leave it white."""
    from gui import appearance

    monkeypatch.setattr(appearance.CURRENT, "theme", "dark")
    v = shown_view(qtbot, 300, 240)
    v.set_problem(core.get_problem("bowl"))
    corner = rgb(v.gl.grabFramebuffer())[2, 2]
    assert corner.max() < 60, corner  # the dark theme's plot background


@pytest.mark.parametrize("colour", ["#D55E00", "#56B4E9"])
def test_a_ball_at_the_bottom_of_a_hollow_shows_in_its_own_colour(qtbot, view, colour):
    """Balls were added to the picture behind them (white over the yellow end of
    the map); now blended by alpha and never hidden behind a hollow's wall."""
    p = core.get_problem("two_bumps")
    view.set_problem(p)
    trace = core.Trace(2)
    for batch in core.iterate(p, "gd", [-1.5, 0.0], steps=200, lr=0.1):
        trace.extend(batch)  # ends at the bottom of the shallower hollow
    view.set_paths([(colour, trace)])
    view._paths[0][0].setData(pos=np.zeros((0, 3)))  # the ball alone, without its path
    pixels = rgb(view.gl.grabFramebuffer()).astype(int)
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    close = np.abs(pixels - want).max(axis=-1) <= 40
    assert close.sum() >= 80, close.sum()  # the ball (18 px across), not a few line pixels
