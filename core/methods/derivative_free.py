"""Derivative-free and global methods: they only taste the tea, never its slope.

None of these methods computes a gradient, so their state's ``g`` is None and
each has its own ``converged`` rule (the runner's tolerance ``tol`` feeds it).
Random numbers come only from ``ctx.rng``: the same ``seed`` reproduces a run
exactly.  All of them run one start at a time (``batched=False``) and work in
any dimension.

Every method evaluates the start point ``x0`` once in ``init`` (its cup of tea
is counted), so a run's path starts at ``x0`` with its true value.

The global methods search the problem's plotted region (``Problem.domain``):
grid and random search sample it, and an annealing jump or a genetic child
that lands outside is mirrored back in at the boundary (scipy's global
optimisers likewise keep to their bounds).  Nelder–Mead is a local method and
goes wherever the simplex leads.

What ``x``/``f`` mean and when a run counts as converged:

``nelder_mead``
    x = the best vertex of the simplex (the start before the first step).
    Converged when every vertex is within ``tol`` of the best one in every
    coordinate *and* their values are within ``tol`` (scipy's xatol/fatol).
    Initial simplex: x0 and x0 + simplex_size·(domain width)ᵢ·eᵢ; nfev after
    init is dim + 1; each step costs 1 (reflect), 2 (expand, contract) or
    2 + dim (shrink) evaluations.
``grid``
    x = the best point so far (the start included).  Converged when every grid
    point has been evaluated: nfev = 1 + resolution**dim.
``random_search``
    x = the best point so far.  Never converges: it runs every step;
    nfev = 1 + per_step·k.
``annealing``
    x = the CURRENT point (the ball that jumps about); the best point so far
    is in the diagnostics as ``best``.  Converged when the temperature has
    fallen to ``tol``·t0 or below (the linear schedule reaches T = 0 in step
    1/(1 − cooling) + 1; with ``tol=0`` every step runs); nfev = 1 + k.
``genetic``
    x = the best individual of the current generation.  The initial
    population is x0 plus population − 1 uniform points of the domain, all
    evaluated in init; each generation keeps ``elitism`` elites (not
    re-evaluated) and evaluates population − elitism children, so
    nfev = population + k·(population − elitism).  Converged when the whole
    population lies within ``tol`` in every coordinate and value (only
    possible with mutation = 0).

Diagnostics (runs axis first; see :mod:`core.methods.base`): ``simplex``,
``operation`` (Nelder–Mead's move as text), ``evaluated``, ``temperature``,
``candidate``, ``accepted``, ``best``, ``population``.

Examples
--------
>>> import core
>>> r = core.run("bowl", "grid", [1.0, 1.0], resolution=5, steps=100)
>>> r.status, r.nfev, r.x.tolist()
('converged', 26, [0.0, 0.0])
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._checks import bad
from .base import HyperParam, Method, register_method

Array = np.ndarray

#: Most grid points a grid search may brew (``resolution**dim``).
MAX_GRID_POINTS = 1_000_000
#: The automatic resolution (``resolution=0``) is the largest number of points
#: per axis up to this ...
AUTO_RESOLUTION = 41
#: ... for which the grid has at most this many points (but at least 2 per axis).
AUTO_GRID_POINTS = 2_000


def _width(ctx) -> Array:
    """Width of the problem's plotting domain along each coordinate."""
    d = ctx.problem.domain
    return d[:, 1] - d[:, 0]


def _uniform(ctx, shape: tuple[int, ...]) -> Array:
    """Uniform samples in the problem's domain, shape ``shape + (dim,)``."""
    d = ctx.problem.domain
    return d[:, 0] + (d[:, 1] - d[:, 0]) * ctx.rng.random(shape + (ctx.dim,))


def _into_domain(ctx, X: Array) -> Array:
    """Mirror points that left the domain back in at its boundary (any distance out)."""
    d = ctx.problem.domain
    lo, w = d[:, 0], d[:, 1] - d[:, 0]
    t = np.mod(X - lo, 2 * w)
    return lo + np.where(t > w, 2 * w - t, t)


