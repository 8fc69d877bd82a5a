"""Where gradients come from: symbolic, finite-difference and automatic derivatives.

* :func:`finite_difference` and :func:`fd_error_curve`: forward and central
  differences, and their error against the exact derivative for a range of
  steps ``h`` (truncation error on the right of a log-log plot, round-off on
  the left).
* :class:`Dual` and :func:`derivative`: forward-mode automatic
  differentiation with dual numbers ``a + b·ε`` (``ε² = 0``), written here in
  numpy; :func:`dual_gradient` runs a typed formula through them.
* :func:`symbolic_derivative`: the derivative of a typed formula, as text.
* :func:`lhopital_example`: ``h(t) = (t² − 4)/(t − 2)`` at ``t = 2``, where
  naive evaluation and automatic differentiation give ``nan`` but the
  symbols say ``h(t) = t + 2``, ``h(2) = 4``; and what the epsilon hacks do.
* :func:`compare_derivatives`: all the routes side by side at one point.

Non-smooth functions use the same conventions as :mod:`core.parse`:
``heaviside' = 0``, ``relu'(u) = heaviside(u)``, ``abs'(u) = sign(u)``,
``heaviside(0) = ½``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import bad, check_choice, check_real
from .parse import NUMPY_FUNCTIONS, Formula, check_formula

Array = np.ndarray

#: Default steps for :func:`fd_error_curve`: 10⁻¹⁶ … 10⁰, five per decade.
DEFAULT_STEPS = np.logspace(-16, 0, 81)


# -- dual numbers ----------------------------------------------------------------------

class Dual:
    """A dual number ``value + deriv·ε`` with ``ε² = 0``: forward-mode AD.

    Arithmetic on duals carries the derivative along by the chain rule, so
    evaluating ``f(Dual(x, 1))`` gives ``f(x)`` and ``f'(x)`` together.
    ``value`` and ``deriv`` may be numpy arrays (one dual per element).

    Examples
    --------
    >>> from core.derivatives import Dual, sin
    >>> d = sin(Dual(0.0, 1.0)) * 3 + Dual(0.0, 1.0) ** 2
    >>> float(d.value), float(d.deriv)
    (0.0, 3.0)
    """

    __slots__ = ("value", "deriv")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy ufuncs on duals (``np.sin(d)``, ``array * d``) follow the dual rules."""
        fn = _UFUNCS.get(ufunc)
        if method != "__call__" or kwargs or fn is None:
            return NotImplemented
        return fn(*inputs)

    def __init__(self, value: Any, deriv: Any = 0.0):
        self.value = value
        self.deriv = deriv

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.deriv!r})"

    # -- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.deriv + other.deriv)
        return Dual(self.value + other, self.deriv)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value - other.value, self.deriv - other.deriv)
        return Dual(self.value - other, self.deriv)

    def __rsub__(self, other: Any) -> Dual:
        return Dual(other - self.value, -self.deriv)

    def __mul__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value * other.value,
                        self.deriv * other.value + self.value * other.deriv)
        return Dual(self.value * other, self.deriv * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            # Quotient rule (u/v)' = (u'v − uv')/v²: at u = v = 0 it is 0/0 = nan,
            # exactly like the libraries the lecture warns about.
            return Dual(self.value / other.value,
                        (self.deriv * other.value - self.value * other.deriv)
                        / (other.value * other.value))
        return Dual(self.value / other, self.deriv / other)

    def __rtruediv__(self, other: Any) -> Dual:
        v = self.value
        return Dual(other / v, -other * self.deriv / (v * v))

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            v, w = self.value, other.value
            out = v**w
            # d(v^w) = v^w (w' log v + w v'/v); the log term only where w varies.
            deriv = out * (other.deriv * np.log(v) + w * self.deriv / v)
            deriv = np.where(np.asarray(other.deriv) == 0, w * v ** (w - 1) * self.deriv, deriv)
            return Dual(out, _unwrap(deriv))
        c = other
        if np.all(np.asarray(c) == 0):
            return Dual(self.value**c, 0.0 * self.deriv)
        return Dual(self.value**c, c * self.value ** (c - 1) * self.deriv)

    def __rpow__(self, other: Any) -> Dual:
        out = other**self.value
        return Dual(out, out * np.log(other) * self.deriv)

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.deriv)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Dual:
        return Dual(np.abs(self.value), np.sign(self.value) * self.deriv)


