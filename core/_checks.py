"""Validation helpers: every bad value raises a ValueError that names the
parameter, shows what was received and says what is allowed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def bad(name: str, value: object, allowed: str) -> ValueError:
    """Build the standard error: ``lr=-1.0 is not allowed: lr must be > 0``."""
    return ValueError(f"{name}={_show(value)} is not allowed: {name} must be {allowed}.")


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float inside the given bounds or raise."""
    allowed = _range_text(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise bad(name, value, f"a number {allowed}".rstrip())
    try:
        v = float(value)
    except OverflowError:  # an int beyond the largest float (~1.8e308)
        v = math.inf
    if not math.isfinite(v):
        raise bad(name, value, f"a finite number {allowed}".rstrip())
    if low is not None and (v < low or (low_open and v == low)):
        raise bad(name, value, allowed)
    if high is not None and (v > high or (high_open and v == high)):
        raise bad(name, value, allowed)
    return v


def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int inside ``[low, high]`` or raise."""
    allowed = _range_text(low, high, False, False)
    if isinstance(value, bool):
        raise bad(name, value, f"a whole number {allowed}".rstrip())
    if isinstance(value, (Integral, np.integer)):
        v = int(value)
    elif isinstance(value, (Real, np.floating)) and float(value).is_integer():
        v = int(value)
    else:
        raise bad(name, value, f"a whole number {allowed}".rstrip())
    if (low is not None and v < low) or (high is not None and v > high):
        raise bad(name, value, allowed)
    return v


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` or raise."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        raise bad(name, value, "one of " + ", ".join(repr(c) for c in options))
    return value


def check_point(name: str, value: object, dim: int, *, batch: bool = True) -> np.ndarray:
    """Return a float array of shape (dim,) or, if ``batch``, (B, dim)."""
    try:
        if np.iscomplexobj(value):  # casting would drop the imaginary part with a warning
            raise TypeError
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise bad(name, value, f"a sequence of {dim} numbers") from None
    except OverflowError:  # an int beyond the largest float (~1.8e308)
        raise bad(name, value, "finite numbers (no NaN or infinity)") from None
    if arr.ndim == 0 and dim == 1:
        arr = arr.reshape(1)
    shape_ok = arr.ndim == 1 and arr.shape[0] == dim
    if batch:
        shape_ok = shape_ok or (arr.ndim == 2 and arr.shape[1] == dim and arr.shape[0] >= 1)
    if not shape_ok:
        shape = f"({dim},)" if not batch else f"({dim},) or (runs, {dim})"
        raise ValueError(
            f"{name}={_show(value)} has shape {arr.shape}, but this problem has {dim} "
            f"coordinate{'s' if dim != 1 else ''}: {name} must have shape {shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise bad(name, value, "finite numbers (no NaN or infinity)")
    return arr


def _range_text(low, high, low_open, high_open) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f"{'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"{'<' if high_open else '<='} {high:g}"
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    return f"in {left}{low:g}, {high:g}{right}"
