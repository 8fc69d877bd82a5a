"""What options each registered problem takes, with their allowed values.

The Dataset panel builds its controls from these specifications, the way the
Method panel builds its controls from :class:`core.HyperParam`.

Examples
--------
>>> import core
>>> [o.name for o in core.problem_options("logistic")]
['dataset', 'loss', 'numerics', 'seed']
>>> core.problem_options("logistic")[2].choices
('stable', 'naive')
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from ._checks import bad
from .activations import NEURON_ACTIVATIONS
from .datasets import DATASETS
from .problems import PROBLEMS
from .problems import models as _models

#: Loss names per model.
_LOSSES = {
    "logistic": _models.LOGISTIC_LOSSES,
    "mlp": ("mse",),
    "curve_fit": _models.CURVE_LOSSES,
    "svm": _models.SVM_LOSSES,
}
#: Which kind of data set each model trains on.
_DATA_KIND = {"logistic": "classification", "mlp": "classification", "svm": "classification",
              "curve_fit": "fitting"}

_HELP = {
    "dataset": "the data the model is trained on",
    "loss": "how wrong answers are counted",
    "numerics": "'naive' computes log σ directly and overflows under ascent; 'stable' does not",
    "seed": "which random draw of the data set",
    "activation": "the neuron's activation function",
    "reg": "strength of the L2 penalty on the weights",
    "text": "the formula, in x (and y)",
    "domain": "plotting bounds per axis",
}


@dataclass(frozen=True)
class OptionSpec:
    """One option of a problem factory.

    ``kind`` is ``"choice"`` (``choices`` lists the values), ``"int"``,
    ``"float"`` or ``"text"``.
    """

    name: str
    default: Any
    kind: str
    choices: tuple[str, ...] = ()
    help: str = ""


def problem_options(name: object) -> tuple[OptionSpec, ...]:
    """Option specifications of the registered problem ``name`` (in factory order)."""
    if not isinstance(name, str) or name not in PROBLEMS:
        raise bad("problem", name, "one of " + ", ".join(sorted(PROBLEMS)))
    specs = []
    for p in inspect.signature(PROBLEMS[name].factory).parameters.values():
        default = p.default
        choices: tuple[str, ...] = ()
        if p.name == "dataset" and name in _DATA_KIND:
            kind = "choice"
            choices = tuple(k for k, e in DATASETS.items() if e.kind == _DATA_KIND[name])
        elif p.name == "loss" and name in _LOSSES:
            kind, choices = "choice", tuple(_LOSSES[name])
        elif p.name == "numerics":
            kind, choices = "choice", tuple(_models.NUMERICS)
        elif p.name == "activation":
            kind, choices = "choice", tuple(NEURON_ACTIVATIONS)
        elif isinstance(default, bool):
            kind = "choice"
            choices = ("True", "False")
        elif isinstance(default, int):
            kind = "int"
        elif isinstance(default, float):
            kind = "float"
        else:
            kind = "text"
        specs.append(OptionSpec(p.name, default, kind, choices, _HELP.get(p.name, "")))
    return tuple(specs)


def data_kind(name: str) -> str | None:
    """``"classification"`` or ``"fitting"`` for models on data, else None."""
    return _DATA_KIND.get(name)
