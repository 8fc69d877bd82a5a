"""The basin-of-attraction overlay: which minimum every start of a grid ends in.

:func:`basin_image` turns a :func:`core.basin_map` result into a translucent
RGBA image for :meth:`LandscapeView.set_basin`; :class:`BasinController`
computes the map in a background thread and emits the image when it is ready.

Wiring (in the main window)::

    self.basins = BasinController(parent=self)
    self.basins.ready.connect(lambda img, rect, legend, text: self.landscape.set_basin(img, rect))
    self.basins.compute(problem, method, hyper, maximize=False)
    ...
    self.basins.shutdown()   # in closeEvent

1-D problems: :func:`basin_image` returns a one-row image spanning the
x-domain and ``y_range`` vertically (pass the range the landscape view
shows, e.g. ``display.robust_range(curve, pad=0.08)``; the controller does),
so the curve is drawn over coloured vertical bands: the colour under each x
is the basin of a start at that x.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal

import core
from core import display
from core._checks import check_int, check_real
from core.landscape_tools import DIVERGED, NOT_CONVERGED
from core.text import plural

from ..threads import WorkerPool

if TYPE_CHECKING:
    from superqt.utils import FunctionWorker

#: Paul Tol's "muted" qualitative scheme: distinct for colour-blind viewers
#: and readable over the cividis contour map.
BASIN_COLOURS = ("#CC6677", "#44AA99", "#DDCC77", "#332288", "#88CCEE", "#882255",
                 "#117733", "#999933", "#AA4499")
NOT_CONVERGED_COLOUR = "#BBBBBB"
#: Diverged starts are hatched with these two colours (diagonal stripes).
DIVERGED_COLOURS = ("#000000", "#b2182b")
#: Opacity of each class inside the image (the landscape view adds its own).
ALPHA = {"basin": 210, "not_converged": 150, "diverged": 230}

DEFAULT_RESOLUTION = 128
DEFAULT_STEPS = 500

LegendEntry = tuple[str, str]


def basin_colour(label: int) -> str:
    """Colour of basin ``label`` (>= 0); colours repeat after nine basins."""
    return BASIN_COLOURS[int(label) % len(BASIN_COLOURS)]


def basin_image(result: Any, *, y_range: tuple[float, float] | None = None,
                optimum: str = "minimum"
                ) -> tuple[np.ndarray, tuple[float, float, float, float], list[LegendEntry]]:
    """A translucent RGBA picture of a :class:`~core.landscape_tools.BasinMap`.

    Parameters
    ----------
    result
        What :func:`core.basin_map` returned.
    y_range
        1-D problems only: the vertical extent of the band (default ``(0, 1)``).
    optimum
        "minimum" or "maximum": the word used in the legend for known optima.

    Returns
    -------
    image
        ``(res, res, 4)`` uint8, row-major ``[iy, ix]`` like the result's
        labels (``(1, res, 4)`` for a 1-D problem); ready for
        ``pg.ImageItem`` with ``imageAxisOrder="row-major"``.
    rect
        ``(x, y, w, h)``: each pixel is centred on its grid point, so the
        image reaches half a pixel beyond the grid on every side.
    legend
        ``[(label, colour)]`` for every basin some start reached, then
        "not converged" and "diverged" if any start ended so.
    """
    labels = np.asarray(result.labels)
    one_d = labels.ndim == 1
    grid = labels[None, :] if one_d else labels
    rows, cols = grid.shape
    image = np.zeros((rows, cols, 4), dtype=np.uint8)
    counts = dict(result.counts)
    total = max(int(labels.size), 1)
    legend: list[LegendEntry] = []
    ends = np.asarray(result.ends, dtype=float)
    for label in sorted(k for k in counts if k >= 0):
        n = counts[label]
        if n <= 0:
            continue
        colour = basin_colour(label)
        image[grid == label] = _rgba(colour, ALPHA["basin"])
        where = _point_text(ends[label]) if label < len(ends) else ""
        kind = optimum if label < result.known else "end point"
        legend.append((f"{kind} {where}: {_share(n, total)} of starts", colour))
    stuck = grid == NOT_CONVERGED
    if stuck.any():
        image[stuck] = _rgba(NOT_CONVERGED_COLOUR, ALPHA["not_converged"])
        legend.append((f"not converged within {result.steps} steps: {_share(int(stuck.sum()), total)}",
                       NOT_CONVERGED_COLOUR))
    lost = grid == DIVERGED
    if lost.any():
        iy, ix = np.indices(grid.shape)
        stripe = ((ix + (0 if one_d else iy)) % 4) < 2
        image[lost & stripe] = _rgba(DIVERGED_COLOURS[0], ALPHA["diverged"])
        image[lost & ~stripe] = _rgba(DIVERGED_COLOURS[1], ALPHA["diverged"])
        legend.append((f"diverged: {_share(int(lost.sum()), total)}", DIVERGED_COLOURS[1]))
    ext = [float(v) for v in result.extent]
    x0, x1 = ext[0], ext[1]
    dx = (x1 - x0) / max(cols - 1, 1)
    if one_d:
        y0, y1 = y_range if y_range is not None else (0.0, 1.0)
        rect = (x0 - dx / 2, float(y0), x1 - x0 + dx, float(y1 - y0))
    else:
        y0, y1 = ext[2], ext[3]
        dy = (y1 - y0) / max(rows - 1, 1)
        rect = (x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy)
    return image, rect, legend


def basin_summary(result: Any, optimum: str = "minimum") -> str:
    """One sentence about a basin map: how many basins and where the starts went."""
    labels = np.asarray(result.labels)
    total = max(int(labels.size), 1)
    counts = result.counts
    grid = " × ".join([str(result.resolution)] * labels.ndim)
    where = f"({grid})" if labels.ndim > 1 else "along the axis"
    title = core.get_method(result.method).title if result.method in core.METHODS else result.method
    parts = [f"{title} from {labels.size} starts {where}: {plural(result.n_basins, 'basin')}"]
    converged = total - counts.get(DIVERGED, 0) - counts.get(NOT_CONVERGED, 0)
    parts.append(f"{_share(converged, total)} converged")
    if counts.get(NOT_CONVERGED, 0):
        parts.append(f"{_share(counts[NOT_CONVERGED], total)} still going after {result.steps} steps")
    if counts.get(DIVERGED, 0):
        parts.append(f"{_share(counts[DIVERGED], total)} diverged")
    unknown = sum(1 for k, c in counts.items() if k >= result.known and c > 0)
    text = ", ".join(parts[:1]) + "; " + ", ".join(parts[1:]) + "."
    if unknown:
        text += (f" {plural(unknown, 'end point')} match{'es' if unknown == 1 else ''} no known {optimum} "
                 f"(a saddle, or a {optimum} nobody listed).")
    return text


def _rgba(colour: str, alpha: int) -> np.ndarray:
    c = pg.mkColor(colour)
    return np.array([c.red(), c.green(), c.blue(), alpha], dtype=np.uint8)


def _share(n: int, total: int) -> str:
    share = 100.0 * n / total
    if 0 < share < 1:
        return "<1%"
    if 99 < share < 100:
        return ">99%"
    return f"{share:.0f}%"


def _point_text(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in np.atleast_1d(point)) + ")"


def _compute(problem: core.Problem, method: str, resolution: int, steps: int, tol: float,
             maximize: bool, hyper: dict[str, Any]) -> tuple:
    """Worker-thread body: the map, its picture and its summary."""
    result = core.basin_map(problem, method, resolution=resolution, steps=steps, tol=tol,
                            maximize=maximize, **hyper)
    optimum = "maximum" if maximize else "minimum"
    y_range = None
    if problem.dim == 1:
        _, fs = display.curve_samples(problem)  # the same band the landscape view shows
        y_range = display.robust_range(fs, pad=0.08) or (-1.0, 1.0)
    image, rect, legend = basin_image(result, y_range=y_range, optimum=optimum)
    return result, image, rect, legend, basin_summary(result, optimum)


class BasinController(QObject):
    """Computes basin maps in a background thread.

    Signals
    -------
    ready(image, rect, legend, summary)
        The RGBA image, its ``(x, y, w, h)``, ``[(label, colour)]`` and a sentence.
    failed(str)
        The map could not be computed (e.g. a method that runs one start at a time).
    busyChanged(bool)
        A computation started or ended.
    """

    ready = Signal(object, object, object, str)
    failed = Signal(str)
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, resolution: int = DEFAULT_RESOLUTION,
                 steps: int = DEFAULT_STEPS):
        super().__init__(parent)
        self.resolution = check_int("resolution", resolution, low=2, high=1024)
        self.steps = check_int("steps", steps, low=1)
        self.result = None
        self._generation = 0
        self._worker: FunctionWorker | None = None
        self._pool = WorkerPool(self)

    @property
    def busy(self) -> bool:
        """True while a map is being computed."""
        return self._worker is not None

    def set_resolution(self, resolution: int) -> None:
        """Starts per axis (2 to 1024; 128 by default)."""
        self.resolution = check_int("resolution", resolution, low=2, high=1024)

    def set_steps(self, steps: int) -> None:
        """Steps each start may take (500 by default)."""
        self.steps = check_int("steps", steps, low=1)

    def compute(self, problem: core.Problem | str, method: str, hyper: dict[str, Any] | None = None,
                *, maximize: bool = False, tol: float = 1e-8) -> bool:
        """Start computing the map; a running computation is abandoned.

        Returns False (and emits ``failed``) when the request is refused at once.
        """
        self.cancel()
        try:
            p = problem if isinstance(problem, core.Problem) else core.get_problem(problem)
            tol = check_real("tol", tol, low=0.0)
            if p.dim not in (1, 2):
                raise ValueError(f"A basin map needs a problem with 1 or 2 coordinates; "
                                 f"{p.title} has {p.dim}.")
            m = core.get_method(method)
            if not m.batched:
                raise ValueError(f"{m.title} runs one start at a time, so a map of "
                                 f"{self.resolution}² starts would take too long: choose a "
                                 f"gradient method for the basin map.")
        except ValueError as exc:
            self.failed.emit(str(exc))
            return False
        from superqt.utils import create_worker  # imported when first needed (start-up time)

        generation = self._generation
        worker = create_worker(_compute, p, method, self.resolution, self.steps, tol,
                               bool(maximize), dict(hyper or {}), _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda out: self._done(out, generation))
        worker.errored.connect(lambda exc: self._error(exc, generation))
        self._worker = worker
        self.busyChanged.emit(True)
        self._pool.start(worker)
        return True

    def cancel(self) -> None:
        """Abandon the running computation: its result will be ignored.

        The batched run itself cannot be interrupted; it finishes in the
        background (a 128² map of 500 gradient steps takes well under a second).
        """
        self._generation += 1
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self.busyChanged.emit(False)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread (call before the window closes)."""
        self.cancel()
        return self._pool.wait(timeout_ms)

    def _done(self, out: tuple, generation: int) -> None:
        if generation != self._generation:
            return
        self._worker = None
        self.busyChanged.emit(False)
        self.result, image, rect, legend, summary = out
        self.ready.emit(image, rect, legend, summary)

    def _error(self, exc: Exception, generation: int) -> None:
        if generation != self._generation:
            return
        self._worker = None
        self.busyChanged.emit(False)
        text = str(exc) if isinstance(exc, ValueError) else \
            f"The basin map failed: {type(exc).__name__}: {exc}"
        self.failed.emit(text)
