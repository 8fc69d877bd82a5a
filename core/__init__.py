"""Optiscope's numerical core: problems, methods and the runner (numpy only).

Examples
--------
>>> import core
>>> p = core.get_problem("bowl")
>>> r = core.run(p, "gd", [1.0, 2.0], steps=200, lr=0.1)
>>> r.status
'converged'
"""

from . import activations, derivatives, display, export
from .datasets import DATASETS, Dataset, get_dataset, load_csv
from .landscape_tools import basin_map, convergence_order, lr_sweep
from .methods import GROUPS, METHODS, HyperParam, Method, get_method
from .noise import with_gradient_noise
from .parse import parse_function
from .problem_options import OptionSpec, problem_options
from .problems import PROBLEMS, Problem, get_problem
from .projection import ProjectedTrace, slice_view
from .runner import ESCAPE_FACTOR, STATUSES, Batch, Result, Runner, iterate, run
from .scenarios import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    ScenarioRun,
    check_expectations,
    list_scenarios,
    load_scenario,
    parse_scenario,
    run_scenario,
    save_scenario,
    scenario_to_toml,
)
from .slices import SliceGrid, project, random_directions, slice_grid, slice_problem
from .trace import Trace

__all__ = [
    "DATASETS", "Dataset", "get_dataset", "load_csv",
    "SliceGrid", "project", "random_directions", "slice_grid", "slice_problem",
    "activations", "derivatives", "parse_function", "with_gradient_noise",
    "ESCAPE_FACTOR", "GROUPS", "METHODS", "PROBLEMS", "STATUSES", "Batch", "HyperParam",
    "Method", "Problem", "Result", "Runner", "Trace", "display", "get_method", "get_problem", "iterate", "run",
]
__all__ += ["OptionSpec", "problem_options", "ProjectedTrace", "slice_view", "export"]
__all__ += ["SCENARIO_DIR", "Scenario", "ScenarioError", "ScenarioRun", "check_expectations", "list_scenarios",
            "load_scenario", "parse_scenario", "run_scenario", "save_scenario", "scenario_to_toml"]
__all__ += ["basin_map", "convergence_order", "lr_sweep"]