def _clean(values: Array) -> Array:
    """Values with NaN replaced by +inf, so a NaN never looks best."""
    return np.where(np.isnan(values), np.inf, values)


def _never(state: Any, tol: float) -> Array:
    return np.zeros(state.x.shape[0], dtype=bool)


# -- Nelder–Mead -------------------------------------------------------------------


class SimplexState(NamedTuple):
    x: Array          # (runs, dim) best vertex (x0 before the first step)
    f: Array          # (runs,)
    g: None
    simplex: Array    # (runs, dim+1, dim), best vertex first
    values: Array     # (runs, dim+1)


def _sort_simplex(sim: Array, fs: Array) -> tuple[Array, Array]:
    order = np.argsort(fs, axis=-1, kind="stable")  # NaN sorts last: never the best
    return np.take_along_axis(sim, order[..., None], axis=-2), np.take_along_axis(fs, order, -1)


def _nm_init(ctx, x0: Array, hp) -> SimplexState:
    n = x0.shape[1]
    sim = np.repeat(x0[:, None, :], n + 1, axis=1)
    sim[:, 1:, :] += np.diag(hp["simplex_size"] * _width(ctx))
    fs = ctx.f(sim)
    f0 = fs[:, 0].copy()
    sim, fs = _sort_simplex(sim, fs)
    return SimplexState(x0, f0, None, sim, fs)


def _nm_step(ctx, s: SimplexState, hp):
    # One iteration of scipy's Nelder–Mead (same formulas, same order), one run.
    rho, chi, psi, sigma = hp["reflection"], hp["expansion"], hp["contraction"], hp["shrink"]
    sim, fs = s.simplex[0].copy(), s.values[0].copy()
    n = sim.shape[1]

    def f1(p: Array) -> float:
        return float(ctx.f(p[None])[0])

    xbar = np.add.reduce(sim[:-1], 0) / n
    xr = (1 + rho) * xbar - rho * sim[-1]
    fxr = f1(xr)
    evaluated = [xr]
    if fxr < fs[0]:
        xe = (1 + rho * chi) * xbar - rho * chi * sim[-1]
        fxe = f1(xe)
        evaluated.append(xe)
        if fxe < fxr:
            sim[-1], fs[-1], op = xe, fxe, "expand"
        else:
            sim[-1], fs[-1], op = xr, fxr, "reflect"
    elif fxr < fs[-2]:
        sim[-1], fs[-1], op = xr, fxr, "reflect"
    else:
        shrink = False
        if fxr < fs[-1]:
            xc = (1 + psi * rho) * xbar - psi * rho * sim[-1]
            fxc = f1(xc)
            evaluated.append(xc)
            if fxc <= fxr:
                sim[-1], fs[-1], op = xc, fxc, "contract outside"
            else:
                shrink = True
        else:
            xcc = (1 - psi) * xbar + psi * sim[-1]
            fxcc = f1(xcc)
            evaluated.append(xcc)
            if fxcc < fs[-1]:
                sim[-1], fs[-1], op = xcc, fxcc, "contract inside"
            else:
                shrink = True
        if shrink:
            sim[1:] = sim[0] + sigma * (sim[1:] - sim[0])
            fs[1:] = ctx.f(sim[None, 1:])[0]
            evaluated.extend(sim[1:])
            op = "shrink"
    sim, fs = _sort_simplex(sim, fs)
    state = SimplexState(sim[None, 0].copy(), fs[None, 0].copy(), None, sim[None], fs[None])
    diag = {"simplex": sim[None].copy(), "evaluated": np.array(evaluated)[None],
            "operation": np.array([op])}
    return state, diag


def _nm_converged(s: SimplexState, tol: float) -> Array:
    size = np.abs(s.simplex[:, 1:] - s.simplex[:, :1]).max(axis=(1, 2))
    spread = np.abs(s.values[:, 1:] - s.values[:, :1]).max(axis=1)
    return (size <= tol) & (spread <= tol)


