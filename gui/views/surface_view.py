"""The 3-D surface view (pyqtgraph.opengl): the landscape as a height-coloured
surface with every racing method's path and ball on it.

OpenGL is imported only when the view is first shown, so the window appears
before the (slow) OpenGL import happens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

import core
from core import display

from .. import appearance
from ..style import COLOUR_MAP

SURFACE_RESOLUTION = 256
#: Grid drawn while a race plays: software OpenGL draws the 256×256 surface in
#: ~14 ms, a quarter of the triangles in ~5 ms; the still picture is always full.
LIVE_RESOLUTION = 128
HEIGHT_LABELS = {"auto": "height: auto", "linear": "height: linear", "clipped": "height: clipped",
                 "log": "height: log"}


class SurfaceView(QWidget):
    """3-D landscape; mouse drag rotates, wheel zooms; "Reset camera" restores the view."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("surfaceView")
        self.setMinimumSize(280, 240)
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("heightModeCombo")
        for key, label in HEIGHT_LABELS.items():
            self.mode_combo.addItem(label, key)
        self.mode_combo.setToolTip("How loss maps to height: log helps deep narrow valleys "
                                   "(Rosenbrock), clipped hides tall walls.")
        self.mode_combo.currentIndexChanged.connect(lambda _: self._rebuild())
        self.reset_button = QPushButton("Reset camera")
        self.reset_button.setObjectName("resetCameraButton")
        self.reset_button.clicked.connect(self.reset_camera)
        self.note = QLabel()
        self.note.setObjectName("surfaceNote")
        self.note.setWordWrap(True)
        self.note.hide()
        bar = QHBoxLayout()
        # (no title here: the pane's title names the view, and the controls need the room)
        self.setToolTip("Drag to turn the surface, use the wheel to zoom.")
        bar.addStretch(1)
        bar.addWidget(self.mode_combo)
        bar.addWidget(self.reset_button)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(bar)
        self._layout.addWidget(self.note)
        self.gl = None  # the GL view (gl_window.GLViewWindow), created on first show
        self.gl_container: QWidget | None = None  # the widget holding it in the layout
        self.problem: core.Problem | None = None
        self.scale: display.HeightScale | None = None
        self._items: list = []
        self._meshes: tuple = ()  # (full, light) surfaces: see set_live
        self._live = False
        self._paths: list[tuple] = []
        self._traces: Sequence[tuple[str, core.Trace]] = []
        self._start: np.ndarray | None = None
        self._gl_failed = ""

    # -- lazy OpenGL -----------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self.gl is None and not self._gl_failed:
            # After the first frame: importing OpenGL takes a noticeable moment.
            QTimer.singleShot(150, self.ensure_gl)

    def ensure_gl(self) -> bool:
        """Create the OpenGL view (imports OpenGL); False if OpenGL is unavailable."""
        if self.gl is not None:
            return True
        if self._gl_failed:
            return False
        was_active = self.window().isActiveWindow()
        try:
            import pyqtgraph.opengl as gl

            from .gl_window import GLViewWindow, embed

            view = GLViewWindow()
        except Exception as exc:  # noqa: BLE001 - any GL start-up failure is shown, not raised
            self._gl_failed = f"The 3-D view is unavailable on this computer: {exc}"
            self.note.setText(self._gl_failed)
            self.note.show()
            return False
        view.setObjectName("surfaceGL")
        view.setBackgroundColor(appearance.CURRENT.colours.plot_background)  # the theme now
        self.gl_container = embed(view, self)
        self.gl_container.setObjectName("surfaceGLContainer")
        self._layout.addWidget(self.gl_container, 1)
        self.gl = view
        self._gl_module = gl
        self._rebuild()
        if was_active:  # a new native GL window can take activation away from the main window
            self.window().activateWindow()
        return True

    # -- content ---------------------------------------------------------------------
    def set_problem(self, problem: core.Problem) -> None:
        """Show ``problem``'s surface (2-D problems only)."""
        self.problem = problem
        # The start and paths belong to the previous problem: they arrive anew.
        self._start = None
        self._traces = []
        self._rebuild()

    def height_mode(self) -> str:
        """The height mapping chosen by the user."""
        return self.mode_combo.currentData()

    def set_height_mode(self, mode: str) -> None:
        """Choose "auto", "linear", "clipped" or "log"."""
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))

    def _rebuild(self) -> None:
        if self.problem is None:
            return
        if self.problem.dim != 2:
            self.note.setText("The 3-D surface shows landscapes of two coordinates; "
                              "this problem has " + str(self.problem.dim) + ".")
            self.note.show()
            if self.gl_container is not None:
                self.gl_container.hide()
            return
        self.note.setVisible(bool(self._gl_failed))
        if self.gl is None:
            return
        self.gl_container.show()
        gl = self._gl_module
        for item in self._items:
            self.gl.removeItem(item)
        self._items, self._paths, self._meshes = [], [], ()
        grid = display.landscape_grid(self.problem, SURFACE_RESOLUTION)
        dom = self.problem.domain
        extent = float(max(dom[:, 1] - dom[:, 0]))
        self.scale = display.HeightScale(grid.Z, self.height_mode(), top=0.6 * extent)
        self._meshes = (self._mesh(grid), self._mesh(display.landscape_grid(self.problem,
                                                                            LIVE_RESOLUTION)))
        for mesh in self._meshes:
            self._add(mesh)
        self.set_live(self._live)
        if self.problem.minima.size:
            mins = self.problem.minima[:, :2]
            pos = np.column_stack([mins, self.scale(self.problem.value(mins)) + 0.01 * extent])
            # small: a ball resting on a minimum shows round it (a white dot at its centre)
            self._add(gl.GLScatterPlotItem(pos=pos, size=8, color=(1, 1, 1, 1), pxMode=True))
        self._start_item = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), size=14,
                                                color=(1, 1, 1, 1), pxMode=True)
        self._add(self._start_item)
        self.reset_camera()
        self.set_start(self._start)
        self.set_paths(self._traces)

    def _mesh(self, grid):
        """The height-coloured surface of ``grid`` (heights and colours on this view's scale)."""
        heights = self.scale(grid.Z)
        colours = pg.colormap.get(COLOUR_MAP).map(self.scale.unit(grid.Z), mode="float")
        # smooth=True shares the 65k grid vertices between triangles instead of
        # drawing 390k separate ones (software GL rasterises it twice as fast).
        # Vertex colours in the mesh's vertex order (x-major), flattened: the
        # (width, height, 4) form the docstring mentions is indexed as flat.
        vertex_colours = np.ascontiguousarray(colours.transpose(1, 0, 2)).reshape(-1, 4)
        return self._gl_module.GLSurfacePlotItem(x=grid.xs, y=grid.ys, z=heights.T,
                                                 colors=vertex_colours, shader=None,
                                                 smooth=True, computeNormals=False)

    def set_live(self, live: bool) -> None:
        """While ``live`` (a race playing) draw the lighter surface and plain lines;
        else the full surface and smooth lines."""
        changed = self._live != bool(live)
        self._live = bool(live)
        if changed:
            self.set_paths(self._traces)
        if len(self._meshes) == 2:
            full, light = self._meshes
            if full.visible() == self._live or light.visible() != self._live:
                full.setVisible(not self._live)
                light.setVisible(self._live)

    def _add(self, item, live: bool = False) -> None:
        """Add ``item`` to the 3-D view; ``live`` items (paths, balls) change
        while a race plays, the others are kept as a picture (see GLViewWindow)."""
        self.gl.addItem(item, live=live)
        self._items.append(item)

    def _lift(self, xy: np.ndarray, f: np.ndarray) -> np.ndarray:
        """3-D points for (x, y) positions with losses ``f``, just above the surface."""
        dom = self.problem.domain
        extent = float(max(dom[:, 1] - dom[:, 0]))
        p = display.clip_points(xy, dom, margin=1.0)
        z = self.scale(f) + 0.01 * extent
        out = np.column_stack([p, z]).astype(float)
        return out[np.isfinite(out).all(axis=1)]

    def set_start(self, x: np.ndarray | None) -> None:
        """Mark the start point on the surface."""
        self._start = None if x is None else np.asarray(x, dtype=float)
        if self.gl is None or self.scale is None or self._start is None or self.problem.dim != 2:
            return
        self._start_item.setData(pos=self._lift(self._start[None, :2],
                                                self.problem.value(self._start[None, :2])))

    def set_paths(self, traces: Sequence[tuple[str, core.Trace]]) -> None:
        """Draw every ``(colour, trace)`` as a 3-D line with its ball."""
        self._traces = traces
        if self.gl is None or self.scale is None or self.problem is None or self.problem.dim != 2:
            return
        if not shiboken6.isValid(self.gl):  # the window is being destroyed
            return
        gl = self._gl_module
        # pyqtgraph's default for points ("additive") adds a ball's colour to the
        # surface behind it, so over the yellow end of the map every ball came out
        # white; blended by its alpha instead, and still drawn over the hills (no
        # depth test): a ball at the bottom of a hollow must not hide behind its wall
        while len(self._paths) < len(traces):
            from OpenGL import GL  # (loaded with the GL view, not at start-up)

            line = gl.GLLinePlotItem(pos=np.zeros((0, 3)), width=3, antialias=True)
            ball = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), size=18, pxMode=True)
            ball.setGLOptions({GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True,
                               "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)})
            self._add(line, live=True)
            self._add(ball, live=True)
            self._paths.append((line, ball))
        for i, (line, ball) in enumerate(self._paths):
            if i >= len(traces):
                line.setData(pos=np.zeros((0, 3)))
                ball.setData(pos=np.zeros((0, 3)))
                continue
            colour, trace = traces[i]
            rgba = pg.mkColor(colour).getRgbF()
            if trace.last_x is None:
                pts = np.zeros((0, 3))
            else:
                keep = display.thin_path(trace.x[:, :2], display.path_spacing(self.problem.domain))
                pts = self._lift(trace.x[keep], trace.column("f")[keep])
            # smooth (antialiased) lines cost software OpenGL much: not while a race plays
            line.setData(pos=pts, color=rgba, width=appearance.CURRENT.line_width,
                         antialias=not self._live)
            ball.setData(pos=pts[-1:], color=rgba, size=appearance.CURRENT.ball_size)

    def appearance_changed(self) -> None:
        """Follow the theme's background and the current line widths."""
        if self.gl is not None:
            self.gl.setBackgroundColor(appearance.CURRENT.colours.plot_background)
        self.set_paths(self._traces)

    def reset_camera(self) -> None:
        """Look at the whole surface from the usual angle."""
        if self.gl is None or self.problem is None or self.problem.dim != 2:
            return
        dom = self.problem.domain
        centre = dom.mean(axis=1)
        extent = float(max(dom[:, 1] - dom[:, 0]))
        self.gl.opts["center"] = pg.Vector(float(centre[0]), float(centre[1]), 0.25 * extent)
        self.gl.setCameraPosition(distance=1.45 * extent, elevation=35, azimuth=-65)
