"""First-order methods, following torch.optim's documented algorithms exactly.

Each update is written in the same order of floating-point operations as
torch's single-tensor implementation, so a student who moves on to PyTorch
(in float64) sees identical numbers.  ``maximize`` is handled by the runner,
which hands these methods the gradient of ``-f``, exactly as torch negates
the gradient.

The learning rate may also be given per run, as an array of shape (runs,):
the runner hands it over as (runs, 1), so one batched run sweeps many
learning rates, each run bit-identical to a separate run with a scalar rate.
Diagnostics are computed only when the runner keeps them (``ctx.diagnostics``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np

from .._checks import bad, check_real
from .base import HyperParam, Method, register_method
from .base import learning_rate as _scalar_rate

Array = np.ndarray


@dataclass(frozen=True)
class PerRunHyperParam(HyperParam):
    """A float hyperparameter that may also be one value per run.

    ``check`` accepts a number, or a non-empty 1-D sequence of numbers each
    inside the range (returned as a read-only float array).

    Examples
    --------
    >>> import core
    >>> core.METHODS["gd"].validate(lr=[0.1, 0.5])["lr"]
    array([0.1, 0.5])
    """

    def check(self, value: Any) -> Any:
        if not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) == 0:
            return super().check(value)
        allowed = self.allowed()
        try:
            if np.iscomplexobj(value):  # casting would drop the imaginary part, with a warning
                raise TypeError
            arr = np.array(value, dtype=float)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond 1.8e308
            raise bad(self.name, value, f"a number {allowed} or a sequence of them") from None
        if arr.ndim != 1 or arr.size == 0:
            raise bad(self.name, value, f"a number {allowed} or a non-empty 1-D sequence of them")
        for i, v in enumerate(arr.tolist()):
            check_real(f"{self.name}[{i}]", v, low=self.low, high=self.high,
                       low_open=self.low_open, high_open=self.high_open)
        arr.flags.writeable = False
        return arr


def learning_rate(default: float) -> PerRunHyperParam:
    """The ``lr`` hyperparameter; it may be an array with one rate per run."""
    base = _scalar_rate(default)
    return PerRunHyperParam(**{f.name: getattr(base, f.name) for f in fields(base)})

_WD = HyperParam("weight_decay", 0.0, "L2 penalty: adds weight_decay·x to the gradient",
                 low=0.0, high=1e3, label="weight decay")
_EPS = HyperParam("eps", 1e-8, "added to the denominator so it is never zero",
                  low=0.0, high=1.0, label="epsilon")


class SGDState(NamedTuple):
    x: Array
    f: Array
    g: Array
    buf: Array  # momentum buffer (velocity); zeros before the first step
    t: int


def _sgd_init(ctx, x0: Array, hp) -> SGDState:
    f, g = ctx.fg(x0)
    return SGDState(x0, f, g, np.zeros_like(x0), 0)


def _make_sgd_step(nesterov: bool):
    def step(ctx, s: SGDState, hp):
        lr, mu, wd = hp["lr"], hp["momentum"], hp["weight_decay"]
        d_p = s.g if wd == 0 else s.g + wd * s.x
        buf = s.buf
        if mu != 0:
            buf = d_p.copy() if s.t == 0 else buf * mu + d_p
            d_p = d_p + mu * buf if nesterov else buf
        x = s.x + (-lr) * d_p
        f, g = ctx.fg(x)
        diag = {"grad": s.g, "velocity": buf, "step": x - s.x} if ctx.diagnostics else {}
        return SGDState(x, f, g, buf, s.t + 1), diag

    return step


_SGD_CAPTIONS = {
    "grad": "Compute the gradient: the direction in which the loss rises fastest.",
    "velocity": "Update the velocity: keep momentum·v and add the new gradient.",
    "step": "Take the step: move against the velocity, scaled by the learning rate.",
}

register_method(Method(
    name="gd", title="Gradient descent", group="first-order",
    summary="x ← x − r·∇f. With maximize=True: gradient ascent, x ← x + r·∇f.",
    params=(
        learning_rate(1e-3),
        HyperParam("momentum", 0.0, "fraction of the previous step carried into the next",
                   low=0.0, high=1.0),
        _WD,
    ),
    init=_sgd_init, step=_make_sgd_step(nesterov=False),
    captions={"grad": _SGD_CAPTIONS["grad"],
              "step": "Take the step: move against the gradient, scaled by the learning rate."},
))

register_method(Method(
    name="momentum", title="Momentum (heavy ball)", group="first-order",
    summary="v ← μv + ∇f, x ← x − r·v: a ball that keeps rolling through flat stretches.",
    params=(
        learning_rate(1e-3),
        HyperParam("momentum", 0.9, "fraction of the previous velocity kept (μ)", low=0.0, high=1.0),
        _WD,
    ),
    init=_sgd_init, step=_make_sgd_step(nesterov=False), captions=_SGD_CAPTIONS,
))

register_method(Method(
    name="nesterov", title="Nesterov momentum", group="first-order",
    summary="v ← μv + ∇f, x ← x − r(∇f + μv): momentum that looks ahead.",
    params=(
        learning_rate(1e-3),
        HyperParam("momentum", 0.9, "fraction of the previous velocity kept (μ)",
                   low=0.0, high=1.0, low_open=True),
        _WD,
    ),
    init=_sgd_init, step=_make_sgd_step(nesterov=True), captions=_SGD_CAPTIONS,
))


class AccState(NamedTuple):
    x: Array
    f: Array
    g: Array
    acc: Array  # sum (Adagrad) or running average (RMSprop) of squared gradients
    buf: Array
    t: int


def _acc_init(ctx, x0: Array, hp) -> AccState:
    f, g = ctx.fg(x0)
    return AccState(x0, f, g, np.zeros_like(x0), np.zeros_like(x0), 0)


def _adagrad_step(ctx, s: AccState, hp):
    lr, eps, wd = hp["lr"], hp["eps"], hp["weight_decay"]
    grad = s.g if wd == 0 else s.g + wd * s.x
    acc = s.acc + grad * grad
    std = np.sqrt(acc) + eps
    x = s.x + (-lr) * (grad / std)
    f, g = ctx.fg(x)
    diag = {"grad": s.g, "step_size": lr / std, "step": x - s.x} if ctx.diagnostics else {}
    return AccState(x, f, g, acc, s.buf, s.t + 1), diag


register_method(Method(
    name="adagrad", title="Adagrad", group="first-order",
    summary="Each coordinate's step shrinks with the sum of its squared gradients so far.",
    params=(learning_rate(1e-2), replace(_EPS, default=1e-10), _WD),
    init=_acc_init, step=_adagrad_step,
    captions={"grad": _SGD_CAPTIONS["grad"],
              "step_size": "Accumulate squared gradients: each coordinate gets its own step size.",
              "step": "Take the step: gradient divided by the root of the accumulated squares."},
))


def _rmsprop_step(ctx, s: AccState, hp):
    lr, alpha, eps, mu, wd = hp["lr"], hp["alpha"], hp["eps"], hp["momentum"], hp["weight_decay"]
    grad = s.g if wd == 0 else s.g + wd * s.x
    acc = s.acc * alpha + (1 - alpha) * (grad * grad)
    avg = np.sqrt(acc) + eps
    buf = s.buf
    if mu > 0:
        buf = buf * mu + grad / avg
        x = s.x + (-lr) * buf
    else:
        x = s.x + (-lr) * (grad / avg)
    f, g = ctx.fg(x)
    diag = ({"grad": s.g, "velocity": buf, "step_size": lr / avg, "step": x - s.x}
            if ctx.diagnostics else {})
    return AccState(x, f, g, acc, buf, s.t + 1), diag


register_method(Method(
    name="rmsprop", title="RMSprop", group="first-order",
    summary="Each coordinate's step is divided by a running average of its recent gradient sizes.",
    params=(
        learning_rate(1e-2),
        HyperParam("alpha", 0.99, "smoothing of the running average of squared gradients",
                   low=0.0, high=1.0, high_open=True),
        _EPS,
        HyperParam("momentum", 0.0, "momentum on the scaled step (0 = none)", low=0.0, high=1.0),
        _WD,
    ),
    init=_acc_init, step=_rmsprop_step,
    captions={"grad": _SGD_CAPTIONS["grad"],
              "step_size": "Update the running average of squared gradients: per-coordinate step sizes.",
              "step": "Take the step: gradient divided by the root of that average."},
))


class AdamState(NamedTuple):
    x: Array
    f: Array
    g: Array
    m: Array  # running mean of gradients, divided by (1 − β₁)
    v: Array  # running mean of squared gradients
    t: int


def _adam_init(ctx, x0: Array, hp) -> AdamState:
    f, g = ctx.fg(x0)
    return AdamState(x0, f, g, np.zeros_like(x0), np.zeros_like(x0), 0)


def _make_adam_step(decoupled: bool):
    def step(ctx, s: AdamState, hp):
        lr, b1, b2, eps, wd = hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
        t = s.t + 1
        # torch's rule, m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
        # x ← x − r·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), with
        # its constants gathered: the state keeps M = m/(1 − β₁), so M ← β₁M + g,
        # and with b = √(1 − β₂ᵗ) the step is x ← x − (r(1 − β₁)b/(1 − β₁ᵗ))·M/(√v + εb).
        # Eleven passes over the arrays instead of thirteen, the same numbers
        # as torch to rounding.  (v itself is not rescaled: v/(1 − β₂) would
        # overflow where torch's v does not.)  With ``ctx.in_place`` (a chunk
        # of a large batch) the state's own arrays are updated: a step then
        # allocates one scratch array.
        mine = ctx.in_place
        x, grad = s.x, s.g
        if decoupled:
            x = np.multiply(x, 1 - lr * wd, out=x if mine else None)
        elif wd != 0:
            grad = grad + wd * x
        m = np.multiply(s.m, b1, out=s.m if mine else None)
        m += grad
        v = np.multiply(s.v, b2, out=s.v if mine else None)
        work = np.multiply(grad, 1 - b2)
        work *= grad  # (1 − β₂)·g·g in torch's order (addcmul)
        v += work
        b = math.sqrt(1 - b2**t)
        denom = np.sqrt(v, out=work)
        denom += eps * b
        move = np.divide(m, denom, out=denom)
        move *= -lr * (1 - b1) * b / (1 - b1**t)
        x = np.add(x, move, out=x if mine else None)
        f, g = ctx.fg(x)
        diag = ({"grad": s.g, "velocity": m * (1 - b1),
                 "step_size": (lr / (1 - b1**t)) / (np.sqrt(v) / b + eps), "step": x - s.x}
                if ctx.diagnostics else {})
        return AdamState(x, f, g, m, v, t), diag

    return step


def _adam_params(wd_default: float, wd_help: str) -> tuple[HyperParam, ...]:
    return (
        learning_rate(1e-3),
        HyperParam("beta1", 0.9, "smoothing of the running mean of gradients (momentum)",
                   low=0.0, high=1.0, high_open=True, label="β₁"),
        HyperParam("beta2", 0.999, "smoothing of the running mean of squared gradients",
                   low=0.0, high=1.0, high_open=True, label="β₂"),
        _EPS,
        HyperParam("weight_decay", wd_default, wd_help, low=0.0, high=1e3, label="weight decay"),
    )


_ADAM_CAPTIONS = {
    "grad": _SGD_CAPTIONS["grad"],
    "velocity": "Update the running mean of gradients (momentum) and of squared gradients.",
    "step_size": "Correct both averages for their start at zero: per-coordinate step sizes.",
    "step": "Take the step: mean gradient divided by the root of the mean square.",
}

register_method(Method(
    name="adam", title="Adam", group="first-order",
    summary="Momentum plus per-coordinate step sizes from running averages, bias-corrected.",
    params=_adam_params(0.0, "L2 penalty added to the gradient (as torch.optim.Adam)"),
    init=_adam_init, step=_make_adam_step(decoupled=False), captions=_ADAM_CAPTIONS,
))

register_method(Method(
    name="adamw", title="AdamW", group="first-order",
    summary="Adam with decoupled weight decay: x shrinks by r·λ·x each step before the Adam step.",
    params=_adam_params(1e-2, "decoupled weight decay λ: x ← x(1 − r·λ) before each step"),
    init=_adam_init, step=_make_adam_step(decoupled=True), captions=_ADAM_CAPTIONS,
))
