"""The run controller: settings in, ``core`` runners out, batches to the views.

It owns the runners and the worker thread.  The views never see a runner;
they receive :class:`core.Trace` histories after each batch.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

import core

from .style import race_colour
from .threads import WorkerPool
from .worker import stream

if TYPE_CHECKING:
    from superqt.utils import GeneratorWorker


@dataclass
class Racer:
    """One method taking part in the run."""

    method: str
    hyper: dict[str, Any]
    colour: str
    runner: core.Runner | None = None
    trace: core.Trace | None = None
    status: str = "idle"
    message: str = ""
    label: str = ""
    caveat: str = ""  # see core.Batch.caveat


@dataclass
class RacerSpec:
    """One racer as set up: method, hyperparameters and optional own label,
    learning rate (overriding the shared one) and seed."""

    name: str
    hyper: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    lr: float | None = None
    seed: int | None = None

    @classmethod
    def of(cls, item: Any) -> RacerSpec:
        """Accept a RacerSpec or a ``(name, hyperparameters)`` pair."""
        if isinstance(item, RacerSpec):
            return RacerSpec(item.name, dict(item.hyper), item.label, item.lr, item.seed)
        name, hyper = item
        return cls(name, dict(hyper))


@dataclass
class RunSettings:
    """Everything that defines a run."""

    problem: str = "two_bumps"
    options: dict[str, Any] = field(default_factory=dict)
    methods: list[RacerSpec] = field(default_factory=lambda: [RacerSpec("gd")])
    lr: float = 0.1
    maximize: bool = False
    steps: int = 500
    tol: float = 1e-8
    start: np.ndarray | None = None


class RunController(QObject):
    """Builds runs from settings and drives them in a worker thread.

    Signals
    -------
    updated
        New steps arrived (or the run was reset): views should redraw.
    stateChanged(str)
        "ready", "running", "paused" or "finished".
    problemChanged(object)
        The problem (a :class:`core.Problem`) changed.
    failed(str)
        A run could not be built or crashed; the message says why.
    crashed(object)
        The worker raised an unexpected exception (the exception).
    """

    updated = Signal()
    stateChanged = Signal(str)
    problemChanged = Signal(object)
    startChanged = Signal(object)
    failed = Signal(str)
    crashed = Signal(object)

    def __init__(self, settings: RunSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings or RunSettings()
        self.problem: core.Problem = core.get_problem(self.settings.problem, **self.settings.options)
        if self.settings.start is None:
            self.settings.start = default_start(self.problem)
        self.racers: list[Racer] = []
        self.state = "ready"
        self.speed = 60.0  # steps per second; 0 = as fast as possible
        self._worker: GeneratorWorker | None = None
        self._pool = WorkerPool(self)
        self._wake = threading.Event()
        self._generation = 0
        self.error = ""
        self._rebuild()

    # -- settings ----------------------------------------------------------------
    def set_problem(self, name: str, options: dict[str, Any] | None = None) -> None:
        """Switch to problem ``name`` (with model ``options``); the start moves to its default."""
        problem = core.get_problem(name, **(options or {}))
        self.set_problem_object(problem, name, options)

    def set_problem_object(self, problem: core.Problem, name: str | None = None,
                           options: dict[str, Any] | None = None) -> None:
        """Switch to an already built problem (e.g. a user-typed function)."""
        self._halt()
        self.settings.problem = name or problem.name
        self.settings.options = dict(options or {})
        self.problem = problem
        self.settings.start = default_start(problem)
        self._rebuild()  # first, so listeners never see runs of the previous problem
        self.problemChanged.emit(problem)
        self.startChanged.emit(self.settings.start)

    def set_methods(self, methods: list[Any]) -> None:
        """Race these :class:`RacerSpec` (or ``(method, hyperparameters)`` pairs)."""
        self._halt()
        self.settings.methods = [RacerSpec.of(m) for m in methods]
        self._rebuild()

    def set_hyper(self, index: int, changes: dict[str, Any]) -> None:
        """Change hyperparameters of racer ``index``: live during a run, otherwise a fresh run."""
        self.settings.methods[index].hyper.update(changes)
        self._apply_live_or_reset({index: changes})

    def set_method_hyper(self, method: str, changes: dict[str, Any]) -> None:
        """Change hyperparameters of every racer running ``method``."""
        for i, spec in enumerate(self.settings.methods):
            if spec.name == method:
                self.set_hyper(i, changes)

    def set_lr(self, lr: float) -> None:
        """The shared learning rate: every first-order racer without its own."""
        self.settings.lr = lr
        changes = {i: {"lr": lr} for i, spec in enumerate(self.settings.methods)
                   if uses_shared_lr(spec.name) and spec.lr is None}
        self._apply_live_or_reset(changes)

    def set_start(self, x: np.ndarray) -> None:
        """Start from ``x`` (a fresh run)."""
        self._halt()
        self.settings.start = np.asarray(x, dtype=float)
        self.startChanged.emit(self.settings.start)
        self._rebuild()

    def set_run_options(self, *, maximize: bool, steps: int, tol: float) -> None:
        """Ascent/descent, step limit and tolerance (a fresh run)."""
        self._halt()
        self.settings.maximize, self.settings.steps, self.settings.tol = maximize, steps, tol
        self._rebuild()

    def set_speed(self, steps_per_second: float) -> None:
        """Pace of the animation (0 = as fast as possible); applies at once."""
        self.speed = float(steps_per_second)

    # -- transport ---------------------------------------------------------------
    def play(self) -> None:
        """Start or resume the run in the worker thread."""
        if self._worker is not None:
            return
        if self.state == "finished":
            self._rebuild()
        runners = [r.runner for r in self._live()]
        if not runners or all(r.done for r in runners):
            return
        from superqt.utils import GeneratorWorker  # imported at the first run (start-up time)

        self._wake = threading.Event()
        consumed = threading.Event()
        consumed.set()
        generation = self._generation
        worker = GeneratorWorker(stream, runners, lambda: self.speed, self._wake, consumed)
        worker.yielded.connect(lambda batches: self._on_batches(batches, generation, consumed))
        # What the worker computed but had not sent when it was asked to stop.
        worker.returned.connect(lambda rest: self._on_batches(rest, generation))
        worker.errored.connect(self._on_error)
        worker.finished.connect(lambda: self._on_finished(worker))
        self._worker = worker
        self._set_state("running")
        self._pool.start(worker)

    def pause(self) -> None:
        """Pause after the current batch."""
        if self._worker is not None:
            self._quit_worker()
            self._set_state("paused")

    def toggle(self) -> None:
        """Play if paused or ready, pause if running."""
        if self.state == "running":
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """Advance every run by one iteration (only while not running)."""
        self.advance_all(1)

    def advance_all(self, n: int) -> None:
        """Advance every run by up to ``n`` iterations now, in this thread (not while running).

        For recording a video frame by frame; ordinary play uses the worker.
        """
        if self._worker is not None or self.state == "finished":
            return
        self._on_batches([[r.runner.advance(n)] for r in self._live()])
        if self.state == "ready":
            self._set_state("paused")
        self._check_finished()

    def reset(self) -> None:
        """Stop and return to the start point."""
        self._halt()
        self._rebuild()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop the worker and wait for it (call before the window closes)."""
        return self._quit_worker(timeout_ms)

    @property
    def running(self) -> bool:
        """True while the worker thread is computing."""
        return self._worker is not None

    # -- internals -----------------------------------------------------------------
    def _apply_live_or_reset(self, changes: dict[int, dict[str, Any]]) -> None:
        if self.state in ("running", "paused"):
            try:
                for i, ch in changes.items():
                    runner = self.racers[i].runner
                    if runner is not None:
                        runner.set_hyper(**ch)
            except ValueError as exc:
                self.failed.emit(str(exc))
            return
        self._halt()
        self._rebuild()

    def _hyper_for(self, spec: RacerSpec) -> dict[str, Any]:
        full = dict(spec.hyper)
        if spec.lr is not None:
            full["lr"] = spec.lr
        elif uses_shared_lr(spec.name):
            full["lr"] = self.settings.lr
        return full

    def _rebuild(self) -> None:
        """Fresh runners for the current settings (nothing runs yet)."""
        s = self.settings
        self.error = ""
        self._generation += 1
        self.racers = []
        for i, spec in enumerate(s.methods):
            title = core.get_method(spec.name).title
            if spec.name == "gd" and s.maximize:
                title = "Gradient ascent"  # what it does: the fence lesson climbs
            own = spec.label if spec.label and not _says_nothing_new(spec.label, title) else None
            label = f"{title} ({own})" if own else title
            racer = Racer(spec.name, self._hyper_for(spec), race_colour(i), label=label)
            try:
                racer.runner = core.Runner(self.problem, spec.name, s.start, steps=s.steps,
                                           maximize=s.maximize, tol=s.tol, diagnostics=True,
                                           seed=spec.seed, **racer.hyper)
                racer.trace = core.Trace(self.problem.dim)
                racer.status = "ready"
                if racer.runner.done:  # e.g. the loss is NaN at the start: it ends at step 0
                    batch = racer.runner.advance(0)
                    racer.trace.extend(batch)
                    racer.status, racer.message = batch.status, batch.message
                    racer.caveat = batch.caveat
            except ValueError as exc:
                racer.status = "error"
                racer.message = str(exc)
                self.failed.emit(f"{racer.label}: {exc}")
            self.racers.append(racer)
        self._set_state("ready")
        if self._live():
            self._check_finished()  # every run ended at its start (nothing to play)
        self.updated.emit()

    def _live(self) -> list[Racer]:
        return [r for r in self.racers if r.runner is not None]

    def _on_batches(self, batches: list[list[core.Batch]], generation: int | None = None,
                    consumed: threading.Event | None = None) -> None:
        """Take, per racer, the batches computed since the last call."""
        if consumed is not None:
            consumed.set()  # the worker may send what it computes next
        if generation is not None and generation != self._generation:
            return  # a late batch from a run that has since been reset
        if not any(batches):
            return
        for racer, held in zip(self._live(), batches, strict=False):
            if racer.trace is None or not held:
                continue
            for batch in held:
                racer.trace.extend(batch)
            racer.status = held[-1].status
            racer.message = held[-1].message
            racer.caveat = held[-1].caveat
        self.updated.emit()

    def _on_error(self, exc: Exception) -> None:
        self._worker = None
        self.error = f"The run stopped because of an unexpected error: {type(exc).__name__}: {exc}"
        self.failed.emit(self.error)
        self.crashed.emit(exc)
        self._set_state("paused")

    def _on_finished(self, worker) -> None:
        # Only the current worker's end matters; a quit worker was forgotten already.
        # (Asking whether the current one still runs was not enough: a late end of
        # a quit worker, arriving before a new one had started running, orphaned
        # the new one; nothing could stop it any more.)
        if worker is self._worker:
            self._worker = None
        self._check_finished()

    def _check_finished(self) -> None:
        if self._worker is None and self.racers and all(
                r.runner is None or r.runner.done for r in self.racers):
            self._set_state("finished")

    def _quit_worker(self, timeout_ms: int = 2000) -> bool:
        """Ask the worker to stop at its next batch and wait until it has.

        Waiting matters: a new worker must never advance the same runners while
        the old one is still finishing its batch.
        """
        if self._worker is not None:
            # The stream ends at its next check of ``wake`` and returns what it had not
            # sent yet (worker.quit() would make superqt drop that return value).
            self._wake.set()
            self._worker = None
        return self._pool.wait(timeout_ms)

    def _halt(self) -> None:
        self._quit_worker()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)


