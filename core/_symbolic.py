"""sympy back end of :mod:`core.parse` (imported lazily: ``import core`` never loads sympy).

A checked :class:`~core.parse.Formula` is built into a sympy expression node
by node — never through ``sympify``/``parse_expr`` — with a guard after every
node: no complex, infinite or undefined values, no huge numbers, exponents
that are numbers bounded before sympy computes a power exactly.  The gradient
and the Hessian are differentiated symbolically once a cheap size estimate
says sympy will finish quickly, and compiled with ``sympy.lambdify``.

``lambdify`` generates Python source for the expression and runs it with
``exec``: that source is printed from the vetted sympy expression (the
symbols ``x``, ``y``, numbers and whitelisted functions), never from the
user's text.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.core.logic import fuzzy_and
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.str import StrPrinter

from .parse import (
    MAX_CONSTANT,
    MAX_DERIVATIVE_SIZE,
    MAX_EXPONENT,
    NUMPY_FUNCTIONS,
    Formula,
    _refuse,
    _segment,
)

Array = np.ndarray
SYMBOLS = {"x": sp.Symbol("x", real=True), "y": sp.Symbol("y", real=True)}
_MAX_BITS = 1100  # numerators/denominators of exact numbers (≈ 1e±330)


# -- the non-smooth and ML functions as sympy functions with known derivatives ----

def _evalf_as(builtin):
    """Numerical evaluation of a custom function through sympy's own functions."""

    def _eval_evalf(self, prec):
        return builtin(*self.args).evalf(prec_to_dps(prec))

    return _eval_evalf


def _real_args(self) -> bool | None:
    return fuzzy_and(a.is_extended_real for a in self.args)


def _finite_args(self) -> bool | None:
    return fuzzy_and(a.is_finite for a in self.args)


class heaviside(sp.Function):  # noqa: N801  (printed name)
    """H(u): 0 for u < 0, ½ at 0, 1 for u > 0; derivative 0 (its delta is ignored)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_extended_positive:
            return sp.S.One
        if u.is_extended_negative:
            return sp.S.Zero
        if u.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    _eval_evalf = _evalf_as(lambda u: sp.Heaviside(u, sp.S.Half))
    _eval_is_extended_real = _real_args
    _eval_is_finite = _finite_args
    _eval_is_nonnegative = _real_args


class relu(sp.Function):  # noqa: N801
    """max(u, 0); derivative H(u)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_extended_nonnegative:
            return u
        if u.is_extended_negative:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return heaviside(self.args[0])

    _eval_evalf = _evalf_as(lambda u: sp.Max(u, 0))
    _eval_is_extended_real = _real_args
    _eval_is_finite = _finite_args
    _eval_is_nonnegative = _real_args


class sigmoid(sp.Function):  # noqa: N801
    """1/(1 + e^−u); derivative σ(u)(1 − σ(u))."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        return sp.S.Half if u.is_zero else None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    _eval_evalf = _evalf_as(lambda u: 1 / (1 + sp.exp(-u)))
    _eval_is_extended_real = _real_args
    _eval_is_finite = _real_args
    _eval_is_positive = _real_args


class softplus(sp.Function):  # noqa: N801
    """log(1 + e^u); derivative σ(u)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        return sp.log(2) if u.is_zero else None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    _eval_evalf = _evalf_as(lambda u: sp.log(1 + sp.exp(u)))
    _eval_is_extended_real = _real_args
    _eval_is_finite = _finite_args
    _eval_is_positive = _real_args


def _minmax_eval(pick_first_if):
    @classmethod
    def eval(cls, a, b):
        if a == b:
            return a
        d = a - b
        if pick_first_if(d):
            return a
        if pick_first_if(-d):
            return b
        return None
    return eval


def _max_fdiff(self, argindex=1):
    a, b = self.args
    return heaviside(a - b) if argindex == 1 else heaviside(b - a)


def _min_fdiff(self, argindex=1):
    a, b = self.args
    return heaviside(b - a) if argindex == 1 else heaviside(a - b)


_common = {"nargs": 2, "_eval_is_extended_real": _real_args, "_eval_is_finite": _finite_args}
# Named "max"/"min" so that they print as the user typed them.
fmax = type("max", (sp.Function,), {
    **_common, "fdiff": _max_fdiff, "eval": _minmax_eval(lambda d: d.is_extended_nonnegative),
    "_eval_evalf": _evalf_as(sp.Max)})
fmin = type("min", (sp.Function,), {
    **_common, "fdiff": _min_fdiff, "eval": _minmax_eval(lambda d: d.is_extended_nonpositive),
    "_eval_evalf": _evalf_as(sp.Min)})

SYMPY_FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sqrt": sp.sqrt, "abs": sp.Abs, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
    "heaviside": heaviside, "relu": relu, "sigmoid": sigmoid, "softplus": softplus,
    "min": fmin, "max": fmax,
}


# -- printing ------------------------------------------------------------------------

