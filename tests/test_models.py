"""Models on data as problems: losses, gradients, training behaviour, slices.

Losses are checked against a plain per-sample loop typed in from the formulas
of the sources; gradients and Hessians against central finite differences on
random parameters and several data sets; training against what SOURCES A, C,
D and E say should happen.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import core
import core.problems.models as models

CLASSIFIERS = ("logistic", "mlp", "svm")
MODELS = CLASSIFIERS + ("curve_fit",)
CLASS_DATA = ("blobs", "overlapping_blobs", "xor", "circles", "moons", "loans")

# Every model × loss × data-set combination the options allow.
VARIANTS = (
    [("logistic", dict(dataset=d, loss=loss)) for d in ("blobs", "xor", "loans")
     for loss in ("cross_entropy", "mse")]
    + [("logistic", dict(dataset="moons", loss="cross_entropy", numerics="naive"))]
    + [("mlp", dict(dataset=d)) for d in ("xor", "circles", "blobs")]
    + [("curve_fit", dict(loss=loss)) for loss in ("mae", "mse")]
    + [("svm", dict(dataset=d, loss=loss)) for d in ("blobs", "overlapping_blobs")
       for loss in ("hinge", "heaviside")]
)
IDS = [f"{m}-{'-'.join(str(v) for v in o.values())}" for m, o in VARIANTS]


def variant(i: int) -> core.Problem:
    name, opts = VARIANTS[i]
    return core.get_problem(name, **opts)


def random_params(p, n=12, seed=0, shrink=1.0):
    rng = np.random.default_rng(seed)
    lo, hi = p.domain[:, 0], p.domain[:, 1]
    mid, half = (lo + hi) / 2, (hi - lo) / 2 * shrink
    return mid + half * rng.uniform(-0.95, 0.95, size=(n, p.dim))


def fd(fun, x, h=1e-6):
    cols = []
    for i in range(x.size):
        step = h * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = step
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * step))
    return np.stack(cols, axis=-1)


# -- independent per-sample references ------------------------------------------------------

def sig(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def reference_loss(p, params) -> float:
    """The loss as a plain loop over samples, written from the sources' formulas."""
    d = p.dataset
    total = 0.0
    for xi, yi in zip(d.X, d.y, strict=True):
        if p.model == "logistic":
            q = sig(params[0] * xi[0] + params[1] * xi[1] + params[2])
            if p.loss == "mse":
                total += (q - yi) ** 2
            else:
                total += -yi * math.log(q) - (1 - yi) * math.log(1 - q)
        elif p.model == "mlp":
            w31, w32, b3, w41, w42, b4, w53, w54, b5 = params
            yhat = sig(w53 * sig(w31 * xi[0] + w32 * xi[1] + b3)
                       + w54 * sig(w41 * xi[0] + w42 * xi[1] + b4) + b5)
            total += (yhat - yi) ** 2
        elif p.model == "curve_fit":
            a, b = params
            err = a * xi[0] ** 2 + b * xi[0] - yi
            total += abs(err) if p.loss == "mae" else err * err
        elif p.model == "svm":
            c1, c2, b = params
            t = 1 if yi == 1 else -1
            u = 1 - t * (c1 * xi[0] + c2 * xi[1] - b)
            total += max(u, 0.0) if p.loss == "hinge" else float(u > 0)
    mean = total / d.n
    if p.model == "svm":
        mean += 0.5 * p.options["reg"] * (params[0] ** 2 + params[1] ** 2)
    return mean


@pytest.mark.parametrize("i", range(len(VARIANTS)), ids=IDS)
def test_loss_matches_a_per_sample_loop(i):
    p = variant(i)
    for params in random_params(p, n=5, seed=10, shrink=0.4):
        assert float(p.value(params)) == pytest.approx(reference_loss(p, params), rel=1e-12, abs=1e-13)


# -- gradients and Hessians against finite differences ---------------------------------------

def kink_free(p, fun, x, tol) -> bool:
    """Non-smooth losses: skip points whose stencil straddles a kink or a jump."""
    if p.smooth:
        return True
    return bool(np.allclose(fd(fun, x), fd(fun, x, 4e-6), rtol=1e-6, atol=tol))


