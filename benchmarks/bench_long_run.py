"""Benchmark: a 1,000,000-step run streamed into a Trace (issue 9, long runs).

Goal: the whole run adds at most 100 MB of memory, and the Trace still holds
the whole run's shape (first and last step, a uniform stride in between).
The run goes through ``core.iterate`` in batches, as the app's worker does,
and every batch is appended to a :class:`core.Trace`; nothing else is kept.

Memory is the growth of the process's resident set (sampled after every
batch) over what it was before the run; ``--tracemalloc`` also reports the
peak of Python-tracked allocations (slower)::

    python benchmarks/bench_long_run.py
    python benchmarks/bench_long_run.py --steps 200000 --tracemalloc

Prints a table and a one-line summary; a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import core  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Resident set size of this process in bytes."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def stream(steps: int, batch_size: int, capacity: int) -> tuple[core.Trace, float, int, int]:
    trace = core.Trace(dim=2, capacity=capacity)
    before = peak = rss()
    started = time.perf_counter()
    batches = 0
    for batch in core.iterate("rosenbrock", "gd", [-1.2, 1.0], steps=steps, lr=1e-4, tol=0,
                              batch_size=batch_size):
        trace.extend(batch)
        batches += 1
        peak = max(peak, rss())
    return trace, time.perf_counter() - started, peak - before, batches


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--batch-size", type=int, default=1_000)
    ap.add_argument("--capacity", type=int, default=20_000)
    ap.add_argument("--tracemalloc", action="store_true")
    args = ap.parse_args()
    # warm up imports and caches so they do not count as the run's memory
    stream(2_000, args.batch_size, args.capacity)

    trace, seconds, added, batches = stream(args.steps, args.batch_size, args.capacity)
    steps = trace.steps
    stride = np.diff(steps[:-1])
    whole = steps[0] == 0 and steps[-1] == args.steps and np.all(stride == trace.stride)
    print(f"gd on rosenbrock, {args.steps:,} steps in {batches:,} batches of {args.batch_size:,}")
    print(f"  {'time':28s} {seconds:10.2f} s ({args.steps / seconds:,.0f} steps/s)")
    print(f"  {'added resident memory':28s} {added / 2**20:10.1f} MB")
    print(f"  {'trace rows kept':28s} {trace.n:10,d} of capacity {trace.capacity:,} "
          f"({trace.nbytes / 2**20:.2f} MB)")
    print(f"  {'trace stride':28s} {trace.stride:10,d} steps; first {steps[0]}, last {steps[-1]:,}; "
          f"uniform: {bool(np.all(stride == trace.stride))}")
    if args.tracemalloc:
        tracemalloc.start()
        stream(args.steps, args.batch_size, args.capacity)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {'peak traced allocations':28s} {peak / 2**20:10.1f} MB")
    ok = added <= 100 * 2**20 and whole
    print(f"Summary: {args.steps:,} steps in {seconds:.1f} s, {added / 2**20:.1f} MB added "
          f"(goal 100 MB), trace spans the whole run: {bool(whole)} -> "
          f"{'met' if ok else 'NOT met'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
