"""Functions typed by the user: ``core.parse_function("sin(3*x)*y + x**2/4")``.

The text is read with Python's :mod:`ast` and every node is checked against a
short whitelist before anything else happens to it:

* numbers (``2``, ``0.5``, ``1e-3``), the variables ``x`` and ``y`` and the
  constants ``pi`` and ``e``;
* ``+ - * / **``, unary ``-`` and ``+``, parentheses;
* calls of :data:`FUNCTIONS` with the right number of arguments.

Nothing else is accepted: no attributes, other names, strings, lambdas,
subscripts, comprehensions, comparisons, keywords or ``*`` unpacking.  Size is
bounded too: at most :data:`MAX_LENGTH` characters, :data:`MAX_NODES` parts
and :data:`MAX_DEPTH` levels of nesting; exponents that are numbers lie in
``[-MAX_EXPONENT, MAX_EXPONENT]`` (so ``9**9**9`` is refused at once rather
than computed), power towers such as ``x**x**x`` are at most
:data:`MAX_TOWER` high, and every constant part must have a finite real value
of at most :data:`MAX_CONSTANT`.  Every refusal is a :class:`ValueError` that
says what is wrong and at which column (counted from 1).

The checked tree is then turned into a sympy expression node by node (never
by ``sympify``/``parse_expr`` on the text, which call ``eval``); the gradient
and the Hessian are derived symbolically and compiled to numpy functions with
``sympy.lambdify``.  sympy is imported only when a function is parsed, so
``import core`` stays numpy-only.

A leading ``f(x) =`` or ``f(x, y) =`` is accepted and fixes the variables;
otherwise a formula that mentions ``y`` is a function of ``(x, y)`` and any
other formula a function of ``x`` alone.

Non-smooth functions get the derivative they have where it exists, and a
conventional value at their kinks: ``heaviside' = 0`` everywhere,
``relu'(u) = heaviside(u)``, ``abs'(u) = sign(u)``,
``max(a, b)' = heaviside(a − b)·a' + heaviside(b − a)·b'``, with
``heaviside(0) = ½``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import bad

Array = np.ndarray

#: The longest formula accepted, in characters.
MAX_LENGTH = 500
#: The most parts (numbers, names, operators, calls) a formula may have.
MAX_NODES = 250
#: The deepest nesting of operations; a chain of ``+``/``−`` or of ``*``/``/``
#: counts as one level, so long sums and products are fine.
MAX_DEPTH = 30
#: Exponents that are numbers must lie in ``[-MAX_EXPONENT, MAX_EXPONENT]``.
MAX_EXPONENT = 100
#: The highest power tower (``x**x**x`` has height 3).
MAX_TOWER = 4
#: The largest magnitude of any constant part of a formula.
MAX_CONSTANT = 1e300
#: Bound on the estimated size of the symbolic Hessian (sympy's time grows with it).
MAX_DERIVATIVE_SIZE = 10000
#: Default plotting domain of every coordinate.
DEFAULT_DOMAIN = (-3.0, 3.0)

VARIABLES = ("x", "y")
CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}
#: Function name -> number of arguments.
FUNCTIONS: Mapping[str, int] = {
    "sin": 1, "cos": 1, "tan": 1, "exp": 1, "log": 1, "sqrt": 1, "abs": 1,
    "tanh": 1, "sinh": 1, "cosh": 1, "heaviside": 1, "relu": 1, "sigmoid": 1,
    "softplus": 1, "min": 2, "max": 2,
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_BINOPS = {
    ast.BitXor: ("'^'", "write powers as x**2"),
    ast.Mod: ("'%'", "there is no remainder operator"),
    ast.FloorDiv: ("'//'", "use / for division"),
    ast.MatMult: ("'@'", "there is no matrix product"),
    ast.LShift: ("'<<'", ""), ast.RShift: ("'>>'", ""),
    ast.BitOr: ("'|'", ""), ast.BitAnd: ("'&'", ""),
}
_FAMILY = {ast.Add: "add", ast.Sub: "add", ast.Mult: "mul", ast.Div: "mul"}
_FORBIDDEN_NODES: Mapping[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing with [...]",
    ast.Slice: "a slice",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.JoinedStr: "an f-string", ast.FormattedValue: "an f-string",
    ast.NamedExpr: "':=' (an assignment)",
    ast.Starred: "'*' unpacking",
    ast.IfExp: "'... if ... else ...'",
    ast.Tuple: "a tuple (a comma outside a function call)",
    ast.List: "a list", ast.Set: "a set", ast.Dict: "a dictionary",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
}
# Characters people paste from typeset formulas, with what to type instead.
_CHAR_HINTS = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*",
    "\u2219": "*", "\u00f7": "/", "\u00b2": "**2", "\u00b3": "**3", "\u03c0": "pi",
    "\u221a": "sqrt(...)", "\u2032": "", "^": "**",
}
_HEADER = re.compile(r"\s*f\s*\(\s*(x|x\s*,\s*y)\s*\)\s*=")


@dataclass(frozen=True)
class Formula:
    """A formula that passed every check (see :func:`check_formula`).

    ``tree`` is the validated :class:`ast.Expression`; its column offsets are
    relative to ``text[offset:]``.  ``variables`` is ``("x",)`` or
    ``("x", "y")``; ``pretty`` is a typeset form such as ``sin(3x)·y + x²/4``.
    ``text`` is exactly what was typed; ``offset`` is where the formula proper
    starts (after leading spaces and any ``f(x, y) =`` header).
    """

    text: str
    tree: ast.Expression
    offset: int
    variables: tuple[str, ...]
    pretty: str

    @property
    def body(self) -> str:
        """The formula after any header: the text the tree's columns refer to."""
        return self.text[self.offset:]

    @property
    def dim(self) -> int:
        """Number of variables (1 or 2)."""
        return len(self.variables)

    def column(self, node: ast.AST) -> int:
        """1-based column of ``node`` in :attr:`text`."""
        return self.offset + getattr(node, "col_offset", 0) + 1

    def evaluate(self, values: Mapping[str, Any], functions: Mapping[str, Callable]) -> Any:
        """Interpret the checked tree with the given variable values and functions.

        ``functions`` maps every name in :data:`FUNCTIONS` to a callable, so the
        same tree evaluates numpy arrays (:data:`NUMPY_FUNCTIONS`) or dual numbers
        (``core.derivatives.DUAL_FUNCTIONS``).  Only the whitelisted node types
        exist in the tree, so nothing is ever executed but arithmetic.

        Examples
        --------
        >>> from core.parse import check_formula, NUMPY_FUNCTIONS
        >>> float(check_formula("x**2 + max(x, 1)").evaluate({"x": 3.0}, NUMPY_FUNCTIONS))
        12.0
        """
        return _interpret(self.tree.body, values, functions)


