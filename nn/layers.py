"""Layers: Linear (PyTorch), Dense (Keras), Dropout, Flatten and the activation modules.

Every parameter is drawn from ``autograd.default_generator()``, so ``autograd.manual_seed(s)``
(also ``nn.manual_seed``) before building a model makes its initial weights repeat bit for
bit. Linear and Dense accept numpy arrays and lists as well as Tensors, and cast an input of
another dtype (float64 data into a float32 layer, integer features) to the layer's dtype,
where PyTorch would raise: a friendliness Keras users expect.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter


def _positive_int(n: Any, layer: str, name: str) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {n!r}")
    return int(n)


def _float_dtype(dtype: Any, layer: str) -> np.dtype:
    d = autograd.get_default_dtype() if dtype is None else np.dtype(dtype)
    if d not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{layer}: dtype must be float32 or float64, got {d}")
    return d


def _cast_input(x: Any, dtype: np.dtype) -> Tensor:
    """``x`` as a Tensor of ``dtype``; a Tensor of another dtype is cast (the gradient flows
    back through the cast)."""
    if isinstance(x, Tensor):
        if x.dtype.kind not in "biuf":  # a complex input would silently lose its imaginary part
            raise TypeError(f"a layer's input must hold real numbers, got a Tensor of dtype "
                            f"{x.dtype}")
        return x if x.dtype == dtype else x.astype(dtype)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"a layer's input must be numbers, got {type(x).__name__} {x!r:.60} "
                        f"of dtype {arr.dtype}")
    return Tensor(arr, dtype=dtype)


def _check_features(x: Tensor, expected: int, layer: Module) -> None:
    if x.ndim == 0 or x.shape[-1] != expected:
        got = "a scalar" if x.ndim == 0 else f"{x.shape[-1]} features in its last dimension"
        raise ValueError(
            f"{layer!r} got an input of shape {x.shape} with {got}; it expects {expected} "
            "(the input's last dimension is the features)"
        )


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch.

    Initialised as PyTorch does: W and b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)),
    which is kaiming_uniform_ with a = sqrt(5).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None):
        super().__init__()
        self.in_features = _positive_int(in_features, "Linear", "in_features")
        self.out_features = _positive_int(out_features, "Linear", "out_features")
        dtype = _float_dtype(dtype, "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights from the default generator (PyTorch's default init)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Any) -> Tensor:
        x = _cast_input(x, self.weight.dtype)
        _check_features(x, self.in_features, self)
        return autograd.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


# -- activations by name (Keras' strings) ---------------------------------------------------------

_ACTIVATIONS: dict[str, Callable | None] = {
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": F.softmax,
    "log_softmax": F.log_softmax,
    "gelu": F.gelu,
    "elu": F.elu,
    "swish": F.silu,
    "silu": F.silu,
    "softplus": F.softplus,
    "linear": None,
}


def get_activation(activation: str | Callable | None) -> tuple[str, Callable | None]:
    """(name, function) for a Keras activation name, a callable (a function or a module such
    as nn.ReLU()), or None / "linear" (no activation: the function is None)."""
    if activation is None:
        return "linear", None
    if isinstance(activation, str):
        key = activation.lower()
        if key not in _ACTIVATIONS:
            valid = ", ".join(sorted(_ACTIVATIONS))
            raise ValueError(f"unknown activation {activation!r}; valid names: {valid} "
                             "(or None, or a callable)")
        return key, _ACTIVATIONS[key]
    if callable(activation):
        return getattr(activation, "__name__", type(activation).__name__), activation
    raise TypeError(f"activation must be a name, a callable or None, got "
                    f"{type(activation).__name__} {activation!r:.60}")


class Dense(Module):
    """Keras' fully connected layer: y = activation(x K + b), K of shape (in, units).

    Weights are Glorot uniform, U(-a, a) with a = sqrt(6 / (in + units)), the bias zero
    (Keras' defaults). The input size comes from ``input_shape`` (its last entry) or, if not
    given, from the first input the layer sees. The parameters exist from the start (the
    kernel empty, of shape (0, units), until the input size is known, then filled in place),
    so an optimizer made before the first call trains them, as with PyTorch's lazy layers.
    ``activation`` is a name ("relu", "sigmoid", "tanh", "softmax", "gelu", "elu",
    "swish"/"silu", "softplus", "log_softmax", "linear"), None, or a callable.
    """

    def __init__(self, units: int, activation: str | Callable | None = None,
                 input_shape: Any = None, use_bias: bool = True, dtype: Any = None):
        super().__init__()
        self.units = _positive_int(units, "Dense", "units")
        self.activation_name, self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        dtype = _float_dtype(dtype, "Dense")
        self.in_features: int | None = None
        self.built = False
        self.kernel = Parameter(np.empty((0, self.units), dtype))
        if self.use_bias:
            self.bias = Parameter(np.zeros(self.units, dtype))
        else:
            self.register_parameter("bias", None)
        if input_shape is not None:
            self.build(input_shape)

    @property
    def weight(self) -> Parameter | None:
        """The kernel, under PyTorch's name."""
        return self.kernel

    def build(self, input_shape: Any) -> None:
        """Size the kernel, in place, for inputs whose last dimension is ``input_shape[-1]``
        (or ``input_shape`` itself when it is an int), and draw its weights."""
        if isinstance(input_shape, numbers.Integral):
            size = input_shape
        elif isinstance(input_shape, tuple | list) and len(input_shape) > 0:
            size = input_shape[-1]
        else:
            raise ValueError(f"Dense: input_shape must be an int or a non-empty tuple, got "
                             f"{input_shape!r}")
        size = _positive_int(size, "Dense", "the input size (last entry of input_shape)")
        if self.built:
            raise RuntimeError(f"{self!r} is already built")
        self.in_features = size
        self.kernel.data = np.empty((size, self.units), self.kernel.dtype)
        init.xavier_uniform_(self.kernel)
        self.built = True

    def forward(self, x: Any) -> Tensor:
        x = _cast_input(x, self.kernel.dtype)
        if not self.built:
            if x.ndim == 0:
                raise ValueError(f"{self!r} got a scalar input; it needs shape (..., features)")
            self.build(x.shape)
        _check_features(x, self.in_features, self)
        out = x @ self.kernel
        if self.bias is not None:
            out = out + self.bias
        return out if self.activation is None else self.activation(out)

    def extra_repr(self) -> str:
        body = f"units={self.units}, activation={self.activation_name}, use_bias={self.use_bias}"
        if not self.built:
            return body + ", not built: the first call sets in_features and draws the kernel"
        return f"in_features={self.in_features}, " + body


class Dropout(Module):
    """During training, zero each element with probability p and scale the rest by
    1 / (1 - p); in eval mode, the identity. The mask comes from the default generator."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = F._check_p(p, "Dropout")

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        for name, v in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise TypeError(f"Flatten: {name} must be an int, got {v!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Any) -> Tensor:
        return F._as_tensor(x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# -- activation modules ---------------------------------------------------------------------------


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (exact)."""

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x)


class ELU(Module):
    """x for x > 0, else alpha * (e^x - 1)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SiLU(Module):
    """x * sigmoid(x) (swish)."""

    def forward(self, x: Any) -> Tensor:
        return F.silu(x)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta."""

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Identity(Module):
    """Returns its input unchanged (arguments given to it are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
