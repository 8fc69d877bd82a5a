"""Unexpected errors are shown (with "Copy details"), logged, and survivable."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import core
from gui.errors import ErrorDialog, ErrorReporter
from gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def dialogs() -> list[ErrorDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()]


def test_report_shows_a_dialog_with_copyable_details(qtbot, caplog):
    reporter = ErrorReporter()
    try:
        raise ZeroDivisionError("division by zero in a test")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.ERROR, logger="optiscope"):
            reporter.report_exception(exc)
    qtbot.waitUntil(lambda: len(dialogs()) == 1)
    dialog = dialogs()[0]
    qtbot.addWidget(dialog)
    assert "ZeroDivisionError" in dialog.message.text()
    assert "Traceback" in dialog.details.toPlainText()
    dialog.copy_button.click()
    assert "division by zero in a test" in QApplication.clipboard().text()
    assert "division by zero in a test" in caplog.text  # logged, not silent
    dialog.accept()
    qtbot.waitUntil(lambda: not dialogs())


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_reaches_the_dialog_and_the_app_goes_on(qtbot):
    reporter = ErrorReporter()
    reporter.install()
    try:
        def broken() -> None:
            raise RuntimeError("a slot failed")

        QTimer.singleShot(0, broken)
        qtbot.waitUntil(lambda: len(dialogs()) == 1)
        assert "a slot failed" in dialogs()[0].message.text()
        hits = []
        QTimer.singleShot(0, lambda: hits.append(1))  # the event loop still runs
        qtbot.waitUntil(lambda: hits == [1])
    finally:
        reporter.uninstall()
        for d in dialogs():
            d.close()


def test_a_crash_in_the_worker_is_reported_and_the_window_recovers(qtbot, monkeypatch):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    crashes = []
    win.controller.crashed.connect(crashes.append)
    win.apply(problem="bowl", method="gd", lr=0.1, start=[1.0, 1.0], steps=1000)
    runner = win.controller.racers[0].runner

    def explode(n, record=True):
        raise MemoryError("simulated failure inside the run")

    monkeypatch.setattr(runner, "advance", explode)
    win.controller.set_speed(0)
    win.controller.play()
    qtbot.waitUntil(lambda: len(crashes) == 1, timeout=5000)
    assert isinstance(crashes[0], MemoryError)
    assert "unexpected error" in win.banner.text()
    assert not win.controller.running
    win.controller.reset()  # a fresh runner: everything works again
    win.controller.play()
    qtbot.waitUntil(lambda: win.controller.state == "finished", timeout=10000)
    assert win.controller.racers[0].status == "converged"
    win.controller.shutdown()
    assert core.METHODS  # the registry is untouched
