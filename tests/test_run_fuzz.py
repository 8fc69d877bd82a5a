"""Fuzzing ``core.run``: nothing a user types may break it.

Every registered problem (models with their default options, "custom" with
its default formula) meets every registered method with hyperparameters drawn
inside *and* outside their :class:`core.HyperParam` ranges, start points up to
±1e300 (and some NaN/∞ that must be refused), few steps and random tolerances.
The only acceptable outcomes are a :class:`core.Result` whose status is one of
:data:`core.STATUSES` (``success`` consistent with it) or a ``ValueError`` —
never another exception, never a numpy warning, never a hang.

The strategies read the ranges from the registry, so a newly registered
method or problem is fuzzed without touching this file. Work-sizing integers
(points per step, population) are drawn up to :data:`WORK_CAP` so that one
example stays far below :data:`EXAMPLE_SECONDS`: the full ranges (e.g.
100,000 random points per step) are legal but legitimately slow, which is
not what this suite looks for.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core

PROBLEM_NAMES = sorted(core.PROBLEMS)
METHOD_NAMES = sorted(core.METHODS)
MAX_STEPS = 30
#: Wall-clock limit for one example (the whole run, validation included).
EXAMPLE_SECONDS = 2.0
#: Largest in-range value drawn for integer hyperparameters that size the work per step.
WORK_CAP = {"per_step": 400, "population": 300, "tournament": 20, "elitism": 50,
            "max_trials": 100, "resolution": 60}
HUGE = 1e300

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=60,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@functools.cache
def problem(name: str) -> core.Problem:
    """The registered problem with its default options (built once per session)."""
    return core.get_problem(name)


def needs_residuals_but_has_none(method: str, prob: core.Problem) -> bool:
    return "residuals" in core.METHODS[method].needs and not prob.has_residuals


# -- strategies: hyperparameters ------------------------------------------------------------

NOT_A_NUMBER = st.sampled_from([None, "0.1", "abc", b"1", [[0.5]], {"lr": 1}, complex(1, 1),
                                complex(0.5, 0), np.complex128(0.5), object(), (), [],
                                np.array(0.5), np.array([[0.5]])])
#: Python ints beyond the largest float: float() raises OverflowError on them.
TOO_BIG = st.sampled_from([10**400, -(10**400), 2**1024])


def in_range(spec: core.HyperParam) -> st.SearchStrategy[Any]:
    """Values ``spec.check`` must accept: inside the bounds, and passing any further
    rule a HyperParam subclass adds (the grid's resolution may not be 1)."""
    return _inside_bounds(spec).filter(lambda v: _accepts(spec, v))


def _accepts(spec: core.HyperParam, value: Any) -> bool:
    try:
        spec.check(value)
    except ValueError:
        return False
    return True


def _inside_bounds(spec: core.HyperParam) -> st.SearchStrategy[Any]:
    if spec.kind == "float":
        lo = -1e6 if spec.low is None else spec.low
        hi = 1e6 if spec.high is None else spec.high
        plain = st.floats(lo, hi, exclude_min=spec.low_open, exclude_max=spec.high_open,
                          allow_nan=False, allow_infinity=False)
        options = [plain, st.just(spec.default), plain.map(np.float64)]
        if spec.log and lo >= 0:  # spread over the decades, as the GUI's log slider does
            decades = st.floats(-12, math.log10(hi), allow_nan=False).map(lambda e: 10.0 ** e)
            options.append(decades.filter(lambda v: spec.low is None or v > lo or
                                          (v == lo and not spec.low_open)))
        first = int(math.ceil(lo))
        whole = list(range(first, min(int(math.floor(hi)), first + 4) + 1))
        whole = [v for v in whole if (v != lo or not spec.low_open) and (v != hi or not spec.high_open)]
        if whole:
            options.append(st.sampled_from(whole))  # an int where a float is expected
        return st.one_of(*options)
    if spec.kind == "int":
        lo = -10**6 if spec.low is None else int(spec.low)
        hi = 10**6 if spec.high is None else int(spec.high)
        hi = min(hi, max(lo, WORK_CAP.get(spec.name, hi)))
        ints = st.integers(lo, hi)
        return st.one_of(ints, ints.map(float), ints.map(np.int64), st.just(spec.default))
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "bool":
        return st.one_of(st.booleans(), st.booleans().map(np.bool_))
    raise AssertionError(f"unknown kind {spec.kind!r}")


def out_of_range(spec: core.HyperParam) -> st.SearchStrategy[Any]:
    """Values ``spec.check`` must refuse with a ValueError."""
    nonfinite = st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan"),
                                 np.float32("inf"), np.longdouble("1e4000")])
    if spec.kind in ("float", "int"):
        options = [nonfinite, NOT_A_NUMBER, st.booleans(), TOO_BIG]
        if spec.low is not None:
            below = st.floats(-HUGE, spec.low, exclude_max=not spec.low_open,
                              allow_nan=False, allow_infinity=False)
            options.append(below)
        if spec.high is not None:
            above = st.floats(spec.high, HUGE, exclude_min=not spec.high_open,
                              allow_nan=False, allow_infinity=False)
            options.append(above)
        if spec.kind == "int":
            options.append(st.sampled_from([0.5, 2.5, -1.5, 1e-300]))
            if spec.high is not None:
                options.append(st.integers(int(spec.high) + 1, 10**30))
        return st.one_of(*options)
    if spec.kind == "choice":
        return st.one_of(st.sampled_from(["", "nonsense", " "] + [c.upper() + "!" for c in spec.choices]),
                         NOT_A_NUMBER, nonfinite, st.integers())
    if spec.kind == "bool":
        return st.one_of(st.sampled_from(["yes", "True", 1, 0, 1.0, None]), nonfinite)
    raise AssertionError(f"unknown kind {spec.kind!r}")


