"""Scenarios: every shipped file loads, round-trips, runs and keeps its promises;
malformed and hostile files are refused with the line and key; saving is atomic.

The shipped scenarios are globbed at collection time, so a new file in
``assets/scenarios`` is tested the moment it is added.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core
from core import scenarios as sc

SCENARIO_FILES = sorted(sc.SCENARIO_DIR.glob("*.toml"))
NAMES = [p.stem for p in SCENARIO_FILES]


def _needs(scenario: core.Scenario) -> None:
    """Skip while a view function the scenario needs has not landed in core yet."""
    orders = any(k.startswith("order_") for checks in scenario.expect.racers.values() for k in checks)
    for flag, fn in ((scenario.view.basin_map, "basin_map"),
                     (scenario.view.lr_sweep is not None, "lr_sweep"),
                     (orders, "convergence_order")):
        if flag and not hasattr(core, fn):
            pytest.skip(f"core.{fn} is not available yet")


# -- the shipped scenarios ------------------------------------------------------------------

def test_the_folder_holds_the_lessons():
    assert len(SCENARIO_FILES) >= 30
    loaded = core.list_scenarios()
    assert [s.name for s in loaded] == sorted(NAMES, key=lambda n: next(
        s.sort_key() for s in loaded if s.name == n))
    # Every section of SOURCES.md is taught by at least one scenario.
    covered = {part.strip() for s in loaded if s.source for part in s.source.split(",")}
    assert covered == set("ABCDE")
    assert len({s.title for s in loaded}) == len(loaded), "two scenarios share a title"
    orders = [s.order for s in loaded]
    assert None not in orders and len(set(orders)) == len(orders)


# The teaching points of issue 6, each with the scenario that shows it.
REQUIRED = {
    "learning_to_be_wrong": ("logistic", True),
    "ascent_spikes": ("logistic", True),
    "ascent_stable_loss": ("logistic", True),
    "loans_and_carrots": ("logistic", False),
    "loans_ascent": ("logistic", True),
    "tea_search_race": ("tea", False),
    "tea_iced_local_minimum": ("tea", False),
    "tea_trains": ("tea_trains", False),
    "tea_rating": ("tea_rating", False),
    "tea_finicky": ("tea_finicky", False),
    "newton_quadratic_convergence": ("himmelblau", False),
    "newton_far_away": ("tea", False),
    "learning_rates": ("parabola", False),
    "zigzag_vs_conjugate_gradient": ("ellipse", False),
    "levenberg_marquardt": ("rosenbrock", False),
    "two_bumps_local_global": ("two_bumps", False),
    "saddle_point": ("saddle", False),
    "momentum_flat_region": ("neuron", False),
    "mlp_training": ("mlp", False),
    "fence_by_hand": ("fence", True),
    "curve_fit_mae": ("curve_fit", False),
    "svm_margin": ("svm", False),
    "heaviside_no_gradient": ("neuron", False),
    "himmelblau_basins": ("himmelblau", False),
    "lhopital_zero_over_zero": ("custom", False),
    "finite_differences": ("custom", False),
}


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_teaching_point_has_its_scenario(name):
    s = core.load_scenario(name)
    problem, maximize = REQUIRED[name]
    assert s.problem.name == problem
    assert s.run.maximize is maximize
    assert not s.expect.empty, "a scenario must promise something testable"


def test_the_key_settings_of_the_issue():
    rates = core.load_scenario("learning_rates")
    assert [r.lr for r in rates.methods] == [0.05, 0.2, 0.9, 1.02]
    assert rates.view.lr_sweep is not None and rates.view.tab == "lr_sweep"
    race = core.load_scenario("tea_search_race")
    assert [r.name for r in race.methods] == ["grid", "gd", "annealing", "genetic"]
    assert race.view.loss_x == "evaluations"
    assert core.load_scenario("newton_quadratic_convergence").view.tab == "convergence"
    assert core.load_scenario("fence_by_hand").run.start == (57.0,)
    assert core.load_scenario("curve_fit_mae").problem.options["loss"] == "mae"
    assert core.load_scenario("ascent_spikes").problem.options["numerics"] == "naive"
    assert core.load_scenario("ascent_stable_loss").problem.options["numerics"] == "stable"
    assert core.load_scenario("heaviside_no_gradient").problem.options["activation"] == "heaviside"
    assert core.load_scenario("two_bumps_local_global").view.basin_map
    assert core.load_scenario("himmelblau_basins").expect.basins_min == 4
    assert core.load_scenario("finite_differences").view.tab == "derivatives"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=NAMES)
def test_scenario_loads_round_trips_runs_and_keeps_its_promises(path, tmp_path):
    s = core.load_scenario(path)
    assert s.name == path.stem and s.path == path
    lo, hi = sc.EXPLANATION_WORDS
    assert lo <= s.word_count <= hi
    assert s.paragraphs and all("  " not in p for p in s.paragraphs)
    # Stochastic racers carry their seed, so the app replays exactly what is tested.
    for racer in s.methods:
        assert racer.seed is not None or not core.METHODS[racer.name].stochastic
    # Round trips: text, dict and file.
    text = core.scenario_to_toml(s)
    assert core.parse_scenario(text, s.name) == s
    assert sc.scenario_from_dict(sc.scenario_to_dict(s), s.name) == s
    saved = core.save_scenario(s, tmp_path / path.name)
    assert saved == s and core.load_scenario(tmp_path / path.name) == s
    assert max(len(line) for line in text.splitlines()) <= 120
    # Runs headless and keeps the promises of its explanation.
    _needs(s)
    outcome = core.run_scenario(s)
    assert len(outcome.results) == len(s.methods)
    assert all(r.nit <= s.run.steps for r in outcome.results)
    assert core.check_expectations(s, outcome) == []


def test_list_scenarios_collects_errors_instead_of_raising(tmp_path):
    good = core.load_scenario("fence_by_hand")
    core.save_scenario(good, tmp_path / "b_good.toml")
    (tmp_path / "a_bad.toml").write_text('title = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="a_bad.toml"):
        core.list_scenarios(tmp_path)
    errors: list[str] = []
    assert [s.name for s in core.list_scenarios(tmp_path, errors=errors)] == ["b_good"]
    assert len(errors) == 1 and errors[0].startswith("a_bad.toml, line 1, key 'explanation'")


def test_load_by_name_by_path_and_unknown_names(tmp_path, monkeypatch):
    by_name = core.load_scenario("fence_by_hand")
    assert core.load_scenario("fence_by_hand.toml") == by_name
    assert core.load_scenario(sc.SCENARIO_DIR / "fence_by_hand.toml") == by_name
    assert core.load_scenario(str(sc.SCENARIO_DIR / "fence_by_hand.toml")) == by_name
    with pytest.raises(ValueError, match=r"no_such_lesson.toml: no such scenario file.*fence_by_hand"):
        core.load_scenario("no_such_lesson")
    with pytest.raises(ValueError, match="must not be empty"):
        core.load_scenario("  ")
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(ValueError, match="folder.toml: cannot read"):
        core.load_scenario(tmp_path / "folder.toml")


def test_run_scenario_steps_override_and_readable_failures():
    s = core.load_scenario("zigzag_vs_conjugate_gradient")
    short = core.run_scenario(s, steps=1)
    assert short.steps == 1 and [r.nit for r in short.results] == [1, 1]
    failures = core.check_expectations(s, short)
    assert failures == [
        "racer 2 (conjugate gradient): expected status 'converged', got 'max_steps': "
        + short.results[1].message,
        "racer 2 (conjugate gradient): expected at least 2 iterations, got 1.",
        failures[2],
    ]
    assert failures[2].startswith("racer 2 (conjugate gradient): expected to end within 1e-09 of "
                                  "[0.0, 0.0], but ended at [")
    with pytest.raises(ValueError, match="steps"):
        core.run_scenario(s, steps=0)


def test_expectations_for_all_racers_and_overrides():
    s = core.load_scenario("fence_by_hand")
    e = dataclasses.replace(s.expect, racers={"all": {"status": "diverged", "nit_max": 0},
                                              "2": {"status": ("converged", "diverged")}})
    outcome = core.run_scenario(s)
    failures = core.check_expectations(dataclasses.replace(s, expect=e), outcome)
    assert failures == [
        "racer 1 (r = 0.25): expected status 'diverged', got 'converged': " + outcome.results[0].message,
        "racer 1 (r = 0.25): expected at most 0 iterations, got 31.",
        "racer 2 (r = 0.5): expected at most 0 iterations, got 1.",
        "racer 3 (r = 1 (thrashing)): expected status 'diverged', got 'max_steps': "
        + outcome.results[2].message,
        "racer 3 (r = 1 (thrashing)): expected at most 0 iterations, got 50.",
    ]


def test_classifier_expectations_are_measured_on_the_data():
    s = core.load_scenario("learning_to_be_wrong")
    outcome = core.run_scenario(s)
    x = outcome.results[0].x
    assert float(outcome.problem.accuracy(x)) <= 0.05
    e = dataclasses.replace(s.expect, racers={"1": {"accuracy_min": 0.5, "inverted_accuracy_min": 1.0,
                                                    "accuracy_max": 0.0}})
    failures = core.check_expectations(dataclasses.replace(s, expect=e), outcome)
    assert failures[0] == "racer 1 (ascent, r = 0.2): expected accuracy at least 50%, got 0.0%."
    assert len(failures) == 1


# -- malformed files -------------------------------------------------------------------------

WORDS = " ".join(["word"] * 70)
BASE = f'''title = "A test scenario"
explanation = """
{WORDS}
"""
source = "D"
order = 5

[problem]
name = "parabola"

[run]
start = [1.0]
steps = 60
lr = 0.3

[[methods]]
name = "gd"
label = "plain"

[[methods]]
name = "momentum"
lr = 0.05
hyper = {{ momentum = 0.5 }}

[view]
layout = "contour"
overlays = ["gradient", "step"]

[expect]
"1" = {{ status = "converged", near = [0.0], near_tol = 1e-6 }}
'''


def test_the_base_file_is_valid():
    s = core.parse_scenario(BASE, "base")
    assert s.methods[1].hyper == {"momentum": 0.5}
    assert s.expect.for_racer(0) == {"status": "converged", "near": (0.0,), "near_tol": 1e-6}
    assert core.check_expectations(s, core.run_scenario(s)) == []


def swap(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def without_racers(text: str) -> str:
    return text[:text.index("[[methods]]")] + text[text.index("[view]"):]


# (id, text, line, key, words that must appear in the message)
BROKEN = [
    ("negative steps", swap("steps = 60", "steps = -5"), 13, "run.steps",
     "-5 is not allowed: steps must be in [1, 100000]"),
    ("steps as text", swap("steps = 60", 'steps = "many"'), 13, "run.steps", "whole number"),
    ("steps huge", swap("steps = 60", "steps = 100000000000000000000000"), 13, "run.steps", "not allowed"),
    ("title not text", swap('title = "A test scenario"', "title = 5"), 1, "title", "text in quotes"),
    ("title two lines", swap('title = "A test scenario"', r'title = "A\nB"'), 1, "title", "line break"),
    ("title too long", swap('title = "A test scenario"', f'title = "{"x" * 200}"'), 1, "title",
     "at most 80"),
    ("title control char", swap('title = "A test scenario"', r'title = "A\u0007"'), 1, "title",
     "control character"),
    ("unknown top-level key", swap("order = 5", "ordr = 5"), 6, "ordr", "unknown key 'ordr'"),
    ("order not whole", swap("order = 5", "order = 1.5"), 6, "order", "whole number"),
    ("source unknown", swap('source = "D"', 'source = "F"'), 5, "source", "sections A to E"),
    ("unknown run key", swap("lr = 0.3", "learning_rate = 0.1"), 14, "run.learning_rate",
     "allowed keys are start, steps"),
    ("maximize not bool", swap("lr = 0.3", 'maximize = "yes"'), 14, "run.maximize", "true or false"),
    ("shared lr negative", swap("lr = 0.3", "lr = -0.1"), 14, "run.lr", "must be in (0, 10000]"),
    ("tol is infinite", swap("lr = 0.3", "tol = inf"), 14, "run.tol", "finite"),
    ("unknown problem", swap('name = "parabola"', 'name = "parabol"'), 9, "problem.name",
     "is not a problem"),
    ("option the problem lacks", swap('name = "parabola"', 'name = "parabola"\noptions = { dataset = "blobs" }'),
     10, "problem.options.dataset", "unknown key 'dataset'"),
    ("bad option value", swap('name = "parabola"', 'name = "logistic"\noptions = { dataset = "blobz" }'),
     10, "problem.options.dataset", "'blobz' is not allowed"),
    ("option as a table", swap('name = "parabola"', 'name = "logistic"\noptions = { loss = { a = 1 } }'),
     10, "problem.options.loss", "single value"),
    ("formula on a built-in", swap('name = "parabola"', 'name = "parabola"\nformula = "x**2"'),
     10, "problem.formula", "only a custom problem"),
    ("custom without formula", swap('name = "parabola"', 'name = "custom"'), 8, "problem.formula",
     "needs formula"),
    ("custom with a hostile formula", swap('name = "parabola"', 'name = "custom"\nformula = "__import__(\'os\')"'),
     10, "problem.formula", "formulas cannot contain strings"),
    ("noise out of range", swap('name = "parabola"', 'name = "parabola"\nnoise = { scale = 1.0, dropout = 1.0 }'),
     10, "problem.noise.dropout", "[0, 1)"),
    ("wrong start length", swap("start = [1.0]", "start = [1.0, 2.0]"), 12, "run.start",
     "has 2 numbers, but 1 is needed"),
    ("start with nan", swap("start = [1.0]", "start = [nan]"), 12, "run.start", "finite number"),
    ("start not a list", swap("start = [1.0]", "start = 1.0"), 12, "run.start", "list of numbers"),
    ("missing steps", swap("steps = 60\n", ""), 11, "run.steps", "required key 'steps' is missing"),
    ("unknown method", swap('name = "momentum"', 'name = "momentun"'), 21, "methods[2].name",
     "is not a method"),
    ("method needs residuals", swap('name = "gd"', 'name = "lm"'), 17, "methods[1].name",
     "least-squares"),
    ("bad hyperparameter value", swap("momentum = 0.5", "momentum = 1.5"), 23,
     "methods[2].hyper.momentum", "1.5 is not allowed"),
    ("unknown hyperparameter", swap("momentum = 0.5", "momentom = 0.5"), 23,
     "methods[2].hyper.momentom", "unknown key 'momentom'"),
    ("lr inside hyper", swap("momentum = 0.5", "lr = 0.5"), 23, "methods[2].hyper.lr", "unknown key 'lr'"),
    ("negative racer lr", swap("lr = 0.05", "lr = -0.05"), 22, "methods[2].lr", "-0.05 is not allowed"),
    ("seed for a deterministic method", swap('label = "plain"', "seed = 3"), 18, "methods[1].seed",
     "takes no seed"),
    ("unknown racer key", swap('label = "plain"', 'colour = "red"'), 18, "methods[1].colour",
     "unknown key 'colour'"),
    ("label too long", swap('label = "plain"', f'label = "{"y" * 100}"'), 18, "methods[1].label",
     "at most 60"),
    ("bad layout", swap('layout = "contour"', 'layout = "sideways"'), 26, "view.layout",
     "'sideways' is not allowed"),
    ("bad overlay", swap('"gradient", "step"]', '"gradient", "stepz"]'), 27, "view.overlays",
     "'stepz' is not allowed"),
    ("overlay twice", swap('"gradient", "step"]', '"gradient", "gradient"]'), 27, "view.overlays",
     "listed twice"),
    ("basin map not bool", swap('layout = "contour"', "basin_map = 1"), 26, "view.basin_map",
     "true or false"),
    ("slice on a 1-D problem", swap('layout = "contour"', "slice = { axes = [0, 1] }"), 26,
     "view.slice", "more than 2 parameters"),
    ("lr sweep with zero", swap('layout = "contour"', "lr_sweep = { lrs = [0.0, 0.1] }"), 26,
     "view.lr_sweep.lrs", "must be > 0"),
    ("expect for a missing racer", swap('"1" = {', '"3" = {'), 30, "expect.3", "unknown key '3'"),
    ("unknown check", swap("near_tol", "neer_tol"), 30, "expect.1.neer_tol", "unknown key 'neer_tol'"),
    ("near_tol without near", swap("near = [0.0], ", ""), 30, "expect.1.near_tol", "needs near"),
    ("order without near", swap("near = [0.0], near_tol = 1e-6", "order_min = 1.5"), 30,
     "expect.1.order_min", "needs near"),
    ("near of the wrong length", swap("near = [0.0]", "near = [0.0, 1.0]"), 30, "expect.1.near",
     "has 2 numbers"),
    ("unknown status", swap('status = "converged"', 'status = "won"'), 30, "expect.1.status",
     "'won' is not allowed"),
    ("accuracy on a landscape", swap('status = "converged"', "accuracy_min = 0.9"), 30,
     "expect.1.accuracy_min", "needs a classifier"),
    ("threshold without a sweep", BASE + "lr_threshold = [0.9, 1.1]\n", 31, "expect.lr_threshold",
     "needs lr_sweep"),
    ("basins without a map", BASE + "basins_min = 2\n", 31, "expect.basins_min", "needs basin_map"),
    ("explanation too short", swap(WORDS, "too short"), 2, "explanation", "has 2 words"),
    ("explanation too long", swap(WORDS, " ".join(["w"] * 200)), 2, "explanation", "has 200 words"),
    ("methods not tables", without_racers(swap("order = 5", "order = 5\nmethods = 3")),
     7, "methods", "[[methods]] tables"),
    ("syntax: two equals", swap("steps = 60", "steps = = 60"), 13, "steps", "not valid TOML"),
    ("syntax: unterminated string", swap('title = "A test scenario"', 'title = "A test scenario'), 1,
     "title", "not valid TOML"),
    ("syntax: duplicate key", swap("steps = 60", "steps = 60\nsteps = 70"), 14, "steps",
     "not valid TOML"),
    ("syntax: unterminated table", swap("[view]", "[view"), 25, None, "not valid TOML"),
]


@pytest.mark.parametrize("text, line, key, words", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_malformed_files_are_refused_with_line_and_key(text, line, key, words):
    with pytest.raises(ValueError) as info:
        core.parse_scenario(text, "blowup")
    msg = str(info.value)
    assert msg.startswith(f"blowup.toml, line {line}"), msg
    if key is not None:
        assert f"key '{key}'" in msg, msg
    assert words in msg, msg
    assert isinstance(info.value, core.ScenarioError)
    assert info.value.line == line and info.value.file == "blowup.toml"
    assert "\n" not in msg and len(msg) < 400


def test_the_brief_s_example_message():
    text = swap("steps = 60", "steps = -5")
    with pytest.raises(ValueError) as info:
        core.parse_scenario(text, "blowup")
    assert str(info.value) == ("blowup.toml, line 13, key 'run.steps': -5 is not allowed: "
                               "steps must be in [1, 100000].")


def test_a_file_on_disk_is_named_in_the_message(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(swap("steps = 60", "steps = 0"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"^mine.toml, line 13, key 'run.steps': 0 is not allowed"):
        core.load_scenario(path)


def test_scenario_from_dict_names_keys_without_lines():
    data = sc.scenario_to_dict(core.parse_scenario(BASE))
    data["methods"][1]["hyper"]["momentum"] = -1
    with pytest.raises(ValueError) as info:
        sc.scenario_from_dict(data, "gui")
    assert str(info.value).startswith("gui.toml, key 'methods[2].hyper.momentum': -1 is not allowed")
    assert info.value.line is None


# -- hostile files -----------------------------------------------------------------------------

HOSTILE = [
    ("huge file", BASE.encode() + b"# " + b"x" * 70_000 + b"\n", "65536 bytes"),
    ("binary junk", bytes(range(256)) * 20, "binary data"),
    ("non-UTF-8", swap("A test scenario", "Caf\u00e9").encode("latin-1"), "not UTF-8"),
    ("deeply nested arrays", ("a = " + "[" * 20_000 + "]" * 20_000 + "\n").encode(), None),
    ("deeply nested inline tables", ("a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n").encode(), None),
    ("deeply nested table header", ("[" + ".".join(["a"] * 10_000) + "]\n").encode(), "unknown key 'a'"),
    ("deeply nested dotted key", (".".join(["t"] * 10_000) + " = 1\n").encode(), "unknown key 't'"),
    ("many keys", "".join(f"k{i} = {i}\n" for i in range(4000)).encode(), "unknown key 'k0'"),
    ("empty file", b"", "required key 'title'"),
    ("only a BOM", b"\xef\xbb\xbf", "required key 'title'"),
    ("a python program", b"import os\nos.system('echo hi')\n", "not valid TOML"),
    ("a date for steps", swap("steps = 60", "steps = 1979-05-27").encode(), "whole number"),
    ("nested arrays in start", swap("start = [1.0]", "start = [[1.0]]").encode(), "finite number"),
]


@pytest.mark.parametrize("data, words", [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_cleanly(data, words, tmp_path):
    path = tmp_path / "hostile.toml"
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        core.load_scenario(path)
    msg = str(info.value)
    assert msg.startswith("hostile.toml")
    assert len(msg) < 500
    if words:
        assert words in msg, msg


TOMLISH = st.sampled_from([
    "[problem]", "[run]", "[[methods]]", "[view]", "[expect]", "[problem.options]",
    'name = "gd"', 'name = "parabola"', 'name = "logistic"', 'name = "custom"', 'formula = "x**2"',
    "start = [1.0]", "start = [1.0, 2.0, 3.0]", "steps = 10", "steps = -1", "lr = 0.1",
    'title = "t"', f'explanation = "{WORDS}"', "maximize = true", 'hyper = { momentum = 0.9 }',
    'options = { dataset = "blobs", numerics = "naive" }', 'overlays = ["gradient"]',
    '"1" = { status = "converged" }', 'all = { nit_max = 3 }', "basin_map = true",
    "lr_sweep = { lrs = [0.1, 0.2] }", "lr_threshold = [0.1, 0.2]", "basins_min = 2",
    "seed = 1", "x = [[[[", '"""', "a.b.c = 1", "= 3", "[[run]]", "inf", "nan", "1e999",
    'label = "\\u0000"', "tab = 'data'", "slice = { axes = [0, 1] }",
])


