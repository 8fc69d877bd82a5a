"""Method specifications and the method registry.

A method is a pair of functions in the style of optax: ``init`` builds the
method's state at the start point and ``step`` advances it by one iteration.
Both see the problem only through an evaluation context that counts every
call, so the app can compare how many "cups of tea" each method brews.

The state is a NamedTuple with at least the fields ``x`` (runs, dim), ``f``
(runs,) and ``g`` (runs, dim) or None: the current iterate, its objective value
and its gradient, all for the objective being *minimised* (the runner passes
``-f`` when maximising).  Everything is batched over a leading "runs" axis.

Diagnostics
-----------
``step`` returns a dict of per-step diagnostics the views can draw.  Every
value has the runs axis first.  Keys in use (a method reports those it has):

``grad`` (runs, dim)
    gradient of f at the point the step started from;
``velocity`` (runs, dim)
    momentum buffer / running mean of gradients;
``step`` (runs, dim)
    the displacement actually taken;
``step_size`` (runs, dim)
    per-coordinate effective learning rate;
``newton_step`` (runs, dim)
    −H⁻¹∇f at the start of the step (whether or not it was taken);
``hessian_ok`` (runs,)
    False when the Hessian was singular or not positive definite;
``trials`` (runs, k, dim)
    line-search trial points (NaN rows pad runs that needed fewer trials);
``direction`` (runs, dim)
    the search direction a line search moved along (CG, BFGS);
``nu`` (runs,)
    Levenberg–Marquardt damping;
``simplex`` (runs, dim+1, dim)
    Nelder–Mead simplex after the step;
``temperature`` (runs,), ``candidate`` (runs, dim), ``accepted`` (runs,)
    simulated annealing;
``population`` (runs, P, dim)
    genetic algorithm population after the step;
``evaluated`` (runs, k, dim)
    every point whose value the step computed (exhaustive/random search).

``captions`` on a :class:`Method` maps diagnostic keys to one-line
explanations shown in step-by-step mode.

Notes in the message
--------------------
A state may define a method ``note(i) -> str``: a remark about run ``i``
("the Hessian was not positive definite at 2 steps") that the runner appends
to a single run's message when it is not empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import bad, check_choice, check_int, check_real

GROUPS = ("first-order", "second-order", "derivative-free")


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter: its meaning, default and allowed range.

    The Method panel builds its controls from these, so no method needs a
    hand-made form.  ``kind`` is ``"float"``, ``"int"``, ``"choice"`` or ``"bool"``.
    """

    name: str
    default: Any
    help: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    choices: tuple[str, ...] = ()
    label: str = ""

    @property
    def display(self) -> str:
        """A label for the GUI."""
        return self.label or self.name.replace("_", " ")

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ValueError."""
        if self.kind == "float":
            return check_real(self.name, value, low=self.low, high=self.high,
                              low_open=self.low_open, high_open=self.high_open)
        if self.kind == "int":
            lo = None if self.low is None else int(self.low)
            hi = None if self.high is None else int(self.high)
            return check_int(self.name, value, low=lo, high=hi)
        if self.kind == "choice":
            return check_choice(self.name, value, self.choices)
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise bad(self.name, value, "True or False")
            return bool(value)
        raise AssertionError(f"unknown kind {self.kind!r}")

    def allowed(self) -> str:
        """A short description of the allowed values."""
        try:
            self.check(float("nan"))
        except ValueError as exc:
            text = str(exc)
            return text.split(" must be ", 1)[1].rstrip(".")
        return "any value"  # pragma: no cover


def learning_rate(default: float, help_text: str = "step size: how far to move along the update") -> HyperParam:
    """The ``lr`` hyperparameter shared by most methods."""
    return HyperParam("lr", default, help_text, low=0.0, high=1e4, low_open=True, log=True,
                      label="learning rate")


@dataclass(frozen=True)
class Method:
    """A registered optimisation method.

    Attributes
    ----------
    name, title, group, summary
        Registry key, display title, one of :data:`GROUPS`, one-line summary.
    params
        Hyperparameter specification.
    init, step
        ``init(ctx, x0, hp) -> state`` and ``step(ctx, state, hp) -> (state, diagnostics)``.
    batched
        True if independent runs advance together along the leading axis.
    needs
        Which evaluations it uses: a subset of {"f", "g", "h", "residuals"}.
    converged
        Optional ``converged(state, tol) -> bool array``; default: gradient norm < tol.
    stochastic
        True if it draws random numbers (takes ``seed``).
    """

    name: str
    title: str
    group: str
    summary: str
    params: tuple[HyperParam, ...]
    init: Callable[..., Any]
    step: Callable[..., tuple[Any, dict[str, np.ndarray]]]
    batched: bool = True
    needs: frozenset[str] = field(default_factory=lambda: frozenset({"f", "g"}))
    converged: Callable[[Any, float], np.ndarray] | None = None
    stochastic: bool = False
    captions: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> HyperParam:
        """The hyperparameter called ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def defaults(self) -> dict[str, Any]:
        """Default value of every hyperparameter."""
        return {p.name: p.default for p in self.params}

    def validate(self, **hyper: Any) -> dict[str, Any]:
        """Check ``hyper`` against the specification; fill in defaults.

        Examples
        --------
        >>> import core
        >>> core.METHODS["momentum"].validate(lr=0.1)["momentum"]
        0.9
        """
        names = [p.name for p in self.params]
        for key in hyper:
            if key not in names:
                raise ValueError(
                    f"unknown hyperparameter {key!r} for method {self.name!r}: "
                    f"it accepts {', '.join(names) if names else 'none'}."
                )
        return {p.name: p.check(hyper[p.name]) if p.name in hyper else p.default
                for p in self.params}


METHODS: dict[str, Method] = {}


def register_method(method: Method) -> Method:
    """Add ``method`` to :data:`METHODS`."""
    if method.name in METHODS:
        raise RuntimeError(f"method {method.name!r} registered twice")
    if method.group not in GROUPS:
        raise RuntimeError(f"method {method.name!r} has unknown group {method.group!r}")
    METHODS[method.name] = method
    return method


def get_method(name: object) -> Method:
    """The registered method ``name`` or a ValueError listing the choices."""
    if not isinstance(name, str) or name not in METHODS:
        raise bad("method", name, "one of " + ", ".join(sorted(METHODS)))
    return METHODS[name]
