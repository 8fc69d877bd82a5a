"""Scenarios: one-click lessons stored as TOML data files.

A scenario sets up a problem, one or more racing methods, a start point and
the views, and carries a title and an explanation for students.  Scenario
files live in :data:`SCENARIO_DIR` (``assets/scenarios/``); they are *data*:
parsed with :mod:`tomllib`, validated key by key, never executed.

File format
-----------
::

    title = "..."                 # required, one line, at most 80 characters
    explanation = \"\"\"...\"\"\"       # required, 60–150 words, for students
    source = "D"                  # optional: SOURCES.md section(s), e.g. "A" or "B, E"
    order = 10                    # optional int: position in the list

    [problem]
    name = "parabola"             # a registered problem, or "custom" with
    formula = "sin(3*x)*y"        #   formula = ... (only for "custom")
    options = { dataset = "blobs", loss = "cross_entropy", numerics = "naive", seed = 0 }
    noise = { scale = 0.5, dropout = 0.0, seed = 0 }   # optional gradient noise

    [run]
    start = [1.0]                 # required; one number per coordinate
    steps = 60                    # required, 1 … 100000
    maximize = false              # optional (climb instead of descend)
    tol = 1e-8                    # optional convergence tolerance (runner default 1e-8)
    lr = 0.05                     # optional learning rate shared by every racer that has one
    speed = 20                    # optional animation steps/s in the app (0 = fastest)

    [[methods]]                   # 1 to 12 racers; a method may appear several times
    name = "gd"
    label = "r = 0.05"            # optional legend label
    lr = 0.05                     # optional, overrides run.lr for this racer
    seed = 1                      # optional, stochastic methods only
    hyper = { momentum = 0.0 }    # optional other hyperparameters

    [view]                        # all optional; absent means "the app's default"
    layout = "both"               # "contour" | "surface" | "both"
    overlays = ["gradient", "step"]   # see OVERLAYS
    loss_x = "steps"              # "steps" | "evaluations"
    loss_log = false
    tab = "loss"                  # see TABS
    height = "auto"               # "auto" | "linear" | "clipped" | "log"
    basin_map = false             # 1-D and 2-D problems
    lr_sweep = { lrs = [0.01, 0.05, 0.2, 0.9, 1.02, 1.1] }   # sweeps racer 1's method
    slice = { axes = [0, 1] }     # models with more than 2 parameters

    [expect]                      # promises of the explanation, checked by the tests
    all = { status = "diverged" } # for every racer; "1", "2", … for one racer (1-based)
    "1" = { status = "converged", nit_max = 2, near = [0.79, -1.22], near_tol = 0.05 }
    basins_min = 2                # needs view.basin_map = true
    lr_threshold = [0.99, 1.01]   # needs view.lr_sweep

Per-racer expectation keys are listed in :data:`EXPECT_KEYS`.  ``problem.noise``
is an extension of the lesson format: it wraps the problem with
:func:`core.with_gradient_noise` (stochastic or dropout-style gradients).

Errors
------
Every problem with a file is a :class:`ScenarioError` (a ``ValueError``) whose
message names the file, the line and the key, e.g.
``blowup.toml, line 12, key 'run.steps': -5 is not allowed: steps must be >= 1.``
Racers are numbered from 1 in keys (``methods[2].lr``), as in ``[expect]``.
Unknown keys are refused, so a typo never passes silently.

Examples
--------
>>> import core
>>> s = core.load_scenario("fence_by_hand")
>>> s.problem.name, [r.lr for r in s.methods]
('fence', [0.25, 0.5, 1.0])
>>> run = core.run_scenario(s)
>>> [r.status for r in run.results]
['converged', 'converged', 'max_steps']
>>> core.check_expectations(s, run)
[]
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import reprlib
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import check_choice, check_int, check_real
from .methods import METHODS
from .problems import PROBLEMS, Problem, get_problem
from .runner import STATUSES, Result, run

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The folder of the shipped scenarios (``assets/scenarios`` in the repository).
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "assets" / "scenarios"

#: Largest scenario file accepted, in bytes.
MAX_FILE_BYTES = 64 * 1024
#: Explanation length in words (inclusive).
EXPLANATION_WORDS = (60, 150)
#: Longest title, in characters.
MAX_TITLE = 80
#: Longest legend label, in characters.
MAX_LABEL = 60
#: Longest explanation, in characters.
MAX_EXPLANATION = 2000
#: Most racers in one scenario.
MAX_RACERS = 12
#: Most steps a scenario may ask for.
MAX_STEPS = 100_000

LAYOUTS = ("contour", "surface", "both")
OVERLAYS = ("gradient", "velocity", "step", "newton_step", "trials", "simplex", "candidate",
            "population", "evaluated")
LOSS_X = ("steps", "evaluations")
TABS = ("loss", "convergence", "lr_sweep", "data", "derivatives", "activations")
HEIGHTS = ("auto", "linear", "clipped", "log")

#: Per-racer expectation keys and what each promises.
EXPECT_KEYS: dict[str, str] = {
    "status": "the run ends with this status (or one of a list of statuses)",
    "nit_max": "at most this many iterations",
    "nit_min": "at least this many iterations",
    "near": "the final point is within near_tol (Euclidean distance) of this point",
    "near_tol": "the distance allowed by near (default 0.01)",
    "fun_max": "the final loss is at most this",
    "fun_min": "the final loss is at least this",
    "accuracy_max": "classifiers: the model gets at most this fraction of the data right",
    "accuracy_min": "classifiers: the model gets at least this fraction right",
    "inverted_accuracy_min": "classifiers: taking the opposite answer gets at least this fraction right",
    "nfev": "exactly this many function evaluations",
    "nfev_max": "at most this many function evaluations",
    "nfev_min": "at least this many function evaluations",
    "order_min": "the order of convergence towards near (core.convergence_order) is at least this",
    "order_max": "the order of convergence towards near is at most this",
}

_SOURCE = re.compile(r"[A-E](?:\s*,\s*[A-E])*")
_WORD = re.compile(r"\S+")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = 8
_repr.maxlevel = 3


def _show(value: object) -> str:
    """A short, safe repr (deeply nested or huge values stay short)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return _repr.repr(value)
    except Exception:  # pragma: no cover - a repr that fails
        return f"<{type(value).__name__}>"


