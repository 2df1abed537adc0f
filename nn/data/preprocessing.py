"""Scaling numeric columns and encoding categorical ones, as scikit-learn's preprocessing.

Fit on the training rows only, then transform the training, validation and test rows with
the statistics of the training rows: that is how lesson 000 min-max scales its red wine data.
Arrays, lists, Tensors and pandas objects go in; a Tensor comes back as a Tensor, anything
else as a numpy array. A 1-D input is read as one column and comes back 1-D.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._common import as_array, like

__all__ = [
    "NotFittedError", "StandardScaler", "MinMaxScaler", "OneHotEncoder", "LabelEncoder",
    "one_hot",
]


class NotFittedError(ValueError, AttributeError):
    """A transformer was used before ``fit``."""


def _column_names(X: Any) -> list[str] | None:
    columns = getattr(X, "columns", None)
    return None if columns is None else [str(c) for c in columns]


class _Fitted:
    """What every transformer shares: the fitted state check and the column checks."""

    n_features_in_: int | None = None
    feature_names_in_: list[str] | None = None

    def _check_fitted(self, method: str) -> None:
        if self.n_features_in_ is None:
            name = type(self).__name__
            raise NotFittedError(f"this {name} is not fitted yet: call {name}.fit(X) or "
                                 f"fit_transform(X) before {method}()")

    def _table(self, X: Any, method: str, numeric: bool) -> tuple[np.ndarray, bool]:
        """``X`` as a 2-D array, and whether it came in 1-D; checks the column count and
        names against the fit."""
        name = type(self).__name__
        a = as_array(X)
        if a.ndim not in (1, 2):
            raise ValueError(f"{name}.{method}: expected a 2-D array (rows, columns) or one "
                             f"1-D column, got shape {a.shape}")
        flat = a.ndim == 1
        if flat:
            a = a[:, None]
        if numeric and a.dtype.kind not in "biuf":
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{name}.{method}: the data are not all numbers (dtype "
                                 f"{a.dtype}); encode text columns with OneHotEncoder first"
                                 ) from None
        if method != "fit" and self.n_features_in_ is not None:
            if a.shape[1] != self.n_features_in_:
                raise ValueError(f"{name}.{method}: X has {a.shape[1]} columns, but the "
                                 f"{name} was fitted on {self.n_features_in_} columns")
            names = _column_names(X)
            if names is not None and self.feature_names_in_ is not None \
                    and names != self.feature_names_in_:
                raise ValueError(f"{name}.{method}: the columns {names} are not the ones it "
                                 f"was fitted on, {self.feature_names_in_}")
        if method == "fit" and a.shape[0] == 0:
            raise ValueError(f"{name}.fit: X has no rows")
        return a, flat

    def _finite(self, a: np.ndarray, method: str) -> np.ndarray:
        a = a.astype(np.float64, copy=False)
        bad = ~np.isfinite(a).all(axis=0)
        if bad.any():
            cols = [int(i) for i in np.flatnonzero(bad)]
            raise ValueError(f"{type(self).__name__}.{method}: columns {cols} hold nan or "
                             "infinite values; drop or fill the missing values first "
                             "(Table.dropna() / Table.fillna())")
        return a

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)


def _out(X: Any, a: np.ndarray, flat: bool, dtype: np.dtype) -> Any:
    """Float results keep a float32 input's dtype (as scikit-learn), else float64."""
    a = a.astype(np.float32 if dtype == np.float32 else np.float64, copy=False)
    return like(X, a[:, 0] if flat else a)


