"""Datasets and the DataLoader that cuts them into minibatches, as torch.utils.data.

An epoch is one pass over the data; a step (an iteration) is one minibatch, so an epoch of
n rows in batches of b takes ceil(n / b) steps, the last one short when b does not divide n.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from ._common import as_array, check_generator, check_positive_int, draw_from

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "default_collate"]


class Dataset:
    """A table of samples: subclasses define ``__len__`` and ``__getitem__(i)``, which returns
    one sample (an array, a Tensor, a number, or a tuple or dict of them)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")


class TensorDataset(Dataset):
    """Samples that are rows of tensors sharing their first dimension: ``ds[i]`` is
    ``(t0[i], t1[i], ...)``.

    Takes Tensors, numpy arrays or nested lists; numpy arrays keep their dtype as
    ``autograd.tensor`` does (a float64 array gives float64 batches: pass
    ``X.astype("float32")`` to train in float32). The data are stored detached: a batch never
    carries a graph. ``transform`` (e.g. an augmentation ``Compose``) is applied to the first
    tensor, the inputs, each time a batch or a sample is fetched, so every epoch sees fresh
    draws.
    """

    def __init__(self, *tensors: Any, transform: Callable | None = None):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = [t.numpy() if isinstance(t, Tensor) else autograd.tensor(t).numpy()
                  for t in tensors]
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is a scalar; every tensor needs a "
                                 "first dimension of samples")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError("TensorDataset: the tensors must have the same number of rows, got "
                             + ", ".join(f"{a.shape}" for a in arrays))
        if transform is not None and not callable(transform):
            raise TypeError(f"TensorDataset: transform must be callable, got "
                            f"{type(transform).__name__}")
        self._arrays = arrays
        self.transform = transform

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(autograd.Tensor(a) for a in self._arrays)

    def __len__(self) -> int:
        return self._arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        index = _check_index(index, len(self))
        return tuple(b[0] for b in self._batch(np.array([index])))

    def _batch(self, index: np.ndarray | slice) -> tuple[Tensor, ...]:
        parts = [a[index] for a in self._arrays]
        if self.transform is not None:
            parts[0] = as_array(self.transform(parts[0]))
        return tuple(autograd.Tensor(p) for p in parts)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self._arrays)
        return f"TensorDataset({len(self)} samples: {shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]):
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise ValueError(f"Subset: indices must be a 1-D sequence of integers, got "
                             f"{indices!r:.80}")
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"Subset: index {bad} is out of range for a dataset of {n} samples")
        self.dataset = dataset
        self.indices = [int(i) for i in idx]
        self._idx = idx.astype(np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[_check_index(index, len(self))]]

    def _batch(self, index: np.ndarray | slice) -> Any:
        return _fetch(self.dataset, self._idx[index])

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples)"


def _check_index(index: Any, n: int) -> int:
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"a dataset is indexed by an integer, got {index!r:.80}")
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of range for a dataset of {n} samples")
    return int(index) % n


def _fetch(dataset: Any, index: np.ndarray | slice) -> Any:
    """One collated batch: in one indexing step for tensors and arrays, else sample by
    sample through default_collate."""
    batch = getattr(dataset, "_batch", None)
    if batch is not None:
        return batch(index)
    if isinstance(dataset, np.ndarray | Tensor):
        return autograd.Tensor(as_array(dataset)[index])
    if isinstance(index, slice):
        index = range(*index.indices(len(dataset)))
    return default_collate([dataset[int(i)] for i in index])


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch, as torch's default_collate: arrays, Tensors
    and numbers become a Tensor with a new first dimension (Python floats float64, ints
    int64, as torch), tuples and lists are collated field by field into a tuple, dicts key by
    key, and strings stay a list."""
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    first = batch[0]
    if isinstance(first, Tensor | np.ndarray | np.generic):
        arrays = [as_array(b) for b in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"default_collate: the samples have different shapes "
                             f"{sorted(shapes)}; pad them to one shape or pass a collate_fn")
        return autograd.Tensor(np.stack(arrays))
    if isinstance(first, bool):
        return autograd.Tensor(np.array(batch, dtype=bool))
    if isinstance(first, numbers.Integral):
        return autograd.Tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return autograd.Tensor(np.array(batch, dtype=np.float64))
    if isinstance(first, str | bytes):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, tuple | list):
        sizes = {len(b) for b in batch}
        if len(sizes) > 1:
            raise ValueError(f"default_collate: the samples have different lengths "
                             f"{sorted(sizes)}")
        fields = tuple(default_collate(list(f)) for f in zip(*batch))
        return type(first)(*fields) if hasattr(first, "_fields") else fields
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; "
                    "pass a collate_fn")


class DataLoader:
    """Minibatches of a dataset, one epoch per ``for`` loop (torch.utils.data.DataLoader).

    ``len(loader)`` is the number of steps per epoch: ceil(n / batch_size), or
    floor(n / batch_size) with ``drop_last`` (the short last batch dropped). With ``shuffle``
    every epoch draws a new order from ``generator``, from a fresh ``np.random.default_rng(seed)``
    made here when ``seed`` is given, and otherwise from ``autograd.default_generator()``, so
    ``autograd.manual_seed`` makes the epochs repeat. Batches are Tensors; a dataset of several
    tensors yields tuples, one Tensor per tensor. ``collate_fn`` turns a list of samples into a
    batch (default: ``default_collate``).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None, collate_fn: Callable | None = None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset must define __len__ and __getitem__, got "
                            f"{type(dataset).__name__}")
        batch_size = check_positive_int(batch_size, "batch_size", "DataLoader")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, bool | np.bool_):
                raise TypeError(f"DataLoader: {name} must be True or False, got {flag!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        rng = check_generator(generator, seed, "DataLoader")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = rng
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = draw_from(self.generator).permutation(n) if self.shuffle else None
        stop = len(self) * self.batch_size
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, n)
            index = order[start:end] if order is not None else slice(start, end)
            if self.collate_fn is None:
                yield _fetch(self.dataset, index)
            else:
                rows = order[start:end] if order is not None else range(start, end)
                yield self.collate_fn([self.dataset[int(i)] for i in rows])

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}: {len(self)} batches)")


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping Subsets of the given ``lengths``
    (counts that sum to len(dataset), or fractions that sum to 1: each gets
    floor(n * fraction) and the rows left over go one each to the first subsets, as torch).
    Draws from ``generator``, else from ``autograd.default_generator()``."""
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    rng = check_generator(generator, None, "random_split")
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in lengths):
        counts = [int(x) for x in lengths]
        if any(c < 0 for c in counts) or sum(counts) != n:
            raise ValueError(f"random_split: the lengths {counts} must be non-negative and sum to "
                             f"the dataset's {n} samples (they sum to {sum(counts)})")
    else:
        fractions = [float(x) for x in lengths]
        if any(not 0 <= f <= 1 for f in fractions) or not math.isclose(sum(fractions), 1.0):
            raise ValueError(f"random_split: fractions must lie in [0, 1] and sum to 1, got "
                             f"{lengths} (sum {sum(fractions):g})")
        counts = [math.floor(n * f) for f in fractions]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    order = draw_from(rng).permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