# -- the parsed scenario ------------------------------------------------------------------

@dataclass(frozen=True)
class ProblemSetup:
    """``[problem]``: which problem, with which options.

    ``options`` holds the problem's keyword options as given in the file;
    ``formula`` is the text of a ``custom`` problem; ``noise`` (optional) the
    keyword arguments of :func:`core.with_gradient_noise`.
    """

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    formula: str | None = None
    noise: Mapping[str, Any] | None = None

    def build(self) -> Problem:
        """Build the problem (a fresh object, with its own noise stream)."""
        opts = dict(self.options)
        if self.name == "custom":
            opts["text"] = self.formula
        problem = get_problem(self.name, **opts)
        if self.noise is not None:
            from .noise import with_gradient_noise

            problem = with_gradient_noise(problem, **self.noise)
        return problem


@dataclass(frozen=True)
class RunSetup:
    """``[run]``: the start, the number of steps and shared settings (None = default)."""

    start: tuple[float, ...]
    steps: int
    maximize: bool = False
    tol: float | None = None
    lr: float | None = None
    speed: float | None = None


@dataclass(frozen=True)
class Racer:
    """One ``[[methods]]`` entry: a method with its own settings."""

    name: str
    label: str | None = None
    lr: float | None = None
    seed: int | None = None
    hyper: Mapping[str, Any] = field(default_factory=dict)

    def hyperparameters(self, shared_lr: float | None = None) -> dict[str, Any]:
        """Keyword hyperparameters for :func:`core.run` (``lr`` included when the method has one)."""
        hp = dict(self.hyper)
        lr = self.lr if self.lr is not None else shared_lr
        if lr is not None and any(p.name == "lr" for p in METHODS[self.name].params):
            hp["lr"] = lr
        return hp

    def legend(self) -> str:
        """The label, or a generated one (``"gd (r = 0.05)"``)."""
        if self.label:
            return self.label
        return self.name if self.lr is None else f"{self.name} (r = {self.lr:g})"


@dataclass(frozen=True)
class View:
    """``[view]``: how the app shows the run.  None means "the app's default".

    ``lr_sweep`` holds the learning rates of ``lr_sweep = { lrs = [...] }``;
    ``slice`` the two parameter indices of ``slice = { axes = [i, j] }``.
    """

    layout: str | None = None
    overlays: tuple[str, ...] | None = None
    loss_x: str | None = None
    loss_log: bool | None = None
    tab: str | None = None
    height: str | None = None
    basin_map: bool | None = None
    lr_sweep: tuple[float, ...] | None = None
    slice: tuple[int, int] | None = None


@dataclass(frozen=True)
class Expect:
    """``[expect]``: ``racers`` maps ``"all"`` or ``"1"``, ``"2"``… to checks (see :data:`EXPECT_KEYS`)."""

    racers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    basins_min: int | None = None
    lr_threshold: tuple[float, float] | None = None

    def for_racer(self, index: int) -> dict[str, Any]:
        """The checks that apply to racer ``index`` (0-based): "all", then its own."""
        return {**self.racers.get("all", {}), **self.racers.get(str(index + 1), {})}

    @property
    def empty(self) -> bool:
        return not self.racers and self.basins_min is None and self.lr_threshold is None


@dataclass(frozen=True)
class Scenario:
    """A parsed, validated scenario.  Compare with ``==`` (``path`` and ``name`` are ignored).

    Attributes
    ----------
    name
        The file stem (``"learning_rates"``).
    title, explanation, source, order
        As in the file (``source``/``order`` None when absent).
    problem, run, methods, view, expect
        :class:`ProblemSetup`, :class:`RunSetup`, a tuple of :class:`Racer`,
        :class:`View`, :class:`Expect`.
    path
        Where it was loaded from (None for a scenario built in memory).
    """

    name: str = field(compare=False)
    title: str
    explanation: str
    problem: ProblemSetup
    run: RunSetup
    methods: tuple[Racer, ...]
    view: View = field(default_factory=View)
    expect: Expect = field(default_factory=Expect)
    source: str | None = None
    order: int | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def paragraphs(self) -> list[str]:
        """The explanation as paragraphs with single spaces (lines in a paragraph joined)."""
        blocks = re.split(r"\n\s*\n", self.explanation.strip())
        return [" ".join(b.split()) for b in blocks if b.strip()]

    @property
    def word_count(self) -> int:
        """Words in the explanation."""
        return len(_WORD.findall(self.explanation))

    def build_problem(self) -> Problem:
        """A fresh :class:`core.Problem` for this scenario."""
        return self.problem.build()

    def sort_key(self) -> tuple:
        return (self.order is None, self.order or 0, self.name)


