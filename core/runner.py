"""Running a method on a problem: :func:`iterate`, :func:`run` and :class:`Runner`.

The runner owns everything the methods should not have to think about:
validation, the maximise/minimise sign, evaluation counters, divergence and
convergence detection, freezing finished runs in a batch, and recording.
"""

from __future__ import annotations

import math
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from . import workers
from ._checks import bad, check_int, check_point, check_real
from .methods import METHODS, Method, get_method
from .problems import Problem, get_problem

Array = np.ndarray

#: Status names, in the order of their internal codes 1..4 (0 = still running).
STATUSES = ("converged", "diverged", "max_steps", "stopped")
_RUNNING, _CONVERGED, _DIVERGED, _MAX_STEPS, _STOPPED = range(5)

#: A run has diverged when it gets this many times farther from the origin than
#: the problem's plotting region reaches.
ESCAPE_FACTOR = 1e6

_DIVERGE_REASONS = {
    1: "the loss became infinite (a floating-point overflow).",
    2: "the loss became NaN, 'not a number' (typically ∞ − ∞ or 0·∞ after an overflow).",
    3: "the gradient became too large to represent (a floating-point overflow).",
    4: "the position ran away to |x| = {far:.3g}, a million times farther out than the "
       "plotted region.",
}
#: ``reason`` of a converged run whose method reported it ``stalled`` (see _classify).
_STALLED = 5


class Context:
    """What a method sees of the problem: counted evaluations of the objective.

    Values and derivatives are of ``sign·f`` (sign = −1 when maximising), so
    every method minimises.  Counters are per run; finished runs in a batch
    are still evaluated (the arithmetic is vectorised) but no longer counted.

    ``diagnostics`` is False while the runner throws the per-step diagnostics
    away: a method may then skip computing them (it may also return them anyway).
    ``in_place`` is True when the runner keeps no other reference to the
    arrays of the state a step is given (a chunk of a large batch): the
    method may then overwrite them instead of allocating new ones.

    ``deferred`` (a chunk of a large batch) holds counts of evaluations of
    every run at once not yet added to the per-run counters: three integer
    scalars instead of three passes over per-run arrays at each step.
    :meth:`settle` adds them; the runner calls it before the counters are read
    or ``active`` changes.
    """

    def __init__(self, problem: Problem, sign: float, runs: int, rng: np.random.Generator):
        self.problem = problem
        self.sign = sign
        self.rng = rng
        self.runs = runs
        self.dim = problem.dim
        self.nfev = np.zeros(runs, dtype=np.int64)
        self.ngev = np.zeros(runs, dtype=np.int64)
        self.nhev = np.zeros(runs, dtype=np.int64)
        self.active = np.ones(runs, dtype=np.int64)
        self.diagnostics = True
        self.in_place = False
        self.deferred: dict[str, int] | None = None

    def _count(self, names: tuple[str, ...], X: Array, where: Array | None) -> None:
        """Count one evaluation at each point of ``X`` for the active runs."""
        points = X.size // (self.runs * self.dim)
        if where is None and self.deferred is not None:
            for name in names:
                self.deferred[name] += points
            return
        n = self.active if points == 1 else self.active * points
        # ``where`` (runs,) bool: only those runs use this evaluation (a batched
        # line search whose other runs have already accepted their step).
        if where is not None:
            n = n * where
        for name in names:
            getattr(self, name).__iadd__(n)

    def settle(self) -> None:
        """Add the ``deferred`` counts to the per-run counters of the active runs."""
        if self.deferred is None:
            return
        for name, n in self.deferred.items():
            if n:
                getattr(self, name).__iadd__(n * self.active)
                self.deferred[name] = 0

    def f(self, X: Array, where: Array | None = None) -> Array:
        """Objective at ``X`` of shape (runs, [k,] dim); counted for runs in ``where`` (default all)."""
        self._count(("nfev",), X, where)
        out = self.problem.f(X)
        return -out if self.sign < 0 else out

    def g(self, X: Array, where: Array | None = None) -> Array:
        """Gradient of the objective."""
        self._count(("ngev",), X, where)
        out = self.problem.g(X)
        return -out if self.sign < 0 else out

    def fg(self, X: Array, where: Array | None = None) -> tuple[Array, Array]:
        """Objective and gradient together (one function and one gradient evaluation)."""
        self._count(("nfev", "ngev"), X, where)
        p = self.problem
        f, g = p.fg(X) if p.fg is not None else (p.f(X), p.g(X))
        return (-f, -g) if self.sign < 0 else (f, g)

    def h(self, X: Array, where: Array | None = None) -> Array:
        """Hessian of the objective."""
        self._count(("nhev",), X, where)
        out = self.problem.h(X)
        return -out if self.sign < 0 else out

    def residuals(self, X: Array, where: Array | None = None) -> tuple[Array, Array]:
        """Residuals and Jacobian (counted as one function and one gradient evaluation).

        They are those of the problem whatever the sign: ``f = Σ ε²`` is
        always the sum of squares, and a method that maximises applies the
        sign itself.
        """
        p = self.problem
        if p.r is None or p.j is None:
            raise ValueError(f"problem {p.name!r} is not a least-squares problem.")
        self._count(("nfev", "ngev"), X, where)
        return p.r(X), p.j(X)


