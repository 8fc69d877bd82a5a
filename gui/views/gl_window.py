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
    """pyqtgraph's 3-D view (camera, mouse rotate/zoom, items) as a ``QOpenGLWindow``.

    Items added with ``live=True`` (a race's paths and balls) change while the
    rest (the surface, markers) stays put: the view keeps a picture of the
    still items, with its depth, in a framebuffer object, and a frame copies
    it and draws only the live items over it.  Software OpenGL spent most of
    a frame shading the surface's 32,000 triangles again.  The picture is made
    anew when a still item changes, is added or removed, or the camera, the
    size or the background change.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A window has no depth buffer unless asked for (a QOpenGLWidget's
        # framebuffer has one): the surface's hills must hide what is behind them.
        fmt = self.requestedFormat()
        fmt.setDepthBufferSize(24)
        fmt.setStencilBufferSize(8)
        self.setFormat(fmt)
        self.live_items: set = set()
        self._still_version = 0
        self._still_fbo = None
        self._still_key = None
        self._still_broken = False  # copying the depth failed here: draw everything
        self._drawing: str | None = None  # "still" or "live" while drawing a part

    # -- items --------------------------------------------------------------------
    def addItem(self, item, live: bool = False):  # noqa: N802 (pyqtgraph name)
        if live:
            self.live_items.add(item)
        else:
            item.update = self._still_changed  # every change of it asks for a new picture
        self._still_changed()
        super().addItem(item)

    def removeItem(self, item):  # noqa: N802 (pyqtgraph name)
        self.live_items.discard(item)
        item.__dict__.pop("update", None)
        self._still_changed()
        super().removeItem(item)

    def _still_changed(self) -> None:
        self._still_version += 1
        self.update()

    def setBackgroundColor(self, *args, **kwargs):  # noqa: N802 (pyqtgraph name)
        # (also called while the mixin initialises, before __init__ sets the version)
        self._still_version = getattr(self, "_still_version", 0) + 1
        super().setBackgroundColor(*args, **kwargs)

    # -- painting -----------------------------------------------------------------
    def drawItemTree(self, item=None, useItemNames=False):  # noqa: N802, N803 (pyqtgraph names)
        if item is None and self._drawing is not None:
            live = self._drawing == "live"
            for top in sorted((x for x in self.items if x.parentItem() is None
                               and (x in self.live_items) == live), key=lambda a: a.depthValue()):
                if top.visible():
                    self._modelViewStack.append(self.currentModelView() * top.transform())
                    try:
                        super().drawItemTree(top, useItemNames=useItemNames)
                    finally:
                        self._modelViewStack.pop()
            return
        super().drawItemTree(item, useItemNames=useItemNames)

    def paintGL(self):  # noqa: N802 (Qt name)
        if self._still_broken or not self.live_items:
            return super().paintGL()
        from OpenGL import GL
        from OpenGL.error import Error as GLError  # also a missing function (old GL)

        region = self.getViewport()
        ratio = self.devicePixelRatio()
        width, height = round(region[2] * ratio), round(region[3] * ratio)
        if width <= 0 or height <= 0:
            return None
        key = (self._still_version, width, height, tuple(self.viewMatrix().data()),
               tuple(self.projectionMatrix(region, region).data()))
        try:
            if self._still_key != key:
                self._paint_still(width, height, region)
                self._still_key = key
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._still_fbo.handle())
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self.defaultFramebufferObject())
            GL.glBlitFramebuffer(0, 0, width, height, 0, 0, width, height,
                                 GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT, GL.GL_NEAREST)
        except GLError:
            self._still_broken = True
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.defaultFramebufferObject())
            return super().paintGL()
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.defaultFramebufferObject())
        GL.glViewport(0, 0, width, height)
        self.setProjection(region, region)
        self.setModelview()
        self._draw_part("live")
        return None

    def _paint_still(self, width: int, height: int, region) -> None:
        """Draw the still items into the framebuffer object (with their depth)."""
        from OpenGL import GL
        from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

        fbo = self._still_fbo
        if fbo is None or fbo.width() != width or fbo.height() != height:
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
            self._still_fbo = fbo = QOpenGLFramebufferObject(width, height, fmt)
        fbo.bind()
        GL.glViewport(0, 0, width, height)
        self.setProjection(region, region)
        self.setModelview()
        GL.glClearColor(*self.opts["bgcolor"])
        GL.glClear(GL.GL_DEPTH_BUFFER_BIT | GL.GL_COLOR_BUFFER_BIT)
        self._draw_part("still")
        fbo.release()

    def _draw_part(self, part: str) -> None:
        self._drawing = part
        try:
            self.drawItemTree()
        finally:
            self._drawing = None

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
