"""Reading a user's own CSV file into numbers a network can train on.

``load_csv`` finds the delimiter, reads the header, types each column (numbers, or text for a
categorical column), counts the missing values of each column and refuses a malformed row by
its line number. It returns a ``Table``: ``X, y = load_csv(path, target="quality")``.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["Table", "load_csv", "NA_VALUES"]

#: What reads as a missing value by default (pandas' list, plus UCI's "?").
NA_VALUES = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "NULL", "null", "None",
                       "#N/A", "<NA>", "?"})
# ';' before ',': on a tie it is the ';' file that writes decimal commas
_DELIMITERS = (";", ",", "\t", "|")
_STRATEGIES = ("mean", "median", "most_frequent")


def _sniff(sample: str, decimal: str) -> str:
    """The delimiter that splits the first lines into the same number of fields (more than
    one), preferring the one with more fields; ',' for a one-column file."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut its last line
    best, best_score = ",", (0.0, 0)
    for d in _DELIMITERS:
        if d == decimal:
            continue
        counts = [len(r) for r in csv.reader(lines, delimiter=d, skipinitialspace=True) if r]
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = d, score
    return best


class Table:
    """Columns read from a CSV file: numeric columns are float64 (int64 when every value is a
    whole number and none is missing) with nan for a missing value; text (categorical) columns
    are object arrays of str with None for a missing value.

    ``X`` holds the feature columns (float64, or object when some are text: encode those with
    OneHotEncoder), ``y`` the target column (None without a target). ``missing`` counts the
    missing values of every column. ``dropna()`` and ``fillna()`` return new Tables.
    Unpacks as ``X, y``.
    """

    def __init__(self, columns: dict[str, np.ndarray], target: str | None = None,
                 source: str = "", whole: Iterable[str] = ()):
        self._cols = dict(columns)
        self.target_name = target
        self.source = source
        # columns written as whole numbers: int64 again once nothing in them is missing
        self._whole = frozenset(whole)

    @property
    def columns(self) -> list[str]:
        return list(self._cols)

    @property
    def feature_names(self) -> list[str]:
        return [c for c in self._cols if c != self.target_name]

    @property
    def categorical_columns(self) -> list[str]:
        return [c for c, a in self._cols.items() if a.dtype == object]

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c, a in self._cols.items() if a.dtype != object]

    @property
    def X(self) -> np.ndarray:
        return self._stack(self.feature_names)

    @property
    def y(self) -> np.ndarray | None:
        return None if self.target_name is None else self._cols[self.target_name].copy()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), len(self._cols)

    @property
    def missing(self) -> dict[str, int]:
        """Missing values per column, every column named."""
        return {c: int(_missing_mask(a).sum()) for c, a in self._cols.items()}

    def __len__(self) -> int:
        return len(next(iter(self._cols.values()))) if self._cols else 0

    def __getitem__(self, column: str | Sequence[str]) -> np.ndarray:
        """One column (1-D), or a list of columns as a 2-D array (float64 when all numeric,
        else object): ``OneHotEncoder().fit_transform(data[data.categorical_columns])``."""
        names = [column] if isinstance(column, str) else list(column)
        absent = [c for c in names if c not in self._cols]
        if absent:
            raise KeyError(f"no column {absent[0]!r}; the columns are {self.columns}")
        if isinstance(column, str):
            return self._cols[column].copy()
        return self._stack(names)

    def _stack(self, names: list[str]) -> np.ndarray:
        if not names:
            return np.empty((len(self), 0))
        cols = [self._cols[c] for c in names]
        kind = object if any(a.dtype == object for a in cols) else np.float64
        return np.stack([a.astype(kind) for a in cols], axis=1)

    def __iter__(self) -> Iterator[np.ndarray | None]:
        return iter((self.X, self.y))

    def dropna(self) -> Table:
        """A Table without the rows that miss any value."""
        keep = ~np.any([_missing_mask(a) for a in self._cols.values()], axis=0)
        return self._with({c: self._retype(c, a[keep]) for c, a in self._cols.items()})

    def fillna(self, value: Any) -> Table:
        """A Table with the missing values filled.

        ``value``: a number (fills numeric columns), ``"mean"`` or ``"median"`` (of each
        numeric column's present values), ``"most_frequent"`` (every column, text ones too), or
        a dict ``{column: number, text, or one of those strategies}``. Text columns are left
        missing by a number, "mean" or "median"; ``missing`` shows what is left.
        """
        if isinstance(value, dict):
            unknown = [c for c in value if c not in self._cols]
            if unknown:
                raise KeyError(f"fillna: no columns {unknown}; the columns are {self.columns}")
            plan = dict(value)
        elif isinstance(value, str):
            if value not in _STRATEGIES:
                raise ValueError(f"fillna: unknown strategy {value!r}; use a number, one of "
                                 f"{list(_STRATEGIES)}, or a dict {{column: value}} (to fill "
                                 "a text column with a word)")
            plan = {c: value for c in (self._cols if value == "most_frequent"
                                       else self.numeric_columns)}
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            plan = dict.fromkeys(self.numeric_columns, value)
        else:
            raise TypeError(f"fillna: value must be a number, a strategy name or a dict, got "
                            f"{type(value).__name__}")
        fills = {c: _fill_value(c, self._cols[c], v) for c, v in plan.items()}
        cols = {}
        for c, a in self._cols.items():
            mask = _missing_mask(a)
            if c in fills and mask.any():
                a = a.copy()
                a[mask] = fills[c]
                a = self._retype(c, a)
            cols[c] = a
        return self._with(cols)

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Table.to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame({c: a.copy() for c, a in self._cols.items()})

    def _with(self, cols: dict[str, np.ndarray]) -> Table:
        return Table(cols, self.target_name, self.source, self._whole)

    def _retype(self, column: str, a: np.ndarray) -> np.ndarray:
        if column in self._whole and a.dtype.kind == "f" and np.all(a == np.round(a)):
            return a.astype(np.int64)
        return a

    def __repr__(self) -> str:
        gaps = {c: k for c, k in self.missing.items() if k}
        target = f", target={self.target_name!r}" if self.target_name else ""
        return (f"Table({len(self)} rows x {len(self._cols)} columns{target}, "
                f"missing: {gaps or 'none'})")


