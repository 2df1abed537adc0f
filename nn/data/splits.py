"""Train / test and train / validation / test splits of arrays, as scikit-learn's
train_test_split: fit on the training rows, choose settings on the validation rows, and report
on the test rows once at the end."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from ._common import check_seed, draw_from

__all__ = ["train_test_split", "train_val_test_split"]


def _rows(a: Any, where: str) -> int:
    if isinstance(a, Tensor | np.ndarray) and a.ndim == 0:
        raise ValueError(f"{where}: cannot split a scalar")
    try:
        return len(a)
    except TypeError:
        raise TypeError(f"{where}: cannot split a {type(a).__name__}; pass arrays, lists, "
                        "Tensors or pandas objects") from None


def _take(a: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of ``a``, as the same kind of object."""
    if hasattr(a, "iloc"):
        return a.iloc[index]
    if isinstance(a, Tensor):
        return autograd.Tensor(a.numpy()[index])
    if isinstance(a, np.ndarray):
        return a[index]
    if isinstance(a, list | tuple):
        return type(a)(a[int(i)] for i in index)
    return np.asarray(a)[index]


def _count(size: Any, n: int, name: str, where: str) -> int:
    """Rows for a part given as a fraction of n (rounded up, as scikit-learn) or a count."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        if not 0 < size < n:
            raise ValueError(f"{where}: {name}={size} must be between 1 and {n - 1} rows for "
                             f"{n} rows")
        return int(size)
    if isinstance(size, numbers.Real) and not isinstance(size, bool) and 0 < size < 1:
        return math.ceil(float(size) * n)
    raise ValueError(f"{where}: {name} must be a fraction in (0, 1) or a number of rows, got "
                     f"{name}={size!r}")


def _allocate(counts: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Per-class rows for a part of ``size`` rows, proportional to the classes' ``counts``:
    the floor of each quota, then one more row for the largest remainders (ties at random),
    never more than a class has."""
    quota = counts * size / counts.sum()
    take = np.floor(quota).astype(np.int64)
    left = size - take.sum()
    if left:
        remainder = quota - take
        order = np.lexsort((rng.random(len(counts)), -remainder))
        order = order[take[order] < counts[order]]
        take[order[:left]] += 1
    return take


def _parts(n: int, sizes: list[int], names: list[str], shuffle: bool, stratify: Any,
           rng: np.random.Generator, where: str) -> list[np.ndarray]:
    """Row indices of each part; ``sizes`` (named ``names``) are the parts after the first
    (training) one, which takes the rest."""
    if stratify is None:
        order = rng.permutation(n) if shuffle else np.arange(n)
        bounds = np.cumsum([n - sum(sizes), *sizes])
        return np.split(order, bounds[:-1])
    if not shuffle:
        raise ValueError(f"{where}: a stratified split draws rows at random; it needs "
                         "shuffle=True")
    labels = np.asarray(stratify.numpy() if isinstance(stratify, Tensor) else stratify)
    if labels.ndim != 1 and not (labels.ndim == 2 and labels.shape[1] == 1):
        raise ValueError(f"{where}: stratify takes one label per row, got shape {labels.shape}")
    labels = labels.reshape(-1)
    if len(labels) != n:
        raise ValueError(f"{where}: stratify has {len(labels)} labels for {n} rows")
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"{where}: the least populated class in stratify, "
                         f"{classes.tolist()[counts.argmin()]!r}, has only 1 member, which is "
                         "too few; every class needs at least 2 rows")
    words = {"val_size": "validation", "test_size": "test"}
    for name, size in zip(("training", *(words.get(k, k) for k in names)),
                          (n - sum(sizes), *sizes)):
        if size < len(classes):  # a part without every class is not stratified (scikit-learn)
            raise ValueError(f"{where}: the {name} part would get {size} "
                             f"rows for {len(classes)} classes; a stratified split needs at "
                             "least one row per class in every part")
    members = [rng.permutation(np.flatnonzero(codes == k)) for k in range(len(classes))]
    remaining, parts = counts.copy(), []
    for size in sizes:
        take = _allocate(remaining, size, rng)
        parts.append(np.concatenate([m[r - t:r] for m, r, t in zip(members, remaining, take)]))
        remaining = remaining - take
    train = np.concatenate([m[:r] for m, r in zip(members, remaining)])
    return [rng.permutation(p) for p in (train, *parts)]


def _split(arrays: tuple, sizes: dict, shuffle: bool, stratify: Any, seed: Any,
           random_state: Any, where: str) -> list:
    if not arrays:
        raise ValueError(f"{where}: pass at least one array to split")
    lengths = [_rows(a, where) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"{where}: the arrays have different numbers of rows: {lengths}")
    n = lengths[0]
    if seed is not None and random_state is not None:
        raise ValueError(f"{where}: pass seed or random_state (its scikit-learn name), not both")
    seed = seed if seed is not None else random_state
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = draw_from(None if seed is None else np.random.default_rng(check_seed(seed, where)))
    counts = [_count(v, n, k, where) for k, v in sizes.items()]
    if n - sum(counts) < 1:
        asked = ", ".join(f"{k}={v!r}" for k, v in sizes.items())
        raise ValueError(f"{where}: {asked} leave no training rows out of {n} "
                         f"({' + '.join(map(str, counts))} rows asked for)")
    parts = _parts(n, counts, list(sizes), bool(shuffle), stratify, rng, where)
    return [_take(a, p) for a in arrays for p in parts]


def train_test_split(*arrays: Any, test_size: float | int = 0.25, shuffle: bool = True,
                     stratify: Any = None, seed: int | np.random.Generator | None = None,
                     random_state: int | None = None) -> list:
    """Split arrays (numpy arrays, lists, Tensors, pandas objects) with the same rows into
    training and test parts: returns ``X_train, X_test, y_train, y_test, ...`` (scikit-learn's
    order), each part the same kind of object it came from.

    ``test_size`` is a fraction of the rows (rounded up: 0.3 of 1,599 rows is 480 test rows
    and 1,119 training rows) or a count. ``shuffle=False`` keeps the order and makes the last
    rows the test part. ``stratify`` (one label per row) keeps each class's proportion in both
    parts. ``seed`` (or ``random_state``) makes the split repeat; without it the rows are drawn
    from ``autograd.default_generator()``.
    """
    return _split(arrays, {"test_size": test_size}, shuffle, stratify, seed, random_state,
                  "train_test_split")


def train_val_test_split(*arrays: Any, val_size: float | int = 0.15,
                         test_size: float | int = 0.15, shuffle: bool = True,
                         stratify: Any = None, seed: int | np.random.Generator | None = None,
                         random_state: int | None = None) -> list:
    """Split arrays into training, validation and test parts: returns
    ``X_train, X_val, X_test, y_train, y_val, y_test, ...``.

    ``val_size`` and ``test_size`` are fractions of all rows (rounded up) or counts; training
    takes the rest. Otherwise as ``train_test_split``.
    """
    return _split(arrays, {"val_size": val_size, "test_size": test_size}, shuffle, stratify,
                  seed, random_state, "train_val_test_split")
