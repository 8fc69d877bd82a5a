"""The activation gallery and the one-neuron problem.

The one-neuron outcomes are the lecture's: from (w, b) = (−0.8, −4) with plain
gradient descent at learning rate 0.5, Heaviside never moves, sigmoid and tanh
crawl in their flat tails before fitting, ReLU is dead, and leaky ReLU and
softplus recover.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import core
from core.activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    NEURON_ACTIVATIONS,
    argmax_onehot,
    get_activation,
    softmax,
    softmax_jacobian,
)
from core.problems.neuron import NEURON_LR, NEURON_START

NAMES = list(ACTIVATIONS)
KINKED = {"heaviside", "relu", "leaky_relu", "argmax"}
Z = np.array([-7.3, -2.1, -0.4, 0.37, 1.9, 6.6])  # away from the kinks at 0


def fd(fun, z, h=1e-6):
    return (fun(z + h) - fun(z - h)) / (2 * h)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_finite_differences(name):
    a = ACTIVATIONS[name]
    np.testing.assert_allclose(a.derivative(Z), fd(a.value, Z), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(a.second(Z), fd(a.derivative, Z), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_and_warning_free_at_extremes(name):
    a = ACTIVATIONS[name]
    z = np.array([[-1e4, -800.0, 0.0], [800.0, 1e4, 3.0]])
    for fn in (a.value, a.derivative, a.second):
        out = fn(z)  # pytest turns any numpy warning into an error
        assert out.shape == z.shape and np.all(np.isfinite(out))
    assert np.ndim(a.value(0.5)) == 0


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    a = ACTIVATIONS[name]
    assert a.name == name and get_activation(name) is a
    for text in (a.title, a.formula, a.derivative_formula, a.effect):
        assert isinstance(text, str) and text.strip() and "\n" not in text
    z, v, d = a.curves()
    assert z.shape == v.shape == d.shape and z[0] == -6 and z[-1] == 6


def test_known_values():
    value = {n: float(ACTIVATIONS[n].value(x)) for n in NAMES for x in [-2.0]}
    assert value == pytest.approx({
        "heaviside": 0.0, "sigmoid": 1 / (1 + math.e**2), "tanh": math.tanh(-2), "relu": 0.0,
        "leaky_relu": -2 * LEAKY_SLOPE, "softplus": math.log1p(math.exp(-2)),
        "softmax": 1 / (1 + math.e**2), "argmax": 0.0,
    }, rel=1e-15)
    deriv = {n: float(ACTIVATIONS[n].derivative(1.0)) for n in NAMES}
    s = 1 / (1 + math.exp(-1))
    assert deriv == pytest.approx({
        "heaviside": 0.0, "sigmoid": s * (1 - s), "tanh": 1 - math.tanh(1) ** 2, "relu": 1.0,
        "leaky_relu": 1.0, "softplus": s, "softmax": s * (1 - s), "argmax": 0.0,
    }, rel=1e-15)
    # at the kinks: the mean of the two sides
    assert float(ACTIVATIONS["heaviside"].value(0.0)) == 0.5
    assert float(ACTIVATIONS["relu"].derivative(0.0)) == 0.5
    assert float(ACTIVATIONS["leaky_relu"].derivative(0.0)) == pytest.approx((1 + LEAKY_SLOPE) / 2)


def test_softmax_is_the_smoothed_argmax():
    s = np.linspace(-6, 6, 49)
    sm, am = ACTIVATIONS["softmax"], ACTIVATIONS["argmax"]
    np.testing.assert_allclose(sm.value(s), ACTIVATIONS["sigmoid"].value(s), rtol=1e-14)
    np.testing.assert_array_equal(am.value(s), ACTIVATIONS["heaviside"].value(s))
    assert not am.derivative(s).any() and np.all(sm.derivative(s) > 0)
    # sharper soft-max (scores scaled up) approaches arg-max
    z = np.stack([s, np.zeros_like(s)], axis=-1)
    far = np.abs(s) > 0.5
    np.testing.assert_allclose(softmax(50 * z)[far], argmax_onehot(z)[far], atol=1e-10)


def test_general_softmax_and_argmax():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1000.0, 0.0, -1000.0]])
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-14)
    np.testing.assert_allclose(p[2], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(argmax_onehot(z), [[0, 0, 1], [1 / 3, 1 / 3, 1 / 3], [1, 0, 0]])
    J = softmax_jacobian(z[0])
    cols = [(softmax(z[0] + 1e-6 * e) - softmax(z[0] - 1e-6 * e)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(J, np.stack(cols, axis=-1), rtol=1e-7, atol=1e-10)


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match=r"activation='swish' is not allowed: activation must be one of"):
        get_activation("swish")
    with pytest.raises(ValueError, match=r"activation='softmax' is not allowed: activation must be one of 'heaviside'"):
        core.get_problem("neuron", activation="softmax")


# -- the one-neuron problem ------------------------------------------------------------

@pytest.fixture(params=NEURON_ACTIVATIONS)
def neuron(request) -> core.Problem:
    return core.get_problem("neuron", activation=request.param)


def test_neuron_activations():
    assert NEURON_ACTIVATIONS == ("heaviside", "sigmoid", "tanh", "relu", "leaky_relu", "softplus")
    assert core.PROBLEMS["neuron"].options == ("activation",)


def _points(p, n=25, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    pts = lo + (hi - lo) * rng.uniform(0.02, 0.98, size=(n, 2))
    z = pts[:, :1] * np.array([1.0, -1.0]) + pts[:, 1:]
    return pts[np.all(np.abs(z) > 1e-3, axis=1)]  # keep the stencil off the kinks


def test_neuron_derivatives_match_finite_differences(neuron):
    for x in _points(neuron):
        e = np.eye(2) * 1e-6
        g_fd = np.array([(neuron.value(x + d) - neuron.value(x - d)) / 2e-6 for d in e])
        np.testing.assert_allclose(neuron.grad(x), g_fd, rtol=1e-6, atol=1e-9)
        h_fd = np.stack([(neuron.grad(x + d) - neuron.grad(x - d)) / 2e-6 for d in e], axis=-1)
        np.testing.assert_allclose(neuron.hess(x), h_fd, rtol=1e-5, atol=1e-8)
        j_fd = np.stack([(neuron.residuals(x + d) - neuron.residuals(x - d)) / 2e-6 for d in e], -1)
        np.testing.assert_allclose(neuron.jacobian(x), j_fd, rtol=1e-6, atol=1e-9)


def test_neuron_value_is_the_mean_squared_error(neuron):
    a = ACTIVATIONS[neuron.options["activation"]]
    w, b = 0.7, -0.2
    expected = ((a.value(w + b) - 0.8) ** 2 + (a.value(-w + b) - 0.2) ** 2) / 2
    assert float(neuron.value([w, b])) == pytest.approx(float(expected), rel=1e-15)
    X = _points(neuron)[:12].reshape(3, 4, 2)
    assert neuron.value(X).shape == (3, 4) and neuron.hess(X).shape == (3, 4, 2, 2)


def test_neuron_minimum_is_an_exact_fit(neuron):
    name = neuron.options["activation"]
    if name == "heaviside":
        assert neuron.minima.size == 0  # H can only say 0 or 1: no exact fit
        return
    (x,) = neuron.minima
    expected = {"sigmoid": (math.log(4), 0.0), "relu": (0.3, 0.5), "leaky_relu": (0.3, 0.5),
                "tanh": ((math.atanh(0.8) - math.atanh(0.2)) / 2, (math.atanh(0.8) + math.atanh(0.2)) / 2),
                "softplus": ((math.log(math.expm1(0.8)) - math.log(math.expm1(0.2))) / 2,
                             (math.log(math.expm1(0.8)) + math.log(math.expm1(0.2))) / 2)}[name]
    np.testing.assert_allclose(x, expected, rtol=1e-14, atol=1e-15)
    assert float(neuron.value(x)) < 1e-30
    assert np.all(np.linalg.eigvalsh(neuron.hess(x)) > 0)


def _descend(name: str, steps: int, start=NEURON_START):
    p = core.get_problem("neuron", activation=name)
    return p, core.run(p, "gd", start, steps=steps, lr=NEURON_LR)


START_LOSS = ((0 - 0.8) ** 2 + (0 - 0.2) ** 2) / 2  # both units off: output 0 for both inputs


@pytest.mark.parametrize("name", ["heaviside", "relu"])
def test_heaviside_and_relu_are_stuck_with_zero_gradient(name):
    p, r = _descend(name, steps=500)
    np.testing.assert_array_equal(p.grad(NEURON_START), [0.0, 0.0])
    # the runner sees a zero gradient and stops at once: "converged", but nowhere near a fit
    assert (r.status, r.nit) == ("converged", 0)
    np.testing.assert_array_equal(r.x, NEURON_START)
    assert r.fun == pytest.approx(START_LOSS, rel=1e-15)


def test_relu_learns_when_it_starts_switched_on():
    p, r = _descend("relu", steps=500, start=(0.5, 1.0))
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, [0.3, 0.5], atol=1e-7)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_crawl_in_their_flat_tails_then_fit(name):
    p, r = _descend(name, steps=5000)
    start_grad = np.linalg.norm(p.grad(NEURON_START))
    assert 0 < start_grad < 0.03  # a direction, but a tiny one
    # 40 steps in, the loss has hardly moved ...
    assert r.values[40] > 0.97 * r.values[0]
    # ... yet descent gets there in the end
    assert r.status == "converged" and r.fun < 1e-14
    np.testing.assert_allclose(r.x, p.minima[0], atol=1e-6)
    assert r.nit > 100


@pytest.mark.parametrize(("name", "max_steps"), [("leaky_relu", 300), ("softplus", 1500)])
def test_leaky_relu_and_softplus_recover(name, max_steps):
    p, r = _descend(name, steps=max_steps)
    assert np.linalg.norm(p.grad(NEURON_START)) > 0
    assert r.status == "converged" and r.fun < 1e-14
    np.testing.assert_allclose(r.x, p.minima[0], atol=1e-6)


def test_neuron_metadata_for_the_gui(neuron):
    opts = neuron.options
    assert opts["start"] == NEURON_START and opts["lr"] == NEURON_LR
    assert neuron.coords == ("w", "b")
    assert ACTIVATIONS[opts["activation"]].effect in neuron.description
    lo, hi = neuron.domain[:, 0], neuron.domain[:, 1]
    # the GUI's default start (a fifth of the way in from the lower-left corner) is NEURON_START
    np.testing.assert_allclose(lo + 0.2 * (hi - lo), NEURON_START)