class Batch(NamedTuple):
    """Steps recorded since the previous batch.

    For a single run, ``x`` is ``(n, dim)`` and ``f``, ``grad_norm``, ``nfev``,
    ``ngev``, ``nhev`` are ``(n,)``; for a batch of runs they gain a runs axis
    after the first.  ``steps`` are the iteration numbers of the rows (0 is the
    start).  ``diagnostics`` holds, per row, what the method reported about
    the step that led to it (empty unless requested).
    """

    steps: Array
    x: Array
    f: Array
    grad_norm: Array
    nfev: Array
    ngev: Array
    nhev: Array
    diagnostics: tuple[dict[str, Array], ...]
    status: Any
    done: bool
    message: str
    #: For a single converged run, a few words on what is wrong with where it
    #: ended ("only a local minimum", "a maximum, not a minimum", "a flat spot");
    #: "" when nothing is (see :meth:`Runner.caveat`).
    caveat: str = ""


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`run`, shaped like scipy's ``OptimizeResult``.

    ``path`` includes the start: ``(k+1, dim)``, or ``(k+1, runs, dim)`` for a
    batch; with ``keep_path=False`` only the start and the final iterate are
    kept.  ``status`` is one of :data:`STATUSES` (an array of them for a batch).
    """

    path: Array
    values: Array
    grad_norms: Array
    evals: Array
    x: Array
    fun: Any
    nit: Any
    nfev: Any
    ngev: Any
    nhev: Any
    status: Any
    success: Any
    message: str
    problem: str
    method: str
    hyper: dict[str, Any]
    maximize: bool
    diagnostics: tuple[dict[str, Array], ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return (f"Result(method={self.method!r}, problem={self.problem!r}, status={self.status!r}, "
                f"nit={self.nit!r}, fun={self.fun!r})")


def _resolve(problem: Problem | str, method: Method | str) -> tuple[Problem, Method]:
    p = problem if isinstance(problem, Problem) else get_problem(problem)
    m = method if isinstance(method, Method) else get_method(method)
    if "residuals" in m.needs and not p.has_residuals:
        raise ValueError(
            f"method {m.name!r} needs a least-squares problem (residuals and their Jacobian), "
            f"but {p.name!r} has none: choose a problem such as 'rosenbrock' or a model "
            f"with a squared-error loss."
        )
    return p, m


def _rng(seed: object) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(check_int("seed", seed, low=0))


class Runner:
    """A run in progress: advance it batch by batch, change its hyperparameters
    between batches, stop it, and read its :class:`Result`.

    Examples
    --------
    >>> import core
    >>> r = core.Runner("bowl", "gd", [1.0, 1.0], steps=100, lr=0.1)
    >>> b = r.advance(10)
    >>> b.steps.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    """

    def __init__(self, problem: Problem | str, method: Method | str, x0: object, *,
                 steps: int = 500, maximize: bool = False, tol: float = 1e-8,
                 seed: object = None, diagnostics: bool = False, **hyper: Any):
        self.problem, self.method = _resolve(problem, method)
        self.steps = check_int("steps", steps, low=0, high=10**9)
        if not isinstance(maximize, (bool, np.bool_)):
            raise bad("maximize", maximize, "True or False")
        self.maximize = bool(maximize)
        self.tol = check_real("tol", tol, low=0.0)
        self.hp = self.method.validate(**hyper)
        X = check_point("x0", x0, self.problem.dim, batch=True)
        self.batched = X.ndim == 2
        X = X if self.batched else X[None, :]
        if not self.method.batched and X.shape[0] > 1:
            raise ValueError(
                f"x0 holds {X.shape[0]} starts, but method {self.method.name!r} runs one start "
                f"at a time: pass x0 of shape ({self.problem.dim},)."
            )
        self.runs = X.shape[0]
        self.hp = _per_run_hyper(self.hp, self.runs)
        self.record_diagnostics = bool(diagnostics)
        self.ctx = Context(self.problem, -1.0 if self.maximize else 1.0, self.runs, _rng(seed))
        self.escape = ESCAPE_FACTOR * max(self.problem.scale, 1.0)
        self._gsq_tol = _square_threshold(self.tol)
        self.k = 0
        self.code = np.zeros(self.runs, dtype=np.int8)
        self.reason = np.zeros(self.runs, dtype=np.int8)
        self.nit = np.zeros(self.runs, dtype=np.int64)
        self._steps_deferred = 0  # counted in nit at the next _settle (chunks only)
        self._running = np.ones(self.runs, dtype=bool)  # mirrors ctx.active
        self._lock = threading.Lock()
        self._stop_requested = False
        with np.errstate(all="ignore"):
            self.state = self.method.init(self.ctx, X.copy(), self.hp)
            self._gsq = _sum_of_squares(self.state)
            self._classify(self.state, self._gsq)
        self.start = self.state.x.copy()
        self.start_f = self._true_f(self.state)
        self.start_gn = self.gnorm
        self._first_pending = True
        self._finish_if_exhausted()

    # -- public control -------------------------------------------------------
    @property
    def done(self) -> bool:
        """True once every run has finished."""
        return not self._running.any()

    @property
    def gnorm(self) -> Array:
        """Gradient norm of every run at its current iterate (NaN without gradients)."""
        return np.sqrt(self._gsq)

    def set_hyper(self, **hyper: Any) -> None:
        """Change hyperparameters; validated now, applied from the next batch on."""
        merged = {**self.public_hyper(), **hyper}
        new = _per_run_hyper(self.method.validate(**merged), self.runs)
        with self._lock:
            self.hp = new

    def public_hyper(self) -> dict[str, Any]:
        """The hyperparameters as given: per-run values as arrays of shape (runs,)."""
        return {k: v.reshape(-1).copy() if isinstance(v, np.ndarray) else v
                for k, v in self.hp.items()}

    def stop(self) -> None:
        """Stop every unfinished run ("stopped"); takes effect immediately."""
        self._stop_requested = True
        running = self.code == _RUNNING
        self.code[running] = _STOPPED
        self._deactivate(running)

    # -- stepping ---------------------------------------------------------------
    def advance(self, n: int, *, record: bool = True) -> Batch:
        """Run up to ``n`` more iterations and return what happened.

        With ``record=False`` only the latest iterate is returned (one row),
        which is what large batched runs need: a batch of a deterministic
        batched method then advances in cache-sized chunks, on up to
        :data:`THREADS` threads, with bit-identical results.
        """
        n = check_int("n", n, low=0)
        with self._lock:
            hp = dict(self.hp)
        rows = min(n, self.steps - self.k) if not self.done else 0
        first = self._first_pending
        self._first_pending = False
        cap = (rows + int(first)) if record else 1
        rec = _Recorder(cap, self.runs, self.problem.dim, self.record_diagnostics and record)
        if first and record:
            rec.add(0, self.start, self.start_f, self.start_gn, self.ctx, {})
        self.ctx.diagnostics = rec.keep_diag
        with np.errstate(all="ignore"):
            if not record and self._independent_runs():
                self._loop_in_chunks(rows, hp)
            else:
                self._loop(rows, hp, rec if record else None)
        self._finish_if_exhausted()
        if not record:
            rec.add(self.k, self.state.x, self._true_f(self.state), self.gnorm, self.ctx, {})
        return rec.batch(self, self.batched)

    def _loop(self, rows: int, hp: dict[str, Any], rec: _Recorder | None,
              chunk_of: Runner | None = None) -> None:
        """Advance every run ``rows`` times (fewer once all have finished).

        Finished runs keep their final state: they are frozen after each step.
        A chunk (``chunk_of`` set) instead hands finished runs back to its
        parent at once and keeps computing them unseen until it compacts.
        """
        step = self.method.step
        ctx = self.ctx
        running = self._running
        # A chunk with tolerance 0 needs squared gradient norms only for runs
        # that finish (``_classify`` computes them then) and at hand-back.
        lazy = chunk_of is not None and self.tol == 0
        for _ in range(rows):  # the caller makes sure some run is still running
            old = self.state
            new, diag = step(ctx, old, hp)
            if chunk_of is None and self.runs > 1 and not running.all():
                new = _freeze(new, old, running)
            self.state = new
            self.k += 1
            if ctx.deferred is None:
                self.nit += ctx.active
            else:
                self._steps_deferred += 1
            self._gsq = gsq = None if lazy else _sum_of_squares(new)
            finished = self._classify(new, gsq)
            if rec is not None:
                rec.add(self.k, new.x, self._true_f(new), np.sqrt(gsq), ctx, diag)
            if finished is None:
                continue
            if chunk_of is not None:
                self._hand_back(chunk_of, finished)
            if not running.any():
                break
            if chunk_of is not None and 4 * np.count_nonzero(~running) >= self.runs:
                hp = self._compact(hp)
                ctx, running = self.ctx, self._running

    # -- large batches in chunks ---------------------------------------------------
    #
    # Without a path to record, the runs of a batched deterministic method are
    # independent: they can advance in chunks that fit the CPU caches (faster,
    # and no huge temporaries), on several cores at once (numpy releases the
    # GIL in its loops), and runs that finish can leave the arrays instead of
    # being frozen at every step.  Results are bit-identical.

    def _independent_runs(self) -> bool:
        """True when runs may be split and regrouped: a batch of a batched method
        and a problem that draw no random numbers (whose streams would change)."""
        m = self.method
        return (self.runs > 1 and m.batched and not m.stochastic
                and "noise_seed" not in self.problem.options)  # see core.noise

    def _loop_in_chunks(self, rows: int, hp: dict[str, Any]) -> None:
        todo = np.flatnonzero(self._running)
        if rows == 0 or todo.size == 0:
            return
        per_run = _per_run_fields(self.state, self.runs)
        self.state = self.state._replace(
            **{name: getattr(self.state, name).copy() for name in per_run})
        self._hand_back_lock = threading.Lock()
        helpers = self._borrow_helpers(todo.size * rows)
        parts = np.array_split(todo, len(helpers) + 1)
        ends: list[tuple[int, Any]] = []  # (steps, state) where each piece of work ended
        try:
            sent = [h.submit(_advance_part, self._part(part, per_run, hp), rows)
                    for h, part in zip(helpers, parts[1:], strict=True)]
            ends += self._advance_here(parts[0], rows, hp, per_run, THREADS - len(helpers))
            for h, part, ok in zip(helpers, parts[1:], sent, strict=True):
                reply = h.result() if ok else None
                if reply is None:  # the helper failed: compute its part here
                    ends += self._advance_here(part, rows, hp, per_run, 1)
                else:
                    ends.append(self._take_back(part, per_run, reply))
        finally:
            workers.give_back(helpers)
        k, longest = max(ends, key=lambda end: end[0])  # the first of those that ran longest
        self.k = k
        shared = {name: value for name, value in zip(self.state._fields, longest, strict=True)
                  if name not in per_run}
        self.state = self.state._replace(**shared)

    def _advance_here(self, todo: Array, rows: int, hp: dict[str, Any],
                      per_run: tuple[str, ...], threads: int) -> list[tuple[int, Any]]:
        """Advance the runs ``todo`` in chunks on up to ``threads`` threads of this process."""
        threaded = threads > 1 and todo.size * self.problem.dim > CHUNK_VALUES
        size = max(1, (THREADED_CHUNK_VALUES if threaded else CHUNK_VALUES) // self.problem.dim)

        def advance(lo: int) -> tuple[int, Any]:
            chunk = self._chunk(todo[lo:lo + size], per_run)
            with np.errstate(all="ignore"):  # per thread
                chunk._loop(rows, _take_hyper(hp, chunk._rows, self.runs), None, chunk_of=self)
            chunk._hand_back(self, chunk._running)
            return chunk.k, chunk.state

        starts = range(0, todo.size, size)
        threads = min(threads, len(starts))
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads, thread_name_prefix="core-chunk") as pool:
                return list(pool.map(advance, starts))
        return [advance(lo) for lo in starts]

    # -- large batches in helper processes (see core.workers) ----------------------

    def _borrow_helpers(self, run_steps: int) -> list[workers.Helper]:
        """Helper processes for ``run_steps`` (runs × steps) of work: none for
        small batches, one core, or a problem or method a helper could not rebuild."""
        if THREADS < 2 or run_steps * self.problem.dim < PROCESS_WORK:
            return []
        if getattr(self.problem, "recipe", None) is None \
                or METHODS.get(self.method.name) is not self.method:
            return []
        return workers.borrow(THREADS - 1)

    def _part(self, rows: Array, per_run: tuple[str, ...], hp: dict[str, Any]) -> dict[str, Any]:
        """What a helper needs to advance the runs ``rows`` (see :func:`_advance_part`)."""
        return {**self._runs_of(rows, per_run), "problem": self.problem.recipe,
                "method": self.method.name, "sign": self.ctx.sign,
                "hp": _take_hyper(hp, rows, self.runs)}

    def _runs_of(self, rows: Array, per_run: tuple[str, ...]) -> dict[str, Any]:
        """This runner's settings and its runs ``rows``: what a runner over
        those runs starts from (see :func:`_runner_of`)."""
        return {**{name: getattr(self, name) for name in _SETTINGS},
                "state": self._take_runs(self.state, per_run, rows),
                **{name: getattr(self, name)[rows] for name in _RUN_ARRAYS},
                **{name: getattr(self.ctx, name)[rows] for name in _COUNTERS}}

    def _take_back(self, rows: Array, per_run: tuple[str, ...],
                   reply: dict[str, Any]) -> tuple[int, Any]:
        """Store a helper's runs (``rows``); return its steps and final state."""
        state = reply["state"]
        for name in per_run:
            getattr(self.state, name)[rows] = getattr(state, name)
        for name in _RUN_ARRAYS:
            getattr(self, name)[rows] = reply[name]
        for name in _COUNTERS:
            getattr(self.ctx, name)[rows] = reply[name]
        return reply["k"], state

    def _chunk(self, rows: Array, per_run: tuple[str, ...]) -> Runner:
        """A runner over some of this runner's runs, sharing its configuration."""
        chunk = _runner_of(self._runs_of(rows, per_run), self.problem, self.method,
                           self.ctx.sign, self.ctx.rng)
        chunk._rows, chunk._per_run = rows, per_run
        ctx = chunk.ctx
        ctx.diagnostics = False
        ctx.in_place = True
        ctx.deferred = {"nfev": 0, "ngev": 0, "nhev": 0}
        return chunk

    def _take_runs(self, state, per_run: tuple[str, ...], which: Array):
        """``state`` with its per-run fields taken at ``which`` (new arrays).

        For a columnar problem, points and other (runs, dim) arrays are stored
        coordinate by coordinate, so the problem reads each coordinate as one
        contiguous column (see ``Problem.columnar``).
        """
        columns = self.problem.columnar and self.problem.dim > 1
        taken = {}
        for name in per_run:
            a = getattr(state, name)[which]
            taken[name] = np.asfortranarray(a) if columns and a.ndim == 2 else a
        return state._replace(**taken)

    def _hand_back(self, parent: Runner, which: Array) -> None:
        """Copy the runs ``which`` (a mask over this chunk) into ``parent``."""
        which = np.flatnonzero(which)  # usually a few runs: one scan of the mask, not fourteen
        self._settle()
        if self._gsq is None:
            self._gsq = _sum_of_squares(self.state)
        rows = self._rows[which]
        with parent._hand_back_lock:
            for name in self._per_run:
                getattr(parent.state, name)[rows] = getattr(self.state, name)[which]
            for name in _RUN_ARRAYS:
                getattr(parent, name)[rows] = getattr(self, name)[which]
            for name in _COUNTERS:
                getattr(parent.ctx, name)[rows] = getattr(self.ctx, name)[which]

    def _compact(self, hp: dict[str, Any]) -> dict[str, Any]:
        """Drop the finished runs (already handed back) from this chunk."""
        self._settle()
        keep = self._running
        hp = _take_hyper(hp, keep, self.runs)
        self.state = self._take_runs(self.state, self._per_run, keep)
        for name in ("_rows", *_RUN_ARRAYS):  # (_running becomes all True)
            setattr(self, name, getattr(self, name)[keep])
        ctx = self.ctx
        for name in _COUNTERS:
            setattr(ctx, name, getattr(ctx, name)[keep])
        self.runs = ctx.runs = int(np.count_nonzero(keep))
        return hp

    # -- bookkeeping ------------------------------------------------------------
    def _true_f(self, state) -> Array:
        return -state.f if self.maximize else state.f

    def _settle(self) -> None:
        """Add a chunk's deferred counts of steps and evaluations to its per-run
        counters: before they are read or a run stops counting."""
        ctx = self.ctx
        if ctx.deferred is None:
            return
        ctx.settle()
        if self._steps_deferred:
            self.nit += self._steps_deferred * ctx.active
            self._steps_deferred = 0

    def _deactivate(self, which: Array) -> None:
        self._settle()
        self._running[which] = False
        self.ctx.active[which] = 0

    def _classify(self, state, gsq: Array) -> Array | None:
        """Mark runs that just diverged or converged; return them as a mask (None if none)."""
        running = self._running
        f = state.f
        if self.runs > 1 and _batch_continues(self, state, gsq):
            return None
        if gsq is None:  # not computed by a chunk with tolerance 0: needed from here on
            self._gsq = gsq = _sum_of_squares(state)
        if self.runs == 1 and _lone_run_continues(self, state, gsq):
            return None
        ok = _abs_max(state.x) <= self.escape  # False for NaN
        ok &= np.isfinite(f)
        if state.g is not None:
            ok &= np.isfinite(gsq)
        if self.tol > 0:
            if self.method.converged is not None:
                conv = np.asarray(self.method.converged(state, self.tol), dtype=bool)
            else:
                conv = gsq < self._gsq_tol  # the same as sqrt(gsq) < tol
            finished = conv | ~ok
        else:
            finished = ~ok
        # A method whose step left a run exactly as it was, and would do the same
        # again, at a point where no decrease can be told from rounding, says so
        # with ``stalled``: that run is at an optimum to floating-point precision.
        # (Tolerance 0 asks for every step: the method then steps without searching.)
        stalled = getattr(state, "stalled", None) if self.tol > 0 else None
        if stalled is not None:
            stalled = stalled & ok & running & ~finished
            finished |= stalled
        finished &= running
        if not finished.any():
            return None
        newly_bad = finished & ~ok
        if newly_bad.any():
            reason = np.where(np.isposinf(np.abs(f)), 1, np.where(np.isnan(f), 2, 4))
            if state.g is not None:
                reason = np.where(np.isfinite(f) & ~np.isfinite(gsq), 3, reason)
            self.reason[newly_bad] = reason[newly_bad]
            self.code[newly_bad] = _DIVERGED
        self.code[finished & ok] = _CONVERGED
        if stalled is not None:
            self.reason[stalled] = _STALLED
        self._deactivate(finished)
        return finished

    def _finish_if_exhausted(self) -> None:
        if self.k >= self.steps and not self.done:
            running = self.code == _RUNNING
            self.code[running] = _MAX_STEPS
            self._deactivate(running)

    def status_names(self) -> Array:
        """Current status of every run ("running" while unfinished)."""
        names = np.array(("running",) + STATUSES, dtype=object)
        return names[self.code]

    def message(self) -> str:
        """One sentence a student understands, describing where the run is.

        For a single run, a method can add a remark (e.g. "the Hessian was not
        positive definite at 3 steps"): if its state has a callable ``note``,
        ``state.note(0)`` is appended when it is not empty.
        """
        if self.runs > 1:
            return _batch_message(self.status_names())
        text = self._status_message()
        note = getattr(self.state, "note", None)
        extra = note(0) if callable(note) else ""
        return f"{text} {extra}" if extra else text

    def _status_message(self) -> str:
        code = int(self.code[0])
        k = int(self.nit[0])
        gn = float(self.gnorm[0])
        fval = float(self._true_f(self.state)[0])
        if code == _RUNNING:
            grad_text = "" if np.isnan(gn) else f", gradient norm {gn:.3g}"
            return f"Running: step {k}, loss {fval:.6g}{grad_text}."
        if code == _CONVERGED:
            if self.reason[0] == _STALLED:
                return (f"Converged at step {k}: the line search can no longer move, as "
                        f"no decrease along its direction is large enough to tell from "
                        f"rounding error. The loss is as low as floating-point numbers "
                        f"can show (gradient norm {gn:.3g}). Final loss {fval:.6g}."
                        + self._optimum_note(fval))
            if self.method.converged is None and gn == 0.0:
                note = self._optimum_note(fval, flat=True)
                known = self.problem.maxima if self.maximize else self.problem.minima
                if known.size and not note:  # it is at the best known optimum
                    return (f"Converged at step {k}: the gradient is exactly zero at the "
                            f"optimum. Final loss {fval:.6g}.")
                return (f"Stopped at step {k}: the gradient is exactly zero here, a flat "
                        f"spot with no slope to follow (it need not be a minimum). "
                        f"Loss {fval:.6g}." + note)
            if self.method.converged is None:
                text = (f"Converged at step {k}: the gradient norm {gn:.3g} fell below "
                        f"the tolerance {self.tol:g}. Final loss {fval:.6g}.")
            else:
                text = (f"Converged at step {k}: the search settled within the tolerance "
                        f"{self.tol:g}. Final loss {fval:.6g}.")
            return text + self._optimum_note(fval)
        if code == _DIVERGED:
            far = float(np.abs(self.state.x[0]).max())
            reason = int(self.reason[0])
            if reason == 2 and k == 0:  # nothing overflowed: the function has no value here
                return ("Diverged at step 0: the loss is NaN, 'not a number', at the start: "
                        "the function is undefined there (0/0, say). Move the start.")
            text = _DIVERGE_REASONS[reason].format(far=far)
            return f"Diverged at step {k}: {text}"
        if code == _MAX_STEPS:
            if self.tol == 0:
                return f"Ran all {self.steps} steps (tolerance 0: no early stop). Final loss {fval:.6g}."
            grad_text = "" if np.isnan(gn) else f" the gradient norm is still {gn:.3g};"
            return (f"Reached the step limit of {self.steps} without converging:{grad_text} "
                    f"final loss {fval:.6g}.")
        return f"Stopped by the user after {k} steps. Loss {fval:.6g}."

    def caveat(self) -> str:
        """For a single converged run, a few words on what is wrong with where it
        ended: ``"only a local minimum"``, ``"a maximum, not a minimum"`` (or a
        saddle point), ``"a flat spot"``; ``""`` when nothing is known to be, and
        for unfinished, diverged or batched runs.  The message says the same at
        length; the app colours and shortens by this."""
        if self.runs > 1 or int(self.code[0]) != _CONVERGED:
            return ""
        fval = float(self._true_f(self.state)[0])
        if self.reason[0] != _STALLED and self.method.converged is None \
                and float(self.gnorm[0]) == 0.0:  # as _status_message words it
            words, note = self._ending(fval, flat=True)
            known = self.problem.maxima if self.maximize else self.problem.minima
            return "" if known.size and not note else (words or "a flat spot")
        return self._ending(fval)[0]

    def _optimum_note(self, fval: float, flat: bool = False) -> str:
        """Say when a run settled somewhere worse than the best known optimum
        (``flat``: it stopped on a flat spot, which need not be an optimum at all)."""
        return self._ending(fval, flat)[1]

    def _ending(self, fval: float, flat: bool = False) -> tuple[str, str]:
        """What is wrong with where the run ended: a few words (see :meth:`caveat`)
        and the sentence for its message; ``("", "")`` when nothing is known to be."""
        p = self.problem
        kind = "maximum" if self.maximize else "minimum"
        x = np.asarray(self.state.x[0], dtype=float)
        reach = 1e-3 * float(np.linalg.norm(p.domain[:, 1] - p.domain[:, 0]))
        for other, what in ((p.minima if self.maximize else p.maxima,
                             "minimum" if self.maximize else "maximum"), (p.saddles, "saddle point")):
            if other.size and np.isfinite(x).all() and other.shape[-1] == x.size:
                if float(np.linalg.norm(other - x, axis=1).min()) <= reach:
                    return (f"a {what}, not a {kind}",
                            f" This is a {what}, not a {kind}: the gradient is zero there "
                            f"too, so nothing tells the method to move on.")
        known = p.maxima if self.maximize else p.minima
        if not known.size:
            return "", ""
        values = p.value(known)
        best = float(values.max() if self.maximize else values.min())
        tol = 1e-6 * (1.0 + abs(best))
        gap = (best - fval) if self.maximize else (fval - best)
        if gap <= tol:
            return "", ""
        if flat:
            return "", f" The best known loss is {best:.4g}."
        # Only a *local* optimum when the run ended nearest to a worse one: a grid
        # search a grid spacing from the best valley's bottom is in the right valley.
        with np.errstate(all="ignore"):
            nearest = values[int(np.argmin(np.linalg.norm(known - self.state.x[0], axis=1)))]
        if abs(float(nearest) - best) <= tol:
            return "", ""
        return (f"only a local {kind}",
                f" This is only a local {kind}: the best known loss is {best:.4g}.")

    def result(self, path: Array, values: Array, gnorms: Array, evals: Array,
               diagnostics: tuple[dict[str, Array], ...] = ()) -> Result:
        """Assemble a :class:`Result` from recorded rows."""
        names = self.status_names()
        fun = self._true_f(self.state)
        one = not self.batched
        pick = (lambda a: a[0].item() if hasattr(a[0], "item") else a[0]) if one else (lambda a: a)
        status = pick(names)
        return Result(
            path=path, values=values, grad_norms=gnorms, evals=evals,
            x=self.state.x[0].copy() if one else self.state.x.copy(),
            fun=float(fun[0]) if one else fun.copy(),
            nit=int(self.nit[0]) if one else self.nit.copy(),
            nfev=int(self.ctx.nfev[0]) if one else self.ctx.nfev.copy(),
            ngev=int(self.ctx.ngev[0]) if one else self.ctx.ngev.copy(),
            nhev=int(self.ctx.nhev[0]) if one else self.ctx.nhev.copy(),
            status=status,
            success=(status == "converged") if one else (names == "converged"),
            message=self.message(), problem=self.problem.name, method=self.method.name,
            hyper=self.public_hyper(), maximize=self.maximize, diagnostics=diagnostics,
        )


