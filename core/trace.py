"""A run's history for display: bounded memory, whole-run shape.

A million-step run cannot keep every point for drawing.  :class:`Trace`
keeps at most ``capacity`` rows: when full, it drops every second row and
from then on keeps only every second new row, so the curve always spans the
whole run at a uniform stride.  The latest row is always available.
"""

from __future__ import annotations

import numpy as np

from .runner import Batch

Array = np.ndarray


class Trace:
    """Decimating history of one run.

    Examples
    --------
    >>> import core
    >>> t = core.Trace(dim=1, capacity=8)
    >>> for b in core.iterate("parabola", "gd", [1.0], steps=100, lr=0.01, tol=0, batch_size=7):
    ...     t.extend(b)
    >>> t.steps.tolist()
    [0, 16, 32, 48, 64, 80, 96, 100]
    >>> t.last_step
    100
    """

    COLUMNS = ("f", "grad_norm", "nfev", "ngev", "nhev")

    def __init__(self, dim: int, capacity: int = 20_000):
        if capacity < 4:
            raise ValueError(f"capacity={capacity!r} is not allowed: capacity must be >= 4.")
        self.dim = dim
        self.capacity = capacity - capacity % 2
        self.stride = 1
        self.n = 0
        self._steps = np.empty(self.capacity, dtype=np.int64)
        self._x = np.empty((self.capacity, dim))
        self._cols = np.empty((len(self.COLUMNS), self.capacity))
        self.last_step = -1
        self.last_x: Array | None = None
        self.last = dict.fromkeys(self.COLUMNS, np.nan)
        #: What the method reported about its latest step (see core.methods.base).
        self.last_diagnostics: dict[str, Array] = {}
        self._evaluated = np.empty((0, dim))
        self.evaluated_capacity = 100_000
        self.evaluated_total = 0

    def extend(self, batch: Batch) -> None:
        """Append an unbatched :class:`~core.Batch`."""
        if batch.steps.size == 0:
            return
        steps = np.asarray(batch.steps)
        cols = np.stack([np.asarray(getattr(batch, c), dtype=float) for c in self.COLUMNS])
        rows = np.nonzero(steps % self.stride == 0)[0]
        while self.n + rows.size > self.capacity:
            self._halve()
            rows = rows[steps[rows] % self.stride == 0]
        m = rows.size
        self._steps[self.n:self.n + m] = steps[rows]
        self._x[self.n:self.n + m] = np.asarray(batch.x)[rows]
        self._cols[:, self.n:self.n + m] = cols[:, rows]
        self.n += m
        diags = batch.diagnostics
        if diags and "evaluated" in diags[-1]:
            for diag in diags:
                points = diag.get("evaluated")
                if points is not None:
                    self._add_evaluated(np.asarray(points, dtype=float).reshape(-1, self.dim))
        if diags and diags[-1]:
            self.last_diagnostics = diags[-1]
        self.last_step = int(steps[-1])
        self.last_x = np.array(batch.x[-1], dtype=float)
        self.last = {c: float(cols[j, -1]) for j, c in enumerate(self.COLUMNS)}

    def _add_evaluated(self, points: Array) -> None:
        self.evaluated_total += len(points)
        room = self.evaluated_capacity - len(self._evaluated)
        if room > 0:
            self._evaluated = np.concatenate([self._evaluated, points[:room]])

    @property
    def evaluated(self) -> Array:
        """Every point whose value the method reported computing (first 100,000 kept)."""
        return self._evaluated

    def _halve(self) -> None:
        self.stride *= 2
        keep = np.nonzero(self._steps[: self.n] % self.stride == 0)[0]
        m = keep.size
        self._steps[:m] = self._steps[keep]
        self._x[:m] = self._x[keep]
        self._cols[:, :m] = self._cols[:, keep]
        self.n = m

    def _with_last(self, arr: Array, last) -> Array:
        if self.n and self._steps[self.n - 1] == self.last_step or self.last_step < 0:
            return arr
        return np.concatenate([arr, np.asarray(last, dtype=arr.dtype)[None]])

    @property
    def steps(self) -> Array:
        """Step numbers kept (the latest step always included)."""
        return self._with_last(self._steps[: self.n].copy(), self.last_step)

    @property
    def x(self) -> Array:
        """Positions kept, ``(n, dim)``."""
        return self._with_last(self._x[: self.n].copy(), self.last_x)

    def column(self, name: str) -> Array:
        """One of ``f``, ``grad_norm``, ``nfev``, ``ngev``, ``nhev`` for the kept rows."""
        j = self.COLUMNS.index(name)
        return self._with_last(self._cols[j, : self.n].copy(), self.last[name])

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers."""
        return self._steps.nbytes + self._x.nbytes + self._cols.nbytes + self._evaluated.nbytes
