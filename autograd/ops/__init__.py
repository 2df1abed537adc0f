"""The Tensor ops by family. Importing this package gives Tensor its operators and methods."""

import functools

import numpy as np

from .. import tensor
from ..tensor import CPU, Tensor, _dtype, is_device, lift
from . import elementwise, inplace, linalg, reduce, shape

_METHODS = {
    "__add__": elementwise.add,
    "__radd__": elementwise.radd,
    "__sub__": elementwise.sub,
    "__rsub__": elementwise.rsub,
    "__mul__": elementwise.mul,
    "__rmul__": elementwise.rmul,
    "__truediv__": elementwise.div,
    "__rtruediv__": elementwise.rdiv,
    "__pow__": elementwise.pow,
    "__rpow__": elementwise.rpow,
    "__neg__": elementwise.neg,
    "__abs__": elementwise.abs,
    "__matmul__": linalg.matmul,
    "__rmatmul__": linalg.rmatmul,
    "__lt__": elementwise.lt,
    "__le__": elementwise.le,
    "__gt__": elementwise.gt,
    "__ge__": elementwise.ge,
    "__eq__": elementwise.eq,
    "__ne__": elementwise.ne,
    "__getitem__": shape.getitem,
    "add": elementwise.add,
    "sub": elementwise.sub,
    "mul": elementwise.mul,
    "div": elementwise.div,
    "pow": elementwise.pow,
    "neg": elementwise.neg,
    "abs": elementwise.abs,
    "exp": elementwise.exp,
    "log": elementwise.log,
    "sqrt": elementwise.sqrt,
    "tanh": elementwise.tanh,
    "sigmoid": elementwise.sigmoid,
    "relu": elementwise.relu,
    "leaky_relu": elementwise.leaky_relu,
    "elu": elementwise.elu,
    "gelu": elementwise.gelu,
    "silu": elementwise.silu,
    "softplus": elementwise.softplus,
    "clip": elementwise.clip,
    "clamp": elementwise.clip,
    "maximum": elementwise.maximum,
    "minimum": elementwise.minimum,
    "matmul": linalg.matmul,
    "sum": reduce.sum,
    "mean": reduce.mean,
    "max": reduce.max,
    "min": reduce.min,
    "var": reduce.var,
    "std": reduce.std,
    "logsumexp": reduce.logsumexp,
    "softmax": reduce.softmax,
    "log_softmax": reduce.log_softmax,
    "reshape": shape.reshape,
    "view": shape.reshape,
    "flatten": shape.flatten,
    "transpose": shape.transpose,
    "permute": shape.permute,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
    "expand": shape.expand,
    "split": shape.split,
    "__floordiv__": elementwise.floor_divide,
    "__rfloordiv__": elementwise.rfloordiv,
    "__mod__": elementwise.remainder,
    "__rmod__": elementwise.rremainder,
    "floor_divide": elementwise.floor_divide,
    "remainder": elementwise.remainder,
    "sin": elementwise.sin,
    "cos": elementwise.cos,
    "sign": elementwise.sign,
    "round": elementwise.round,
    "floor": elementwise.floor,
    "ceil": elementwise.ceil,
    "trunc": elementwise.trunc,
    "masked_fill": elementwise.masked_fill,
    "eq": elementwise.eq,
    "ne": elementwise.ne,
    "lt": elementwise.lt,
    "le": elementwise.le,
    "gt": elementwise.gt,
    "ge": elementwise.ge,
    "amax": reduce.amax,
    "amin": reduce.amin,
    "norm": reduce.norm,
    "prod": reduce.prod,
    "cumsum": reduce.cumsum,
    "topk": reduce.topk,
    "sort": reduce.sort,
    "argsort": reduce.argsort,
    "allclose": reduce.allclose,
    "isclose": reduce.isclose,
    "equal": reduce.equal,
    "mm": linalg.mm,
    "bmm": linalg.bmm,
    "dot": linalg.dot,
    "mv": linalg.mv,
    "t": shape.t,
    "clone": shape.clone,
    "contiguous": shape.contiguous,
    "repeat": shape.repeat,
    "chunk": shape.chunk,
    "gather": shape.gather,
    "new_tensor": tensor.new_tensor,
    "new_zeros": tensor.new_zeros,
    "new_ones": tensor.new_ones,
    "new_empty": tensor.new_empty,
    "new_full": tensor.new_full,
}

