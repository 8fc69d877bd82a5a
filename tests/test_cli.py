"""The command line: headless screenshots and clear errors for bad options."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6.QtGui import QImage

pytestmark = pytest.mark.gui


def optiscope(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "gui.app", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(autouse=True)
def _app(qapp):
    """QImage needs the application object to load PNG files."""
    return qapp


def pixels(path) -> np.ndarray:
    image = QImage(str(path))
    assert not image.isNull(), path
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    return ndarray_from_qimage(rgba)[..., :3].copy()


def test_screenshot_of_the_readme_configuration(tmp_path):
    out = tmp_path / "out.png"
    proc = optiscope("--problem", "two_bumps", "--method", "gd", "--lr", "0.1", "--start",
                     "-0.5", "0.5", "--steps", "200", "--screenshot", str(out))
    assert proc.returncode == 0, proc.stderr
    img = pixels(out)
    assert img.shape[0] >= 600 and img.shape[1] >= 1000
    # A drawn window: many distinct colours (the contour map), not a blank grab.
    colours = np.unique(img.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 200
    # The banner reports convergence near the top, in brown (#8c510a): from
    # (-0.5, 0.5) descent settles in the shallower hollow, only a local minimum.
    top = img[: img.shape[0] // 6].reshape(-1, 3).astype(int)
    brown = (np.abs(top - [0x8C, 0x51, 0x0A]).sum(axis=1) < 30).mean()
    assert brown > 0.01


def test_screenshot_of_a_diverging_run(tmp_path):
    out = tmp_path / "diverged.png"
    proc = optiscope("--problem", "parabola", "--method", "gd", "--lr", "1.02", "--start", "1",
                     "--steps", "500", "--screenshot", str(out))
    assert proc.returncode == 0, proc.stderr
    top = pixels(out)[:150].reshape(-1, 3).astype(int)
    red = (np.abs(top - [0xB2, 0x18, 0x2B]).sum(axis=1) < 30).mean()
    assert red > 0.01  # the red divergence banner


@pytest.mark.parametrize(("args", "expected"), [
    (["--lr", "-1"], "lr=-1.0 is not allowed"),
    (["--lr", "nan"], "lr=nan is not allowed"),
    (["--problem", "nope"], "invalid choice: 'nope'"),
    (["--start", "1", "2", "3"], "start"),
    (["--steps", "0"], "steps=0 is not allowed"),
])
def test_bad_options_exit_with_a_one_line_error(tmp_path, args, expected):
    proc = optiscope(*args, "--screenshot", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()