class ScenarioError(ValueError):
    """A scenario file that cannot be used.  ``file``, ``line`` and ``key`` locate it."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None,
                 key: str | None = None):
        super().__init__(message)
        self.file = file
        self.line = line
        self.key = key


# -- locating keys in the text ------------------------------------------------------------

def _key_pattern(key: str) -> str:
    quoted = f'"{re.escape(key)}"|\'{re.escape(key)}\''
    return f"(?:{re.escape(key)}|{quoted})" if _BARE_KEY.fullmatch(key) else f"(?:{quoted})"


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _locate(text: str | None, path: Sequence[str | int]) -> int | None:
    """Best guess at the line of ``path`` (e.g. ``("methods", 1, "lr")``) in ``text``.

    A heuristic over the raw text: it follows table headers, ``key =`` lines
    and inline tables in order; it returns the deepest part it found.
    """
    if not text or not path:
        return None
    pos, line, prev = 0, None, None
    for depth, part in enumerate(path):
        if isinstance(part, int):
            if prev is None:
                break
            header = re.compile(r"(?m)^[ \t]*\[\[[ \t]*" + _key_pattern(prev) + r"[ \t]*\]\]")
            found = list(header.finditer(text))
            if part < len(found):
                pos, line = found[part].end(), _line_of(text, found[part].start())
            continue
        key = _key_pattern(part)
        if depth == 0:
            pattern = re.compile(r"(?m)^[ \t]*(?:\[\[?[ \t]*)?" + key
                                 + r"[ \t]*(?:=|\]|\.(?=[A-Za-z0-9_\"']))")
            m = pattern.search(text)
            if len(path) == 1:  # a top-level key: prefer the part before the first table
                first_table = re.search(r"(?m)^[ \t]*\[", text)
                head = text[:first_table.start()] if first_table else text
                m = pattern.search(head) or m
        else:
            pattern = re.compile(r"(?m)(?:^|(?<=[\s{,.\[]))" + key
                                 + r"[ \t]*(?:=|\]|\.(?=[A-Za-z0-9_\"']))")
            m = pattern.search(text, pos)
        if m is None:
            break
        pos, line, prev = m.end(), _line_of(text, m.start()), part
    return line


def _key_text(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


class _Checker:
    """Raises located :class:`ScenarioError` s while validating one file."""

    def __init__(self, file: str, text: str | None):
        self.file = file
        self.text = text

    def fail(self, path: Sequence[str | int], message: str) -> ScenarioError:
        line = _locate(self.text, path)
        if line is None and self.text is not None:
            # A missing key: point at its table (or, at the top level, the first line).
            parents = (_locate(self.text, path[:k]) for k in range(len(path) - 1, 0, -1))
            line = next((n for n in parents if n is not None), 1)
        key = _key_text(path)
        where = self.file + (f", line {line}" if line is not None else "")
        where += f", key '{key}'" if key else ""
        return ScenarioError(f"{where}: {message}", file=self.file, line=line, key=key or None)

    def wrap(self, path: Sequence[str | int], exc: Exception) -> ScenarioError:
        """Re-word an error from core (``lr=-1 is not allowed: ...``) for ``path``."""
        text = str(exc).strip() or type(exc).__name__
        name = path[-1] if path and isinstance(path[-1], str) else None
        if name and text.startswith(f"{name}="):
            text = text[len(name) + 1:]
        return self.fail(path, text)

    def table(self, value: object, path: Sequence[str | int], allowed: Sequence[str],
              required: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"{_show(value)} is not allowed: it must be a table "
                                  f"(keys {', '.join(allowed)}).")
        for key in value:
            if key not in allowed:
                raise self.fail(tuple(path) + (key,), f"unknown key {key!r}"
                                + (f" in [{_key_text(path)}]" if path else "")
                                + f": allowed keys are {', '.join(allowed)}.")
        for key in required:
            if key not in value:
                raise self.fail(tuple(path) + (key,), f"the required key {key!r} is missing.")
        return value

    def number(self, value: object, path: Sequence[str | int], **bounds: Any) -> float:
        try:
            return check_real(_name(path), value, **bounds)
        except ValueError as exc:
            raise self.wrap(path, exc) from None

    def integer(self, value: object, path: Sequence[str | int], **bounds: Any) -> int:
        try:
            return check_int(_name(path), value, **bounds)
        except ValueError as exc:
            raise self.wrap(path, exc) from None

    def boolean(self, value: object, path: Sequence[str | int]) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"{_show(value)} is not allowed: {_name(path)} must be true or false.")
        return value

    def choice(self, value: object, path: Sequence[str | int], choices: Sequence[str]) -> str:
        try:
            return check_choice(_name(path), value, choices)
        except ValueError as exc:
            raise self.wrap(path, exc) from None

    def string(self, value: object, path: Sequence[str | int], *, longest: int,
               one_line: bool = True) -> str:
        name = _name(path)
        if not isinstance(value, str):
            raise self.fail(path, f"{_show(value)} is not allowed: {name} must be text in quotes.")
        if not value.strip():
            raise self.fail(path, f"{name} must not be empty.")
        if len(value) > longest:
            raise self.fail(path, f"{name} is {len(value)} characters long: at most {longest} are allowed.")
        bad = [c for c in value if (ord(c) < 32 and c not in ("\n", "\t")) or c == "\x7f"]
        if bad or (one_line and "\n" in value):
            what = "a line break" if not bad else f"the control character {bad[0]!r}"
            raise self.fail(path, f"{name} contains {what}: it must be {'one line of ' if one_line else ''}plain text.")
        return value

    def numbers(self, value: object, path: Sequence[str | int], *, length: int | None = None,
                low_open: float | None = None, at_most: int = 64) -> tuple[float, ...]:
        name = _name(path)
        if not isinstance(value, list):
            raise self.fail(path, f"{_show(value)} is not allowed: {name} must be a list of numbers like [1.0, 2.0].")
        if length is not None and len(value) != length:
            raise self.fail(path, f"{_show(value)} has {len(value)} number{'s' if len(value) != 1 else ''}, "
                                  f"but {length} {'is' if length == 1 else 'are'} needed.")
        if len(value) > at_most:
            raise self.fail(path, f"{name} has {len(value)} entries: at most {at_most} are allowed.")
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise self.fail(path, f"{_show(v)} in {name} is not allowed: "
                                      f"every entry must be a finite number.")
            if low_open is not None and v <= low_open:
                raise self.fail(path, f"{_show(v)} in {name} is not allowed: "
                                      f"every entry must be > {low_open:g}.")
            if abs(v) > 1e15:
                raise self.fail(path, f"{_show(v)} in {name} is not allowed: "
                                      f"every entry must be at most 1e15 in size.")
            out.append(float(v))
        return tuple(out)


def _name(path: Sequence[str | int]) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "value"


# -- parsing and validation ----------------------------------------------------------------

_TOP = ("title", "explanation", "source", "order", "problem", "run", "methods", "view", "expect")
_PROBLEM = ("name", "options", "formula", "noise")
_NOISE = ("scale", "dropout", "seed")
_RUN = ("start", "steps", "maximize", "tol", "lr", "speed")
_RACER = ("name", "label", "lr", "seed", "hyper")
_VIEW = ("layout", "overlays", "loss_x", "loss_log", "tab", "height", "basin_map", "lr_sweep", "slice")


def parse_scenario(text: str | bytes, name: str = "untitled", *, path: Path | None = None) -> Scenario:
    """Parse and validate the TOML ``text`` of a scenario.

    Parameters
    ----------
    text
        The file's content (``bytes`` must be UTF-8).
    name
        The scenario's name (the file stem when loaded from a file).
    path
        Recorded on the result; messages name ``path.name`` (or ``name.toml``).

    Raises
    ------
    ScenarioError
        (a ``ValueError``) naming the file, line and key of the first problem.

    Examples
    --------
    >>> from core.scenarios import parse_scenario
    >>> parse_scenario('title = "x"')
    Traceback (most recent call last):
    ...
    core.scenarios.ScenarioError: untitled.toml, line 1, key 'explanation': the required key 'explanation' is missing.
    """
    file = path.name if path is not None else f"{name}.toml"
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{file}: the file is {len(raw)} bytes long; a scenario may have at most "
                            f"{MAX_FILE_BYTES} bytes.", file=file)
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError(f"{file}, line {line}: the file contains binary data (a NUL byte), "
                            f"not text.", file=file, line=line)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(f"{file}, line {line}: the file is not UTF-8 text (byte "
                            f"0x{raw[exc.start]:02x} at offset {exc.start}).", file=file, line=line) from None
    if decoded.startswith("\ufeff"):
        decoded = decoded[1:]
    try:
        data = tomllib.loads(decoded)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(file, decoded, exc) from None
    except RecursionError:
        raise ScenarioError(f"{file}: the file nests arrays or tables too deeply to be a scenario.",
                            file=file) from None
    return _build(data, _Checker(file, decoded), name, path)


def _syntax_error(file: str, text: str, exc: Exception) -> ScenarioError:
    msg = str(exc)
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if m:
        line = line or int(m.group(1))
        col = col or int(m.group(2))
        msg = msg[:m.start()].rstrip()
    elif "end of document" in msg:
        line = text.count("\n") + 1
    msg = getattr(exc, "msg", msg) or msg
    key = None
    if line is not None:
        lines = text.split("\n")
        if 1 <= line <= len(lines):
            km = re.match(r"\s*\[*\s*([A-Za-z0-9_.\"' -]+?)\s*(?:=|\])", lines[line - 1])
            if km:
                key = km.group(1).strip()
    where = file + (f", line {line}" if line is not None else "") + (f", column {col}" if col else "")
    where += f", key '{key}'" if key else ""
    return ScenarioError(f"{where}: not valid TOML: {msg[:1].lower() + msg[1:]}.",
                         file=file, line=line, key=key)


def scenario_from_dict(data: Mapping[str, Any], name: str = "untitled", *,
                       path: Path | None = None) -> Scenario:
    """Validate a dict shaped like a scenario file (as :func:`scenario_to_dict` returns).

    For the app's "save the current set-up": build the dict, validate it here,
    then :func:`save_scenario`.  Errors name keys but no lines.
    """
    file = path.name if path is not None else f"{name}.toml"
    return _build(dict(data), _Checker(file, None), name, path)


def _build(data: dict[str, Any], ck: _Checker, name: str, path: Path | None) -> Scenario:
    ck.table(data, (), _TOP, required=("title", "explanation", "problem", "run", "methods"))
    title = ck.string(data["title"], ("title",), longest=MAX_TITLE)
    explanation = ck.string(data["explanation"], ("explanation",), longest=MAX_EXPLANATION,
                            one_line=False)
    words = len(_WORD.findall(explanation))
    lo, hi = EXPLANATION_WORDS
    if not lo <= words <= hi:
        raise ck.fail(("explanation",), f"the explanation has {words} words: it must have "
                                        f"{lo} to {hi}.")
    source = None
    if "source" in data:
        source = ck.string(data["source"], ("source",), longest=20)
        if not _SOURCE.fullmatch(source.strip()):
            raise ck.fail(("source",), f"{_show(source)} is not allowed: source must name "
                                       f"SOURCES.md sections A to E, like \"A\" or \"B, E\".")
        source = source.strip()
    order = ck.integer(data["order"], ("order",), low=-10**6, high=10**6) if "order" in data else None

    problem_setup, problem = _problem(data["problem"], ck)
    run_setup = _run(data["run"], ck, problem)
    racers = _racers(data["methods"], ck, problem, run_setup)
    view = _view(data.get("view", {}), ck, problem, "view" in data)
    expect = _expect(data.get("expect", {}), ck, problem, racers, view, "expect" in data)
    return Scenario(name=name, title=title, explanation=explanation, source=source, order=order,
                    problem=problem_setup, run=run_setup, methods=racers, view=view, expect=expect,
                    path=path)


def _problem(value: object, ck: _Checker) -> tuple[ProblemSetup, Problem]:
    t = ck.table(value, ("problem",), _PROBLEM, required=("name",))
    name = t["name"]
    if not isinstance(name, str) or name not in PROBLEMS:
        raise ck.fail(("problem", "name"), f"{_show(name)} is not a problem: choose one of "
                                           f"{', '.join(sorted(PROBLEMS))}.")
    allowed = [o for o in PROBLEMS[name].options if not (name == "custom" and o == "text")]
    options = ck.table(t.get("options", {}), ("problem", "options"), allowed)
    for key, v in options.items():
        if isinstance(v, (dict, list)) and key != "domain":
            raise ck.fail(("problem", "options", key), f"{_show(v)} is not allowed: "
                                                      f"{key} must be a single value.")
    formula = None
    if name == "custom":
        if "formula" not in t:
            raise ck.fail(("problem", "formula"), "a custom problem needs formula = \"...\" "
                                                  "(a function of x, or of x and y).")
        formula = ck.string(t["formula"], ("problem", "formula"), longest=500)
    elif "formula" in t:
        raise ck.fail(("problem", "formula"), f"only a custom problem takes a formula; "
                                              f"{name!r} is built in.")
    noise = None
    if "noise" in t:
        nt = ck.table(t["noise"], ("problem", "noise"), _NOISE, required=("scale",))
        noise = {"scale": ck.number(nt["scale"], ("problem", "noise", "scale"), low=0.0, high=1e6)}
        if "dropout" in nt:
            noise["dropout"] = ck.number(nt["dropout"], ("problem", "noise", "dropout"),
                                         low=0.0, high=1.0, high_open=True)
        if "seed" in nt:
            noise["seed"] = ck.integer(nt["seed"], ("problem", "noise", "seed"), low=0, high=2**32 - 1)
    setup = ProblemSetup(name=name, options=dict(options), formula=formula, noise=noise)
    try:
        problem = setup.build()
    except Exception as exc:  # a data file may hand the factory anything
        key = _blamed_option(str(exc), options)
        where = ("problem", "options", key) if key else \
            ("problem", "formula") if name == "custom" else ("problem", "options")
        raise ck.wrap(where, exc) from None
    return setup, problem


def _blamed_option(message: str, options: Mapping[str, Any]) -> str | None:
    for key in options:
        if message.startswith(f"{key}=") or f"option {key!r}" in message:
            return key
    return None


def _run(value: object, ck: _Checker, problem: Problem) -> RunSetup:
    t = ck.table(value, ("run",), _RUN, required=("start", "steps"))
    start = ck.numbers(t["start"], ("run", "start"), length=problem.dim)
    steps = ck.integer(t["steps"], ("run", "steps"), low=1, high=MAX_STEPS)
    maximize = ck.boolean(t["maximize"], ("run", "maximize")) if "maximize" in t else False
    tol = ck.number(t["tol"], ("run", "tol"), low=0.0, high=1e6) if "tol" in t else None
    lr = ck.number(t["lr"], ("run", "lr"), low=0.0, low_open=True, high=1e4) if "lr" in t else None
    speed = ck.number(t["speed"], ("run", "speed"), low=0.0, high=10_000.0) if "speed" in t else None
    return RunSetup(start=start, steps=steps, maximize=maximize, tol=tol, lr=lr, speed=speed)


def _racers(value: object, ck: _Checker, problem: Problem, run_setup: RunSetup) -> tuple[Racer, ...]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ck.fail(("methods",), "methods must be one or more [[methods]] tables.")
    if len(value) > MAX_RACERS:
        raise ck.fail(("methods",), f"{len(value)} racers: at most {MAX_RACERS} are allowed.")
    racers = []
    for i, entry in enumerate(value):
        at = ("methods", i)
        t = ck.table(entry, at, _RACER, required=("name",))
        mname = t["name"]
        if not isinstance(mname, str) or mname not in METHODS:
            raise ck.fail(at + ("name",), f"{_show(mname)} is not a method: choose one of "
                                          f"{', '.join(sorted(METHODS))}.")
        method = METHODS[mname]
        if "residuals" in method.needs and not problem.has_residuals:
            raise ck.fail(at + ("name",), f"method {mname!r} needs a least-squares problem "
                                          f"(residuals), but {problem.name!r} has none.")
        params = {p.name: p for p in method.params}
        label = ck.string(t["label"], at + ("label",), longest=MAX_LABEL) if "label" in t else None
        lr = None
        if "lr" in t:
            if "lr" not in params:
                raise ck.fail(at + ("lr",), f"method {mname!r} has no learning rate.")
            try:
                lr = float(params["lr"].check(t["lr"]))
            except ValueError as exc:
                raise ck.wrap(at + ("lr",), exc) from None
        seed = None
        if "seed" in t:
            if not method.stochastic:
                raise ck.fail(at + ("seed",), f"method {mname!r} draws no random numbers: "
                                              f"it takes no seed.")
            seed = ck.integer(t["seed"], at + ("seed",), low=0, high=2**32 - 1)
        hyper_in = ck.table(t.get("hyper", {}), at + ("hyper",),
                            [p for p in params if p != "lr"])
        hyper = {}
        for key, v in hyper_in.items():
            try:
                hyper[key] = params[key].check(v)
            except ValueError as exc:
                raise ck.wrap(at + ("hyper", key), exc) from None
        racers.append(Racer(name=mname, label=label, lr=lr, seed=seed, hyper=hyper))
        if lr is None and run_setup.lr is not None and "lr" in params:
            try:
                params["lr"].check(run_setup.lr)
            except ValueError as exc:
                raise ck.wrap(("run", "lr"), exc) from None
    return tuple(racers)


def _view(value: object, ck: _Checker, problem: Problem, given: bool) -> View:
    t = ck.table(value, ("view",), _VIEW)
    out: dict[str, Any] = {}
    for key, choices in (("layout", LAYOUTS), ("loss_x", LOSS_X), ("tab", TABS), ("height", HEIGHTS)):
        if key in t:
            out[key] = ck.choice(t[key], ("view", key), choices)
    for key in ("loss_log", "basin_map"):
        if key in t:
            out[key] = ck.boolean(t[key], ("view", key))
    if "overlays" in t:
        ov = t["overlays"]
        if not isinstance(ov, list):
            raise ck.fail(("view", "overlays"), f"{_show(ov)} is not allowed: overlays must be a "
                                                f"list such as [\"gradient\", \"step\"].")
        for item in ov:
            ck.choice(item, ("view", "overlays"), OVERLAYS)
        if len(set(ov)) != len(ov):
            raise ck.fail(("view", "overlays"), "an overlay is listed twice.")
        out["overlays"] = tuple(ov)
    if out.get("basin_map") and problem.dim > 2:
        raise ck.fail(("view", "basin_map"), f"a basin map needs a problem with 1 or 2 "
                                             f"coordinates; {problem.name!r} has {problem.dim}.")
    if "lr_sweep" in t:
        st = ck.table(t["lr_sweep"], ("view", "lr_sweep"), ("lrs",), required=("lrs",))
        lrs = ck.numbers(st["lrs"], ("view", "lr_sweep", "lrs"), low_open=0.0, at_most=200)
        if len(lrs) < 2:
            raise ck.fail(("view", "lr_sweep", "lrs"), "a sweep needs at least 2 learning rates.")
        out["lr_sweep"] = lrs
    if "slice" in t:
        sl = ck.table(t["slice"], ("view", "slice"), ("axes",), required=("axes",))
        axes = sl["axes"]
        at = ("view", "slice", "axes")
        if not isinstance(axes, list) or len(axes) != 2:
            raise ck.fail(at, f"{_show(axes)} is not allowed: axes must be two parameter "
                              f"indices like [0, 1].")
        if problem.dim <= 2:
            raise ck.fail(("view", "slice"), f"a slice is for problems with more than 2 "
                                             f"parameters; {problem.name!r} has {problem.dim}.")
        idx = tuple(ck.integer(a, at, low=0, high=problem.dim - 1) for a in axes)
        if idx[0] == idx[1]:
            raise ck.fail(at, "the two axes of a slice must differ.")
        out["slice"] = idx
    return View(**out)


def _expect(value: object, ck: _Checker, problem: Problem, racers: tuple[Racer, ...],
            view: View, given: bool) -> Expect:
    n = len(racers)
    racer_keys = ["all"] + [str(i + 1) for i in range(n)]
    t = ck.table(value, ("expect",), racer_keys + ["basins_min", "lr_threshold"])
    per: dict[str, dict[str, Any]] = {}
    classifier = bool(getattr(problem, "is_classifier", False))
    for rk in racer_keys:
        if rk not in t:
            continue
        at = ("expect", rk)
        checks = ck.table(t[rk], at, tuple(EXPECT_KEYS))
        out: dict[str, Any] = {}
        for key, v in checks.items():
            kat = at + (key,)
            if key == "status":
                if isinstance(v, list):
                    if not v:
                        raise ck.fail(kat, "give at least one status.")
                    out[key] = tuple(ck.choice(s, kat, STATUSES) for s in v)
                else:
                    out[key] = ck.choice(v, kat, STATUSES)
            elif key in ("nit_max", "nit_min", "nfev", "nfev_max", "nfev_min"):
                out[key] = ck.integer(v, kat, low=0, high=10**9)
            elif key == "near":
                out[key] = ck.numbers(v, kat, length=problem.dim)
            elif key == "near_tol":
                out[key] = ck.number(v, kat, low=0.0, low_open=True, high=1e15)
            elif key in ("fun_max", "fun_min"):
                out[key] = ck.number(v, kat, low=-1e300, high=1e300)
            elif key in ("order_min", "order_max"):
                out[key] = ck.number(v, kat, low=0.0, high=100.0)
            else:  # accuracies
                if not classifier:
                    raise ck.fail(kat, f"{key} needs a classifier, but {problem.name!r} is not one.")
                out[key] = ck.number(v, kat, low=0.0, high=1.0)
        per[rk] = out
    for i in range(n):  # a racer's checks are "all" and its own, merged
        merged = {**per.get("all", {}), **per.get(str(i + 1), {})}
        for key in ("near_tol", "order_min", "order_max"):
            if key in merged and "near" not in merged:
                rk = str(i + 1) if key in per.get(str(i + 1), {}) else "all"
                raise ck.fail(("expect", rk, key), f"{key} needs near = [...] for racer {i + 1}.")
    basins = None
    if "basins_min" in t:
        if not view.basin_map:
            raise ck.fail(("expect", "basins_min"), "basins_min needs basin_map = true in [view].")
        basins = ck.integer(t["basins_min"], ("expect", "basins_min"), low=1, high=10**6)
    threshold = None
    if "lr_threshold" in t:
        if view.lr_sweep is None:
            raise ck.fail(("expect", "lr_threshold"), "lr_threshold needs lr_sweep in [view].")
        pair = ck.numbers(t["lr_threshold"], ("expect", "lr_threshold"), length=2, low_open=0.0)
        if pair[0] > pair[1]:
            raise ck.fail(("expect", "lr_threshold"), "the range must be [low, high] with low <= high.")
        threshold = pair
    return Expect(racers=per, basins_min=basins, lr_threshold=threshold)


# -- files -------------------------------------------------------------------------------------

def _resolve_path(name_or_path: str | os.PathLike) -> Path:
    if isinstance(name_or_path, str) and not name_or_path.strip():
        raise ScenarioError("a scenario name must not be empty.")
    p = Path(name_or_path)
    if len(p.parts) == 1 and not p.exists():
        return SCENARIO_DIR / (p.name if p.suffix == ".toml" else f"{p.name}.toml")
    return p


def load_scenario(name_or_path: str | os.PathLike) -> Scenario:
    """Load a scenario: a bare name (``"learning_rates"``) from :data:`SCENARIO_DIR`, or a path.

    Examples
    --------
    >>> import core
    >>> core.load_scenario("fence_by_hand").run.start
    (57.0,)
    """
    path = _resolve_path(name_or_path)
    file = path.name
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        known = ", ".join(s.stem for s in sorted(SCENARIO_DIR.glob("*.toml")))
        raise ScenarioError(f"{file}: no such scenario file ({path}). Shipped scenarios: {known}.",
                            file=file) from None
    except OSError as exc:
        raise ScenarioError(f"{file}: cannot read the file: {exc.strerror or exc}.", file=file) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{file}: the file is larger than {MAX_FILE_BYTES} bytes; a scenario "
                            f"is a small text file.", file=file)
    return parse_scenario(raw, path.stem, path=path)


def list_scenarios(directory: str | os.PathLike | None = None, *,
                   errors: list[str] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> list[Scenario]:
    """Every scenario in ``directory`` (default :data:`SCENARIO_DIR`), sorted by order, then name.

    A malformed file raises its :class:`ScenarioError`, unless ``errors`` is a
    list: then its message is appended there and the file skipped.
    ``should_stop`` is asked before each file; once it says True, the
    scenarios read so far are returned (a window closing need not wait).

    Examples
    --------
    >>> import core
    >>> len(core.list_scenarios()) >= 20
    True
    """
    folder = Path(directory) if directory is not None else SCENARIO_DIR
    out = []
    for path in sorted(folder.glob("*.toml")):
        if should_stop is not None and should_stop():
            break
        try:
            out.append(load_scenario(path))
        except ValueError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    return sorted(out, key=Scenario.sort_key)


# -- writing -------------------------------------------------------------------------------------

def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as plain data in the file's shape (absent optional keys left out)."""
    out: dict[str, Any] = {"title": s.title, "explanation": s.explanation}
    if s.source is not None:
        out["source"] = s.source
    if s.order is not None:
        out["order"] = s.order
    prob: dict[str, Any] = {"name": s.problem.name}
    if s.problem.formula is not None:
        prob["formula"] = s.problem.formula
    if s.problem.options:
        prob["options"] = dict(s.problem.options)
    if s.problem.noise is not None:
        prob["noise"] = dict(s.problem.noise)
    out["problem"] = prob
    r = s.run
    run_d: dict[str, Any] = {"start": list(r.start), "steps": r.steps}
    if r.maximize:
        run_d["maximize"] = True
    for key in ("tol", "lr", "speed"):
        if getattr(r, key) is not None:
            run_d[key] = getattr(r, key)
    out["run"] = run_d
    racers = []
    for m in s.methods:
        d: dict[str, Any] = {"name": m.name}
        for key in ("label", "lr", "seed"):
            if getattr(m, key) is not None:
                d[key] = getattr(m, key)
        if m.hyper:
            d["hyper"] = dict(m.hyper)
        racers.append(d)
    out["methods"] = racers
    v: dict[str, Any] = {}
    for f in dataclasses.fields(View):
        val = getattr(s.view, f.name)
        if val is None:
            continue
        if f.name == "lr_sweep":
            v[f.name] = {"lrs": list(val)}
        elif f.name == "slice":
            v[f.name] = {"axes": list(val)}
        elif f.name == "overlays":
            v[f.name] = list(val)
        else:
            v[f.name] = val
    if v:
        out["view"] = v
    e: dict[str, Any] = {}
    for key, checks in s.expect.racers.items():
        e[key] = {k: list(val) if isinstance(val, tuple) else val for k, val in checks.items()}
    if s.expect.basins_min is not None:
        e["basins_min"] = s.expect.basins_min
    if s.expect.lr_threshold is not None:
        e["lr_threshold"] = list(s.expect.lr_threshold)
    if e:
        out["expect"] = e
    return out