def _has_param(method: str, name: str) -> bool:
    return any(p.name == name for p in core.get_method(method).params)


def uses_shared_lr(method: str) -> bool:
    """First-order methods take the Learning-rate panel's value; the others'
    ``lr`` is a step scale with its own default (1 for Newton, CG, LM...)."""
    m = core.get_method(method)
    return m.group == "first-order" and _has_param(method, "lr")


#: Start points that make each built-in landscape's story visible at once.
DEMO_STARTS = {
    "bowl": (1.5, 1.0), "ellipse": (-2.5, 1.5), "two_bumps": (-0.5, 0.5),
    "rosenbrock": (-1.5, 2.0), "himmelblau": (-0.5, -0.5), "saddle": (1.8, 0.05),
    "parabola": (1.0,), "tea": (40.0,), "tea_trains": (40.0,), "tea_rating": (40.0,),
    "tea_finicky": (40.0,), "fence": (57.0,),
}


def default_start(problem: core.Problem) -> np.ndarray:
    """The problem's own suggested start, a demonstration start for the built-in
    landscapes, or a point a fifth of the way into the domain."""
    start = getattr(problem, "start", None)
    if start is None:
        start = problem.options.get("start") if hasattr(problem.options, "get") else None
    if start is None:
        start = DEMO_STARTS.get(problem.name)
    if start is not None and np.asarray(start).shape == (problem.dim,):
        return np.array(start, dtype=float)
    dom = problem.domain
    return dom[:, 0] + 0.2 * (dom[:, 1] - dom[:, 0])


def _words(text: str) -> set[str]:
    """Lower-case words, ignoring dashes, brackets and possessive 's."""
    text = re.sub(r"[-‐–—()]", " ", text.lower()).replace("'s", "").replace("’s", "")
    return set(text.split())


def _says_nothing_new(label: str, title: str) -> bool:
    """True if a racer's own ``label`` only repeats words of its method's ``title``
    ("exhaustive search" for "Exhaustive grid search", "Newton" for "Newton's
    method"): the legend then shows the title alone."""
    return _words(label) <= _words(title)