class StandardScaler(_Fitted):
    """Standardize each column to mean 0 and standard deviation 1: x' = (x - mean) / std,
    with the population std (ddof=0). A constant column (a variance within rounding error of
    0) is left unscaled (divided by 1), as scikit-learn does. Fitted attributes: ``mean_``,
    ``var_``, ``scale_``, ``n_features_in_``, ``n_samples_seen_``."""

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        self.with_mean = bool(with_mean)
        self.with_std = bool(with_std)
        self.mean_: np.ndarray | None = None
        self.var_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None
        self.n_samples_seen_: int | None = None

    def fit(self, X: Any, y: Any = None) -> StandardScaler:
        """Learn each column's mean and standard deviation."""
        a = self._finite(self._table(X, "fit", True)[0], "fit")
        mean, var = a.mean(axis=0), a.var(axis=0)
        # scikit-learn's bound on the rounding error of a variance: below it, a constant column
        n, eps = a.shape[0], np.finfo(np.float64).eps
        constant = var <= n * eps * var + (n * mean * eps) ** 2
        self.mean_ = mean if self.with_mean else None
        self.var_ = var if self.with_std else None
        self.scale_ = np.where(constant, 1.0, np.sqrt(var)) if self.with_std else None
        self.n_features_in_, self.n_samples_seen_ = a.shape[1], a.shape[0]
        self.feature_names_in_ = _column_names(X)
        return self

    def transform(self, X: Any) -> Any:
        """x' = (x - mean_) / scale_."""
        self._check_fitted("transform")
        a, flat = self._table(X, "transform", True)
        z = self._finite(a, "transform")
        if self.mean_ is not None:
            z = z - self.mean_
        if self.scale_ is not None:
            z = z / self.scale_
        return _out(X, z, flat, a.dtype)

    def inverse_transform(self, X: Any) -> Any:
        """x = x' * scale_ + mean_."""
        self._check_fitted("inverse_transform")
        a, flat = self._table(X, "inverse_transform", True)
        x = self._finite(a, "inverse_transform")
        if self.scale_ is not None:
            x = x * self.scale_
        if self.mean_ is not None:
            x = x + self.mean_
        return _out(X, x, flat, a.dtype)

    def __repr__(self) -> str:
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"


class MinMaxScaler(_Fitted):
    """Rescale each column to ``feature_range`` (default [0, 1]):
    x' = (x - min) / (max - min) * (hi - lo) + lo, with the min and max of the rows it was
    fitted on, so other rows may fall outside the range (unless ``clip``). A constant column
    (max - min below 10 machine epsilons) maps to ``lo``, as scikit-learn does. Fitted
    attributes: ``data_min_``, ``data_max_``, ``data_range_``, ``scale_``, ``min_``
    (x' = x * scale_ + min_)."""

    def __init__(self, feature_range: tuple[float, float] = (0, 1), clip: bool = False):
        try:
            lo, hi = (float(v) for v in feature_range)
        except (TypeError, ValueError):
            raise ValueError(f"MinMaxScaler: feature_range must be a pair (min, max), got "
                             f"{feature_range!r}") from None
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: the minimum of feature_range must be smaller than "
                             f"its maximum, got {feature_range!r}")
        self.feature_range = (lo, hi)
        self.clip = bool(clip)
        self.data_min_: np.ndarray | None = None
        self.data_max_: np.ndarray | None = None
        self.data_range_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None
        self.min_: np.ndarray | None = None
        self.n_samples_seen_: int | None = None

    def fit(self, X: Any, y: Any = None) -> MinMaxScaler:
        """Learn each column's minimum and maximum."""
        a = self._finite(self._table(X, "fit", True)[0], "fit")
        lo, hi = self.feature_range
        dmin, dmax = a.min(axis=0), a.max(axis=0)
        drange = dmax - dmin
        self.data_min_, self.data_max_, self.data_range_ = dmin, dmax, drange
        self.scale_ = (hi - lo) / np.where(drange < 10 * np.finfo(np.float64).eps, 1.0, drange)
        self.min_ = lo - dmin * self.scale_
        self.n_features_in_, self.n_samples_seen_ = a.shape[1], a.shape[0]
        self.feature_names_in_ = _column_names(X)
        return self

    def transform(self, X: Any) -> Any:
        """x' = x * scale_ + min_ (clipped to feature_range with ``clip``)."""
        self._check_fitted("transform")
        a, flat = self._table(X, "transform", True)
        z = self._finite(a, "transform") * self.scale_ + self.min_
        if self.clip:
            z = np.clip(z, *self.feature_range)
        return _out(X, z, flat, a.dtype)

    def inverse_transform(self, X: Any) -> Any:
        """x = (x' - min_) / scale_."""
        self._check_fitted("inverse_transform")
        a, flat = self._table(X, "inverse_transform", True)
        x = (self._finite(a, "inverse_transform") - self.min_) / self.scale_
        return _out(X, x, flat, a.dtype)

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range}, clip={self.clip})"


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float | np.floating) and np.isnan(v))


