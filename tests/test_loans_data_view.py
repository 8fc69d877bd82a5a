"""The loans lessons and the data view: every text names the colours as drawn,
and the axes are ticked in the data's original units, not standardised values."""

from __future__ import annotations

import numpy as np
import pytest

import core
from gui.views.data_view import CLASS_COLOURS, NAMED_COLOURS, DataView

pytestmark = pytest.mark.gui

RED, BLUE = NAMED_COLOURS["red"], NAMED_COLOURS["blue"]


@pytest.fixture
def view(qtbot):
    v = DataView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def _loans_problem() -> core.Problem:
    return core.load_scenario("loans_and_carrots").build_problem()


def _drawn_colour(view: DataView, cls: int) -> str:
    return view.points[cls].opts["brush"].color().name().upper()


def _ticks(view: DataView, side: str) -> list[tuple[float, str]]:
    """(position in plot coordinates, text) of every labelled tick on ``side``."""
    axis = view.plot.getPlotItem().getAxis(side)
    length = axis.width() if side in ("top", "bottom") else axis.height()
    out = []
    for spacing, values in axis.tickValues(*axis.range, length)[:2]:
        out += zip(values, axis.tickStrings(values, 1.0, spacing), strict=True)
    lo, hi = sorted(axis.range)
    return [(v, s) for v, s in out if lo <= v <= hi]


def _title(view: DataView) -> str:
    return view.plot.getPlotItem().titleLabel.text


def test_every_text_names_the_colour_each_loan_class_is_drawn_in(view):
    p = _loans_problem()
    view.set_problem(p)
    ds = p.dataset
    colours = [_drawn_colour(view, c) for c in (0, 1)]
    assert sorted(colours) == sorted([RED, BLUE])
    red = ds.class_names[colours.index(RED)]
    blue = ds.class_names[colours.index(BLUE)]
    assert (red, blue) == ("defaulted", "repaid")  # class 0 takes CLASS_COLOURS[0]
    assert CLASS_COLOURS[0] == RED
    # the plot's title
    assert f"red = {red}" in _title(view) and f"blue = {blue}" in _title(view)
    # the data set's description (shown under the plot)
    assert f"{red} (red)" in ds.description and f"{blue} (blue)" in ds.description
    assert f"{blue} (red)" not in ds.description
    assert ds.description in view.summary.text()
    # the lesson
    text = " ".join(core.load_scenario("loans_and_carrots").paragraphs)
    assert f"red if it {red}" in text and f"blue if it was {blue}" in text
    assert f"red if it was {blue}" not in text
    ascent = " ".join(core.load_scenario("loans_ascent").paragraphs)
    assert "red" not in ascent.split() and "blue" not in ascent.split()


def test_the_loans_axes_are_ticked_in_credit_score_and_carrot_units(view):
    p = _loans_problem()
    view.set_problem(p)
    ds = p.dataset
    assert view.plot.getPlotItem().getAxis("bottom").labelText == "credit score"
    assert view.plot.getPlotItem().getAxis("left").labelText == "fondness of carrots (0–10)"
    credit = _ticks(view, "bottom")
    carrots = _ticks(view, "left")
    assert len(credit) >= 3 and len(carrots) >= 3
    for pos, text in credit:
        value = float(text)
        assert 300 <= value <= 850 and value % 10 == 0  # round numbers of the original unit
        assert value == pytest.approx(640 + 80 * pos)  # placed where that score is drawn
    for pos, text in carrots:
        value = float(text)
        assert -1 <= value <= 11
        assert value == pytest.approx(5 + 2.2 * pos)
    # the standardised range the points are drawn in is about ±3
    assert np.abs(ds.X).max() < 4
    lo, hi = sorted(ds.to_original(view.plot.getPlotItem().getAxis("bottom").range, 0))
    assert lo < ds.raw_X[:, 0].min() and ds.raw_X[:, 0].max() < hi


def test_the_view_draws_a_tick_label_in_original_units(view, qtbot):
    """The strings actually painted come from the same conversion."""
    view.set_problem(_loans_problem())
    axis = view.plot.getPlotItem().getAxis("bottom")
    axis.picture = None
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    shown = [float(t) for _, _, t in texts]
    assert shown and all(300 <= v <= 850 for v in shown)


def test_unstandardised_sets_keep_plain_ticks(view):
    p = core.get_problem("logistic", dataset="blobs")
    assert np.all(p.dataset.feature_offset == 0) and np.all(p.dataset.feature_scale == 1)
    view.set_problem(p)
    ticks = _ticks(view, "bottom")
    assert len(ticks) >= 3
    for pos, text in ticks:
        assert float(text) == pytest.approx(pos)


def test_a_csv_file_is_ticked_in_its_own_units(view, tmp_path):
    path = tmp_path / "heights.csv"
    rng = np.random.default_rng(1)
    rows = ["x1,x2,label"] + [f"{150 + 40 * rng.uniform():.1f},{50 + 50 * rng.uniform():.1f},"
                              f"{'yes' if i % 2 else 'no'}" for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    ds = core.load_csv(path)
    assert np.any(ds.feature_offset != 0) or np.any(ds.feature_scale != 1)
    view.set_problem(core.get_problem("logistic", dataset=ds))
    for side, feature, (lo, hi) in (("bottom", 0, (130, 210)), ("left", 1, (30, 120))):
        ticks = _ticks(view, side)
        assert len(ticks) >= 3
        for pos, text in ticks:
            assert float(text) == pytest.approx(float(ds.to_original(pos, feature)))
            assert lo <= float(text) <= hi


def test_switching_to_a_problem_without_data_gives_plain_axes_back(view):
    view.set_problem(_loans_problem())
    view.set_problem(core.get_problem("fence"))
    axis = view.plot.getPlotItem().getAxis("left")
    assert axis.dataset is None
    for pos, text in _ticks(view, "bottom"):
        assert float(text) == pytest.approx(pos)