def _batch_message(names: Array) -> str:
    total = names.size
    parts = []
    for key, text in (("converged", "converged"), ("diverged", "diverged"),
                      ("max_steps", "reached the step limit"), ("stopped", "were stopped"),
                      ("running", "are still running")):
        count = int(np.count_nonzero(names == key))
        if count:
            parts.append(f"{count} {text}")
    return f"Of {total} runs: " + ", ".join(parts) + "."


#: Values per array in one chunk of a large batch (see ``Runner._loop_in_chunks``).
CHUNK_VALUES = 32_768
#: The same when several threads share the work: larger chunks are slower on
#: one core, but each numpy call then spends less of its time holding the GIL,
#: which the threads otherwise queue for (65,536 Adam runs: 1.4 s -> 1.2 s).
THREADED_CHUNK_VALUES = 65_536
#: Threads advancing the chunks of a large batch at once; with helper
#: processes (see ``PROCESS_WORK``), the processes working on one batch.
THREADS = min(4, os.cpu_count() or 1)
#: A batch with at least this many values × steps to compute (65,536 runs of
#: 2 coordinates × 1,000 steps: 131 million) gives parts of its runs to
#: ``THREADS - 1`` helper processes (``core.workers``): threads of one process
#: queue for the interpreter lock between numpy calls, processes do not.
#: Starting a helper takes about 0.3 s, once; each batch sends and receives its
#: arrays (a few ms), so smaller batches stay on threads.
PROCESS_WORK = 50_000_000

