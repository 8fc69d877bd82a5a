"""The headless display the GUI tests run on is real.

Under scripts/test.sh, pytest-xvfb starts Xvfb with GLX and Qt draws through
its xcb platform plugin; OpenGL is rendered by Mesa's software renderer. If
one of these tests fails, the other GUI tests cannot be trusted: check the
Debian packages in scripts/_common.sh first.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6 import QtGui, QtWidgets

pytestmark = pytest.mark.gui


def _pixels(image: QtGui.QImage) -> np.ndarray:
    """(height, width, 4) uint8 copy of a QImage."""
    rgba = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    return ndarray_from_qimage(rgba).copy()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux-only")
def test_qt_uses_the_x11_platform(qapp):
    # "offscreen" would also pass the widget test below but has no GLX.
    assert QtGui.QGuiApplication.platformName() == "xcb"


def test_widget_shows_and_grab_gives_an_image(qtbot):
    label = QtWidgets.QLabel("Optiscope")
    label.setStyleSheet("background: white; color: black; font-size: 24px;")
    label.resize(240, 80)
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)

    pixmap = label.grab()

    assert not pixmap.isNull()
    assert (pixmap.width(), pixmap.height()) == (240, 80)
    pixels = _pixels(pixmap.toImage())
    # Dark pixels mean the text was drawn, so a font was found too.
    dark = (pixels[..., :3] < 128).all(axis=-1)
    assert dark.sum() > 50


def test_opengl_surface_renders_pixels(qtbot):
    import pyqtgraph.opengl as gl
    from OpenGL import GL

    view = gl.GLViewWidget()
    view.setBackgroundColor("k")
    view.setCameraPosition(distance=7, elevation=30, azimuth=45)
    x = y = np.linspace(-2.0, 2.0, 41)
    z = np.exp(-(x[:, None] ** 2 + y[None, :] ** 2))  # a smooth hill
    view.addItem(gl.GLSurfacePlotItem(x=x, y=y, z=z, color=(1.0, 0.6, 0.1, 1.0), shader="shaded"))
    view.resize(320, 240)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)

    image = view.grabFramebuffer()  # renders the scene through GL, then reads it back
    view.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode()
    view.doneCurrent()
    print(f"GL_RENDERER: {renderer}")  # shown with -s or when the test fails

    assert not image.isNull()
    pixels = _pixels(image)
    assert pixels.shape[0] >= view.height() and pixels.shape[1] >= view.width()
    lit = pixels[..., :3].max(axis=-1) > 32  # anything brighter than the black background
    assert 0.05 < lit.mean() < 0.95, f"surface not drawn (GL_RENDERER={renderer!r})"
    # The lit surface is orange: red well above blue. ("shaded" also proves
    # that GLSL shaders compile on this GL.)
    assert (pixels[lit][:, 0].astype(int) - pixels[lit][:, 2]).mean() > 100, renderer


def test_thin_path_keeps_what_can_be_seen_and_drops_a_settled_tail():
    import core
    from core import display
    from core.display import path_spacing, thin_path

    p = core.get_problem("ellipse")
    r = core.run(p, "gd", [2.0, 1.5], steps=3000, lr=0.05, tol=0.0, keep_path=True)  # zigzags in
    path = display.clip_points(r.path, p.domain)
    spacing = path_spacing(p.domain)
    keep = thin_path(path, spacing)
    assert keep[0] == 0 and keep[-1] == len(path) - 1
    assert len(keep) < 0.1 * len(path)  # thousands of steps at the minimum: a few points
    zigzag = np.flatnonzero(np.linalg.norm(np.diff(path, axis=0), axis=1) > spacing) + 1
    assert set(zigzag) <= set(keep)  # every visible step is drawn
    # every dropped point lies within one spacing of the drawn line's vertex before it
    for i in np.setdiff1d(np.arange(len(path)), keep):
        before = keep[keep < i].max()
        assert np.linalg.norm(path[i] - path[before]) <= spacing * (1 + 1e-9)


def test_thin_path_keeps_the_breaks_of_a_diverged_path():
    from core.display import thin_path

    path = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [np.nan, np.nan], [1.0, 1.0],
                     [1.0, 1.0], [1.0, 1.0]])
    assert thin_path(path, 0.1).tolist() == [0, 2, 3, 4, 6]
    assert thin_path(path[:2], 0.1).tolist() == [0, 1]
    assert thin_path(path, 0.0).tolist() == list(range(7))