def _must_parse_or_refuse(data: bytes | str) -> None:
    try:
        s = core.parse_scenario(data, "fuzz")
    except ValueError as exc:
        assert str(exc).startswith("fuzz.toml")
    else:
        assert core.parse_scenario(core.scenario_to_toml(s), "fuzz") == s


@settings(derandomize=True, max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes_only_ever_raise_value_error(data):
    _must_parse_or_refuse(data)


@settings(derandomize=True, max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TOMLISH, st.text(max_size=30)), max_size=40))
def test_fuzz_tomlish_text_only_ever_raises_value_error(lines):
    _must_parse_or_refuse("\n".join(lines))


@settings(derandomize=True, max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(BASE)), st.integers(0, 40), st.text(max_size=20))
def test_fuzz_mutated_valid_file_only_ever_raises_value_error(at, cut, insert):
    _must_parse_or_refuse(BASE[:at] + insert + BASE[at + cut:])


# -- saving ----------------------------------------------------------------------------------------

def _crash_halfway(exc: BaseException):
    def writer(fh, data: bytes) -> None:
        fh.write(data[: len(data) // 2])
        raise exc
    return writer


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "interrupted"])
def test_a_crash_while_saving_leaves_the_old_file_intact(tmp_path, monkeypatch, exc):
    path = tmp_path / "lesson.toml"
    old = core.load_scenario("fence_by_hand")
    core.save_scenario(old, path)
    before = path.read_bytes()
    new = dataclasses.replace(old, title="A new title")
    monkeypatch.setattr(sc, "_write_bytes", _crash_halfway(exc))
    with pytest.raises(type(exc)):
        core.save_scenario(new, path)
    assert path.read_bytes() == before
    assert core.load_scenario(path) == old
    assert sorted(os.listdir(tmp_path)) == ["lesson.toml"], "a temporary file was left behind"


