"""Exports: PNG of any view or the window, SVG of 2-D plots, GIF/MP4 of a run
(frames from the app's own rendering), CSV of every path.

GIF frames are written with Pillow; MP4 frames are piped to an ``ffmpeg``
program (the one named by the OPTISCOPE_FFMPEG environment variable, or the
one on PATH) — no video library is bundled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

import core

#: Longest side of a video frame, in pixels (keeps files and time reasonable).
MAX_FRAME_SIDE = 1280


class ExportError(ValueError):
    """An export could not be written; the message says why and what to do."""


def grab(widget: QWidget) -> QImage:
    """The widget as the app drew it, 3-D views included.

    A 3-D view is a native OpenGL window inside the main window (see
    ``views.gl_window``), which ``QWidget.grab()`` leaves out: each visible one
    (a widget's ``gl`` with its ``gl_container``) is painted in its place.
    """
    gl = getattr(widget, "gl", None)
    if gl is not None and gl.isVisible():
        picture = gl.grabFramebuffer()
        if not picture.isNull():
            return picture
    image = widget.grab().toImage()
    painter = None
    for holder in widget.findChildren(QWidget):
        view, container = getattr(holder, "gl", None), getattr(holder, "gl_container", None)
        if view is None or container is None or not container.isVisible():
            continue
        picture = view.grabFramebuffer()
        if picture.isNull():
            continue
        if painter is None:
            painter = QPainter(image)
        painter.drawImage(QRect(container.mapTo(widget, QPoint(0, 0)), container.size()), picture)
    if painter is not None:
        painter.end()
    return image


def export_png(widget: QWidget, path: str | os.PathLike) -> Path:
    """A PNG of ``widget`` (a view, or the whole window)."""
    target = Path(path)
    if not grab(widget).save(str(target), "PNG"):
        raise ExportError(f"Could not write {target}: check the folder exists and is writable.")
    return target


def export_svg(plot: QWidget, path: str | os.PathLike) -> Path:
    """An SVG of a 2-D plot (contour map, loss curve, data view...).

    Drawn with Qt's own SVG generator: pyqtgraph's SVG exporter fails on some
    paths (pyqtgraph issue #2661), and this one draws exactly what is on screen.
    """
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    target = Path(path)
    generator = QSvgGenerator()
    generator.setFileName(str(target))
    size = QSize(max(plot.width(), 1), max(plot.height(), 1))
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle("Optiscope")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError(f"Could not write {target}: check the folder exists and is writable.")
    try:
        plot.render(painter)
    finally:
        painter.end()
    if not target.exists() or target.stat().st_size == 0:
        raise ExportError(f"Could not write {target}.")
    return target


def export_csv(controller, path: str | os.PathLike) -> Path:
    """Every racer's path: step, method, coordinates, loss, gradient norm, evaluations."""
    runs = [(r.label, r.method, r.trace) for r in controller.racers if r.trace is not None]
    try:
        return core.export.write_paths_csv(path, runs, controller.problem.coords)
    except OSError as exc:
        raise ExportError(f"Could not write {path}: {exc}") from exc


def image_to_array(image: QImage) -> np.ndarray:
    """RGB uint8 array ``(h, w, 3)`` of a QImage, sized for video."""
    if max(image.width(), image.height()) > MAX_FRAME_SIDE:
        image = image.scaled(MAX_FRAME_SIDE, MAX_FRAME_SIDE,
                             pg.QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                             pg.QtCore.Qt.TransformationMode.SmoothTransformation)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = rgb.width() - rgb.width() % 2, rgb.height() - rgb.height() % 2  # even, for H.264
    arr = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.sizeInBytes())
    arr = arr.reshape(rgb.height(), rgb.bytesPerLine())[:, : rgb.width() * 3]
    return arr.reshape(rgb.height(), rgb.width(), 3)[:h, :w].copy()


def ffmpeg_program() -> str | None:
    """The ffmpeg executable to use, or None."""
    named = os.environ.get("OPTISCOPE_FFMPEG")
    if named:
        return named if Path(named).exists() else None
    return shutil.which("ffmpeg")


class Recorder:
    """Collects frames and writes a GIF or an MP4."""

    def __init__(self, path: str | os.PathLike, fps: int = 15):
        self.path = Path(path)
        self.fps = int(fps)
        self.kind = self.path.suffix.lower().lstrip(".")
        if self.kind not in ("gif", "mp4"):
            raise ExportError(f"{self.path.name}: animations are saved as .gif or .mp4.")
        if self.kind == "mp4" and ffmpeg_program() is None:
            raise ExportError("MP4 export needs the ffmpeg program, which was not found. "
                              "Install it (e.g. 'sudo apt install ffmpeg') or save a .gif.")
        self.frames: list[np.ndarray] = []

    def add(self, image: QImage) -> None:
        """Add one frame."""
        frame = image_to_array(image)
        if self.frames and frame.shape != self.frames[0].shape:
            frame = _fit(frame, self.frames[0].shape)
        self.frames.append(frame)

    def finish(self) -> Path:
        """Write the file (a temporary file first, renamed when complete)."""
        if not self.frames:
            raise ExportError("No frames were recorded.")
        tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        try:
            if self.kind == "gif":
                self._write_gif(tmp)
            else:
                self._write_mp4(tmp)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return self.path

    def _write_gif(self, target: Path) -> None:
        from PIL import Image

        images = [Image.fromarray(f) for f in self.frames]
        images[0].save(target, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 / self.fps), loop=0, optimize=False)

    def _write_mp4(self, target: Path) -> None:
        h, w, _ = self.frames[0].shape
        cmd = [ffmpeg_program(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{w}x{h}", "-r", str(self.fps), "-i", "-", "-an", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-f", "mp4", str(target)]
        proc = subprocess.run(cmd, input=b"".join(f.tobytes() for f in self.frames),
                              capture_output=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise ExportError(f"ffmpeg could not write the video: "
                              f"{proc.stderr.decode(errors='replace').strip()[:300]}")


def _fit(frame: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=np.uint8)
    h, w = min(shape[0], frame.shape[0]), min(shape[1], frame.shape[1])
    out[:h, :w] = frame[:h, :w]
    return out


def record_run(window, path: str | os.PathLike, *, frames: int = 60, fps: int = 15,
               progress: Callable[[int, int], bool] | None = None) -> Path:
    """Replay the current set-up from its start and record the window as it draws.

    Each frame advances every racer by an equal share of the run (the GUI
    thread takes one small batch per frame, as the Step button does).
    ``progress(done, total)`` may return False to cancel (nothing is written).
    """
    from PySide6.QtWidgets import QApplication

    recorder = Recorder(path, fps)
    controller = window.controller
    controller.reset()
    steps = controller.settings.steps
    per_frame = max(1, -(-steps // max(frames - 1, 1)))
    window._refresh()
    QApplication.processEvents()
    recorder.add(grab(window))
    for i in range(1, frames):
        if controller.state == "finished":
            break
        controller.advance_all(per_frame)
        window._refresh()
        QApplication.processEvents()
        recorder.add(grab(window))
        if progress is not None and progress(i, frames) is False:
            raise ExportError("Recording cancelled: nothing was written.")
    return recorder.finish()