#: What a runner over some of a runner's runs takes over: its settings, its
#: per-run arrays, and its context's per-run counters.
_SETTINGS = ("tol", "escape", "maximize", "_gsq_tol", "k")
_RUN_ARRAYS = ("code", "reason", "nit", "_gsq", "_running")
_COUNTERS = ("nfev", "ngev", "nhev", "active")


def _runner_of(fields: dict[str, Any], problem: Problem, method: Method, sign: float,
               rng: np.random.Generator) -> Runner:
    """A runner over some runs (``Runner._runs_of``): a chunk, or a helper's part."""
    runner = object.__new__(Runner)
    runner.__dict__.update({name: fields[name] for name in _SETTINGS + ("state",) + _RUN_ARRAYS})
    runner.__dict__.update(problem=problem, method=method, runs=fields["code"].size,
                           _steps_deferred=0)
    runner.ctx = Context(problem, sign, runner.runs, rng)
    for name in _COUNTERS:
        setattr(runner.ctx, name, fields[name])
    return runner

_rebuilt: dict[bytes, Problem] = {}


def _advance_part(part: dict[str, Any], rows: int) -> dict[str, Any]:
    """In a helper process: advance the runs of ``part`` (see ``Runner._part``)
    ``rows`` steps in chunks, exactly as the calling process would."""
    key = pickle.dumps(part["problem"])
    if key not in _rebuilt:
        name, options = part["problem"]
        _rebuilt[key] = get_problem(name, **options)
    runner = _runner_of(part, _rebuilt[key], get_method(part["method"]), part["sign"],
                        np.random.default_rng(0))  # (no random numbers: see _independent_runs)
    with np.errstate(all="ignore"):
        runner._loop_in_chunks(rows, part["hp"])
    return {"k": runner.k, "state": runner.state,
            **{name: getattr(runner, name) for name in _RUN_ARRAYS},
            **{name: getattr(runner.ctx, name) for name in _COUNTERS}}


