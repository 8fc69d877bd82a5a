"""Time to Optiscope's first window: the frozen build and ``python -m gui.app``.

Each run starts a fresh process with the hidden option ``--quit-after-show``:
the app shows its main window and, at the first expose (window on screen and
painted), prints ``optiscope: first window after 1.234 s (0.987 s of CPU
time)`` (measured from the process's own start time in /proc) and exits. The
CPU time says what a busy machine (other processes wanting the same cores)
makes hard to see in the wall-clock time. This script also times the run
from the outside: from just before it starts the process until that line
arrives. It reports the median of several runs after one warm-up run (so
the files are in the page cache, as on the second launch of the day).

Needs a display; without one it re-runs itself under ``xvfb-run``::

    python benchmarks/bench_startup_frozen.py                  # both, 7 runs each
    python benchmarks/bench_startup_frozen.py --runs 5 --no-unfrozen
    python benchmarks/bench_startup_frozen.py --frozen dist/optiscope/optiscope

Kept apart from benchmarks/bench_startup.py (unfrozen app against a bare
PySide6 window), which another issue adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import REPO, load_average, rerun_without_display, time_once  # noqa: E402


def measure(label: str, cmd: list[str], cwd: Path, runs: int) -> dict[str, float]:
    """Median, min and max over ``runs`` runs after one warm-up run; prints a line."""
    time_once(cmd, cwd)  # warm-up: page cache, font cache, __pycache__
    outside, inside, cpu = zip(*(time_once(cmd, cwd) for _ in range(runs)), strict=True)
    result = {"median": statistics.median(outside), "min": min(outside), "max": max(outside),
              "self_reported_median": statistics.median(inside),
              "cpu_median": statistics.median(cpu)}
    print(f"{label:<9} time to first window: median {result['median']:.2f} s "
          f"(min {result['min']:.2f}, max {result['max']:.2f}; "
          f"self-reported median {result['self_reported_median']:.2f} s; "
          f"CPU time median {result['cpu_median']:.2f} s; {runs} runs)", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--frozen", type=Path, default=REPO / "dist" / "optiscope" / "optiscope",
                        help="the frozen executable (default dist/optiscope/optiscope)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the unfrozen app (default: this one)")
    parser.add_argument("--no-frozen", action="store_true", help="skip the frozen build")
    parser.add_argument("--no-unfrozen", action="store_true", help="skip python -m gui.app")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs={args.runs} is not allowed: it must be at least 1")

    code = rerun_without_display(parser, argv, __file__)
    if code is not None:
        return code
    load = load_average()
    print(f"{os.cpu_count()} CPUs{f' ({load})' if load else ''}", flush=True)
    if not args.no_frozen:
        exe = args.frozen.resolve()
        if not os.access(exe, os.X_OK):
            parser.error(f"no frozen build at {exe}: run `bash packaging/build.sh` first")
        measure("frozen", [str(exe), "--quit-after-show"], exe.parent, args.runs)
    if not args.no_unfrozen:
        measure("unfrozen", [args.python, "-m", "gui.app", "--quit-after-show"], REPO, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
