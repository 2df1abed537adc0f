"""In-place ops with PyTorch's rules: ``+= -= *= /=``, ``t[i] = v`` and the ``_``-suffixed
methods.

Each one is its out-of-place op written back into the tensor's own array, so every name for the
tensor, and every view of it, sees the change, and its version counter goes up:

- on a leaf that requires grad, outside ``no_grad``, they raise (torch's message): the change
  could not be differentiated, and ``w -= lr * w.grad`` would silently stop training;
- under ``no_grad`` (or where nothing requires grad) they just change the values;
- otherwise they are recorded: the tensor's old self (its graph, and a copy of its values)
  moves to a hidden node, and the tensor becomes the result of the op applied to it.

Backward refuses an op whose saved input changed afterwards (graph.py), so a tensor changed
between forward and backward raises instead of giving a wrong gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..graph import _Clock, _mode, no_grad
from ..tensor import Tensor, default_generator, lift
from . import elementwise as ew
from .shape import index_put

_LEAF_MESSAGE = (
    "a leaf Variable that requires grad is being used in an in-place operation ({op} on a "
    "tensor of shape {shape}); change it under `with no_grad():`, or use an out-of-place op"
)


def apply_(t: Tensor, op: str, fn, *args) -> Tensor:
    """``t <- fn(t, *args)`` in place, recorded when grad mode is on and anything requires grad.
    Everything is checked before ``t`` changes."""
    recording = _mode.grad_enabled and (
        t.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)
    )
    if recording and t.requires_grad and t._backward is None:
        raise RuntimeError(_LEAF_MESSAGE.format(op=op, shape=t.shape))
    if not recording:
        with no_grad():
            new = fn(t, *args)
        _write(t, new._array, op)
        return t
    if t._ver is not None and t._ver.viewed:
        raise RuntimeError(
            f"{op} on a tensor of shape {t.shape} that shares memory with a view in the graph: "
            "retrograd records in-place ops only on tensors that are not views; use an "
            "out-of-place op, or .clone() first"
        )
    old = _former_self(t)
    # y.mul_(y) reads y's old self: the new node must not list itself among its parents
    new = fn(old, *(old if a is t else a for a in args))
    _write(t, new._array, op)
    t._parents, t._backward, t._saved = new._parents, new._backward, new._saved
    t.requires_grad = True
    t._tick = _Clock.now  # made now: its own version change is not a change after the fact
    return t


def _former_self(t: Tensor) -> Tensor:
    """A node that takes over ``t``'s place in the graph, with a copy of its current values."""
    old = Tensor._wrap(t._array.copy())
    old.requires_grad = t.requires_grad
    old._parents, old._backward, old._saved, old._tick = t._parents, t._backward, t._saved, t._tick
    return old


def _write(t: Tensor, values: np.ndarray, op: str) -> None:
    """Copy ``values`` into ``t``'s array, after checking that it fits without changing ``t``'s
    shape or dtype kind (torch refuses ``int_tensor += 0.5``)."""
    target = t._array
    if not np.can_cast(values.dtype, target.dtype, casting="same_kind"):
        raise RuntimeError(f"{op}: result type {values.dtype} can't be cast to the tensor's "
                           f"dtype {target.dtype}")
    try:
        shape = np.broadcast_shapes(values.shape, target.shape)
    except ValueError:
        shape = None
    if shape != target.shape:
        raise RuntimeError(f"{op}: a result of shape {values.shape} does not fit in place into "
                           f"a tensor of shape {target.shape}")
    if not target.flags.writeable:
        raise RuntimeError(f"{op}: this tensor of shape {target.shape} is a read-only view (an "
                           "expand, say) whose elements share memory; use .clone() first")
    np.copyto(target, values, casting="same_kind")
    t._mark_modified()


# -- the methods ----------------------------------------------------------------------------------


def _binary_(name: str, op):
    def method(self, other):
        return apply_(self, name, op, other)

    method.__name__ = name
    method.__doc__ = f"In place: self = self {name.strip('_')} other."
    return method


def add_(self, other, alpha=1):
    """self += alpha * other, in place."""
    return apply_(self, "add_", lambda t, o: t + o * alpha if alpha != 1 else t + o, other)


