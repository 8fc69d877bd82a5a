"""Run the window's configuration to the end and save a picture of it."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

#: Give up waiting for a run after this many seconds (the picture is still saved).
TIMEOUT = 120.0


def run_and_save(window, path: str) -> int:
    """Play at full speed until finished, then write ``path``; returns an exit code."""
    controller = window.controller
    window.show()
    _settle(0.3)
    deadline = time.monotonic() + TIMEOUT
    while window.scenario_panel.loading and time.monotonic() < deadline:
        _settle(0.05)  # the picture shows the list of lessons, not "Loading…"
    controller.set_speed(0.0)
    controller.play()
    deadline = time.monotonic() + TIMEOUT
    while controller.state == "running" and time.monotonic() < deadline:
        _settle(0.05)
    controller.shutdown()
    _settle(0.3)
    from .export import grab

    ok = grab(window).save(path)
    window.close()
    if not ok:
        print(f"optiscope: error: could not write the screenshot to {path!r}", file=sys.stderr)
        return 1
    return 0


def _settle(seconds: float) -> None:
    """Process events for ``seconds`` so every pending redraw happens."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    QApplication.processEvents()
