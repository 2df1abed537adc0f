"""Weight initialisers (torch.nn.init's names and formulas, Keras' names as aliases).

Each one overwrites a tensor's values in place and returns the tensor. Writing ``.data``
records nothing in the graph, so this is what PyTorch does under ``no_grad``. Random ones draw
from ``generator`` (a numpy Generator), by default ``autograd.default_generator()``, so
``autograd.manual_seed(s)`` makes them repeat bit for bit; samples are drawn in float64 and
then cast, so a float32 and a float64 tensor get the same values.

Fans follow PyTorch for a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
fan_out = out * prod(kernel). A Keras kernel is laid out (in, units), the other way round:
for it, ``mode="fan_out"`` of these functions is Keras' fan_in.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import autograd
from autograd import Tensor, increment_version

_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``:
    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu, 3/4 for selu, and
    sqrt(2 / (1 + a^2)) for leaky_relu with negative slope a (``param``, default 0.01)."""
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain('leaky_relu', param): param is the negative slope, "
                             f"a number, got {param!r}")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    valid = ", ".join(sorted([*_GAINS, "leaky_relu"]))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; valid: {valid}")


def _calculate_fan_in_and_fan_out(shape: tuple) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a tensor of at least 2 dimensions, got shape {shape}"
        )
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


def _tensor(t, fn: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn} fills a Tensor or Parameter in place, got {type(t).__name__}")
    return t


def _random_target(t, fn: str, generator) -> tuple[Tensor, np.random.Generator]:
    _tensor(t, fn)
    if t.dtype.kind != "f":
        raise TypeError(f"{fn} needs a float tensor, got dtype {t.dtype}")
    rng = autograd.default_generator() if generator is None else generator
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{fn}: generator must be a numpy Generator, got {type(rng).__name__}")
    return t, rng


def _fill(t: Tensor, values) -> Tensor:
    np.copyto(t.numpy(), np.asarray(values).astype(t.dtype, copy=False))
    increment_version(t)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from U(a, b)."""
    t, rng = _random_target(t, "uniform_", generator)
    if not a <= b:
        raise ValueError(f"uniform_: the lower bound a={a} is above the upper bound b={b}")
    return _fill(t, rng.uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    t, rng = _random_target(t, "normal_", generator)
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(t, rng.normal(mean, std, t.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill(_tensor(t, "constant_"), val)


def zeros_(t: Tensor) -> Tensor:
    return constant_(_tensor(t, "zeros_"), 0)


def ones_(t: Tensor) -> Tensor:
    return constant_(_tensor(t, "ones_"), 1)


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). The sum of fans
    is the same for either layout, so it suits a Keras (in, units) kernel unchanged."""
    t, rng = _random_target(t, "xavier_uniform_", generator)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(t, rng.uniform(-bound, bound, t.shape))


def xavier_normal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). (Keras'
    glorot_normal truncates at 2 std; this one, like PyTorch's, does not.)"""
    t, rng = _random_target(t, "xavier_normal_", generator)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t.shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(t, rng.normal(0.0, std, t.shape))


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str, fn: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{fn}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t.shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain from
    ``calculate_gain(nonlinearity, a)`` and fan the ``mode`` one. With a = sqrt(5) the bound is
    1 / sqrt(fan_in): PyTorch's default for Linear."""
    t, rng = _random_target(t, "kaiming_uniform_", generator)
    if t.numel() == 0:
        return t
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_")
    return _fill(t, rng.uniform(-bound, bound, t.shape))


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan). (Keras' he_normal truncates at
    2 std; this one, like PyTorch's, does not.)"""
    t, rng = _random_target(t, "kaiming_normal_", generator)
    if t.numel() == 0:
        return t
    std = _kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_")
    return _fill(t, rng.normal(0.0, std, t.shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
