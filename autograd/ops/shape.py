"""Ops that move elements without changing them: reshape, transpose, indexing, joining."""

from __future__ import annotations

import numbers

import numpy as np

from ..graph import KEEP, Kept, enable_grad, self_at, stale_view
from ..scalar_math import rule
from ..tensor import Tensor, _data, result, share_version
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


@rule("reshape", reads="")
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
    return share_version(result(a._array.transpose(perm), (a,), _permute, Kept(perm)), a)


def permute(a, *dims):
    """Reorder the dimensions: ``dims`` is a permutation of range(ndim)."""
    dims = _sizes(dims)
    ndim = a._array.ndim
    perm = tuple(d + ndim if -ndim <= d < 0 else d for d in dims)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {ndim} dims of a "
                         f"tensor of shape {a.shape}")
    return share_version(result(a._array.transpose(perm), (a,), _permute, Kept(perm)), a)


@rule("permute", reads="")
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


@rule("expand", reads="")
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
        if a._array.ndim == 0:  # PyTorch 0.3's loss.data[0]
            raise IndexError(f"invalid index {index!r} of a 0-d tensor: use tensor.item() to "
                             "get its number") from None
        raise IndexError(f"index {index!r} into a tensor of shape {a.shape}: {err}") from None
    if not isinstance(data, np.ndarray):  # a single element: as a 0-d view, like torch's
        data = a._array[(*parts, Ellipsis)] if Ellipsis not in parts else np.asarray(data)
    # an integer index array can pick an element twice; then its gradients must add up
    repeats = any(isinstance(p, np.ndarray) and p.ndim > 0 and p.dtype != bool for p in parts)
    return share_version(result(data, (a,), _getitem, _kept_if_basic(parts, (key, repeats))), a)


def _kept_if_basic(parts: tuple, saved: tuple) -> tuple:
    """``saved`` as Kept (never released) when the index holds no array, only ints and slices:
    the result is then a view, which a second backward (a view of a weight taken once and used
    at every step, say) may pass again, as through torch's Select and Slice; an index array is
    released as torch does."""
    if any(isinstance(p, np.ndarray) for p in parts):
        return saved
    return Kept(saved)


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


@rule("index_put", reads="")
def _index_put(node, g):
    a, value = node._parents
    key = node._saved
    ga = gv = None
    if a.requires_grad:
        ga = np.array(g)  # a copy, and an array even where g is a numpy scalar (0-d results)
        ga[key] = 0
    if value.requires_grad:
        gv = sum_to(np.broadcast_to(g[key], np.broadcast_shapes(g[key].shape, value.shape)),
                    value.shape)
    return ga, gv


@rule("getitem", reads="")
def _getitem(node, g):
    key, repeats = node._saved
    x = node._parents[0]._array
    out = np.zeros(x.shape, dtype=g.dtype)
    if repeats:
        np.add.at(out, key, g)
    else:
        out[key] = g
    return (out,)


# -- in-place ops through views: where a view's elements lie in the tensor it views -------------

@rule("as_strided", reads="")
def _as_strided(node, g):
    x = node._parents[0]._array
    out = np.zeros(x.size, dtype=g.dtype)
    np.add.at(out, node._saved[0], g)
    # a view written in place also lists its former self, which its gradient does not reach
    return (out.reshape(x.shape),) + (None,) * (len(node._parents) - 1)


# the rules whose result may share its input's memory
_VIEWS = (_reshape, _permute, _expand, _getitem, _as_strided)


def view_root(t, fresh: bool = False):
    """For ``t``, a view in the graph (reshape, transpose, expand or basic indexing of a tensor
    whose memory it shares, maybe through other views): the tensor at the root of those views
    and the flat position there of each of t's elements; (None, None) for any other tensor.
    ``fresh``: refuse a view taken before an in-place op made one of those tensors anew."""
    ver = t._ver
    steps, node = [], t
    while (ver is not None and node._backward in _VIEWS and node._parents
           and node._parents[0]._ver is ver):
        if fresh and node._parents[0]._tick > node._tick:
            raise stale_view(node, node._parents[0])
        steps.append(node)
        node = node._parents[0]
    if not steps:
        return None, None
    positions = np.arange(node._array.size).reshape(node._array.shape)
    for view in reversed(steps):
        positions = _view_again(view, positions)
    return node, positions


def _view_again(view, array: np.ndarray) -> np.ndarray:
    """The view op that made ``view``, applied to ``array`` (shaped as that op's input)."""
    rule = view._backward
    if rule is _reshape:
        return array.reshape(view._array.shape)
    if rule is _permute:
        return array.transpose(view._saved)
    if rule is _expand:
        return np.broadcast_to(array, view._array.shape)
    if rule is _as_strided:
        return np.ravel(array)[view._saved[0]]
    key = view._saved[0]
    parts = key if isinstance(key, tuple) else (key,)
    return array[key] if any(p is Ellipsis for p in parts) else array[(*parts, Ellipsis)]


def as_strided(a, positions: np.ndarray):
    """The elements of ``a`` at the flat ``positions`` (torch's as_strided, with the view
    written as positions): a view of ``a`` taken again, as a copy. The gradient goes back to
    those positions (added up where one is taken twice, as by an expand)."""
    return result(np.ravel(a._array)[positions], (a,), _as_strided, Kept((positions,)))


