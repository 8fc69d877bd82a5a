"""One-dimensional curves: the tea-temperature family and the fence.

The tea curves (SOURCES B) are a drinker's *suffering* as a function of the
serving temperature T in °C, on a scale of about 0 to 10: optimisation
minimises suffering instead of maximising enjoyment.  They share one smooth
base curve with a warm valley near 62 °C (a local minimum) and a deeper
iced-tea valley near 7 °C (the global minimum); the variants add the failure
modes the source lists: passing trains (kinks), a 10-point rating scale (flat
steps) and a finicky drinker (a plateau with one narrow well).

The fence (SOURCES E) is the area of a rectangle fenced with 200 m of wire,
a *maximisation* problem.

Examples
--------
>>> import core
>>> p = core.get_problem("tea")
>>> [round(float(t), 2) for t in p.minima[:, 0]]
[6.64, 62.07]
>>> float(core.get_problem("fence").value(57.0))
2451.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Problem, register_problem

Array = np.ndarray
Curve = Callable[[Array], Array]

TEA_DOMAIN = [[0.0, 100.0]]
TEA_COORDS = ("T (°C)",)

# Base tea curve: a broad bowl centred at 50 °C, minus a warm valley and a
# deeper, narrower iced-tea valley (amplitude, centre, width of each Gaussian).
_BOWL_C, _BOWL_W, _BOWL_A, _LEVEL = 50.0, 50.0, 4.0, 5.0
_WARM = (3.0, 63.0, 12.0)
_ICED = (7.0, 6.0, 8.0)
# Passing trains: |sin| wiggles, period 5 °C.
_TRAIN_A, _TRAIN_K = 0.3, np.pi / 5.0
# The finicky drinker: plateau level, well depth, centre and width.
_FINICKY = (8.0, 7.0, 71.0, 1.2)


def _gauss(T: Array, amp: float, centre: float, width: float) -> tuple[Array, Array, Array]:
    """A·exp(−((T − c)/w)²) and its first two derivatives."""
    u = (T - centre) / width
    g = amp * np.exp(-u * u)
    return g, g * (-2.0 * u / width), g * (4.0 * u * u - 2.0) / (width * width)


def _tea(T: Array) -> tuple[Array, Array, Array]:
    """The smooth tea curve s(T) with s′ and s″."""
    d = (T - _BOWL_C) / _BOWL_W
    w, w1, w2 = _gauss(T, *_WARM)
    i, i1, i2 = _gauss(T, *_ICED)
    s = _LEVEL + _BOWL_A * d * d - w - i
    s1 = 2.0 * _BOWL_A * d / _BOWL_W - w1 - i1
    s2 = 2.0 * _BOWL_A / (_BOWL_W * _BOWL_W) - w2 - i2
    return s, s1, s2


def _trains(T: Array) -> tuple[Array, Array, Array]:
    """Tea plus A·|sin(kT)|: kinks (cusps) every 5 °C."""
    s, s1, s2 = _tea(T)
    sn, cs = np.sin(_TRAIN_K * T), np.cos(_TRAIN_K * T)
    return (s + _TRAIN_A * np.abs(sn),
            s1 + _TRAIN_A * _TRAIN_K * cs * np.sign(sn),
            s2 - _TRAIN_A * _TRAIN_K ** 2 * np.abs(sn))


def _rating(T: Array) -> tuple[Array, Array, Array]:
    """Suffering rounded to a whole point: flat steps, zero slope between jumps."""
    s = _tea(T)[0]
    zero = np.zeros_like(s)
    return np.floor(s + 0.5), zero, zero


def _finicky(T: Array) -> tuple[Array, Array, Array]:
    level, depth, centre, width = _FINICKY
    g, g1, g2 = _gauss(T, depth, centre, width)
    return level - g, -g1, -g2


def _fence(L: Array) -> tuple[Array, Array, Array]:
    return 100.0 * L - L * L, 100.0 - 2.0 * L, np.full_like(L, -2.0)


def _newton(curve, x: float, steps: int = 60) -> float:
    """Polish a stationary point of a smooth curve (import-time, scalar)."""
    for _ in range(steps):
        _, d1, d2 = (float(v) for v in curve(np.array(x)))
        if d2 == 0:
            break
        dx = d1 / d2
        x -= dx
        if abs(dx) < 1e-15 * max(1.0, abs(x)):
            break
    return x


def _grid_min(curve, lo: float, hi: float, n: int = 20001) -> float:
    T = np.linspace(lo, hi, n)
    return float(T[np.argmin(curve(T)[0])])


def _trains_global_min() -> float:
    """Best point of the trains curve: on each smooth piece between two cusps
    the minimum is a cusp or a smooth stationary point; compare them all."""
    best_t, best_f = 0.0, np.inf
    edges = np.arange(0.0, 100.0 + 1e-9, np.pi / _TRAIN_K)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        t = _grid_min(_trains, a, b, 2001)
        if a < t < b:
            t = min(max(_newton(_trains, t), a), b)
        for cand in (a, t, b):
            f = float(_trains(np.array(cand))[0])
            if f < best_f:
                best_t, best_f = cand, f
    return best_t


_TEA_ICED_MIN = _newton(_tea, 6.6)
_TEA_WARM_MIN = _newton(_tea, 62.0)
_TEA_HUMP = _newton(_tea, 21.0)


def _curve_problem(name: str, title: str, formula: str, curve, *, domain=TEA_DOMAIN,
                   coords=TEA_COORDS, description: str, **extra) -> Problem:
    def f(X: Array) -> Array:
        return curve(X[..., 0])[0]

    def g(X: Array) -> Array:
        return curve(X[..., 0])[1][..., None]

    def h(X: Array) -> Array:
        return curve(X[..., 0])[2][..., None, None]

    return Problem(name=name, title=title, formula=formula, dim=1, domain=domain, f=f, g=g,
                   h=h, coords=coords, description=description, **extra)


_TEA_FORMULA = ("s(T) = 5 + 4((T − 50)/50)² − 3·e^(−((T − 63)/12)²) − 7·e^(−((T − 6)/8)²)")


@register_problem("tea", "Tea temperature", "1-D",
                  "suffering vs serving temperature: a warm valley and a deeper iced-tea valley")
def tea() -> Problem:
    """The smooth tea curve: two valleys, the colder one deeper."""
    return _curve_problem(
        "tea", "Tea temperature", _TEA_FORMULA, _tea,
        minima=[[_TEA_ICED_MIN], [_TEA_WARM_MIN]], maxima=[[_TEA_HUMP]],
        suggested_lr=8.0,  # under 2/f'' = 9 everywhere: 0.1 would crawl 0.01 °C a step
        description=(
            "How much a tea drinker suffers at each serving temperature (lower is "
            "better). Comfortably hot tea near 62 °C is a valley, but on a hot day "
            "iced tea near 7 °C is even better: the global minimum. Gradient descent "
            "started anywhere above about 21 °C rolls into the warm valley and never "
            "learns about iced tea."
        ),
    )


@register_problem("tea_trains", "Tea with passing trains", "1-D",
                  "the tea curve with kinks: many places to get stuck")
def tea_trains() -> Problem:
    return _curve_problem(
        "tea_trains", "Tea with passing trains", "f(T) = s(T) + 0.3·|sin(πT/5)|, s = the tea curve",
        _trains, minima=[[_trains_global_min()]], smooth=False, suggested_lr=5.0,
        description=(
            "The same drinker, disturbed by trains passing at regular intervals: "
            "the curve gains a wiggle with a sharp corner every 5 °C. The slope jumps "
            "at each corner and many corners are little pits where a rolling ball "
            "stops. The derivative exists everywhere except at the corners."
        ),
    )


@register_problem("tea_rating", "Tea rated on a 10-point scale", "1-D",
                  "flat steps: zero gradient almost everywhere")
def tea_rating() -> Problem:
    return _curve_problem(
        "tea_rating", "Tea rated on a 10-point scale", "r(T) = round(s(T)), whole points only",
        _rating, minima=[[_TEA_ICED_MIN]], smooth=False, suggested_lr=8.0,
        description=(
            "The drinkers now rate their suffering on a 10-point scale, so the curve "
            "becomes a staircase of flat steps. On a step the slope is exactly zero, "
            "so gradient descent sees no downhill and stops where it started: marbles "
            "do not roll down stairs. Methods that compare values (annealing, genetic "
            "search, exhaustive search) still work."
        ),
    )


@register_problem("tea_finicky", "A finicky tea drinker", "1-D",
                  "a flat plateau with one narrow, deep well")
def tea_finicky() -> Problem:
    level, depth, centre, width = _FINICKY
    return _curve_problem(
        "tea_finicky", "A finicky tea drinker", f"s(T) = {level:g} − {depth:g}·e^(−((T − {centre:g})/{width:g})²)",
        _finicky, minima=[[centre]],
        description=(
            "This drinker despises every tea that is not exactly right: the curve is "
            "a flat plateau with one narrow, deep well at 71 °C. Away from the well the "
            "slope is practically zero, so a rolling ball started on the plateau never "
            "finds it; only a start within a few degrees does."
        ),
    )


@register_problem("fence", "Fence: the biggest pasture", "1-D",
                  "A(l) = 100l − l², a maximisation problem (climb it)")
def fence() -> Problem:
    """Area of a rectangle fenced with 200 m of wire, one side ``l``.

    A(l) = l·(100 − l) = 100l − l², A′(l) = 100 − 2l, best at l = 50 (A = 2500).
    It is posed as a maximisation (``goal="maximize"``): run it with
    ``maximize=True``.  Gradient ascent with learning rate r moves
    l ← l + r·A′(l), so l − 50 shrinks by the factor 1 − 2r each step
    (r = 0.25 halves it: 57 → 53.5 → 51.75 → …; r = 0.5 lands on 50 at once).

    The source (SOURCES E) works the first steps by hand from a guess of 57
    without a fixed learning rate: A′(57) = −14, "let's say we reduce our guess
    by 3 — it's kind of arbitrary" (57 → 54, A = 2484, up from 2451); then
    A′(54) = −8, and "8 is less than 14 so let's reduce our guess less — why not
    by 2?" (54 → 52, A = 2496).  Its rule: move in the direction of the sign of
    A′ (uphill, towards larger A) by a hand-picked whole number of metres that
    shrinks as |A′| shrinks.  The implied rates 3/14 ≈ 0.214 and 2/8 = 0.25 differ, so no
    constant learning rate reproduces both of its steps.
    """
    return _curve_problem(
        "fence", "Fence: the biggest pasture", "A(l) = 100l − l²   (A′(l) = 100 − 2l)", _fence,
        domain=[[0.0, 100.0]], coords=("l (m)",), maxima=[[50.0]], goal="maximize",
        description=(
            "200 m of fence around a rectangular pasture: with one side l the other is "
            "100 − l and the area is A(l) = 100l − l². The biggest pasture is the "
            "square, l = 50 m (A = 2500 m²). This is a maximisation: tick 'climb' "
            "(gradient ascent). From a guess of 57 the slope A′(57) = −14 says "
            "'shorter is better', and each step moves l towards 50."
        ),
    )
