"""``optiscope --self-test`` and the start-up timer (``--quit-after-show``).

The self-test is what a teacher (or the packaging build) runs to learn whether
Optiscope works on this computer: it opens the main window on the current
display, races two methods on a built-in landscape at full speed, checks the
pixels of every view (contour map, 3-D surface through OpenGL, loss curve),
prints one line and exits 0 (OK) or 1 (FAILED)::

    optiscope self-test: OK (contour, surface, loss drawn; 300 steps in 0.8 s)
    optiscope self-test: FAILED: surface view blank

It finds the views by their Qt object names (``contourView``, ``surfaceView``,
``lossView``), so it keeps working when the window is rearranged.

``--quit-after-show`` prints the time from the start of the process to the
main window's first expose (the moment it is on screen and painted), and the
CPU time the process used until then (a figure a busy machine inflates less),
and exits; ``benchmarks/bench_startup_frozen.py`` takes the median of several
runs.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

#: The built-in configuration: two methods racing on the two-bumps surface.
CONFIG = dict(problem="two_bumps", method=["gd", "adam"], lr=0.05, start=(-1.6, -0.4),
              steps=300, tol=0.0)
#: Give up waiting for the window, the OpenGL view or the run after this many seconds.
TIMEOUT = 60.0
PREFIX = "optiscope self-test"


# -- entry points -------------------------------------------------------------------
def main(window, *, self_test: bool = True) -> int:
    """Dispatch from :func:`gui.app.main`: the self-test, or the start-up timer."""
    if self_test:
        return run_self_test(window)
    return report_first_show(window)


def run_self_test(window) -> int:
    """Run the built-in configuration in ``window`` and check every view; exit code."""
    try:
        verdict, ok = _self_test(window)
    except Exception as exc:  # noqa: BLE001 - any crash is a failed self-test, said in one line
        traceback.print_exc(file=sys.stderr)
        verdict, ok = f"FAILED: {type(exc).__name__}: {exc}", False
    finally:
        _close(window)
    _say(f"{PREFIX}: {verdict}")
    return 0 if ok else 1


def report_first_show(window) -> int:
    """Show ``window``, print the seconds since process start at its first expose, exit 0."""
    app = QApplication.instance()
    shown: dict[str, float] = {}

    class _Watcher(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            # Watch the application, not one QWindow: adding the 3-D view's
            # QOpenGLWidget makes Qt re-create the window's native handle.
            if (event.type() == QEvent.Type.Expose and "t" not in shown
                    and obj is window.windowHandle() and obj.isExposed()):
                shown["t"], shown["cpu"] = process_age(), time.process_time()
                # The backing store paints while this expose is delivered; say
                # so on the next turn of the event loop, after the first frame
                # (before closing, so an outside timer sees the line at once).
                QTimer.singleShot(0, finish)
            return False

    def finish() -> None:
        _say(f"optiscope: first window after {shown['t']:.3f} s "
             f"({shown['cpu']:.3f} s of CPU time)")
        app.quit()

    watcher = _Watcher()
    app.installEventFilter(watcher)
    window.show()
    QTimer.singleShot(int(TIMEOUT * 1000), app.quit)
    app.exec()
    app.removeEventFilter(watcher)
    _close(window)
    if "t" not in shown:
        _say("optiscope: the main window was never exposed")
        return 1
    return 0


# -- the self-test --------------------------------------------------------------------
@dataclass
class Check:
    """The verdict on one view (or feature); ``why`` is the failure, in words."""

    name: str
    ok: bool
    why: str = ""


def _self_test(window) -> tuple[str, bool]:
    window.apply(**CONFIG)
    window.show()
    if not _wait(lambda: window.windowHandle() is not None and window.windowHandle().isExposed()):
        return "FAILED: the main window never appeared on the display", False
    contour = _view(window, "contourView")
    surface = _view(window, "surfaceView")
    loss = _view(window, "lossView")
    missing = [n for n, v in (("contourView", contour), ("surfaceView", surface),
                              ("lossView", loss)) if v is None]
    if missing:
        return f"FAILED: the window has no {', '.join(missing)}", False
    gl_widget = _gl_widget(surface)
    if gl_widget is None:
        note = _surface_note(surface)
        return f"FAILED: surface view unavailable{': ' + note if note else ''}", False
    _settle(0.3)
    before = {"contour": _rgb(contour.grab().toImage()),
              "surface": _rgb(gl_widget.grabFramebuffer())}

    controller = window.controller
    controller.set_speed(0.0)
    started = time.perf_counter()
    controller.play()
    finished = _wait(lambda: controller.state != "running")
    elapsed = time.perf_counter() - started
    controller.shutdown()
    if not finished:
        return f"FAILED: the run did not finish within {TIMEOUT:.0f} s", False
    steps = [r.trace.last_step if r.trace is not None else -1 for r in controller.racers]
    if len(steps) != len(CONFIG["method"]) or min(steps) < CONFIG["steps"]:
        messages = "; ".join(f"{r.label}: {r.status} {r.message}" for r in controller.racers)
        return f"FAILED: the run stopped early at steps {steps} ({messages})", False
    # Let the throttled redraws (loss ~30/s, 3-D surface ~7/s) catch up.
    _settle(0.5)
    colours = [QColor(r.colour) for r in controller.racers]
    views = [
        _check_contour(_rgb(contour.grab().toImage()), before["contour"]),
        _check_surface(_rgb(gl_widget.grabFramebuffer()), before["surface"]),
        _check_loss(_rgb(loss.grab().toImage()), colours),
    ]
    # Not views, but what a frozen build most easily lacks: modules imported
    # lazily (sympy, and the numpy submodules its lambdify imports by name), and
    # starting itself again as a helper process for large batches.
    failed = [c for c in [*views, _check_formulas(), _check_helper()] if not c.ok]
    if failed:
        return "FAILED: " + "; ".join(c.why for c in failed), False
    names = ", ".join(c.name for c in views)
    return f"OK ({names} drawn; {CONFIG['steps']} steps in {elapsed:.1f} s)", True


# -- pixel checks ---------------------------------------------------------------------
def _check_contour(img: np.ndarray, before: np.ndarray) -> Check:
    if img.size == 0:
        return Check("contour", False, "contour view blank (empty image)")
    distinct = _distinct(img)
    if distinct < 100:
        return Check("contour", False, f"contour view blank (only {distinct} colours; no colour map)")
    if _changed(img, before) < 0.002:
        return Check("contour", False, "contour view shows no paths after the run")
    return Check("contour", True)


def _check_surface(img: np.ndarray, before: np.ndarray) -> Check:
    if img.size == 0:
        return Check("surface", False, "surface view blank (no OpenGL framebuffer)")
    background = (img > 245).all(axis=-1) | (img < 10).all(axis=-1)
    covered = float((~background).mean())
    distinct = _distinct(img)
    if covered < 0.05 or distinct < 50:
        return Check("surface", False, f"surface view blank ({covered:.0%} drawn, {distinct} colours)")
    if _changed(img, before) < 0.001:
        return Check("surface", False, "surface view shows no paths after the run")
    return Check("surface", True)


def _check_loss(img: np.ndarray, colours: list[QColor]) -> Check:
    if img.size == 0:
        return Check("loss", False, "loss view blank (empty image)")
    flat = img.reshape(-1, 3).astype(int)
    for colour in colours:
        target = np.array([colour.red(), colour.green(), colour.blue()])
        hits = int((np.abs(flat - target).sum(axis=1) < 40).sum())
        if hits < 30:
            return Check("loss", False, f"loss view has no curve in {colour.name()} ({hits} pixels)")
    return Check("loss", True)


def _check_formulas() -> Check:
    """A typed formula parses and its exact gradient evaluates (core.parse_function)."""
    import core

    try:
        # What sympy.lambdify runs (once; it remembers even a half-failed try,
        # so a scenario loaded before this check may have hidden a failure).
        exec("import numpy; from numpy import *; from numpy.linalg import *", {})  # noqa: S102
        problem = core.parse_function("sin(3*x)*y + x**2/4")
        grad = np.asarray(problem.grad(np.array([0.5, 2.0])), dtype=float)
    except Exception as exc:  # noqa: BLE001 - reported in the verdict
        return Check("formula", False, f"typed formulas do not work: {exc}")
    expected = [3 * np.cos(1.5) * 2.0 + 0.25, np.sin(1.5)]
    if not np.allclose(grad.reshape(-1)[:2], expected):
        return Check("formula", False, f"a typed formula's gradient is wrong: {grad}")
    return Check("formula", True)


def _check_helper() -> Check:
    """A helper process for large batches starts and computes (core.workers):
    the frozen build starts one as ``optiscope --core-worker``."""
    import core
    from core import workers

    args = ("himmelblau", "adam", [[1.0, 1.0], [-1.0, 2.0]])
    options = dict(steps=20, lr=0.1, tol=0.0, keep_path=False)
    try:
        helper = workers.Helper()
    except OSError as exc:
        return Check("helper", False, f"no helper process for large batches: {exc}")
    try:
        sent = helper.submit(core.run, *args, **options)
        reply = helper.result(timeout=TIMEOUT) if sent else None
    finally:
        helper.close()
    if reply is None:
        return Check("helper", False, "the helper process for large batches did not answer")
    if not np.array_equal(reply.x, core.run(*args, **options).x):
        return Check("helper", False, "the helper process for large batches computed otherwise")
    return Check("helper", True)


def _distinct(img: np.ndarray) -> int:
    return len(np.unique(img.reshape(-1, 3)[::3], axis=0))


def _changed(img: np.ndarray, before: np.ndarray) -> float:
    """Fraction of pixels that differ noticeably (1.0 when the sizes differ)."""
    if img.shape != before.shape:
        return 1.0
    return float((np.abs(img.astype(int) - before.astype(int)).sum(axis=-1) > 30).mean())


def _rgb(image: QImage) -> np.ndarray:
    """An (h, w, 3) uint8 copy of ``image`` (empty for a null image)."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return np.zeros((0, 0, 3), np.uint8)
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w, stride = rgba.height(), rgba.width(), rgba.bytesPerLine()
    buf = np.frombuffer(rgba.constBits(), np.uint8, count=h * stride).reshape(h, stride)
    return buf[:, : w * 4].reshape(h, w, 4)[..., :3].copy()


