"""Reductions and the softmax family. ``axis`` is an int, a tuple of ints or None (all axes);
``dim`` and ``keepdim`` are accepted as PyTorch spells them."""

from __future__ import annotations

import builtins
import collections
import math
import numbers

import numpy as np

from ..graph import KEEP
from ..scalar_math import rule
from ..tensor import Tensor, _data, floating, result
from . import elementwise as ew


def normalize_axis(axis, ndim: int, op: str):
    """``axis`` as None or a sorted tuple of non-negative ints; a bad one raises, naming it."""
    if axis is None:
        return None
    many = isinstance(axis, tuple | list)
    axes = tuple(axis) if many else (axis,)
    span = builtins.max(ndim, 1)  # a 0-d tensor accepts axis 0 and -1, as in PyTorch
    out = []
    for a in axes:
        if not isinstance(a, numbers.Integral) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -span <= a < span:
            raise IndexError(
                f"{op}: axis {a} is out of range for a tensor with {ndim} dimension"
                f"{'' if ndim == 1 else 's'} (valid: {-span} to {span - 1})"
            )
        out.append(int(a) % span)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis!r} names the same dimension twice")
    return tuple(sorted(out)) if ndim else None


def single_axis(axis, ndim: int, op: str) -> int:
    """A single axis, as ops over one dimension (softmax, concatenate, ...) take."""
    if isinstance(axis, tuple | list) or axis is None:
        raise TypeError(f"{op} works along one axis (an int), got {axis!r}")
    if ndim == 0:
        raise ValueError(f"{op} needs a tensor with at least one dimension, got a 0-d tensor")
    return normalize_axis(axis, ndim, op)[0]


def _pick_axis(axis, dim, keepdims, keepdim):
    return (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)


def _keep_shape(shape: tuple, axes) -> tuple:
    """The reduced shape with the reduced axes kept as 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple, axes) -> int:
    """How many elements each reduced value gathers."""
    return math.prod(shape if axes is None else (shape[i] for i in axes))


def _spread(g: np.ndarray, node) -> np.ndarray:
    """A reduction's gradient, reshaped with the reduced axes kept, ready to broadcast."""
    shape = node._parents[0]._array.shape
    return g.reshape(_keep_shape(shape, node._saved[0]))


def sum(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a._array.ndim, "sum")
    return result(a._array.sum(axis=axes, keepdims=keepdims), (a,), _sum, (axes,))


