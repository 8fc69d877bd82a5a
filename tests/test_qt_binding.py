"""Guards against known defects of the Qt binding itself."""

from __future__ import annotations

import sys

import pyqtgraph as pg
import pytest

pytestmark = pytest.mark.gui


def test_repainting_does_not_leak_references_to_none(qtbot):
    """PySide6 6.12.0 drops a reference to None on each Python ``paint`` call.

    On Python 3.11, where None is an ordinary object, the count reaches zero
    after a few thousand repaints and the interpreter aborts ("deallocating
    None"). pyproject.toml excludes that release; this test fails loudly if a
    future binding does the same.
    """
    plot = pg.PlotWidget()
    plot.plot([1.0, 2.0, 3.0], [3.0, 1.0, 2.0])
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    before = sys.getrefcount(None)
    for _ in range(100):
        plot.repaint()
    lost = before - sys.getrefcount(None)
    assert lost < 50, f"{lost} references to None lost in 100 repaints"
