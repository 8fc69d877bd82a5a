"""Start-up configuration for the whole test suite.

pytest imports this file before any test module and before pytest-qt creates
the QApplication, so what is set here is in place when Qt and pyqtgraph
start. Keep it to suite-wide set-up; fixtures for one area belong in a
conftest.py beside those tests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import sys
import tempfile


def _use_private_runtime_dir() -> None:
    """Give Qt a valid XDG_RUNTIME_DIR if the environment has none.

    CI runners, containers and `sudo` shells often have no XDG_RUNTIME_DIR (or
    one with the wrong owner or mode). Whenever Qt then needs the runtime
    location it logs "QStandardPaths: XDG_RUNTIME_DIR not set" (or "wrong
    permissions"), which `qt_log_level_fail = WARNING` turns into a failure.
    Fix the cause: a fresh directory only we can use (mkdtemp creates it with
    mode 0700, as the XDG spec requires), removed when the run ends.
    """
    current = os.environ.get("XDG_RUNTIME_DIR")
    if current:
        try:
            info = os.stat(current)
        except OSError:
            pass
        else:
            if (
                stat.S_ISDIR(info.st_mode)
                and info.st_uid == os.getuid()
                and stat.S_IMODE(info.st_mode) == 0o700
            ):
                return
    runtime_dir = tempfile.mkdtemp(prefix="optiscope-xdg-runtime-")
    atexit.register(shutil.rmtree, runtime_dir, ignore_errors=True)
    os.environ["XDG_RUNTIME_DIR"] = runtime_dir


if sys.platform.startswith("linux"):
    # OpenGL widgets need a real X display with GLX: the one pytest-xvfb
    # starts (or a developer's own). The "offscreen" platform, which some CI
    # images set globally, has no GLX, so make Qt use xcb whatever is set.
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    # Qt's xcb plugin makes GLX contexts, so PyOpenGL must call GLX too. Left
    # to itself it picks EGL whenever it sees a Wayland session (a developer
    # running the tests on a Wayland desktop), and every GL view then fails.
    os.environ["PYOPENGL_PLATFORM"] = "glx"
    _use_private_runtime_dir()

# pyqtgraph must use the same binding as pytest-qt (qt_api = pyside6), even
# on a machine that also has PyQt installed.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

try:
    import pyqtgraph
except ImportError:  # a core-only environment can still run the core tests
    pass
else:
    # Row-major makes image/contour arrays index as [row, column] like a
    # numpy meshgrid (the default, column-major, shows them transposed).
    pyqtgraph.setConfigOptions(imageAxisOrder="row-major", antialias=True)


def _share_opengl_contexts() -> None:
    """Every GL widget must share one OpenGL context group (as in the app).

    pyqtgraph compiles each shader program once and caches its id globally;
    without sharing, a second window's GL view would use ids that belonged to
    the first window's (destroyed) context: "GLError invalid value".
    """
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


try:
    _share_opengl_contexts()
except ImportError:  # a core-only environment has no Qt
    pass


import pytest  # noqa: E402  (after the environment set-up above)


@pytest.fixture
def window(qtbot):
    """A shown main window; its worker and every pool thread are gone afterwards.

    Test modules that need a differently prepared window define their own.
    """
    from PySide6.QtCore import QThreadPool

    from gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.shutdown()
    assert win.controller._pool.active == 0
    assert QThreadPool.globalInstance().activeThreadCount() == 0


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests():
    """The GUI's worker pools turn automatic garbage collection off (collecting on
    a GUI-thread timer instead, see gui/threads.py); tests that run no event loop
    still collect, in this (the GUI) thread, between tests."""
    yield
    import sys

    threads = sys.modules.get("gui.threads")
    if threads is not None and threads._collector is not None:
        threads._collector.check()