def _toml_value(value: Any) -> str:
    """One TOML value on one line (inline tables and arrays included)."""
    import tomli_w

    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    text = tomli_w.dumps({"v": value})
    return text.split("=", 1)[1].strip()


def _toml_key(key: str) -> str:
    import tomli_w

    return tomli_w.dumps({key: 0}).rsplit("=", 1)[0].strip()


def _wrap_multiline(entry: str, width: int = 88) -> str:
    """Break long lines of a multi-line basic string with TOML's line-ending backslash.

    A line-ending backslash drops the line break and the next line's leading
    whitespace, so a break is made only after a single space that is followed
    by a visible character: the string's value stays exactly the same.
    """
    if '"""' not in entry or "\n" not in entry:
        return entry
    out = []
    for line in entry.split("\n"):
        while len(line) > width:
            cut = -1
            for m in re.finditer(r"(?<=[^ ]) (?=[^ ])", line):
                if m.end() > width and cut > 0:
                    break
                cut = m.end()
            if cut <= 0:
                break
            out.append(line[:cut] + "\\")
            line = line[cut:]
        out.append(line)
    return "\n".join(out)


def scenario_to_toml(s: Scenario) -> str:
    """The scenario as the text of a scenario file: ``parse_scenario(scenario_to_toml(s)) == s``.

    Examples
    --------
    >>> import core
    >>> s = core.load_scenario("fence_by_hand")
    >>> core.parse_scenario(core.scenario_to_toml(s)) == s
    True
    """
    import tomli_w

    d = scenario_to_dict(s)
    lines = [f"title = {_toml_value(d['title'])}"]
    explanation = tomli_w.dumps({"explanation": d["explanation"]}, multiline_strings=True).strip()
    lines.append(_wrap_multiline(explanation))
    for key in ("source", "order"):
        if key in d:
            lines.append(f"{key} = {_toml_value(d[key])}")
    sections: list[tuple[str, dict[str, Any]]] = [("[problem]", d["problem"]), ("[run]", d["run"])]
    sections += [("[[methods]]", m) for m in d["methods"]]
    if "view" in d:
        sections.append(("[view]", d["view"]))
    if "expect" in d:
        sections.append(("[expect]", d["expect"]))
    for header, table in sections:
        lines.append("")
        lines.append(header)
        for key, value in table.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _write_bytes(fh: Any, data: bytes) -> None:
    """Write ``data`` to the open file ``fh`` (a seam for tests that simulate a crash)."""
    fh.write(data)


