"""Every export is written and read back."""

from __future__ import annotations

import csv
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gui import export
from gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.surface.gl is not None)
    win.apply(problem="himmelblau", method=["gd", "adam"], lr=0.01, start=[-1.0, -1.0], steps=60)
    yield win
    win.controller.shutdown()


def run_to_end(qtbot, win):
    win.controller.set_speed(0)
    win.controller.play()
    qtbot.waitUntil(lambda: win.controller.state == "finished", timeout=10000)


@pytest.mark.parametrize("target", ["window", "contour", "surface", "tab"])
def test_png_of_every_view(qtbot, window, tmp_path, target):
    run_to_end(qtbot, window)
    out = window.export("png", target, str(tmp_path / f"{target}.png"))
    image = QImage(out)
    assert not image.isNull() and image.width() > 200
    colours = {image.pixel(x, y) for x in range(0, image.width(), 9)
               for y in range(0, image.height(), 9)}
    assert len(colours) > 20


@pytest.mark.parametrize("target", ["contour", "loss", "data"])
def test_svg_of_2d_plots(qtbot, window, tmp_path, target):
    run_to_end(qtbot, window)
    out = window.export("svg", target, str(tmp_path / f"{target}.svg"))
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20


def test_csv_of_every_path(qtbot, window, tmp_path):
    run_to_end(qtbot, window)
    out = window.export("csv", "paths", str(tmp_path / "paths.csv"))
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"step", "method", "label", "x", "y", "loss", "gradient_norm",
                            "evaluations"}
    for racer in window.controller.racers:
        mine = [r for r in rows if r["method"] == racer.method]
        last = racer.trace.last_step
        assert last > 10
        assert [int(r["step"]) for r in mine] == list(range(last + 1))
        assert float(mine[0]["x"]) == -1.0 and float(mine[0]["y"]) == -1.0
        assert int(mine[-1]["evaluations"]) == last + 1
    trace = window.controller.racers[1].trace
    assert float(rows[-1]["loss"]) == pytest.approx(trace.last["f"])


def test_animated_gif_of_a_run(qtbot, window, tmp_path):
    from PIL import Image

    calls = []
    out = window.export("gif", "window", str(tmp_path / "run.gif"), frames=8,
                        progress=lambda done, total: calls.append((done, total)) or True)
    with Image.open(out) as gif:
        assert gif.n_frames == 8
        first = np.asarray(gif.convert("RGB"))
        gif.seek(7)
        last = np.asarray(gif.convert("RGB"))
    assert (first != last).any()  # the balls moved
    assert calls[-1] == (7, 8)
    assert window.controller.state == "finished"  # the recording played the whole run


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by scripts/test.sh")
def test_mp4_of_a_run(qtbot, window, tmp_path):
    out = window.export("mp4", "window", str(tmp_path / "run.mp4"), frames=6)
    with open(out, "rb") as handle:
        data = handle.read()
    assert data[4:8] == b"ftyp" and len(data) > 2000


def test_cancelled_recording_writes_nothing(qtbot, window, tmp_path):
    with pytest.raises(ValueError, match="cancelled"):
        window.export("gif", "window", str(tmp_path / "x.gif"), frames=10,
                      progress=lambda done, total: done < 3)
    assert list(tmp_path.iterdir()) == []


def test_mp4_without_ffmpeg_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("OPTISCOPE_FFMPEG", str(tmp_path / "missing-ffmpeg"))
    with pytest.raises(export.ExportError, match="ffmpeg"):
        export.Recorder(tmp_path / "x.mp4")