def test_a_crash_while_saving_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(sc, "_write_bytes", _crash_halfway(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        core.save_scenario(core.load_scenario("fence_by_hand"), tmp_path / "new.toml")
    assert os.listdir(tmp_path) == []


def test_a_failing_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "lesson.toml"
    old = core.load_scenario("tea_curvature")
    core.save_scenario(old, path)
    before = path.read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sc.os, "replace", refuse)
    with pytest.raises(PermissionError):
        core.save_scenario(dataclasses.replace(old, order=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["lesson.toml"]


def test_saving_never_writes_an_invalid_scenario(tmp_path):
    path = tmp_path / "lesson.toml"
    good = core.load_scenario("fence_by_hand")
    core.save_scenario(good, path)
    before = path.read_bytes()
    for bad in (dataclasses.replace(good, title=""),
                dataclasses.replace(good, explanation="far too short"),
                dataclasses.replace(good, run=dataclasses.replace(good.run, steps=-1))):
        with pytest.raises(ValueError):
            core.save_scenario(bad, path)
        assert path.read_bytes() == before
    with pytest.raises(ValueError, match="must end in .toml"):
        core.save_scenario(good, tmp_path / "lesson.txt")
    assert os.listdir(tmp_path) == ["lesson.toml"]


def test_saving_returns_the_scenario_as_loaded_and_keeps_the_file_mode(tmp_path):
    path = tmp_path / "mine.toml"
    s = core.load_scenario("learning_rates")
    saved = core.save_scenario(s, path)
    assert saved.name == "mine" and saved.path == path and saved == s
    os.chmod(path, 0o640)
    core.save_scenario(dataclasses.replace(s, order=7), path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert core.load_scenario(path).order == 7


def test_written_text_is_plain_and_readable():
    text = core.scenario_to_toml(core.load_scenario("tea_search_race"))
    assert text.startswith('title = "Tea race: exhaustive search, descent, annealing, genetic"\n')
    assert "\n[[methods]]\nname = \"annealing\"\nlabel = \"simulated annealing\"\nseed = 0\n" in text
    assert "hyper = { t0 = 2.0, cooling = 0.97, step_scale = 0.3 }" in text
    assert re.search(r'^"?1"? = \{ status = "converged", nfev = 42', text, re.M)