@st.composite
def hyperparameters(draw, method: str, runs: int, bad: bool = True) -> tuple[dict[str, Any], bool]:
    """(hyperparameters, whether any of them must be refused); ``bad=False``: all allowed
    (except that a per-run list may not match the number of runs)."""
    hyper: dict[str, Any] = {}
    refused = False
    for spec in core.METHODS[method].params:
        how = draw(st.sampled_from(["omit", "omit", "in", "in", "in"] + ["out"] * bad))
        if how == "omit":
            continue
        if how == "in":
            value = draw(in_range(spec))
            if spec.kind == "float" and draw(st.integers(0, 9)) == 0:
                # One value per run, where the hyperparameter allows it (the learning rate).
                value = [draw(in_range(spec)) for _ in range(draw(st.integers(1, 3)))]
                try:
                    spec.check(value)
                except ValueError:
                    refused = True  # a scalar-only hyperparameter
                else:
                    if len(value) != runs:
                        refused = True
            hyper[spec.name] = value
        else:
            hyper[spec.name] = draw(out_of_range(spec))
            refused = True
    if bad and draw(st.integers(0, 24)) == 0:
        hyper["no_such_hyperparameter"] = 1.0
        refused = True
    return hyper, refused


# -- strategies: everything else -------------------------------------------------------------

COORDINATE = st.one_of(
    st.floats(-HUGE, HUGE, allow_nan=False, allow_infinity=False),
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, HUGE, -HUGE, 1e150, 1e8]),
)


@st.composite
def start_point(draw, prob: core.Problem, batched: bool, bad: bool = True) -> tuple[Any, int, bool]:
    """(x0, number of runs, whether it must be refused); ``bad=False``: a valid start."""
    dim = prob.dim
    shapes = ["one"] * 6 + ["batch"] * (2 if batched else int(bad))
    shape = draw(st.sampled_from(shapes + ["wrong_dim", "nonfinite"] * bad))
    if draw(st.booleans()):  # a point inside the plotted region
        lo, hi = prob.domain[:, 0], prob.domain[:, 1]
        unit = draw(st.lists(st.floats(0, 1), min_size=dim, max_size=dim))
        point = list(lo + (hi - lo) * np.array(unit))
    else:
        point = draw(st.lists(COORDINATE, min_size=dim, max_size=dim))
    if shape == "one":
        return draw(st.sampled_from([list, tuple, np.array]))(point), 1, False
    if shape == "batch":
        runs = draw(st.integers(2, 3))
        rows = [point] + [draw(st.lists(COORDINATE, min_size=dim, max_size=dim))
                          for _ in range(runs - 1)]
        return np.array(rows), runs, not batched
    if shape == "wrong_dim":
        n = draw(st.sampled_from([0, dim + 1, dim + 3]))
        return [1.0] * n, 1, True
    bad_value = draw(st.sampled_from([math.nan, math.inf, -math.inf, 10**400, 1j, "x", None]))
    point[draw(st.integers(0, dim - 1))] = bad_value
    if draw(st.booleans()):
        point = np.array(point)  # complex, object, str or float: all must be refused
    elif draw(st.integers(0, 3)) == 0 and isinstance(bad_value, (float, complex)):
        point = np.array(point, dtype=complex)  # NaN, ∞ or a real imaginary part
    return point, 1, True