# -- finding the views ----------------------------------------------------------------
def _view(window, name: str) -> QWidget | None:
    if window.objectName() == name:
        return window
    return window.findChild(QWidget, name)


def _gl_widget(surface: QWidget):
    """The surface view's OpenGL view (its ``gl`` window, or an OpenGL widget
    inside it), created if the view makes it lazily; None if there is none."""
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    ensure = getattr(surface, "ensure_gl", None)
    if callable(ensure):
        ensure()
    else:
        _wait(lambda: surface.findChild(QOpenGLWidget) is not None, timeout=10.0)
    if isinstance(surface, QOpenGLWidget):
        return surface
    view = getattr(surface, "gl", None) or surface.findChild(QOpenGLWidget)
    if view is None:
        return None
    _wait(lambda: view.isValid(), timeout=10.0)
    return view if view.isValid() else None


def _surface_note(surface: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    texts = [label.text() for label in surface.findChildren(QLabel)
             if label.isVisible() and "unavailable" in label.text()]
    return texts[0] if texts else ""


# -- helpers -------------------------------------------------------------------------
def _wait(condition, timeout: float = TIMEOUT) -> bool:
    """Process events until ``condition()`` holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        _settle(0.02)
    return True


def _settle(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    QApplication.processEvents()


def _close(window) -> None:
    controller = getattr(window, "controller", None)
    if controller is not None:
        controller.shutdown()
    window.close()
    QApplication.processEvents()


def _say(line: str) -> None:
    if sys.stdout is not None:
        print(line, flush=True)


def process_age() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere: since import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            # Field 22 (starttime, clock ticks after boot); the command name
            # (field 2) may contain spaces, so split after its closing ")".
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        started = start_ticks / os.sysconf("SC_CLK_TCK")
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()
