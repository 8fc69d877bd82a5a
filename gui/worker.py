"""The worker: advances the runs in a background thread and sends batches.

It is a plain generator run by superqt's ``GeneratorWorker``: every ``yield``
hands the GUI one list of batches (one per racing method) and is where a
quit request takes effect, so Stop, Reset and closing the window end the run
within one batch.  It yields at most ``FPS`` times a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import core

FPS = 60
FRAME = 1.0 / FPS
#: At full speed, compute for about this long per frame before sending.
BUSY = 0.012


def stream(runners: Sequence[core.Runner], pace: Callable[[], float],
           wake: threading.Event) -> Iterator[list[core.Batch]]:
    """Advance ``runners`` together, pacing to ``pace()`` steps per second (0 = full speed).

    ``wake`` interrupts the wait between frames (set it when asking to quit).
    """
    chunk = 1
    while True:
        started = time.perf_counter()
        rate = pace()
        if rate <= 0:
            batches = [r.advance(chunk) for r in runners]
            spent = time.perf_counter() - started
            # Grow or shrink the chunk so one frame of work takes about BUSY seconds.
            if spent < BUSY / 2:
                chunk = min(chunk * 2, 1_000_000)
            elif spent > BUSY * 2 and chunk > 1:
                chunk //= 2
            wait = FRAME - spent
        else:
            n = max(1, round(rate * FRAME)) if rate >= FPS else 1
            batches = [r.advance(n) for r in runners]
            period = FRAME if rate >= FPS else 1.0 / rate
            wait = period - (time.perf_counter() - started)
        yield batches
        if all(r.done for r in runners):
            return
        if wait > 0 and wake.wait(wait):
            return