def save_scenario(scenario: Scenario, path: str | os.PathLike) -> Scenario:
    """Write ``scenario`` to ``path`` atomically and return it as loaded from there.

    The text is validated first (a scenario that would not load is never
    written), then written to a temporary file in the same folder, flushed
    and fsynced, and moved over ``path`` with :func:`os.replace`: an
    interrupted save leaves the old file (or no file) intact, never a broken
    or empty one.  A bare name without a folder is saved in the current folder.

    Examples
    --------
    >>> import core, tempfile, pathlib
    >>> s = core.load_scenario("fence_by_hand")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> core.save_scenario(s, folder / "mine.toml").name
    'mine'
    """
    target = Path(path)
    if target.suffix != ".toml":
        raise ScenarioError(f"{target.name}: a scenario file name must end in .toml.", file=target.name)
    text = scenario_to_toml(scenario)
    saved = parse_scenario(text, target.stem, path=target)  # never write what would not load
    data = text.encode("utf-8")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_bytes(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)
    return saved


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); harmless where folders cannot be opened."""
    if os.name != "posix":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- running and checking ------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """What :func:`run_scenario` computed.

    ``results`` has one :class:`core.Result` per racer, in order;
    ``basin_map`` and ``lr_sweep`` hold what :func:`core.basin_map` and
    :func:`core.lr_sweep` returned when the view asks for them (else None).
    """

    scenario: Scenario
    problem: Problem
    results: tuple[Result, ...]
    steps: int
    basin_map: Any = None
    lr_sweep: Any = None


#: Seed used for a stochastic racer whose scenario gives none (runs repeat exactly).
DEFAULT_SEED = 0
#: Grid resolution of the basin map computed by :func:`run_scenario`.
BASIN_RESOLUTION = 64


def run_scenario(scenario: Scenario, *, steps: int | None = None,
                 basin_resolution: int = BASIN_RESOLUTION) -> ScenarioRun:
    """Run every racer of ``scenario`` headless (and the basin map / learning-rate sweep
    when its view asks for them).

    ``steps`` overrides ``scenario.run.steps``.  A stochastic racer without a
    seed uses :data:`DEFAULT_SEED`, so the outcome is the same every time.

    Examples
    --------
    >>> import core
    >>> run = core.run_scenario(core.load_scenario("fence_by_hand"), steps=5)
    >>> [r.nit for r in run.results]
    [5, 1, 5]
    """
    r = scenario.run
    n = r.steps if steps is None else check_int("steps", steps, low=1, high=MAX_STEPS)
    results = []
    tol = {} if r.tol is None else {"tol": r.tol}
    for racer in scenario.methods:
        method = METHODS[racer.name]
        seed = None
        if method.stochastic:
            seed = racer.seed if racer.seed is not None else DEFAULT_SEED
        results.append(run(scenario.build_problem(), racer.name, list(r.start), steps=n,
                           maximize=r.maximize, seed=seed, **tol,
                           **racer.hyperparameters(r.lr)))
    problem = scenario.build_problem()
    basins = sweep = None
    first = scenario.methods[0]
    if scenario.view.basin_map:
        basin_map = _core_function("basin_map")
        hp = first.hyperparameters(r.lr)
        extra = {"seed": first.seed if first.seed is not None else DEFAULT_SEED} \
            if METHODS[first.name].stochastic else {}
        basins = basin_map(problem, first.name, resolution=basin_resolution, steps=n,
                           maximize=r.maximize, **tol, **extra, **hp)
    if scenario.view.lr_sweep is not None:
        lr_sweep = _core_function("lr_sweep")
        hp = {k: v for k, v in first.hyperparameters(r.lr).items() if k != "lr"}
        sweep = lr_sweep(problem, first.name, list(r.start), list(scenario.view.lr_sweep),
                         steps=n, maximize=r.maximize, **tol, **hp)
    return ScenarioRun(scenario=scenario, problem=problem, results=tuple(results), steps=n,
                       basin_map=basins, lr_sweep=sweep)


def _core_function(name: str) -> Callable[..., Any]:
    import core

    fn = getattr(core, name, None)
    if fn is None:  # pragma: no cover - until the landscape issue lands
        raise ValueError(f"this version of core has no {name}(): the scenario's view needs it.")
    return fn


def check_expectations(scenario: Scenario, outcome: ScenarioRun) -> list[str]:
    """Every promise of ``scenario.expect`` that ``outcome`` breaks, as sentences ([] if none).

    Examples
    --------
    >>> import core
    >>> s = core.load_scenario("fence_by_hand")
    >>> failures = core.check_expectations(s, core.run_scenario(s, steps=5))
    >>> len(failures), failures[1]
    (4, 'racer 1 (r = 0.25): expected to end within 1e-06 of [50.0], but ended at [50.22] (0.219 away).')
    """
    failures: list[str] = []
    problem = outcome.problem
    for i, (racer, res) in enumerate(zip(scenario.methods, outcome.results, strict=True)):
        who = f"racer {i + 1} ({racer.legend()})"
        for key, want in scenario.expect.for_racer(i).items():
            failure = _check_one(key, want, res, problem, scenario.expect.for_racer(i))
            if failure:
                failures.append(f"{who}: {failure}" + ("" if failure.endswith(".") else "."))
    e = scenario.expect
    if e.basins_min is not None:
        found = _basin_count(outcome.basin_map)
        if found < e.basins_min:
            failures.append(f"the basin map found {found} minim{'um' if found == 1 else 'a'}, "
                            f"expected at least {e.basins_min}.")
    if e.lr_threshold is not None:
        thr = getattr(outcome.lr_sweep, "threshold", None)
        lo, hi = e.lr_threshold
        if thr is None or not np.isfinite(thr) or not lo <= float(thr) <= hi:
            failures.append(f"the learning-rate sweep's threshold is {_show(thr)}, expected "
                            f"between {lo:g} and {hi:g}.")
    return failures


def _basin_count(bm: Any) -> int:
    """Distinct optima that at least one start of the basin map reached."""
    if bm is None:
        return 0
    n = getattr(bm, "n_basins", None)
    if n is not None:
        return int(n)
    labels = np.asarray(getattr(bm, "labels", []))
    return int(np.unique(labels[labels >= 0]).size)


def _check_one(key: str, want: Any, res: Result, problem: Problem,
               checks: Mapping[str, Any]) -> str | None:
    if key == "status":
        allowed = want if isinstance(want, tuple) else (want,)
        if res.status not in allowed:
            shown = " or ".join(repr(s) for s in allowed)
            return f"expected status {shown}, got {res.status!r}: {res.message}"
        return None
    if key in ("nit_max", "nit_min", "nfev", "nfev_max", "nfev_min"):
        got = res.nit if key.startswith("nit") else res.nfev
        what = "iterations" if key.startswith("nit") else "function evaluations"
        if key.endswith("_max") and got > want:
            return f"expected at most {want} {what}, got {got}"
        if key.endswith("_min") and got < want:
            return f"expected at least {want} {what}, got {got}"
        if key == "nfev" and got != want:
            return f"expected exactly {want} function evaluations, got {got}"
        return None
    if key == "near":
        tol = checks.get("near_tol", 0.01)
        dist = float(np.linalg.norm(np.asarray(res.x, dtype=float) - np.asarray(want)))
        if not dist <= tol:
            return (f"expected to end within {tol:g} of {list(want)}, but ended at "
                    f"{_fmt_point(res.x)} ({dist:.3g} away)")
        return None
    if key == "near_tol":
        return None
    if key in ("order_min", "order_max"):
        order = _core_function("convergence_order")(res.path, list(checks["near"])).order
        ok = order >= want if key == "order_min" else order <= want
        if not ok:
            side = "at least" if key == "order_min" else "at most"
            return f"expected an order of convergence {side} {want:g}, measured {order:.3g}"
        return None
    if key in ("fun_max", "fun_min"):
        fun = float(res.fun)
        ok = fun <= want if key == "fun_max" else fun >= want
        if not ok:
            side = "at most" if key == "fun_max" else "at least"
            return f"expected a final loss {side} {want:.10g}, got {fun:.10g}"
        return None
    # accuracies
    acc = float(problem.accuracy(res.x))
    if key == "accuracy_max" and not acc <= want:
        return f"expected accuracy at most {want:.0%}, got {acc:.1%}"
    if key == "accuracy_min" and not acc >= want:
        return f"expected accuracy at least {want:.0%}, got {acc:.1%}"
    if key == "inverted_accuracy_min" and not 1.0 - acc >= want:
        return f"expected the opposite answers to be at least {want:.0%} right, got {1.0 - acc:.1%}"
    return None


def _fmt_point(x: Any) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in np.atleast_1d(np.asarray(x, dtype=float))) + "]"