register_method(Method(
    name="nelder_mead", title="Nelder–Mead simplex", group="derivative-free",
    summary="A triangle (simplex) of dim+1 points that reflects, stretches and shrinks "
            "its way downhill using function values only.",
    params=(
        HyperParam("reflection", 1.0, "how far the worst point is mirrored through the others (ρ)",
                   low=0.0, high=1.0, low_open=True, label="reflection ρ"),
        HyperParam("expansion", 2.0, "how far a successful reflection is stretched (χ)",
                   low=1.0, high=10.0, low_open=True, label="expansion χ"),
        HyperParam("contraction", 0.5, "how far a failed reflection is pulled back (ψ)",
                   low=0.0, high=1.0, low_open=True, high_open=True, label="contraction ψ"),
        HyperParam("shrink", 0.5, "how much the simplex shrinks towards its best point (σ)",
                   low=0.0, high=1.0, low_open=True, high_open=True, label="shrink σ"),
        HyperParam("simplex_size", 0.05, "initial simplex: edge length as a fraction of the "
                   "plotted region's width", low=0.0, high=10.0, low_open=True, log=True,
                   label="initial simplex size"),
    ),
    init=_nm_init, step=_nm_step, batched=False, needs=frozenset({"f"}),
    converged=_nm_converged,
    captions={
        "evaluated": "Taste new points: mirror the worst corner through the others, then "
                     "stretch, pull back or shrink depending on how it tastes.",
        "simplex": "The new simplex: the worst corner has been replaced (or all moved "
                   "towards the best).",
        "operation": "Which move the simplex made this step.",
    },
))


# -- exhaustive grid search ------------------------------------------------------------


class _GridResolution(HyperParam):
    """``resolution``: 0 (automatic) or at least 2 points per axis."""

    def check(self, value: Any) -> Any:
        v = super().check(value)
        if v == 1:
            raise bad(self.name, value, self.allowed())
        return v

    def allowed(self) -> str:
        return f"0 (automatic) or a whole number in [2, {int(self.high)}]"


def _max_resolution(dim: int, points: int) -> int:
    """The largest r with r**dim <= points (0 if not even 1)."""
    r = max(1, int(round(points ** (1.0 / dim))) + 1)
    while r > 0 and r**dim > points:
        r -= 1
    return r


def grid_resolution(resolution: int, dim: int) -> int:
    """Points per axis a grid search uses: ``resolution``, or the automatic choice for 0.

    Raises ValueError (naming ``resolution``) if the grid would exceed
    :data:`MAX_GRID_POINTS`.

    Examples
    --------
    >>> from core.methods.derivative_free import grid_resolution
    >>> grid_resolution(0, 1), grid_resolution(0, 2), grid_resolution(0, 3), grid_resolution(0, 9)
    (41, 41, 12, 2)
    >>> grid_resolution(25, 2)
    25
    """
    if resolution == 0:
        r = max(2, min(AUTO_RESOLUTION, _max_resolution(dim, AUTO_GRID_POINTS)))
    else:
        r = resolution
    total = r**dim
    if total > MAX_GRID_POINTS:
        rmax = _max_resolution(dim, MAX_GRID_POINTS)
        what = ("at most " + str(rmax) if rmax >= 2 else
                "impossible: even 2 points per axis are too many")
        raise bad("resolution", resolution,
                  f"{what} for a problem with {dim} coordinates ({r} points per axis make "
                  f"{total:,} grid points, more than the {MAX_GRID_POINTS:,} allowed)")
    return r


class GridState(NamedTuple):
    x: Array          # (runs, dim) best point so far
    f: Array          # (runs,)
    g: None
    done: int         # grid points evaluated so far
    resolution: int   # points per axis, fixed at the start

    def note(self, i: int) -> str:
        """A remark for the run's message: how much of the grid has been brewed."""
        total = self.resolution ** self.x.shape[1]
        per_axis = f"{self.resolution} per axis"
        if self.done >= total:
            return f"All {total:,} grid points were brewed ({per_axis})."
        return f"{self.done:,} of {total:,} grid points brewed so far ({per_axis})."


def _grid_points(ctx, r: int, start: int, stop: int) -> Array:
    """Grid points number ``start``..``stop−1``; the first coordinate varies fastest."""
    idx = np.unravel_index(np.arange(start, stop), (r,) * ctx.dim, order="F")
    d = ctx.problem.domain
    cols = [np.linspace(d[i, 0], d[i, 1], r)[idx[i]] for i in range(ctx.dim)]
    return np.stack(cols, axis=-1)


