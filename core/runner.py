"""Running a method on a problem: :func:`iterate`, :func:`run` and :class:`Runner`.

The runner owns everything the methods should not have to think about:
validation, the maximise/minimise sign, evaluation counters, divergence and
convergence detection, freezing finished runs in a batch, and recording.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._checks import bad, check_int, check_point, check_real
from .methods import Method, get_method
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


class Context:
    """What a method sees of the problem: counted evaluations of the objective.

    Values and derivatives are of ``sign·f`` (sign = −1 when maximising), so
    every method minimises.  Counters are per run; finished runs in a batch
    are still evaluated (the arithmetic is vectorised) but no longer counted.
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

    def _per_run(self, X: Array, where: Array | None = None) -> Array:
        points = X.size // (self.runs * self.dim)
        n = self.active if points == 1 else self.active * points
        # ``where`` (runs,) bool: only those runs use this evaluation (a batched
        # line search whose other runs have already accepted their step).
        return n if where is None else n * where

    def f(self, X: Array, where: Array | None = None) -> Array:
        """Objective at ``X`` of shape (runs, [k,] dim); counted for runs in ``where`` (default all)."""
        self.nfev += self._per_run(X, where)
        out = self.problem.f(X)
        return -out if self.sign < 0 else out

    def g(self, X: Array, where: Array | None = None) -> Array:
        """Gradient of the objective."""
        self.ngev += self._per_run(X, where)
        out = self.problem.g(X)
        return -out if self.sign < 0 else out

    def fg(self, X: Array, where: Array | None = None) -> tuple[Array, Array]:
        """Objective and gradient together (one function and one gradient evaluation)."""
        n = self._per_run(X, where)
        self.nfev += n
        self.ngev += n
        p = self.problem
        f, g = p.fg(X) if p.fg is not None else (p.f(X), p.g(X))
        return (-f, -g) if self.sign < 0 else (f, g)

    def h(self, X: Array, where: Array | None = None) -> Array:
        """Hessian of the objective."""
        self.nhev += self._per_run(X, where)
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
        n = self._per_run(X, where)
        self.nfev += n
        self.ngev += n
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
        self.record_diagnostics = bool(diagnostics)
        self.ctx = Context(self.problem, -1.0 if self.maximize else 1.0, self.runs, _rng(seed))
        self.escape = ESCAPE_FACTOR * max(self.problem.scale, 1.0)
        self.k = 0
        self.code = np.zeros(self.runs, dtype=np.int8)
        self.reason = np.zeros(self.runs, dtype=np.int8)
        self.nit = np.zeros(self.runs, dtype=np.int64)
        self._lock = threading.Lock()
        self._stop_requested = False
        with np.errstate(all="ignore"):
            self.state = self.method.init(self.ctx, X.copy(), self.hp)
            self.gnorm = self._grad_norm(self.state)
            self._classify(self.state, self.gnorm)
        self.start = self.state.x.copy()
        self.start_f = self._true_f(self.state)
        self.start_gn = self.gnorm.copy()
        self._first_pending = True
        self._finish_if_exhausted()

    # -- public control -------------------------------------------------------
    @property
    def done(self) -> bool:
        """True once every run has finished."""
        return not bool(self.ctx.active.any())

    def set_hyper(self, **hyper: Any) -> None:
        """Change hyperparameters; validated now, applied from the next batch on."""
        merged = {**self.hp, **hyper}
        new = self.method.validate(**merged)
        with self._lock:
            self.hp = new

    def stop(self) -> None:
        """Stop every unfinished run ("stopped"); takes effect immediately."""
        self._stop_requested = True
        running = self.code == _RUNNING
        self.code[running] = _STOPPED
        self.ctx.active[:] = 0

    # -- stepping ---------------------------------------------------------------
    def advance(self, n: int, *, record: bool = True) -> Batch:
        """Run up to ``n`` more iterations and return what happened.

        With ``record=False`` only the latest iterate is returned (one row),
        which is what large batched runs need.
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
        step = self.method.step
        with np.errstate(all="ignore"):
            for _ in range(rows):
                if self.done:
                    break
                old = self.state
                new, diag = step(self.ctx, old, hp)
                if self.runs > 1 and not self.ctx.active.all():
                    new = _freeze(new, old, self.ctx.active.astype(bool))
                self.state = new
                self.k += 1
                self.nit += self.ctx.active
                self.gnorm = self._grad_norm(new)
                self._classify(new, self.gnorm)
                if record:
                    rec.add(self.k, new.x, self._true_f(new), self.gnorm, self.ctx, diag)
        self._finish_if_exhausted()
        if not record:
            rec.add(self.k, self.state.x, self._true_f(self.state), self.gnorm, self.ctx, {})
        return rec.batch(self, self.batched)

    # -- bookkeeping ------------------------------------------------------------
    def _true_f(self, state) -> Array:
        return -state.f if self.maximize else state.f

    @staticmethod
    def _grad_norm(state) -> Array:
        g = state.g
        if g is None:
            return np.full(state.x.shape[0], np.nan)
        return np.sqrt(np.einsum("ij,ij->i", g, g))

    def _classify(self, state, gn: Array) -> None:
        """Mark runs that just diverged or converged."""
        active = self.ctx.active.astype(bool)
        if not active.any():
            return
        f = state.f
        far = np.abs(state.x).max(axis=-1)
        bad_run = ~(np.isfinite(f) & (far <= self.escape))
        if state.g is not None:
            bad_run |= ~np.isfinite(gn)
        if self.tol > 0:
            if self.method.converged is not None:
                conv = self.method.converged(state, self.tol)
            else:
                conv = gn < self.tol
        else:
            conv = np.zeros_like(bad_run)
        newly_bad = active & bad_run
        newly_conv = active & conv & ~bad_run
        if newly_bad.any():
            reason = np.where(np.isposinf(np.abs(f)), 1, np.where(np.isnan(f), 2, 4))
            if state.g is not None:
                reason = np.where(np.isfinite(f) & ~np.isfinite(gn), 3, reason)
            self.reason[newly_bad] = reason[newly_bad]
            self.code[newly_bad] = _DIVERGED
        if newly_conv.any():
            self.code[newly_conv] = _CONVERGED
        if newly_bad.any() or newly_conv.any():
            self.ctx.active[newly_bad | newly_conv] = 0

    def _finish_if_exhausted(self) -> None:
        if self.k >= self.steps and not self.done:
            running = self.code == _RUNNING
            self.code[running] = _MAX_STEPS
            self.ctx.active[:] = 0

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
            return f"Running: step {k}, loss {fval:.6g}, gradient norm {gn:.3g}."
        if code == _CONVERGED:
            if self.method.converged is None:
                text = (f"Converged at step {k}: the gradient norm {gn:.2g} fell below "
                        f"the tolerance {self.tol:g}. Final loss {fval:.6g}.")
            else:
                text = (f"Converged at step {k}: the search settled within the tolerance "
                        f"{self.tol:g}. Final loss {fval:.6g}.")
            return text + self._optimum_note(fval)
        if code == _DIVERGED:
            far = float(np.abs(self.state.x[0]).max())
            text = _DIVERGE_REASONS[int(self.reason[0])].format(far=far)
            return f"Diverged at step {k}: {text}"
        if code == _MAX_STEPS:
            if self.tol == 0:
                return f"Ran all {self.steps} steps (tolerance 0: no early stop). Final loss {fval:.6g}."
            grad_text = "" if np.isnan(gn) else f" the gradient norm is still {gn:.3g};"
            return (f"Reached the step limit of {self.steps} without converging:{grad_text} "
                    f"final loss {fval:.6g}.")
        return f"Stopped by the user after {k} steps. Loss {fval:.6g}."

    def _optimum_note(self, fval: float) -> str:
        """Say when a run settled somewhere worse than the best known optimum."""
        p = self.problem
        known = p.maxima if self.maximize else p.minima
        if not known.size:
            return ""
        best = p.value(known)
        best = float(best.max() if self.maximize else best.min())
        gap = (best - fval) if self.maximize else (fval - best)
        if gap > 1e-6 * (1.0 + abs(best)):
            kind = "maximum" if self.maximize else "minimum"
            return f" This is only a local {kind}: the best known loss is {best:.4g}."
        return ""

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
            hyper=dict(self.hp), maximize=self.maximize, diagnostics=diagnostics,
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
            done=runner.done, message=runner.message(),
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
