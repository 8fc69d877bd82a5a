"""Basin maps, learning-rate sweeps, the order of convergence, and per-run
learning rates.

Expected numbers are worked out by hand (the parabola's x ← (1 − 2r)·x, the
quadratics' Hessians) or from separate single runs of ``core.run``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import core

FIRST_ORDER = sorted(m.name for m in core.METHODS.values() if m.group == "first-order")
NOT_BATCHED = sorted(m.name for m in core.METHODS.values() if not m.batched)


def nearest_label(p: core.Problem, x: np.ndarray) -> int:
    return int(np.argmin(np.linalg.norm(p.minima - x, axis=1)))


# -- basin_map -------------------------------------------------------------------

def test_himmelblau_has_four_basins():
    p = core.get_problem("himmelblau")
    m = core.basin_map(p, "gd", resolution=40, steps=500, lr=0.01)
    assert m.labels.shape == (40, 40) and m.labels.dtype.kind == "i"
    assert m.n_basins == 4
    assert m.fraction_converged > 0.95
    assert set(np.unique(m.labels)) <= {-2, -1, 0, 1, 2, 3}
    # the known minima come first, in the problem's order
    assert m.known == 4
    np.testing.assert_array_equal(m.ends[:4], p.minima)
    np.testing.assert_allclose(m.end_values[:4], 0.0, atol=1e-20)
    assert sum(m.counts.values()) == 40 * 40
    assert all(m.counts[i] > 150 for i in range(4))  # each basin covers a fair share
    assert m.extent == (-5.0, 5.0, -5.0, 5.0)
    np.testing.assert_array_equal(m.xs, np.linspace(-5, 5, 40))
    assert "basins=4" in repr(m)


def test_basin_labels_are_row_major_like_a_meshgrid():
    p = core.get_problem("himmelblau")
    m = core.basin_map(p, "gd", resolution=17, steps=500, lr=0.01)
    gx, gy = np.meshgrid(m.xs, m.ys, indexing="xy")
    rng = np.random.default_rng(1)
    for iy, ix in rng.integers(0, 17, size=(12, 2)):
        one = core.run(p, "gd", [gx[iy, ix], gy[iy, ix]], steps=500, lr=0.01)
        assert one.status == "converged"
        assert m.labels[iy, ix] == nearest_label(p, one.x), (iy, ix)
        assert m.nit[iy, ix] == one.nit


def test_two_bumps_has_two_basins():
    m = core.basin_map("two_bumps", "gd", resolution=24, steps=500, lr=0.5)
    assert m.n_basins == 2
    # the flat corners far from both bumps crawl and do not converge: label -2
    assert m.counts[core.landscape_tools.NOT_CONVERGED] > 0
    assert m.counts[0] > m.counts[1] > 0  # the deeper bump drains more of the square


def test_one_dimensional_basin_map():
    m = core.basin_map("parabola", "gd", resolution=11, steps=200, lr=0.1)
    assert m.labels.shape == (11,) and m.ys is None
    assert m.extent == (-2.0, 2.0)
    np.testing.assert_array_equal(m.labels, 0)


def test_diverged_and_not_converged_labels():
    # bowl with r = 1.5: x ← (1 − 2·1.5)x = −2x, every start but the centre blows up
    m = core.basin_map("bowl", "gd", resolution=5, steps=200, lr=1.5)
    expected = np.full((5, 5), -1)
    expected[2, 2] = 0  # starts at the minimum: converged at step 0
    np.testing.assert_array_equal(m.labels, expected)
    assert m.counts[-1] == 24
    slow = core.basin_map("bowl", "gd", resolution=4, steps=3, lr=0.01)
    np.testing.assert_array_equal(slow.labels, -2)
    assert slow.fraction_converged == 0.0 and slow.n_basins == 0


def test_unknown_minima_are_found_by_clustering():
    p = core.get_problem("himmelblau")
    anon = core.Problem(name="anon", title="anonymous", formula="?", dim=2, domain=p.domain,
                        f=p.f, g=p.g, h=p.h)  # no minima listed
    m = core.basin_map(anon, "gd", resolution=20, steps=500, lr=0.01)
    assert m.known == 0 and m.n_basins == 4 and len(m.ends) == 4
    for end in m.ends:  # each cluster sits on one of the true minima
        assert np.min(np.linalg.norm(p.minima - end, axis=1)) < 1e-6


def test_custom_domain():
    m = core.basin_map("himmelblau", "gd", resolution=8, steps=500, lr=0.01,
                       domain=[[2.5, 3.5], [1.5, 2.5]])
    assert m.extent == (2.5, 3.5, 1.5, 2.5)
    np.testing.assert_array_equal(m.labels, 0)  # all around (3, 2)
    assert m.n_basins == 1


@pytest.mark.parametrize("kwargs, name", [
    ({"resolution": 1}, "resolution"),
    ({"resolution": 2.5}, "resolution"),
    ({"steps": -1}, "steps"),
    ({"lr": -0.1}, "lr"),
    ({"domain": [[1, 0], [0, 1]]}, "domain"),
    ({"domain": [[0, np.inf], [0, 1]]}, "domain"),
    ({"merge": 0}, "merge"),
])
def test_basin_map_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=re.escape(name)):
        core.basin_map("himmelblau", "gd", **{"resolution": 8, **kwargs})


@pytest.mark.parametrize("method", NOT_BATCHED)
def test_basin_map_refuses_one_start_methods(method):
    with pytest.raises(ValueError, match=r"method=.*batched"):
        core.basin_map("himmelblau", method, resolution=4)


def test_basin_map_needs_one_or_two_coordinates():
    d = np.ones(3)
    cube = core.Problem(name="cube", title="3-D bowl", formula="Σx²", dim=3, domain=[[-1, 1]] * 3,
                        f=lambda X: np.sum(d * X * X, axis=-1), g=lambda X: 2 * X,
                        h=lambda X: np.broadcast_to(2 * np.eye(3), X.shape + (3,)))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        core.basin_map(cube, "gd", resolution=4)


# -- lr_sweep ----------------------------------------------------------------------

def test_parabola_sweep_finds_the_threshold_one():
    lrs = np.geomspace(0.01, 3.0, 240)
    s = core.lr_sweep("parabola", "gd", [1.0], lrs, steps=2000)
    assert s.threshold == pytest.approx(1.0, rel=0.01)
    assert s.stability_limit == 1.0  # f = x², f'' = 2: 2/λ = 1
    np.testing.assert_array_equal(s.lrs, lrs)
    # just above 1, |x| grows by 1 + 2(r − 1) per step: too slowly to escape in 2000 steps
    below, above = lrs < 0.99, lrs > 1.01
    assert np.all(s.status[below] == "converged")
    assert np.all(s.status[above] == "diverged")
    # r = 1/2 lands on the minimum in one step; everything converged reports its step
    conv = s.status == "converged"
    np.testing.assert_array_equal(s.steps_to_converge[conv], s.nit[conv])
    np.testing.assert_array_equal(s.steps_to_converge[~conv], -1)
    assert np.all(np.isfinite(s.final_loss[conv])) and np.all(s.final_loss[conv] < 1e-15)


def test_sweep_at_exactly_one_oscillates_forever():
    s = core.lr_sweep("parabola", "gd", [1.0], [0.25, 1.0], steps=300)
    assert s.status.tolist() == ["converged", "max_steps"]  # x ← −x: never settles
    assert s.threshold == 1.0
    assert s.final_loss[1] == 1.0


def test_sweep_matches_separate_runs():
    lrs = [0.001, 0.02, 0.05, 0.3]
    s = core.lr_sweep("himmelblau", "gd", [0.5, -0.5], lrs, steps=400, tol=1e-6)
    for i, lr in enumerate(lrs):
        one = core.run("himmelblau", "gd", [0.5, -0.5], steps=400, tol=1e-6, lr=lr)
        assert s.status[i] == one.status and s.nit[i] == one.nit
        assert s.final_loss[i] == one.fun or (np.isnan(s.final_loss[i]) and np.isnan(one.fun))
    assert set(s.status) == {"converged", "max_steps", "diverged"}


@pytest.mark.parametrize("name, limit", [("bowl", 1.0), ("ellipse", 2 / 25), ("rosenbrock", None),
                                         ("himmelblau", None)])
def test_stability_limit_only_for_quadratics(name, limit):
    p = core.get_problem(name)
    s = core.lr_sweep(p, "gd", p.domain.mean(axis=1) + 0.3, [0.01, 0.1], steps=20)
    assert s.stability_limit == (pytest.approx(limit, rel=1e-12) if limit else None)


def test_sweep_with_a_scalar_rate_method_loops():
    # newton's lr is a plain number: the sweep runs it once per rate
    if "newton" not in core.METHODS or "lr" not in core.METHODS["newton"].defaults:
        pytest.skip("no newton with a learning rate")
    s = core.lr_sweep("ellipse", "newton", [1.0, 1.0], [0.5, 1.0], steps=50)
    one = core.run("ellipse", "newton", [1.0, 1.0], steps=50, lr=0.5)
    assert s.nit[0] == one.nit and s.status[0] == one.status


@pytest.mark.parametrize("lrs, name", [([], "lrs"), ([0.1, -1.0], "lrs[1]"), ([0.1, np.nan], "lrs[1]"),
                                       ([[0.1, 0.2]], "lrs"), ("fast", "lrs"), ([0.0], "lrs[0]"),
                                       ([0.1, 10**400], "lrs"), (np.array([0.1 + 0j]), "lrs")])
def test_sweep_rejects_bad_rates(lrs, name):
    with pytest.raises(ValueError, match=re.escape(name)):
        core.lr_sweep("parabola", "gd", [1.0], lrs)


def test_sweep_rejects_other_bad_input():
    with pytest.raises(ValueError, match="method"):
        no_lr = next((m for m in core.METHODS.values() if "lr" not in m.defaults), None)
        if no_lr is None:
            raise ValueError("method: every method has lr")
        core.lr_sweep("parabola", no_lr.name, [1.0], [0.1])
    with pytest.raises(ValueError, match="lr"):
        core.lr_sweep("parabola", "gd", [1.0], [0.1], lr=0.2)
    with pytest.raises(ValueError, match="x0"):
        core.lr_sweep("bowl", "gd", [1.0], [0.1])
    with pytest.raises(ValueError, match="steps"):
        core.lr_sweep("parabola", "gd", [1.0], [0.1], steps=-3)


# -- one learning rate per run ----------------------------------------------------

@pytest.mark.parametrize("method", FIRST_ORDER)
def test_per_run_rates_are_bit_identical_to_separate_runs(method):
    p = core.get_problem("himmelblau")
    lrs = np.array([1e-3, 0.01, 0.03, 0.1, 0.5])
    X0 = np.tile([0.5, -1.5], (5, 1))
    opts = dict(steps=80, tol=1e-5, weight_decay=0.01)
    batch = core.run(p, method, X0, lr=lrs, **opts)
    slim = core.run(p, method, X0, lr=lrs, keep_path=False, **opts)
    for i, lr in enumerate(lrs):
        one = core.run(p, method, X0[i], lr=float(lr), **opts)
        assert batch.status[i] == one.status and batch.nit[i] == one.nit
        np.testing.assert_array_equal(batch.path[: one.nit + 1, i], one.path)
        np.testing.assert_array_equal(slim.x[i], one.x)
        assert (batch.nfev[i], batch.ngev[i]) == (one.nfev, one.ngev)
    np.testing.assert_array_equal(batch.hyper["lr"], lrs)


def test_per_run_rates_with_diagnostics_and_set_hyper():
    runner = core.Runner("parabola", "gd", [[1.0], [1.0]], steps=10, tol=0, lr=[0.1, 0.25],
                         diagnostics=True)
    b = runner.advance(2)
    np.testing.assert_allclose(b.x[:, :, 0], [[1, 1], [0.8, 0.5], [0.64, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(b.diagnostics[1]["step"][:, 0], [-0.2, -0.5], rtol=1e-15)
    runner.set_hyper(lr=[0.25, 0.1])
    b = runner.advance(1)
    np.testing.assert_allclose(b.x[0, :, 0], [0.64 * 0.5, 0.25 * 0.8], rtol=1e-15)
    runner.set_hyper(lr=0.25)  # back to one rate for all
    assert runner.hp["lr"] == 0.25


@pytest.mark.parametrize("lr, pattern", [
    ([0.1, -1.0], r"lr\[1\]=-1\.0 is not allowed"),
    ([0.1, float("nan")], r"lr\[1\]=nan is not allowed"),
    ([0.1, float("inf")], r"lr\[1\]=inf is not allowed"),
    ([0.0, 0.1], r"lr\[0\]=0\.0 is not allowed"),
    ([], r"lr=\[\] is not allowed"),
    ([0.1, 10**400], r"lr=\[0\.1, 1000.* is not allowed"),
    (np.array([0.1 + 1j, 0.2]), r"lr=array\(\[0\.1\+1\.j.* is not allowed"),
    ([[0.1], [0.2]], r"lr=.* is not allowed"),
    ([0.1, 0.2, 0.3], r"lr holds 3 values, but there are 2 starts"),
])
def test_per_run_rates_are_validated(lr, pattern):
    with pytest.raises(ValueError, match=pattern):
        core.run("bowl", "gd", [[1.0, 1.0], [0.5, 0.5]], steps=5, lr=lr)


def test_one_rate_in_an_array_for_a_single_start():
    a = core.run("bowl", "adam", [1.0, 1.0], steps=20, lr=[0.05])
    b = core.run("bowl", "adam", [1.0, 1.0], steps=20, lr=0.05)
    np.testing.assert_array_equal(a.path, b.path)


# -- convergence_order -------------------------------------------------------------

def test_gradient_descent_on_a_quadratic_is_linear():
    r = core.run("ellipse", "gd", [2.0, 1.0], steps=300, lr=0.03, tol=1e-9)
    c = core.convergence_order(r, [0.0, 0.0])
    assert c.errors.shape == (r.nit + 1,)
    np.testing.assert_allclose(c.errors, np.linalg.norm(r.path, axis=1), rtol=0)
    assert c.order == pytest.approx(1.0, abs=1e-3)


def test_parabola_errors_are_geometric():
    # x_k = (1 − 2r)^k: e_{k+1}/e_k = 0.6 exactly, so every measurable q_k is 1
    r = core.run("parabola", "gd", [1.0], steps=40, lr=0.2, tol=0)
    c = core.convergence_order(r.path[:, 0], 0.0)
    np.testing.assert_allclose(c.errors, 0.6 ** np.arange(41), rtol=1e-12)
    measured = c.orders[np.isfinite(c.orders)]
    assert measured.size == 39
    np.testing.assert_allclose(measured, 1.0, rtol=1e-9)


def _newton_path(p: core.Problem, x0, steps: int) -> np.ndarray:
    """Plain Newton iterations x ← x − H⁻¹∇f, by hand."""
    path = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        x = path[-1]
        path.append(x - np.linalg.solve(p.hess(x), p.grad(x)))
    return np.array(path)


def test_newton_is_quadratic():
    p = core.get_problem("himmelblau")
    hand = core.convergence_order(_newton_path(p, [3.3, 2.4], 8), [3.0, 2.0])
    assert 1.8 <= hand.order <= 2.2
    assert hand.errors[-1] == pytest.approx(0.0, abs=1e-14)  # it got there: zeros were skipped
    if "newton" in core.METHODS:
        r = core.run(p, "newton", [3.3, 2.4], steps=20, tol=0)
        assert 1.8 <= core.convergence_order(r, [3.0, 2.0]).order <= 2.2


def test_convergence_order_edge_cases():
    c = core.convergence_order([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]], [0.0, 0.0])
    assert np.isnan(c.order) and np.all(np.isnan(c.orders))
    np.testing.assert_array_equal(c.errors, [np.sqrt(2), 0, 0])
    c = core.convergence_order([[1.0], [np.inf], [np.nan]], [0.0])
    assert np.isnan(c.order)
    with pytest.raises(ValueError, match="path"):
        core.convergence_order(np.zeros((3, 2, 2)), [0.0, 0.0])
    with pytest.raises(ValueError, match="x_star"):
        core.convergence_order(np.zeros((3, 2)), [0.0])
