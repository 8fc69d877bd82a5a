"""Optimisation methods: a registry of specifications with init/step functions."""

from . import (
    derivative_free,  # noqa: F401  (registers the methods)
    first_order,  # noqa: F401  (registers the methods)
    second_order,  # noqa: F401  (registers the methods)
)
from .base import GROUPS, METHODS, HyperParam, Method, get_method, register_method

__all__ = ["GROUPS", "METHODS", "HyperParam", "Method", "get_method", "register_method"]