@pytest.mark.parametrize("i", range(len(VARIANTS)), ids=IDS)
def test_gradient_matches_finite_differences(i):
    p = variant(i)
    naive = p.options.get("numerics") == "naive"
    checked = 0
    # naive numerics are exact only while |z| is moderate: stay near the middle there
    for x in random_params(p, n=12, seed=1, shrink=0.3 if naive else 1.0):
        atol = 1e-7 + 1e-9 * abs(float(p.value(x)))
        if not kink_free(p, p.value, x, atol):
            continue
        checked += 1
        np.testing.assert_allclose(p.grad(x), fd(p.value, x), rtol=2e-6, atol=atol,
                                   err_msg=f"at {x}")
    assert checked >= 10


@pytest.mark.parametrize("i", range(len(VARIANTS)), ids=IDS)
def test_hessian_matches_finite_differences_of_the_gradient(i):
    p = variant(i)
    checked = 0
    for x in random_params(p, n=8, seed=2):
        H = p.hess(x)
        np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))
        atol = 1e-6 + 1e-9 * float(np.abs(p.grad(x)).max())
        if not kink_free(p, p.grad, x, atol):
            continue
        checked += 1
        np.testing.assert_allclose(H, fd(p.grad, x), rtol=1e-5, atol=atol, err_msg=f"at {x}")
    assert checked >= 6


def test_mlp_hessian_is_close_to_a_fine_finite_difference():
    # the MLP's Hessian is itself a finite difference of the analytic gradient
    p = core.get_problem("mlp", dataset="circles")
    x = random_params(p, n=1, seed=3, shrink=0.3)[0]
    np.testing.assert_allclose(p.hess(x), fd(p.grad, x, h=1e-4), rtol=1e-6, atol=1e-8)


def test_mlp_parameter_order_is_documented():
    p = core.get_problem("mlp")
    assert p.param_names == ("w31", "w32", "b3", "w41", "w42", "b4", "w53", "w54", "b5")
    assert p.dim == 9
    # b5 alone moves the output the same for every sample: ∂L/∂b5 = mean ∂ℓ/∂a5
    x = np.zeros(9)
    yhat = 0.5  # every hidden and output unit sits at σ(0)
    expected = np.mean(2 * (yhat - p.dataset.y) * yhat * (1 - yhat))
    assert float(p.grad(x)[8]) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("name", MODELS)
def test_value_and_grad_fused_equals_separate(name):
    p = core.get_problem(name)
    X = random_params(p, n=30, seed=4).reshape(5, 6, p.dim)
    f, g = p.value_and_grad(X)
    np.testing.assert_array_equal(f, p.value(X))
    np.testing.assert_array_equal(g, p.grad(X))


@pytest.mark.parametrize("name", MODELS)
def test_a_big_grid_is_evaluated_in_chunks_with_identical_results(name, monkeypatch):
    p = core.get_problem(name)
    X = random_params(p, n=48, seed=5).reshape(6, 8, p.dim)
    whole = p.value(X), p.grad(X), p.hess(X)
    monkeypatch.setattr(models, "CHUNK_ELEMENTS", 3 * p.dataset.n)  # force many chunks
    chunked = p.value(X), p.grad(X), p.hess(X)
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(whole[0][2, 3], p.value(X[2, 3]))


def test_a_256_grid_of_mlp_weights_fits_in_memory_and_time():
    p = core.get_problem("mlp")
    s = core.slice_grid(p, p.start, axes=(0, 1), resolution=256)
    assert s.values.shape == (256, 256) and np.all(np.isfinite(s.values))
    w = s.points()[100, 17]
    assert s.values[100, 17] == p.value(w)


# -- options and validation ---------------------------------------------------------------

def test_models_are_registered_as_models():
    for name in MODELS:
        entry = core.PROBLEMS[name]
        assert entry.kind == "model" and entry.title and entry.summary
        assert "dataset" in entry.options and "loss" in entry.options and "seed" in entry.options
    assert "numerics" in core.PROBLEMS["logistic"].options