def sub_(self, other, alpha=1):
    """self -= alpha * other, in place."""
    return apply_(self, "sub_", lambda t, o: t - o * alpha if alpha != 1 else t - o, other)


def _unary_(name: str, op):
    def method(self, *args, **kwargs):
        return apply_(self, name, lambda t: op(t, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In place: self = {name[:-1]}(self)."
    return method


def setitem(self, index, value) -> None:
    """``t[index] = value`` (numpy's indexing), with PyTorch's in-place rules."""
    if not isinstance(value, Tensor):
        value = lift(value, self)
    apply_(self, "__setitem__", lambda t, v: index_put(t, index, v), value)


def fill_(self, value) -> Tensor:
    """Every element set to ``value``, in place."""
    if isinstance(value, Tensor) and value.numel() != 1:
        raise RuntimeError(f"fill_ takes a number or a one-element tensor, got shape "
                           f"{value.shape}")
    return copy_(self, value if isinstance(value, Tensor) else lift(value, self))


def zero_(self) -> Tensor:
    """Every element set to 0, in place."""
    return fill_(self, 0)


def copy_(self, src) -> Tensor:
    """The values of ``src`` (broadcast to this shape, cast to this dtype), in place."""
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    return apply_(self, "copy_", lambda t, s: index_put(t, Ellipsis, s), src)


def _random_(name: str, draw):
    def method(self, *args, generator=None, **kwargs):
        rng = default_generator() if generator is None else generator

        def fill(t):  # drawn only once the op is allowed: a refusal leaves the generator alone
            return index_put(t, Ellipsis, np.asarray(draw(rng, t.shape, *args, **kwargs)))

        return apply_(self, name, fill)

    method.__name__ = name
    method.__doc__ = f"Fill with samples of {draw.__doc__}, in place (seeded by manual_seed)."
    return method


def _uniform(rng, shape, a=0.0, b=1.0):
    """U(a, b)"""
    if not a <= b:
        raise ValueError(f"uniform_: the lower bound {a} is above the upper bound {b}")
    return rng.uniform(a, b, shape)


def _normal(rng, shape, mean=0.0, std=1.0):
    """N(mean, std^2)"""
    if not std >= 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return rng.normal(mean, std, shape)


def clamp_(self, min=None, max=None) -> Tensor:
    """Clamp into [min, max], in place."""
    return apply_(self, "clamp_", lambda t: ew.clip(t, min, max))


def masked_fill_(self, mask, value) -> Tensor:
    """``value`` where ``mask`` is true, in place."""
    mask = np.asarray(mask._array if isinstance(mask, Tensor) else mask, dtype=bool)
    if isinstance(value, numbers.Number):
        value = lift(value, self)
    return apply_(self, "masked_fill_", lambda t, v: ew.where(mask, v, t), value)


METHODS = {
    "__iadd__": _binary_("__iadd__", ew.add),
    "__isub__": _binary_("__isub__", ew.sub),
    "__imul__": _binary_("__imul__", ew.mul),
    "__itruediv__": _binary_("__itruediv__", ew.div),
    "__setitem__": setitem,
    "add_": add_,
    "sub_": sub_,
    "mul_": _binary_("mul_", ew.mul),
    "div_": _binary_("div_", ew.div),
    "pow_": _binary_("pow_", ew.pow),
    "neg_": _unary_("neg_", ew.neg),
    "abs_": _unary_("abs_", ew.abs),
    "exp_": _unary_("exp_", ew.exp),
    "log_": _unary_("log_", ew.log),
    "sqrt_": _unary_("sqrt_", ew.sqrt),
    "tanh_": _unary_("tanh_", ew.tanh),
    "sigmoid_": _unary_("sigmoid_", ew.sigmoid),
    "relu_": _unary_("relu_", ew.relu),
    "clamp_": clamp_,
    "clip_": clamp_,
    "fill_": fill_,
    "zero_": zero_,
    "copy_": copy_,
    "masked_fill_": masked_fill_,
    "uniform_": _random_("uniform_", _uniform),
    "normal_": _random_("normal_", _normal),
}