STEPS_OK = st.integers(0, MAX_STEPS)
STEPS_BAD = st.sampled_from([-1, 2.5, math.nan, math.inf, "10", None, 10**10, True])
TOL_OK = st.one_of(st.just(0.0), st.floats(0, 1e3, allow_nan=False),
                   st.floats(-30, 3).map(lambda e: 10.0 ** e))
TOL_BAD = st.sampled_from([-1e-8, -1.0, math.nan, math.inf, -math.inf, "1e-8", None])


@st.composite
def run_call(draw, method: str | None = None, problem_name: str | None = None):
    """Keyword arguments for ``core.run`` and whether they must be refused."""
    method = method or draw(st.sampled_from(METHOD_NAMES))
    name = problem_name or draw(st.sampled_from(PROBLEM_NAMES))
    prob = problem(name)
    m = core.METHODS[method]
    bad = draw(st.booleans())  # half the calls are entirely valid
    x0, runs, refused = draw(start_point(prob, m.batched, bad))
    hyper, bad_hyper = draw(hyperparameters(method, runs, bad))
    refused |= bad_hyper
    kw: dict[str, Any] = {}
    if bad and draw(st.integers(0, 9)) == 0:
        kw["steps"] = draw(STEPS_BAD)
        refused = True
    else:
        kw["steps"] = draw(STEPS_OK)
    if bad and draw(st.integers(0, 9)) == 0:
        kw["tol"] = draw(TOL_BAD)
        refused = True
    else:
        kw["tol"] = draw(TOL_OK)
    kw["maximize"] = draw(st.booleans())
    kw["keep_path"] = draw(st.booleans())
    kw["diagnostics"] = draw(st.booleans())
    kw["seed"] = draw(st.integers(0, 2**32))
    refused |= needs_residuals_but_has_none(method, prob)
    return prob, method, x0, kw, hyper, refused


# -- the check --------------------------------------------------------------------------------

def check_outcome(prob, method, x0, kw, hyper, refused) -> None:
    """Run once; assert a valid Result or a ValueError, no warning, fast."""
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = core.run(prob, method, x0, **kw, **hyper)
        except ValueError as exc:
            res = None
            assert str(exc), "a ValueError must say what was wrong"
    elapsed = time.perf_counter() - started
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]
    assert elapsed < EXAMPLE_SECONDS, f"one run took {elapsed:.2f} s"
    if res is None:
        return
    assert not refused, f"accepted although a value is not allowed: {kw} {hyper} x0={x0!r}"
    check_result(res, prob, kw)


def check_result(res: core.Result, prob: core.Problem, kw: dict[str, Any]) -> None:
    assert isinstance(res, core.Result)
    assert isinstance(res.message, str) and res.message
    status = np.asarray(res.status, dtype=object)
    assert all(s in core.STATUSES for s in status.ravel()), res.status
    success = np.asarray(res.success)
    assert success.dtype == bool
    assert np.array_equal(success, status == "converged")
    batched = status.ndim == 1
    if not batched:
        assert isinstance(res.status, str) and isinstance(res.success, bool)
    nit = np.asarray(res.nit)
    assert np.all((nit >= 0) & (nit <= kw["steps"]))
    if kw["tol"] == 0:
        assert not success.any(), "tol=0 runs every step: it never converges"
    dim = prob.dim
    rows = int(nit.max()) + 1 if kw["keep_path"] else 2
    runs_shape = status.shape
    assert res.path.shape == (rows,) + runs_shape + (dim,)
    assert res.values.shape == (rows,) + runs_shape
    assert res.x.shape == runs_shape + (dim,)
    for counter in (res.nfev, res.ngev, res.nhev):
        assert np.all(np.asarray(counter) >= 0)
    finished_well = status != "diverged"
    x = np.asarray(res.x).reshape(-1, dim)
    fun = np.asarray(res.fun, dtype=float).reshape(-1)
    assert np.isfinite(x[finished_well.ravel()]).all()
    assert np.isfinite(fun[finished_well.ravel()]).all()


