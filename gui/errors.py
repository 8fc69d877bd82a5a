"""Unexpected errors: logged, shown in a dialog with "Copy details", never silent.

:func:`install` routes uncaught exceptions (from Qt slots, the worker thread
or anywhere else) to one :class:`ErrorReporter`; the app keeps running.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger("optiscope")


class ErrorDialog(QDialog):
    """Shows what went wrong, with the technical details one click away."""

    def __init__(self, message: str, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle("Optiscope — something went wrong")
        self.message = QLabel(message)
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setObjectName("errorDetails")
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(160)
        note = QLabel("Optiscope is still running: close this and carry on. "
                      "The details were also written to the log file.")
        note.setWordWrap(True)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("copyDetailsButton")
        self.copy_button.clicked.connect(self.copy_details)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addWidget(note)
        layout.addLayout(buttons)
        self.resize(640, 360)

    def copy_details(self) -> None:
        """Put the message and the details on the clipboard."""
        QApplication.clipboard().setText(f"{self.message.text()}\n\n{self.details.toPlainText()}")
        self.copy_button.setText("Copied")


class ErrorReporter(QObject):
    """Collects unexpected errors from any thread and shows them on the GUI thread."""

    reported = Signal(str, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dialogs: list[ErrorDialog] = []
        self.count = 0
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = None
        self._previous_thread = None

    def report(self, message: str, details: str = "") -> None:
        """Log an error and show it (safe to call from any thread)."""
        self.count += 1
        log.error("%s\n%s", message, details)
        self.reported.emit(message, details)

    def report_exception(self, exc: BaseException) -> None:
        """Report an exception with its traceback."""
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.report(f"An unexpected error occurred: {type(exc).__name__}: {exc}", details)

    def _show(self, message: str, details: str) -> None:
        parent = QApplication.activeWindow()
        dialog = ErrorDialog(message, details, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _=0, d=dialog: self._forget(d))
        self.dialogs.append(dialog)
        dialog.show()  # not exec(): never block the event loop or a running demo

    def _forget(self, dialog: ErrorDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)

    # -- hooks ---------------------------------------------------------------------
    def install(self) -> None:
        """Catch every uncaught exception in this process (GUI and worker threads)."""
        self._previous = sys.excepthook
        self._previous_thread = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        """Restore the previous hooks."""
        if self._previous is not None:
            sys.excepthook = self._previous
            threading.excepthook = self._previous_thread
            self._previous = None

    def _excepthook(self, kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        exc.__traceback__ = tb
        self.report_exception(exc)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report_exception(args.exc_value)


def setup_logging() -> Path | None:
    """Log to a file in the user's data folder (and to stderr); returns the file."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    path = None
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if folder:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            path = Path(folder) / "optiscope.log"
            handlers.append(logging.FileHandler(path, encoding="utf-8"))
        except OSError:
            path = None
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("OpenGL").setLevel(logging.WARNING)  # "no OpenGL_accelerate" is noise
    return path