@pytest.mark.parametrize("name, opts, match", [
    ("logistic", dict(loss="hinge"), r"loss='hinge' is not allowed.*'cross_entropy', 'mse'"),
    ("logistic", dict(numerics="fast"), r"numerics='fast' is not allowed.*'stable', 'naive'"),
    ("logistic", dict(dataset="pastures"), r"dataset='pastures' is not allowed.*classification"),
    ("logistic", dict(dataset="nope"), r"dataset='nope' is not allowed.*'blobs'"),
    ("logistic", dict(dataset=3), r"dataset=3 is not allowed"),
    ("logistic", dict(seed=-1), r"seed=-1 is not allowed"),
    ("mlp", dict(numerics="naive"), r"unknown option 'numerics' for problem 'mlp'"),
    ("mlp", dict(loss="cross_entropy"), r"loss='cross_entropy' is not allowed.*'mse'"),
    ("curve_fit", dict(dataset="blobs"), r"dataset='blobs' is not allowed.*fitting.*'pastures'"),
    ("curve_fit", dict(loss="huber"), r"loss='huber' is not allowed.*'mae', 'mse'"),
    ("svm", dict(reg=-0.1), r"reg=-0.1 is not allowed.*\[0, 100\]"),
    ("svm", dict(loss="hinge2"), r"loss='hinge2' is not allowed.*'hinge', 'heaviside'"),
])
def test_bad_options_raise_helpful_errors(name, opts, match):
    with pytest.raises(ValueError, match=match):
        core.get_problem(name, **opts)


def test_dataset_of_the_wrong_kind_is_refused_even_as_an_object():
    with pytest.raises(ValueError, match="needs classification data"):
        core.get_problem("svm", dataset=core.get_dataset("pastures"))


def test_options_are_recorded_and_seed_draws_the_data():
    p = core.get_problem("logistic", dataset="moons", loss="mse", numerics="naive", seed=4)
    assert dict(p.options) == {"dataset": "moons", "loss": "mse", "numerics": "naive", "seed": 4}
    np.testing.assert_array_equal(p.dataset.X, core.get_dataset("moons", seed=4).X)
    a, b = core.get_problem("mlp", seed=1), core.get_problem("mlp", seed=1)
    np.testing.assert_array_equal(a.start, b.start)
    assert not np.array_equal(a.start, core.get_problem("mlp", seed=2).start)


@pytest.mark.parametrize("name", MODELS)
def test_gui_attributes(name):
    p = core.get_problem(name)
    assert isinstance(p, models.ModelProblem)
    assert len(p.param_names) == p.dim == p.domain.shape[0]
    assert p.start.shape == (p.dim,)
    assert np.all((p.start > p.domain[:, 0]) & (p.start < p.domain[:, 1]))
    assert 0 < p.suggested_lr < 100 and np.isfinite(p.value(p.start))
    assert p.formula and p.description and p.dataset.description in p.description


# -- predictions, accuracy, the inverted classifier --------------------------------------------

@pytest.mark.parametrize("name", CLASSIFIERS)
def test_prediction_shapes(name):
    p = core.get_problem(name)
    plane = np.stack(np.meshgrid(np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)), axis=-1)
    assert p.predict_proba(p.start, plane).shape == (5, 7)
    assert p.decision_function(p.start, plane).shape == (5, 7)
    P = random_params(p, n=4)
    assert p.predict_proba(P, p.dataset.X).shape == (4, p.dataset.n)
    assert p.accuracy(P).shape == (4,)
    assert p.accuracy(P.reshape(2, 2, p.dim)).shape == (2, 2)
    prob = p.predict_proba(P, plane)
    assert prob.shape == (4, 5, 7) and np.all((prob >= 0) & (prob <= 1))
    # accuracy is the fraction of training points whose predicted class is right
    for w in P:
        pred = p.predict(w, p.dataset.X)
        assert float(p.accuracy(w)) == np.mean(pred == p.dataset.y)
        assert float(p.inverted_accuracy(w)) == np.mean((1 - pred) == p.dataset.y)
    with pytest.raises(ValueError, match="last axis must have length 2"):
        p.predict_proba(p.start, np.zeros((3, 3)))


