"""Models trained on data, as problems: the model's parameters are the coordinates.

Four models, each registered with ``kind="model"`` and built with
``core.get_problem(name, dataset=..., loss=..., seed=...)``:

``logistic``
    p = σ(θ₁x₁ + θ₂x₂ + θ₃); ``loss="cross_entropy"`` (default) or ``"mse"``;
    ``numerics="stable"`` (default, log-sum-exp) or ``"naive"`` (SOURCES A).
``mlp``
    the 2-2-1 sigmoid network of SOURCES D, 9 parameters, mean squared error.
``curve_fit``
    F(x) = a·x² + b·x on a fitting data set (``pastures``), ``loss="mae"``
    (default, SOURCES E) or ``"mse"`` (a least-squares problem: ``lm`` fits it).
``svm``
    linear support vector machine, score s = c₁x₁ + c₂x₂ − b; ``loss="hinge"``
    (default) or ``"heaviside"`` (SOURCES C's penalty, flat almost everywhere).

Every evaluator takes parameters of shape ``(..., dim)`` and averages over
all samples, so the landscape view can evaluate a whole 256×256 grid of
parameter vectors in one call; the work is done in chunks of about a million
numbers, whatever the grid and data size.  Gradients are analytic (the MLP's
is backpropagation written out by hand).

Examples
--------
>>> import core
>>> p = core.get_problem("logistic", dataset="blobs")
>>> p.dim, p.param_names, p.dataset.n
(3, ('θ1', 'θ2', 'θ3'), 100)
>>> r = core.run(p, "gd", p.start, steps=300, lr=1.0)
>>> float(p.accuracy(r.x))
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import bad, check_choice, check_int, check_real
from ..datasets import DATASETS, Dataset, get_dataset
from .base import Problem, register_problem

Array = np.ndarray
Rows = Callable[[Array], Array]

#: Work in chunks of about this many numbers (parameter vectors × samples).
CHUNK_ELEMENTS = 1 << 16


def _rows(fn: Rows, P: Array, n: int, tail: tuple[int, ...] = ()) -> Array:
    """Apply ``fn`` ((k, dim) -> (k, *tail)) to ``P`` (..., dim) in chunks.

    Each row is computed by the same operations whatever the chunk, so a
    point gives bit-identical results alone or inside a grid.
    """
    lead = P.shape[:-1]
    flat = P.reshape(-1, P.shape[-1])
    k = flat.shape[0]
    step = max(1, CHUNK_ELEMENTS // max(n, 1))
    if k <= step:
        out = fn(flat)
    else:
        out = np.concatenate([fn(flat[i:i + step]) for i in range(0, k, step)], axis=0)
    return out.reshape(lead + tuple(tail))


def sigmoid(z: Array) -> Array:
    """σ(z) = 1/(1 + e^(−z)) without overflow for any z.

    Computed as ½ + ½·tanh(z/2), which never overflows and is several times
    faster than exp-and-divide (absolute error below 2e-16; far out in the
    tails σ rounds to exactly 0 or 1).

    Examples
    --------
    >>> from core.problems.models import sigmoid
    >>> [float(v) for v in sigmoid([-1000.0, 0.0, 1000.0])]
    [0.0, 0.5, 1.0]
    """
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(z, dtype=float))


def softplus(u: Array) -> Array:
    """log(1 + e^u) = −log σ(−u), exact for every u (no overflow, no cancellation).

    Examples
    --------
    >>> from core.problems.models import softplus
    >>> [round(float(v), 6) for v in softplus([-800.0, 0.0, 800.0])]
    [0.0, 0.693147, 800.0]
    """
    u = np.asarray(u, dtype=float)
    return np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u)))


def _mean(a: Array) -> Array:
    return np.mean(a, axis=-1)


def _nice(v: float) -> float:
    """Round down to 1, 2 or 5 times a power of ten (a learning rate a person would type)."""
    if not np.isfinite(v) or v <= 0:
        return 0.1
    e = np.floor(np.log10(v))
    m = v / 10 ** e
    return float((5 if m >= 5 else 2 if m >= 2 else 1) * 10 ** e)


@dataclass(frozen=True, eq=False)
class ModelProblem(Problem):
    """A :class:`Problem` whose coordinates are a model's parameters on a data set.

    Attributes (beyond :class:`Problem`'s)
    --------------------------------------
    dataset
        The :class:`core.datasets.Dataset` the loss averages over.
    model, loss
        Model name and loss name (also in ``options``).
    start
        ``(dim,)`` a sensible default start for training.
    suggested_lr
        A learning rate for plain gradient descent that makes visible progress
        without diverging (the data decide: e.g. ~3e-8 for ``curve_fit`` MSE).
    linear
        True when the decision boundary is a straight line (see :meth:`line`).

    ``param_names`` (= ``coords``) names the parameters in order.
    """

    dataset: Dataset | None = None
    model: str = ""
    loss: str = ""
    start: Array | None = None
    suggested_lr: float = 0.1
    linear: bool = False
    score_fn: Callable[[Array, Array], Array] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.start is not None:
            start = np.array(self.start, dtype=float).reshape(self.dim)
            start.setflags(write=False)
            object.__setattr__(self, "start", start)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of the coordinates."""
        return self.coords

    @property
    def is_classifier(self) -> bool:
        """True for models that predict one of two classes."""
        return self.dataset is not None and self.dataset.is_classification

    # -- predictions ------------------------------------------------------------------
    def _outer(self, params: object, points: object, width: int) -> Array:
        P = self._prep(params)
        Q = np.asarray(points, dtype=float)
        if width:
            if Q.shape[-1:] != (width,):
                raise ValueError(f"points has shape {Q.shape}: its last axis must have length {width}.")
            qlead, Qf = Q.shape[:-1], Q.reshape(-1, width)
        else:
            qlead, Qf = Q.shape, Q.reshape(-1, 1)
        m = Qf.shape[0]
        with np.errstate(all="ignore"):
            out = _rows(lambda A: self.score_fn(A, Qf), P, m, (m,))
        return out.reshape(P.shape[:-1] + qlead)

    def _classifier(self, what: str) -> None:
        if not self.is_classifier:
            raise ValueError(f"{what} needs a classifier, but {self.name!r} fits a curve: "
                             f"use predict(params, x) for its values.")

    def decision_function(self, params: object, points: object) -> Array:
        """The score before the final sigmoid: class 1 where it is ≥ 0.

        ``params`` ``(..., dim)`` and ``points`` ``(..., 2)`` (feature space);
        the result has shape ``params.shape[:-1] + points.shape[:-1]``.
        """
        self._classifier("decision_function")
        return self._outer(params, points, 2)

    def predict_proba(self, params: object, points: object) -> Array:
        """Confidence that each point is class 1, in [0, 1] (the plane's shading).

        Shapes as :meth:`decision_function`.  For the SVM this is σ(score), a
        squashed score rather than a calibrated probability.

        Examples
        --------
        >>> import core, numpy as np
        >>> p = core.get_problem("logistic")
        >>> float(p.predict_proba([1.0, 0.0, 0.0], [0.0, 5.0]))
        0.5
        >>> g = np.zeros((4, 6, 2))                    # a grid of points over the plane
        >>> p.predict_proba([1.0, 2.0, 0.5], g).shape
        (4, 6)
        """
        return sigmoid(self.decision_function(params, points))

    def predict(self, params: object, points: object) -> Array:
        """Classifiers: the predicted class (0/1 ints, 1 where the score ≥ 0;
        a NaN score counts as class 0).  ``curve_fit``: the curve F(x) at the
        points ``x`` of any shape."""
        if self.is_classifier:
            return (self.decision_function(params, points) >= 0).astype(np.int64)
        return self._outer(params, points, 0)

    def accuracy(self, params: object) -> Array:
        """Fraction of the training samples classified correctly; shape ``params.shape[:-1]``."""
        return self._fraction_right(params, invert=False)

    def inverted_accuracy(self, params: object) -> Array:
        """Accuracy of the classifier that always gives the opposite answer (1 − accuracy).

        A model trained by gradient *ascent* to be maximally wrong becomes a good
        classifier this way ("use it in production by taking the opposite answer").
        """
        return self._fraction_right(params, invert=True)

    def _fraction_right(self, params: object, invert: bool) -> Array:
        self._classifier("accuracy")
        P = self._prep(params)
        X, y = self.dataset.X, self.dataset.y.astype(bool)

        def rows(A: Array) -> Array:
            said_one = self.score_fn(A, X) >= 0
            return np.mean((said_one != y) if invert else (said_one == y), axis=-1)

        with np.errstate(all="ignore"):
            return _rows(rows, P, self.dataset.n)

    def line(self, params: object, level: float = 0.0) -> Array | None:
        """Linear models: the segment where the score equals ``level``, clipped to
        the data set's plotting box, as ``[[x1, x2], [x1, x2]]``; None if it
        misses the box.  ``level=0`` is the decision boundary; for the SVM
        ``±1`` are the margin lines."""
        if not self.linear:
            raise ValueError(f"{self.name!r} has no straight decision boundary: draw the "
                             f"0.5 contour of predict_proba instead.")
        p = np.asarray(params, dtype=float).reshape(self.dim)
        w, w0 = self._affine(p)
        return _clip_line(w, w0 - level, self.dataset.bounds)

    def _affine(self, p: Array) -> tuple[Array, float]:
        """score(x) = w·x + w0 for linear models."""
        if self.model == "svm":
            return p[:2], -float(p[2])
        return p[:2], float(p[2])

    # -- SVM ------------------------------------------------------------------------------
    def support_vectors(self, params: object, tol: float = 1e-6) -> Array:
        """SVM: boolean mask ``(n,)`` of the samples on or inside the margin,
        y·s ≤ 1 + tol (the points that hold the boundary in place)."""
        if self.model != "svm":
            raise ValueError(f"support vectors belong to the SVM, not {self.name!r}.")
        p = np.asarray(params, dtype=float).reshape(self.dim)
        t = 2.0 * self.dataset.y - 1.0
        with np.errstate(all="ignore"):
            s = self.score_fn(p[None, :], self.dataset.X)[0]
        return t * s <= 1.0 + tol

    def margin(self, params: object) -> Array:
        """SVM: width of the margin, the street between the lines s = ±1: 2/‖c‖.
        Shape ``params.shape[:-1]``; infinite when c = 0."""
        if self.model != "svm":
            raise ValueError(f"the margin belongs to the SVM, not {self.name!r}.")
        P = self._prep(params)
        with np.errstate(all="ignore"):
            return 2.0 / np.hypot(P[..., 0], P[..., 1])

    def __repr__(self) -> str:
        ds = self.dataset.name if self.dataset is not None else None
        return f"ModelProblem({self.name!r}, dim={self.dim}, dataset={ds!r}, loss={self.loss!r})"


def _clip_line(w: Array, c: float, box: Array) -> Array | None:
    """Segment of {x : w·x + c = 0} inside ``box`` ((2, 2) [[x1lo, x1hi], [x2lo, x2hi]])."""
    (a0, a1), (b0, b1) = box
    if not np.all(np.isfinite(w)) or not np.isfinite(c) or np.hypot(*w) == 0:
        return None
    pts = []
    if w[1] != 0:
        for x1 in (a0, a1):
            x2 = -(c + w[0] * x1) / w[1]
            if b0 <= x2 <= b1:
                pts.append((x1, x2))
    if w[0] != 0:
        for x2 in (b0, b1):
            x1 = -(c + w[1] * x2) / w[0]
            if a0 <= x1 <= a1:
                pts.append((x1, x2))
    uniq = []
    for q in pts:
        if all(abs(q[0] - u[0]) + abs(q[1] - u[1]) > 1e-12 for u in uniq):
            uniq.append(q)
    if len(uniq) < 2:
        return None
    return np.array(uniq[:2])


# -- building blocks --------------------------------------------------------------------------

def _resolve_dataset(dataset: object, kind: str, seed: int, model: str) -> Dataset:
    names = [n for n, e in DATASETS.items() if e.kind == kind]
    allowed = (f"a {kind} data set: one of " + ", ".join(repr(n) for n in names)
               + " or a Dataset from core.load_csv()")
    if isinstance(dataset, Dataset):
        if dataset.kind != kind:
            raise bad("dataset", dataset, allowed + f" (model {model!r} needs {kind} data)")
        return dataset
    if isinstance(dataset, str) and dataset in names:
        return get_dataset(dataset, seed)
    raise bad("dataset", dataset, allowed)


def _hess_from_weights(d2: Array, feats: list[Array | None]) -> Array:
    """mean(d2·fᵢ·fⱼ) for features fᵢ ((n,) arrays, None meaning 1): (k, d, d)."""
    d = len(feats)
    H = np.empty(d2.shape[:-1] + (d, d))
    for i in range(d):
        wi = d2 if feats[i] is None else d2 * feats[i]
        for j in range(i, d):
            v = _mean(wi if feats[j] is None else wi * feats[j])
            H[..., i, j] = v
            H[..., j, i] = v
    return H


def _problem(name: str, dataset: Dataset, dim: int, rows_f: Rows, rows_g: Rows, rows_h: Rows,
             rows_fg: Rows | None = None, **fields: Any) -> ModelProblem:
    """Wrap row functions ((k, dim) -> (k, ...)) as broadcasting, chunked evaluators.

    ``rows_fg`` (optional) returns value and gradient side by side, (k, 1 + dim),
    sharing the forward pass.
    """
    n = dataset.n
    fg = None
    if rows_fg is not None:
        def fg(X: Array) -> tuple[Array, Array]:
            both = _rows(rows_fg, X, n, (1 + dim,))
            return both[..., 0], both[..., 1:]

    def f(X: Array) -> Array:
        return _rows(rows_f, X, n)

    def g(X: Array) -> Array:
        return _rows(rows_g, X, n, (dim,))

    def h(X: Array) -> Array:
        return _rows(rows_h, X, n * dim, (dim, dim))

    return ModelProblem(name=name, dim=dim, f=f, g=g, h=h, fg=fg, dataset=dataset, model=name,
                        **fields)


def _lead_in(ds: Dataset) -> str:
    return f" Data: {ds.title}, {ds.n} samples. {ds.description}"


# -- logistic regression ------------------------------------------------------------------------

LOGISTIC_LOSSES = ("cross_entropy", "mse")
NUMERICS = ("stable", "naive")


@register_problem("logistic", "Logistic regression (on data)", "model",
                  "p = σ(θ₁x₁ + θ₂x₂ + θ₃): one sigmoid unit classifying points of the plane")
def logistic(dataset: object = "blobs", loss: str = "cross_entropy", numerics: str = "stable",
             seed: int = 0) -> ModelProblem:
    """Logistic regression p = σ(θ₁x₁ + θ₂x₂ + θ₃), the loss averaged over the samples.

    ``loss="cross_entropy"``: −y·log p − (1 − y)·log(1 − p); ``loss="mse"``: (p − y)².

    ``numerics`` decides how the loss *value* is computed (SOURCES A).
    ``"stable"`` evaluates −log σ(z) as log(1 + e^(−z)) with ``logaddexp``: exact
    for any z.  ``"naive"`` computes p = 1/(1 + e^(−z)) and then log p and
    log(1 − p) directly, the textbook way: once |z| is large, 1 − p rounds to 0
    (z ≳ 37) or e^(−z) overflows (z ≲ −709), the log is −∞ and the loss turns
    infinite (or NaN, 0·∞) — the spike of SOURCES A that ends an ascent run.
    The gradient is (σ(z) − y)·(x₁, x₂, 1) in both modes (what differentiating
    either form gives), so both follow the same path and only the reported loss
    differs.  For ``loss="mse"`` the two modes agree (no logarithm to overflow).
    """
    seed = check_int("seed", seed, low=0)
    check_choice("loss", loss, LOGISTIC_LOSSES)
    check_choice("numerics", numerics, NUMERICS)
    ds = _resolve_dataset(dataset, "classification", seed, "logistic")
    y = ds.y.astype(float)
    t = 2.0 * y - 1.0                      # labels as ±1
    tx1, tx2 = t * ds.X[:, 0], t * ds.X[:, 1]
    ce = loss == "cross_entropy"

    # Everything per sample is written in the margin m = t·z (t = ±1, exact):
    # m > 0 means the sample is on the right side.  Then −log p(right) =
    # softplus(−m), and σ(z) − y = −t·σ(−m).
    def margin(P: Array) -> Array:
        return P[:, 0:1] * tx1 + P[:, 1:2] * tx2 + P[:, 2:3] * t

    def per_sample(m: Array) -> Array:
        if numerics == "naive":
            p = 1.0 / (1.0 + np.exp(-(t * m)))
            return -(y * np.log(p) + (1 - y) * np.log(1 - p)) if ce else (p - y) ** 2
        return softplus(-m) if ce else sigmoid(-m) ** 2

    def dm(m: Array) -> Array:
        """d(loss per sample)/dm."""
        q = sigmoid(-m)
        return -q if ce else -2.0 * q * q * sigmoid(m)

    def grad_of(d: Array) -> Array:
        return np.stack([_mean(d * tx1), _mean(d * tx2), _mean(d * t)], axis=-1)

    def rows_f(P: Array) -> Array:
        return _mean(per_sample(margin(P)))

    def rows_g(P: Array) -> Array:
        return grad_of(dm(margin(P)))

    def rows_fg(P: Array) -> Array:
        m = margin(P)
        return np.concatenate([_mean(per_sample(m))[:, None], grad_of(dm(m))], axis=-1)

    def rows_h(P: Array) -> Array:
        m = margin(P)
        q, s = sigmoid(-m), sigmoid(m)
        d2 = q * s if ce else 4 * q * q * s * s - 2 * q * q * q * s   # d²/dm² = d²/dz²
        return _hess_from_weights(d2, [tx1, tx2, t])   # (t·x)(t·x)ᵀ = x xᵀ

    def score(P: Array, Q: Array) -> Array:
        return P[:, 0:1] * Q[:, 0] + P[:, 1:2] * Q[:, 1] + P[:, 2:3]

    Xt = np.column_stack([ds.X, np.ones(ds.n)])
    lam = float(np.linalg.eigvalsh(Xt.T @ Xt / ds.n).max())
    what = "cross-entropy −y·log p − (1−y)·log(1−p)" if ce else "squared error (p − y)²"
    formula = f"L(θ) = mean[{'−y·log p − (1−y)·log(1−p)' if ce else '(p − y)²'}],  p = σ(θ₁x₁ + θ₂x₂ + θ₃)"
    return _problem(
        "logistic", ds, 3, rows_f, rows_g, rows_h, rows_fg,
        title=f"Logistic regression on {ds.title}", formula=formula,
        domain=[[-8.0, 8.0]] * 3, coords=("θ1", "θ2", "θ3"), score_fn=score, linear=True,
        loss=loss, start=[-1.0, 1.0, 0.5], suggested_lr=_nice(1.0 / (0.25 * lam)),
        options={"dataset": ds.name, "loss": loss, "numerics": numerics, "seed": seed},
        description=(
            f"One sigmoid unit: p = σ(θ₁x₁ + θ₂x₂ + θ₃) is the confidence that a point is "
            f"{ds.class_names[1]}. The loss is the mean {what}"
            f"{' computed naively, so large weights overflow into an infinite loss' if numerics == 'naive' and ce else ''}. "
            f"Descent finds a good boundary; ascent (climb) trains the most wrong model, "
            f"which is right when you take the opposite answer — until it diverges."
            + _lead_in(ds)
        ),
    )


# -- the 2-2-1 network ----------------------------------------------------------------------------

MLP_PARAMS = ("w31", "w32", "b3", "w41", "w42", "b4", "w53", "w54", "b5")
#: Finite-difference step (relative) of the MLP's Hessian.
MLP_HESS_STEP = 1e-5


@register_problem("mlp", "Neural network 2-2-1 (on data)", "model",
                  "two hidden sigmoid units and one output: the slides' network, 9 weights")
def mlp(dataset: object = "xor", loss: str = "mse", seed: int = 0) -> ModelProblem:
    """The 2-2-1 sigmoid network of SOURCES D, trained with mean squared error.

    ŷ = g(w53·g(w31x₁ + w32x₂ + b3) + w54·g(w41x₁ + w42x₂ + b4) + b5), g = σ,
    L(w) = mean (ŷ − y)².  Parameter order (the coordinates):
    ``w31 w32 b3 w41 w42 b4 w53 w54 b5`` — hidden unit 3, hidden unit 4, output 5;
    ``wij`` is the weight from node j into node i (inputs are nodes 1 and 2).

    The gradient is backpropagation written out by hand.  The Hessian is the
    central finite difference of that analytic gradient, with step
    ``MLP_HESS_STEP·max(1, |wᵢ|)`` per weight (18 gradient evaluations), then
    symmetrised: accurate to about 1e-9, and cheap next to an analytic one.
    The default start is small random weights drawn from ``seed``.
    """
    seed = check_int("seed", seed, low=0)
    check_choice("loss", loss, ("mse",))
    ds = _resolve_dataset(dataset, "classification", seed, "mlp")
    x1, x2 = ds.X[:, 0].copy(), ds.X[:, 1].copy()
    t = 2.0 * ds.y - 1.0   # labels as ±1: ŷ − y = −t·σ(−t·a5), exact

    def forward(P: Array) -> tuple[Array, ...]:
        a3 = P[:, 0:1] * x1 + P[:, 1:2] * x2 + P[:, 2:3]
        a4 = P[:, 3:4] * x1 + P[:, 4:5] * x2 + P[:, 5:6]
        h3, h4 = sigmoid(a3), sigmoid(a4)
        m5 = t * (P[:, 6:7] * h3 + P[:, 7:8] * h4 + P[:, 8:9])
        q = sigmoid(-m5)                  # |ŷ − y|
        return a3, a4, h3, h4, m5, q

    def backward(P: Array, a3, a4, h3, h4, m5, q) -> Array:
        d5 = -2.0 * t * q * q * sigmoid(m5)          # ∂ℓ/∂a5 = 2(ŷ − y)·ŷ(1 − ŷ)
        d3 = d5 * P[:, 6:7] * h3 * sigmoid(-a3)      # ∂ℓ/∂a3, back through w53
        d4 = d5 * P[:, 7:8] * h4 * sigmoid(-a4)      # ∂ℓ/∂a4, back through w54
        return np.stack([
            _mean(d3 * x1), _mean(d3 * x2), _mean(d3),
            _mean(d4 * x1), _mean(d4 * x2), _mean(d4),
            _mean(d5 * h3), _mean(d5 * h4), _mean(d5),
        ], axis=-1)

    def rows_f(P: Array) -> Array:
        q = forward(P)[-1]
        return _mean(q * q)

    def rows_g(P: Array) -> Array:
        return backward(P, *forward(P))

    def rows_fg(P: Array) -> Array:
        fwd = forward(P)
        q = fwd[-1]
        return np.concatenate([_mean(q * q)[:, None], backward(P, *fwd)], axis=-1)

    def rows_h(P: Array) -> Array:
        k = P.shape[0]
        step = MLP_HESS_STEP * np.maximum(1.0, np.abs(P))
        eye = np.eye(9)
        plus = P[:, None, :] + step[:, :, None] * eye
        minus = P[:, None, :] - step[:, :, None] * eye
        width = np.einsum("kii->ki", plus) - np.einsum("kii->ki", minus)
        gp = rows_g(plus.reshape(-1, 9)).reshape(k, 9, 9)
        gm = rows_g(minus.reshape(-1, 9)).reshape(k, 9, 9)
        H = (gp - gm) / width[:, :, None]
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def score(P: Array, Q: Array) -> Array:
        h3 = sigmoid(P[:, 0:1] * Q[:, 0] + P[:, 1:2] * Q[:, 1] + P[:, 2:3])
        h4 = sigmoid(P[:, 3:4] * Q[:, 0] + P[:, 4:5] * Q[:, 1] + P[:, 5:6])
        return P[:, 6:7] * h3 + P[:, 7:8] * h4 + P[:, 8:9]

    start = np.random.default_rng([seed, 221]).normal(0.0, 0.5, 9)
    return _problem(
        "mlp", ds, 9, rows_f, rows_g, rows_h, rows_fg,
        title=f"Neural network 2-2-1 on {ds.title}",
        formula="ŷ = g(w53·g(w31x₁ + w32x₂ + b3) + w54·g(w41x₁ + w42x₂ + b4) + b5),  L = mean (ŷ − y)²",
        domain=[[-6.0, 6.0]] * 9, coords=MLP_PARAMS, score_fn=score, loss=loss,
        start=start, suggested_lr=2.0,
        options={"dataset": ds.name, "loss": loss, "seed": seed},
        description=(
            "The network of the slides: two hidden sigmoid units feed one sigmoid output, "
            "nine weights in all. Its landscape has flat plateaus where the sigmoids "
            "saturate (momentum helps), many local minima, and saddle points from "
            "swapping the two hidden units. The landscape view shows a 2-D slice "
            "through two chosen weights or two random directions." + _lead_in(ds)
        ),
    )


# -- curve fitting ------------------------------------------------------------------------------

CURVE_LOSSES = ("mae", "mse")
PASTURES_START = (-2.0, 30.0)


@register_problem("curve_fit", "Curve fit a·x² + b·x (on data)", "model",
                  "fit F(x) = a·x² + b·x to the pastures: mean absolute or squared error")
def curve_fit(dataset: object = "pastures", loss: str = "mae", seed: int = 0) -> ModelProblem:
    """Fit F(x) = a·x² + b·x to a fitting data set (SOURCES E).

    ``loss="mae"``: mean |F(xᵢ) − yᵢ|, gradient mean(sign(F − y)·(x², x)) — a
    sign, not a size.  Non-smooth (``smooth=False``) with zero Hessian.
    ``loss="mse"``: mean (F(xᵢ) − yᵢ)², a least-squares problem with residuals
    rᵢ = (F(xᵢ) − yᵢ)/√n (so Σ r² is the loss) and Jacobian (xᵢ², xᵢ)/√n;
    its minimum (exact linear least squares) is in ``minima``.

    On ``pastures`` the start is the source's (a, b) = (−2, 30) and the truth
    is (−1, 100).  x² reaches 10⁴ while x reaches 10², so the loss is far
    more sensitive to a than to b: a long, thin valley.
    """
    seed = check_int("seed", seed, low=0)
    check_choice("loss", loss, CURVE_LOSSES)
    ds = _resolve_dataset(dataset, "fitting", seed, "curve_fit")
    x = ds.x.copy()
    xx = x * x
    yv = ds.y.copy()
    n = ds.n
    root_n = np.sqrt(n)
    mae = loss == "mae"

    def resid(P: Array) -> Array:
        return P[:, 0:1] * xx + P[:, 1:2] * x - yv

    def rows_f(P: Array) -> Array:
        r = resid(P)
        return _mean(np.abs(r)) if mae else _mean(r * r)

    def rows_g(P: Array) -> Array:
        r = resid(P)
        w = np.sign(r) if mae else 2 * r
        return np.stack([_mean(w * xx), _mean(w * x)], axis=-1)

    A = np.column_stack([xx, x])
    H_mse = 2 * A.T @ A / n

    def rows_h(P: Array) -> Array:
        H = np.zeros((2, 2)) if mae else H_mse
        return np.broadcast_to(H, (P.shape[0], 2, 2)).copy()

    def score(P: Array, Q: Array) -> Array:
        q = Q[:, 0]
        return P[:, 0:1] * (q * q) + P[:, 1:2] * q

    best = np.linalg.lstsq(A, yv, rcond=None)[0]
    # Plot around the best fit, wide enough to include a start on the other side.
    typical = np.array([np.std(yv) / max(np.mean(xx), 1e-12), np.std(yv) / max(np.mean(np.abs(x)), 1e-12)])
    half = np.maximum(np.abs(best) * np.array([2.0, 1.0]), typical)
    domain = np.stack([best - half, best + half], axis=1)
    start = np.array(PASTURES_START) if ds.name == "pastures" and ds.source == "built-in" \
        else best - 0.5 * half
    lam = float(np.linalg.eigvalsh(H_mse).max())
    lr = _nice(1.0 / lam) if not mae else _nice(0.3 * half[0] / np.mean(xx))
    extra: dict[str, Any] = {}
    if not mae:
        def r(X: Array) -> Array:
            return _rows(lambda P: resid(P) / root_n, X, n, (n,))

        def j(X: Array) -> Array:
            J = A / root_n
            return np.broadcast_to(J, X.shape[:-1] + J.shape).copy()

        extra = {"r": r, "j": j, "minima": [best]}
    name_loss = "mean absolute error" if mae else "mean squared error"
    return _problem(
        "curve_fit", ds, 2, rows_f, rows_g, rows_h,
        title=f"Curve fit a·x² + b·x on {ds.title}",
        formula=("L(a, b) = mean |a·xᵢ² + b·xᵢ − yᵢ|" if mae else
                 "L(a, b) = mean (a·xᵢ² + b·xᵢ − yᵢ)²"),
        domain=domain, coords=("a", "b"), score_fn=score, loss=loss, start=start,
        suggested_lr=lr, smooth=not mae,
        options={"dataset": ds.name, "loss": loss, "seed": seed},
        description=(
            f"Fit the curve F(x) = a·x² + b·x through the data by minimising the {name_loss}. "
            + ("The gradient of an absolute error is only a sign: each point says 'too "
               "high' or 'too low', weighted by x² for a and by x for b. "
               if mae else
               "Squared errors make this a least-squares problem: Levenberg–Marquardt "
               "(lm) solves it in a few steps. ")
            + "Because x² is much larger than x, a changes the loss far more than b: the "
            "valley is long and thin, and gradient descent thrashes across it or crawls "
            "along it." + _lead_in(ds)
        ),
        **extra,
    )


# -- support vector machine -----------------------------------------------------------------------

SVM_LOSSES = ("hinge", "heaviside")


@register_problem("svm", "Linear SVM (on data)", "model",
                  "maximise the margin: hinge loss, or the Heaviside penalty with no gradient")
def svm(dataset: object = "blobs", loss: str = "hinge", reg: float = 0.01,
        seed: int = 0) -> ModelProblem:
    """A linear support vector machine with score s = c₁x₁ + c₂x₂ − b (SOURCES C).

    Labels tᵢ = ±1 (class 1 → +1, class 0 → −1); the constraints are
    tᵢ·sᵢ ≥ 1.  With λ = ``reg``:

    ``loss="hinge"``: L = (λ/2)‖c‖² + mean max(0, 1 − tᵢsᵢ), the soft-margin SVM.
    ``loss="heaviside"``: L = (λ/2)‖c‖² + mean H(1 − tᵢsᵢ), each violated
    constraint costing 1 (H(u) = 1 for u > 0, else 0).  The penalty is flat
    except where it jumps, so its gradient is zero almost everywhere: only
    λc is left, which merely shrinks c.  That is the lesson: a Heaviside has no
    slope to follow.

    Both are non-smooth (``smooth=False``); the Hessian is diag(λ, λ, 0)
    almost everywhere.  ``support_vectors`` and ``margin`` describe the drawing.
    """
    seed = check_int("seed", seed, low=0)
    check_choice("loss", loss, SVM_LOSSES)
    lam = check_real("reg", reg, low=0.0, high=100.0)
    ds = _resolve_dataset(dataset, "classification", seed, "svm")
    x1, x2 = ds.X[:, 0].copy(), ds.X[:, 1].copy()
    t = 2.0 * ds.y - 1.0
    hinge = loss == "hinge"

    def margins(P: Array) -> Array:
        return t * (P[:, 0:1] * x1 + P[:, 1:2] * x2 - P[:, 2:3])

    def norm_term(P: Array) -> Array:
        return 0.5 * lam * (P[:, 0] * P[:, 0] + P[:, 1] * P[:, 1])

    def rows_f(P: Array) -> Array:
        u = 1.0 - margins(P)
        pen = np.maximum(u, 0.0) if hinge else (u > 0).astype(float)
        return norm_term(P) + _mean(pen)

    def rows_g(P: Array) -> Array:
        if not hinge:
            return np.stack([lam * P[:, 0], lam * P[:, 1], np.zeros(P.shape[0])], axis=-1)
        active = (1.0 - margins(P) > 0) * t
        return np.stack([lam * P[:, 0] - _mean(active * x1), lam * P[:, 1] - _mean(active * x2),
                         _mean(active)], axis=-1)

    H = np.diag([lam, lam, 0.0])

    def rows_h(P: Array) -> Array:
        return np.broadcast_to(H, (P.shape[0], 3, 3)).copy()

    def score(P: Array, Q: Array) -> Array:
        return P[:, 0:1] * Q[:, 0] + P[:, 1:2] * Q[:, 1] - P[:, 2:3]

    penalty = "max(0, 1 − tᵢsᵢ)" if hinge else "H(1 − tᵢsᵢ)"
    return _problem(
        "svm", ds, 3, rows_f, rows_g, rows_h,
        title=f"Linear SVM ({loss}) on {ds.title}",
        formula=f"L = ({lam:g}/2)‖c‖² + mean {penalty},  sᵢ = c₁x₁ + c₂x₂ − b,  tᵢ = ±1",
        domain=[[-4.0, 4.0]] * 3, coords=("c1", "c2", "b"), score_fn=score, linear=True,
        loss=loss, start=[-1.0, 1.0, 0.5], suggested_lr=0.1, smooth=False,
        options={"dataset": ds.name, "loss": loss, "reg": lam, "seed": seed},
        description=(
            "A straight boundary s = c·x − b = 0 with a margin on each side (the lines "
            "s = ±1). Points on or inside the margin are the support vectors: they alone "
            "decide where the boundary goes. A small ‖c‖ means a wide margin. "
            + ("The hinge penalty grows steadily with each violation, so the gradient "
               "always says which way to move." if hinge else
               "The Heaviside penalty only counts violations: it is flat between jumps, so "
               "its gradient is zero and descent just shrinks c until every point violates "
               "the margin.")
            + _lead_in(ds)
        ),
    )
