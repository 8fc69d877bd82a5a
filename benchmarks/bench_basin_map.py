"""Benchmark: a 128 × 128 basin-of-attraction map with 500 GD steps (issue 5).

Goal: ``core.basin_map(problem, "gd", resolution=128, steps=500)`` in at most
2 s.  The map runs all 16,384 starts in one batched run; runs that converge
leave the batch, so the worst case is ``tol=0`` (every start takes all 500
steps), which is timed too.  Each number is the best of ``--repeats`` runs::

    python benchmarks/bench_basin_map.py

Prints a table and a one-line summary; a measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core  # noqa: E402

CASES = [  # problem, learning rate, tolerance
    ("himmelblau", 0.01, 1e-8),
    ("two_bumps", 0.5, 1e-8),
    ("rosenbrock", 1e-3, 1e-8),
    ("himmelblau", 0.01, 0.0),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resolution", type=int, default=128)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    res, steps = args.resolution, args.steps
    print(f"basin_map with gd, {res}×{res} starts, {steps} steps (best of {args.repeats})")
    print(f"  {'problem':12s} {'lr':>7s} {'tol':>6s} {'wall s':>8s} {'CPU s':>8s} "
          f"{'basins':>7s} {'converged':>10s}")
    worst = 0.0
    for name, lr, tol in CASES:
        wall = cpu = float("inf")
        for _ in range(args.repeats):
            w, c = time.perf_counter(), time.process_time()
            m = core.basin_map(name, "gd", resolution=res, steps=steps, tol=tol, lr=lr)
            wall = min(wall, time.perf_counter() - w)
            cpu = min(cpu, time.process_time() - c)
        worst = max(worst, wall)
        basins, conv = ((f"{m.n_basins:7d}", f"{m.fraction_converged:10.1%}") if tol > 0 else
                        (f"{'-':>7s}", f"{'(timing)':>10s}"))  # tol 0: nothing counts as converged
        print(f"  {name:12s} {lr:7g} {tol:6g} {wall:8.3f} {cpu:8.3f} {basins} {conv}")
    print(f"Summary: slowest {res}×{res} map with {steps} GD steps took {worst:.2f} s "
          f"(goal 2 s: {'met' if worst <= 2.0 else 'NOT met'}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