def _unwrap(a: Any) -> Any:
    arr = np.asarray(a)
    return arr[()] if arr.ndim == 0 else arr


def _lift(fn: Callable, dfn: Callable) -> Callable:
    """A function that works on numbers, arrays and :class:`Dual`."""

    def lifted(u: Any) -> Any:
        if isinstance(u, Dual):
            return Dual(fn(u.value), dfn(u.value) * u.deriv)
        return fn(u)

    lifted.__name__ = getattr(fn, "__name__", "function")
    return lifted


def _sigmoid(u: Any) -> Any:
    return NUMPY_FUNCTIONS["sigmoid"](u)


sin = _lift(np.sin, np.cos)
cos = _lift(np.cos, lambda u: -np.sin(u))
tan = _lift(np.tan, lambda u: 1.0 + np.tan(u) ** 2)
exp = _lift(np.exp, np.exp)
log = _lift(np.log, lambda u: 1.0 / u)
sqrt = _lift(np.sqrt, lambda u: 0.5 / np.sqrt(u))
tanh = _lift(np.tanh, lambda u: 1.0 - np.tanh(u) ** 2)
sinh = _lift(np.sinh, np.cosh)
cosh = _lift(np.cosh, np.sinh)
heaviside = _lift(NUMPY_FUNCTIONS["heaviside"], lambda u: np.zeros_like(np.asarray(u, dtype=float)))
relu = _lift(NUMPY_FUNCTIONS["relu"], NUMPY_FUNCTIONS["heaviside"])
sigmoid = _lift(_sigmoid, lambda u: _sigmoid(u) * (1.0 - _sigmoid(u)))
softplus = _lift(NUMPY_FUNCTIONS["softplus"], _sigmoid)


def absolute(u: Any) -> Any:
    """``|u|`` with derivative ``sign(u)``."""
    return abs(u) if isinstance(u, Dual) else np.abs(u)


def maximum(a: Any, b: Any) -> Any:
    """``max(a, b)`` with derivative ``H(a − b)·a' + H(b − a)·b'`` (½ each at a tie)."""
    if not isinstance(a, Dual) and not isinstance(b, Dual):
        return np.maximum(a, b)
    a, b = _as_dual(a), _as_dual(b)
    H = NUMPY_FUNCTIONS["heaviside"]
    return Dual(np.maximum(a.value, b.value),
                H(a.value - b.value) * a.deriv + H(b.value - a.value) * b.deriv)


def minimum(a: Any, b: Any) -> Any:
    """``min(a, b)`` with derivative ``H(b − a)·a' + H(a − b)·b'``."""
    if not isinstance(a, Dual) and not isinstance(b, Dual):
        return np.minimum(a, b)
    a, b = _as_dual(a), _as_dual(b)
    H = NUMPY_FUNCTIONS["heaviside"]
    return Dual(np.minimum(a.value, b.value),
                H(b.value - a.value) * a.deriv + H(a.value - b.value) * b.deriv)


def _as_dual(u: Any) -> Dual:
    return u if isinstance(u, Dual) else Dual(u, 0.0)


def _binary(name: str, reflected: str) -> Callable[[Any, Any], Any]:
    def op(a: Any, b: Any) -> Any:
        return getattr(a, name)(b) if isinstance(a, Dual) else getattr(b, reflected)(a)
    return op


