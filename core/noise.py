"""Noisy gradients: stochastic-gradient and dropout-style randomness on any problem.

:func:`with_gradient_noise` wraps a :class:`core.Problem` so that every
gradient it returns carries seeded random noise, the way a mini-batch
gradient or dropout perturbs the search direction.  The value, the Hessian
and (for least-squares problems) the residuals and Jacobian are unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._checks import bad, check_int, check_real
from .problems.base import Problem

Array = np.ndarray


def with_gradient_noise(problem: Problem, scale: float, seed: int = 0, *,
                        dropout: float = 0.0) -> Problem:
    """A copy of ``problem`` whose gradient is ``mask·∇f/(1 − dropout) + N(0, scale²)``.

    Parameters
    ----------
    problem
        Any problem.
    scale
        Standard deviation of the Gaussian noise added to every gradient
        component (``>= 0``; 0 adds none).
    seed
        Seed of the noise stream (an integer ``>= 0``).  The stream starts
        afresh with every call of this function, so the same seed and the same
        sequence of gradient evaluations give the same noise: wrap again to
        replay a run exactly.
    dropout
        Probability in ``[0, 1)`` that each gradient component is zeroed, the
        survivors scaled by ``1/(1 − dropout)`` so that the mean is unchanged.

    Notes
    -----
    Each call of the gradient draws new noise, also at the same point: this is
    a stochastic gradient, not a fixed bumpy landscape.  The noise stream is
    not thread-safe; give each run its own wrapper.

    Examples
    --------
    >>> import core
    >>> p = core.with_gradient_noise(core.get_problem("bowl"), scale=0.1, seed=1)
    >>> q = core.with_gradient_noise(core.get_problem("bowl"), scale=0.1, seed=1)
    >>> bool((p.grad([1.0, 1.0]) == q.grad([1.0, 1.0])).all())
    True
    >>> r = core.run(p, "gd", [1.5, -1.0], steps=300, lr=0.1, tol=0)
    >>> bool(abs(r.x).max() < 0.2)
    True
    """
    if not isinstance(problem, Problem):
        raise bad("problem", problem, "a core.Problem")
    scale = check_real("scale", scale, low=0.0, high=1e6)
    seed = check_int("seed", seed, low=0)
    dropout = check_real("dropout", dropout, low=0.0, high=1.0, high_open=True)
    rng = np.random.default_rng(seed)
    keep = 1.0 - dropout
    base_g, base_fg = problem.g, problem.fg

    def perturb(grad: Array) -> Array:
        grad = np.asarray(grad, dtype=float)
        if dropout > 0:
            grad = grad * (rng.random(grad.shape) < keep) / keep
        if scale > 0:
            grad = grad + scale * rng.standard_normal(grad.shape)
        return grad

    def g(X: Array) -> Array:
        return perturb(base_g(X))

    fg = None
    if base_fg is not None:
        def fg(X: Array) -> tuple[Array, Array]:
            f, grad = base_fg(X)
            return f, perturb(grad)

    parts = [f"σ = {scale:g}"] + ([f"dropout {dropout:g}"] if dropout else [])
    return replace(
        problem, g=g, fg=fg,
        title=f"{problem.title} (noisy gradient, {', '.join(parts)})",
        description=(problem.description + " Every gradient here is perturbed by random "
                     f"noise ({', '.join(parts)}, seed {seed}), like a mini-batch gradient "
                     "or dropout: the path jitters, and it settles near the minimum rather "
                     "than on it."),
        options={**problem.options, "gradient_noise": scale, "noise_seed": seed,
                 "dropout": dropout},
    )
