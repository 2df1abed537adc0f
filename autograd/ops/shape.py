"""Ops that move elements without changing them: reshape, transpose, indexing, joining."""

from __future__ import annotations

import numbers

import numpy as np

from ..graph import KEEP
from ..scalar_math import rule
from ..tensor import Tensor, result, share_version
from .elementwise import sum_to
from .reduce import normalize_axis, single_axis


def _sizes(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def reshape(a, *shape):
    """The same elements in a new shape (one entry may be -1); a view where numpy can."""
    shape = _sizes(shape)
    try:
        data = a._array.reshape(shape)
    except (ValueError, TypeError):
        raise ValueError(
            f"reshape: cannot view shape {a.shape} ({a._array.size} elements) as {shape}"
        ) from None
    return share_version(result(data, (a,), _reshape, KEEP), a)


@rule("reshape")
def _reshape(node, g):
    return (g.reshape(node._parents[0]._array.shape),)


def flatten(a, start_dim: int = 0, end_dim: int = -1):
    """Merge dimensions start_dim..end_dim into one (all of them by default), as torch."""
    ndim = a._array.ndim
    if ndim == 0:
        return reshape(a, 1)
    (first,) = normalize_axis(start_dim, ndim, "flatten")
    (last,) = normalize_axis(end_dim, ndim, "flatten")
    if first > last:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = a._array.shape
    merged = int(np.prod(shape[first:last + 1], dtype=np.int64))
    return reshape(a, shape[:first] + (merged,) + shape[last + 1:])


def transpose(a, *axes):
    """No argument: reverse the axes (numpy, ``.T``). Two ints: swap those two dimensions
    (torch). A full permutation: as ``permute``."""
    ndim = a._array.ndim
    axes = _sizes(axes)
    if not axes:
        perm = tuple(reversed(range(ndim)))
    elif len(axes) == 2:
        i, j = (normalize_axis(x, ndim, "transpose")[0] for x in axes)
        perm = list(range(ndim))
        perm[i], perm[j] = perm[j], perm[i]
        perm = tuple(perm)
    else:
        return permute(a, *axes)
    return share_version(result(a._array.transpose(perm), (a,), _permute, perm), a)


def permute(a, *dims):
    """Reorder the dimensions: ``dims`` is a permutation of range(ndim)."""
    dims = _sizes(dims)
    ndim = a._array.ndim
    perm = tuple(d + ndim if -ndim <= d < 0 else d for d in dims)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {ndim} dims of a "
                         f"tensor of shape {a.shape}")
    return share_version(result(a._array.transpose(perm), (a,), _permute, perm), a)


@rule("permute")
def _permute(node, g):
    return (g.transpose(np.argsort(node._saved)),)


def squeeze(a, axis=None, *, dim=None):
    """Drop dimensions of size 1 (all, or those named that have size 1, as torch)."""
    axis = axis if dim is None else dim
    shape = a._array.shape
    axes = normalize_axis(axis, a._array.ndim, "squeeze")
    keep = [n for i, n in enumerate(shape) if not (n == 1 and (axes is None or i in axes))]
    return reshape(a, tuple(keep))


def unsqueeze(a, dim: int):
    """Insert a dimension of size 1 at ``dim`` (negative counts from the new end)."""
    ndim = a._array.ndim + 1
    (d,) = normalize_axis(dim, ndim, "unsqueeze")
    shape = a._array.shape
    return reshape(a, shape[:d] + (1,) + shape[d:])


def expand(a, *sizes):
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension (torch)."""
    sizes = _sizes(sizes)
    lead = len(sizes) - a._array.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {a.shape} to fewer dims {sizes}")
    target = tuple(a._array.shape[i - lead] if n == -1 and i >= lead else n
                   for i, n in enumerate(sizes))
    try:
        data = np.broadcast_to(a._array, target)
    except ValueError:
        raise ValueError(f"expand: cannot expand shape {a.shape} to {sizes}") from None
    return share_version(result(data, (a,), _expand, KEEP), a)


@rule("expand")
def _expand(node, g):
    return (sum_to(g, node._parents[0]._array.shape),)


# -- indexing -------------------------------------------------------------------------------------


def _index_part(part):
    if isinstance(part, Tensor):
        return part._array
    if isinstance(part, list):
        return np.asarray(part)
    return part


def getitem(a, index):
    """Index as numpy: ints, slices, None, ..., integer arrays and boolean masks. The gradient
    of an element picked several times is the sum of its gradients."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_index_part(p) for p in parts)
    key = parts if isinstance(index, tuple) else parts[0]
    try:
        data = a._array[key]
    except IndexError as err:
        raise IndexError(f"index {index!r} into a tensor of shape {a.shape}: {err}") from None
    if not isinstance(data, np.ndarray):  # a single element: as a 0-d view, like torch's
        data = a._array[(*parts, Ellipsis)] if Ellipsis not in parts else np.asarray(data)
    # an integer index array can pick an element twice; then its gradients must add up
    repeats = any(isinstance(p, np.ndarray) and p.ndim > 0 and p.dtype != bool for p in parts)
    return share_version(result(data, (a,), _getitem, (key, repeats)), a)


