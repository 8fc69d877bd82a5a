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
    assert ex[-1] == 3.0 and len(ex) <= 3  # one column (min, max) and the last point
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


# -- PathSketch: a growing path drawn with each stroke once ---------------------------

def _segments(xy, connect):
    return [(xy[i], xy[i + 1]) for i in range(len(xy) - 1) if connect[i]]


def _distance_to_segments(p, segments):
    best = np.inf
    for a, b in segments:
        d = b - a
        t = 0.0 if not d.any() else np.clip((p - a) @ d / (d @ d), 0, 1)
        best = min(best, np.hypot(*(a + t * d - p)))
    return best


def test_a_sketch_fed_step_by_step_equals_one_fed_at_once_and_follows_the_path():
    rng = np.random.default_rng(4)
    path = np.cumsum(rng.normal(scale=0.05, size=(400, 2)), axis=0)
    path[150] = np.nan  # a break
    whole = display.PathSketch(0.02).update(path)
    sketch = display.PathSketch(0.02)
    for n in range(1, len(path) + 1):
        xy, connect = sketch.update(path[:n])
    np.testing.assert_array_equal(xy, whole[0])
    np.testing.assert_array_equal(connect, whole[1])
    segments = _segments(xy, connect)
    for p in path[np.isfinite(path).all(axis=1)]:
        assert _distance_to_segments(p, segments) <= 2 * 0.02 * np.sqrt(2)
    # nothing is drawn across the break
    for a, b in segments:
        assert not (np.all(a == path[149]) and np.all(b == path[151]))
    np.testing.assert_array_equal(xy[-1], path[-1])  # the line ends at the ball


def test_a_cycle_retraced_for_ever_is_drawn_once():
    ring = np.array([[np.cos(t), np.sin(t)] for t in np.linspace(0, 2 * np.pi, 7)[:-1]])
    path = np.concatenate([[[3.0, 3.0]], np.tile(ring, (500, 1))])  # 3,001 points
    sketch = display.PathSketch(0.01)
    xy, connect = sketch.update(path[:60])
    xy, connect = sketch.update(path)
    assert len(xy) <= 10  # the approach, the six strokes of the ring, the ball
    np.testing.assert_array_equal(xy[-1], path[-1])
    short = display.PathSketch(0.01).update(path[:2])
    np.testing.assert_array_equal(short[0], path[:2])
    assert short[1].tolist() == [True, False]


def test_a_sketch_starts_afresh_for_another_path_and_follows_a_creeping_run():
    sketch = display.PathSketch(0.1)
    creep = np.column_stack([np.arange(0, 1, 0.01), np.zeros(100)])  # steps of 1/10 cell
    xy, connect = sketch.update(creep)
    assert 5 <= len(xy) <= 12 and connect[:-1].all()  # followed, in a few strokes
    assert xy[-1][0] == creep[-1][0]
    other = creep[::-1].copy()
    xy2, _ = sketch.update(other)
    np.testing.assert_array_equal(xy2[0], other[0])
    assert sketch.update(creep[:1])[0].tolist() == [creep[0].tolist()]
    # a diverged run (last point NaN) is not sketched afresh at every frame
    gone = np.vstack([creep, [[np.nan, np.nan]]])
    sketch.update(gone)
    seen = sketch._seen
    sketch.update(gone)
    assert sketch._seen is seen
    # no usable spacing: every distinct point is a cell of its own
    flat = display.PathSketch(0.0).update([[0, 0], [1, 1], [0, 0], [1, 1]])
    assert len(_segments(*flat)) == 1 and flat[0][-1].tolist() == [1.0, 1.0]


def test_envelope_draws_a_level_stretch_by_its_ends():
    x = np.arange(10_000.0)
    y = np.where(x < 300, 300 - x, 0.0)  # falls, then a settled run: level for ever
    ex, ey = display.envelope(x, y, columns=500)
    assert len(ex) < 60
    assert ex[-1] == x[-1] and ey[-1] == 0.0 and ey.max() == 300
    level = ex[ey == 0]
    assert level.min() <= 320 and level.max() == x[-1]  # the level line spans its stretch


def test_a_sketch_with_a_domain_draws_the_points_as_clip_points_shows_them():
    rng = np.random.default_rng(9)
    raw = np.cumsum(rng.normal(scale=0.8, size=(300, 2)), axis=0)  # wanders far out
    raw[100] = [np.inf, 0.0]
    raw[200] = [np.nan, 1.0]
    dom = np.array([[-2.0, 2.0], [-1.0, 3.0]])
    grown = display.PathSketch(0.01, dom)
    for n in (1, 50, 101, 250, 300):
        got = grown.update(raw[:n])
    want = display.PathSketch(0.01).update(display.clip_points(raw, dom))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_quieter_corner_keeps_its_corner_unless_the_other_is_clearly_freer():
    x = np.linspace(0, 10, 101)
    rising, falling = x.copy(), 10 - x
    rng = ((0.0, 10.0), (0.0, 10.0))
    assert display.quieter_corner([rising], [rising], *rng) == "left"
    assert display.quieter_corner([x], [falling], *rng, current="left") == "right"
    # a loss that stays high: a bottom corner, on the side the legend was
    flat = np.full_like(x, 9.5)
    assert display.quieter_corner([x], [flat], *rng, current="left") == "bottom left"
    assert display.quieter_corner([x], [flat], *rng, current="right") == "bottom right"
    # every corner equally covered: stay where it is, whichever that is
    everywhere = np.concatenate([np.full_like(x, 9.5), np.full_like(x, 0.5)])
    xx = np.concatenate([x, x])
    for corner in display.CORNERS:
        assert display.quieter_corner([xx], [everywhere], *rng, current=corner) == corner
    # the legend's own size counts: a narrow legend at the top right misses a
    # curve that only crosses the middle of the top edge
    crossing = np.where(np.abs(x - 5) < 1, 9.5, 0.5)
    assert display.quieter_corner([x], [crossing], *rng, box=(0.3, 0.2)) == "right"
    # NaN points (a diverged run's tail) and no curves at all count as nothing
    assert display.quieter_corner([x], [np.full_like(x, np.nan)], *rng) == "right"
    assert display.quieter_corner([], [], *rng, current="left") == "left"


def test_display_helpers_take_any_numbers_without_an_error_or_a_warning():
    rng = np.random.default_rng(11)
    specials = np.array([0.0, -0.0, 1e-308, 1e308, -1e308, np.inf, -np.inf, np.nan])
    for _ in range(200):
        n = int(rng.integers(0, 40))
        P = rng.choice(np.concatenate([specials, rng.normal(size=8)]), size=(n, 2))
        sketch = display.PathSketch(float(rng.choice([1e-3, 0.0, np.inf, 1e300])))
        sketch.update(P[: n // 2])
        xy, connect = sketch.update(P)
        assert len(xy) == len(connect)
        x = np.sort(rng.choice(specials[:5], size=n))
        display.envelope(x, P[:, 0], columns=int(rng.integers(1, 5)), x_range=(0.0, 1.0))
        display.quieter_corner([x], [P[:, 1]], (0.0, 1.0), (-1.0, 1.0))