# -- checking -------------------------------------------------------------------

def _refuse(what: str, column: int, why: str = "") -> ValueError:
    text = f"{what} at column {column}"
    return ValueError(f"{text}: {why}" if why else text)


def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        if ch == "\t" or " " <= ch <= "~":
            if ch == "#":
                raise _refuse("'#'", i + 1, "formulas cannot contain comments")
            if ch in "'\"":
                raise _refuse(f"quote {ch}", i + 1, "formulas cannot contain strings")
            if ch == "\\":
                raise _refuse("'\\'", i + 1, "backslashes are not allowed")
            continue
        code = f"U+{ord(ch):04X}"
        if ch in "\n\r":
            raise _refuse("a line break", i + 1, "type the formula on one line")
        if not ch.isprintable():
            raise _refuse(f"control character {code}", i + 1, "only plain ASCII text is allowed")
        hint = _CHAR_HINTS.get(ch)
        name = unicodedata.name(ch, code)
        why = f"type {hint!r} instead" if hint else (
            "only plain ASCII letters, digits, spaces and + - * / ** ( ) , . are allowed")
        raise _refuse(f"character {ch!r} ({code} {name})", i + 1, why)


def _split_header(text: str) -> tuple[int, tuple[str, ...] | None]:
    """Offset of the body and the declared variables, if ``f(...) =`` leads."""
    m = _HEADER.match(text)
    if not m:
        return len(text) - len(text.lstrip()), None
    names = tuple(n.strip() for n in m.group(1).split(","))
    rest = text[m.end():]
    return m.end() + len(rest) - len(rest.lstrip()), names


