"""PyInstaller runtime hook: make PyOpenGL talk to the GL that Qt uses.

Qt's ``xcb`` platform (X11, and XWayland) makes GLX contexts; its ``wayland``
platform makes EGL contexts.  PyOpenGL picks its platform once, when
``OpenGL.platform`` is first imported, from environment variables alone: any
Wayland session (``XDG_SESSION_TYPE=wayland`` or ``WAYLAND_DISPLAY``) gives
EGL, even when Qt ends up on ``xcb`` (``QT_QPA_PLATFORM=xcb``, or the Wayland
plugin failing), and then every 3-D view fails with "no valid context".

The frozen app bundles both platform modules (``OpenGL.platform.glx`` and
``OpenGL.platform.egl``).  This hook waits for the first ``import OpenGL``
(Optiscope imports OpenGL only when the 3-D view is first shown, after the
QApplication exists), asks Qt which platform it runs on and sets
``PYOPENGL_PLATFORM`` to match.  A ``PYOPENGL_PLATFORM`` set by the user wins.
"""

import os
import sys


def _matching_platform() -> str | None:
    qtgui = sys.modules.get("PySide6.QtGui")
    app = qtgui.QGuiApplication.instance() if qtgui is not None else None
    name = app.platformName() if app is not None else os.environ.get("QT_QPA_PLATFORM", "")
    name = name.split(":", 1)[0].lower()
    if name.startswith("wayland") or name in ("eglfs", "minimalegl"):
        return "egl"
    if name == "xcb":
        return "glx"
    return None  # offscreen, vnc, ...: leave PyOpenGL's own choice


class _ChooseGLPlatform:
    """A meta-path finder that never finds anything: it only acts on ``import OpenGL``."""

    def find_spec(self, name, path=None, target=None):
        if name == "OpenGL":
            sys.meta_path.remove(self)
            if "PYOPENGL_PLATFORM" not in os.environ:
                choice = _matching_platform()
                if choice is not None:
                    os.environ["PYOPENGL_PLATFORM"] = choice
        return None


if sys.platform.startswith("linux"):
    sys.meta_path.insert(0, _ChooseGLPlatform())