def test_curve_fit_predicts_values_and_has_no_accuracy():
    p = core.get_problem("curve_fit")
    np.testing.assert_allclose(p.predict([-1.0, 100.0], [10.0, 50.0]), [900.0, 2500.0])
    assert p.predict(np.array([[-1.0, 100.0], [0.0, 1.0]]), np.arange(3.0)).shape == (2, 3)
    with pytest.raises(ValueError, match="needs a classifier"):
        p.accuracy([-1.0, 100.0])


def test_logistic_probability_is_the_sigmoid_of_the_score():
    p = core.get_problem("logistic")
    theta = np.array([1.5, -2.0, 0.25])
    pts = np.array([[0.3, -1.0], [2.0, 2.0]])
    z = pts @ theta[:2] + theta[2]
    np.testing.assert_allclose(p.predict_proba(theta, pts), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_diverged_parameters_reject_everyone():
    # NaN scores count as class 0: for the loans, a diverged model rejects every loan
    p = core.get_problem("logistic", dataset="loans")
    nan = np.full(3, np.nan)
    np.testing.assert_array_equal(p.predict(nan, p.dataset.X), 0)
    assert float(p.accuracy(nan)) == p.dataset.class_counts()[0] / p.dataset.n


# -- SOURCES A: learning to be wrong ------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_descent_reaches_100_percent_on_blobs(seed):
    p = core.get_problem("logistic", dataset="blobs", seed=seed)
    r = core.run(p, "gd", p.start, steps=500, lr=p.suggested_lr)
    assert float(p.accuracy(r.x)) == 1.0
    assert r.fun < 0.1 and np.all(np.diff(r.values) < 0)


def test_briefly_ascent_trained_classifier_is_right_when_inverted():
    p = core.get_problem("logistic", dataset="blobs")
    start_acc = float(p.accuracy(p.start))
    r = core.run(p, "gd", p.start, steps=5, lr=1.0, maximize=True, tol=0)
    assert r.status == "max_steps" and np.all(np.diff(r.values) > 0)
    acc = float(p.accuracy(r.x))
    assert acc <= 0.05 < start_acc
    assert float(p.inverted_accuracy(r.x)) >= 0.95


def naive_ce(p, theta):
    """The textbook cross-entropy, evaluated like an unwary student would."""
    z = p.dataset.X @ theta[:2] + theta[2]
    y = p.dataset.y
    with np.errstate(all="ignore"):
        q = 1 / (1 + np.exp(-z))
        return float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))


@pytest.mark.parametrize("lr", [0.1, 1.0])
def test_naive_ascent_overflows_and_the_run_reports_it_at_the_right_step(lr):
    naive = core.get_problem("logistic", dataset="blobs", numerics="naive")
    stable = core.get_problem("logistic", dataset="blobs", numerics="stable")
    rn = core.run(naive, "gd", naive.start, steps=3000, lr=lr, maximize=True)
    rs = core.run(stable, "gd", stable.start, steps=3000, lr=lr, maximize=True)
    # the stable loss stays finite for the whole run and keeps climbing
    assert rs.status == "max_steps" and np.all(np.isfinite(rs.values))
    assert np.all(np.diff(rs.values) > 0)
    # both follow the same path; only the value differs
    k = rn.nit
    np.testing.assert_array_equal(rn.path, rs.path[: k + 1])
    # expected step: the first iterate where the naive formula is not finite
    expected = next(i for i, th in enumerate(rs.path) if not np.isfinite(naive_ce(naive, th)))
    assert rn.status == "diverged" and k == expected
    assert rn.message.startswith(f"Diverged at step {k}:") and "infinite" in rn.message
    assert np.isinf(rn.values[-1]) and np.all(np.isfinite(rn.values[:-1]))
    # why: a blue point's score passed ~36.7, where 1 − 1/(1 + e^−z) rounds to 0 and log 0 = −∞
    blue = naive.dataset.X[naive.dataset.y == 0]
    z_max = [float((blue @ th[:2] + th[2]).max()) for th in rn.path[-2:]]
    assert z_max[0] < 36.8 and z_max[1] > 36.7
    # and the naive loss 'spikes' away from the true one before it blows up
    assert abs(rn.values[-2] - rs.values[k - 1]) > 1e-4 * rs.values[k - 1]


