"""Benchmark: GUI smoothness while 8 methods race (issue 5).

The main window runs 8 methods at once with the contour map, the 3-D surface
and the loss view visible.  Measured, on the GUI thread:

- **frame interval**: time between consecutive paints of the window's views.
  Paints that follow each other within :data:`SAME_FRAME` seconds (one
  backing-store flush painting several views) count as one frame.  Reported
  for the whole window and per view.
- **paint time** of each view (how long its paintEvent / paintGL took).
- **event-loop latency**: a precise ``QTimer`` asks to fire every 5 ms; its
  lateness (actual interval − 5 ms) shows how long the loop was blocked.

Goals: frame interval p95 <= 20 ms, event-loop latency p99 <= 50 ms.

Run under Xvfb with software OpenGL::

    xvfb-run -a -s "-screen 0 1600x1000x24 +extension GLX" \\
        /tmp/devvenv/bin/python benchmarks/bench_gui_frames.py [--seconds 10] [--speed 60]

Paint times are taken by wrapping pyqtgraph's ``GraphicsView.paintEvent``
and ``GLViewMixin.paintGL`` before the window is built (the application's
own code is not changed).  This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ.setdefault("PYOPENGL_PLATFORM", "glx")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton", "bfgs"]
GOAL_FRAME_P95_MS = 20.0
GOAL_LATENCY_P99_MS = 50.0
PROBE_MS = 5
#: Paints starting within this long after the previous paint ended are one frame.
SAME_FRAME = 0.002

paints: list[tuple[str, float, float]] = []  # (view, start, end), perf_counter seconds
updates: list[tuple[str, float, float]] = []  # (method, start, end): the views' data updates

#: Python methods through which the window hands new data to its views.
UPDATE_METHODS = (
    ("gui.views.landscape_view", "LandscapeView", "set_paths"),
    ("gui.views.surface_view", "SurfaceView", "set_paths"),
    ("gui.views.loss_view", "LossView", "set_runs"),
    ("gui.views.data_view", "DataView", "set_runs"),
    ("gui.main_window", "MainWindow", "_update_texts"),
    ("gui.main_window", "MainWindow", "_refresh"),  # all of the above and more
    ("gui.frame_batch", "OneFlushPerFrame", "flush"),  # the scenes take their changes
    ("gui.controller", "RunController", "_on_batches"),  # new steps into the histories
)


#: CPU seconds of the GUI thread spent in each record (same order as the lists).
cpu_of: dict[int, float] = {}


def _timed(original, name_of, sink):
    def wrapper(self, *args, **kwargs):
        if getattr(self, "_bench_timing", False):  # an override calling its base: timed once
            return original(self, *args, **kwargs)
        start, cpu = time.perf_counter(), time.thread_time()
        self._bench_timing = True
        try:
            return original(self, *args, **kwargs)
        finally:
            self._bench_timing = False
            record = (name_of(self), start, time.perf_counter())
            cpu_of[id(record)] = time.thread_time() - cpu
            sink.append(record)
    return wrapper


def _instrument() -> None:
    import importlib

    import pyqtgraph as pg

    pg.GraphicsView.paintEvent = _timed(pg.GraphicsView.paintEvent,
                                        lambda v: v.objectName() or type(v).__name__, paints)
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin

    from gui.views.gl_window import GLViewWindow

    # GLViewMixin for pyqtgraph's GLViewWidget; the app's GLViewWindow has its own
    # (the wrapper skips the inner call when one paint goes through both)
    for cls in (GLViewMixin, GLViewWindow):
        cls.paintGL = _timed(cls.paintGL, lambda v: v.objectName() or "GL", paints)
    for module, cls_name, method in UPDATE_METHODS:
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except (ImportError, AttributeError):
            continue
        label = f"{cls_name}.{method}"
        setattr(cls, method, _timed(getattr(cls, method), lambda _v, lab=label: lab, updates))


def percentiles(values, qs=(50, 95, 99)) -> dict[int, float]:
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {q: float("nan") for q in qs}
    return {q: float(np.percentile(v, q)) for q in qs}


def frames_of(records: list[tuple[str, float, float]]) -> list[float]:
    """Start times of frames (groups of back-to-back paints)."""
    starts: list[float] = []
    last_end = -1.0
    for _, start, end in sorted(records, key=lambda r: r[1]):
        if not starts or start - last_end > SAME_FRAME:
            starts.append(start)
        last_end = max(last_end, end)
    return starts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds ignored at the start")
    parser.add_argument("--speed", type=float, default=60.0,
                        help="steps per second (0 = as fast as possible); the app's default is 60")
    parser.add_argument("--problem", default="two_bumps")
    parser.add_argument("--methods", type=int, default=len(METHODS), choices=range(1, 9),
                        metavar="N", help="race the first N of " + ", ".join(METHODS))
    parser.add_argument("--size", type=int, nargs=2, default=(1400, 860), metavar=("W", "H"))
    parser.add_argument("--switch-interval", type=float, default=None, metavar="S",
                        help="sys.setswitchinterval(S) (Python's default is 0.005 s): a shorter "
                             "interval shows how much the GUI thread waits for the GIL")
    parser.add_argument("--idle", action="store_true",
                        help="do not start the race (baseline latency of this machine)")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="also profile the GUI thread (cProfile) while measuring, into FILE "
                             "(slows it down: the frame figures are then not comparable)")
    parser.add_argument("--dump", metavar="FILE", default=None,
                        help="also save the measured paints, updates and probe ticks (pickle)")
    parser.add_argument("--hide", nargs="*", default=[], choices=["surface", "contour", "loss"],
                        help="hide these panes (to see what each one costs)")
    args = parser.parse_args(argv)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)

    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    from gui.app import tune_qt_environment

    tune_qt_environment()  # as the app does
    QApplication.instance() or QApplication(["bench_gui_frames"])
    _instrument()

    from gui.main_window import MainWindow

    window = MainWindow()
    window.resize(*args.size)
    window.show()

    def pump(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    pump(1.0)  # the 3-D view creates its GL widget once shown
    if window.surface.gl is None and not window.surface.ensure_gl():
        print("OpenGL unavailable:", window.surface.note.text())
        return 2
    from OpenGL import GL

    window.surface.gl.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode()
    window.surface.gl.doneCurrent()

    panes = {"surface": window.surface_pane, "contour": window.landscape_pane,
             "loss": window.analysis}
    for name in args.hide:
        panes[name].hide()
    methods = METHODS[: args.methods]
    window.apply(problem=args.problem, method=methods, steps=10_000_000, tol=0.0)
    window.controller.set_speed(args.speed)
    visible = {name: getattr(window, name).isVisible() for name in ("landscape", "surface", "loss")}
    pump(0.5)

    ticks: list[float] = []
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))

    paints.clear()
    if not args.idle:
        window.controller.play()
    probe.start()
    began = time.perf_counter()
    pump(args.warmup)
    cpu_before, gui_before = time.process_time(), time.thread_time()
    if args.profile:
        import cProfile

        with cProfile.Profile() as profile:
            pump(args.seconds)
        profile.dump_stats(args.profile)
    else:
        pump(args.seconds)
    probe.stop()
    ended = time.perf_counter()
    cpu = time.process_time() - cpu_before
    gui_cpu = time.thread_time() - gui_before
    steps = {r.label: r.trace.last_step for r in window.controller.racers if r.trace is not None}
    window.controller.pause()
    pump(0.2)

    since = began + args.warmup
    records = [r for r in paints if r[1] >= since]
    window_frames = np.diff(frames_of(records)) * 1e3
    t = np.asarray([x for x in ticks if x >= since])
    lateness = np.clip(np.diff(t) * 1e3 - PROBE_MS, 0.0, None)
    measured = ended - since
    if args.dump:
        import pickle

        with open(args.dump, "wb") as out:
            pickle.dump({"since": since, "paints": records, "ticks": t.tolist(),
                         "updates": [u for u in updates if u[1] >= since]}, out)

    print(f"GL_RENDERER: {renderer}")
    print(f"{len(methods)} method(s) racing on {args.problem} at "
          f"{'full speed' if args.speed <= 0 else f'{args.speed:g} steps/s'}, window "
          f"{args.size[0]}×{args.size[1]}, views visible: "
          + ", ".join(k for k, v in visible.items() if v))
    print(f"measured {measured:.1f} s after {args.warmup:.0f} s warm-up; steps reached: "
          f"{min(steps.values(), default=0)}–{max(steps.values(), default=0)}")
    print(f"GUI thread used {100 * gui_cpu / measured:.0f}% of one CPU; the whole process "
          f"{100 * cpu / measured:.0f}% ({os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}: other processes compete when it exceeds "
          f"{os.cpu_count()})")
    print()
    wf = percentiles(window_frames)
    print(f"window frame interval: {len(window_frames) + 1} frames "
          f"({(len(window_frames) + 1) / measured:.1f}/s), "
          f"p50 {wf[50]:.1f} ms, p95 {wf[95]:.1f} ms, max {np.max(window_frames, initial=0):.1f} ms")
    by_view = collections.defaultdict(list)
    for record in records:
        name, start, end = record
        by_view[name].append((start, end, cpu_of.get(id(record), np.nan)))
    print("wall = elapsed time, cpu = the GUI thread's own CPU time (what an idle machine would need;")
    print("software GL rasterises partly in its own threads, so GL paints need more than their cpu)")
    print(f"{'view':<16} {'paints/s':>8} {'interval p50':>12} {'p95':>7} "
          f"{'paint wall p50':>14} {'p95':>7} {'cpu p50':>8} {'p95':>7}  (ms)")
    busy = 0.0
    for name, spans in sorted(by_view.items()):
        starts = np.array([s for s, _, _ in spans])
        durations = np.array([(e - s) * 1e3 for s, e, _ in spans])
        cpus = np.array([c * 1e3 for _, _, c in spans])
        busy += durations.sum() / 1e3
        iv = percentiles(np.diff(starts) * 1e3)
        du, cu = percentiles(durations), percentiles(cpus)
        print(f"{name:<16} {len(spans) / measured:8.1f} {iv[50]:12.1f} {iv[95]:7.1f} "
              f"{du[50]:14.1f} {du[95]:7.1f} {cu[50]:8.1f} {cu[95]:7.1f}")
    print(f"GUI thread painting {100 * busy / measured:.0f}% of the time")
    print(f"{'data update':<28} {'calls/s':>7} {'wall p50':>8} {'p95':>7} {'cpu p50':>8} "
          f"{'p95':>7}  (ms)")
    work = 0.0
    by_method = collections.defaultdict(list)
    for record in updates:
        if record[1] >= since:
            by_method[record[0]].append(((record[2] - record[1]) * 1e3,
                                         cpu_of.get(id(record), np.nan) * 1e3))
    for name, rows in sorted(by_method.items()):
        d = np.array([w for w, _ in rows])
        c = np.array([u for _, u in rows])
        if name in ("MainWindow._refresh", "RunController._on_batches"):  # the outer ones
            work += d.sum() / 1e3
        q, qc = percentiles(d), percentiles(c)
        print(f"{name:<28} {len(d) / measured:7.1f} {q[50]:8.1f} {q[95]:7.1f} {qc[50]:8.1f} "
              f"{qc[95]:7.1f}")
    print(f"GUI thread updating view data {100 * work / measured:.0f}% of the time "
          "(MainWindow._refresh includes the rows between)")
    la = percentiles(lateness)
    print(f"event-loop latency ({PROBE_MS} ms timer): p50 {la[50]:.1f} ms, p99 {la[99]:.1f} ms, "
          f"max {lateness.max(initial=0):.1f} ms")
    print()
    ok_frames = wf[95] <= GOAL_FRAME_P95_MS
    ok_latency = la[99] <= GOAL_LATENCY_P99_MS
    print(f"frame interval p95 {wf[95]:.1f} ms vs goal <= {GOAL_FRAME_P95_MS:.0f} ms: "
          f"{'meets' if ok_frames else f'misses by {wf[95] - GOAL_FRAME_P95_MS:.1f} ms'}")
    print(f"event-loop latency p99 {la[99]:.1f} ms vs goal <= {GOAL_LATENCY_P99_MS:.0f} ms: "
          f"{'meets' if ok_latency else f'misses by {la[99] - GOAL_LATENCY_P99_MS:.1f} ms'}")
    window.controller.shutdown()
    window.close()
    pump(0.2)
    return 0


if __name__ == "__main__":
    from gui.app import exit_now
    from gui.threads import wait_all

    code = main()
    wait_all(5000)
    exit_now(code)  # as the app ends: Python's own shutdown would tear Qt down piecemeal