for _name, _fn in {**_METHODS, **inplace.METHODS}.items():
    setattr(Tensor, _name, _fn)


_NO_INPUT = object()


def accepts_constants(op):
    """``op`` as a module-level function: a first argument that is not a Tensor (a number, a
    list, an array) is taken as a constant tensor, in the dtype of a tensor beside it if
    there is one, so ``autograd.maximum(0.0, t)`` works like ``t.maximum(0.0)``."""

    @functools.wraps(op)
    def function(a=_NO_INPUT, /, *args, **kwargs):
        if a is _NO_INPUT:  # torch's keyword for the first argument: matmul(input=x, ...)
            if "input" not in kwargs:
                raise TypeError(f"{op.__name__}() needs a tensor as its first argument (input)")
            a = kwargs.pop("input")
        if not isinstance(a, Tensor):
            a = lift(a, args[0]) if args and isinstance(args[0], Tensor) else Tensor(a)
        return op(a, *args, **kwargs)

    return function


def _astype(self, dtype):
    return elementwise.cast(self, dtype)


def _to(self, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False):
    """This tensor in another dtype, as torch's ``to``: ``to(torch.float64)``, ``to(other)``
    (other's dtype), ``to("cpu")``, ``to("cpu", torch.float64)``, ``to(dtype=...)``. The
    result is this very tensor when nothing changes (and ``copy`` is False). Any device other
    than the CPU raises: retrograd computes on the CPU."""
    target = None
    for arg in args:
        if isinstance(arg, Tensor):
            target = arg.dtype
        elif is_device(arg):
            tensor.check_device(arg)
        else:
            target = arg
    tensor.check_device(device)
    if dtype is not None:
        target = dtype
    out = self if target is None else elementwise.cast(self, _dtype(target))
    return shape.clone(out) if copy and out is self else out


def _cpu(self):
    """This tensor itself: it is already on the CPU, the only device retrograd has."""
    return self


def _cuda(self, *args, **kwargs):
    raise RuntimeError(tensor._not_cpu("cuda"))


_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}
_TYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def _type(self, dtype=None):
    """With no argument, torch's type name ('torch.FloatTensor'); with a dtype (or such a
    name), this tensor cast to it."""
    if dtype is None:
        return _TYPE_NAMES.get(self.dtype, f"tensor of {self.dtype}")
    return elementwise.cast(self, _dtype(_TYPES.get(dtype, dtype)))


def _caster(dtype, name: str):
    def cast(self):
        return elementwise.cast(self, dtype)

    cast.__name__ = name
    cast.__doc__ = f"This tensor as {np.dtype(dtype)} (torch's .{name}())."
    return cast


def _any(self, axis=None):
    return Tensor._wrap(self._array.any(axis=axis))


def _all(self, axis=None):
    return Tensor._wrap(self._array.all(axis=axis))


def _argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
    axis = axis if dim is None else dim
    return Tensor._wrap(np.argmax(self._array, axis=axis, keepdims=bool(keepdim or keepdims)))


def _argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
    axis = axis if dim is None else dim
    return Tensor._wrap(np.argmin(self._array, axis=axis, keepdims=bool(keepdim or keepdims)))


Tensor.astype = _astype
Tensor.to = _to
Tensor.cpu = _cpu
Tensor.cuda = _cuda
Tensor.type = _type
Tensor.float = _caster(np.float32, "float")
Tensor.double = _caster(np.float64, "double")
Tensor.half = _caster(np.float16, "half")
Tensor.long = _caster(np.int64, "long")
Tensor.int = _caster(np.int32, "int")
Tensor.bool = _caster(np.bool_, "bool")
Tensor.device = property(lambda self: CPU, doc="Where the values live: always the CPU here.")
Tensor.is_cuda = False
Tensor.nelement = Tensor.numel
Tensor.any = _any
Tensor.all = _all
Tensor.argmax = _argmax
Tensor.argmin = _argmin
Tensor.T = property(lambda self: shape.transpose(self), doc="The axes reversed (numpy's .T).")
