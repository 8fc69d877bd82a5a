"""Activation functions and what they do to optimisation (the activation gallery).

Each :class:`Activation` has a vectorised value, first and second derivative
and one line saying what it does to gradient descent.  ``softmax`` and
``argmax`` are shown for a two-class input ``(s, 0)``: the probability of
class 1 as a function of the score difference ``s``; :func:`softmax` and
:func:`argmax_onehot` are the general versions.

Conventions at kinks (the same as :mod:`core.parse` and
:mod:`core.derivatives`): ``heaviside(0) = ½`` and every derivative that
jumps takes the mean of its two sides there.

The one-neuron problem that puts these activations into a live gradient
descent is ``core.get_problem("neuron", activation=...)``
(:mod:`core.problems.neuron`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ._checks import bad

Array = np.ndarray
Fn = Callable[[Array], Array]

#: Slope of leaky ReLU for negative inputs.
LEAKY_SLOPE = 0.1


def _f(z: object) -> Array:
    return np.asarray(z, dtype=float)


def heaviside(z: object) -> Array:
    """Step: 0 for z < 0, ½ at 0, 1 for z > 0."""
    return np.heaviside(_f(z), 0.5)


def sigmoid(z: object) -> Array:
    """Logistic ``1/(1 + e^−z)``, computed without overflow."""
    z = _f(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(z: object) -> Array:
    """``max(z, 0)``."""
    return np.maximum(_f(z), 0.0)


def leaky_relu(z: object) -> Array:
    """``z`` for z ≥ 0, ``LEAKY_SLOPE·z`` below."""
    z = _f(z)
    return np.where(z >= 0, z, LEAKY_SLOPE * z)


def softplus(z: object) -> Array:
    """``log(1 + e^z)``, computed without overflow."""
    return np.logaddexp(0.0, _f(z))


def softmax(z: object, axis: int = -1) -> Array:
    """Soft-max along ``axis``: positive, sums to 1, differentiable.

    Examples
    --------
    >>> from core.activations import softmax
    >>> softmax([2.0, 0.0]).round(4).tolist()
    [0.8808, 0.1192]
    """
    z = _f(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(z: object) -> Array:
    """``∂softmax_i/∂z_j = p_i(δ_ij − p_j)`` for ``z`` of shape ``(..., k)``."""
    p = softmax(z)
    eye = np.eye(p.shape[-1])
    return p[..., :, None] * (eye - p[..., None, :])


def argmax_onehot(z: object, axis: int = -1) -> Array:
    """Arg-max as a one-hot vector (ties share equally): a Heaviside decision.

    Examples
    --------
    >>> from core.activations import argmax_onehot
    >>> argmax_onehot([[2.0, 0.0], [1.0, 1.0]]).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    z = _f(z)
    top = (z == np.max(z, axis=axis, keepdims=True)).astype(float)
    return top / np.sum(top, axis=axis, keepdims=True)


def _zero(z: object) -> Array:
    return np.zeros_like(_f(z))


def _dsigmoid(z: object) -> Array:
    s = sigmoid(z)
    return s * (1.0 - s)


def _d2sigmoid(z: object) -> Array:
    s = sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _dtanh(z: object) -> Array:
    t = np.tanh(_f(z))
    return 1.0 - t * t


def _d2tanh(z: object) -> Array:
    t = np.tanh(_f(z))
    return -2.0 * t * (1.0 - t * t)


def _dleaky(z: object) -> Array:
    z = _f(z)
    return np.where(z > 0, 1.0, np.where(z < 0, LEAKY_SLOPE, 0.5 * (1.0 + LEAKY_SLOPE)))