_UFUNCS: Mapping[Any, Callable] = {
    np.add: _binary("__add__", "__radd__"), np.subtract: _binary("__sub__", "__rsub__"),
    np.multiply: _binary("__mul__", "__rmul__"), np.true_divide: _binary("__truediv__", "__rtruediv__"),
    np.power: _binary("__pow__", "__rpow__"), np.negative: lambda u: -u, np.positive: lambda u: u,
    np.absolute: lambda u: abs(u), np.sin: sin, np.cos: cos, np.tan: tan, np.exp: exp,
    np.log: log, np.sqrt: sqrt, np.tanh: tanh, np.sinh: sinh, np.cosh: cosh,
    np.maximum: maximum, np.minimum: minimum,
}

#: Dual-number versions of every function in :data:`core.parse.FUNCTIONS`.
DUAL_FUNCTIONS: Mapping[str, Callable] = {
    "sin": sin, "cos": cos, "tan": tan, "exp": exp, "log": log, "sqrt": sqrt,
    "abs": absolute, "tanh": tanh, "sinh": sinh, "cosh": cosh, "heaviside": heaviside,
    "relu": relu, "sigmoid": sigmoid, "softplus": softplus, "min": minimum, "max": maximum,
}


def derivative(fn: Callable[[Any], Any], x: Any) -> Any:
    """``fn'(x)`` by forward-mode automatic differentiation.

    ``fn`` must be built from arithmetic and the functions of this module
    (:data:`DUAL_FUNCTIONS`); ``x`` may be a number or an array.

    Examples
    --------
    >>> from core.derivatives import derivative, exp
    >>> round(derivative(lambda t: t**3 + exp(2*t), 0.0), 12)
    2.0
    """
    arr = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        out = fn(Dual(arr[()] if arr.ndim == 0 else arr, np.ones_like(arr)[()]))
    d = out.deriv if isinstance(out, Dual) else np.zeros_like(arr)
    d = np.broadcast_to(np.asarray(d, dtype=float), arr.shape)
    return float(d) if d.ndim == 0 else d.copy()


def _formula(target: str | Formula) -> Formula:
    return target if isinstance(target, Formula) else check_formula(target)


def dual_gradient(text: str | Formula, point: Any) -> Array:
    """Gradient of a typed formula at ``point`` by dual numbers (one pass per variable).

    Examples
    --------
    >>> from core.derivatives import dual_gradient
    >>> dual_gradient("x**2*y + sin(y)", [3.0, 0.0]).tolist()
    [0.0, 10.0]
    """
    formula = _formula(text)
    pt = _point(point, formula.dim)
    grads = []
    with np.errstate(all="ignore"):
        for i in range(formula.dim):
            values = {v: Dual(pt[..., k], np.full(pt.shape[:-1], float(k == i))[()])
                      for k, v in enumerate(formula.variables)}
            out = formula.evaluate(values, DUAL_FUNCTIONS)
            d = out.deriv if isinstance(out, Dual) else 0.0
            grads.append(np.broadcast_to(np.asarray(d, dtype=float), pt.shape[:-1]))
    return np.stack(grads, axis=-1)


def _point(point: Any, dim: int) -> Array:
    try:
        pt = np.array(point, dtype=float)
    except (TypeError, ValueError):
        raise bad("point", point, f"{dim} number{'s' if dim > 1 else ''}") from None
    if pt.ndim == 0:
        pt = pt.reshape(1)
    if pt.shape[-1:] != (dim,):
        raise bad("point", point, f"{dim} number{'s' if dim > 1 else ''} (the formula has "
                  f"{dim} variable{'s' if dim > 1 else ''})")
    return pt


# -- finite differences -------------------------------------------------------------------