def rederived(view, tick: int):
    """``view`` taken again from what its root tensor was at ``tick``, when a recorded in-place
    op made a tensor along its chain of views anew after the view was taken (what torch's
    view regeneration gives); None when the chain holds (or ``view`` is no view)."""
    ver = view._ver
    if ver is None or view._backward not in _VIEWS:
        return None
    node, stale = view, False
    while node._backward in _VIEWS and node._parents and node._parents[0]._ver is ver:
        stale = stale or node._parents[0]._tick > node._tick
        node = node._parents[0]
    if not stale:
        return None
    then = self_at(node, tick, view._backward.op)
    _, positions = view_root(view)
    with enable_grad():
        again = as_strided(then, positions)
    again._tick, again._ver = then._tick, then._ver  # as if taken then; then's changes are its
    return again


def copy_slices(a, positions: np.ndarray, value):
    """A copy of ``a`` with ``value`` written at the flat ``positions`` (torch's CopySlices): an
    in-place op through a view, seen from the tensor the view shares memory with. Gradients:
    ``a`` gets g where it was not overwritten, ``value`` gets g at the positions."""
    data = a._array.copy()
    data.reshape(-1)[positions] = value._array
    return result(data, (a, value), _copy_slices, Kept((positions,)))


@rule("copy_slices", reads="")
def _copy_slices(node, g):
    a, value = node._parents
    positions = node._saved[0]
    flat = np.array(g).reshape(-1)  # a copy
    gv = flat[positions] if value.requires_grad else None
    flat[positions] = 0
    return (flat.reshape(g.shape) if a.requires_grad else None), gv


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


@rule("concatenate", reads="")
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


@rule("stack", reads="")
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


# -- copies, repeats, pieces, gathering -----------------------------------------------------------


def t(a):
    """The transpose of a matrix (torch's ``t()``); a 0-d or 1-d tensor comes back as it is."""
    if a._array.ndim > 2:
        raise ValueError(f"t() takes a tensor of at most 2 dims, got shape {a.shape}; use "
                         "transpose(dim0, dim1) or permute")
    return transpose(a)


def clone(a):
    """A copy with its own memory, still in the graph: the gradient passes straight through."""
    return result(a._array.copy(), (a,), _clone, KEEP)


@rule("clone", reads="")
def _clone(node, g):
    return (g,)


def contiguous(a):
    """``a`` itself when its elements lie in row-major order, else a row-major copy (as torch;
    a transpose or a slice with a step is not contiguous)."""
    if a._array.flags.c_contiguous:
        return a
    return result(np.ascontiguousarray(a._array), (a,), _clone, KEEP)


def repeat(a, *sizes):
    """Tile ``a``: dimension i repeated sizes[i] times (torch's ``repeat``, numpy's ``tile``);
    extra leading sizes add dimensions. The gradient sums over the copies."""
    sizes = _sizes(sizes)
    for n in sizes:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
            raise ValueError(f"repeat: the sizes are non-negative integers, got {sizes}")
    if len(sizes) < a._array.ndim:
        raise ValueError(f"repeat: {len(sizes)} sizes {sizes} for a tensor of {a._array.ndim} "
                         f"dims (shape {a.shape}); give one per dim (1 keeps a dim as it is)")
    return result(np.tile(a._array, sizes), (a,), _repeat, tuple(int(n) for n in sizes))


@rule("repeat", reads="")
def _repeat(node, g):
    sizes = node._saved
    shape = node._parents[0]._array.shape
    padded = (1,) * (len(sizes) - len(shape)) + shape
    # g is (r0 * s0, r1 * s1, ...): split each dim into (copy, element) and sum the copies
    split = [n for pair in zip(sizes, padded) for n in pair]
    return (g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(shape),)


def chunk(a, chunks: int, dim: int = 0):
    """Split into ``chunks`` pieces along ``dim``, each ceil(n / chunks) long (the last may be
    shorter, and there may be fewer pieces, as in torch)."""
    if not isinstance(chunks, numbers.Integral) or isinstance(chunks, bool) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    ax = single_axis(dim, a._array.ndim, "chunk")
    n = a._array.shape[ax]
    if n == 0:
        return tuple(getitem(a, (slice(None),) * ax + (slice(0, 0),)) for _ in range(chunks))
    return split(a, -(-n // chunks), ax)


def gather(a, dim: int, index):
    """out[i][j][k] = a[index[i][j][k]][j][k] for dim 0 (and alike for the others), as
    torch.gather: ``index`` has a's number of dims and is no larger than a in the others. The
    gradient goes back to the gathered places (added up where one is gathered twice)."""
    idx = np.asarray(_data(index))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {idx.dtype}")
    x = a._array
    ax = single_axis(dim, x.ndim, "gather")
    if idx.ndim != x.ndim:
        raise ValueError(f"gather: index of shape {idx.shape} needs as many dims as the tensor "
                         f"of shape {a.shape}")
    for d, (m, n) in enumerate(zip(idx.shape, x.shape)):
        if d != ax and m > n:
            raise ValueError(f"gather: index of shape {idx.shape} is larger than the tensor of "
                             f"shape {a.shape} in dim {d}")
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[ax]):
        raise IndexError(f"gather: index values must lie in [0, {x.shape[ax]}) for dim {ax} of "
                         f"shape {a.shape}, got values from {idx.min()} to {idx.max()}")
    key = tuple(idx if d == ax else np.arange(m).reshape((-1,) + (1,) * (idx.ndim - d - 1))
                for d, m in enumerate(idx.shape))
    return result(x[key], (a,), _gather, (key, True))


@rule("gather", reads="")
def _gather(node, g):
    return _getitem(node, g)
