"""Drawing runs of many-parameter models on a 2-D slice.

:func:`slice_view` turns a model and a centre into a 2-D problem every view
can draw (see :mod:`core.slices`), and :class:`ProjectedTrace` presents a
run's :class:`~core.Trace` in that slice's coordinates: positions and points
are projected, vectors (gradient, velocity, step) are mapped linearly.

Examples
--------
>>> import core
>>> p = core.get_problem("logistic")
>>> shown, plane = core.slice_view(p, p.start, axes=(0, 1))
>>> shown.dim, plane.labels
(2, ('θ1', 'θ2'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .problems import Problem
from .slices import SliceGrid, slice_grid, slice_problem
from .trace import Trace

Array = np.ndarray

#: Diagnostics that are displacements (mapped linearly), not positions.
VECTOR_KEYS = ("grad", "velocity", "step", "newton_step", "direction", "step_size")
#: Diagnostics that are points or sets of points (projected).
POINT_KEYS = ("trials", "simplex", "candidate", "population", "evaluated", "best")


def slice_view(problem: Problem, center: object, *, axes: tuple[int, int] | None = None,
               directions: tuple[object, object] | None = None,
               span: float | None = None) -> tuple[Problem, SliceGrid]:
    """A drawable 2-D problem through ``center`` and the plane it lies in."""
    shown = slice_problem(problem, center, axes=axes, directions=directions, span=span)
    plane = slice_grid(problem, center, axes=axes, directions=directions, span=span, resolution=2)
    return shown, plane


def _is_numeric(value: object) -> bool:
    """True for real numbers and arrays of them (ints or floats, not bools, text or objects)."""
    try:
        kind = np.asarray(value).dtype.kind
    except (ValueError, TypeError):  # e.g. a ragged list
        return False
    return kind in "iuf"


class ProjectedTrace:
    """A :class:`~core.Trace` seen on a slice: the same interface, 2-D coordinates."""

    def __init__(self, trace: Trace, plane: SliceGrid):
        self.trace = trace
        self.plane = plane
        self._D = np.stack([plane.d1, plane.d2], axis=1)  # (dim, 2)
        self.dim = 2

    def _points(self, P: Any) -> Array:
        return self.plane.project(np.asarray(P, dtype=float))

    @property
    def x(self) -> Array:
        """Positions on the slice, ``(n, 2)``."""
        return self._points(self.trace.x)

    @property
    def steps(self) -> Array:
        return self.trace.steps

    @property
    def n(self) -> int:
        return self.trace.n

    def column(self, name: str) -> Array:
        """The run's own values (the loss is that of the full model, not the slice)."""
        return self.trace.column(name)

    @property
    def last_step(self) -> int:
        return self.trace.last_step

    @property
    def last(self) -> dict[str, float]:
        return self.trace.last

    @property
    def last_x(self) -> Array | None:
        x = self.trace.last_x
        return None if x is None else self._points(x)

    @property
    def evaluated(self) -> Array:
        pts = self.trace.evaluated
        return self._points(pts) if len(pts) else np.zeros((0, 2))

    @property
    def last_diagnostics(self) -> dict[str, Any]:
        """Diagnostics in slice coordinates (vectors mapped, points projected).

        Numbers come back as float arrays; anything else a method reports
        (Nelder–Mead's move name, a flag such as ``hessian_ok``, None...)
        is passed on unchanged, as the plain :class:`~core.Trace` gives it.
        """
        out: dict[str, Any] = {}
        full = self.trace.dim
        for key, value in self.trace.last_diagnostics.items():
            if not _is_numeric(value):
                out[key] = value
                continue
            v = np.asarray(value, dtype=float)
            if v.ndim == 0 or v.shape[-1] != full:
                out[key] = v
            elif key in VECTOR_KEYS:
                with np.errstate(all="ignore"):
                    out[key] = v @ self._D
            elif key in POINT_KEYS:
                out[key] = self._points(v)
            else:
                out[key] = v
        return out

    def offset(self) -> float:
        """How far the latest point lies off the slice plane."""
        x = self.trace.last_x
        return 0.0 if x is None else float(self.plane.offset(x))
