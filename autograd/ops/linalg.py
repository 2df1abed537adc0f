"""Matrix products."""

from __future__ import annotations

import numpy as np

from ..scalar_math import rule
from ..tensor import result
from .elementwise import _lift_pair, _reflected, sum_to


def matmul(input, other):
    """input @ other as numpy's matmul: 1-D vectors, 2-D matrices, and stacks of matrices whose
    batch dimensions broadcast (torch's argument names, ``matmul(input=x, other=y)``)."""
    a, b = _lift_pair(input, other)
    x, y = a._array, b._array
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got {a.shape} and {b.shape}")
    try:
        data = np.matmul(x, y)
    except ValueError:
        inner = y.shape[0] if y.ndim == 1 else y.shape[-2]
        if x.shape[-1] == inner:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} match in their matrix dims, but their "
                f"batch dims {x.shape[:-2]} and {y.shape[:-2]} cannot be broadcast together"
            ) from None
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not match (the last dim of the first, "
            f"{x.shape[-1]}, must equal the {'only' if y.ndim == 1 else 'second-to-last'} dim "
            f"of the second, {inner})"
        ) from None
    return result(data, (a, b), _matmul)


rmatmul = _reflected(matmul)


@rule("matmul", reads="others")
def _matmul(node, g):
    a, b = node._parents
    x, y = a._array, b._array
    if x.ndim == 2 and y.ndim == 2:  # the common case, straight to BLAS
        return (g @ y.T if a.requires_grad else None, x.T @ g if b.requires_grad else None)
    if x.ndim == 1 and y.ndim == 1:  # a dot product: g is a scalar
        return (g * y if a.requires_grad else None, g * x if b.requires_grad else None)
    if x.ndim == 1:
        x, g = x[None, :], np.expand_dims(g, -2)
    if y.ndim == 1:
        y, g = y[:, None], np.expand_dims(g, -1)
    ga = gb = None
    if a.requires_grad:
        ga = g @ np.swapaxes(y, -1, -2)
        ga = sum_to(ga[..., 0, :] if a._array.ndim == 1 else ga, a._array.shape)
    if b.requires_grad:
        gb = np.swapaxes(x, -1, -2) @ g
        gb = sum_to(gb[..., 0] if b._array.ndim == 1 else gb, b._array.shape)
    return ga, gb


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one node, weight of shape (out, in) as torch's F.linear: one
    matrix product and an in-place bias add, where the composed form makes three nodes."""
    w = weight._array
    if x._array.ndim == 0 or x._array.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            f"(the input's last dim must be {w.shape[-1]})"
        )
    if bias is not None and bias._array.shape != w.shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of shape "
                         f"{weight.shape} (it must have shape ({w.shape[0]},))")
    data = np.matmul(x._array, w.T)
    if bias is None:
        return result(data, (x, weight), _linear)
    data += bias._array
    return result(data, (x, weight, bias), _linear)


@rule("linear", reads="others")
def _linear(node, g):
    x, weight = node._parents[0], node._parents[1]
    gx = g @ weight._array if x.requires_grad else None
    gw = None
    if weight.requires_grad:  # rows of every batch dimension together: (out, N) @ (N, in)
        gw = g.reshape(-1, g.shape[-1]).T @ x._array.reshape(-1, x._array.shape[-1])
    if len(node._parents) == 2:
        return gx, gw
    bias = node._parents[2]
    gb = g.reshape(-1, g.shape[-1]).sum(axis=0) if bias.requires_grad else None
    return gx, gw, gb


def _check_dims(op: str, what: str, t, ndim: int, name: str) -> None:
    if t._array.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {what} ({ndim}-d), got shape {t.shape}")


def mm(input, mat2):
    """The product of two matrices, (n, m) @ (m, p) (torch.mm: no broadcasting)."""
    input, mat2 = _lift_pair(input, mat2)
    _check_dims("mm", "a matrix", input, 2, "input")
    _check_dims("mm", "a matrix", mat2, 2, "mat2")
    return matmul(input, mat2)


def bmm(input, mat2):
    """A batch of matrix products, (b, n, m) @ (b, m, p) (torch.bmm: no broadcasting)."""
    input, mat2 = _lift_pair(input, mat2)
    _check_dims("bmm", "a batch of matrices", input, 3, "input")
    _check_dims("bmm", "a batch of matrices", mat2, 3, "mat2")
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: batch sizes differ, {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def dot(input, other):
    """The dot product of two 1-d tensors of one length, sum(x * y) (torch.dot)."""
    input, other = _lift_pair(input, other)
    _check_dims("dot", "a 1-d tensor", input, 1, "input")
    _check_dims("dot", "a 1-d tensor", other, 1, "other")
    if input.shape != other.shape:
        raise ValueError(f"dot: the two vectors differ in length, {input.shape} and "
                         f"{other.shape}")
    return matmul(input, other)


def mv(input, vec):
    """A matrix times a vector, (n, m) @ (m,) (torch.mv)."""
    input, vec = _lift_pair(input, vec)
    _check_dims("mv", "a matrix", input, 2, "input")
    _check_dims("mv", "a 1-d vector", vec, 1, "vec")
    return matmul(input, vec)