def test_naive_and_stable_agree_while_the_weights_are_moderate():
    naive = core.get_problem("logistic", dataset="overlapping_blobs", numerics="naive")
    stable = core.get_problem("logistic", dataset="overlapping_blobs")
    P = random_params(stable, n=20, seed=6, shrink=0.25)
    np.testing.assert_allclose(naive.value(P), stable.value(P), rtol=1e-9)
    np.testing.assert_array_equal(naive.grad(P), stable.grad(P))


def test_stable_cross_entropy_is_exact_for_huge_scores():
    p = core.get_problem("logistic", dataset="blobs")
    theta = np.array([400.0, 400.0, 0.0])  # scores in the hundreds: every point right
    t = 2 * p.dataset.y - 1
    m = t * (p.dataset.X @ theta[:2])       # margins, all large and positive
    assert m.min() > 100
    # −log σ(m) = log(1 + e^−m) ≈ e^−m: tiny but not rounded to zero
    assert float(p.value(theta)) == pytest.approx(np.mean(np.exp(-m)), rel=1e-12)
    # every point wrong: −log σ(−m) = m + log(1 + e^−m), exact
    assert float(p.value(-theta)) == pytest.approx(np.mean(m), rel=1e-14)


# -- SOURCES D: the 2-2-1 network ------------------------------------------------------------

def test_mlp_learns_xor_where_logistic_cannot():
    mlp = core.get_problem("mlp", dataset="xor")
    r = core.run(mlp, "adam", mlp.start, steps=3000, lr=0.05)
    assert float(mlp.accuracy(r.x)) >= 0.95
    lin = core.get_problem("logistic", dataset="xor")
    best_linear = core.run(lin, "gd", lin.start, steps=2000, lr=1.0)
    assert float(lin.accuracy(best_linear.x)) <= 0.75


def test_mlp_swapping_the_hidden_units_gives_the_same_loss():
    # the permutation symmetry behind the saddle points of the slides
    p = core.get_problem("mlp")
    w = random_params(p, n=1, seed=7)[0]
    swapped = w[[3, 4, 5, 0, 1, 2, 7, 6, 8]]
    assert float(p.value(swapped)) == pytest.approx(float(p.value(w)), rel=1e-14)


# -- SOURCES E: fitting the pastures ---------------------------------------------------------

def test_curve_fit_mae_from_the_source_start_moves_towards_the_truth():
    p = core.get_problem("curve_fit")
    np.testing.assert_array_equal(p.start, [-2.0, 30.0])
    g = p.grad(p.start)
    # predictions too small everywhere: the gradient is −(mean x², mean x); a matters more
    x = p.dataset.x
    np.testing.assert_allclose(g, [-np.mean(x ** 2), -np.mean(x)], rtol=1e-14)
    assert abs(g[0]) > 50 * abs(g[1])
    r = core.run(p, "gd", p.start, steps=20000, lr=p.suggested_lr, tol=0)
    assert np.all(r.path[1] > r.path[0])            # both a and b go up at first
    assert r.fun < 0.1 * r.values[0]
    truth = np.array([-1.0, 100.0])
    assert np.all(np.abs(r.x - truth) < np.abs(p.start - truth))
    assert np.all(np.diff(r.path[:, 1]) >= 0)      # b creeps steadily towards 100


def test_curve_fit_mse_is_least_squares_and_lm_reaches_the_fit():
    p = core.get_problem("curve_fit", loss="mse")
    assert p.has_residuals
    X = random_params(p, n=6, seed=8).reshape(2, 3, 2)
    r = p.residuals(X)
    assert r.shape == (2, 3, p.dataset.n)
    np.testing.assert_allclose(np.sum(r * r, axis=-1), p.value(X), rtol=1e-12)
    np.testing.assert_allclose(p.jacobian(X[0, 0]), fd(p.residuals, X[0, 0]), rtol=1e-6, atol=1e-6)
    x, y = p.dataset.x, p.dataset.y
    best = np.linalg.lstsq(np.column_stack([x ** 2, x]), y, rcond=None)[0]
    np.testing.assert_allclose(p.minima[0], best, rtol=1e-12)
    assert best[0] == pytest.approx(-1, abs=0.05) and best[1] == pytest.approx(100, abs=4)
    res = core.run(p, "lm", p.start, steps=50)
    assert res.status == "converged" and res.nit <= 10
    np.testing.assert_allclose(res.x, best, rtol=1e-7)


