"""The Tensor ops by family. Importing this package gives Tensor its operators and methods."""

import functools

import numpy as np

from ..tensor import Tensor, lift
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
}

for _name, _fn in {**_METHODS, **inplace.METHODS}.items():
    setattr(Tensor, _name, _fn)


def accepts_constants(op):
    """``op`` as a module-level function: a first argument that is not a Tensor (a number, a
    list, an array) is taken as a constant tensor, in the dtype of a tensor beside it if
    there is one, so ``autograd.maximum(0.0, t)`` works like ``t.maximum(0.0)``."""

    @functools.wraps(op)
    def function(a, *args, **kwargs):
        if not isinstance(a, Tensor):
            a = lift(a, args[0]) if args and isinstance(args[0], Tensor) else Tensor(a)
        return op(a, *args, **kwargs)

    return function


def _astype(self, dtype):
    return elementwise.cast(self, dtype)


def _float(self):
    """This tensor as float32 (torch's .float())."""
    return elementwise.cast(self, "float32")


def _double(self):
    """This tensor as float64 (torch's .double())."""
    return elementwise.cast(self, "float64")


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
Tensor.to = _astype
Tensor.float = _float
Tensor.double = _double
Tensor.any = _any
Tensor.all = _all
Tensor.argmax = _argmax
Tensor.argmin = _argmin
Tensor.T = property(lambda self: shape.transpose(self), doc="The axes reversed (numpy's .T).")