def _per_run_hyper(hp: dict[str, Any], runs: int) -> dict[str, Any]:
    """Shape per-run hyperparameter arrays ``(runs,)`` as ``(runs, 1)`` for broadcasting."""
    out = dict(hp)
    for name, value in hp.items():
        if isinstance(value, np.ndarray):
            if value.size != runs:
                raise ValueError(
                    f"{name} holds {value.size} values, but there {'is' if runs == 1 else 'are'} "
                    f"{runs} start{'s' if runs != 1 else ''}: give one {name} per start "
                    f"(x0 of shape ({value.size}, dim)) or a single number."
                )
            out[name] = value.reshape(runs, 1)
    return out


def _take_hyper(hp: dict[str, Any], which: Array, runs: int) -> dict[str, Any]:
    """The hyperparameters of the runs ``which`` (per-run arrays are indexed)."""
    return {k: v[which] if isinstance(v, np.ndarray) and v.shape[:1] == (runs,) else v
            for k, v in hp.items()}


def _per_run_fields(state, runs: int) -> tuple[str, ...]:
    """Names of the state's fields that hold one row per run."""
    return tuple(name for name, a in zip(state._fields, state, strict=True)
                 if isinstance(a, np.ndarray) and a.ndim >= 1 and a.shape[0] == runs)


