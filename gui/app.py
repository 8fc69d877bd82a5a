"""Command-line entry point: ``optiscope [options]``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import core


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="optiscope",
        description="Watch optimisation for machine learning happen.",
    )
    parser.add_argument("--problem", choices=sorted(core.PROBLEMS), help="landscape or model")
    parser.add_argument("--method", choices=sorted(core.METHODS), nargs="+", metavar="METHOD",
                        help="optimisation method(s); several race each other. "
                             f"Choices: {', '.join(sorted(core.METHODS))}")
    parser.add_argument("--lr", type=float, help="learning rate, e.g. 0.05")
    parser.add_argument("--start", type=float, nargs="+", metavar="X", help="start point")
    parser.add_argument("--steps", type=int, help="maximum number of steps")
    parser.add_argument("--maximize", action="store_true", help="climb (gradient ascent)")
    parser.add_argument("--tab", help="analysis tab to show first (loss, data, ...)")
    parser.add_argument("--scenario", metavar="NAME_OR_PATH",
                        help="set up a lesson from assets/scenarios (or a .toml file)")
    parser.add_argument("--list-scenarios", action="store_true",
                        help="print the lessons, one a line (name first), and exit")
    parser.add_argument("--presentation", action="store_true",
                        help="projector mode: large text, thick lines, full screen")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="run the configuration to the end, save a PNG of the window, exit")
    parser.add_argument("--size", type=int, nargs=2, metavar=("W", "H"), default=(1400, 860),
                        help="window size in pixels (default 1400 860)")
    parser.add_argument("--self-test", action="store_true",
                        help="open the window, race two methods, check that every view drew, "
                             "print a one-line verdict and exit 0 (OK) or 1")
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)
    return parser


def _ensure_platform(headless: bool) -> None:
    """Without any display, render off screen instead of failing to start."""
    if "QT_QPA_PLATFORM" in os.environ:
        return
    if headless and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _match_opengl_platform(qt_platform: str) -> None:
    """PyOpenGL must use the same GL interface as Qt (GLX under X11, EGL under
    Wayland), or the 3-D view draws nothing; OpenGL is imported later."""
    if "PYOPENGL_PLATFORM" in os.environ:
        return
    if qt_platform.startswith("wayland"):
        os.environ["PYOPENGL_PLATFORM"] = "egl"
    elif qt_platform == "xcb":
        os.environ["PYOPENGL_PLATFORM"] = "glx"


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options (row-major images match numpy meshgrids)."""
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Start Optiscope; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_scenarios:
        return _list_scenarios()
    scenario = None
    if args.scenario:
        try:
            scenario = core.load_scenario(args.scenario)
        except ValueError as exc:
            print(f"optiscope: error: {_one_line(exc)}", file=sys.stderr)
            return 2
    _ensure_platform(headless=args.screenshot is not None or bool(args.self_test))
    tune_qt_environment()

    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    # pyqtgraph caches compiled shader programs globally: every GL view must
    # share one context group, or a re-created 3-D view draws with dead ids.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optiscope"])
    app.setApplicationName("Optiscope")
    _match_opengl_platform(app.platformName())
    icon = Path(__file__).resolve().parents[1] / "assets" / "optiscope.png"
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))

    from .errors import ErrorReporter, setup_logging
    from .main_window import MainWindow

    setup_logging()
    reporter = ErrorReporter(app)
    reporter.install()
    window = MainWindow()
    window.controller.crashed.connect(reporter.report_exception)
    try:
        window.apply(problem=args.problem, method=args.method, lr=args.lr, start=args.start,
                     steps=args.steps, maximize=True if args.maximize else None)
        if args.tab:
            window.show_tab(args.tab)
    except ValueError as exc:
        window.controller.shutdown()
        parser.error(str(exc))
    if scenario is not None:
        try:
            window.apply_scenario(scenario)
            if args.steps is not None:
                window.apply(steps=args.steps)
        except ValueError as exc:
            window.controller.shutdown()
            print(f"optiscope: error: {_one_line(exc)}", file=sys.stderr)
            return 2
    if args.presentation:
        window.set_presentation(True)
    window.resize(*args.size)
    if args.self_test or args.quit_after_show:
        from . import self_test

        return self_test.main(window, self_test=args.self_test)
    if args.screenshot:
        from .screenshot import run_and_save

        return run_and_save(window, args.screenshot)
    if args.presentation:
        window.set_full_screen(True)
    else:
        window.show()
    code = app.exec()
    from .threads import wait_all

    wait_all(5000)  # no thread may outlive the window
    return code


def tune_qt_environment() -> None:
    """Settings Qt reads from the environment when the application starts (a
    user's own setting wins).

    ``QT_QPA_UPDATE_IDLE_TIME=0``: a native window's update request (the 3-D
    view is one, see ``gui.views.gl_window``) is delivered as soon as the event
    loop is free rather than after Qt's default 5 ms: while a race plays the
    3-D view has frames of its own, and the wait was a third of such a frame.
    """
    os.environ.setdefault("QT_QPA_UPDATE_IDLE_TIME", "0")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _list_scenarios() -> int:
    errors: list[str] = []
    for s in core.list_scenarios(errors=errors):
        print(f"{s.name}\t{s.title}")
    for message in errors:
        print(f"optiscope: warning: skipped a broken scenario: {_one_line(message)}", file=sys.stderr)
    return 0


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` at once, after flushing logs and output.

    Used once the window is closed and every worker thread has stopped: nothing
    is left to save, while Python's own shutdown (unloading some 1,400 modules,
    sympy among them, and pyqtgraph's exit clean-up) takes 0.5 to 1.2 s on a
    2-core machine: closing the window would feel slow.
    """
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or missing stream
            stream.flush()
    os._exit(code)


def launch(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``optiscope`` command: :func:`main`, then :func:`exit_now`."""
    exit_now(main(argv))


if __name__ == "__main__":  # pragma: no cover
    launch()