class _CodePrinter(NumPyPrinter):
    """numpy code for lambdify; integers too large for int64 are printed as floats
    (numpy ufuncs refuse Python ints beyond 64 bits)."""

    def _print_Integer(self, expr):
        return str(expr.p) if abs(expr.p) < 2**53 else repr(float(expr.p))

    def _print_Rational(self, expr):
        if abs(expr.p) < 2**53 and expr.q < 2**53:
            return f"{expr.p}/{expr.q}"
        return repr(float(expr))


class _TextPrinter(StrPrinter):
    """Python-syntax strings that :func:`core.parse_function` reads back."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Exp1(self, expr):
        return "e"


def to_text(expr) -> str:
    """Print a sympy expression in the formula syntax (``abs``, ``e``, ``**``).

    Terms of small expressions are sorted the usual way; large ones are
    printed unsorted, because sorting is most of the printing time.
    """
    return _TextPrinter({} if _smaller_than(expr, 150) else {"order": "none"}).doprint(expr)


def _smaller_than(expr, limit: int) -> bool:
    for count, _ in enumerate(sp.preorder_traversal(expr)):
        if count >= limit:
            return False
    return True


_NAMESPACE = {name: NUMPY_FUNCTIONS[name] for name in ("heaviside", "relu", "sigmoid", "softplus")}
_NAMESPACE.update({"max": NUMPY_FUNCTIONS["max"], "min": NUMPY_FUNCTIONS["min"]})


def _lambdify(args, expr):
    printer = _CodePrinter({"fully_qualified_modules": False, "inline": True,
                            "allow_unknown_functions": True,
                            "user_functions": {k: k for k in _NAMESPACE}})
    return sp.lambdify(args, expr, modules=[_NAMESPACE, "numpy"], printer=printer,
                       cse=True, docstring_limit=0)


# -- building with guards --------------------------------------------------------------

def build(formula: Formula):
    """The sympy expression of a checked formula (guards applied at every node)."""
    return _Builder(formula).build(formula.tree.body)


class _Builder:
    def __init__(self, formula: Formula):
        self.formula = formula
        self.body = formula.body

    def col(self, node) -> int:
        return self.formula.column(node)

    def what(self, node) -> str:
        return f"'{_segment(self.body, node)}'"

    def build(self, node):
        if isinstance(node, ast.Constant):
            expr = self.number(node)
        elif isinstance(node, ast.Name):
            expr = SYMBOLS[node.id] if node.id in SYMBOLS else {"pi": sp.pi, "e": sp.E}[node.id]
        elif isinstance(node, ast.UnaryOp):
            inner = self.build(node.operand)
            expr = -inner if isinstance(node.op, ast.USub) else inner
        elif isinstance(node, ast.Call):
            args = [self.build(a) for a in node.args]
            expr = SYMPY_FUNCTIONS[node.func.id](*args)
        else:
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Add):
                expr = left + right
            elif isinstance(node.op, ast.Sub):
                expr = left - right
            elif isinstance(node.op, ast.Mult):
                expr = left * right
            elif isinstance(node.op, ast.Div):
                if right.is_zero:
                    raise _refuse(self.what(node), self.col(node), "it divides by zero")
                expr = left / right
            else:
                self.check_power(node, left, right)
                expr = left**right
        self.check(node, expr)
        return expr

    def number(self, node):
        value = node.value
        if isinstance(value, int):
            return sp.Integer(value)
        seg = (ast.get_source_segment(self.body, node) or "").replace("_", "")
        try:
            frac = Fraction(seg)
        except (ValueError, ZeroDivisionError):
            frac = Fraction(value)
        return sp.Rational(frac.numerator, frac.denominator)

    def check_power(self, node, base, exponent) -> None:
        """Refuse powers sympy would compute exactly at great cost."""
        if exponent.is_number:
            q = _float(exponent)
            if q is None or abs(q) > MAX_EXPONENT:
                shown = "not a real number" if q is None else f"{q:.6g}"
                raise _refuse(f"the exponent in {self.what(node)}", self.col(node.right),
                              f"it is {shown}, but exponents that are numbers must lie in "
                              f"[-{MAX_EXPONENT}, {MAX_EXPONENT}]")
            if base.is_number:
                b = _float(base)
                try:
                    v = math.pow(b, q) if b is not None else float("nan")
                except (OverflowError, ValueError, ZeroDivisionError):
                    v = float("nan")
                if not math.isfinite(v) or abs(v) > MAX_CONSTANT:
                    raise _refuse(self.what(node), self.col(node),
                                  "it has no finite real value of at most "
                                  f"{MAX_CONSTANT:g}")

    def check(self, node, expr) -> None:
        """Refuse a node whose expression is not real, finite and of sane size."""
        if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise _refuse(self.what(node), self.col(node),
                          "it is infinite or undefined (a division by zero)")
        if expr.has(sp.I):
            raise _refuse(self.what(node), self.col(node),
                          "it is not a real number (Optiscope works with real values)")
        for n in expr.atoms(sp.Rational):
            if n.p.bit_length() > _MAX_BITS or n.q.bit_length() > _MAX_BITS:
                raise _refuse(self.what(node), self.col(node),
                              "it contains a number that is too large or too small to use")
        if expr.is_number and not expr.is_Rational:
            v = _float(expr)
            if v is None or not math.isfinite(v) or abs(v) > MAX_CONSTANT:
                raise _refuse(self.what(node), self.col(node),
                              f"it has no finite real value of at most {MAX_CONSTANT:g}")


def _float(expr) -> float | None:
    """A real number's float value, or None if it is not real or too large."""
    try:
        v = expr.evalf(17)
        if not v.is_real:
            return None
        out = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