def _square_threshold(tol: float) -> float:
    """The least ``t`` with ``sqrt(t) >= tol``: ``s < t`` exactly when ``sqrt(s) < tol``.

    Comparing squared gradient norms with it spares a square root per run and
    step without changing a single convergence decision.
    """
    t = np.float64(tol) * np.float64(tol)
    while t > 0 and np.sqrt(t) >= tol:
        t = np.nextafter(t, -np.inf)
    while np.sqrt(t) < tol:
        t = np.nextafter(t, np.inf)
    return float(t)


def _sum_of_squares(state) -> Array:
    """Squared gradient norm per run (NaN when the method keeps no gradient).

    Equal, bit for bit, to ``einsum("ij,ij->i", g, g)``: for one or two
    coordinates the column form below is the same sum and much faster on
    large batches.
    """
    g = state.g
    if g is None:
        return np.full(state.x.shape[0], np.nan)
    if g.shape[1] > 2:
        return np.einsum("ij,ij->i", g, g)
    if g.shape[0] == 1:  # one run: Python floats are faster than numpy calls
        return np.array([sum(v * v for v in g[0].tolist())])
    out = g[:, 0] * g[:, 0]
    if g.shape[1] == 2:
        out += g[:, 1] * g[:, 1]
    return out


def _lone_run_continues(runner: Runner, state, gsq: Array) -> bool:
    """For a single run with few coordinates: True when it neither diverged nor
    converged (checked on Python floats: much faster than numpy on one row)."""
    if state.x.shape[1] > 8 or runner.method.converged is not None or not runner._running[0]:
        return False
    stalled = getattr(state, "stalled", None)
    if stalled is not None and stalled[0] and runner.tol > 0:
        return False
    escape = runner.escape
    if not all(abs(v) <= escape for v in state.x[0].tolist()):  # False for NaN too
        return False
    g2 = float(gsq[0])
    if not math.isfinite(float(state.f[0])) or (state.g is not None and not math.isfinite(g2)):
        return False
    return not (runner.tol > 0 and g2 < runner._gsq_tol)


