"""Background threads for the GUI: one private pool per owner, garbage collected in the GUI thread.

Two rules keep worker threads from crashing Qt:

* Python's cyclic garbage collector must run in the GUI thread only.  A
  collection triggered by allocations in a worker thread could free a cycle
  holding Qt objects there, which Qt does not allow.  The first
  :class:`WorkerPool` therefore hands collection to pyqtgraph's
  ``GarbageCollector`` (automatic collection off, a timer in the GUI thread
  collects instead).
* Each owner (the run controller, the lessons list, the basin map, the
  learning-rate sweep) runs its workers in its own pool, so waiting for its
  worker never waits for somebody else's (Pause stays instant while the
  lessons are still being read).
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QThreadPool

_collector = None
_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


def collect_garbage_in_gui_thread() -> None:
    """Switch automatic garbage collection to a timer in the GUI thread (once)."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=0.5)


class WorkerPool(QObject):
    """A private thread pool for superqt workers.

    Python keeps each worker (``setAutoDelete(False)``): Qt must not delete a
    runnable whose Python wrapper still emits its signals.
    """

    def __init__(self, parent: QObject | None = None, max_threads: int = 1):
        super().__init__(parent)
        collect_garbage_in_gui_thread()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        _pools.add(self)

    def start(self, worker) -> None:
        """Run ``worker`` (a superqt ``WorkerBase``) in this pool."""
        worker.setAutoDelete(False)
        self._pool.start(worker)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Wait until none of this pool's workers runs; False on time-out."""
        return self._pool.waitForDone(timeout_ms)

    @property
    def active(self) -> int:
        """How many of this pool's threads are running a worker."""
        return self._pool.activeThreadCount()


def active_threads() -> int:
    """Threads of every live :class:`WorkerPool` still running a worker (0: all idle)."""
    return sum(_each_pool(lambda pool: pool.active))


def wait_all(timeout_ms: int = 5000) -> bool:
    """Wait (up to ``timeout_ms`` per pool) until every live pool is idle."""
    return all(_each_pool(lambda pool: pool.wait(timeout_ms)))


def _each_pool(call) -> list:
    """``call(pool)`` for every live pool (skipping those whose C++ side is gone)."""
    out = []
    for pool in list(_pools):
        try:
            out.append(call(pool))
        except RuntimeError:  # deleted by Qt, not yet by Python
            pass
    return out
