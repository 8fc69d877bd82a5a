"""The :class:`Problem` type and the problem registry.

A problem is something to optimise: a value ``f(x)`` over ``dim`` coordinates
with analytic derivatives.  Every evaluator broadcasts over leading axes, so a
whole meshgrid of points of shape ``(..., dim)`` is evaluated in one call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import bad

Array = np.ndarray
Evaluator = Callable[[Array], Array]


@dataclass(frozen=True, eq=False)
class Problem:
    """A function to minimise (or, with ``maximize=True``, maximise).

    Parameters
    ----------
    name, title, formula
        Registry key, human title and a display formula (plain Unicode).
    dim
        Number of coordinates.
    domain
        ``(dim, 2)`` array of plotting bounds ``[low, high]`` per coordinate.
    f, g, h
        Unguarded value, gradient and Hessian evaluators taking ``(..., dim)``
        and returning ``(...)``, ``(..., dim)`` and ``(..., dim, dim)``.
    minima, maxima, saddles
        Known stationary points, each an ``(m, dim)`` array (possibly empty).
    fg
        Optional fused evaluator returning ``(f(X), g(X))`` sharing work.
    r, j
        Optional residuals ``(..., m)`` and their Jacobian ``(..., m, dim)``
        for least-squares problems, with ``f = sum(r**2)``.
    coords
        Names of the coordinates, for axis labels.
    description
        A few sentences for students: what this landscape teaches.
    smooth
        False when the function has kinks or jumps (derivatives exist only
        almost everywhere): finite-difference checks and "gradient = 0 at a
        minimum" do not apply there.
    goal
        ``"minimize"`` or ``"maximize"``: how the problem is naturally posed
        (a hint for the app's default; :func:`core.run` minimises unless told
        ``maximize=True``).
    columnar
        True when ``f``, ``g`` and ``h`` compute coordinate by coordinate
        (``X[..., 0]``, ``X[..., 1]``, …, elementwise) and return arrays laid
        out like ``X``: the same numbers, bit for bit, for points stored
        coordinate by coordinate (``X.T`` contiguous).  The runner then stores
        a large batch that way, so each coordinate is one contiguous column.
    suggested_lr
        A learning rate at which plain gradient descent makes visible progress
        here without diverging (None: the usual 0.1 will do).  The app switches
        to it when the problem is picked: the tea curve's slopes are a
        hundredth of the bowl's, and 0.1 would crawl a hundredth of a degree
        a step.

    Examples
    --------
    >>> import core
    >>> p = core.get_problem("bowl")
    >>> float(p.value([3.0, 4.0]))
    25.0
    """

    name: str
    title: str
    formula: str
    dim: int
    domain: Array
    f: Evaluator
    g: Evaluator
    h: Evaluator
    minima: Array = field(default_factory=lambda: np.zeros((0, 0)))
    maxima: Array = field(default_factory=lambda: np.zeros((0, 0)))
    saddles: Array = field(default_factory=lambda: np.zeros((0, 0)))
    r: Evaluator | None = None
    j: Evaluator | None = None
    fg: Callable[[Array], tuple[Array, Array]] | None = None
    coords: tuple[str, ...] = ()
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    smooth: bool = True
    goal: str = "minimize"
    columnar: bool = False
    suggested_lr: float | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "domain", np.asarray(self.domain, dtype=float).reshape(self.dim, 2))
        for attr in ("minima", "maxima", "saddles"):
            pts = np.asarray(getattr(self, attr), dtype=float)
            set_(self, attr, pts.reshape(-1, self.dim) if pts.size else np.zeros((0, self.dim)))
        if not self.coords:
            names = ("x", "y") if self.dim == 2 else ("x",) if self.dim == 1 else ()
            set_(self, "coords", names or tuple(f"x{i + 1}" for i in range(self.dim)))

    # -- public, guarded evaluators ------------------------------------------
    def _prep(self, X: object) -> Array:
        if np.iscomplexobj(X):
            raise ValueError(f"X={X!r} is not allowed: X must hold real numbers.")
        try:
            arr = np.asarray(X, dtype=float)
        except OverflowError:  # an int beyond the largest float (~1.8e308)
            raise ValueError(f"X={X!r} is not allowed: X must hold numbers below 1.8e308.") from None
        if arr.ndim == 0 and self.dim == 1:
            arr = arr.reshape(1)
        if arr.shape[-1:] != (self.dim,):
            raise ValueError(
                f"X has shape {arr.shape}: its last axis must have length {self.dim} "
                f"(the problem's dimension)."
            )
        return arr

    def value(self, X: object) -> Array:
        """Function value at ``X`` of shape ``(..., dim)``; returns ``(...)``."""
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.f(arr)

    def grad(self, X: object) -> Array:
        """Gradient at ``X``; returns ``(..., dim)``."""
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.g(arr)

    def hess(self, X: object) -> Array:
        """Hessian at ``X``; returns ``(..., dim, dim)``."""
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.h(arr)

    def value_and_grad(self, X: object) -> tuple[Array, Array]:
        """Value and gradient together (shares work where the problem can)."""
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.fg(arr) if self.fg is not None else (self.f(arr), self.g(arr))

    @property
    def has_residuals(self) -> bool:
        """True for least-squares problems (``residuals``/``jacobian`` work)."""
        return self.r is not None and self.j is not None

    def residuals(self, X: object) -> Array:
        """Residuals ``ε`` with ``f = Σ ε²``; only for least-squares problems."""
        if self.r is None:
            raise ValueError(f"problem {self.name!r} is not a least-squares problem: it has no residuals.")
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.r(arr)

    def jacobian(self, X: object) -> Array:
        """Jacobian of the residuals, ``(..., m, dim)``."""
        if self.j is None:
            raise ValueError(f"problem {self.name!r} is not a least-squares problem: it has no Jacobian.")
        arr = self._prep(X)
        with np.errstate(all="ignore"):
            return self.j(arr)

    @property
    def scale(self) -> float:
        """Largest absolute plotting bound: the size of the region of interest."""
        return float(np.max(np.abs(self.domain)))

    def grid(self, resolution: int = 128) -> tuple[Array, ...]:
        """A meshgrid over the domain (2-D problems) or a line (1-D), ``indexing='xy'``."""
        axes = [np.linspace(lo, hi, resolution) for lo, hi in self.domain[:2]]
        if self.dim == 1:
            return (axes[0],)
        return tuple(np.meshgrid(*axes, indexing="xy"))

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, dim={self.dim})"


@dataclass(frozen=True)
class ProblemEntry:
    """A registry entry: how to build a problem and what it is."""

    name: str
    title: str
    kind: str  # "landscape", "1-D", "model"
    factory: Callable[..., Problem]
    summary: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        """Keyword options the factory accepts."""
        return tuple(inspect.signature(self.factory).parameters)


PROBLEMS: dict[str, ProblemEntry] = {}


def register_problem(name: str, title: str, kind: str, summary: str = ""):
    """Decorator adding a problem factory to :data:`PROBLEMS`."""

    def deco(factory: Callable[..., Problem]) -> Callable[..., Problem]:
        if name in PROBLEMS:
            raise RuntimeError(f"problem {name!r} registered twice")
        PROBLEMS[name] = ProblemEntry(name, title, kind, factory, summary)
        return factory

    return deco


def get_problem(name: object, **options: Any) -> Problem:
    """Build the registered problem ``name`` with keyword ``options``.

    Examples
    --------
    >>> import core
    >>> core.get_problem("rosenbrock").minima.tolist()
    [[1.0, 1.0]]
    """
    if not isinstance(name, str) or name not in PROBLEMS:
        raise bad("problem", name, "one of " + ", ".join(sorted(PROBLEMS)))
    entry = PROBLEMS[name]
    allowed = entry.options
    for key in options:
        if key not in allowed:
            what = ", ".join(allowed) if allowed else "no options"
            raise ValueError(
                f"unknown option {key!r} for problem {name!r}: it accepts {what}."
            )
    problem = entry.factory(**options)
    # How to build the same problem again (in a helper process, see core.workers):
    # only for problems registered by core itself, which a helper has too; a
    # problem made otherwise, or changed with dataclasses.replace, has none.
    if entry.factory.__module__.startswith("core."):
        object.__setattr__(problem, "recipe", (name, dict(options)))
    return problem