def _batch_continues(runner: Runner, state, gsq: Array | None) -> bool:
    """For a batch: True when no run can have diverged or converged this step.

    A quick test with a few whole-array reductions and no temporaries (NaN and
    infinity propagate into a sum, a maximum or a minimum); when it fails the
    runs are checked one by one, so a false alarm (a sum overflowing, a finished
    run still in the arrays) only costs time.  ``gsq`` is None when the runner
    did not compute it (tolerance 0): bounds on the gradient then show that
    every squared norm is finite.
    """
    x = state.x
    if not max(float(x.max()), -float(x.min())) <= runner.escape:  # False for NaN
        return False
    if not math.isfinite(float(state.f.sum())):
        return False
    g = state.g
    if g is not None:
        if gsq is None:
            bound = _GRAD_BOUND / math.sqrt(g.shape[1])
            if not max(float(g.max()), -float(g.min())) <= bound:  # False for NaN
                return False
        elif not math.isfinite(float(gsq.sum())):
            return False
    if runner.tol > 0:
        if runner.method.converged is not None:
            return False
        if not float(gsq.min()) >= runner._gsq_tol:  # False for NaN
            return False
        stalled = getattr(state, "stalled", None)
        if stalled is not None and (stalled & runner._running).any():
            return False
    return True


#: No gradient of ``dim`` coordinates each within ``_GRAD_BOUND / sqrt(dim)``
#: has an infinite squared norm (a margin below sqrt(max float) for rounding).
_GRAD_BOUND = math.sqrt(np.finfo(float).max) * 0.5


