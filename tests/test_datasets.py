"""Data sets: the seeded built-ins and the user's CSV files (every error case)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import core
import core.datasets as cd

NAMES = sorted(core.DATASETS)
CLASSIFICATION = [n for n in NAMES if core.DATASETS[n].kind == "classification"]


def write(tmp_path, text: str | bytes, name: str = "data.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def perceptron_separates(X: np.ndarray, y: np.ndarray, epochs: int = 2000) -> bool:
    """The perceptron algorithm stops making mistakes iff the data are linearly separable."""
    Xt = np.column_stack([X, np.ones(len(X))])
    t = 2 * y - 1
    w = np.zeros(3)
    for _ in range(epochs):
        mistakes = 0
        for xi, ti in zip(Xt, t, strict=True):
            if ti * (xi @ w) <= 0:
                w += ti * xi
                mistakes += 1
        if mistakes == 0:
            return True
    return False


# -- the registry ------------------------------------------------------------------------

def test_the_issue_data_sets_are_registered():
    assert {"blobs", "overlapping_blobs", "xor", "circles", "moons", "loans"} <= set(CLASSIFICATION)
    assert core.DATASETS["pastures"].kind == "fitting"


@pytest.mark.parametrize("name", NAMES)
def test_every_data_set_is_well_formed(name):
    entry = core.DATASETS[name]
    d = core.get_dataset(name)
    assert isinstance(d, core.Dataset) and d.name == name and d.kind == entry.kind
    assert entry.title and entry.summary and d.title and d.description and d.target_name
    assert d.n >= 20 and d.seed == 0 and d.source == "built-in"
    assert np.all(np.isfinite(d.X)) and np.all(np.isfinite(d.y))
    if d.kind == "classification":
        assert d.X.shape == (d.n, 2) and d.y.dtype == np.int64
        assert set(np.unique(d.y)) == {0, 1}
        n0, n1 = d.class_counts()
        assert min(n0, n1) >= 0.3 * d.n
        assert len(d.feature_names) == 2 and len(d.class_names) == 2
        # features on a scale of about ±3, so one parameter range suits every set
        assert np.abs(d.X).max() < 4.5
        assert 0.4 < d.X.std() < 2.5
    else:
        assert d.X.shape == (d.n, 1) and d.x.shape == (d.n,) and d.y.dtype == np.float64
        with pytest.raises(ValueError, match="no classes"):
            d.class_counts()
    # the plotting box holds every point
    lo, hi = d.bounds[:, 0], d.bounds[:, 1]
    pts = d.X if d.kind == "classification" else np.column_stack([d.x, d.y])
    assert np.all((pts > lo) & (pts < hi))
    # values travel between threads: they must not be writable
    with pytest.raises(ValueError):
        d.X[0, 0] = 1.0
    with pytest.raises(ValueError):
        d.y[0] = 1


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_reproducible(name):
    a, b = core.get_dataset(name, seed=5), core.get_dataset(name, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = core.get_dataset(name, seed=6)
    assert not np.array_equal(a.X, c.X)
    assert core.get_dataset(name).seed == 0 and a.seed == 5


def test_bad_names_and_seeds():
    with pytest.raises(ValueError, match=r"dataset='nope' is not allowed.*blobs"):
        core.get_dataset("nope")
    for seed in (-1, 1.5, "3", None, True):
        with pytest.raises(ValueError, match="seed"):
            core.get_dataset("blobs", seed=seed)


@pytest.mark.parametrize("seed", range(8))
def test_blobs_are_perfectly_separable_for_every_seed(seed):
    d = core.get_dataset("blobs", seed=seed)
    assert perceptron_separates(d.X, d.y)
    assert d.class_names == ("blue", "red")


def test_overlapping_blobs_are_not_separable():
    d = core.get_dataset("overlapping_blobs")
    assert not perceptron_separates(d.X, d.y, epochs=300)


def test_xor_labels_follow_the_quadrants():
    d = core.get_dataset("xor")
    same_sign = (d.X[:, 0] * d.X[:, 1] > 0).astype(int)
    assert np.mean(same_sign == d.y) > 0.9


def test_circles_put_class_1_inside():
    d = core.get_dataset("circles")
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    assert np.median(r[d.y == 1]) < 1.0 < np.median(r[d.y == 0])


def test_moons_are_not_linearly_separable_but_nearly():
    d = core.get_dataset("moons")
    assert not perceptron_separates(d.X, d.y, epochs=300)


def test_loans_have_the_spurious_carrot_correlation():
    d = core.get_dataset("loans")
    raw = d.raw_X
    credit, carrots = raw[:, 0], raw[:, 1]
    assert 300 <= credit.min() and credit.max() <= 850
    assert 0 <= carrots.min() and carrots.max() <= 10
    assert d.class_names == ("defaulted", "repaid")
    # in the sample, carrot lovers repaid more often, though carrots are no cause
    assert np.corrcoef(carrots, d.y)[0, 1] > 0.3
    assert carrots[d.y == 1].mean() > carrots[d.y == 0].mean() + 1.5
    assert np.corrcoef(credit, d.y)[0, 1] > 0.3
    # standardised features map back exactly
    np.testing.assert_allclose(d.feature_offset + d.feature_scale * d.X, raw)


def test_pastures_follow_the_fence_area():
    d = core.get_dataset("pastures")
    assert d.kind == "fitting" and 0 < d.x.min() and d.x.max() < 100
    area = 100 * d.x - d.x ** 2
    assert np.all(np.abs(d.y - area) <= 0.2 * area)
    a, b = np.linalg.lstsq(np.column_stack([d.x ** 2, d.x]), d.y, rcond=None)[0]
    assert a == pytest.approx(-1, abs=0.05) and b == pytest.approx(100, abs=4)


def test_dataset_validates_its_arrays():
    with pytest.raises(ValueError, match="0 or 1"):
        core.Dataset("d", "D", "classification", np.zeros((3, 2)), [0, 1, 2], ("a", "b"), "y")
    with pytest.raises(ValueError, match="kind"):
        core.Dataset("d", "D", "regression", np.zeros((3, 2)), [0, 1, 1], ("a", "b"), "y")
    with pytest.raises(ValueError, match="finite"):
        core.Dataset("d", "D", "fitting", [1.0, np.nan], [1.0, 2.0], ("x",), "y")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        core.Dataset("d", "D", "classification", np.zeros((3, 3)), [0, 1, 1], ("a", "b"), "y")


# -- CSV files that load ------------------------------------------------------------------

def test_csv_classification_with_0_1_labels(tmp_path):
    path = write(tmp_path, "x1,x2,label\n1,2,0\n3,5,1\n2,2,1\n0,1,0\n")
    d = core.load_csv(path)
    assert d.kind == "classification" and d.n == 4 and d.source == str(path)
    assert d.name == "data" and d.seed is None
    np.testing.assert_array_equal(d.y, [0, 1, 1, 0])
    assert d.class_names == ("0", "1")
    raw = np.array([[1, 2], [3, 5], [2, 2], [0, 1]], dtype=float)
    np.testing.assert_allclose(d.raw_X, raw)
    np.testing.assert_allclose(d.X.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(d.X.std(axis=0), 1)


@pytest.mark.parametrize("labels, y, names", [
    (["-1", "1", "1", "-1"], [0, 1, 1, 0], ("-1", "1")),
    (["1", "2.0", "2", "1.0"], [0, 1, 1, 0], ("1", "2.0")),
    (["yes", "no", "no", "yes"], [1, 0, 0, 1], ("no", "yes")),
    (["red", "blue", " blue ", "red"], [1, 0, 0, 1], ("blue", "red")),
])
def test_csv_any_two_label_values_are_mapped(tmp_path, labels, y, names):
    rows = "".join(f"{i},{i * 2},{lab}\n" for i, lab in enumerate(labels))
    d = core.load_csv(write(tmp_path, "x1,x2,label\n" + rows))
    np.testing.assert_array_equal(d.y, y)
    assert d.class_names == names


def test_csv_column_order_case_extra_columns_bom_crlf_blank_lines_quotes(tmp_path):
    text = '\ufeffID, Label ,X2,x1\r\n\r\na,0,"1.5",2\r\nb,1,2.5,-1e1\r\n\r\n'
    d = core.load_csv(write(tmp_path, text))
    np.testing.assert_allclose(d.raw_X, [[2, 1.5], [-10, 2.5]])
    np.testing.assert_array_equal(d.y, [0, 1])
    assert "Ignored columns: id" in d.description


def test_csv_constant_feature_does_not_divide_by_zero(tmp_path):
    d = core.load_csv(write(tmp_path, "x1,x2,label\n1,5,0\n2,5,1\n"))
    assert np.all(np.isfinite(d.X)) and d.feature_scale[1] == 1.0


def test_csv_fitting(tmp_path):
    d = core.load_csv(write(tmp_path, "x,y\n1,99\n2,196\n50,2500\n", "fence.csv"))
    assert d.kind == "fitting" and d.name == "fence"
    np.testing.assert_array_equal(d.x, [1, 2, 50])
    np.testing.assert_array_equal(d.y, [99, 196, 2500])


def test_csv_data_set_trains_a_model(tmp_path):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(100, 5, (20, 2)), rng.normal(130, 5, (20, 2))])
    rows = "".join(f"{a},{b},{'ok' if i >= 20 else 'bad'}\n" for i, (a, b) in enumerate(X))
    d = core.load_csv(write(tmp_path, "x1,x2,label\n" + rows))
    p = core.get_problem("logistic", dataset=d)
    r = core.run(p, "gd", p.start, steps=500, lr=p.suggested_lr)
    assert float(p.accuracy(r.x)) == 1.0


# -- CSV files that are refused: ValueError naming the row and column -------------------

BAD_FILES = [
    # (content, message regex)
    ("", r"the file is empty"),
    ("\n\n  \n", r"the file is empty"),
    ("x1,x2,label\n", r"header \(row 1\) but no data rows"),
    ("x1,label\n1,0\n", r"row 1: missing column 'x2'"),
    ("a,b,c\n1,2,3\n", r"row 1: missing columns 'x1', 'x2', 'label'"),
    ("x\n1\n", r"row 1: missing column 'y'"),
    ("x1,x2,x2,label\n1,2,3,0\n", r"row 1: column 'x2' appears more than once"),
    ("x1,x2,label\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n9,10,1\n11,12,0\n13,abc,1\n",
     r"row 8, column 'x2': 'abc' is not a number"),
    ("x1,x2,label\n1,2,0\n,3,1\n", r"row 3, column 'x1' is empty"),
    ("x1,x2,label\n1,2,0\n3,nan,1\n", r"row 3, column 'x2': 'nan' is not a finite number"),
    ("x1,x2,label\n1,2,0\n3,-inf,1\n", r"row 3, column 'x2': '-inf' is not a finite number"),
    ("x,y\n1,2\n3,Infinity\n", r"row 3, column 'y': 'Infinity' is not a finite number"),
    ("x,y\n1,2\n3,1e300\n", r"row 3, column 'y': '1e300' is too large"),
    ("x1,x2,label\n1,2,0\n3,4\n", r"row 3: has 2 cells, but the header \(row 1\) has 3 columns"),
    ("x1,x2,label\n1,2,0\n3,4,1,9\n", r"row 3: has 4 cells"),
    ("x1,x2,label\n1,2,a\n3,4,b\n5,6,c\n", r"row 4, column 'label': 'c' is a third class"),
    ("x1,x2,label\n1,2,0\n3,4,1\n5,6,2\n", r"row 4, column 'label': '2' is a third class"),
    ("x1,x2,label\n1,2,1\n3,4,1.0\n", r"only one class \('1'\)"),
    ("x1,x2,label\n1,2,0\n3,4,\n", r"row 3, column 'label' is empty"),
    ("x1,x2,label\n1,2,0\n3,4,nan\n", r"row 3, column 'label': 'nan' is not a finite number"),
    ("x,y\n1,2\n", r"at least 2 data rows"),
    (b"x1,x2,label\n1,2,0\n3,4,caf\xe9\n", r"row 3: the file is not UTF-8 text \(byte 0xe9"),
    (b"\xff\xfex\x001\x00", r"row 1: the file is not UTF-8 text"),
    ("x1,x2,label\n1,2,0\n3,4\x00,1\n", r"row 3, column 'x2': '4\\x00' is not a number"),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_csv_errors_name_the_row_and_column(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(ValueError, match=r"^data\.csv: (.*\b)?" + message):
        core.load_csv(path)


def test_csv_too_many_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(cd, "MAX_CSV_BYTES", 100)
    path = write(tmp_path, "x,y\n" + "1,2\n" * 40)
    with pytest.raises(ValueError, match=r"the file is 0\.0 MB; the limit is 0\.0001 MB"):
        core.load_csv(path)


def test_csv_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(cd, "MAX_CSV_ROWS", 10)
    path = write(tmp_path, "x,y\n" + "1,2\n" * 11)
    with pytest.raises(ValueError, match=r"row 12: the file has more than 10 data rows"):
        core.load_csv(path)
    write(tmp_path, "x,y\n" + "1,2\n" * 10)  # exactly the limit is fine
    assert core.load_csv(path).n == 10


def test_csv_real_limits_are_sane():
    assert 1_000_000 <= cd.MAX_CSV_BYTES <= 100_000_000
    assert 10_000 <= cd.MAX_CSV_ROWS <= 1_000_000


def test_csv_huge_field_is_refused_not_crashed(tmp_path):
    path = write(tmp_path, 'x,y\n1,"' + "9" * 200_000 + '"\n')
    with pytest.raises(ValueError, match=r"row \d+: not valid CSV"):
        core.load_csv(path)


def test_csv_missing_file_and_directory(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.csv: cannot read the file"):
        core.load_csv(tmp_path / "nothere.csv")
    with pytest.raises(ValueError, match="cannot read the file"):
        core.load_csv(tmp_path)


def test_csv_error_messages_read_well(tmp_path):
    path = write(tmp_path, "x1,x2,label\n1,2,0\n3,abc,1\n")
    with pytest.raises(ValueError) as info:
        core.load_csv(path)
    text = str(info.value)
    assert text == "data.csv: row 3, column 'x2': 'abc' is not a number."
    assert re.search(r"row \d+, column '\w+'", text)
