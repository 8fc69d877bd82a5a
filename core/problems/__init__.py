"""Problems: landscapes, 1-D curves and (later) models on data."""

from . import custom, landscapes, neuron  # noqa: F401  (register the problems)
from .base import PROBLEMS, Problem, ProblemEntry, get_problem, register_problem

__all__ = ["PROBLEMS", "Problem", "ProblemEntry", "get_problem", "register_problem"]