def _filled(g: np.ndarray, shape: tuple) -> np.ndarray:
    """A new array of ``shape`` holding the broadcast ``g`` (faster than np.broadcast_to for
    the small arrays where overhead matters, and writeable)."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


@rule("sum", reads="")
def _sum(node, g):
    return (_filled(_spread(g, node), node._parents[0]._array.shape),)


def mean(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    a = floating(a)
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a._array.ndim, "mean")
    return result(a._array.mean(axis=axes, keepdims=keepdims), (a,), _mean, (axes,))


@rule("mean", reads="")
def _mean(node, g):
    shape = node._parents[0]._array.shape
    n = _count(shape, node._saved[0])
    return (_filled(_spread(g, node) / n, shape),)


def _extreme(fn, op, backward_rule, doc):
    def reduce(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
        axes = normalize_axis(axis, a._array.ndim, op)
        if a._array.size == 0:
            raise ValueError(f"{op} of an empty tensor of shape {a.shape}")
        return result(fn(a._array, axis=axes, keepdims=keepdims), (a,), backward_rule, (axes,))

    reduce.__name__ = op
    reduce.__doc__ = doc
    return reduce


def _to_winners(node, g, nan_wins: bool):
    """The gradient of a max or a min: to the elements equal to it, shared among ties; with
    ``nan_wins``, a nan result is shared among the nan elements (torch's max() and min() do
    so; its amax and amin give nan)."""
    x = node._parents[0]._array
    m = _spread(node._array, node)
    winners = x == m
    if nan_wins:
        winners |= np.isnan(x) & np.isnan(m)
    count = winners.sum(axis=node._saved[0], keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # amax of a nan: 0 winners, nan
        return (winners * (_spread(g, node) / count).astype(g.dtype, copy=False),)


def _winners_rule(op: str, nan_wins: bool = False):
    """A rule of its own for each op (a rule function carries the op's name)."""
    return rule(op, reads="inputs output")(lambda node, g: _to_winners(node, g, nan_wins))


_EVEN = "tied elements share the gradient evenly"
amax = _extreme(np.max, "amax", _winners_rule("amax"),
                f"The max along ``axis`` (an int, a tuple, None for all), values only; {_EVEN}.")
amin = _extreme(np.min, "amin", _winners_rule("amin"),
                f"The min along ``axis`` (an int, a tuple, None for all), values only; {_EVEN}.")
_max_of = _extreme(np.max, "max", _winners_rule("max", nan_wins=True), "")
_min_of = _extreme(np.min, "min", _winners_rule("min", nan_wins=True), "")


def _return_type(name: str):
    """A named tuple (values, indices), printed as torch prints its ``torch.return_types``."""
    cls = collections.namedtuple(name, ("values", "indices"))
    cls.__repr__ = lambda self: (f"return_types.{name}(\nvalues={self.values!r},\n"
                                 f"indices={self.indices!r})")
    cls.__module__ = "autograd.return_types"
    return cls


RETURN_TYPES = {name: _return_type(name) for name in ("max", "min", "topk", "sort")}


def _picked(op: str):
    """The backward rule of a selection (max or min along a dim, topk, sort): each gradient
    goes to the one element that was picked (torch: not shared among ties)."""

    @rule(op, reads="")
    def scatter(node, g):
        ax, idx = node._saved
        x = node._parents[0]._array
        out = np.zeros(x.shape or (1,), dtype=g.dtype)
        np.put_along_axis(out, idx, g.reshape(idx.shape), axis=ax)
        return (out.reshape(x.shape),)

    return scatter


_PICKED = {name: _picked(name) for name in RETURN_TYPES}


def _along(a, axis, keepdims: bool, op: str, pick):
    """(values, indices) of the max or min along one axis; ties pick the first."""
    x = a._array
    (ax,) = normalize_axis(axis, x.ndim, op) or (0,)  # a 0-d tensor is its own max along 0
    xs = x.reshape(1) if x.ndim == 0 else x
    if xs.shape[ax] == 0:
        raise IndexError(f"{op}: dim {ax} of the tensor of shape {a.shape} is empty, so it has "
                         f"no {op}")
    idx = pick(xs, axis=ax, keepdims=True)
    values = np.take_along_axis(xs, idx, axis=ax)
    shape = () if x.ndim == 0 else values.shape if keepdims else np.squeeze(values, ax).shape
    out = result(values.reshape(shape), (a,), _PICKED[op], (ax, idx))
    return RETURN_TYPES[op](out, Tensor._wrap(idx.reshape(shape).astype(np.int64)))


def _max_or_min(op: str, pick, of_all, elementwise):
    def reduce(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        if isinstance(axis, Tensor):  # torch.max(a, b): the elementwise maximum
            return elementwise(a, axis)
        axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
        if axis is None or isinstance(axis, tuple | list):
            return of_all(a, axis, keepdims)
        return _along(a, axis, keepdims, op, pick)

    reduce.__name__ = op
    reduce.__doc__ = (
        f"With no dim: the {op} of all elements ({_EVEN}). With a dim (an int), as torch: the "
        f"named tuple (values, indices) along it, ``values, indices = x.{op}(1)``, the gradient "
        f"going to the picked (first) element. With a tuple of dims: the values, as a{op}. "
        f"With a tensor: the elementwise {'maximum' if op == 'max' else 'minimum'}."
    )
    return reduce


max = _max_or_min("max", np.argmax, _max_of, ew.maximum)
min = _max_or_min("min", np.argmin, _min_of, ew.minimum)


def var(a, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None, keepdim=None,
        unbiased=None):
    """Variance, sum((x - mean)^2) / (n - correction); correction=1 by default (PyTorch);
    ``unbiased=False`` means correction=0."""
    a = floating(a)
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    axes = normalize_axis(axis, a._array.ndim, "var")
    x = a._array
    d = x - x.mean(axis=axes, keepdims=True)
    dof = builtins.max(_count(x.shape, axes) - correction, 0)  # none left: inf, as torch
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.sum(d * d, axis=axes, keepdims=keepdims) / dof
    return result(data.astype(x.dtype, copy=False), (a,), _var, (axes, d, dof))


@rule("var", reads="")
def _var(node, g):
    _, d, dof = node._saved
    return (_spread(g, node) * d * (2 / dof if dof > 0 else np.inf),)


def std(a, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None, keepdim=None,
        unbiased=None):
    """Standard deviation, sqrt(var) with the same arguments. Where it is 0 (all elements
    equal) its gradient is taken as 0, as PyTorch does, instead of 0/0."""
    v = var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim, unbiased=unbiased)
    return result(np.sqrt(v._array), (v,), _std, KEEP)


@rule("std", reads="output")
def _std(node, g):
    s = node._array
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.where(s == 0, 0, g / (2 * s)).astype(s.dtype, copy=False),)


def _shift(x: np.ndarray, axes) -> np.ndarray:
    """max(x) over ``axes``, kept dims, as the shift that keeps exp from overflowing (0 where
    the max is +-inf or nan)."""
    m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)  # -inf: an empty axis
    return np.where(np.isfinite(m), m, 0)


