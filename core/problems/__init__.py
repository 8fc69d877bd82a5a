"""Problems: landscapes, 1-D curves and (later) models on data."""

from . import landscapes  # noqa: F401  (registers the landscapes)
from .base import PROBLEMS, Problem, ProblemEntry, get_problem, register_problem

__all__ = ["PROBLEMS", "Problem", "ProblemEntry", "get_problem", "register_problem"]
