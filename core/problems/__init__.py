"""Problems: landscapes, 1-D curves and models on data."""

from . import curves, custom, landscapes, models, neuron  # noqa: F401  (register the problems)
from .base import PROBLEMS, Problem, ProblemEntry, get_problem, register_problem

__all__ = ["PROBLEMS", "Problem", "ProblemEntry", "get_problem", "register_problem"]
