"""core.display: what the views draw, computed without Qt."""

from __future__ import annotations

import numpy as np

from core import display

# -- envelope: long loss curves drawn with about two points per pixel column ----------

def test_envelope_leaves_short_curves_alone():
    x, y = np.arange(10.0), np.linspace(3, 1, 10)
    ex, ey = display.envelope(x, y, columns=5)
    np.testing.assert_array_equal(ex, x)
    np.testing.assert_array_equal(ey, y)


def test_envelope_keeps_every_peak_and_dip_and_the_last_point():
    rng = np.random.default_rng(1)
    x = np.arange(100_000.0)
    y = rng.normal(size=x.size).cumsum()
    y[54_321] = 1e6  # a single spike must survive
    y[77_777] = -1e6
    ex, ey = display.envelope(x, y, columns=600)
    assert len(ex) <= 2 * 600 + 1
    assert ey.max() == 1e6 and ey.min() == -1e6
    assert (ex[-1], ey[-1]) == (x[-1], y[-1])
    assert np.all(np.diff(ex) >= 0)


def test_envelope_breaks_the_line_only_where_a_whole_column_is_nan():
    x = np.arange(1000.0)
    y = np.ones(1000)
    y[100:105] = np.nan  # inside a column with finite points: ignored
    y[500:] = np.nan  # a diverged run: the rest is NaN
    ex, ey = display.envelope(x, y, columns=10)
    assert np.isfinite(ey[ex < 500]).all()
    assert np.isnan(ey[ex >= 500]).all()


def test_envelope_draws_only_the_visible_stretch_and_one_point_beyond():
    x = np.arange(1000.0)
    y = np.sin(x / 50)
    ex, ey = display.envelope(x, y, columns=400, x_range=(200.0, 300.0))
    np.testing.assert_array_equal(ex, np.arange(199.0, 302.0))
    np.testing.assert_array_equal(ey, y[199:302])
    zoomed = display.envelope(x, y, columns=10, x_range=(0.0, 999.0))
    assert len(zoomed[0]) == 2 * 10 + 1


def test_envelope_of_nothing_or_unsorted_evaluations():
    ex, ey = display.envelope(np.zeros(0), np.zeros(0), columns=100, x_range=(0.0, 1.0))
    assert ex.size == ey.size == 0
    x = np.array([np.nan, 1.0, 2.0, 3.0])  # evaluations not counted: no clipping, no error
    ex, _ = display.envelope(x, np.ones(4), columns=1, x_range=(2.5, 3.0))
    assert ex[-1] == 3.0 and len(ex) == 3  # one column (min, max) and the last point
    short = display.envelope(np.arange(5.0), np.ones(5), columns=3, x_range=(3.0, 4.0))
    assert len(short[0]) == 5  # short curves are drawn whole, whatever is in view


# -- arrows: the gradient, velocity and step overlays ---------------------------------

def test_arrow_keeps_direction_caps_length_and_draws_a_head_at_pi_over_7():
    dom = [[-3, 3], [-1, 7]]  # diagonal 10
    seg = display.arrow([1.0, 2.0], [300.0, -400.0], dom)  # huge: capped at 0.3 × 10 = 3
    assert seg.shape == (6, 2)
    np.testing.assert_array_equal(seg[0], [1.0, 2.0])
    shaft = seg[1] - seg[0]
    np.testing.assert_allclose(shaft, [1.8, -2.4], rtol=1e-14)  # 3 along (0.6, -0.8)
    np.testing.assert_array_equal(seg[2], seg[1])
    np.testing.assert_array_equal(seg[4], seg[1])
    for stroke in (seg[3] - seg[2], seg[5] - seg[4]):
        np.testing.assert_allclose(np.hypot(*stroke), min(0.35 * 3, 0.04 * 10), rtol=1e-14)
        cos = -(stroke @ shaft) / (np.hypot(*stroke) * np.hypot(*shaft))
        np.testing.assert_allclose(cos, np.cos(np.pi / 7), rtol=1e-14)
    # the two strokes lie either side of the shaft
    cross = [shaft[0] * s[1] - shaft[1] * s[0] for s in (seg[3] - seg[1], seg[5] - seg[1])]
    assert cross[0] * cross[1] < 0


def test_arrow_short_vectors_keep_their_length_and_nothing_is_drawn_for_no_vector():
    dom = [[-2, 2], [-2, 2]]
    seg = display.arrow([0.0, 0.0], [0.1, 0.0], dom)
    np.testing.assert_allclose(seg[1], [0.1, 0.0])
    assert display.arrow([0.0, 0.0], [0.0, 0.0], dom) is None
    assert display.arrow([0.0, 0.0], [np.nan, 1.0], dom) is None
    assert display.arrow([np.inf, 0.0], [1.0, 1.0], dom) is None
    assert display.arrow([0.0, 0.0], [1e308, 1e308], dom) is not None  # hypot overflows: capped
    assert display.arrow([0.0], [1.0], dom) is None  # not a 2-D point


def test_clip_points_clamps_to_the_enlarged_domain_and_blanks_nan_rows():
    P = [[1e300, 0.5], [np.nan, 1.0], [-np.inf, 7.0], [0.25, -0.5]]
    out = display.clip_points(P, [[-1, 1], [0, 2]], margin=2.0)  # x in [-2, 2], y in [-1, 3]
    np.testing.assert_array_equal(out, [[2.0, 0.5], [np.nan, np.nan], [-2.0, 3.0], [0.25, -0.5]])
    assert P[0][0] == 1e300  # the caller's points are left alone
