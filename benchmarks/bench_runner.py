"""Benchmark: the runner's speed (issue 3, Performance).

Goals
-----
* a single unbatched ``gd`` run through ``core.run``: >= 30,000 steps/s;
* Adam on ``himmelblau`` from 65,536 starts × 1,000 steps (one batched run,
  ``keep_path=False``): under 1.5 s, and faster than ``torch.optim.Adam``
  doing the same work on the CPU.

Large batches advance in chunks on ``core.runner.THREADS`` cores (up to the
number of CPUs): a batch this large gives parts of its runs to helper processes
(``core.workers``; the "threads only" row keeps it in one process, whose threads
queue for the interpreter lock); the 1-thread row shows what one core does.
"first call" includes starting the helper (once per session).  The torch rows
appear only when torch is importable (it is never a
dependency).  torch gets the same starts, learning rate and the same analytic
gradient (computed with torch tensors), in float64, and runs every step; the
core row "tol 0" runs every step too, so both do exactly the same work.  The
"tol 1e-8" row is what ``core.run`` does by default: converged starts stop.

Each number is the best of ``--repeats`` runs (wall clock); CPU time is shown
too (of this process only: a helper's is not counted), as other processes on a
shared machine inflate the wall clock::

    python benchmarks/bench_runner.py
    /tmp/torchvenv/bin/python benchmarks/bench_runner.py   # with torch

The script prints a table and a one-line summary; it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import core  # noqa: E402
import core.runner as runner_module  # noqa: E402
from core import workers  # noqa: E402

SINGLE = [("bowl", [1.0, 1.0]), ("parabola", [1.0]), ("rosenbrock", [-1.2, 1.0]),
          ("himmelblau", [0.0, 0.0])]


def best_of(fn, repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeats`` calls of ``fn``."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def torch_adam(torch, starts: np.ndarray, steps: int, lr: float, **options) -> np.ndarray:
    theta = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr, **options)
    for _ in range(steps):
        with torch.no_grad():
            x, y = theta[:, 0], theta[:, 1]
            a, b = x * x + y - 11, x + y * y - 7
            theta.grad = torch.stack((4 * x * a + 2 * b, 2 * a + 4 * y * b), dim=-1)
        opt.step()
    return theta.detach().numpy()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--single-steps", type=int, default=50_000)
    ap.add_argument("--starts", type=int, default=65_536)
    ap.add_argument("--steps", type=int, default=1_000)
    args = ap.parse_args()

    print(f"{os.cpu_count()} CPUs, numpy {np.__version__}, Python {sys.version.split()[0]}")
    print()
    print(f"{'single gd run (core.run)':34s} {'steps/s (wall)':>15s} {'steps/s (CPU)':>15s}")
    rates = {}
    for name, x0 in SINGLE:
        n = args.single_steps
        wall, cpu = best_of(lambda n=n, name=name, x0=x0: core.run(
            name, "gd", x0, steps=n, lr=1e-5, tol=0), args.repeats)
        rates[name] = n / wall
        print(f"  {name:32s} {n / wall:15,.0f} {n / cpu:15,.0f}")

    starts = np.random.default_rng(0).uniform(-5, 5, size=(args.starts, 2))
    lr, steps = 0.01, args.steps
    print()
    print(f"Adam on himmelblau, {args.starts:,} starts × {steps:,} steps, lr {lr}:")
    print(f"  {'':40s} {'wall s':>8s} {'CPU s':>8s}")
    rows = {}
    threads, process_work = runner_module.THREADS, runner_module.PROCESS_WORK
    workers.shutdown()
    for label, tol, n_threads, helpers, repeats in (
            (f"core.run, tol 0, {threads} cores, first call", 0.0, threads, True, 1),
            (f"core.run, tol 0 (every step), {threads} cores", 0.0, threads, True, args.repeats),
            (f"core.run, tol 0, {threads} threads only", 0.0, threads, False, args.repeats),
            ("core.run, tol 0 (every step), 1 thread", 0.0, 1, False, args.repeats),
            (f"core.run, tol 1e-8 (default), {threads} cores", 1e-8, threads, True, args.repeats)):
        runner_module.THREADS = n_threads
        runner_module.PROCESS_WORK = process_work if helpers else float("inf")
        wall, cpu = best_of(lambda tol=tol: core.run(
            "himmelblau", "adam", starts, steps=steps, lr=lr, tol=tol, keep_path=False),
            repeats)
        rows[label] = wall
        print(f"  {label:40s} {wall:8.3f} {cpu:8.3f}")
    runner_module.THREADS, runner_module.PROCESS_WORK = threads, process_work
    core_time = min(rows[k] for k in rows if "tol 0" in k and "first" not in k)
    torch_times = {}
    try:
        import torch
    except ImportError:
        torch = None
        print("  (torch is not installed: no torch rows)")
    if torch is not None:
        mine = core.run("himmelblau", "adam", starts[:64], steps=50, lr=lr, tol=0).x
        theirs = torch_adam(torch, starts[:64], 50, lr)
        agree = np.allclose(mine, theirs, rtol=1e-12, atol=1e-12)
        for label, options in (("torch.optim.Adam (default)", {}),
                               ("torch.optim.Adam (foreach=True)", {"foreach": True}),
                               ("torch.optim.Adam (fused=True)", {"fused": True})):
            try:
                wall, cpu = best_of(lambda options=options: torch_adam(
                    torch, starts, steps, lr, **options), args.repeats)
            except (RuntimeError, TypeError) as exc:  # e.g. no fused CPU kernel in this build
                print(f"  {label:40s} unavailable: {exc}")
                continue
            torch_times[label] = wall
            print(f"  {label:40s} {wall:8.3f} {cpu:8.3f}")
        print(f"  torch {torch.__version__} ({torch.get_num_threads()} threads); "
              f"paths agree with core to 1e-12: {agree}")

    print()
    single_ok = rates["bowl"] >= 30_000
    summary = (f"single gd run {rates['bowl']:,.0f} steps/s on bowl (goal 30,000: "
               f"{'met' if single_ok else 'NOT met'}); Adam {args.starts:,}×{steps:,} "
               f"{core_time:.2f} s (goal 1.5 s: {'met' if core_time < 1.5 else 'NOT met'})")
    if torch_times:
        default = torch_times.get("torch.optim.Adam (default)")
        if default is not None:
            summary += f", torch default {default:.2f} s ({default / core_time:.1f}× core's time)"
        fastest = min(torch_times, key=torch_times.get)
        summary += f", fastest torch {torch_times[fastest]:.2f} s ({fastest[17:].strip(' ()')})"
    print("Summary: " + summary + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
