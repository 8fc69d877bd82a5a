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

A native child window is not part of ``QWidget.grab()``: :func:`grab_window`
paints the GL views' own pictures into the grab (screenshots, exports).  A
widget holding a view names it ``gl`` and its container ``gl_container``.
"""

from __future__ import annotations

from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter
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
    return container


def grab_window(widget: QWidget) -> QImage:
    """``widget.grab()`` with every visible embedded GL view painted in its place."""
    image = widget.grab().toImage()
    painter = None
    for holder in [widget, *widget.findChildren(QWidget)]:
        view, container = getattr(holder, "gl", None), getattr(holder, "gl_container", None)
        if not isinstance(view, GLViewWindow) or container is None or not container.isVisible():
            continue
        picture = view.grabFramebuffer()
        if picture.isNull():
            continue
        if painter is None:
            painter = QPainter(image)
        painter.drawImage(QRect(container.mapTo(widget, QPoint(0, 0)), container.size()), picture)
    if painter is not None:
        painter.end()
    return image
