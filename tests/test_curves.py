"""The 1-D curves: the tea family (SOURCES B) and the fence (SOURCES E).

The fence tests reproduce the source's own arithmetic; the tea tests check
that each variant shows the failure mode it stands for when a method is
actually run on it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import core

TEA_FAMILY = ("tea", "tea_trains", "tea_rating", "tea_finicky")
ONE_D = TEA_FAMILY + ("fence",)


def tea_by_hand(T: float) -> float:
    """The documented tea formula, typed in again independently."""
    return (5 + 4 * ((T - 50) / 50) ** 2 - 3 * math.exp(-(((T - 63) / 12) ** 2))
            - 7 * math.exp(-(((T - 6) / 8) ** 2)))


@pytest.mark.parametrize("name", ONE_D)
def test_registered_as_1d(name):
    entry = core.PROBLEMS[name]
    p = core.get_problem(name)
    assert entry.kind == "1-D" and p.dim == 1
    np.testing.assert_array_equal(p.domain, [[0.0, 100.0]])
    (line,) = p.grid(11)
    np.testing.assert_allclose(line, np.linspace(0, 100, 11))
    assert p.value(line[:, None]).shape == (11,)


def test_smoothness_flags():
    assert core.get_problem("tea").smooth and core.get_problem("tea_finicky").smooth
    assert core.get_problem("fence").smooth
    assert not core.get_problem("tea_trains").smooth
    assert not core.get_problem("tea_rating").smooth


# -- tea ------------------------------------------------------------------------------

def test_tea_matches_its_formula():
    p = core.get_problem("tea")
    for T in (0.0, 6.6, 21.0, 37.5, 62.0, 100.0):
        assert float(p.value(T)) == pytest.approx(tea_by_hand(T), rel=1e-13)


def test_tea_has_a_warm_valley_and_a_deeper_iced_valley():
    p = core.get_problem("tea")
    iced, warm = p.minima[:, 0]
    (hump,) = p.maxima[:, 0]
    assert 3 < iced < 10 and 55 < warm < 70 and iced < hump < warm
    f_iced, f_warm, f_hump = (float(p.value(t)) for t in (iced, warm, hump))
    assert f_iced < f_warm < f_hump
    # brute force: the iced valley is the global minimum over the whole range
    T = np.linspace(0, 100, 200001)
    brute = T[np.argmin([tea_by_hand(t) for t in T])]
    assert brute == pytest.approx(iced, abs=1e-3)
    # too hot and too cold both hurt
    assert float(p.value(100.0)) > f_hump and float(p.value(0.0)) > f_warm


@pytest.mark.parametrize("x0, where", [(2.0, "iced"), (15.0, "iced"), (25.0, "warm"),
                                       (40.0, "warm"), (90.0, "warm")])
def test_gradient_descent_finds_the_valley_it_starts_in(x0, where):
    p = core.get_problem("tea")
    r = core.run(p, "gd", [x0], steps=5000, lr=5.0)
    iced, warm = p.minima[:, 0]
    assert r.status == "converged"
    assert r.x[0] == pytest.approx(iced if where == "iced" else warm, abs=1e-6)
    # the runner tells the student that the warm valley is only a local minimum
    assert ("only a local minimum" in r.message) == (where == "warm")


# -- trains ---------------------------------------------------------------------------------

def test_trains_add_a_wiggle_with_a_corner_every_5_degrees():
    p, base = core.get_problem("tea_trains"), core.get_problem("tea")
    T = np.linspace(0, 100, 1001)[:, None]
    wiggle = p.value(T) - base.value(T)
    np.testing.assert_allclose(wiggle, 0.3 * np.abs(np.sin(np.pi * T[:, 0] / 5)), atol=1e-13)
    # at a corner the slope jumps by 2·0.3·π/5
    for corner in (25.0, 40.0):
        left, right = p.grad(corner - 1e-9)[0], p.grad(corner + 1e-9)[0]
        assert right - left == pytest.approx(2 * 0.3 * np.pi / 5, rel=1e-6)


def test_trains_trap_gradient_descent_away_from_the_best_point():
    p = core.get_problem("tea_trains")
    best = float(p.value(p.minima[0]))
    # the global minimum really is the best point (brute force)
    T = np.linspace(0, 100, 400001)[:, None]
    assert float(p.value(T).min()) >= best - 1e-9
    r = core.run(p, "gd", [40.0], steps=2000, lr=1.0)
    assert r.fun > best + 3          # stuck far up the curve ...
    assert abs(r.x[0] - 40.0) < 1.0  # ... at the corner next to where it started
    # with the smooth curve the same start rolls all the way down to the warm valley
    smooth = core.run("tea", "gd", [40.0], steps=2000, lr=1.0)
    assert smooth.fun < r.fun - 2


# -- rating -----------------------------------------------------------------------------------

def test_rating_is_the_tea_curve_rounded_to_whole_points():
    p, base = core.get_problem("tea_rating"), core.get_problem("tea")
    T = np.linspace(0, 100, 5001)[:, None]
    r = p.value(T)
    np.testing.assert_array_equal(r, np.floor(base.value(T) + 0.5))
    assert set(np.unique(r)) <= set(range(0, 11))
    assert len(np.unique(r)) >= 8  # a real staircase
    np.testing.assert_array_equal(p.grad(T), 0.0)
    np.testing.assert_array_equal(p.hess(T), 0.0)


def test_rating_stops_gradient_descent_where_it_starts():
    p = core.get_problem("tea_rating")
    r = core.run(p, "gd", [40.0], steps=100, lr=10.0)
    assert r.status == "converged" and r.nit == 0
    np.testing.assert_array_equal(r.x, [40.0])
    assert r.message.startswith("Stopped at step 0: the gradient is exactly zero")
    assert "The best known loss is" in r.message


# -- finicky --------------------------------------------------------------------------------

def test_finicky_plateau_hides_the_well():
    p = core.get_problem("tea_finicky")
    assert float(p.value(71.0)) == pytest.approx(1.0, abs=1e-15)
    T = np.concatenate([np.linspace(0, 60, 100), np.linspace(82, 100, 100)])[:, None]
    np.testing.assert_allclose(p.value(T), 8.0, atol=1e-12)   # flat
    assert np.abs(p.grad(T)).max() < 1e-30                     # no slope to follow
    on_plateau = core.run(p, "gd", [30.0], steps=1000, lr=1.0)
    assert on_plateau.nit == 0 and on_plateau.fun == pytest.approx(8.0)
    near = core.run(p, "gd", [69.0], steps=1000, lr=0.1)
    assert near.status == "converged" and near.x[0] == pytest.approx(71.0, abs=1e-6)


# -- the fence (SOURCES E) -------------------------------------------------------------------

def test_fence_is_a_maximisation_problem():
    p = core.get_problem("fence")
    assert p.goal == "maximize"
    np.testing.assert_array_equal(p.maxima, [[50.0]])
    assert p.minima.shape == (0, 1)
    assert float(p.hess(50.0)[0, 0]) == -2.0


def test_fence_reproduces_the_source_arithmetic():
    p = core.get_problem("fence")
    A = lambda L: float(p.value(L))   # noqa: E731
    dA = lambda L: float(p.grad(L)[0])  # noqa: E731
    # "a(49) = 2499, a(50) = 2500, a(51) = 2499"
    assert (A(49), A(50), A(51)) == (2499.0, 2500.0, 2499.0)
    # "A'(57) = 100 - 2*(57) = -14" ... "2484 is bigger than 2451"
    assert dA(57) == -14.0 and A(57) == 2451.0
    # The source's rule: step in the direction of the sign of A' (uphill) by a
    # hand-picked whole number that shrinks as |A'| shrinks: 3, then 2.
    guesses, sizes = [57.0], [3.0, 2.0]
    for size in sizes:
        guesses.append(guesses[-1] + math.copysign(size, dA(guesses[-1])))
    assert guesses == [57.0, 54.0, 52.0]
    assert A(54) == 2484.0 and dA(54) == -8.0   # "A'(length) = 100-2*54 = ... = -8"
    assert A(52) == 2496.0
    assert A(57) < A(54) < A(52) < A(50)
    # No constant learning rate gives both of its steps: 3/14 for the first, 2/8 for the second.
    implied = [size / abs(dA(g)) for size, g in zip(sizes, guesses, strict=False)]
    assert implied == [3 / 14, 0.25] and implied[0] != implied[1]


def test_fence_gradient_ascent_from_57_reaches_50():
    r = core.run("fence", "gd", [57.0], steps=200, lr=0.25, maximize=True)
    # l ← l + 0.25·(100 − 2l) halves the distance to 50 every step
    k = np.arange(6)
    np.testing.assert_allclose(r.path[:6, 0], 50 + 7 * 0.5 ** k, rtol=0, atol=1e-12)
    assert r.path[:3, 0].tolist() == [57.0, 53.5, 51.75]
    assert r.status == "converged" and r.x[0] == pytest.approx(50.0, abs=1e-8)
    assert r.fun == pytest.approx(2500.0, abs=1e-12)
    # converged when |A'| = 14·0.5^k < tol = 1e-8
    assert r.nit == math.ceil(math.log(14 / 1e-8, 2))
    # with r = 1/2, one step lands exactly on the optimum (a Newton step)
    one = core.run("fence", "gd", [57.0], steps=5, lr=0.5, maximize=True)
    assert one.path[1, 0] == 50.0 and one.nit == 1


def test_fence_descent_goes_the_wrong_way():
    r = core.run("fence", "gd", [57.0], steps=10, lr=0.1, tol=0)
    assert np.all(np.diff(r.path[:, 0]) > 0) and r.fun < 2451.0