def _parse(body: str, offset: int) -> ast.Expression:
    if not body.strip():
        raise _refuse("an empty formula", offset + 1, "type a function of x (and y), e.g. x**2 + y**2")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(body, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(body, offset, exc) from None
    except (ValueError, MemoryError, RecursionError, OverflowError) as exc:
        raise _refuse("the formula", offset + 1, f"it cannot be read ({exc})") from None


_MISSING_OPERATOR = ("is an operator missing? Multiplication needs *, as in 2*x, and functions "
                     "need parentheses, as in sin(x)")


def _syntax_error(body: str, offset: int, exc: SyntaxError) -> ValueError:
    """A syntax error with its column and, for common slips, what to type instead."""
    msg = (exc.msg or "invalid syntax").rstrip(".")
    at = (exc.offset or 1) - 1  # 0-based in body
    stripped = body.rstrip()
    hint = ""
    number_then_name = re.search(r"(?<![\w.])\d+(?:\.\d*)?(?![eE][+-]?\d)(?=[A-Za-z_])", body)
    if "decimal literal" in msg and number_then_name:
        at, hint = number_then_name.end(), _MISSING_OPERATOR
    elif stripped and stripped[-1] in "+-*/(,":
        at, msg = len(stripped), "the formula ends too early"
        hint = f"something is missing after {stripped[-8:]!r}"
    elif msg.startswith("invalid syntax"):
        before = body[:at].rstrip()
        if "=" in body and "==" not in body:
            hint = "'=' is not allowed: type only the right-hand side, or start with f(x, y) ="
        elif before and at < len(body) and (before[-1].isalnum() or before[-1] in ")._") \
                and (body[at].isalnum() or body[at] in "(_"):
            hint = _MISSING_OPERATOR
    end = " (the end of the formula)" if at >= len(body) else ""
    text = f"syntax error at column {offset + at + 1}{end}: {msg}"
    return ValueError(f"{text}: {hint}" if hint else text)


def check_formula(text: object) -> Formula:
    """Check ``text`` against the whitelist and return the validated :class:`Formula`.

    This does everything :func:`parse_function` does except the symbolic
    work: no sympy, no numerical evaluation of the variables.

    Raises
    ------
    ValueError
        If anything in ``text`` is not allowed; the message says what and at
        which column.

    Examples
    --------
    >>> from core.parse import check_formula
    >>> check_formula("sin(3*x)*y + x**2/4").pretty
    'sin(3x)·y + x²/4'
    >>> check_formula("foo(x)")
    Traceback (most recent call last):
    ...
    ValueError: unknown function 'foo' at column 1: the functions are sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, heaviside, relu, sigmoid, softplus, min, max
    """
    if not isinstance(text, str):
        raise bad("text", text, "a string such as 'x**2 + y**2'")
    if len(text) > MAX_LENGTH:
        raise _refuse(f"a formula of {len(text)} characters", MAX_LENGTH + 1,
                      f"formulas are at most {MAX_LENGTH} characters long")
    _check_characters(text)
    offset, declared = _split_header(text)
    body = text[offset:]
    tree = _parse(body, offset)
    names = _check_tree(tree, body, offset)
    if declared is None:
        variables = ("x", "y") if "y" in names else ("x",)
    else:
        variables = declared
        if "y" in names and "y" not in declared:
            raise _refuse("name 'y'", names["y"] + 1, "the header f(x) = declares only x: write f(x, y) =")
    return Formula(text=text, tree=tree, offset=offset, variables=variables,
                   pretty=_pretty(tree.body, body))


def _segment(body: str, node: ast.AST, limit: int = 40) -> str:
    seg = ast.get_source_segment(body, node) or type(node).__name__
    return seg if len(seg) <= limit else seg[: limit - 3] + "..."


def _check_tree(tree: ast.Expression, body: str, offset: int) -> dict[str, int]:
    """Walk the tree (iteratively: it may be deep) and refuse anything not whitelisted.

    Returns the variables used with the 0-based column of their first use.
    """
    col = lambda node: offset + getattr(node, "col_offset", 0) + 1  # noqa: E731
    names: dict[str, int] = {}
    count = 0
    # (node, nesting depth, powers above it linked through exponent positions,
    #  the top of that power tower)
    stack: list[tuple[ast.AST, int, int, ast.AST | None]] = [(tree.body, 1, 0, None)]
    while stack:
        node, depth, tower, top = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _refuse(f"a formula with more than {MAX_NODES} parts", offset + 1,
                          "write something shorter")
        if depth > MAX_DEPTH:
            raise _refuse(f"'{_segment(body, node)}'", col(node),
                          f"the formula is nested more than {MAX_DEPTH} levels deep")
        children = _check_node(node, body, col, names)
        is_pow = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
        if is_pow:
            top = top if tower else node
            if tower + 2 > MAX_TOWER:
                raise _refuse(f"the power tower '{_segment(body, top)}'", col(top),
                              f"towers of ** are at most {MAX_TOWER} high (x**x**x is 3 high)")
        family = _FAMILY.get(type(node.op)) if isinstance(node, ast.BinOp) else None
        # Push right to left so that the leftmost problem is reported first.
        for k in range(len(children) - 1, -1, -1):
            child = children[k]
            # x + y + z is one level: the left operand continues the chain.
            chained = (k == 0 and family is not None and isinstance(child, ast.BinOp)
                       and _FAMILY.get(type(child.op)) == family)
            if is_pow and k == 1:
                child_tower, child_top = tower + 1, top
            elif isinstance(node, ast.UnaryOp):
                child_tower, child_top = tower, top
            else:
                child_tower, child_top = 0, None
            stack.append((child, depth if chained else depth + 1, child_tower, child_top))
    _check_constants(tree.body, body, col)
    return names


def _check_node(node: ast.AST, body: str, col, names: dict[str, int]) -> list[ast.AST]:
    """Refuse ``node`` unless it is whitelisted; return its children."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = {str: "a string", bytes: "a byte string", complex: "an imaginary number",
                    type(None): "'None'", type(...): "'...'"}.get(type(value), f"'{value!r}'")
            raise _refuse(what, col(node), "only real numbers, x, y, pi and e are allowed")
        too_big = (value.bit_length() > 1100 or abs(value) > MAX_CONSTANT) if isinstance(value, int) \
            else not (math.isfinite(value) and abs(value) <= MAX_CONSTANT)
        if too_big:
            raise _refuse(f"the number '{_segment(body, node, 20)}'", col(node),
                          f"numbers must be at most {MAX_CONSTANT:g} in size")
        return []
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            names.setdefault(node.id, col(node) - 1)
            return []
        if node.id in CONSTANTS:
            return []
        if node.id in FUNCTIONS:
            raise _refuse(f"function '{node.id}'", col(node), f"call it with arguments, e.g. {node.id}(x)")
        raise _refuse(f"name '{_show_name(node.id)}' is not allowed", col(node),
                      "use x and y (and the constants pi and e)")
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            sym, hint = _OTHER_BINOPS.get(type(node.op), (type(node.op).__name__, ""))
            where = _op_column(body, node, col)
            raise _refuse(f"the operator {sym}", where, hint or "only + - * / ** are allowed")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            sym = {ast.Not: "'not'", ast.Invert: "'~'"}.get(type(node.op), "this operator")
            raise _refuse(f"the operator {sym}", col(node), "only unary - and + are allowed")
        return [node.operand]
    if isinstance(node, ast.Call):
        return _check_call(node, body, col)
    why = "only numbers, x, y, pi, e, + - * / ** and function calls are allowed"
    if isinstance(node, ast.Attribute):
        where = col(node.value) + len(_segment(body, node.value, 10**6))
        raise _refuse(f"attribute access '.{_show_name(node.attr)}'", where, why)
    raise _refuse(_FORBIDDEN_NODES.get(type(node), f"'{_segment(body, node)}'"), col(node), why)


def _show_name(name: str) -> str:
    return name if len(name) <= 30 else name[:27] + "..."


def _op_column(body: str, node: ast.BinOp, col) -> int:
    """Column of a binary operator: the first non-space, non-')' after the left operand."""
    left_end = getattr(node.left, "end_col_offset", None)
    if left_end is None:
        return col(node)
    i = left_end
    while i < len(body) and body[i] in " \t)":
        i += 1
    return col(node) - node.col_offset + i


def _check_call(node: ast.Call, body: str, col) -> list[ast.AST]:
    func = node.func
    if isinstance(func, ast.Attribute):
        raise _refuse(f"attribute access '.{_show_name(func.attr)}'",
                      col(func.value) + len(_segment(body, func.value, 10**6)),
                      "only calls of the named functions are allowed")
    if not isinstance(func, ast.Name):
        why = "only calls of the named functions are allowed, e.g. sin(x)"
        if isinstance(func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
            factor = _segment(body, func, 20)
            factor = factor if isinstance(func, (ast.Constant, ast.Call)) else f"({factor})"
            why = f"to multiply, write {factor}*(...)"
        raise _refuse(f"calling '{_segment(body, func)}'", col(node), why)
    name = func.id
    if name not in FUNCTIONS:
        if name in VARIABLES or name in CONSTANTS:
            raise _refuse(f"'{name}(...)'", col(node),
                          f"{name} is not a function: write {name}*(...) to multiply")
        raise _refuse(f"unknown function '{_show_name(name)}'", col(node),
                      "the functions are " + ", ".join(FUNCTIONS))
    if node.keywords:
        kw = node.keywords[0]
        label = f"keyword argument '{kw.arg}='" if kw.arg else "'**' unpacking"
        raise _refuse(label, col(kw.value) if kw.arg is None else col(kw), f"call {name} with plain arguments")
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _refuse("'*' unpacking", col(arg), f"call {name} with plain arguments")
    arity = FUNCTIONS[name]
    if len(node.args) != arity:
        plural = "s" if arity != 1 else ""
        raise _refuse(f"'{name}' with {len(node.args)} argument{'s' if len(node.args) != 1 else ''}",
                      col(node), f"{name} takes exactly {arity} argument{plural}")
    return list(node.args)


# -- constant folding with Python floats (bounded: it cannot hang) -----------------

_FLOAT_FUNCS: Mapping[str, Callable[..., float]] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
    "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
    "heaviside": lambda u: 1.0 if u > 0 else 0.0 if u < 0 else 0.5,
    "relu": lambda u: max(u, 0.0),
    "sigmoid": lambda u: 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u)),
    "softplus": lambda u: u + math.log1p(math.exp(-u)) if u > 0 else math.log1p(math.exp(u)),
    "min": min, "max": max,
}
_FLOAT_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv, ast.Pow: math.pow}


def _check_constants(root: ast.AST, body: str, col) -> None:
    """Fold every constant part (no x, y) with floats; refuse non-real or huge values
    and exponents that are numbers outside ``[-MAX_EXPONENT, MAX_EXPONENT]``."""
    # Post-order without recursion: value of a node, or None if it depends on x/y.
    values: dict[int, float | None] = {}
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            for child in _children(node):
                stack.append((child, False))
            continue
        kids = [values[id(c)] for c in _children(node)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and kids[1] is not None \
                and abs(kids[1]) > MAX_EXPONENT:
            raise _refuse(f"the exponent in '{_segment(body, node)}'", col(node.right),
                          f"it is {kids[1]:.6g}, but exponents that are numbers must lie in "
                          f"[-{MAX_EXPONENT}, {MAX_EXPONENT}]")
        if isinstance(node, ast.Name) and node.id in VARIABLES or any(k is None for k in kids):
            values[id(node)] = None
            continue
        values[id(node)] = _fold(node, kids, body, col)


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _fold(node: ast.AST, kids: list, body: str, col) -> float:
    what = f"'{_segment(body, node)}'"
    try:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp):
            v = kids[0]
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            v = _FLOAT_OPS[type(node.op)](kids[0], kids[1])
        else:
            v = _FLOAT_FUNCS[node.func.id](*kids)
    except ZeroDivisionError:
        raise _refuse(what, col(node), "it divides by zero") from None
    except OverflowError:
        raise _refuse(what, col(node), f"its value is too large (more than {MAX_CONSTANT:g})") from None
    except ValueError:
        raise _refuse(what, col(node), "it has no real value (e.g. the square root or logarithm "
                      "of a negative number, or 0 to a negative power)") from None
    if not isinstance(v, float) or not math.isfinite(v) or abs(v) > MAX_CONSTANT:
        raise _refuse(what, col(node), f"its value is too large (more than {MAX_CONSTANT:g})")
    return v


# -- interpretation (numpy or dual numbers) ------------------------------------------

def _np_heaviside(u):
    return np.heaviside(np.asarray(u, dtype=float), 0.5)


def _np_sigmoid(u):
    u = np.asarray(u, dtype=float)
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _np_softplus(u):
    return np.logaddexp(0.0, np.asarray(u, dtype=float))


def _np_relu(u):
    return np.maximum(np.asarray(u, dtype=float), 0.0)


#: numpy implementations of :data:`FUNCTIONS` (vectorised, warning-free where possible).
NUMPY_FUNCTIONS: Mapping[str, Callable] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "heaviside": _np_heaviside, "relu": _np_relu, "sigmoid": _np_sigmoid,
    "softplus": _np_softplus, "min": np.minimum, "max": np.maximum,
}

_INTERP_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv, ast.Pow: operator.pow}


def _interpret(node: ast.AST, values: Mapping[str, Any], functions: Mapping[str, Callable]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id] if node.id in VARIABLES else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        left = _interpret(node.left, values, functions)
        right = _interpret(node.right, values, functions)
        return _INTERP_OPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        v = _interpret(node.operand, values, functions)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.Call):
        args = [_interpret(a, values, functions) for a in node.args]
        return functions[node.func.id](*args)
    raise TypeError(f"unchecked node {type(node).__name__}")  # pragma: no cover


# -- pretty printing -----------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}


def _prec(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PREC.get(type(node.op), 5)
    if isinstance(node, ast.UnaryOp):
        return 3
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value < 0:
        return 3
    return 5


def _pretty(node: ast.AST, body: str) -> str:
    """Typeset ``node``: ``·`` for products, superscripts for small powers, ``−``, ``π``."""
    if isinstance(node, ast.Constant):
        return (ast.get_source_segment(body, node) or repr(node.value)).replace("-", "−")
    if isinstance(node, ast.Name):
        return "π" if node.id == "pi" else node.id
    if isinstance(node, ast.UnaryOp):
        inner = _pretty(node.operand, body)
        if _prec(node.operand) < 3:
            inner = f"({inner})"
        return ("−" if isinstance(node.op, ast.USub) else "+") + inner
    if isinstance(node, ast.Call):
        return f"{node.func.id}(" + ", ".join(_pretty(a, body) for a in node.args) + ")"
    if isinstance(node, ast.BinOp):
        return _pretty_binop(node, body)
    return ast.get_source_segment(body, node) or "?"


def _pretty_binop(node: ast.BinOp, body: str) -> str:
    p = _prec(node)
    left, right = _pretty(node.left, body), _pretty(node.right, body)
    if isinstance(node.op, ast.Pow):
        if _prec(node.left) <= p:
            left = f"({left})"
        exp = node.right
        if isinstance(exp, ast.Constant) and isinstance(exp.value, int) and 0 <= exp.value < 10**6:
            return left + str(exp.value).translate(_SUPERSCRIPT)
        if _prec(exp) < 5:
            right = f"({right})"
        return f"{left}^{right}"
    if _prec(node.left) < p:
        left = f"({left})"
    right_prec = _prec(node.right)
    if right_prec < p or (right_prec == p and isinstance(node.op, (ast.Sub, ast.Div))):
        right = f"({right})"
    if isinstance(node.op, ast.Mult):
        # "3x", "2π" read better than "3·x"; keep the dot elsewhere.
        if isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Name):
            return left + right
        return f"{left}·{right}"
    sym = {ast.Add: " + ", ast.Sub: " − ", ast.Div: "/"}[type(node.op)]
    return f"{left}{sym}{right}"


# -- the public entry point -------------------------------------------------------------

def _check_domain(domain: object, dim: int) -> Array:
    if domain is None:
        return np.array([DEFAULT_DOMAIN] * dim, dtype=float)
    allowed = (f"a pair (low, high) or {dim} such pairs, with finite low < high and "
               f"|bounds| <= 1e6")
    try:
        arr = np.array(domain, dtype=float)
    except (TypeError, ValueError):
        raise bad("domain", domain, allowed) from None
    if arr.shape == (2,):
        arr = np.tile(arr, (dim, 1))
    if arr.shape != (dim, 2) or not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 1e6) \
            or np.any(arr[:, 0] >= arr[:, 1]):
        raise bad("domain", domain, allowed)
    return arr


def parse_function(text: object, domain: object = None) -> Any:
    """Turn the text of ``f(x)`` or ``f(x, y)`` into a :class:`core.Problem`.

    Parameters
    ----------
    text
        A formula in ``x`` (and ``y``) using numbers, ``pi``, ``e``,
        ``+ - * / **`` and the functions in :data:`FUNCTIONS`, optionally
        preceded by ``f(x) =`` or ``f(x, y) =``.
    domain
        Plotting bounds: ``None`` for ``[-3, 3]`` on every axis, one pair
        ``(low, high)`` for every axis, or one pair per variable.

    Returns
    -------
    Problem
        Named ``"custom"``, with ``title`` the text, ``formula`` a typeset
        form, exact gradient and Hessian, and ``options`` holding ``text``
        and the derivatives as strings (``"gradient"``, ``"hessian"``).

    Raises
    ------
    ValueError
        If the text is not an allowed formula; the message says what is wrong
        and at which column.

    Examples
    --------
    >>> import core
    >>> p = core.parse_function("sin(3*x)*y + x**2/4")
    >>> p.dim, p.formula
    (2, 'f(x, y) = sin(3x)·y + x²/4')
    >>> p.grad([0.0, 2.0]).tolist()
    [6.0, 0.0]
    >>> p.options["gradient"]
    ('x/2 + 3*y*cos(3*x)', 'sin(3*x)')
    """
    formula = check_formula(text)
    dom = _check_domain(domain, formula.dim)
    compiled = _compile(formula.text)
    from .problems.base import Problem

    title = formula.text.strip()
    args = ", ".join(formula.variables)
    gtext = ", ".join(f"∂f/∂{v} = {s}" for v, s in zip(formula.variables, compiled.gradient, strict=True))
    description = (
        f"The function you typed. Its derivatives were worked out symbolically: {gtext}. "
        "Nothing about its minima is known in advance."
    )
    kinks = _NON_SMOOTH & {n.func.id for n in ast.walk(formula.tree) if isinstance(n, ast.Call)}
    return Problem(
        **_supported(Problem, smooth=not kinks),
        name="custom", title=title, formula=f"f({args}) = {formula.pretty}",
        dim=formula.dim, domain=dom, f=compiled.f, g=compiled.g, h=compiled.h,
        fg=compiled.fg, coords=formula.variables, description=description,
        options={"text": title, "expression": compiled.expression,
                 "gradient": compiled.gradient, "hessian": compiled.hessian},
    )


_NON_SMOOTH = frozenset({"abs", "heaviside", "relu", "min", "max"})


def _supported(cls: type, **extra: Any) -> dict[str, Any]:
    """The ``extra`` fields that this version of ``cls`` has (``smooth`` is new)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in extra.items() if k in names}


@functools.lru_cache(maxsize=64)
def _compile(text: str):
    """Symbolic work for a checked formula (cached: the GUI rebuilds problems often)."""
    from . import _symbolic  # sympy is imported here, and only here

    return _symbolic.compile_formula(check_formula(text))
