"""Plain landscapes: textbook test functions with analytic derivatives."""

from __future__ import annotations

import numpy as np

from .base import Problem, register_problem

Array = np.ndarray


def _stack_grad(X: Array, *parts: Array) -> Array:
    """``np.stack(np.broadcast_arrays(*parts), axis=-1)`` for float parts, laid
    out like the points ``X`` (see ``Problem.columnar``) and without np.stack's
    overhead (which dominates a single run's step)."""
    out = _like(X, np.broadcast(*parts).shape + (len(parts),))
    for i, part in enumerate(parts):
        out[..., i] = part
    return out


def _like(X: Array, shape: tuple[int, ...]) -> Array:
    """An empty float array of ``shape``, laid out like ``X`` when it has X's shape."""
    return np.empty_like(X, dtype=float) if X.shape == shape else np.empty(shape)


def _stack_hess(rows: list[list[Array]]) -> Array:
    flat = np.broadcast_arrays(*[e for row in rows for e in row])
    n = len(rows)
    return np.stack(flat, axis=-1).reshape(flat[0].shape + (n, n))


def _quadratic(name, title, formula, diag, domain, description, suggested_lr=None) -> Problem:
    """``f(x) = ½ Σ dᵢ xᵢ²`` with Hessian ``diag(d)``."""
    d = np.asarray(diag, dtype=float)
    H = np.diag(d)
    dim = d.size

    def f(X: Array) -> Array:
        return 0.5 * np.sum(d * X * X, axis=-1)

    def g(X: Array) -> Array:
        return d * X

    def fg(X: Array) -> tuple[Array, Array]:
        grad = d * X
        return 0.5 * np.add.reduce(grad * X, axis=-1), grad

    def h(X: Array) -> Array:
        return np.broadcast_to(H, X.shape[:-1] + (dim, dim)).copy()

    return Problem(
        name=name, title=title, formula=formula, dim=dim, domain=domain,
        f=f, g=g, h=h, fg=fg, minima=np.zeros((1, dim)), description=description,
        suggested_lr=suggested_lr,
        columnar=dim <= 2,  # a longer sum over coordinates adds in another order
    )


@register_problem("bowl", "Round bowl", "landscape", "x² + y²: the friendliest landscape")
def bowl() -> Problem:
    return _quadratic(
        "bowl", "Round bowl", "f(x, y) = x² + y²", [2.0, 2.0], [[-2, 2], [-2, 2]],
        "A perfectly round bowl. Every downhill direction points straight at the "
        "bottom, so gradient descent walks there in a straight line. Gradient "
        "ascent turns it upside down and runs away.",
    )


@register_problem(
    "ellipse", "Elongated valley", "landscape",
    "½x² + 12.5y²: differing length scales, condition number 25",
)
def ellipse() -> Problem:
    return _quadratic(
        "ellipse", "Elongated valley", "f(x, y) = ½x² + 12.5y²", [1.0, 25.0],
        [[-3, 3], [-3, 3]],
        "A long, narrow valley: steep across (y), gentle along (x). The curvatures "
        "differ 25-fold, so one learning rate cannot suit both directions and "
        "gradient descent zig-zags across the valley while crawling along it.",
        suggested_lr=0.07,  # zig-zags visibly, yet under 2/25: 0.1 would diverge
    )


@register_problem("parabola", "Parabola (1-D)", "1-D", "x²: the learning-rate lesson")
def parabola() -> Problem:
    p = _quadratic(
        "parabola", "Parabola (1-D)", "f(x) = x²", [2.0], [[-2, 2]],
        "The simplest valley. Gradient descent multiplies x by (1 − 2r) each step: "
        "small r crawls, r = 0.5 lands in one step, r between 0.5 and 1 overshoots "
        "and oscillates, r above 1 overshoots further every time and diverges.",
    )
    return p