# -- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHOD_NAMES)
@FUZZ
@given(data=st.data())
def test_run_returns_a_result_or_refuses(method, data):
    check_outcome(*data.draw(run_call(method=method)))


@pytest.mark.parametrize("name", PROBLEM_NAMES)
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_every_problem_survives_any_method(name, data):
    check_outcome(*data.draw(run_call(problem_name=name)))


@pytest.mark.parametrize("name", PROBLEM_NAMES)
@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_pair_from_extreme_starts(method, name):
    """Every method × problem from the default, a tiny and a ±1e300 start (deterministic)."""
    prob = problem(name)
    lo, hi = prob.domain[:, 0], prob.domain[:, 1]
    seed = {"seed": 0} if core.METHODS[method].stochastic else {}
    refused = needs_residuals_but_has_none(method, prob)
    signs = np.where(np.arange(prob.dim) % 2, -1.0, 1.0)
    for x0 in (lo + 0.3 * (hi - lo), np.full(prob.dim, 5e-324), HUGE * signs, 1e8 * signs):
        for maximize in (False, True):
            kw = dict(steps=MAX_STEPS, tol=1e-8, maximize=maximize, keep_path=True,
                      diagnostics=True, **seed)
            check_outcome(prob, method, x0, kw, {}, refused)


@pytest.mark.parametrize("name", [n for n in PROBLEM_NAMES if not problem(n).has_residuals])
def test_levenberg_marquardt_needs_residuals(name):
    """"lm" on a problem without residuals is refused with a ValueError that says why."""
    for method in (m for m in METHOD_NAMES if "residuals" in core.METHODS[m].needs):
        prob = problem(name)
        with pytest.raises(ValueError, match="least-squares"):
            core.run(prob, method, prob.domain.mean(axis=1), steps=5)
        with pytest.raises(ValueError, match="least-squares"):
            core.run(name, method, prob.domain.mean(axis=1), steps=5)


@FUZZ
@given(st.sampled_from(METHOD_NAMES), st.data())
def test_the_value_strategies_agree_with_the_specification(method, data):
    """In-range values pass validation and out-of-range ones are refused, so the
    fuzzer really runs the methods and really tries what must be refused."""
    for spec in core.METHODS[method].params:
        spec.check(data.draw(in_range(spec), label=f"{spec.name} in range"))
        bad = data.draw(out_of_range(spec), label=f"{spec.name} out of range")
        with pytest.raises(ValueError, match=spec.name):
            spec.check(bad)


@pytest.mark.parametrize("method", METHOD_NAMES)
@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_changing_hyperparameters_mid_run_is_validated(method, data):
    """Runner.set_hyper between batches: applied when allowed, otherwise refused and
    the run carries on with what it had (what the GUI does during a run)."""
    name = data.draw(st.sampled_from([n for n in PROBLEM_NAMES
                                      if not needs_residuals_but_has_none(method, problem(n))]))
    prob = problem(name)
    seed = {"seed": 0} if core.METHODS[method].stochastic else {}
    runner = core.Runner(prob, method, prob.domain.mean(axis=1), steps=40, tol=0.0, **seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runner.advance(data.draw(st.integers(0, 10)))
        for _ in range(3):
            changes, refused = data.draw(hyperparameters(method, runner.runs))
            before = runner.public_hyper()
            try:
                runner.set_hyper(**changes)
            except ValueError:
                after = runner.public_hyper()
                assert after.keys() == before.keys()
                assert all(np.array_equal(after[k], before[k]) for k in before)
            else:
                assert not refused, changes
                applied = runner.public_hyper()
                for key, value in changes.items():
                    expected = core.METHODS[method].param(key).check(value)
                    assert np.array_equal(np.ravel(applied[key]), np.ravel(expected)), key
            batch = runner.advance(data.draw(st.integers(0, 10)))
            assert isinstance(batch, core.Batch)
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("value", [[10**400], [0.1, -(10**400)], np.array([0.1 + 1j]),
                                   np.array([1 + 0j])], ids=["huge", "huge2", "complex", "complex0"])
def test_per_run_learning_rates_refuse_huge_and_complex_values(value):
    """Ints beyond the largest float and complex arrays are refused, not converted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="lr"):
            core.run("bowl", "gd", np.ones((len(value), 2)), steps=3, lr=value)
    assert not caught