def finite_difference(f: Callable[[Any], Any], x: Any, h: Any, kind: str = "forward") -> Any:
    """Forward ``(f(x+h) − f(x))/h`` or central ``(f(x+h) − f(x−h))/(2h)`` difference.

    ``f`` takes numbers or arrays; ``x`` and ``h`` broadcast against each other.
    The forward difference has truncation error ``≈ |f''|·h/2``, the central
    one ``≈ |f'''|·h²/6``; both have round-off error ``≈ ε_mach·|f|/h``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.derivatives import finite_difference
    >>> bool(abs(finite_difference(np.sin, 1.0, 1e-5, "central") - np.cos(1.0)) < 1e-10)
    True
    """
    kind = check_choice("kind", kind, ("forward", "central"))
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise bad("h", h.tolist() if h.size < 8 else "array", "positive finite step(s)")
    with np.errstate(all="ignore"):
        if kind == "forward":
            out = (np.asarray(f(x + h)) - np.asarray(f(x))) / h
        else:
            out = (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2.0 * h)
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class FDErrorCurve:
    """Finite-difference derivatives and their errors for a range of steps.

    ``hs`` are the steps (increasing); ``forward``/``central`` the estimates;
    ``forward_error``/``central_error`` their absolute errors against
    ``exact``.  An error can be exactly 0 (a central difference of a
    quadratic is exact): plot ``np.maximum(error, floor)`` on log axes.
    ``forward_model``/``central_model`` are the textbook error models
    ``|f''|h/2 + ε|f|/h`` and ``|f'''|h²/6 + ε|f|/h`` (derivatives by central
    differences at a moderate step), for drawing beside the measurements.
    """

    hs: Array
    forward: Array
    central: Array
    exact: float
    forward_error: Array
    central_error: Array
    forward_model: Array
    central_model: Array
    point: Array
    axis: int

    @property
    def best_forward_h(self) -> float:
        """The step with the smallest forward-difference error (theory: ≈ √ε ≈ 1e-8)."""
        return float(self.hs[int(np.nanargmin(self.forward_error))])

    @property
    def best_central_h(self) -> float:
        """The step with the smallest central-difference error (theory: ≈ ε^⅓ ≈ 6e-6)."""
        return float(self.hs[int(np.nanargmin(self.central_error))])


def fd_error_curve(target: Any, x: Any, hs: Any = None, *, axis: int = 0,
                   exact: float | None = None) -> FDErrorCurve:
    """Forward and central finite-difference errors against the exact derivative.

    Parameters
    ----------
    target
        A :class:`core.Problem` (the partial derivative along ``axis`` at
        point ``x``, exact from its gradient), the text of a formula, or a
        vectorised function of one variable (exact derivative by dual numbers
        unless ``exact`` is given).
    x
        The point: a number for functions of one variable, else ``(dim,)``.
    hs
        Steps, positive; default :data:`DEFAULT_STEPS` (1e-16 … 1).

    Examples
    --------
    >>> import numpy as np
    >>> from core.derivatives import fd_error_curve
    >>> c = fd_error_curve(np.sin, 1.0, exact=np.cos(1.0))
    >>> 1e-9 < c.best_forward_h < 1e-7, 1e-7 < c.best_central_h < 1e-4
    (True, True)
    """
    steps = np.array(DEFAULT_STEPS if hs is None else hs, dtype=float).ravel()
    if steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise bad("hs", hs, "a non-empty sequence of positive finite steps")
    steps = np.sort(steps)
    fn, point, true = _line_function(target, x, axis, exact)
    c0 = point[axis] if point.ndim else float(point)
    with np.errstate(all="ignore"):
        fwd = finite_difference(fn, c0, steps, "forward")
        cen = finite_difference(fn, c0, steps, "central")
        fwd, cen = np.atleast_1d(fwd), np.atleast_1d(cen)
        f0 = abs(float(np.asarray(fn(c0))))
        eps = np.finfo(float).eps
        scale = max(abs(c0), 1.0)
        d2 = abs(_second(fn, c0, 1e-4 * scale))
        d3 = abs(_third(fn, c0, 1e-3 * scale))
        fmodel = d2 * steps / 2 + eps * f0 / steps
        cmodel = d3 * steps**2 / 6 + eps * f0 / steps
    return FDErrorCurve(
        hs=steps, forward=fwd, central=cen, exact=true,
        forward_error=np.abs(fwd - true), central_error=np.abs(cen - true),
        forward_model=fmodel, central_model=cmodel, point=point, axis=axis,
    )