def _grid_init(ctx, x0: Array, hp) -> GridState:
    r = grid_resolution(hp["resolution"], ctx.dim)
    return GridState(x0, ctx.f(x0), None, 0, r)


def _grid_step(ctx, s: GridState, hp):
    r = s.resolution
    total = r**ctx.dim
    chunk = hp["per_step"] or (r if ctx.dim > 1 else 1)
    stop = min(total, s.done + chunk)
    pts = _grid_points(ctx, r, s.done, stop)[None]  # (1, k, dim)
    x, f = s.x, s.f
    if pts.shape[1]:
        vals = ctx.f(pts)
        i = int(np.argmin(_clean(vals[0])))
        if vals[0, i] < f[0] or np.isnan(f[0]):
            x, f = pts[:, i].copy(), vals[:, i].copy()
    return GridState(x, f, None, stop, r), {"evaluated": pts}


def _grid_converged(s: GridState, tol: float) -> Array:
    return np.full(s.x.shape[0], s.done >= s.resolution ** s.x.shape[1])


register_method(Method(
    name="grid", title="Exhaustive grid search", group="derivative-free",
    summary="Brew a cup at every point of a grid over the region and keep the best: "
            "reliable, but the number of cups explodes with the dimension.",
    params=(
        _GridResolution("resolution", 0, "grid points per axis (0 = automatic: up to 41, fewer "
                        f"in higher dimensions; at most {MAX_GRID_POINTS:,} points in all)",
                        kind="int", low=0, high=MAX_GRID_POINTS),
        HyperParam("per_step", 0, "grid points evaluated per step (0 = one grid row; one "
                   "point at a time for a 1-D problem)", kind="int", low=0,
                   high=MAX_GRID_POINTS, label="points per step"),
    ),
    init=_grid_init, step=_grid_step, batched=False, needs=frozenset({"f"}),
    converged=_grid_converged,
    captions={"evaluated": "Brew the next row of cups on the grid; keep the best so far."},
))


# -- random search -------------------------------------------------------------------


class SearchState(NamedTuple):
    x: Array          # (runs, dim) best point so far
    f: Array
    g: None


def _random_init(ctx, x0: Array, hp) -> SearchState:
    return SearchState(x0, ctx.f(x0), None)


def _random_step(ctx, s: SearchState, hp):
    pts = _uniform(ctx, (s.x.shape[0], hp["per_step"]))
    vals = ctx.f(pts)
    i = np.argmin(_clean(vals), axis=1)
    rows = np.arange(pts.shape[0])
    better = (vals[rows, i] < s.f) | np.isnan(s.f)
    x = np.where(better[:, None], pts[rows, i], s.x)
    f = np.where(better, vals[rows, i], s.f)
    return SearchState(x, f, None), {"evaluated": pts}


register_method(Method(
    name="random_search", title="Random search", group="derivative-free",
    summary="Brew cups at random points of the region and keep the best one found.",
    params=(
        HyperParam("per_step", 10, "random points evaluated per step", kind="int", low=1,
                   high=100_000, log=True, label="points per step"),
    ),
    init=_random_init, step=_random_step, batched=False, needs=frozenset({"f"}),
    converged=_never, stochastic=True,
    captions={"evaluated": "Brew cups at random points; keep the best so far."},
))


# -- simulated annealing -------------------------------------------------------------


class AnnealState(NamedTuple):
    x: Array            # (runs, dim) the current point
    f: Array
    g: None
    best_x: Array       # (runs, dim) best point so far
    best_f: Array
    k: int              # steps taken
    relative_t: Array   # (runs,) temperature of the latest step divided by t0
    climb: bool         # maximising (for the note's true loss)

    def note(self, i: int) -> str:
        """A remark for the run's message: the best point, since x is the current one."""
        best = -self.best_f[i] if self.climb else self.best_f[i]
        where = ", ".join(f"{v:.4g}" for v in self.best_x[i][:4])
        where += ", …" if self.best_x.shape[1] > 4 else ""
        return f"Best point found: ({where}) with loss {best:.6g}."