# -- derivatives ---------------------------------------------------------------------

def derivative_cost(expr) -> float:
    """An upper estimate of the size of the second derivative of ``expr``.

    sympy's time to differentiate grows with the size of what it produces;
    products are the danger (the product rule turns k factors into k terms of
    k factors, twice).  Sizes are counted on the expression tree.
    """
    memo: dict = {}

    def visit(e):
        if e in memo:
            return memo[e]
        if not e.args:
            out = (1.0, 1.0, 1.0)
        else:
            parts = [visit(a) for a in e.args]
            S = 1 + sum(p[0] for p in parts)
            D1 = sum(p[1] for p in parts)
            D2 = sum(p[2] for p in parts)
            k = len(parts)
            if e.is_Add:
                out = (S, 1 + D1, 1 + D2)
            elif e.is_Mul:
                out = (S, 1 + D1 + k * S, 1 + D2 + k * (D1 + S) + k * k * S)
            else:  # Pow and functions: f'(u)·u', then f''(u)·u'·u' + f'(u)·u''
                m = 2 if isinstance(e, sigmoid) else 1  # σ' = σ(1 − σ) repeats σ
                out = (S, 4 + (1 + m) * S + D1, 8 + (1 + 2 * m) * S + 2 * D1 + D2)
        memo[e] = out
        return out

    return visit(expr)[2]


def _drop_deltas(expr):
    """Derivatives of kinks: the delta 'functions' are taken as 0."""
    if expr.has(sp.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return expr


def _as_shape(value, shape: tuple[int, ...]) -> Array:
    arr = np.asarray(value, dtype=float)
    return arr if arr.shape == shape else np.broadcast_to(arr, shape).copy()


@dataclass(frozen=True)
class Compiled:
    """Vectorised evaluators and display strings of a parsed formula."""

    f: object
    g: object
    h: object
    fg: object
    expression: str
    gradient: tuple[str, ...]
    hessian: tuple[tuple[str, ...], ...]
    sympy_expression: object
    sympy_gradient: tuple
    sympy_hessian: tuple


def compile_formula(formula: Formula) -> Compiled:
    """Build, differentiate and lambdify a checked formula."""
    expr = build(formula)
    syms = [SYMBOLS[v] for v in formula.variables]
    dim = len(syms)
    cost = derivative_cost(expr) * dim * dim
    if cost > MAX_DERIVATIVE_SIZE:
        raise _refuse("the formula", formula.offset + 1,
                      "it is too complicated to differentiate quickly (its Hessian would have "
                      f"about {cost:.0f} parts; at most {MAX_DERIVATIVE_SIZE} are allowed): "
                      "try a shorter product or fewer nested functions")
    grad = [_drop_deltas(sp.diff(expr, s)) for s in syms]
    hess = [[None] * dim for _ in range(dim)]
    for i in range(dim):
        for j in range(i, dim):
            hess[i][j] = hess[j][i] = _drop_deltas(sp.diff(grad[i], syms[j]))
    for part in [*grad, *(e for row in hess for e in row)]:
        if part.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I, sp.Derivative):
            raise _refuse("the formula", formula.offset + 1,
                          "its derivative is not a real function")

    f_num = _lambdify(syms, expr)
    g_num = _lambdify(syms, grad)
    h_num = _lambdify(syms, [e for row in hess for e in row])

    def columns(X: Array) -> list[Array]:
        return [X[..., i] for i in range(dim)]

    def f(X: Array) -> Array:
        return _as_shape(f_num(*columns(X)), X.shape[:-1])

    def g(X: Array) -> Array:
        shape = X.shape[:-1]
        return np.stack([_as_shape(v, shape) for v in g_num(*columns(X))], axis=-1)

    def h(X: Array) -> Array:
        shape = X.shape[:-1]
        flat = np.stack([_as_shape(v, shape) for v in h_num(*columns(X))], axis=-1)
        return flat.reshape(shape + (dim, dim))

    return Compiled(
        f=f, g=g, h=h, fg=None,
        expression=to_text(expr),
        gradient=tuple(to_text(e) for e in grad),
        hessian=tuple(tuple(to_text(e) for e in row) for row in hess),
        sympy_expression=expr, sympy_gradient=tuple(grad),
        sympy_hessian=tuple(tuple(row) for row in hess),
    )