def _second(fn: Callable, x: float, h: float) -> float:
    return float((np.asarray(fn(x + h)) - 2 * np.asarray(fn(x)) + np.asarray(fn(x - h))) / h**2)


def _third(fn: Callable, x: float, h: float) -> float:
    v = [float(np.asarray(fn(x + k * h))) for k in (-2, -1, 1, 2)]
    return (v[3] - 2 * v[2] + 2 * v[1] - v[0]) / (2 * h**3)


def _line_function(target: Any, x: Any, axis: int, exact: float | None):
    """(f along one coordinate as a function of that coordinate, point, exact derivative)."""
    from .problems.base import Problem

    if isinstance(target, str):
        from .parse import parse_function

        target = parse_function(target)
    if isinstance(target, Problem):
        p = target
        if not isinstance(axis, int) or not 0 <= axis < p.dim:
            raise bad("axis", axis, f"an integer in [0, {p.dim - 1}]")
        pt = _point(x, p.dim)
        if pt.ndim != 1:
            raise bad("x", x, f"one point of {p.dim} numbers")

        def fn(c: Any) -> Array:
            c = np.asarray(c, dtype=float)
            X = np.broadcast_to(pt, c.shape + (p.dim,)).copy()
            X[..., axis] = c
            return p.value(X)

        true = float(p.grad(pt)[axis]) if exact is None else float(exact)
        return fn, pt, true
    if not callable(target):
        raise bad("target", target, "a Problem, a formula or a function of one variable")
    c0 = check_real("x", x)
    true = derivative(target, c0) if exact is None else float(exact)
    return target, np.array([c0]), float(true)


# -- symbolic ------------------------------------------------------------------------------

def symbolic_derivative(text: str, variable: str = "x") -> str:
    """The derivative of a typed formula with respect to ``variable``, as text.

    The result uses the formula syntax (``**``, ``abs``, ``e``), so most
    results can be typed back in; derivatives of ``abs`` contain ``sign``.

    Examples
    --------
    >>> from core.derivatives import symbolic_derivative
    >>> symbolic_derivative("sin(3*x)*y + x**2/4")
    'x/2 + 3*y*cos(3*x)'
    >>> symbolic_derivative("sin(3*x)*y + x**2/4", "y")
    'sin(3*x)'
    """
    variable = check_choice("variable", variable, ("x", "y"))
    formula = check_formula(text)
    if variable not in formula.variables:
        return "0"
    from .parse import _compile

    return _compile(text).gradient[formula.variables.index(variable)]


# -- L'Hôpital ----------------------------------------------------------------------------

def _h(t: Any) -> Any:
    return (t * t - 4) / (t - 2)