def _missing_mask(a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        return np.array([v is None for v in a], dtype=bool)
    if a.dtype.kind == "f":
        return np.isnan(a)
    return np.zeros(len(a), dtype=bool)


def _fill_value(column: str, a: np.ndarray, how: Any) -> Any:
    present = a[~_missing_mask(a)]
    if how == "most_frequent":
        if present.size == 0:
            raise ValueError(f"fillna: column {column!r} has no values to take the most "
                             "frequent from")
        counts = Counter(present.tolist())
        top = max(counts.values())
        return sorted(v for v, k in counts.items() if k == top)[0]
    text = a.dtype == object
    if how in ("mean", "median"):
        if text:
            raise ValueError(f"fillna: column {column!r} holds text, which has no {how}; use "
                             f"'most_frequent' or a word for it")
        if present.size == 0:
            raise ValueError(f"fillna: column {column!r} has no values to take the {how} of")
        return float(np.mean(present) if how == "mean" else np.median(present))
    if text:
        if not isinstance(how, str):
            raise TypeError(f"fillna: column {column!r} holds text; fill it with text, got "
                            f"{how!r}")
        return how
    if isinstance(how, bool) or not isinstance(how, numbers.Real):
        raise TypeError(f"fillna: column {column!r} holds numbers; fill it with a number or "
                        f"one of {list(_STRATEGIES)}, got {how!r}")
    return float(how)


def _number(text: str, decimal: str) -> float | None:
    if decimal != ".":
        text = text.replace(decimal, ".")
    try:
        return float(text)
    except ValueError:
        return None


def _column(name: str, values: list[str], lines: list[int], na: frozenset, decimal: str,
            as_text: bool, where: str) -> tuple[np.ndarray, bool]:
    """One column's array, and whether its values are written as whole numbers; raises on a
    non-number in a column of numbers."""
    if as_text:
        return np.array([None if v in na else v for v in values], dtype=object), False
    parsed = [None if v in na else _number(v, decimal) for v in values]
    present = sum(v not in na for v in values)
    numbers_found = sum(p is not None for p in parsed)
    if numbers_found == present or numbers_found > present - numbers_found:
        for v, p, line in zip(values, parsed, lines):
            if p is None and v not in na:
                raise ValueError(f"{where}, line {line}, column {name!r}: {v!r} is not a number,"
                                 f" while {numbers_found} of the column's {present} values are "
                                 f"(pass categorical=[{name!r}] to read it as text, or add "
                                 f"{v!r} to na_values)")
        col = np.array([math.nan if p is None else p for p in parsed], dtype=np.float64)
        whole = present > 0 and all(_is_int(v) for v in values if v not in na)
        return (col.astype(np.int64) if whole and present == len(values) else col), whole
    if decimal == "." and all(_number(v, ",") is not None for v in values if v not in na):
        example = next(v for v in values if v not in na)
        raise ValueError(f"{where}, column {name!r}: values like {example!r} are numbers written "
                         "with a decimal comma (pass decimal=',') or with thousands separators "
                         f"(remove them); pass categorical=[{name!r}] to read them as text")
    return np.array([None if v in na else v for v in values], dtype=object), False


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def load_csv(path: str | os.PathLike, target: str | int | None = None,
             delimiter: str | None = None, *, header: bool = True, decimal: str = ".",
             na_values: Iterable[str] | None = None, categorical: Sequence[str] = (),
             encoding: str = "utf-8-sig") -> Table:
    """Read a CSV file into a Table: ``data = load_csv(path, target="quality")``, then
    ``data.X``, ``data.y``, ``data.feature_names``, ``data.missing``, or ``X, y = data``.

    ``delimiter``: found from the first lines when not given (one of , ; tab |); quoted
    fields and a quoted header are read as csv does. ``target``: the column to predict, by
    name or position (-1: the last). ``header=False``: the file has no header row; the
    columns are named column_0, column_1, ... ``decimal=","`` reads 7,4 as 7.4.
    ``na_values``: the texts that mean a missing value (default ``NA_VALUES``: empty, NA, NaN,
    null, ?, ...). A column whose values are all numbers is numeric; one whose values are
    mostly text is categorical (``categorical`` forces columns to text). A row with the wrong
    number of fields, or a stray text in a numeric column, raises naming its line.
    ``encoding``: the file's text encoding (default UTF-8, with or without a byte-order mark;
    "latin-1" for a file saved by Excel on Windows).
    """
    where = os.fspath(path)
    na = NA_VALUES if na_values is None else frozenset(str(v) for v in na_values)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"load_csv: delimiter must be one character, got {delimiter!r}")
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise ValueError(f"load_csv: decimal must be one character, got {decimal!r}")
    try:
        with open(where, newline="", encoding=encoding) as f:
            text = f.read()
    except UnicodeDecodeError as err:
        # a spreadsheet on Windows saves "año" in cp1252 (Latin-1), not in UTF-8
        line = err.object[:err.start].count(b"\n") + 1
        name = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise ValueError(f"load_csv: {where}, line {line}, is not {name} text (byte "
                         f"{err.object[err.start:err.start + 1]!r}); pass the file's "
                         "encoding, e.g. encoding='latin-1' for a file saved by Excel on "
                         "Windows") from None
    if delimiter is None:
        delimiter = _sniff(text[:65536], decimal)
    if decimal == delimiter:
        raise ValueError(f"load_csv: decimal and delimiter are both {decimal!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    names: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        fields = [v.strip() for v in row]
        if names is None:
            if header:
                names = [v or f"column_{i}" for i, v in enumerate(fields)]
                continue
            names = [f"column_{i}" for i in range(len(fields))]
        if len(fields) != len(names):
            raise ValueError(f"{where}, line {reader.line_num}: {len(fields)} fields where the "
                             f"header has {len(names)} (delimiter {delimiter!r})")
        rows.append(fields)
        lines.append(reader.line_num)
    if names is None:
        raise ValueError(f"load_csv: {where} is empty")
    repeated = sorted(n for n, k in Counter(names).items() if k > 1)
    if repeated:
        raise ValueError(f"load_csv: {where} names columns {repeated} more than once")
    forced = list(categorical)
    absent = [c for c in forced if c not in names]
    if absent:
        raise KeyError(f"load_csv: categorical names columns {absent} that {where} does not "
                       f"have; its columns are {names}")
    if target is not None:
        if isinstance(target, numbers.Integral) and not isinstance(target, bool):
            if not -len(names) <= target < len(names):
                raise IndexError(f"load_csv: target={target} is out of range for "
                                 f"{len(names)} columns")
            target = names[target]
        elif target not in names:
            raise KeyError(f"load_csv: no column {target!r} in {where}; its columns are "
                           f"{names}")
    columns, whole = {}, []
    for j, name in enumerate(names):
        columns[name], is_whole = _column(name, [r[j] for r in rows], lines, na, decimal,
                                          name in forced, where)
        if is_whole:
            whole.append(name)
    return Table(columns, target, where, whole)
