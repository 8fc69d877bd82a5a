"""Data sets for the models: seeded built-in sets and the user's own CSV files.

Two kinds of data set:

``"classification"``
    ``X`` is ``(n, 2)`` (two features, drawn as a plane) and ``y`` holds ``n``
    labels, each 0 or 1 (two classes, drawn blue and red).
``"fitting"``
    ``X`` is ``(n, 1)`` (one input, also available as ``x``) and ``y`` holds
    ``n`` real targets (a curve is fitted through the points).

Classification features are kept on a scale of about ±3 (standardised: zero
mean, unit spread), so that the models' parameter ranges suit every data set;
``feature_offset + feature_scale · X`` (:meth:`Dataset.to_original`) converts
back to the original units for axis ticks (the ``loans`` set and CSV files have
real units).

Every built-in set is drawn from a ``numpy.random.Generator`` seeded with
``seed``: the same seed gives the same data, a different seed a fresh sample.

Examples
--------
>>> import core
>>> d = core.get_dataset("blobs", seed=0)
>>> d.kind, d.X.shape, sorted(set(d.y.tolist()))
('classification', (100, 2), [0, 1])
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._checks import bad, check_int

Array = np.ndarray

KINDS = ("classification", "fitting")

#: A CSV file larger than this many bytes is refused.
MAX_CSV_BYTES = 5_000_000
#: A CSV file with more data rows than this is refused.
MAX_CSV_ROWS = 100_000
#: Numbers larger than this in absolute value are refused (their squares and
#: fourth powers must stay far from floating-point overflow).
MAX_ABS_VALUE = 1e12


def _frozen(a: object, dtype=float) -> Array:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set the models train on.

    Parameters
    ----------
    name, title
        Registry key (or the CSV file's stem) and a display title.
    kind
        ``"classification"`` or ``"fitting"``.
    X
        Features ``(n, 2)`` for classification, inputs ``(n, 1)`` for fitting.
    y
        Labels ``(n,)`` (ints, 0 or 1) or targets ``(n,)`` (floats).
    feature_names
        One name per column of ``X`` (axis labels, in original units).
    target_name
        What ``y`` is: the label's meaning or the fitted quantity.
    description
        A few sentences for students.
    class_names
        Names of class 0 and class 1 (classification only).
    feature_offset, feature_scale
        ``(d,)``: original units are ``feature_offset + feature_scale · X``.
    bounds
        ``(d, 2)`` plotting box for ``X`` (``(2, 2)`` for fitting: x and y).
    seed
        The seed a built-in set was drawn with (None for files).
    source
        ``"built-in"`` or the path of the CSV file.

    Examples
    --------
    >>> import core
    >>> d = core.get_dataset("pastures")
    >>> d.kind, d.x.shape, d.feature_names, d.target_name
    ('fitting', (40,), ('side length l (m)',), 'area (m²)')
    """

    name: str
    title: str
    kind: str
    X: Array
    y: Array
    feature_names: tuple[str, ...]
    target_name: str
    description: str = ""
    class_names: tuple[str, str] = ("class 0", "class 1")
    feature_offset: Array | None = None
    feature_scale: Array | None = None
    bounds: Array | None = None
    seed: int | None = None
    source: str = "built-in"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.kind not in KINDS:
            raise bad("kind", self.kind, "one of " + ", ".join(repr(k) for k in KINDS))
        X = np.asarray(self.X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        width = 2 if self.kind == "classification" else 1
        if X.ndim != 2 or X.shape[1] != width or X.shape[0] < 1:
            raise ValueError(f"X has shape {X.shape}: a {self.kind} data set needs (n, {width}).")
        y = np.asarray(self.y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y has shape {y.shape}: it must be ({X.shape[0]},), one per row of X.")
        if self.kind == "classification":
            if not np.all((y == 0) | (y == 1)):
                raise ValueError("classification labels must be 0 or 1.")
            y = y.astype(np.int64)
        else:
            y = y.astype(float)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("a data set must contain finite numbers only.")
        set_(self, "X", _frozen(X))
        set_(self, "y", _frozen(y, y.dtype))
        off = np.zeros(width) if self.feature_offset is None else self.feature_offset
        sc = np.ones(width) if self.feature_scale is None else self.feature_scale
        set_(self, "feature_offset", _frozen(np.broadcast_to(off, (width,))))
        set_(self, "feature_scale", _frozen(np.broadcast_to(sc, (width,))))
        set_(self, "feature_names", tuple(self.feature_names))
        set_(self, "class_names", tuple(self.class_names))
        if len(self.feature_names) != width:
            raise ValueError(f"feature_names needs {width} name(s), got {self.feature_names!r}.")
        if self.bounds is None:
            cols = [X[:, 0], X[:, 1]] if width == 2 else [X[:, 0], y]
            set_(self, "bounds", _frozen([_padded(c) for c in cols]))
        else:
            set_(self, "bounds", _frozen(np.asarray(self.bounds, dtype=float).reshape(2, 2)))

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def x(self) -> Array:
        """Inputs of a fitting data set as ``(n,)`` (the first column of ``X``)."""
        return self.X[:, 0]

    @property
    def is_classification(self) -> bool:
        """True for two-class data sets."""
        return self.kind == "classification"

    @property
    def raw_X(self) -> Array:
        """``X`` in the original units: ``feature_offset + feature_scale · X``."""
        return self.to_original(self.X)

    def to_original(self, values: object, feature: int | None = None) -> Array:
        """Coordinates of ``X`` (standardised) in the original units.

        ``feature=None``: ``values`` has one column per feature, ``(..., d)``;
        otherwise every value lies along the feature with that index (an axis
        of the plot). Original units are ``feature_offset + feature_scale · values``.

        Examples
        --------
        >>> import core
        >>> d = core.get_dataset("loans")
        >>> d.to_original([-1.0, 0.0, 1.5], feature=0).tolist()
        [560.0, 640.0, 760.0]
        """
        offset, scale = self._affine(feature)
        return offset + scale * np.asarray(values, dtype=float)

    def to_standardised(self, values: object, feature: int | None = None) -> Array:
        """Original units back to coordinates of ``X``: the inverse of :meth:`to_original`.

        Examples
        --------
        >>> import core
        >>> d = core.get_dataset("loans")
        >>> d.to_standardised([500.0, 700.0], feature=0).tolist()
        [-1.75, 0.75]
        """
        offset, scale = self._affine(feature)
        return (np.asarray(values, dtype=float) - offset) / scale

    def _affine(self, feature: int | None) -> tuple[Array, Array]:
        if feature is None:
            return self.feature_offset, self.feature_scale
        i = check_int("feature", feature, low=0, high=len(self.feature_offset) - 1)
        return self.feature_offset[i], self.feature_scale[i]

    def class_counts(self) -> tuple[int, int]:
        """How many samples each class has (classification only)."""
        if not self.is_classification:
            raise ValueError(f"data set {self.name!r} is for fitting: it has no classes.")
        ones = int(np.count_nonzero(self.y))
        return self.n - ones, ones

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, kind={self.kind!r}, n={self.n})"


def _padded(col: Array) -> list[float]:
    lo, hi = float(np.min(col)), float(np.max(col))
    pad = max(0.1 * (hi - lo), 0.5 if hi - lo < 5 else 0.0, 1e-9)
    return [lo - pad, hi + pad]


# -- the registry --------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetEntry:
    """A registry entry: how to draw a built-in data set and what it is."""

    name: str
    title: str
    kind: str
    factory: Callable[[np.random.Generator], Dataset] = field(repr=False)
    summary: str = ""


DATASETS: dict[str, DatasetEntry] = {}


def _register(name: str, title: str, kind: str, summary: str):
    def deco(factory):
        DATASETS[name] = DatasetEntry(name, title, kind, factory, summary)
        return factory

    return deco


def get_dataset(name: object, seed: object = 0) -> Dataset:
    """Draw the built-in data set ``name`` with ``seed`` (same seed, same data).

    Examples
    --------
    >>> import core, numpy as np
    >>> a, b = core.get_dataset("moons", seed=3), core.get_dataset("moons", seed=3)
    >>> bool(np.array_equal(a.X, b.X))
    True
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise bad("dataset", name, "one of " + ", ".join(sorted(DATASETS)))
    s = check_int("seed", seed, low=0)
    entry = DATASETS[name]
    data = entry.factory(np.random.default_rng(s))
    object.__setattr__(data, "seed", s)
    return data


def _shuffled(rng: np.random.Generator, X: Array, y: Array) -> tuple[Array, Array]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def _two_classes(rng, X0: Array, X1: Array) -> tuple[Array, Array]:
    X = np.concatenate([X0, X1])
    y = np.concatenate([np.zeros(len(X0), dtype=np.int64), np.ones(len(X1), dtype=np.int64)])
    return _shuffled(rng, X, y)


_BLUE_RED = ("blue", "red")


@_register("blobs", "Two separable blobs", "classification",
           "two clouds of points that a straight line separates perfectly")
def _blobs(rng: np.random.Generator, n: int = 100) -> Dataset:
    centre = np.array([1.4, 0.9])
    normal = centre / np.linalg.norm(centre)
    half = n // 2

    def cloud(sign: float) -> Array:
        # Redraw any point that strays too close to the middle: the classes are
        # separable with a clear gap for every seed, not just a lucky one.
        pts = np.empty((0, 2))
        while len(pts) < half:
            new = sign * centre + 0.55 * rng.standard_normal((half, 2))
            pts = np.concatenate([pts, new[sign * (new @ normal) >= 0.35]])
        return pts[:half]

    X, y = _two_classes(rng, cloud(-1.0), cloud(1.0))
    return Dataset(
        "blobs", "Two separable blobs", "classification", X, y, ("x₁", "x₂"), "colour",
        "Two round clouds, blue and red, with a clear gap between them: a straight "
        "line separates them perfectly, so a linear classifier can be 100 % right.",
        class_names=_BLUE_RED,
    )


@_register("overlapping_blobs", "Overlapping blobs", "classification",
           "two clouds that overlap: no line gets every point right")
def _overlapping_blobs(rng: np.random.Generator, n: int = 100) -> Dataset:
    half = n // 2
    centre = np.array([0.6, 0.4])
    X0 = -centre + 0.85 * rng.standard_normal((half, 2))
    X1 = centre + 0.85 * rng.standard_normal((n - half, 2))
    X, y = _two_classes(rng, X0, X1)
    return Dataset(
        "overlapping_blobs", "Overlapping blobs", "classification", X, y, ("x₁", "x₂"),
        "colour",
        "Two clouds that overlap in the middle. No straight line gets every point "
        "right, so the loss has a finite best value and the weights settle down "
        "instead of growing forever.",
        class_names=_BLUE_RED,
    )


@_register("xor", "XOR (four clusters)", "classification",
           "opposite corners share a class: no straight line works")
def _xor(rng: np.random.Generator, n: int = 100) -> Dataset:
    per = n // 4
    parts, labels = [], []
    for sx in (-1.0, 1.0):
        for sy in (-1.0, 1.0):
            parts.append(np.array([sx, sy]) + 0.35 * rng.standard_normal((per, 2)))
            labels.append(np.full(per, int(sx * sy > 0), dtype=np.int64))
    X, y = _shuffled(rng, np.concatenate(parts), np.concatenate(labels))
    return Dataset(
        "xor", "XOR (four clusters)", "classification", X, y, ("x₁", "x₂"), "colour",
        "Four clusters in the corners; opposite corners share a colour. No straight "
        "line separates them, so logistic regression is stuck near 50 %; the 2-2-1 "
        "network, with two hidden units, can bend its boundary around them.",
        class_names=_BLUE_RED,
    )


@_register("circles", "Circles", "classification", "a red disc inside a blue ring")
def _circles(rng: np.random.Generator, n: int = 100) -> Dataset:
    half = n // 2
    t0, t1 = rng.uniform(0, 2 * np.pi, half), rng.uniform(0, 2 * np.pi, n - half)
    r0 = 1.7 + 0.15 * rng.standard_normal(half)
    r1 = 0.6 + 0.15 * rng.standard_normal(n - half)
    X0 = np.stack([r0 * np.cos(t0), r0 * np.sin(t0)], axis=1)
    X1 = np.stack([r1 * np.cos(t1), r1 * np.sin(t1)], axis=1)
    X, y = _two_classes(rng, X0, X1)
    return Dataset(
        "circles", "Circles", "classification", X, y, ("x₁", "x₂"), "colour",
        "A red disc inside a blue ring. A straight line cannot separate them; a "
        "curved boundary can.",
        class_names=_BLUE_RED,
    )


@_register("moons", "Two moons", "classification", "two interleaving half-circles")
def _moons(rng: np.random.Generator, n: int = 100) -> Dataset:
    half = n // 2
    t0, t1 = rng.uniform(0, np.pi, half), rng.uniform(0, np.pi, n - half)
    X0 = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    X1 = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X0 = X0 + 0.12 * rng.standard_normal(X0.shape)
    X1 = X1 + 0.12 * rng.standard_normal(X1.shape)
    shift, scale = np.array([0.5, 0.25]), 1.4
    X, y = _two_classes(rng, (X0 - shift) * scale, (X1 - shift) * scale)
    return Dataset(
        "moons", "Two moons", "classification", X, y, ("x₁", "x₂"), "colour",
        "Two interleaving half-moons. A straight line gets most points right but "
        "not all; a curved boundary does better.",
        class_names=_BLUE_RED,
    )


_CREDIT_MEAN, _CREDIT_SD = 640.0, 80.0
_CARROT_MEAN, _CARROT_SD = 5.0, 2.2


@_register("loans", "Loans (credit score and carrots)", "classification",
           "repaid or defaulted, from credit score and fondness of carrots")
def _loans(rng: np.random.Generator, n: int = 120) -> Dataset:
    credit = np.clip(_CREDIT_MEAN + _CREDIT_SD * rng.standard_normal(n), 300, 850)
    z = (credit - _CREDIT_MEAN) / _CREDIT_SD
    repaid = (rng.uniform(size=n) < 1 / (1 + np.exp(-(2.5 * z + 0.3)))).astype(np.int64)
    # The spurious part: in this sample the people who repaid happen to like
    # carrots more. Carrots do not cause repayment; the data just say so.
    carrots = np.where(repaid == 1, 6.6, 3.8) + 1.7 * rng.standard_normal(n)
    carrots = np.clip(carrots, 0.0, 10.0)
    X = np.stack([z, (carrots - _CARROT_MEAN) / _CARROT_SD], axis=1)
    return Dataset(
        "loans", "Loans (credit score and carrots)", "classification", X, repaid,
        ("credit score", "fondness of carrots (0–10)"), "repaid the loan",
        "Past high-risk loans: who defaulted (red) and who repaid (blue), by credit "
        "score and by how fond the applicant is of eating carrots. In this sample "
        "carrot lovers happened to repay more often, so a model happily uses carrots "
        "as evidence: a spurious correlation, not a cause. Training it by gradient "
        "ascent does not make it fair: it uses the carrots backwards until the "
        "numbers blow up.",
        class_names=("defaulted", "repaid"),
        feature_offset=[_CREDIT_MEAN, _CARROT_MEAN], feature_scale=[_CREDIT_SD, _CARROT_SD],
    )


@_register("pastures", "Pastures (side length vs area)", "fitting",
           "area of rectangular pastures fenced with 200 m: y ≈ 100x − x²")
def _pastures(rng: np.random.Generator, n: int = 40) -> Dataset:
    x = np.sort(rng.uniform(2.0, 98.0, n))
    area = 100 * x - x * x
    y = area * (1 + 0.05 * rng.standard_normal(n))  # measured areas: a few per cent off
    return Dataset(
        "pastures", "Pastures (side length vs area)", "fitting", x, y,
        ("side length l (m)",), "area (m²)",
        "Rectangular pastures each fenced with 200 m of wire: one side l, the other "
        "100 − l, so the area is 100l − l², measured with a few per cent of error. "
        "Fitting F(x) = a·x² + b·x should recover a ≈ −1 and b ≈ 100.",
    )


# -- CSV files -----------------------------------------------------------------------------

_CLASSIFICATION_COLUMNS = ("x1", "x2", "label")
_FITTING_COLUMNS = ("x", "y")


def load_csv(path: str | os.PathLike) -> Dataset:
    """Read a data set from a CSV file, or raise a ``ValueError`` saying what is wrong.

    The first non-empty row is the header. Columns (in any order, names
    compared case-insensitively; other columns are ignored):

    * ``x1,x2,label`` — classification. The labels must take exactly two
      distinct values. Numeric labels are compared as numbers (``1`` and
      ``1.0`` are the same class) and the smaller value becomes class 0, so
      ``0/1`` stays ``0/1`` and ``-1/+1`` becomes ``0/1``; text labels are
      sorted alphabetically (``no``/``yes`` become 0/1). ``class_names`` keeps
      the original values. Features are standardised (zero mean, unit spread);
      ``feature_offset``/``feature_scale`` map them back.
    * ``x,y`` — fitting, kept in the file's units.

    Rows are numbered as in a spreadsheet: the header is row 1. Refused, with
    the row and column named where there is one: a file that cannot be read,
    is not UTF-8 text, is larger than :data:`MAX_CSV_BYTES` bytes or has more
    than :data:`MAX_CSV_ROWS` data rows, is empty, lacks a column, has a row
    with the wrong number of cells, an empty or non-numeric cell, NaN or
    infinity, a number beyond ± :data:`MAX_ABS_VALUE`, or labels that are not
    exactly two classes.

    Examples
    --------
    >>> import core, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.csv")
    >>> with open(path, "w", encoding="utf-8") as fh:
    ...     _ = fh.write("x1,x2,label\\n0,1,no\\n2,3,yes\\n1,1,yes\\n")
    >>> d = core.load_csv(path)
    >>> d.y.tolist(), d.class_names
    ([0, 1, 1], ('no', 'yes'))
    >>> with open(path, "w", encoding="utf-8") as fh:
    ...     _ = fh.write("x1,x2,label\\n0,abc,1\\n")
    >>> core.load_csv(path)
    Traceback (most recent call last):
    ...
    ValueError: tiny.csv: row 2, column 'x2': 'abc' is not a number.
    """
    fname = os.path.basename(os.fspath(path))
    try:
        return _load_csv(path)
    except ValueError as exc:
        raise ValueError(f"{fname}: {exc}") from None


def _load_csv(path: str | os.PathLike) -> Dataset:
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header, header_row = None, 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank lines are harmless
            if header is None:
                header, header_row = [c.strip().lower() for c in cells], reader.line_num
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise ValueError(
                    f"row {reader.line_num}: the file has more than {MAX_CSV_ROWS:,} data rows "
                    f"(the limit).")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ValueError(f"row {reader.line_num + 1}: not valid CSV ({exc}).") from None
    if header is None:
        raise ValueError("the file is empty: it needs a header row (x1,x2,label or x,y) and data rows.")
    kind, cols = _columns(header, header_row)
    if not rows:
        raise ValueError(f"the file has a header (row {header_row}) but no data rows.")
    width = len(header)
    for line, cells in rows:
        if len(cells) != width:
            raise ValueError(
                f"row {line}: has {len(cells)} cell{'s' if len(cells) != 1 else ''}, but the "
                f"header (row {header_row}) has {width} columns.")
    name = os.path.splitext(os.path.basename(os.fspath(path)))[0] or "data"
    ignored = [h for i, h in enumerate(header) if i not in cols.values()]
    note = f" Ignored columns: {', '.join(ignored)}." if ignored else ""
    if kind == "fitting":
        x = _numbers(rows, cols["x"], "x")
        y = _numbers(rows, cols["y"], "y")
        if len(rows) < 2:
            raise ValueError("a fitting file needs at least 2 data rows.")
        return Dataset(
            name, f"{name} (from file)", "fitting", x, y, ("x",), "y",
            f"{len(rows)} points read from {os.fspath(path)}.{note}", source=os.fspath(path),
        )
    x1 = _numbers(rows, cols["x1"], "x1")
    x2 = _numbers(rows, cols["x2"], "x2")
    labels, names = _labels(rows, cols["label"])
    X = np.stack([x1, x2], axis=1)
    offset = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    return Dataset(
        name, f"{name} (from file)", "classification", (X - offset) / scale, labels,
        ("x1", "x2"), "label",
        f"{len(rows)} points read from {os.fspath(path)}: class 0 is {names[0]!r}, class 1 "
        f"is {names[1]!r}. Features are standardised for training.{note}",
        class_names=names, feature_offset=offset, feature_scale=scale, source=os.fspath(path),
    )


def _read_text(path: str | os.PathLike) -> str:
    try:
        size = os.stat(path).st_size
        if size > MAX_CSV_BYTES:
            raise ValueError(
                f"the file is {size / 1e6:.1f} MB; the limit is {MAX_CSV_BYTES / 1e6:g} MB.")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read the file: {exc.strerror or exc}.") from None
    if len(raw) > MAX_CSV_BYTES:  # it grew while we looked
        raise ValueError(f"the file is larger than the limit of {MAX_CSV_BYTES / 1e6:g} MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start: exc.start + 1].hex()
        raise ValueError(
            f"row {row}: the file is not UTF-8 text (byte 0x{byte} at offset {exc.start}); "
            f"save it as UTF-8 CSV.") from None


def _columns(header: list[str], row: int) -> tuple[str, dict[str, int]]:
    for h in header:
        if h and header.count(h) > 1:
            raise ValueError(f"row {row}: column {h!r} appears more than once in the header.")
    has = set(header)
    if has >= set(_CLASSIFICATION_COLUMNS):
        return "classification", {c: header.index(c) for c in _CLASSIFICATION_COLUMNS}
    if has >= set(_FITTING_COLUMNS):
        return "fitting", {c: header.index(c) for c in _FITTING_COLUMNS}
    if has & {"x1", "x2", "label"}:
        missing = [c for c in _CLASSIFICATION_COLUMNS if c not in has]
    elif has & {"x", "y"}:
        missing = [c for c in _FITTING_COLUMNS if c not in has]
    else:
        missing = list(_CLASSIFICATION_COLUMNS)
    found = ", ".join(repr(h) for h in header) or "nothing"
    return _missing(missing, found, row)


def _missing(missing: list[str], found: str, row: int):
    cols = ", ".join(repr(m) for m in missing)
    raise ValueError(
        f"row {row}: missing column{'s' if len(missing) > 1 else ''} {cols}. A classification "
        f"file needs the columns x1, x2, label; a fitting file needs x, y (the header has "
        f"{found}).")


def _number(cell: str, line: int, col: str) -> float:
    text = cell.strip()
    if not text:
        raise ValueError(f"row {line}, column {col!r} is empty.")
    try:
        v = float(text)
    except ValueError:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise ValueError(f"row {line}, column {col!r}: {shown!r} is not a number.") from None
    if not math.isfinite(v):
        raise ValueError(f"row {line}, column {col!r}: {text!r} is not a finite number.")
    if abs(v) > MAX_ABS_VALUE:
        raise ValueError(
            f"row {line}, column {col!r}: {text!r} is too large (the limit is ±{MAX_ABS_VALUE:g}).")
    return v


def _numbers(rows: list[tuple[int, list[str]]], index: int, col: str) -> Array:
    return np.array([_number(cells[index], line, col) for line, cells in rows])


def _labels(rows: list[tuple[int, list[str]]], index: int) -> tuple[Array, tuple[str, str]]:
    texts = [(line, cells[index].strip()) for line, cells in rows]
    for line, t in texts:
        if not t:
            raise ValueError(f"row {line}, column 'label' is empty.")
    numeric = True
    for _, t in texts:
        try:
            float(t)
        except ValueError:
            numeric = False
            break
    keys = [(line, _number(t, line, "label") if numeric else t) for line, t in texts]
    seen: dict[object, str] = {}
    for (line, key), (_, t) in zip(keys, texts, strict=True):
        if key not in seen:
            if len(seen) == 2:
                a, b = seen.values()
                raise ValueError(
                    f"row {line}, column 'label': {t!r} is a third class; the labels must take "
                    f"exactly two values (already found {a!r} and {b!r}).")
            seen[key] = t
    if len(seen) < 2:
        only = next(iter(seen.values()))
        raise ValueError(
            f"column 'label' has only one class ({only!r}): a classifier needs exactly two.")
    low, high = sorted(seen)
    y = np.array([0 if key == low else 1 for _, key in keys], dtype=np.int64)
    return y, (seen[low], seen[high])