@dataclass(frozen=True)
class Activation:
    """One activation for the gallery.

    ``value``, ``derivative`` and ``second`` are vectorised over any array of
    inputs.  ``effect`` is one line on what the activation does to
    optimisation; ``formula``/``derivative_formula`` are for display.
    ``neuron`` is True for the activations the one-neuron problem accepts.
    """

    name: str
    title: str
    formula: str
    derivative_formula: str
    effect: str
    value: Fn
    derivative: Fn
    second: Fn
    neuron: bool = True

    def curves(self, z: object = None) -> tuple[Array, Array, Array]:
        """``(z, value(z), derivative(z))`` for plotting; default z in [−6, 6]."""
        zz = np.linspace(-6.0, 6.0, 481) if z is None else _f(z)
        return zz, self.value(zz), self.derivative(zz)


ACTIVATIONS: Mapping[str, Activation] = {a.name: a for a in (
    Activation(
        "heaviside", "Heaviside step", "H(z) = 0 for z < 0, 1 for z > 0",
        "H′(z) = 0 (undefined at 0)",
        "Zero derivative everywhere: gradient descent gets no direction and never moves.",
        heaviside, _zero, _zero),
    Activation(
        "sigmoid", "Sigmoid", "σ(z) = 1/(1 + e^(−z))", "σ′(z) = σ(z)(1 − σ(z)) ≤ ¼",
        "A smoothed step: a direction everywhere, but tiny in the flat tails, so descent crawls there.",
        sigmoid, _dsigmoid, _d2sigmoid),
    Activation(
        "tanh", "Hyperbolic tangent", "tanh(z)", "tanh′(z) = 1 − tanh²(z) ≤ 1",
        "A centred sigmoid with a steeper middle; its tails are just as flat.",
        lambda z: np.tanh(_f(z)), _dtanh, _d2tanh),
    Activation(
        "relu", "ReLU (rectifier)", "relu(z) = max(z, 0)", "relu′(z) = 1 for z > 0, 0 for z < 0",
        "Knows how to turn off (move left) but not how to turn on: negative inputs give zero "
        "gradient, and the neuron is dead.",
        relu, lambda z: heaviside(z), _zero),
    Activation(
        "leaky_relu", "Leaky ReLU", f"z for z ≥ 0, {LEAKY_SLOPE:g}·z for z < 0",
        f"1 for z > 0, {LEAKY_SLOPE:g} for z < 0",
        "A small slope for negative inputs keeps a gradient alive, so a switched-off neuron recovers.",
        leaky_relu, _dleaky, _zero),
    Activation(
        "softplus", "Softplus", "softplus(z) = log(1 + e^z)", "softplus′(z) = σ(z)",
        "A smooth ReLU: the gradient never vanishes completely, so descent recovers from negative inputs.",
        softplus, sigmoid, _dsigmoid),
    Activation(
        "softmax", "Soft-max (two classes)", "p₁ = e^s/(e^s + e⁰) = σ(s) for input (s, 0)",
        "∂p₁/∂s = σ(s)(1 − σ(s))",
        "A differentiable decision: the gradient says how to shift the scores to change it.",
        lambda s: softmax(np.stack(np.broadcast_arrays(_f(s), 0.0), axis=-1))[..., 0],
        _dsigmoid, _d2sigmoid, neuron=False),
    Activation(
        "argmax", "Arg-max (two classes)", "p₁ = 1 if s > 0 else 0 for input (s, 0)",
        "∂p₁/∂s = 0 (undefined at 0)",
        "A hard Heaviside decision: no gradient, so a classifier built on it cannot be trained by descent.",
        lambda s: argmax_onehot(np.stack(np.broadcast_arrays(_f(s), 0.0), axis=-1))[..., 0],
        _zero, _zero, neuron=False),
)}

#: Activations the one-neuron problem accepts.
NEURON_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if a.neuron)


def get_activation(name: object) -> Activation:
    """The gallery entry ``name``.

    Examples
    --------
    >>> from core.activations import get_activation
    >>> float(get_activation("relu").derivative(-1.0))
    0.0
    """
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise bad("activation", name, "one of " + ", ".join(repr(n) for n in ACTIVATIONS))
    return ACTIVATIONS[name]
