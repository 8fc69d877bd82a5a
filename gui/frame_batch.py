"""Paint the window once per refresh, however many plots changed.

Each pyqtgraph plot has its own ``QGraphicsScene``.  When a scene processes
its changed items (a queued call after the data changed), Qt immediately
repaints *and flushes the whole window* (``QGraphicsScene`` dispatches the
pending update request at once).  With the contour map and the loss plot
changing together that is two paints and two flushes of the window per
refresh, and a window that holds an OpenGL view is flushed by compositing all
of it in OpenGL: with software rendering each flush cost about 10 ms.

:class:`OneFlushPerFrame` lets every changed scene process its items first,
holding back the window's update request meanwhile, then posts one update
request: Qt paints all changed views and flushes the window once.
"""

from __future__ import annotations

import time

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget

#: Seconds between searches of the window for plots (a search costs ~0.4 ms; a
#: plot made since the last one repaints on its own until the next).
RESCAN = 1.0


class OneFlushPerFrame(QObject):
    """Coalesce the repaints of every plot in ``window`` into one flush.

    Call :meth:`flush` after handing new data to the views.
    """

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._holding = False
        self._held = False
        self._views: list = []
        self._found_at = -1e9
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if self._holding and watched is self._window and event.type() == QEvent.Type.UpdateRequest:
            self._held = True
            return True
        return False

    def flush(self) -> None:
        """Let the plots' scenes take their changes now and repaint the window once."""
        if not self._window.isVisible():
            return
        now = time.monotonic()
        if now - self._found_at > RESCAN:
            self._views = self._window.findChildren(pg.GraphicsView)
            self._found_at = now
        self._holding = True
        try:
            for view in self._views:
                if shiboken6.isValid(view) and view.isVisible():
                    QCoreApplication.sendPostedEvents(view.scene(), QEvent.Type.MetaCall)
        finally:
            self._holding = False
        if self._held:
            self._held = False
            # Qt still counts the held request as sent: this one replaces it.
            QCoreApplication.postEvent(self._window, QEvent(QEvent.Type.UpdateRequest),
                                       Qt.EventPriority.LowEventPriority.value)
