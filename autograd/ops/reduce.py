"""Reductions and the softmax family. ``axis`` is an int, a tuple of ints or None (all axes);
``dim`` and ``keepdim`` are accepted as PyTorch spells them."""

from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from ..graph import KEEP
from ..scalar_math import rule
from ..tensor import floating, result


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


@rule("sum")
def _sum(node, g):
    return (_filled(_spread(g, node), node._parents[0]._array.shape),)


def mean(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    a = floating(a)
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a._array.ndim, "mean")
    return result(a._array.mean(axis=axes, keepdims=keepdims), (a,), _mean, (axes,))


@rule("mean")
def _mean(node, g):
    shape = node._parents[0]._array.shape
    n = _count(shape, node._saved[0])
    return (_filled(_spread(g, node) / n, shape),)


def _extreme(fn, op, backward_rule):
    def reduce(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
        axes = normalize_axis(axis, a._array.ndim, op)
        if a._array.size == 0:
            raise ValueError(f"{op} of an empty tensor of shape {a.shape}")
        return result(fn(a._array, axis=axes, keepdims=keepdims), (a,), backward_rule, (axes,))

    reduce.__name__ = op
    reduce.__doc__ = (
        f"The {op} along ``axis``; tied elements share the gradient evenly (PyTorch's a{op})."
    )
    return reduce


def _to_winners(node, g):
    """The gradient of a max or a min: to the elements equal to it, shared among ties."""
    x = node._parents[0]._array
    winners = x == _spread(node._array, node)
    count = winners.sum(axis=node._saved[0], keepdims=True)
    return (winners * (_spread(g, node) / count).astype(g.dtype, copy=False),)


max = _extreme(np.max, "max", rule("max")(lambda node, g: _to_winners(node, g)))
min = _extreme(np.min, "min", rule("min")(lambda node, g: _to_winners(node, g)))


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


@rule("var")
def _var(node, g):
    _, d, dof = node._saved
    return (_spread(g, node) * d * (2 / dof if dof > 0 else np.inf),)


def std(a, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None, keepdim=None,
        unbiased=None):
    """Standard deviation, sqrt(var) with the same arguments. Where it is 0 (all elements
    equal) its gradient is taken as 0, as PyTorch does, instead of 0/0."""
    v = var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim, unbiased=unbiased)
    return result(np.sqrt(v._array), (v,), _std, KEEP)


@rule("std")
def _std(node, g):
    s = node._array
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.where(s == 0, 0, g / (2 * s)).astype(s.dtype, copy=False),)


def _shift(x: np.ndarray, axes) -> np.ndarray:
    """max(x) over ``axes``, kept dims, as the shift that keeps exp from overflowing (0 where
    the max is +-inf or nan)."""
    m = np.max(x, axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def _stable_logsumexp(x: np.ndarray, axes) -> np.ndarray:
    """log(sum(exp(x))) over ``axes``, kept dims, without overflow."""
    m = _shift(x, axes)
    return m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))


def logsumexp(a, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) along ``axis``, computed without overflow."""
    a = floating(a)
    axis, keepdims = _pick_axis(axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a._array.ndim, "logsumexp")
    lse = _stable_logsumexp(a._array, axes)
    data = lse if keepdims else lse.reshape(np.sum(a._array, axis=axes).shape)
    return result(data, (a,), _logsumexp, (axes, lse))


@rule("logsumexp")
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


@rule("softmax")
def _softmax(node, g):
    s, ax = node._array, node._saved
    return (s * (g - np.sum(g * s, axis=ax, keepdims=True)),)


def log_softmax(a, axis: int = -1, *, dim=None):
    """x - logsumexp(x) along ``axis`` (last by default): stable for any logits."""
    a = floating(a)
    axis = axis if dim is None else dim
    ax = single_axis(axis, a._array.ndim, "log_softmax")
    z = a._array - _shift(a._array, ax)
    return result(z - np.log(np.sum(np.exp(z), axis=ax, keepdims=True)), (a,), _log_softmax, ax)


@rule("log_softmax")
def _log_softmax(node, g):
    ax = node._saved
    return (g - np.exp(node._array) * np.sum(g, axis=ax, keepdims=True),)

