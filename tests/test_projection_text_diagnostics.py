"""Diagnostics of many-parameter runs seen on a 2-D slice (core.ProjectedTrace).

For a model with three or more parameters the GUI draws a slice through the
lead run and wraps every run's Trace in a ProjectedTrace (see
``gui/main_window.py``: ``_reslice`` and ``_shown``).  Its ``last_diagnostics``
must cope with everything a method reports: vectors are mapped onto the
plane, points projected, scalars kept, and whatever is not a number
(Nelder–Mead's move name "expand" or "contract inside", flags such as
``hessian_ok`` and ``accepted``) passed on unchanged, never raising.
"""

from __future__ import annotations

import numpy as np
import pytest

import core
from core.projection import POINT_KEYS, VECTOR_KEYS

START = np.array([-1.0, 1.0, 0.5])


def least_squares_3d() -> core.Problem:
    """A 3-parameter linear least-squares fit, so that ``lm`` has residuals too."""
    A = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0],
                  [1.0, 1.0, 1.0], [0.5, -0.4, 0.8]])
    b = np.array([1.0, -0.5, 0.25, 0.7, 0.1])

    def r(X):
        return X @ A.T - b

    def j(X):
        return np.broadcast_to(A, X.shape[:-1] + A.shape)

    return core.Problem(
        name="lsq3", title="3-parameter least squares", formula="Σ (A x − b)²", dim=3,
        domain=[[-3.0, 3.0]] * 3,
        f=lambda X: np.sum(r(X) ** 2, axis=-1),
        g=lambda X: 2.0 * r(X) @ A,
        h=lambda X: np.broadcast_to(2.0 * A.T @ A, X.shape[:-1] + (3, 3)),
        r=r, j=j, minima=np.linalg.lstsq(A, b, rcond=None)[0],
    )


def problem_for(method: core.Method) -> core.Problem:
    if "residuals" in method.needs:
        return least_squares_3d()
    return core.get_problem("logistic")


def shown_trace(problem: core.Problem, method: str, steps: int = 4,
                **hyper) -> tuple[core.Trace, core.ProjectedTrace, core.SliceGrid]:
    """Run a few steps with diagnostics and wrap the trace as the GUI does."""
    start = getattr(problem, "start", START)  # models have one, a plain Problem not
    runner = core.Runner(problem, method, start, steps=50, tol=0.0, seed=0,
                         diagnostics=True, **hyper)
    trace = core.Trace(dim=problem.dim)
    for _ in range(steps):
        trace.extend(runner.advance(1))
    assert trace.last_step == steps and trace.last_diagnostics
    _shown, plane = core.slice_view(problem, trace.last_x, axes=(0, 1))
    return trace, core.ProjectedTrace(trace, plane), plane


def is_number(value) -> bool:
    return np.asarray(value).dtype.kind in "iuf"


@pytest.mark.parametrize("name", list(core.METHODS))
def test_every_method_diagnostics_work_on_a_slice(name):
    method = core.get_method(name)
    problem = problem_for(method)
    if problem.dim < 3 or ("residuals" in method.needs and not problem.has_residuals):
        pytest.skip(f"{name} cannot run on a 3-parameter model here")
    trace, projected, plane = shown_trace(problem, name)
    raw = trace.last_diagnostics
    shown = projected.last_diagnostics  # must not raise
    assert set(shown) == set(raw)
    D = np.stack([plane.d1, plane.d2], axis=1)
    for key, value in raw.items():
        out = shown[key]
        if not is_number(value):
            assert out is value, key  # text, flags...: passed on unchanged
            continue
        v = np.asarray(value, dtype=float)
        assert isinstance(out, np.ndarray) and out.dtype == float, key
        if v.ndim and v.shape[-1] == problem.dim and key in VECTOR_KEYS:
            assert out.shape == v.shape[:-1] + (2,), key
            with np.errstate(all="ignore"):
                np.testing.assert_array_equal(out, v @ D, err_msg=key)
        elif v.ndim and v.shape[-1] == problem.dim and key in POINT_KEYS:
            assert out.shape == v.shape[:-1] + (2,), key
            np.testing.assert_array_equal(out, plane.project(v), err_msg=key)
        else:
            np.testing.assert_array_equal(out, v, err_msg=key)
    # the rest of the interface the views use works as well
    assert projected.x.shape == (trace.x.shape[0], 2)
    assert projected.last_x.shape == (2,)
    assert projected.evaluated.shape[-1] == 2
    assert np.isfinite(projected.offset())