def _categories(values: np.ndarray, where: str, column: str) -> list:
    """The sorted distinct values of one column."""
    if any(_is_missing(v) for v in values):
        raise ValueError(f"{where}: column {column} has missing values; fill or drop them "
                         "first (Table.fillna() / Table.dropna())")
    distinct = set(values.tolist())
    try:
        return sorted(distinct)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in distinct})
        raise TypeError(f"{where}: column {column} mixes values of types {kinds}; make them "
                        "one type (all text or all numbers)") from None


class OneHotEncoder(_Fitted):
    """One 0/1 column per category of each input column: a row with category c_j gets 1 in
    column j of its block and 0 elsewhere. Categories are each column's sorted distinct values
    at fit time (``categories_``). An unseen category at transform time raises
    (``handle_unknown="error"``) or becomes an all-zero block (``"ignore"``). The output is a
    dense array of ``dtype``."""

    def __init__(self, handle_unknown: str = "error", dtype: Any = np.float64):
        if handle_unknown not in ("error", "ignore"):
            raise ValueError(f"OneHotEncoder: handle_unknown must be 'error' or 'ignore', got "
                             f"{handle_unknown!r}")
        self.handle_unknown = handle_unknown
        self.dtype = np.dtype(dtype)
        self.categories_: list[np.ndarray] | None = None

    def _name(self, j: int) -> str:
        names = self.feature_names_in_
        return f"{j} ({names[j]!r})" if names else str(j)

    def fit(self, X: Any, y: Any = None) -> OneHotEncoder:
        """Learn each column's categories."""
        a = self._table(X, "fit", False)[0]
        names = _column_names(X)
        label = (lambda j: f"{j} ({names[j]!r})") if names else str
        cats = [_categories(a[:, j], "OneHotEncoder.fit", label(j)) for j in range(a.shape[1])]
        self.categories_ = [np.array(c, dtype=object) for c in cats]
        self._index = [{v: i for i, v in enumerate(c)} for c in cats]
        self.n_features_in_ = a.shape[1]
        self.feature_names_in_ = names
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The one-hot matrix, (rows, total number of categories)."""
        self._check_fitted("transform")
        a = self._table(X, "transform", False)[0]
        rows, blocks = a.shape[0], []
        for j, index in enumerate(self._index):
            col = a[:, j].tolist()
            codes = np.array([index.get(v, -1) for v in col], dtype=np.int64)
            unknown = codes < 0
            if unknown.any() and self.handle_unknown == "error":
                seen = sorted({repr(v) for v, u in zip(col, unknown) if u})
                raise ValueError(f"OneHotEncoder.transform: found unknown categories "
                                 f"[{', '.join(seen[:10])}] in column {self._name(j)}, which "
                                 f"was fitted with {self.categories_[j].tolist()}; pass "
                                 "handle_unknown='ignore' to encode them as all zeros")
            block = np.zeros((rows, len(index)), dtype=self.dtype)
            block[np.flatnonzero(~unknown), codes[~unknown]] = 1
            blocks.append(block)
        return np.concatenate(blocks, axis=1)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """The categories back, (rows, columns) of objects; an all-zero block (an ignored
        unknown category) gives None."""
        self._check_fitted("inverse_transform")
        a = as_array(X)
        width = sum(len(c) for c in self.categories_)
        if a.ndim != 2 or a.shape[1] != width:
            raise ValueError(f"OneHotEncoder.inverse_transform: expected shape (rows, {width}), "
                             f"got {a.shape}")
        out = np.empty((a.shape[0], len(self.categories_)), dtype=object)
        start = 0
        for j, cats in enumerate(self.categories_):
            block = a[:, start:start + len(cats)]
            start += len(cats)
            found = block.max(axis=1) > 0
            if not found.all() and self.handle_unknown == "error":
                row = int(np.flatnonzero(~found)[0])
                raise ValueError(f"OneHotEncoder.inverse_transform: row {row} has no category "
                                 f"set in column {self._name(j)}")
            out[:, j] = [cats[k] if f else None for k, f in zip(block.argmax(axis=1), found)]
        return out

    def get_feature_names_out(self) -> list[str]:
        """``column_category`` for each output column (columns are x0, x1, ... unless fitted on
        a pandas DataFrame)."""
        self._check_fitted("get_feature_names_out")
        names = self.feature_names_in_ or [f"x{j}" for j in range(self.n_features_in_)]
        return [f"{n}_{c}" for n, cats in zip(names, self.categories_) for c in cats]

    def __repr__(self) -> str:
        return f"OneHotEncoder(handle_unknown={self.handle_unknown!r})"


class LabelEncoder:
    """Class labels to integers 0..k-1 in sorted order of the labels (``classes_``), for
    targets: ``["tinto", "blanco", "tinto"]`` -> ``[1, 0, 1]``."""

    def __init__(self):
        self.classes_: np.ndarray | None = None

    @staticmethod
    def _labels(y: Any, method: str) -> np.ndarray:
        a = as_array(y)
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim != 1:
            raise ValueError(f"LabelEncoder.{method}: expected one label per row (1-D), got "
                             f"shape {a.shape}")
        return a

    def fit(self, y: Any) -> LabelEncoder:
        """Learn the classes."""
        a = self._labels(y, "fit")
        if a.size == 0:
            raise ValueError("LabelEncoder.fit: y is empty")
        cats = _categories(a.astype(object), "LabelEncoder.fit", "y")
        self.classes_ = np.array(cats, dtype=a.dtype if a.dtype.kind in "biufU" else object)
        self._index = {v: i for i, v in enumerate(cats)}
        return self

    def _check_fitted(self, method: str) -> None:
        if self.classes_ is None:
            raise NotFittedError(f"this LabelEncoder is not fitted yet: call "
                                 f"LabelEncoder.fit(y) or fit_transform(y) before {method}()")

    def transform(self, y: Any) -> Any:
        """Each label's index in ``classes_`` (int64)."""
        self._check_fitted("transform")
        labels = self._labels(y, "transform").tolist()
        unseen = sorted({repr(v) for v in labels if v not in self._index})
        if unseen:
            raise ValueError(f"LabelEncoder.transform: y contains previously unseen labels "
                             f"[{', '.join(unseen[:10])}]; the known ones are "
                             f"{self.classes_.tolist()}")
        return like(y, np.array([self._index[v] for v in labels], dtype=np.int64))

    def fit_transform(self, y: Any) -> Any:
        """``fit(y)`` then ``transform(y)``."""
        return self.fit(y).transform(y)

    def inverse_transform(self, y: Any) -> np.ndarray:
        """The labels for integer codes."""
        self._check_fitted("inverse_transform")
        codes = self._labels(y, "inverse_transform")
        k = len(self.classes_)
        if codes.size and (codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= k):
            bad = [v for v in codes.tolist() if not (isinstance(v, int) and 0 <= v < k)]
            raise ValueError(f"LabelEncoder.inverse_transform: codes must be integers in "
                             f"0..{k - 1}, got {bad[:10]}")
        return self.classes_[codes.astype(np.int64)]

    def __repr__(self) -> str:
        return "LabelEncoder()"


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = np.float32) -> Any:
    """Class indices to one-hot rows: shape (..., num_classes), 1 at each label's index.

    ``num_classes`` defaults to max(labels) + 1. The rows are float32 (Keras'
    ``to_categorical``; torch's ``F.one_hot`` gives int64: pass ``dtype="int64"``), ready to
    be a target of CrossEntropyLoss with probabilities. A Tensor gives a Tensor.
    """
    a = as_array(labels)
    if a.dtype.kind == "f" and a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        a = a.astype(np.int64)
    if a.size and a.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be integer class indices, got dtype {a.dtype}; "
                         "turn text labels into integers with LabelEncoder first")
    if num_classes is None:
        if a.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from no labels; pass it")
        num_classes = int(a.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
            or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive integer, got {num_classes!r}")
    if a.size and (a.min() < 0 or a.max() >= num_classes):
        bad = a[(a < 0) | (a >= num_classes)]
        raise ValueError(f"one_hot: labels must lie in 0..{num_classes - 1}, got "
                         f"{sorted(set(bad.tolist()))[:10]}")
    out = np.zeros((*a.shape, int(num_classes)), dtype=np.dtype(dtype))
    np.put_along_axis(out, a.astype(np.int64)[..., None], 1, axis=-1)
    return like(labels, out)