@dataclass(frozen=True)
class LHopitalReport:
    """What each route gives for ``h(t) = (t² − 4)/(t − 2)`` at ``t = 2``.

    The true values are ``h(2) = 4`` and ``h'(2) = 1`` (``h(t) = t + 2``).

    * ``naive_value``: the formula evaluated in floating point: 0/0 = nan.
    * ``dual_value``, ``dual_derivative``: dual numbers through the same
      formula: nan and nan (the quotient rule divides 0 by 0 again).
    * ``symbolic_text``, ``symbolic_value``, ``symbolic_derivative``,
      ``limit_value``: sympy cancels the common factor (``t + 2``) or takes
      the limit, giving 4 and 1.
    * Epsilon hacks for each ``epsilons[k]``:
      ``eps_denominator_value/derivative`` divide by ``t − 2 + ε`` — no nan,
      but the value at ``t = 2`` is 0 (wrong by 4 whatever ε is) and the
      derivative is ``4/ε``, which explodes as ε shrinks;
      ``eps_nudge_value/error`` evaluate at ``t = 2 + ε`` instead: the value
      is ``4 + ε`` (error ε) — and exactly 4 once ε < about 1e-8, because
      rounding swallows the ε — and nan again once ``2 + ε`` rounds to 2
      (ε below about 2.2e-16).  ``eps_nudge_derivative`` is what dual numbers
      then give for ``h'``: right (1) for ε above about 1e-6, but about 2 for
      small ε, because ``2t(t − 2) − (t² − 4)`` cancels to round-off before it
      is divided by ``(t − 2)²``.  That is what the hack costs.
    """

    t: float
    exact_value: float
    exact_derivative: float
    naive_value: float
    dual_value: float
    dual_derivative: float
    symbolic_text: str
    symbolic_value: float
    symbolic_derivative: float
    limit_value: float
    epsilons: Array
    eps_denominator_value: Array
    eps_denominator_derivative: Array
    eps_nudge_value: Array
    eps_nudge_error: Array
    eps_nudge_derivative: Array

    @property
    def safe_nudge_epsilon(self) -> float:
        """The smallest ε for which the nudged value and its dual-number
        derivative are both within 1e-3 of the truth (nan if there is none)."""
        good = (self.eps_nudge_error <= 1e-3) & (np.abs(self.eps_nudge_derivative - 1.0) <= 1e-3)
        idx = np.flatnonzero(good)
        return float(np.sort(self.epsilons[idx])[0]) if idx.size else math.nan

    def rows(self, eps: float = 1e-8) -> list[tuple[str, float, float, str]]:
        """Table rows ``(route, h(2), h'(2), comment)`` for display, using ``eps``."""
        with np.errstate(all="ignore"):
            den = _h_eps_denominator(2.0, eps)
            den_d = derivative(lambda t: (t * t - 4) / (t - 2 + eps), 2.0)
            nudge = float(_h(2.0 + eps))
            nudge_d = derivative(_h, 2.0 + eps)
        return [
            ("exact (h(t) = t + 2)", self.exact_value, self.exact_derivative, "the truth"),
            ("naive evaluation", self.naive_value, math.nan, "0/0 = nan"),
            ("automatic differentiation", self.dual_value, self.dual_derivative,
             "dual numbers inherit the 0/0: the library does not know L'Hôpital"),
            (f"symbolic: cancel → {self.symbolic_text}", self.symbolic_value,
             self.symbolic_derivative, "the symbols see the common factor (t − 2)"),
            ("symbolic: limit t → 2", self.limit_value, math.nan, "L'Hôpital's rule"),
            (f"ε in the denominator (ε = {eps:g})", den, den_d,
             "no nan, but h(2) = 0 and h'(2) = 4/ε: silently wrong"),
            (f"nudge the input (t = 2 + {eps:g})", nudge, nudge_d,
             "h ≈ 4 + ε, but the dual-number h' cancels to round-off for small ε "
             f"(both right only for ε ≥ {self.safe_nudge_epsilon:.0e})"),
        ]


def _h_eps_denominator(t: float, eps: Any) -> Any:
    return (t * t - 4) / (t - 2 + eps)


