"""The 3-D view's OpenGL surface: a native window of its own inside the main window.

pyqtgraph's ``GLViewWidget`` is a ``QOpenGLWidget``.  Once a window holds one,
Qt composites *the whole window* through OpenGL on every repaint: the contour
map or the loss curve changing meant uploading the full window as a texture
and drawing it, which with software OpenGL (a projector PC, a VM, Xvfb) cost
the GUI thread more than a whole frame's budget.

:class:`GLViewWindow` gives the same ``GLViewMixin`` (camera, mouse control,
items) to a ``QOpenGLWindow`` instead, placed in the layout through
``QWidget.createWindowContainer``: the GL view then renders only when it
changes, and the rest of the window keeps plain raster repaints of just the
parts that changed.  This module imports OpenGL: import it lazily.

A native child window is not part of ``QWidget.grab()``: ``gui.export.grab``
paints the GL views' own pictures into the grab (screenshots, exports).  A
widget holding a view names it ``gl`` and its container ``gl_container``.
"""

from __future__ import annotations

import atexit
import weakref

import shiboken6
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtOpenGL import QOpenGLWindow
from PySide6.QtWidgets import QWidget


class GLViewWindow(GLViewMixin, QOpenGLWindow):
    """pyqtgraph's 3-D view (camera, mouse rotate/zoom, items) as a ``QOpenGLWindow``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A window has no depth buffer unless asked for (a QOpenGLWidget's
        # framebuffer has one): the surface's hills must hide what is behind them.
        fmt = self.requestedFormat()
        fmt.setDepthBufferSize(24)
        fmt.setStencilBufferSize(8)
        self.setFormat(fmt)

    def grabFramebuffer(self) -> QImage:  # noqa: N802 (Qt name)
        """The view as drawn now (painted afresh: after a swap the back buffer is undefined)."""
        if not self.isValid():
            return QImage()
        self.makeCurrent()
        self.paintGL()
        return super().grabFramebuffer()


def embed(window: GLViewWindow, parent: QWidget | None = None) -> QWidget:
    """A widget holding ``window`` for a layout (mouse clicks give it focus)."""
    container = QWidget.createWindowContainer(window, parent)
    container.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    container.setMinimumSize(120, 120)
    _containers.add(container)
    return container


#: Every container made by :func:`embed` and not yet deleted.
_containers: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _delete_containers() -> None:
    """Delete the containers (and with them their GL windows) before Qt's own
    clean-up at exit.  The GL window stays owned by its Python object after
    ``createWindowContainer``: when Python's finalisation deleted it first, the
    container, destroyed later with its top-level window by ``~QApplication``,
    used the deleted window and crashed the process at exit."""
    for container in list(_containers):
        if shiboken6.isValid(container):
            shiboken6.delete(container)