@pytest.mark.parametrize("name", list(core.METHODS))
def test_vector_diagnostics_have_two_components_on_the_slice(name):
    method = core.get_method(name)
    problem = problem_for(method)
    trace, projected, _ = shown_trace(problem, name)
    shown = projected.last_diagnostics
    for key in (*VECTOR_KEYS, *POINT_KEYS):
        value = trace.last_diagnostics.get(key)
        if value is not None and np.ndim(value) and np.shape(value)[-1] == problem.dim:
            assert np.shape(shown[key])[-1] == 2, key


def test_nelder_mead_move_names_pass_through_on_the_svm_lesson():
    # The svm_heaviside_penalty lesson: Nelder–Mead on a 3-weight SVM shown as a slice.
    problem = core.get_problem("svm", dataset="blobs", loss="heaviside", reg=0.01, seed=0)
    seen = set()
    for steps in (1, 2, 3, 5, 8, 13):
        trace, projected, plane = shown_trace(problem, "nelder_mead", steps=steps)
        shown = projected.last_diagnostics
        op = trace.last_diagnostics["operation"]
        assert isinstance(op, str) and shown["operation"] is op
        seen.add(str(op))
        assert shown["simplex"].shape == (4, 2)
        np.testing.assert_array_equal(shown["simplex"],
                                      plane.project(trace.last_diagnostics["simplex"]))
    assert seen <= {"reflect", "expand", "contract outside", "contract inside", "shrink"}


def test_flags_keep_their_type_and_numbers_their_handling():
    problem = core.get_problem("logistic")
    trace, projected, plane = shown_trace(problem, "newton")
    ok = trace.last_diagnostics["hessian_ok"]
    assert projected.last_diagnostics["hessian_ok"] is ok
    trace, projected, plane = shown_trace(problem, "annealing")
    shown = projected.last_diagnostics
    assert shown["accepted"] is trace.last_diagnostics["accepted"]
    assert shown["temperature"].shape == () and shown["temperature"].dtype == float
    assert shown["candidate"].shape == shown["best"].shape == (2,)


@pytest.mark.parametrize("odd", ["expand", np.str_("contract inside"), np.array(["shrink"]),
                                 b"bytes", True, np.bool_(False), np.array([True, False]),
                                 None, [1.0, [2.0, 3.0]], {"a": 1}, 1j, 10**400],
                         ids=["str", "np.str_", "str array", "bytes", "bool", "np.bool_",
                              "bool array", "None", "ragged list", "dict", "complex", "huge int"])
def test_any_non_numeric_diagnostic_passes_through_unchanged(odd):
    problem = core.get_problem("logistic")
    trace, projected, plane = shown_trace(problem, "gd", lr=0.1)
    trace.last_diagnostics = {**trace.last_diagnostics, "note": odd}
    shown = projected.last_diagnostics
    assert shown["note"] is odd
    assert shown["grad"].shape == (2,)  # the numbers beside it are still mapped


def test_integer_and_list_diagnostics_are_still_numbers():
    problem = core.get_problem("logistic")
    trace, projected, plane = shown_trace(problem, "gd", lr=0.1)
    D = np.stack([plane.d1, plane.d2], axis=1)
    trace.last_diagnostics = {"step": [1, 2, 3], "best": [[0.0, 1.0, 2.0]], "count": 7}
    shown = projected.last_diagnostics
    np.testing.assert_allclose(shown["step"], np.array([1.0, 2.0, 3.0]) @ D)
    np.testing.assert_allclose(shown["best"], plane.project([[0.0, 1.0, 2.0]]))
    assert shown["count"].dtype == float and shown["count"] == 7.0