# -- SOURCES C: the SVM ------------------------------------------------------------------------

def test_hinge_svm_separates_blobs_and_shows_its_support_vectors():
    p = core.get_problem("svm", dataset="blobs")
    r = core.run(p, "gd", p.start, steps=3000, lr=p.suggested_lr, tol=0)
    c = r.x
    assert float(p.accuracy(c)) == 1.0
    sv = p.support_vectors(c, tol=0.05)
    t = 2 * p.dataset.y - 1
    s = p.decision_function(c, p.dataset.X)
    assert 2 <= sv.sum() < p.dataset.n / 2
    np.testing.assert_array_equal(sv, t * s <= 1.05)
    assert float(p.margin(c)) == pytest.approx(2 / np.hypot(c[0], c[1]))
    # the boundary and the margin lines: score 0 and ±1 at their ends
    for level in (0.0, 1.0, -1.0):
        seg = p.line(c, level)
        assert seg.shape == (2, 2)
        np.testing.assert_allclose(p.decision_function(c, seg), level, atol=1e-9)
        lo, hi = p.dataset.bounds[:, 0], p.dataset.bounds[:, 1]
        assert np.all((seg >= lo - 1e-9) & (seg <= hi + 1e-9))


def test_heaviside_penalty_has_no_gradient_to_follow():
    p = core.get_problem("svm", dataset="blobs", loss="heaviside", reg=0.01)
    P = random_params(p, n=10, seed=9)
    G = p.grad(P)
    np.testing.assert_array_equal(G, np.column_stack([0.01 * P[:, 0], 0.01 * P[:, 1], 0 * P[:, 0]]))
    # its value counts violated constraints
    w = np.array([1.0, 1.0, 0.0])
    t = 2 * p.dataset.y - 1
    violated = np.mean(t * (p.dataset.X @ w[:2]) < 1)
    assert float(p.value(w)) == pytest.approx(0.01 + violated, rel=1e-14)
    # descent only shrinks c: (1 − lr·λ)^k, b never moves, the penalty gets worse
    r = core.run(p, "gd", [2.0, 2.0, 0.3], steps=200, lr=1.0, tol=0)
    np.testing.assert_allclose(r.x[:2], 2.0 * 0.99 ** 200, rtol=1e-12)
    assert r.x[2] == 0.3
    hinge = core.get_problem("svm", dataset="blobs")
    assert float(hinge.accuracy(r.x)) <= 1.0
    assert r.values[-1] - 0.5 * 0.01 * 8 * 0.99 ** 400 > r.values[0] - 0.5 * 0.01 * 8


def test_line_is_none_when_there_is_no_boundary():
    p = core.get_problem("logistic")
    assert p.line([0.0, 0.0, 1.0]) is None          # w = 0: no boundary
    assert p.line([1.0, 0.0, -100.0]) is None       # the boundary misses the box
    seg = p.line([0.0, 1.0, 0.0])                   # x2 = 0: horizontal
    np.testing.assert_allclose(seg[:, 1], 0.0)
    with pytest.raises(ValueError, match="no straight decision boundary"):
        core.get_problem("mlp").line(np.zeros(9))
    with pytest.raises(ValueError, match="belong to the SVM"):
        p.support_vectors([1.0, 1.0, 0.0])


# -- slices -------------------------------------------------------------------------------------

