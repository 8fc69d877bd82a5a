"""One neuron ``a(w·u + b)`` fitted to two points: what the activation does to the gradient.

The neuron should output 0.8 for the input ``u = 1`` and 0.2 for ``u = −1``;
the loss is the mean squared error over ``(w, b)``.  From the start
:data:`NEURON_START` = (−0.8, −4) both pre-activations are negative, and plain
gradient descent with learning rate :data:`NEURON_LR` shows the lecture's
story (``tests/test_activations.py`` checks each of these):

* ``heaviside``: the gradient is exactly zero, so descent never moves
  (the runner reports "converged" at step 0 with the loss still 0.34);
* ``sigmoid`` and ``tanh``: the flat tails give a tiny gradient, so descent
  crawls for a while before it finds the slope and reaches the fit;
* ``relu``: both units are off, the gradient is exactly zero: a dead neuron;
* ``leaky_relu`` and ``softplus``: a small gradient survives for negative
  inputs, and descent recovers to the exact fit.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_choice
from ..activations import ACTIVATIONS, NEURON_ACTIVATIONS
from ..parse import _supported
from .base import Problem, register_problem

Array = np.ndarray

NEURON_INPUTS = np.array([1.0, -1.0])
NEURON_TARGETS = np.array([0.8, 0.2])
#: The start that shows every activation's behaviour (also the GUI's default start).
NEURON_START = (-0.8, -4.0)
#: A learning rate that is stable for every activation (the curvature is at most 2).
NEURON_LR = 0.5
_ROOT = math.sqrt(len(NEURON_INPUTS))

# Pre-activations that hit the targets exactly, per activation (none for Heaviside).
_INVERSES = {
    "sigmoid": lambda t: math.log(t / (1 - t)),
    "tanh": math.atanh,
    "relu": lambda t: t,
    "leaky_relu": lambda t: t,
    "softplus": lambda t: math.log(math.expm1(t)),
}


def _exact_fit(activation: str) -> list[list[float]]:
    inverse = _INVERSES.get(activation)
    if inverse is None:
        return []
    z1, z2 = (inverse(float(t)) for t in NEURON_TARGETS)  # w + b = z1, −w + b = z2
    return [[(z1 - z2) / 2, (z1 + z2) / 2]]


@register_problem(
    "neuron", "One neuron", "landscape",
    "a(w·u + b) fitted to two points: what the activation does to the gradient",
)
def neuron(activation: str = "sigmoid") -> Problem:
    act = ACTIVATIONS[check_choice("activation", activation, NEURON_ACTIVATIONS)]
    U, T = NEURON_INPUTS, NEURON_TARGETS
    V = np.stack([U, np.ones_like(U)], axis=-1)  # ∂z_i/∂(w, b)
    VV = V[:, :, None] * V[:, None, :]

    def z(X: Array) -> Array:
        return X[..., 0:1] * U + X[..., 1:2]

    def r(X: Array) -> Array:
        return (act.value(z(X)) - T) / _ROOT

    def j(X: Array) -> Array:
        return act.derivative(z(X))[..., None] * V / _ROOT

    def f(X: Array) -> Array:
        res = r(X)
        return np.sum(res * res, axis=-1)

    def g(X: Array) -> Array:
        return 2.0 * np.einsum("...i,...ik->...k", r(X), j(X))

    def h(X: Array) -> Array:
        zz = z(X)
        d1, d2 = act.derivative(zz), act.value(zz) - T
        weight = (d1 * d1 + d2 * act.second(zz)) / len(U)
        return 2.0 * np.einsum("...i,ikl->...kl", weight, VV)

    return Problem(
        **_supported(Problem, smooth=act.name not in ("heaviside", "relu", "leaky_relu")),
        name="neuron", title=f"One neuron ({act.title})",
        formula=(f"f(w, b) = ½[(a(w + b) − {T[0]:g})² + (a(−w + b) − {T[1]:g})²],  "
                 f"a = {act.formula}"),
        dim=2, domain=[[-2.0, 4.0], [-6.0, 4.0]], f=f, g=g, h=h, r=r, j=j,
        minima=_exact_fit(act.name), coords=("w", "b"),
        description=(
            f"A single neuron a(w·u + b) should answer {T[0]:g} to the input u = 1 and "
            f"{T[1]:g} to u = −1; the loss is the mean squared error over the weight w "
            f"and the bias b. Start at (w, b) = {NEURON_START} (both inputs switched off) "
            f"with learning rate {NEURON_LR:g}. {act.title}: {act.effect}"
        ),
        options={"activation": act.name, "start": NEURON_START, "lr": NEURON_LR,
                 "inputs": tuple(U), "targets": tuple(T)},
    )
