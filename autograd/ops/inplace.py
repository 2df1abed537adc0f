"""In-place ops with PyTorch's rules: ``+= -= *= /=``, ``t[i] = v`` and the ``_``-suffixed
methods.

Each one is its out-of-place op written back into the tensor's own array, so every name for the
tensor, and every view of it, sees the change, and its version counter goes up:

- on a leaf that requires grad, outside ``no_grad``, they raise (torch's message): the change
  could not be differentiated, and ``w -= lr * w.grad`` would silently stop training;
- under ``no_grad`` (or where nothing requires grad) they just change the values;
- otherwise they are recorded: the tensor's former self (its node, its hooks, and a copy of its
  values) moves to a hidden node, the op's input, and the tensor becomes the op's result. Ops
  that used the tensor before keep their edge to the former self (graph._check_versions), so
  ``y = x + 1; x.mul_(2)`` and ``x += 0.5 * x`` differentiate as in torch.
- Through a view of a tensor in the graph (``x[0] += 1``, ``x.T.add_(1)``) the viewed tensor is
  rewritten too, as torch's CopySlices does. Other views of it taken before the change are not
  re-derived as torch does: backward through one raises, saying to take it again. A value that
  requires grad written through a view of a tensor that does not (``x[i][j] = v``) is refused:
  write ``x[i, j] = v``. A view taken before a tensor joined the graph stays a constant.

Backward refuses an op whose saved values changed afterwards (graph.py), so a tensor changed
between forward and backward raises instead of giving a wrong gradient. Where torch refuses an
output changed by a recorded in-place op (``h = x.exp(); h.mul_(2)``), the former self's copy
holds the values the op saved, and the gradient is right.
"""

from __future__ import annotations

import numbers
import weakref

import numpy as np

from ..graph import Kept, _Clock, _mode, no_grad
from ..tensor import _RETAIN, LEAF_VIEW, Tensor, _Former, _Version, default_generator, lift
from . import elementwise as ew
from .shape import as_strided, copy_slices, index_put, view_root

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
        _check_fits(t, new._array, op)
        _write(t, new._array)
        return t
    root, positions = view_root(t, fresh=True)
    if root is not None:
        return _through_view(t, root, positions, op, fn, args)
    if t._saved is LEAF_VIEW:
        raise RuntimeError(
            f"{op} with a value that requires grad, on a view of shape {t.shape} of a tensor "
            "that does not: that tensor would not see the graph. Write into the tensor itself "
            "(x[i, j] = v rather than x[i][j] = v), or clone() the view first"
        )
    old = _former_self(t)
    # an op reading t reads its former self; so does one reading a view of t
    new = fn(old, *(_stand_in(a, t, old) for a in args))
    _check_fits(t, new._array, op)
    _write(t, new._array)
    _become(t, new, old)
    return t


def _through_view(t: Tensor, root: Tensor, positions, op: str, fn, args) -> Tensor:
    """An in-place op on ``t``, a view of ``root``, recorded as torch records it: ``root``
    becomes a copy of its former self with the op's result written at t's positions
    (copy_slices), and ``t`` becomes the view of that at its positions (as_strided)."""
    if root._backward is None:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({op} on a view of shape {t.shape} of a leaf of shape {root.shape}); "
            "change it under `with no_grad():`, or use an out-of-place op"
        )
    old_root = _former_self(root)
    old = _former_self(t, as_strided(old_root, positions))
    new = fn(old, *(_stand_in(a, root, old_root) for a in args))
    _check_fits(t, new._array, op)
    whole = copy_slices(old_root, positions, new)
    _write(t, new._array)  # through the shared memory: root holds whole's values now
    _become(root, whole, old_root)
    _become(t, as_strided(root, positions), old, release=False)
    t._parents += (old,)  # where backward finds t's former self (graph._used_self)
    return t


def _former_self(t: Tensor, like: Tensor | None = None) -> _Former:
    """A node to take over ``t``'s place in the graph: ``like``'s node and values (by default
    t's own node and a copy of its values), t's version as it stands."""
    like = t if like is None else like
    old = Tensor.__new__(_Former)
    old._become_leaf(like._array.copy() if like is t else like._array)
    old.requires_grad = t.requires_grad
    old.label = t.label
    old._parents, old._backward, old._saved = like._parents, like._backward, like._saved
    old._tick = t._tick
    ver = t._ver
    old._ver = None if ver is None else _Version(ver.count, ver.at)
    return old


def _stand_in(a, t: Tensor, old: _Former):
    """What an argument of an in-place op on ``t`` is read as: t's former self for t, and the
    same view of the former self for a view of t (whose own graph the op will leave behind)."""
    if a is t:
        return old
    if isinstance(a, Tensor) and a._ver is not None and a._ver is t._ver:
        root, positions = view_root(a)
        if root is t:
            return as_strided(old, positions)
    return a


def _become(t: Tensor, new: Tensor, old: _Former, release: bool = True) -> None:
    """``t`` takes ``new``'s node (after its values were written); its former self ``old``
    takes the hooks registered so far (torch's rule), t keeps retain_grad. ``release``: t's node
    lets go of what it saved, its former self included, at backward (a view's node keeps its
    positions, so that later in-place ops still find the tensor it views)."""
    hooks = t._hooks
    if hooks:
        moved = {key: hook for key, hook in hooks.items() if key is not _RETAIN}
        for key in moved:
            key.owner = weakref.ref(old)
        old._hooks = moved or None
        t._hooks = {_RETAIN: None} if _RETAIN in hooks else None
    made_at = _mode.made_at  # anomaly mode: where each node was made moves with the node
    if made_at is not None:
        for src, dst in ((t, old), (new, t)):
            entry = made_at.get(id(src))
            if entry is not None and entry[0]() is src:
                made_at[id(dst)] = (weakref.ref(dst), entry[1])
    saved = new._saved
    t._parents, t._backward = new._parents, new._backward
    t._saved = tuple(saved) if release and saved.__class__ is Kept else saved
    t.requires_grad = True
    t._tick = old._until = _Clock.now  # made now: its own version change is not a later one


def _check_fits(t: Tensor, values: np.ndarray, op: str) -> None:
    """Refuse, before anything changes, a result that does not fit into ``t`` without changing
    its shape or dtype kind (torch refuses ``int_tensor += 0.5``), or a read-only ``t``."""
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


def _write(t: Tensor, values: np.ndarray) -> None:
    """Copy ``values`` into ``t``'s array (checked by _check_fits) and count the change."""
    np.copyto(t._array, values, casting="same_kind")
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
