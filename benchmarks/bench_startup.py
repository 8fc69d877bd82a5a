"""Start-up time: Optiscope's main window against a bare PySide6 window (issue 9).

Goal: from process start to the first shown main window <= 1.0 s (median) on a
2-core machine.

Each run starts a fresh process and waits for its first shown window:

* ``python -m gui.app --quit-after-show``: the app shows its main window and, at
  its first expose, prints ``optiscope: first window after 1.234 s`` (seconds
  since the process started, read from /proc) and exits;
* a bare ``QMainWindow`` of the same size, shown by a tiny inline script that
  measures the same moment (first expose) the same way and prints it.

Both also report the CPU time they used until then (a figure a busy machine
inflates less) and are timed from the outside (from just before the process is
started until that line arrives). The runs alternate between the two so a change in the
machine's load affects both alike; one warm-up run of each comes first (page
cache, font cache, ``__pycache__``). The table shows medians over ``--runs``.
When the app misses the goal, or with ``--profile``, the script also runs
``python -X importtime -m gui.app --quit-after-show`` and lists the imports
that cost the most::

    python benchmarks/bench_startup.py             # 7 runs each
    python benchmarks/bench_startup.py --runs 3 --profile

Needs a display; without one it re-runs itself under ``xvfb-run``. It is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL = 1.0
LINE = re.compile(r"first window after ([0-9.]+) s(?: \(([0-9.]+) s of CPU time\))?")
XVFB_SERVER_ARGS = "-screen 0 1600x1000x24 +extension GLX +render -noreset"

#: The bare window: the same size as the app's, the same moment (first expose of its
#: native window), the same clock (seconds since the process started, from /proc).
BARE_SCRIPT = r"""
import os, sys, time

def process_age():
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - T0

T0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1400, 860)
shown = {}

class Watcher(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Expose and "t" not in shown
                and obj is window.windowHandle() and obj.isExposed()):
            shown["t"], shown["cpu"] = process_age(), time.process_time()
            QTimer.singleShot(0, app.quit)
        return False

watcher = Watcher()
app.installEventFilter(watcher)
window.show()
QTimer.singleShot(60_000, app.quit)
app.exec()
print(f"bare: first window after {shown['t']:.3f} s ({shown['cpu']:.3f} s of CPU time)"
      if "t" in shown else "never shown", flush=True)
"""


def time_once(cmd: list[str], cwd: Path = REPO,
              timeout: float = 120.0) -> tuple[float, float, float]:
    """(outside wall-clock seconds, the process's own seconds, its CPU seconds; NaN if
    not reported) to the first window."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        for line in proc.stdout:
            match = LINE.search(line)
            if match:
                outside = time.perf_counter() - started
                proc.communicate(timeout=timeout)
                cpu = float(match.group(2)) if match.group(2) else math.nan
                return outside, float(match.group(1)), cpu
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{cmd} did not show its window within {timeout:.0f} s") from None
    raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode} without showing its window:\n"
                       f"{err[-2000:]}")


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, dict[str, float]]:
    """Alternating runs of every command after one warm-up each; medians, min and max."""
    for cmd in commands.values():
        time_once(cmd)
    samples: dict[str, list[tuple[float, float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, cmd in commands.items():
            samples[label].append(time_once(cmd))
    out = {}
    for label, rows in samples.items():
        outside, inside, cpu = zip(*rows, strict=True)
        out[label] = {"median": statistics.median(inside), "min": min(inside),
                      "max": max(inside), "outside": statistics.median(outside),
                      "cpu": statistics.median(cpu)}
    return out


def import_profile(python: str, top: int = 15) -> str:
    """The costliest imports of ``python -X importtime -m gui.app --quit-after-show``."""
    proc = subprocess.run([python, "-X", "importtime", "-m", "gui.app", "--quit-after-show"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    rows = []  # (self µs, cumulative µs, depth, name)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(self_us), int(cumulative_us), depth, name.strip()))
    by_package: dict[str, int] = defaultdict(int)
    for self_us, _, _, name in rows:
        by_package[name.split(".")[0]] += self_us
    total = sum(by_package.values())
    lines = [f"Import time by top-level package (self time summed; total {total / 1e6:.2f} s):"]
    for name, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {us / 1e6:6.3f} s  {100 * us / total:4.1f} %  {name}")
    # Who pulls the heavy packages in: the outermost import of each (cumulative time).
    lines.append("Costliest imports as first imported (cumulative; indented = imported by the line above):")
    heavy = sorted(rows, key=lambda r: -r[1])
    shown = 0
    for _self_us, cumulative_us, depth, name in heavy:
        if depth > 2 or cumulative_us < 20_000:
            continue
        lines.append(f"  {cumulative_us / 1e6:6.3f} s  {'  ' * depth}{name}")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def rerun_without_display(parser: argparse.ArgumentParser, argv: list[str] | None,
                          script: str) -> int | None:
    """Without a display, run ``script`` again under ``xvfb-run`` and return its exit
    code; with one, return None (go on)."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        parser.error("no display: set DISPLAY or install xvfb-run (apt-get install xvfb xauth)")
    return subprocess.call([xvfb_run, "-a", "-s", XVFB_SERVER_ARGS, sys.executable,
                            str(Path(script).resolve()), *(argv or sys.argv[1:])])


def load_average() -> str:
    """"load average 1.00 0.50 0.25", or "" where the system cannot say."""
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter to run both with (default: this one)")
    parser.add_argument("--profile", action="store_true",
                        help="always list the costliest imports (default: only over the goal)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs={args.runs} is not allowed: it must be at least 1")

    code = rerun_without_display(parser, argv, __file__)
    if code is not None:
        return code
    load = load_average()
    print(f"{os.cpu_count()} CPUs{', ' + load if load else ''}; {args.runs} runs each "
          f"after one warm-up", flush=True)
    commands = {"Optiscope main window": [args.python, "-m", "gui.app", "--quit-after-show"],
                "bare PySide6 QMainWindow": [args.python, "-c", BARE_SCRIPT]}
    results = measure(commands, args.runs)
    app, bare = results["Optiscope main window"], results["bare PySide6 QMainWindow"]

    print()
    print("| window                   | median | min    | max    | outside median | CPU median |")
    print("|--------------------------|--------|--------|--------|----------------|------------|")
    for label, r in results.items():
        print(f"| {label:<24} | {r['median']:.2f} s | {r['min']:.2f} s | {r['max']:.2f} s "
              f"| {r['outside']:.2f} s         | {r['cpu']:.2f} s     |")
    print()
    verdict = "met" if app["median"] <= GOAL else "NOT met"
    print(f"Start-up: main window {app['median']:.2f} s median from process start (goal <= "
          f"{GOAL:.1f} s: {verdict}); a bare PySide6 window {bare['median']:.2f} s; Optiscope "
          f"adds {app['median'] - bare['median']:.2f} s.", flush=True)
    if args.profile or app["median"] > GOAL:
        print()
        print(import_profile(args.python))
    return 0


if __name__ == "__main__":
    sys.exit(main())