def _abs_max(x: Array) -> Array:
    """``max(|x|)`` over each run's coordinates (NaN if any is NaN)."""
    if x.shape[0] < 64 or x.shape[1] > 8:
        return np.maximum.reduce(np.abs(x), axis=1)
    out = np.abs(x[:, 0])
    for j in range(1, x.shape[1]):  # numpy reduces short rows slowly: go by columns
        np.maximum(out, np.abs(x[:, j]), out=out)
    return out


def _freeze(new, old, active: Array):
    """Keep finished runs where they were: take ``new`` only where active."""
    fields = {}
    runs = active.shape[0]
    for name, a, b in zip(new._fields, new, old, strict=True):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
                and a.ndim >= 1 and a.shape[0] == runs:
            mask = active.reshape((runs,) + (1,) * (a.ndim - 1))
            fields[name] = np.where(mask, a, b)
        else:
            fields[name] = a
    return type(new)(**fields)


class _Recorder:
    """Preallocated storage for the rows of one batch."""

    def __init__(self, cap: int, runs: int, dim: int, diagnostics: bool):
        self.n = 0
        self.steps = np.empty(cap, dtype=np.int64)
        self.x = np.empty((cap, runs, dim))
        self.f = np.empty((cap, runs))
        self.gn = np.empty((cap, runs))
        self.ev = np.empty((3, cap, runs), dtype=np.int64)
        self.keep_diag = diagnostics
        self.diag: list[dict[str, Array]] = []

    def add(self, k: int, x: Array, f: Array, gn: Array, ctx: Context, diag: dict) -> None:
        i = self.n
        self.steps[i] = k
        self.x[i] = x
        self.f[i] = f
        self.gn[i] = gn
        self.ev[0, i] = ctx.nfev
        self.ev[1, i] = ctx.ngev
        self.ev[2, i] = ctx.nhev
        if self.keep_diag:
            self.diag.append({key: np.array(v, copy=True) for key, v in diag.items()})
        self.n += 1

    def batch(self, runner: Runner, batched: bool) -> Batch:
        n = self.n
        sl = (slice(0, n),) if batched else (slice(0, n), 0)
        diag = tuple(self.diag)
        if not batched:
            diag = tuple({k: (v[0] if v.ndim >= 1 and v.shape[0] == 1 else v) for k, v in d.items()}
                         for d in diag)
        names = runner.status_names()
        return Batch(
            steps=self.steps[:n], x=self.x[sl], f=self.f[sl], grad_norm=self.gn[sl],
            nfev=self.ev[(0,) + sl], ngev=self.ev[(1,) + sl], nhev=self.ev[(2,) + sl],
            diagnostics=diag, status=names if batched else str(names[0]),
            done=runner.done, message=runner.message(), caveat=runner.caveat(),
        )


def iterate(problem: Problem | str, method: Method | str, x0: object, *, steps: int = 500,
            batch_size: int = 50, stop: threading.Event | Callable[[], bool] | None = None,
            **options: Any) -> Iterator[Batch]:
    """Yield the run in batches of up to ``batch_size`` iterations.

    The first batch starts with the start point (step 0).  ``stop`` (an Event
    or a callable returning True) is checked between batches; when set, the
    run ends with status "stopped" and a last, empty batch says so.  Other
    keywords are those of :func:`run`.

    Examples
    --------
    >>> import core
    >>> batches = list(core.iterate("parabola", "gd", [1.0], steps=10, batch_size=4, lr=0.25, tol=0))
    >>> [b.steps.tolist() for b in batches]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    """
    runner = Runner(problem, method, x0, steps=steps, **options)
    size = check_int("batch_size", batch_size, low=1)
    should_stop = stop.is_set if isinstance(stop, threading.Event) else stop
    while True:
        if should_stop is not None and should_stop() and not runner.done:
            runner.stop()
            yield runner.advance(0)
            return
        batch = runner.advance(size)
        yield batch
        if batch.done:
            return


def run(problem: Problem | str, method: Method | str, x0: object, *, steps: int = 500,
        maximize: bool = False, tol: float = 1e-8, seed: object = None, keep_path: bool = True,
        diagnostics: bool = False, **hyper: Any) -> Result:
    """Run ``method`` on ``problem`` from ``x0`` and return a :class:`Result`.

    Parameters
    ----------
    problem, method
        A :class:`Problem` or registered problem name; a method name.
    x0
        Start point ``(dim,)``, or ``(runs, dim)`` for independent runs in one batch.
    steps
        Maximum number of iterations.
    maximize
        Climb instead of descend (gradient ascent for ``gd``).
    tol
        Converged when the gradient norm falls below ``tol``; 0 runs every step.
    seed
        Seed or ``numpy.random.Generator`` for stochastic methods.
    keep_path
        Keep every iterate (default) or only the start and the final iterate.
    diagnostics
        Also keep what each step computed (gradient, velocity, step...).
    **hyper
        The method's hyperparameters, e.g. ``lr=0.1``.

    Examples
    --------
    >>> import core
    >>> r = core.run("parabola", "gd", [1.0], steps=500, lr=1.02)
    >>> r.status, r.nit
    ('diverged', 370)
    """
    runner = Runner(problem, method, x0, steps=steps, maximize=maximize, tol=tol, seed=seed,
                    diagnostics=diagnostics, **hyper)
    if keep_path:
        b = runner.advance(runner.steps)
        path, values, gn = b.x, b.f, b.grad_norm
        evals = b.nfev
        diag = b.diagnostics
    else:
        b = runner.advance(runner.steps, record=False)
        path = np.stack([runner.start if runner.batched else runner.start[0], b.x[-1]])
        values = np.stack([runner.start_f if runner.batched else runner.start_f[0], b.f[-1]])
        gn = np.stack([runner.start_gn if runner.batched else runner.start_gn[0], b.grad_norm[-1]])
        evals = np.stack([np.zeros_like(b.nfev[-1]) + 1, b.nfev[-1]])
        diag = ()
    return runner.result(path, values, gn, evals, diag)