def temperature(schedule: str, t0: float, cooling: float, k: int) -> float:
    """Temperature of annealing step ``k`` (0 for the first step).

    ``"exponential"``: t0·coolingᵏ; ``"linear"``: t0·max(0, 1 − (1 − cooling)·k),
    which reaches zero after 1/(1 − cooling) steps; ``"logarithmic"``:
    t0·ln 2 / ln(k + 2), the slow schedule of Geman and Geman (``cooling`` unused).

    Examples
    --------
    >>> from core.methods.derivative_free import temperature
    >>> round(temperature("exponential", 2.0, 0.5, 3), 12)
    0.25
    >>> temperature("linear", 1.0, 0.75, 2), temperature("linear", 1.0, 0.75, 9)
    (0.5, 0.0)
    >>> round(temperature("logarithmic", 1.0, 0.9, 2), 12)
    0.5
    """
    if schedule == "exponential":
        return t0 * cooling**k
    if schedule == "linear":
        return t0 * max(0.0, 1.0 - (1.0 - cooling) * k)
    return t0 * math.log(2.0) / math.log(k + 2.0)


def _anneal_init(ctx, x0: Array, hp) -> AnnealState:
    f = ctx.f(x0)
    return AnnealState(x0, f, None, x0.copy(), f.copy(), 0, np.ones(x0.shape[0]), ctx.sign < 0)


def _anneal_step(ctx, s: AnnealState, hp):
    t0 = hp["t0"]
    T = temperature(hp["schedule"], t0, hp["cooling"], s.k)
    noise = ctx.rng.standard_normal(s.x.shape)
    u = ctx.rng.random(s.x.shape[0])
    cand = _into_domain(ctx, s.x + noise * (hp["step_scale"] * _width(ctx)))
    fc = ctx.f(cand)
    delta = fc - s.f
    # Metropolis: always go downhill; uphill by Δ with probability e^(−Δ/T).
    uphill_ok = u < np.exp(-delta / T) if T > 0 else np.zeros_like(u, dtype=bool)
    accepted = (delta <= 0) | uphill_ok
    x = np.where(accepted[:, None], cand, s.x)
    f = np.where(accepted, fc, s.f)
    better = (f < s.best_f) | np.isnan(s.best_f)
    best_x = np.where(better[:, None], x, s.best_x)
    best_f = np.where(better, f, s.best_f)
    state = AnnealState(x, f, None, best_x, best_f, s.k + 1, np.full(x.shape[0], T / t0),
                        s.climb)
    diag = {"temperature": np.full(x.shape[0], T), "candidate": cand, "accepted": accepted,
            "best": best_x, "evaluated": cand[:, None, :]}
    return state, diag


def _anneal_converged(s: AnnealState, tol: float) -> Array:
    return s.relative_t <= tol


register_method(Method(
    name="annealing", title="Simulated annealing", group="derivative-free",
    summary="Jump to a random nearby point; always accept a better one, and a worse one "
            "with probability e^(−Δf/T). As the temperature T falls it settles down.",
    params=(
        HyperParam("t0", 1.0, "starting temperature: how readily uphill jumps are accepted "
                   "at first (in units of the loss)", low=0.0, high=1e6, low_open=True,
                   log=True, label="start temperature"),
        HyperParam("cooling", 0.99, "cooling factor per step (exponential: T ← cooling·T; "
                   "linear: reaches 0 after 1/(1 − cooling) steps)", low=0.0, high=1.0,
                   low_open=True, high_open=True),
        HyperParam("schedule", "exponential", "how the temperature falls with the step number",
                   kind="choice", choices=("exponential", "linear", "logarithmic")),
        HyperParam("step_scale", 0.3, "size of the random jumps, as a fraction of the "
                   "plotted region's width", low=0.0, high=10.0, low_open=True, log=True,
                   label="step scale"),
    ),
    init=_anneal_init, step=_anneal_step, batched=False, needs=frozenset({"f"}),
    converged=_anneal_converged, stochastic=True,
    captions={
        "candidate": "Propose a random jump from the current point.",
        "temperature": "The current temperature: the higher, the more uphill jumps are allowed.",
        "accepted": "Accept the jump if it is downhill, or uphill with probability e^(−Δf/T).",
        "best": "The best point found so far.",
    },
))


