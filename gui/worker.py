"""The worker: advances the runs in a background thread and sends batches.

It is a plain generator run by superqt's ``GeneratorWorker``: every ``yield``
hands the GUI, for each racing method, the list of batches computed since the
previous yield.  The worker never waits for the display: while the GUI is
busy drawing, batches are merged and sent together once it has taken the
previous ones, so a slow display means bigger updates, never a backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Sequence

import core

FPS = 60
FRAME = 1.0 / FPS
#: At full speed, compute for about this long per frame.
BUSY = 0.008
#: Stop computing when this many frames are waiting for the GUI (it is stuck).
MAX_PENDING = 120


def stream(runners: Sequence[core.Runner], pace: Callable[[], float],
           wake: threading.Event, consumed: threading.Event | None = None
           ) -> Generator[list[list[core.Batch]], None, list[list[core.Batch]]]:
    """Advance ``runners`` together, pacing to ``pace()`` steps per second (0 = full speed).

    ``wake`` ends the stream (set it when asking to quit; it also cuts short
    the wait between frames).  ``consumed`` is set by the GUI when it has taken
    the last yield; until then new batches are held back and merged.

    The stream *returns* the batches it computed but did not yield (a quit
    while the GUI was busy), so that nothing computed goes missing from the
    display: the runners are already past those steps.
    """
    chunk = 1
    pending: list[list[core.Batch]] = [[] for _ in runners]
    frames = 0
    due = time.perf_counter()  # when this frame's steps are due
    while not wake.is_set():
        started = time.perf_counter()
        rate = pace()
        if rate <= 0 and frames and consumed is not None:
            # At full speed with a frame already waiting, the display is behind:
            # let it catch up (drawing needs Python's GIL too) rather than compute
            # more it cannot show yet, then hand that frame over below.  (A race of
            # 8 at full speed drew 11 frames a second, the window unresponsive for
            # up to 0.3 s.)
            if not consumed.wait(FRAME):
                continue
            period = FRAME
        elif rate <= 0:
            for held, r in zip(pending, runners, strict=True):
                held.append(r.advance(chunk))
            spent = time.perf_counter() - started
            # Grow or shrink the chunk so one frame of work takes about BUSY seconds.
            if spent < BUSY / 2:
                chunk = min(chunk * 2, 1_000_000)
            elif spent > BUSY * 2 and chunk > 1:
                chunk //= 2
            period = FRAME
            frames += 1
        else:
            n = max(1, round(rate * FRAME)) if rate >= FPS else 1
            for held, r in zip(pending, runners, strict=True):
                held.append(r.advance(n))
            period = FRAME if rate >= FPS else 1.0 / rate
            frames += 1
        finished = all(r.done for r in runners)
        if consumed is None or consumed.is_set() or finished or frames >= MAX_PENDING:
            if consumed is not None:
                while not (consumed.is_set() or wake.is_set()):
                    consumed.wait(0.005)
                if wake.is_set():
                    return pending
                consumed.clear()
            yield pending
            pending = [[] for _ in runners]
            frames = 0
        if finished:
            return pending
        # On a fixed schedule, not "a period after this frame began": a frame
        # that started late does not push every later one back (the frames came
        # every 17.7 ms at 60 a second, with more spread).
        now = time.perf_counter()
        due = max(due + period, now - period)  # (after a long stall: no burst)
        wait = due - now
        if wait > 0 and wake.wait(wait):
            return pending
    return pending
