"""Throttled calls: redraw at most once per interval, always with the latest data.

(superqt's ``qthrottled`` does the same, but importing superqt costs about
0.07 s of start-up; its workers are imported only when a thread is started.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


class Throttled(QObject):
    """Call ``func`` at most once per ``interval_ms`` milliseconds.

    With ``leading`` a call while idle goes through at once; calls arriving
    during the interval are merged into one call at its end, with the latest
    arguments.  Without ``leading`` every call waits for the end of the
    interval.  :meth:`cancel` forgets a pending call.
    """

    def __init__(self, func: Callable[..., Any], interval_ms: int, *, leading: bool = True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._func = func
        self._leading = leading
        self._pending: tuple | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._fire)

    def __call__(self, *args: Any) -> None:
        if self._timer.isActive():
            self._pending = args
            return
        self._timer.start()
        if self._leading:
            self._func(*args)
        else:
            self._pending = args

    @property
    def pending(self) -> bool:
        """True while a call waits for the end of the interval."""
        return self._pending is not None

    def cancel(self) -> None:
        """Drop the pending call, if any."""
        self._timer.stop()
        self._pending = None

    def _fire(self) -> None:
        if self._pending is None:
            return
        args, self._pending = self._pending, None
        self._timer.start()  # calls during the next interval are merged again
        self._func(*args)