def lhopital_example(epsilons: Any = None) -> LHopitalReport:
    """The lecture's L'Hôpital example ``h(t) = (t² − 4)/(t − 2)`` at ``t = 2``.

    Needs sympy for the symbolic route (imported here, lazily).

    Examples
    --------
    >>> from core.derivatives import lhopital_example
    >>> r = lhopital_example()
    >>> r.naive_value, r.dual_derivative, r.symbolic_value, r.symbolic_text
    (nan, nan, 4.0, 't + 2')
    """
    eps = np.logspace(-16, -1, 31) if epsilons is None else np.array(epsilons, dtype=float).ravel()
    if eps.size == 0 or not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise bad("epsilons", epsilons, "positive finite numbers")
    import sympy as sp

    t = sp.Symbol("t", real=True)
    h_sym = (t**2 - 4) / (t - 2)
    cancelled = sp.cancel(h_sym)
    with np.errstate(all="ignore"):
        naive = float(_h(np.float64(2.0)))
        dual = _h(Dual(np.float64(2.0), np.float64(1.0)))
        den_value = _h_eps_denominator(np.float64(2.0), eps)
        den_deriv = np.array([derivative(lambda s, e=e: (s * s - 4) / (s - 2 + e), 2.0) for e in eps])
        nudge = _h(2.0 + eps)
        nudge_deriv = derivative(_h, 2.0 + eps)
    return LHopitalReport(
        t=2.0, exact_value=4.0, exact_derivative=1.0, naive_value=naive,
        dual_value=float(dual.value), dual_derivative=float(dual.deriv),
        symbolic_text=str(cancelled), symbolic_value=float(cancelled.subs(t, 2)),
        symbolic_derivative=float(sp.diff(cancelled, t).subs(t, 2)),
        limit_value=float(sp.limit(h_sym, t, 2)), epsilons=eps,
        eps_denominator_value=np.asarray(den_value, dtype=float), eps_denominator_derivative=den_deriv,
        eps_nudge_value=nudge, eps_nudge_error=np.abs(nudge - 4.0),
        eps_nudge_derivative=np.asarray(nudge_deriv, dtype=float),
    )


# -- all routes at one point --------------------------------------------------------------

@dataclass(frozen=True)
class DerivativeComparison:
    """Every route to ``∂f/∂variable`` of a typed formula at one point.

    ``symbolic`` is the exact derivative (the symbolic formula
    ``symbolic_text`` evaluated); ``forward``/``central`` are finite
    differences with step ``h``; ``automatic`` comes from dual numbers.
    ``errors`` maps each route to its absolute error against ``symbolic``.
    """

    text: str
    variable: str
    point: Array
    h: float
    symbolic_text: str
    symbolic: float
    forward: float
    central: float
    automatic: float

    @property
    def errors(self) -> dict[str, float]:
        return {k: abs(getattr(self, k) - self.symbolic) for k in ("forward", "central", "automatic")}


def compare_derivatives(text: str, point: Any, variable: str = "x", h: float = 1e-6) -> DerivativeComparison:
    """Symbolic, forward/central finite-difference and dual-number derivatives at ``point``.

    Examples
    --------
    >>> from core.derivatives import compare_derivatives
    >>> c = compare_derivatives("sin(3*x)*y + x**2/4", [0.0, 2.0])
    >>> c.symbolic_text, c.symbolic, c.automatic
    ('x/2 + 3*y*cos(3*x)', 6.0, 6.0)
    >>> c.errors["central"] < 1e-8 < c.errors["forward"]
    True
    """
    from .parse import parse_function

    variable = check_choice("variable", variable, ("x", "y"))
    h = check_real("h", h, low=0.0, low_open=True)
    p = parse_function(text)
    pt = _point(point, p.dim)
    if pt.ndim != 1:
        raise bad("point", point, f"one point of {p.dim} numbers")
    if variable not in p.coords:
        raise ValueError(f"variable={variable!r} is not allowed: the formula has only "
                         f"{', '.join(p.coords)}.")
    axis = p.coords.index(variable)
    curve = fd_error_curve(p, pt, [h], axis=axis)
    return DerivativeComparison(
        text=text.strip(), variable=variable, point=pt, h=h,
        symbolic_text=p.options["gradient"][axis], symbolic=curve.exact,
        forward=float(curve.forward[0]), central=float(curve.central[0]),
        automatic=float(dual_gradient(text, pt)[axis]),
    )