@register_problem("saddle", "Saddle", "landscape", "x² − y²: a minimum one way, a maximum the other")
def saddle() -> Problem:
    def f(X: Array) -> Array:
        return X[..., 0] ** 2 - X[..., 1] ** 2

    def g(X: Array) -> Array:
        return _stack_grad(X, 2 * X[..., 0], -2 * X[..., 1])

    def h(X: Array) -> Array:
        H = np.array([[2.0, 0.0], [0.0, -2.0]])
        return np.broadcast_to(H, X.shape[:-1] + (2, 2)).copy()

    return Problem(
        name="saddle", title="Saddle", formula="f(x, y) = x² − y²", dim=2,
        domain=[[-2, 2], [-2, 2]], f=f, g=g, h=h, saddles=[[0.0, 0.0]], columnar=True,
        description=(
            "A horse saddle: uphill along x, downhill along y. The centre is flat "
            "but is neither a minimum nor a maximum. A start exactly on the x-axis "
            "slides into the centre and stops; any tiny offset in y escapes."
        ),
    )


@register_problem("rosenbrock", "Rosenbrock's banana", "landscape", "a curved, flat-bottomed valley")
def rosenbrock() -> Problem:
    def f(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def g(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        return _stack_grad(X, -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))

    def fg(X: Array) -> tuple[Array, Array]:
        x, y = X[..., 0], X[..., 1]
        u, w = 1 - x, y - x * x
        return u * u + 100 * (w * w), _stack_grad(X, -2 * u - 400 * x * w, 200 * w)

    def h(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        hxx = 2 - 400 * (y - x * x) + 800 * x * x
        hxy = -400 * x
        return _stack_hess([[hxx, hxy], [hxy, 200 + 0 * x]])

    def r(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        return _stack_grad(X, 10 * (y - x * x), 1 - x)

    def j(X: Array) -> Array:
        x = X[..., 0]
        return _stack_hess([[-20 * x, 10 + 0 * x], [-1 + 0 * x, 0 * x]])

    return Problem(
        name="rosenbrock", title="Rosenbrock's banana",
        formula="f(x, y) = (1 − x)² + 100(y − x²)²", dim=2,
        domain=[[-2, 2], [-1, 3]], f=f, g=g, h=h, r=r, j=j, fg=fg, minima=[[1.0, 1.0]],
        columnar=True, suggested_lr=0.001,  # the walls' curvature is ~1000: 0.1 diverges
        description=(
            "A curved valley with very steep walls and an almost flat floor. "
            "Finding the valley is easy; following its floor to the minimum at "
            "(1, 1) is slow for gradient descent. It is also a least-squares "
            "problem: f = ε₁² + ε₂² with ε₁ = 10(y − x²) and ε₂ = 1 − x."
        ),
    )


@register_problem("himmelblau", "Himmelblau", "landscape", "four equally deep minima")
def himmelblau() -> Problem:
    def f(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def g(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        a, b = x * x + y - 11, x + y * y - 7
        return _stack_grad(X, 4 * x * a + 2 * b, 2 * a + 4 * y * b)

    def fg(X: Array) -> tuple[Array, Array]:
        # g's numbers, in place on few temporaries (a large batch's hot loop)
        x, y = X[..., 0], X[..., 1]
        a = x * x
        a += y
        a -= 11
        b = y * y
        b += x
        b -= 7
        f = a * a
        f += b * b
        G = _like(X, X.shape)
        gx, gy = G[..., 0], G[..., 1]
        np.multiply(x, 4, out=gx)
        gx *= a
        gx += np.multiply(b, 2)
        np.multiply(y, 4, out=gy)
        gy *= b
        gy += np.multiply(a, 2)  # 2a + 4yb, as in g (a sum is the same both ways)
        return f, G

    def h(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        hxx = 12 * x * x + 4 * y - 42
        hyy = 12 * y * y + 4 * x - 26
        hxy = 4 * (x + y)
        return _stack_hess([[hxx, hxy], [hxy, hyy]])

    def r(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        return _stack_grad(X, x * x + y - 11, x + y * y - 7)

    def j(X: Array) -> Array:
        x, y = X[..., 0], X[..., 1]
        one = np.ones_like(x)
        return _stack_hess([[2 * x, one], [one, 2 * y]])

    return Problem(
        name="himmelblau", title="Himmelblau", formula="f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
        dim=2, domain=[[-5, 5], [-5, 5]], f=f, g=g, h=h, r=r, j=j, fg=fg, columnar=True,
        suggested_lr=0.01,  # 0.1 overshoots the valleys' walls and diverges
        minima=[
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.283185991286170],
            [3.584428340330492, -1.848126526964404],
        ],
        maxima=[[-0.270844590667348, -0.923038556479981]],
        description=(
            "Four valleys, all exactly as deep (f = 0). Which one you reach "
            "depends only on where you start and how you step: a map of local "
            "minima and their basins of attraction."
        ),
    )


# Stationary points of the two-bumps surface z, found by solving ∇z = 0 to
# machine precision (Newton from the bump centres and from between them).
_BUMP_GLOBAL = [0.788618557200165, -1.220218265128901]
_BUMP_LOCAL = [-0.993513271415036, 0.995896778693529]
_BUMP_SADDLE = [-0.048075624254474, 0.207608495171694]


@register_problem(
    "two_bumps", "Two bumps (upside down)", "landscape",
    "the slides' two-bump surface, negated: a local and a global minimum",
)
def two_bumps() -> Problem:
    """Minimise ``f = −z`` where ``z`` is the two-bump surface of the slides.

    The slides *maximise* ``z``.  We negate it once here so that every method
    minimises by default and "rolling downhill" means climbing a bump of ``z``;
    ``maximize=True`` on this problem would run away from both bumps.
    """

    def parts(X: Array):
        x, y = X[..., 0], X[..., 1]
        e1 = np.exp(-((x + 1) ** 2) - (y - 1) ** 2)
        e2 = 0.6 * np.exp(-((x - 1) ** 2) - 0.5 * (y + 1) ** 2 + 0.1 * (x - 3) * (y - 3))
        ax, ay = -2 * (x + 1), -2 * (y - 1)
        bx, by = -2 * (x - 1) + 0.1 * (y - 3), -(y + 1) + 0.1 * (x - 3)
        return e1, e2, ax, ay, bx, by

    def f(X: Array) -> Array:
        e1, e2, *_ = parts(X)
        return -(e1 + e2)

    def g(X: Array) -> Array:
        e1, e2, ax, ay, bx, by = parts(X)
        return _stack_grad(X, -(e1 * ax + e2 * bx), -(e1 * ay + e2 * by))

    def fg(X: Array) -> tuple[Array, Array]:  # the exponentials once for both
        e1, e2, ax, ay, bx, by = parts(X)
        return -(e1 + e2), _stack_grad(X, -(e1 * ax + e2 * bx), -(e1 * ay + e2 * by))

    def h(X: Array) -> Array:
        e1, e2, ax, ay, bx, by = parts(X)
        hxx = -(e1 * (ax * ax - 2) + e2 * (bx * bx - 2))
        hyy = -(e1 * (ay * ay - 2) + e2 * (by * by - 1))
        hxy = -(e1 * ax * ay + e2 * (bx * by + 0.1))
        return _stack_hess([[hxx, hxy], [hxy, hyy]])

    return Problem(
        name="two_bumps", title="Two bumps (upside down)",
        formula="f = −[e^(−(x+1)² − (y−1)²) + 0.6·e^(−(x−1)² − 0.5(y+1)² + 0.1(x−3)(y−3))]",
        dim=2, domain=[[-3, 3], [-3, 3]], f=f, g=g, h=h, fg=fg, columnar=True,
        minima=[_BUMP_GLOBAL, _BUMP_LOCAL], saddles=[_BUMP_SADDLE],
        description=(
            "The two-bump surface from the lecture slides, turned upside down so "
            "that finding the highest bump means rolling downhill. The hollow "
            "near (0.79, −1.22) is the deepest (f ≈ −1.424); the one near "
            "(−0.99, 1.00) is only a local minimum (f ≈ −1.003). Where you start "
            "decides where you end."
        ),
    )