def _stable_logsumexp(x: np.ndarray, axes) -> np.ndarray:
    """log(sum(exp(x))) over ``axes``, kept dims, without overflow."""
    m = _shift(x, axes)
    s = np.sum(np.exp(x - m), axis=axes, keepdims=True)
    if x.size == 0:  # an empty sum is 0 and its log -inf (torch's answer), without a warning
        return m + np.full_like(s, -np.inf)
    return m + np.log(s)


def logsumexp(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) along ``axis``, computed without overflow."""
    a = floating(a)
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a._array.ndim, "logsumexp")
    lse = _stable_logsumexp(a._array, axes)
    data = lse if keepdims else lse.reshape(np.sum(a._array, axis=axes).shape)
    return result(data, (a,), _logsumexp, (axes, lse))


@rule("logsumexp", reads="inputs")
def _logsumexp(node, g):
    axes, lse = node._saved
    return (_spread(g, node) * np.exp(node._parents[0]._array - lse),)


def softmax(a, axis: int = -1, *, dim=None):
    """exp(x) / sum(exp(x)) along ``axis`` (last by default), shifted by the max."""
    a = floating(a)
    axis = axis if dim is None else dim
    ax = single_axis(axis, a._array.ndim, "softmax")
    e = np.exp(a._array - _shift(a._array, ax))
    e /= np.sum(e, axis=ax, keepdims=True)
    return result(e, (a,), _softmax, ax)


@rule("softmax", reads="output")
def _softmax(node, g):
    s, ax = node._array, node._saved
    return (s * (g - np.sum(g * s, axis=ax, keepdims=True)),)


def log_softmax(a, axis: int = -1, *, dim=None):
    """x - logsumexp(x) along ``axis`` (last by default): stable for any logits."""
    a = floating(a)
    axis = axis if dim is None else dim
    ax = single_axis(axis, a._array.ndim, "log_softmax")
    z = a._array - _shift(a._array, ax)
    out = z if z.size == 0 else z - np.log(np.sum(np.exp(z), axis=ax, keepdims=True))
    return result(out, (a,), _log_softmax, ax)


@rule("log_softmax", reads="output")
def _log_softmax(node, g):
    ax = node._saved
    return (g - np.exp(node._array) * np.sum(g, axis=ax, keepdims=True),)



# -- norms, products, running sums ----------------------------------------------------------------


def norm(a, p=2, dim=None, keepdim: bool = False):
    """The vector p-norm over ``dim`` (all elements by default): (sum |x|^p)^(1/p); p may be
    any number, inf (max |x|), -inf (min |x|), 0 (count of nonzeros) or "fro" (2). At a zero
    norm the gradient is taken as 0, as torch does."""
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise ValueError(f"norm: p must be a number, inf or 'fro', got {p!r} (matrix norms "
                         "such as 'nuc' are not supported)")
    a = floating(a)
    x = a._array
    p = float(p)
    axes = normalize_axis(dim, x.ndim, "norm")
    ax = np.abs(x)
    with np.errstate(divide="ignore", over="ignore"):
        if p == math.inf or p == -math.inf:
            if x.size == 0:
                raise ValueError(f"norm: the {p} norm of an empty tensor of shape {a.shape}")
            data = (np.max if p > 0 else np.min)(ax, axis=axes, keepdims=keepdim)
        elif p == 0:
            data = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            data = np.sum(ax, axis=axes, keepdims=keepdim)
        elif p == 2:
            data = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
        else:
            data = np.sum(ax**p, axis=axes, keepdims=keepdim) ** (1 / p)
    return result(np.asarray(data, dtype=x.dtype), (a,), _norm, (axes, p))


@rule("norm", reads="inputs output")
def _norm(node, g):
    axes, p = node._saved
    x = node._parents[0]._array
    n, g = _spread(node._array, node), _spread(g, node)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 0:
            local = np.zeros_like(x)
        elif p == 1:
            local = np.sign(x)
        elif p == 2:
            local = np.where(n == 0, 0, x / n)
        elif p == math.inf or p == -math.inf:
            winners = np.abs(x) == n
            local = np.sign(x) * winners / winners.sum(axis=axes, keepdims=True)
        else:  # 0 where x = 0 (for p < 1 the power there is inf), as torch
            local = np.where((n == 0) | (x == 0), 0, np.sign(x) * (np.abs(x) / n) ** (p - 1))
    return ((local * g).astype(x.dtype, copy=False),)


def _one_axis(axis, ndim: int, op: str):
    """None, or the one axis an op over a single dimension takes."""
    if axis is None:
        return None
    if isinstance(axis, tuple | list):
        raise TypeError(f"{op} takes one dim (an int) or None, got {axis!r}")
    return normalize_axis(axis, ndim, op)


def prod(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    """The product of the elements along one ``axis`` (all by default); integers and bools
    give int64 (torch). The gradient of each element is the product of the others, computed
    without dividing, so it is right where elements are 0."""
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = _one_axis(axis, a._array.ndim, "prod")
    x = a._array
    if x.dtype.kind in "biu":
        return Tensor._wrap(np.prod(x.astype(np.int64), axis=axes, keepdims=keepdims))
    return result(np.prod(x, axis=axes, keepdims=keepdims), (a,), _prod, (axes,))


def _others_product(x: np.ndarray, ax: int) -> np.ndarray:
    """For each element, the product of the others along ``ax``: the running product from the
    left (exclusive) times the one from the right."""
    n = x.shape[ax]
    if n == 0:
        return np.ones_like(x)
    first = np.ones_like(np.take(x, [0], axis=ax))

    def exclusive(y):
        return np.cumprod(np.concatenate([first, np.take(y, range(n - 1), axis=ax)], axis=ax),
                          axis=ax)

    return exclusive(x) * np.flip(exclusive(np.flip(x, ax)), ax)


@rule("prod", reads="inputs")
def _prod(node, g):
    x = node._parents[0]._array
    axes = node._saved[0]
    if axes is None:
        others = _others_product(x.reshape(-1), 0).reshape(x.shape)
    else:
        others = _others_product(x, axes[0])
    return (others * _spread(g, node),)


def cumsum(a, dim: int):
    """Running sums along ``dim``: out[i] = x[0] + ... + x[i]; integers and bools give int64
    (torch). The gradient is the running sum of the gradient taken from the other end."""
    x = a._array
    ax = 0 if x.ndim == 0 else single_axis(dim, x.ndim, "cumsum")
    if x.dtype.kind in "biu":
        return Tensor._wrap(np.cumsum(x.astype(np.int64), axis=ax).reshape(x.shape))
    return result(np.cumsum(x, axis=ax).reshape(x.shape), (a,), _cumsum, ax)


@rule("cumsum", reads="")
def _cumsum(node, g):
    ax = node._saved
    if g.ndim == 0:
        return (g,)
    return (np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax),)


# -- sorting --------------------------------------------------------------------------------------


def _order(x: np.ndarray, ax: int, descending: bool) -> np.ndarray:
    """Indices that sort ``x`` along ``ax``, ties in their original order, nan counted as the
    largest (torch)."""
    if not descending:
        return np.argsort(x, axis=ax, kind="stable")
    # descending and still stable: sort the reversed array, reverse, map positions back
    n = x.shape[ax]
    return n - 1 - np.flip(np.argsort(np.flip(x, ax), axis=ax, kind="stable"), ax)


def _sorted(a, dim, descending: bool, k, op: str):
    x = a._array
    xs = x.reshape(1) if x.ndim == 0 else x
    ax = 0 if x.ndim == 0 else single_axis(dim, x.ndim, op)
    idx = _order(xs, ax, descending)
    if k is not None:
        idx = np.take(idx, range(k), axis=ax)
    values = np.take_along_axis(xs, idx, axis=ax)
    shape = values.shape if x.ndim else ()
    out = result(values.reshape(shape), (a,), _PICKED[op], (ax, idx))
    return RETURN_TYPES[op](out, Tensor._wrap(idx.reshape(shape).astype(np.int64)))


def sort(a, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along ``dim`` (last by default), as torch.sort; ties keep their
    order (the sort is always stable). The gradient reaches each element through its value."""
    return _sorted(a, dim, bool(descending), None, "sort")


def argsort(a, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort ``a`` along ``dim`` (as sort(...).indices)."""
    return sort(a, dim, descending).indices


def topk(a, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``, largest
    first, as torch.topk; the gradient goes to the picked elements."""
    n = a._array.shape[single_axis(dim, a._array.ndim, "topk")] if a._array.ndim else 1
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be an integer in [0, {n}] for dim {dim} of shape "
                         f"{a.shape}, got {k!r}")
    return _sorted(a, dim, bool(largest), int(k), "topk")


# -- comparing whole tensors ----------------------------------------------------------------------


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| <= atol + rtol * |b|, elementwise, as a bool tensor."""
    return Tensor._wrap(np.isclose(_data(a), _data(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of ``a`` is close to ``b``'s (see isclose)."""
    return bool(np.allclose(_data(a), _data(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b) -> bool:
    """Whether ``a`` and ``b`` have the same shape and the same elements (torch.equal)."""
    x, y = _data(a), _data(b)
    return x.shape == y.shape and bool(np.array_equal(x, y))
