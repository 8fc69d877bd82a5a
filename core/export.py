"""Exporting runs as data: one CSV row per recorded step of every path.

Examples
--------
>>> import core, io
>>> t = core.Trace(2)
>>> for b in core.iterate("bowl", "gd", [1.0, 1.0], steps=2, lr=0.25, tol=0):
...     t.extend(b)
>>> header, rows = core.export.path_table([("GD", "gd", t)], coords=("x", "y"))
>>> header
['step', 'method', 'label', 'x', 'y', 'loss', 'gradient_norm', 'evaluations']
>>> rows[1][:6]
[1, 'gd', 'GD', 0.5, 0.5, 0.5]
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .trace import Trace


def path_table(runs: Sequence[tuple[str, str, Trace]], coords: Sequence[str]
               ) -> tuple[list[str], list[list]]:
    """Header and rows for ``(label, method, trace)`` runs (decimated as the traces are)."""
    header = ["step", "method", "label", *coords, "loss", "gradient_norm", "evaluations"]
    rows: list[list] = []
    for label, method, trace in runs:
        x = trace.x
        f, gn, ev = trace.column("f"), trace.column("grad_norm"), trace.column("nfev")
        for i, step in enumerate(trace.steps):
            rows.append([int(step), method, label, *(float(v) for v in x[i]), float(f[i]),
                         float(gn[i]), int(ev[i]) if ev[i] == ev[i] else ""])
    return header, rows


def write_paths_csv(path: str | os.PathLike, runs: Sequence[tuple[str, str, Trace]],
                    coords: Sequence[str]) -> Path:
    """Write :func:`path_table` to ``path`` atomically (a temporary file, then a rename)."""
    header, rows = path_table(runs, coords)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".optiscope-", suffix=".csv", dir=target.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