def test_axis_slice_holds_the_other_parameters():
    p = core.get_problem("mlp")
    c = p.start
    s = core.slice_grid(p, c, axes=(2, 6), resolution=11)
    assert s.labels == ("b3", "w53") and s.axes == (2, 6)
    np.testing.assert_allclose(s.u, np.linspace(-6, 6, 11))
    i, j = 4, 7
    w = c.copy()
    w[2], w[6] = s.u[j], s.v[i]
    assert s.values[i, j] == pytest.approx(float(p.value(w)), rel=1e-14)
    np.testing.assert_allclose(s.center_uv, c[[2, 6]])
    path = np.array([c, w])
    np.testing.assert_allclose(core.project(path, s), [c[[2, 6]], [s.u[j], s.v[i]]])
    np.testing.assert_allclose(s.offset(path), 0, atol=1e-15)
    moved = c.copy()
    moved[0] += 0.5
    assert s.offset(moved) == pytest.approx(0.5)
    spanned = core.slice_grid(p, c, axes=(2, 6), span=0.5, resolution=3)
    np.testing.assert_allclose(spanned.u, c[2] + np.array([-0.5, 0, 0.5]))


def test_random_direction_slice():
    p = core.get_problem("logistic", dataset="moons")
    d1, d2 = core.random_directions(p.dim, seed=4)
    e1, e2 = core.random_directions(p.dim, seed=4)
    np.testing.assert_array_equal(d1, e1)
    assert not np.array_equal(d1, core.random_directions(p.dim, seed=5)[0])
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1, 1, 0], atol=1e-15)
    s = core.slice_grid(p, p.start, directions=(d1, d2), span=2.0, resolution=5)
    assert s.axes is None and s.extent == (-2.0, 2.0, -2.0, 2.0)
    assert s.values[2, 2] == float(p.value(p.start))
    pts = s.points()
    np.testing.assert_allclose(pts[1, 3], p.start + s.u[3] * d1 + s.v[1] * d2)
    np.testing.assert_allclose(s.project(pts), np.stack(np.meshgrid(s.u, s.v), -1), atol=1e-12)
    # unnormalised, non-orthogonal directions are orthonormalised
    t = core.slice_grid(p, p.start, directions=([2.0, 0, 0], [1.0, 1.0, 0]), resolution=3)
    np.testing.assert_allclose(t.d1, [1, 0, 0])
    np.testing.assert_allclose(t.d2, [0, 1, 0])


def test_slice_problem_is_a_drawable_2d_problem():
    p = core.get_problem("logistic", dataset="loans")
    d = core.random_directions(3, seed=1)
    s = core.slice_problem(p, p.start, directions=d, span=3.0)
    assert s.dim == 2 and s.coords == ("direction 1", "direction 2")
    np.testing.assert_allclose(s.domain, [[-3, 3], [-3, 3]])
    uv = np.array([0.4, -1.1])
    np.testing.assert_allclose(s.grad(uv), fd(s.value, uv), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(s.hess(uv), fd(s.grad, uv), rtol=1e-5, atol=1e-8)
    X, Y = s.grid(6)
    assert s.value(np.stack([X, Y], -1)).shape == (6, 6)
    a = core.slice_problem(p, p.start, axes=(1, 2))
    assert a.coords == ("θ2", "θ3") and float(a.value(p.start[1:])) == float(p.value(p.start))


@pytest.mark.parametrize("kwargs, match", [
    (dict(axes=(0, 0)), r"axes=\(0, 0\) is not allowed"),
    (dict(axes=(0, 3)), r"axes=3 is not allowed"),
    (dict(axes=(0,)), r"axes=\(0,\) is not allowed"),
    (dict(axes=(0, 1), directions=([1, 0, 0], [0, 1, 0])), "not both"),
    (dict(directions=([1, 0, 0], [2, 0, 0])), "not parallel"),
    (dict(directions=([1, 0], [0, 1])), "length 3"),
    (dict(directions=([0, 0, 0], [0, 1, 0])), "non-zero"),
    (dict(span=0.0), r"span=0.0 is not allowed"),
    (dict(resolution=1), r"resolution=1 is not allowed"),
])
def test_bad_slices_are_refused(kwargs, match):
    p = core.get_problem("logistic")
    with pytest.raises(ValueError, match=match):
        core.slice_grid(p, p.start, **kwargs)


def test_slices_need_two_parameters():
    with pytest.raises(ValueError, match="at least 2"):
        core.slice_grid(core.get_problem("tea"), [50.0])
    with pytest.raises(ValueError, match="center"):
        core.slice_grid(core.get_problem("logistic"), [0.0, 1.0])