# -- genetic algorithm ------------------------------------------------------------------


class GeneticState(NamedTuple):
    x: Array            # (runs, dim) best individual of the generation (x0 at the start)
    f: Array
    g: None
    population: Array   # (runs, P, dim)
    fitness: Array      # (runs, P) objective values (minimised)


def _genetic_init(ctx, x0: Array, hp) -> GeneticState:
    P, E = hp["population"], hp["elitism"]
    if E >= P:
        raise bad("elitism", E, f"smaller than the population ({P})")
    pop = np.concatenate([x0[:, None, :], _uniform(ctx, (x0.shape[0], P - 1))], axis=1)
    fit = ctx.f(pop)
    return GeneticState(x0, fit[:, 0].copy(), None, pop, fit)


def _tournament(ctx, fit: Array, n: int, size: int) -> Array:
    """Indices of ``n`` winners of tournaments among ``size`` random individuals."""
    entrants = ctx.rng.integers(0, fit.shape[0], size=(n, size))
    return entrants[np.arange(n), np.argmin(fit[entrants], axis=1)]


def _genetic_step(ctx, s: GeneticState, hp):
    pop, fit = s.population[0], _clean(s.fitness[0])
    P = hp["population"]
    E = min(hp["elitism"], P - 1, pop.shape[0])
    C = P - E
    order = np.argsort(fit, kind="stable")
    elites, elite_f = pop[order[:E]], s.fitness[0][order[:E]]
    parents = _tournament(ctx, fit, 2 * C, hp["tournament"])
    a, b = pop[parents[:C]], pop[parents[C:]]
    # arithmetic (blend) crossover with a random weight per coordinate
    cross = ctx.rng.random(C) < hp["crossover"]
    w = ctx.rng.random((C, ctx.dim))
    children = np.where(cross[:, None], a + w * (b - a), a)
    noise = ctx.rng.standard_normal((C, ctx.dim)) * (hp["mutation"] * _width(ctx))
    children = _into_domain(ctx, children + noise)
    child_f = ctx.f(children[None])[0]
    new_pop = np.concatenate([elites, children])[None]
    new_fit = np.concatenate([elite_f, child_f])[None]
    i = int(np.argmin(_clean(new_fit[0])))
    state = GeneticState(new_pop[:, i].copy(), new_fit[:, i].copy(), None, new_pop, new_fit)
    return state, {"population": new_pop.copy(), "evaluated": children[None]}


def _genetic_converged(s: GeneticState, tol: float) -> Array:
    size = np.ptp(s.population, axis=1).max(axis=1)
    spread = np.ptp(s.fitness, axis=1)
    return (size <= tol) & (spread <= tol)


register_method(Method(
    name="genetic", title="Genetic algorithm", group="derivative-free",
    summary="A population of guesses: the fitter ones are picked as parents, blended "
            "(crossover) and randomly nudged (mutation) to form the next generation.",
    params=(
        HyperParam("population", 30, "number of individuals per generation", kind="int",
                   low=2, high=10_000, log=True),
        HyperParam("mutation", 0.15, "size of the random nudge given to each child, as a "
                   "fraction of the plotted region's width", low=0.0, high=10.0),
        HyperParam("crossover", 0.9, "probability that a child blends two parents "
                   "(otherwise it copies one)", low=0.0, high=1.0, label="crossover rate"),
        HyperParam("elitism", 1, "best individuals copied unchanged into the next generation "
                   "(must be smaller than the population)", kind="int", low=0, high=9_999),
        HyperParam("tournament", 3, "individuals competing in each parent-selection "
                   "tournament (larger = greedier)", kind="int", low=1, high=100,
                   label="tournament size"),
    ),
    init=_genetic_init, step=_genetic_step, batched=False, needs=frozenset({"f"}),
    converged=_genetic_converged, stochastic=True,
    captions={
        "population": "The new generation: elites kept, children bred from tournament "
                      "winners, blended and mutated.",
        "evaluated": "Taste every child.",
    },
))
