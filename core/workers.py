"""Helper processes: the chunks of one large batch on several cores at once.

numpy releases the interpreter lock inside its loops, but a batch of many
short numpy calls on threads spends much of its time handing that lock back
and forth (65,536 Adam runs × 1,000 steps on two cores: 0.97 s on two threads,
0.69 s with a second process).  So a large batch gives part of its runs to
helper processes — one fewer than :data:`core.runner.THREADS`, as the calling
thread computes a part too — and takes their results back.

A helper is a Python running :func:`serve` (or the frozen executable with
``--core-worker``): numpy and ``core`` only, no Qt.  It reads pickled requests
``(function, args, kwargs)`` on its stdin and writes each reply on its stdout; it ends
when its stdin closes, i.e. when the process that started it ends, however it
ends.  A helper that fails, dies or cannot start costs only time: the caller
then computes that part itself (:meth:`Helper.result` returns None).

Helpers start at the first batch large enough to want them and are kept for
later ones; :func:`shutdown` ends them (also at exit).
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("<Q")

#: The option that makes the frozen executable a helper (packaging/optiscope_launcher.py).
FROZEN_FLAG = "--core-worker"


def command() -> list[str]:
    """How to start a helper: this interpreter, or the frozen executable itself."""
    if not sys.executable:
        raise OSError("this Python does not know its own executable")
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_FLAG]
    # not ``-m core.workers``: runpy would import this module twice
    return [sys.executable, "-c", "import sys, core.workers; sys.exit(core.workers.serve())"]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])  # where the ``core`` package lives
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"  # one core each: the helpers and the caller share the machine
    return env


class Helper:
    """One helper process; one request at a time (:meth:`submit`, then :meth:`result`)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=_environment())
        self.busy = False
        self.broken = False
        self._thread: threading.Thread | None = None
        self._reply: Any = None

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Send ``fn(*args, **kwargs)`` to the helper; the reply is read on a thread of
        this process, so the caller can compute meanwhile.  False (nothing
        sent) when the request cannot be pickled."""
        self._reply = None
        try:
            request = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return False
        self._thread = threading.Thread(target=self._exchange, args=(request,),
                                        name="core-helper-io", daemon=True)
        self._thread.start()
        return True

    def _exchange(self, request: bytes) -> None:
        try:
            pipe_in, pipe_out = self.proc.stdin, self.proc.stdout
            pipe_in.write(_HEADER.pack(len(request)) + request)
            pipe_in.flush()
            header = pipe_out.read(_HEADER.size)
            if len(header) < _HEADER.size:
                raise EOFError("the helper process ended")
            ok, value = pickle.loads(pipe_out.read(_HEADER.unpack(header)[0]))
            self._reply = value if ok else None
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            self.broken = True

    def result(self, timeout: float | None = None) -> Any:
        """The reply to the request :meth:`submit` sent (None if the helper
        failed, or gave no reply within ``timeout`` seconds: it is then ended)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self.broken = True
                self.proc.kill()  # the reading thread then sees the pipe close
                self._thread.join()
            self._thread = None
        return self._reply

    def close(self) -> None:
        """End the helper: it leaves when its stdin closes."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdout.close()


_helpers: list[Helper] = []
_lock = threading.Lock()
_disabled = False


def borrow(count: int) -> list[Helper]:
    """Up to ``count`` idle helpers, started if need be; give them back with :func:`give_back`.

    Fewer (none) when other threads use them or helpers cannot be started.
    """
    global _disabled
    with _lock:
        if _disabled or count <= 0:
            return []
        for h in [h for h in _helpers if not h.busy and (h.broken or h.proc.poll() is not None)]:
            _helpers.remove(h)
            h.close()
        idle = [h for h in _helpers if not h.busy]
        try:
            while len(idle) < count and len(_helpers) < count:
                h = Helper()
                _helpers.append(h)
                idle.append(h)
        except (OSError, ValueError, TypeError):  # no process can start here: do without
            _disabled = True
        taken = idle[:count]
        for h in taken:
            h.busy = True
        return taken


def give_back(helpers: list[Helper]) -> None:
    with _lock:
        for h in helpers:
            h.busy = False


def shutdown() -> None:
    """End every helper (they are started again when needed)."""
    with _lock:
        while _helpers:
            _helpers.pop().close()


atexit.register(shutdown)


def serve() -> int:
    """A helper's main loop: answer requests on stdin until it closes."""
    import core.runner

    core.runner.THREADS = 1  # this process is one of the cores already
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not reach the pipe
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        try:
            fn, args, kwargs = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
            reply = (True, fn(*args, **kwargs))
            blob = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # reported to the caller, which then computes the part itself
            blob = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
        replies.write(_HEADER.pack(len(blob)) + blob)
        replies.flush()