def index_key(index):
    """A Tensor index (or a list) as the numpy key it stands for."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_index_part(p) for p in parts)
    return parts if isinstance(index, tuple) else parts[0]


def index_put(a, index, value):
    """A copy of ``a`` with ``a[index] = value`` (out of place; ``__setitem__`` writes it back in
    place). Gradients: ``a`` gets g where it was not overwritten, ``value`` gets g[index]."""
    key = index_key(index)
    value = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value))
    data = a._array.copy()
    try:
        data[key] = value._array
    except (IndexError, ValueError) as err:
        raise type(err)(f"setting index {index!r} of a tensor of shape {a.shape} to a value "
                        f"of shape {value.shape}: {err}") from None
    return result(data, (a, value), _index_put, key)


@rule("index_put")
def _index_put(node, g):
    a, value = node._parents
    key = node._saved
    ga = gv = None
    if a.requires_grad:
        ga = g.copy()
        ga[key] = 0
    if value.requires_grad:
        gv = sum_to(np.broadcast_to(g[key], np.broadcast_shapes(g[key].shape, value.shape)),
                    value.shape)
    return ga, gv


@rule("getitem")
def _getitem(node, g):
    key, repeats = node._saved
    x = node._parents[0]._array
    out = np.zeros(x.shape, dtype=g.dtype)
    if repeats:
        np.add.at(out, key, g)
    else:
        out[key] = g
    return (out,)


# -- joining and splitting ------------------------------------------------------------------------


def _check_joinable(op: str, tensors) -> list:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op} needs at least one tensor")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op} takes tensors, got {type(t).__name__}")
    return tensors


def concatenate(tensors, axis: int = 0, *, dim=None):
    """Join tensors along an existing ``axis``."""
    tensors = _check_joinable("concatenate", tensors)
    axis = axis if dim is None else dim
    ax = single_axis(axis, tensors[0]._array.ndim, "concatenate")
    try:
        data = np.concatenate([t._array for t in tensors], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"concatenate along axis {ax}: shapes {shapes} do not fit") from None
    bounds = np.cumsum([t._array.shape[ax] for t in tensors])[:-1]
    return result(data, tuple(tensors), _concatenate, (ax, bounds))


@rule("concatenate")
def _concatenate(node, g):
    ax, bounds = node._saved
    return tuple(np.split(g, bounds, axis=ax))


def stack(tensors, axis: int = 0, *, dim=None):
    """Join tensors of one shape along a new ``axis``."""
    tensors = _check_joinable("stack", tensors)
    axis = axis if dim is None else dim
    ax = single_axis(axis, tensors[0]._array.ndim + 1, "stack")
    try:
        data = np.stack([t._array for t in tensors], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"stack: all tensors need one shape, got {shapes}") from None
    return result(data, tuple(tensors), _stack, ax)


@rule("stack")
def _stack(node, g):
    ax = node._saved
    return tuple(np.take(g, i, axis=ax) for i in range(len(node._parents)))


def split(a, split_size_or_sections, dim: int = 0):
    """Split into pieces along ``dim`` (torch): an int is the size of each piece (the last may
    be smaller), a list gives every piece's size."""
    ax = single_axis(dim, a._array.ndim, "split")
    n = a._array.shape[ax]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: the piece size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(
                f"split: sizes {sizes} add up to {sum(sizes)}, but dim {ax} has size {n}"
            )
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * ax + (slice(start, start + size),)
        pieces.append(getitem(a, index))
        start += size
    return tuple(pieces)
