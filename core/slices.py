"""Two-dimensional slices through landscapes with more than two parameters.

A model with 3 or 9 parameters has a loss surface nobody can draw whole.  A
*slice* fixes every parameter at a chosen centre (usually the current point
of the run) and lets two vary: either two of the parameters themselves
(``axes=(i, j)``) or two directions through the centre (``directions=(d1, d2)``,
e.g. two random ones from :func:`random_directions`).  The slice plane is

    x(u, v) = origin + u·d1 + v·d2

with orthonormal ``d1``, ``d2``.  For ``axes`` the slice coordinates are the
parameter values themselves (``origin`` is the centre with those two
parameters set to 0); for ``directions`` they are distances from the centre
(``origin`` is the centre).  :func:`project` maps a path into (u, v) so it can
be drawn on the slice; :meth:`SliceGrid.offset` says how far each point lies
off the plane (the path leaves the slice when the held parameters move).

Examples
--------
>>> import core
>>> p = core.get_problem("logistic")
>>> s = core.slice_grid(p, p.start, axes=(0, 1), resolution=5)
>>> s.values.shape, s.labels
((5, 5), ('θ1', 'θ2'))
>>> core.project([p.start], s).tolist() == [[p.start[0], p.start[1]]]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import bad, check_int, check_point, check_real
from .problems import Problem

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class SliceGrid:
    """Loss values over a 2-D slice of a problem's parameter space.

    Attributes
    ----------
    u, v
        ``(resolution,)`` slice coordinates along ``d1`` and ``d2``.
    values
        ``(resolution, resolution)`` loss at ``origin + u[j]·d1 + v[i]·d2`` in
        row ``i``, column ``j`` (``indexing="xy"``, like a meshgrid and like the
        plain landscapes' ``grid()``).
    origin, d1, d2
        ``(dim,)`` the plane: ``d1`` and ``d2`` are orthonormal.
    center
        ``(dim,)`` the point the slice passes through (its (u, v) is
        ``center_uv``).
    axes
        ``(i, j)`` for a slice along two parameters, else None.
    labels
        Axis labels: parameter names, or ``"direction 1"``/``"direction 2"``.
    """

    u: Array
    v: Array
    values: Array
    origin: Array
    d1: Array
    d2: Array
    center: Array
    axes: tuple[int, int] | None
    labels: tuple[str, str]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(u_min, u_max, v_min, v_max)``."""
        return float(self.u[0]), float(self.u[-1]), float(self.v[0]), float(self.v[-1])

    @property
    def center_uv(self) -> Array:
        """Where the centre lies on the slice, ``(2,)``."""
        return self.project(self.center)

    def lift(self, uv: object) -> Array:
        """Slice coordinates ``(..., 2)`` to parameter vectors ``(..., dim)``."""
        UV = np.asarray(uv, dtype=float)
        return self.origin + UV[..., :1] * self.d1 + UV[..., 1:2] * self.d2

    def project(self, path: object) -> Array:
        """Parameter vectors ``(..., dim)`` to slice coordinates ``(..., 2)`` (orthogonal projection)."""
        rel = np.asarray(path, dtype=float) - self.origin
        return np.stack([rel @ self.d1, rel @ self.d2], axis=-1)

    def offset(self, path: object) -> Array:
        """Distance of each point ``(..., dim)`` from the slice plane, ``(...)``."""
        rel = np.asarray(path, dtype=float) - self.origin
        uv = self.project(path)
        inplane = uv[..., :1] * self.d1 + uv[..., 1:2] * self.d2
        return np.linalg.norm(rel - inplane, axis=-1)

    def points(self) -> Array:
        """The parameter vectors of the grid, ``(resolution, resolution, dim)``."""
        U, V = np.meshgrid(self.u, self.v, indexing="xy")
        return self.lift(np.stack([U, V], axis=-1))


def random_directions(dim: int, seed: object = 0) -> tuple[Array, Array]:
    """Two random orthonormal directions in ``dim`` dimensions (seeded).

    Drawn from a standard normal distribution (so every direction is equally
    likely) and orthonormalised.  For our small models plain unit directions
    serve; "filter normalisation" (scaling each direction to the size of the
    weights it perturbs) matters for deep networks with many layers.

    Examples
    --------
    >>> import core, numpy as np
    >>> d1, d2 = core.random_directions(9, seed=1)
    >>> round(float(d1 @ d1), 12), round(float(d1 @ d2), 12)
    (1.0, 0.0)
    """
    dim = check_int("dim", dim, low=2)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    while True:
        a, b = rng.standard_normal((2, dim))
        try:
            return _orthonormal(a, b)
        except ValueError:  # pragma: no cover - probability zero
            continue


def _orthonormal(a: Array, b: Array) -> tuple[Array, Array]:
    na = np.linalg.norm(a)
    if not np.isfinite(na) or na == 0:
        raise bad("directions", "(d1, d2)", "two non-zero, finite vectors")
    d1 = a / na
    b = b - (b @ d1) * d1
    nb = np.linalg.norm(b)
    if not np.isfinite(nb) or nb < 1e-9 * max(1.0, float(np.linalg.norm(a))):
        raise bad("directions", "(d1, d2)", "two vectors that are not parallel")
    return d1, b / nb


def _plane(problem: Problem, center: Array, axes, directions, span):
    """origin, d1, d2, u-range, v-range, axes, labels."""
    dim = problem.dim
    if axes is not None and directions is not None:
        raise ValueError("give either axes=(i, j) or directions=(d1, d2), not both.")
    if directions is None:
        if axes is None:
            axes = (0, 1)
        if (not isinstance(axes, (tuple, list)) or len(axes) != 2
                or any(isinstance(a, bool) for a in axes)):
            raise bad("axes", axes, f"two different parameter indices in [0, {dim - 1}]")
        i, j = (check_int("axes", a, low=0, high=dim - 1) for a in axes)
        if i == j:
            raise bad("axes", axes, f"two different parameter indices in [0, {dim - 1}]")
        eye = np.eye(dim)
        d1, d2 = eye[i], eye[j]
        origin = center.copy()
        origin[[i, j]] = 0.0
        if span is None:
            ur, vr = problem.domain[i], problem.domain[j]
        else:
            ur = np.array([center[i] - span, center[i] + span])
            vr = np.array([center[j] - span, center[j] + span])
        names = problem.coords
        return origin, d1, d2, ur, vr, (i, j), (names[i], names[j])
    try:
        a, b = (np.asarray(d, dtype=float) for d in directions)
    except (TypeError, ValueError):
        raise bad("directions", directions, f"two vectors of length {dim}") from None
    if a.shape != (dim,) or b.shape != (dim,):
        raise bad("directions", directions, f"two vectors of length {dim}")
    d1, d2 = _orthonormal(a, b)
    if span is None:
        span = 0.5 * float(np.mean(problem.domain[:, 1] - problem.domain[:, 0]))
    r = np.array([-span, span])
    return center.copy(), d1, d2, r, r.copy(), None, ("direction 1", "direction 2")


def slice_grid(problem: Problem, center: object, *, axes: tuple[int, int] | None = None,
               directions: tuple[object, object] | None = None, span: float | None = None,
               resolution: int = 64) -> SliceGrid:
    """The loss over a 2-D slice through ``center``; other parameters held fixed.

    Parameters
    ----------
    problem
        Any problem with ``dim >= 2``.
    center
        ``(dim,)`` the point the slice passes through (e.g. the current iterate).
    axes
        ``(i, j)``: vary parameters i and j (default ``(0, 1)``).
    directions
        ``(d1, d2)``: vary along these directions instead (orthonormalised
        first); see :func:`random_directions`.
    span
        Half-width of the slice.  Default: the parameters' full domain for
        ``axes``; half the mean domain width for ``directions``.
    resolution
        Grid points per side (2 to 1024).

    Examples
    --------
    >>> import core
    >>> p = core.get_problem("mlp")
    >>> d = core.random_directions(p.dim, seed=0)
    >>> s = core.slice_grid(p, p.start, directions=d, span=3.0, resolution=9)
    >>> s.values.shape, s.extent
    ((9, 9), (-3.0, 3.0, -3.0, 3.0))
    >>> bool(abs(s.values[4, 4] - p.value(p.start)) < 1e-12)   # the centre is on the grid
    True
    """
    if problem.dim < 2:
        raise ValueError(f"problem {problem.name!r} has {problem.dim} parameter: a slice needs at least 2.")
    c = check_point("center", center, problem.dim, batch=False)
    res = check_int("resolution", resolution, low=2, high=1024)
    if span is not None:
        span = check_real("span", span, low=0.0, low_open=True)
    origin, d1, d2, ur, vr, ax, labels = _plane(problem, c, axes, directions, span)
    u = np.linspace(ur[0], ur[1], res)
    v = np.linspace(vr[0], vr[1], res)
    grid = SliceGrid(u=u, v=v, values=np.empty(0), origin=origin, d1=d1, d2=d2, center=c,
                     axes=ax, labels=labels)
    values = np.asarray(problem.value(grid.points()), dtype=float)
    object.__setattr__(grid, "values", values)
    return grid


def project(path: object, grid: SliceGrid) -> Array:
    """Map a path ``(..., dim)`` onto the slice: ``(..., 2)`` slice coordinates.

    The orthogonal projection onto the slice plane; :meth:`SliceGrid.offset`
    gives the distance that the projection discards.
    """
    return grid.project(path)


def slice_problem(problem: Problem, center: object, *, axes: tuple[int, int] | None = None,
                  directions: tuple[object, object] | None = None,
                  span: float | None = None) -> Problem:
    """The slice as a 2-D :class:`Problem` of (u, v), drawable like any landscape.

    Value, gradient (Dᵀ∇f) and Hessian (DᵀHD) come from the full problem,
    with D = [d1 d2].  Its domain is the slice's extent and its coordinates
    are named after the axes.

    Examples
    --------
    >>> import core
    >>> p = core.get_problem("logistic")
    >>> s = core.slice_problem(p, p.start, axes=(0, 2))
    >>> s.dim, s.coords, bool(s.value(p.start[[0, 2]]) == p.value(p.start))
    (2, ('θ1', 'θ3'), True)
    """
    if problem.dim < 2:
        raise ValueError(f"problem {problem.name!r} has {problem.dim} parameter: a slice needs at least 2.")
    c = check_point("center", center, problem.dim, batch=False)
    if span is not None:
        span = check_real("span", span, low=0.0, low_open=True)
    origin, d1, d2, ur, vr, ax, labels = _plane(problem, c, axes, directions, span)
    D = np.stack([d1, d2], axis=1)  # (dim, 2)

    def lift(UV: Array) -> Array:
        return origin + UV[..., :1] * d1 + UV[..., 1:2] * d2

    def f(UV: Array) -> Array:
        return problem.f(lift(UV))

    def g(UV: Array) -> Array:
        return problem.g(lift(UV)) @ D

    def h(UV: Array) -> Array:
        return D.T @ problem.h(lift(UV)) @ D

    what = f"{labels[0]} and {labels[1]}" if ax is not None else "two directions"
    return Problem(
        name=f"{problem.name}_slice", title=f"{problem.title}: slice over {what}",
        formula=problem.formula, dim=2, domain=[ur, vr], f=f, g=g, h=h, coords=labels,
        description=(f"A 2-D slice of {problem.title} through the current point: every "
                     f"other parameter is held fixed. " + problem.description),
        smooth=problem.smooth,
    )
