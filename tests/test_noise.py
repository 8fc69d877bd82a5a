"""``core.with_gradient_noise``: seeded, reproducible noise on any problem's gradient."""

from __future__ import annotations

import numpy as np
import pytest

import core

NAMES = sorted(core.PROBLEMS)


@pytest.mark.parametrize("name", NAMES)
def test_noise_wraps_every_problem(name):
    p = core.get_problem(name)
    q = core.with_gradient_noise(p, scale=0.5, seed=3)
    X = (p.domain[:, 0] + 0.3 * (p.domain[:, 1] - p.domain[:, 0])) * np.ones((4, 1))
    assert q.name == p.name and q.dim == p.dim
    np.testing.assert_array_equal(q.value(X), p.value(X))
    np.testing.assert_array_equal(q.hess(X), p.hess(X))
    G = q.grad(X)
    assert G.shape == X.shape
    noise = G - p.grad(X)
    assert np.all(noise != 0) and np.all(np.abs(noise) < 0.5 * 6)
    if q.fg is not None:
        f, g = q.value_and_grad(X)
        np.testing.assert_array_equal(f, p.value(X))
        assert np.all(g != p.grad(X))
    assert q.options["gradient_noise"] == 0.5 and q.options["noise_seed"] == 3
    assert "noisy gradient" in q.title and "seed 3" in q.description


def test_same_seed_same_run_and_different_seed_different_run():
    bowl = core.get_problem("bowl")
    runs = [core.run(core.with_gradient_noise(bowl, 0.2, seed=s), "gd", [1.5, -1.0], steps=50,
                     lr=0.1, tol=0) for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].path, runs[1].path)
    assert not np.array_equal(runs[0].path, runs[2].path)
    # the noise really is on the gradient: the noiseless run differs too
    clean = core.run(bowl, "gd", [1.5, -1.0], steps=50, lr=0.1, tol=0)
    assert not np.array_equal(runs[0].path, clean.path)


def test_noise_statistics():
    p = core.with_gradient_noise(core.get_problem("bowl"), scale=0.3, seed=0)
    X = np.ones((20000, 2))
    noise = p.grad(X) - 2.0  # the bowl's gradient at (1, 1) is (2, 2)
    assert abs(noise.mean()) < 4 * 0.3 / np.sqrt(noise.size)
    assert noise.std() == pytest.approx(0.3, rel=0.02)
    # each call draws fresh noise, also at the same point
    assert not np.array_equal(p.grad(X[:3]), p.grad(X[:3]))


def test_dropout_zeroes_components_and_keeps_the_mean():
    p = core.with_gradient_noise(core.get_problem("bowl"), scale=0.0, seed=1, dropout=0.25)
    G = p.grad(np.ones((20000, 2)))
    kept = G != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(G[kept], 2.0 / 0.75, rtol=1e-15)
    assert G.mean() == pytest.approx(2.0, rel=0.02)


def test_zero_noise_changes_nothing():
    p = core.get_problem("rosenbrock")
    q = core.with_gradient_noise(p, scale=0.0, seed=0)
    X = np.random.default_rng(0).uniform(-1, 1, size=(5, 2))
    np.testing.assert_array_equal(q.grad(X), p.grad(X))


@pytest.mark.parametrize("scale", [0.01, 0.05, 0.2])
def test_gradient_descent_still_converges_roughly_on_the_bowl(scale):
    p = core.with_gradient_noise(core.get_problem("bowl"), scale=scale, seed=0)
    r = core.run(p, "gd", [1.5, -1.0], steps=300, lr=0.1, tol=0)
    assert r.status == "max_steps"  # the noisy gradient never vanishes
    # ∇f = 2x, so x_{k+1} = 0.8 x_k − 0.1σξ: stationary std 0.1σ/√(1 − 0.64) = σ/6 per coordinate.
    tail = r.path[100:]
    np.testing.assert_allclose(tail.std(axis=0), scale / 6, rtol=0.25)
    assert np.abs(tail).max() < 5 * scale / 6


def test_noise_works_in_batched_runs():
    p = core.with_gradient_noise(core.get_problem("bowl"), scale=0.05, seed=2)
    r = core.run(p, "adam", np.array([[1.0, 1.0], [-1.0, 0.5], [0.2, -1.5]]), steps=400, lr=0.05, tol=0)
    assert np.all(np.linalg.norm(r.x, axis=1) < 0.2)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scale": -0.1}, r"scale=-0.1 is not allowed: scale must be in \[0, 1e\+06\]"),
    ({"scale": np.nan}, r"scale=nan is not allowed"),
    ({"scale": 0.1, "seed": -1}, r"seed=-1 is not allowed: seed must be >= 0"),
    ({"scale": 0.1, "seed": 1.5}, r"seed=1.5 is not allowed"),
    ({"scale": 0.1, "dropout": 1.0}, r"dropout=1.0 is not allowed: dropout must be in \[0, 1\)"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        core.with_gradient_noise(core.get_problem("bowl"), **kwargs)
    with pytest.raises(ValueError, match=r"problem='bowl' is not allowed: problem must be a core.Problem"):
        core.with_gradient_noise("bowl", 0.1)
