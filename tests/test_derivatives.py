"""Derivative routes: finite differences, dual numbers, symbols, and L'Hôpital.

Expected numbers are computed by hand (or are textbook error models) and
written here; nothing is compared against the code under test alone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import core
from core import derivatives as D
from core.derivatives import Dual, derivative, dual_gradient, fd_error_curve, finite_difference

EPS = np.finfo(float).eps


# -- finite differences ---------------------------------------------------------------

def test_forward_and_central_differences_by_hand():
    # f(x) = x³ at x = 2, h = 0.1: forward = ((2.1)³ − 8)/0.1 = 12.61, central = 12.01
    cube = lambda t: t**3  # noqa: E731
    assert finite_difference(cube, 2.0, 0.1) == pytest.approx(12.61, rel=1e-12)
    assert finite_difference(cube, 2.0, 0.1, "central") == pytest.approx(12.01, rel=1e-12)
    # vectorised over x and h
    out = finite_difference(cube, np.array([1.0, 2.0]), np.array([[0.1], [0.01]]), "central")
    np.testing.assert_allclose(out, [[3.01, 12.01], [3.0001, 12.0001]], rtol=1e-9)


def test_finite_difference_validation():
    with pytest.raises(ValueError, match=r"kind='backward' is not allowed: kind must be one of 'forward', 'central'"):
        finite_difference(np.sin, 1.0, 0.1, "backward")
    for h in (0.0, -1e-3, np.inf):
        with pytest.raises(ValueError, match=r"h=.* is not allowed: h must be positive"):
            finite_difference(np.sin, 1.0, h)


def _slope(hs, err, lo, hi):
    sel = (hs >= lo) & (hs <= hi)
    return np.polyfit(np.log10(hs[sel]), np.log10(err[sel]), 1)[0]


def test_error_curve_truncation_on_the_right_round_off_on_the_left():
    c = fd_error_curve(np.sin, 1.0)  # exact derivative by dual numbers: cos(1)
    assert c.exact == pytest.approx(math.cos(1.0), rel=1e-15)
    hs = c.hs
    assert np.all(np.diff(hs) > 0) and hs[0] == pytest.approx(1e-16) and hs[-1] == pytest.approx(1.0)
    # Right: truncation, error ∝ h (forward) and ∝ h² (central).
    assert _slope(hs, c.forward_error, 1e-4, 1e-1) == pytest.approx(1.0, abs=0.05)
    assert _slope(hs, c.central_error, 1e-3, 1e-1) == pytest.approx(2.0, abs=0.05)
    # The leading terms: |f''|h/2 = sin(1)·h/2 and |f'''|h²/6 = cos(1)·h²/6.
    i = int(np.argmin(np.abs(hs - 1e-2)))
    assert c.forward_error[i] == pytest.approx(math.sin(1) * hs[i] / 2, rel=0.02)
    assert c.central_error[i] == pytest.approx(math.cos(1) * hs[i] ** 2 / 6, rel=0.02)
    # Left: round-off, error grows like ε/h as h shrinks (a noisy slope of about −1).
    assert _slope(hs, c.forward_error, 1e-15, 1e-10) == pytest.approx(-1.0, abs=0.35)
    assert _slope(hs, c.central_error, 1e-15, 1e-8) == pytest.approx(-1.0, abs=0.35)
    assert c.forward_error[hs <= 1e-14].min() > 1e-4
    # Best steps near √ε ≈ 1.5e-8 and ε^(1/3) ≈ 6e-6, with errors near √ε and ε^(2/3).
    assert 1e-9 <= c.best_forward_h <= 1e-7
    assert 1e-7 <= c.best_central_h <= 1e-4
    assert c.forward_error.min() < 1e-7 and c.central_error.min() < 1e-9
    # The models bracket the measurements within an order of magnitude where they dominate.
    sel = (hs > 1e-12) & (hs < 1e-1)
    ratio = c.forward_error[sel] / c.forward_model[sel]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.8) and ratio.max() < 10


def test_error_curve_on_a_problem_and_on_text():
    p = core.get_problem("rosenbrock")
    x = np.array([-1.2, 1.0])
    for axis, exact in ((0, -2 * (1 + 1.2) - 400 * -1.2 * (1.0 - 1.44)), (1, 200 * (1.0 - 1.44))):
        c = fd_error_curve(p, x, np.logspace(-10, -2, 9), axis=axis)
        assert c.exact == pytest.approx(exact, rel=1e-14)
        assert c.central_error.min() < 1e-6 * abs(exact)
    t = fd_error_curve("x**3", 2.0 * np.ones(1), [1e-1, 1e-2])  # steps come back sorted
    np.testing.assert_allclose(t.hs, [1e-2, 1e-1])
    np.testing.assert_allclose(t.forward, [12.0601, 12.61], rtol=1e-9)
    np.testing.assert_allclose(t.central_error, [0.0001, 0.01], rtol=1e-6)
    with pytest.raises(ValueError, match=r"axis=2 is not allowed"):
        fd_error_curve(p, x, axis=2)
    with pytest.raises(ValueError, match=r"hs=.* is not allowed"):
        fd_error_curve(p, x, [1e-3, 0.0])


def test_central_difference_of_a_quadratic_is_exact():
    c = fd_error_curve(lambda t: 3 * t * t + t, 0.5, [0.25, 0.5])  # f' = 6t + 1 = 4
    np.testing.assert_array_equal(c.central_error, [0.0, 0.0])
    np.testing.assert_allclose(c.forward_error, [0.75, 1.5], rtol=1e-14)  # 3h


# -- dual numbers ---------------------------------------------------------------------

def test_dual_arithmetic_by_hand():
    a, b = Dual(3.0, 1.0), Dual(2.0, 0.5)
    for got, (v, d) in [
        (a + b, (5.0, 1.5)), (a - b, (1.0, 0.5)), (a * b, (6.0, 1.0 * 2 + 3 * 0.5)),
        (a / b, (1.5, (1.0 * 2 - 3 * 0.5) / 4)), (a**2, (9.0, 6.0)), (2**a, (8.0, 8 * math.log(2))),
        (a**b, (9.0, 9 * (0.5 * math.log(3) + 2 * 1.0 / 3))), (1 / a, (1 / 3, -1 / 9)),
        (5 - a, (2.0, -1.0)), (-a, (-3.0, -1.0)), (+a, (3.0, 1.0)), (abs(-a), (3.0, 1.0)),
        (a**0, (1.0, 0.0)), (a * 2 + 1, (7.0, 2.0)),
    ]:
        assert (float(got.value), float(got.deriv)) == pytest.approx((v, d), rel=1e-15), got


def test_dual_numbers_with_numpy_arrays():
    x = np.linspace(-1, 1, 5)
    d = np.arange(5.0) * Dual(x, np.ones(5)) + np.ones(5)
    np.testing.assert_allclose(d.value, np.arange(5.0) * x + 1)
    np.testing.assert_allclose(d.deriv, np.arange(5.0))
    np.testing.assert_allclose(derivative(lambda t: D.exp(t) * t, x), np.exp(x) * (1 + x), rtol=1e-15)
    # constant functions give zeros of the input's shape
    np.testing.assert_array_equal(derivative(lambda t: 3.0, x), np.zeros(5))
    assert derivative(lambda t: 3.0, 1.0) == 0.0


TABLE = [
    # (formula, derivative d/dx by hand)
    ("x**3 - 2*x", lambda x: 3 * x * x - 2),
    ("sin(x)*cos(x)", lambda x: np.cos(2 * x)),
    ("tan(x/2)", lambda x: 0.5 / np.cos(x / 2) ** 2),
    ("exp(-x**2)", lambda x: -2 * x * np.exp(-x * x)),
    ("log(2 + x**2)", lambda x: 2 * x / (2 + x * x)),
    ("sqrt(1 + x**2)", lambda x: x / np.sqrt(1 + x * x)),
    ("tanh(2*x)", lambda x: 2 / np.cosh(2 * x) ** 2),
    ("sinh(x) - cosh(x)", lambda x: np.cosh(x) - np.sinh(x)),
    ("abs(x - 0.3)", lambda x: np.sign(x - 0.3)),
    ("heaviside(x)*5", lambda x: 0 * x),
    ("relu(x - 0.1)", lambda x: (x > 0.1).astype(float)),
    ("sigmoid(3*x)", lambda x: 3 * np.exp(-3 * x) / (1 + np.exp(-3 * x)) ** 2),
    ("softplus(x)", lambda x: 1 / (1 + np.exp(-x))),
    ("max(x, x**2) + min(x, 0.5)", lambda x: np.where(x > x * x, 1.0, 2 * x) + (x < 0.5)),
    ("2**x + x**x", lambda x: 2**x * np.log(2) + x**x * (np.log(x) + 1)),
    ("1/(1 + x**2)", lambda x: -2 * x / (1 + x * x) ** 2),
    ("e**(pi*x)", lambda x: np.pi * np.exp(np.pi * x)),
]


@pytest.mark.parametrize(("text", "exact"), TABLE, ids=[t for t, _ in TABLE])
def test_dual_numbers_match_symbolic_and_hand_derivatives(text, exact):
    x = np.random.default_rng(11).uniform(0.05, 2.0, size=40)  # positive: x**x
    ad = dual_gradient(text, x[:, None])[:, 0]
    sym = core.parse_function(text).grad(x[:, None])[:, 0]
    np.testing.assert_allclose(ad, exact(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sym, exact(x), rtol=1e-12, atol=1e-14)


def test_dual_gradient_of_two_variables():
    g = dual_gradient("x**2*y + sin(x*y)", np.array([[1.0, 2.0], [0.0, 3.0]]))
    np.testing.assert_allclose(g, [[4 + 2 * np.cos(2), 1 + np.cos(2)], [3.0, 0.0]], rtol=1e-15)
    with pytest.raises(ValueError, match=r"point=.* is not allowed: point must be 2 numbers"):
        dual_gradient("x*y", [1.0])


# -- symbolic --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "variable", "expected"), [
    ("x**3", "x", "3*x**2"),
    ("sin(3*x)*y + x**2/4", "x", "x/2 + 3*y*cos(3*x)"),
    ("sin(3*x)*y + x**2/4", "y", "sin(3*x)"),
    ("x**2", "y", "0"),
    ("exp(x*y)", "y", "x*exp(x*y)"),
    ("abs(x)", "x", "sign(x)"),
    ("relu(x)", "x", "heaviside(x)"),
    ("heaviside(x)", "x", "0"),
    ("softplus(x)", "x", "sigmoid(x)"),
    ("log(x)", "x", "1/x"),
])
def test_symbolic_derivative_text(text, variable, expected):
    assert D.symbolic_derivative(text, variable) == expected


def test_symbolic_derivative_validation():
    with pytest.raises(ValueError, match=r"variable='z' is not allowed"):
        D.symbolic_derivative("x", "z")
    with pytest.raises(ValueError, match=r"unknown function 'foo' at column 1"):
        D.symbolic_derivative("foo(x)")


def test_compare_derivatives_at_a_point():
    c = D.compare_derivatives("sin(3*x)*y + x**2/4", [0.5, 2.0], h=1e-5)
    exact = 0.25 + 6 * math.cos(1.5)
    assert c.symbolic == pytest.approx(exact, rel=1e-15)
    assert c.automatic == pytest.approx(exact, rel=1e-15)
    assert c.errors["forward"] == pytest.approx(abs(-18 * math.sin(1.5) + 0.5) * 1e-5 / 2, rel=0.01)
    assert c.errors["central"] < 1e-8
    cy = D.compare_derivatives("sin(3*x)*y + x**2/4", [0.5, 2.0], variable="y")
    assert cy.symbolic_text == "sin(3*x)" and cy.symbolic == pytest.approx(math.sin(1.5))
    with pytest.raises(ValueError, match=r"variable='y' is not allowed: the formula has only x"):
        D.compare_derivatives("x**2", [1.0], variable="y")


# -- L'Hôpital --------------------------------------------------------------------------

def test_lhopital_example_gives_the_documented_results():
    r = D.lhopital_example()
    assert (r.t, r.exact_value, r.exact_derivative) == (2.0, 4.0, 1.0)
    # naive evaluation and automatic differentiation: 0/0
    assert math.isnan(r.naive_value)
    assert math.isnan(r.dual_value) and not math.isfinite(r.dual_derivative)
    # the symbols know better
    assert r.symbolic_text == "t + 2"
    assert (r.symbolic_value, r.symbolic_derivative, r.limit_value) == (4.0, 1.0, 4.0)
    # ε in the denominator: never nan, h(2) = 0 for every ε, and h'(2) = 4/ε
    assert np.all(r.eps_denominator_value == 0.0)
    np.testing.assert_allclose(r.eps_denominator_derivative, 4 / r.epsilons, rtol=1e-12)
    # nudging the input: h(2 + ε) = 4 + ε in exact arithmetic ...
    e = r.epsilons
    big = e >= 1e-5
    np.testing.assert_allclose(r.eps_nudge_error[big], e[big], rtol=1e-3)
    # ... and exactly 4 in floating point once rounding swallows ε, nan once 2 + ε == 2
    assert np.all(r.eps_nudge_value[(e > EPS) & (e <= 1e-8)] == 4.0)
    assert np.isnan(r.eps_nudge_value[e < EPS]).all()
    # the price: the dual-number derivative there is 2, not 1 (cancellation)
    np.testing.assert_allclose(r.eps_nudge_derivative[e >= 1e-5], 1.0, atol=1e-4)
    np.testing.assert_allclose(r.eps_nudge_derivative[(e > EPS) & (e <= 1e-8)], 2.0, atol=0.05)
    assert 1e-7 <= r.safe_nudge_epsilon <= 1e-5


def test_lhopital_rows_for_display():
    rows = D.lhopital_example().rows(eps=1e-8)
    assert len(rows) == 7
    names = [row[0] for row in rows]
    assert names[0].startswith("exact") and names[2] == "automatic differentiation"
    by_name = {row[0].split(" (")[0].split(":")[0]: row for row in rows}
    assert by_name["ε in the denominator"][1:3] == (0.0, pytest.approx(4e8, rel=1e-6))
    nudge = by_name["nudge the input"]
    assert nudge[1] == 4.0 and nudge[2] == pytest.approx(2.0, abs=1e-3)
    for _, value, deriv, note in rows:
        assert isinstance(value, float) and isinstance(deriv, float) and note


def test_lhopital_validation():
    with pytest.raises(ValueError, match=r"epsilons=.* is not allowed"):
        D.lhopital_example([1e-3, -1.0])
