"""Elementwise ops: each forward next to its local derivative.

Binary ops broadcast as numpy does; their rules send each gradient back to its input's shape
with ``sum_to``. A rule computes a gradient only for the inputs that require one.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator

import numpy as np

from ..graph import KEEP
from ..scalar_math import rule
from ..tensor import Tensor, _data, floating, get_default_dtype, lift, result


def sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum ``g`` over the axes along which an input of ``shape`` was
    stretched, so the gradient has the input's shape."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _broadcast_error(op: str, a, b, err: ValueError) -> ValueError:
    """numpy's ValueError, told in terms of the op: most often shapes that do not broadcast."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together")
    return ValueError(f"{op} of shapes {a.shape} and {b.shape} ({a.dtype}, {b.dtype}): {err}")


def _lift_pair(a: Tensor, b) -> tuple[Tensor, Tensor]:
    """``b`` as a Tensor (a number takes ``a``'s dtype), and an integer or bool side meeting a
    float side cast to that float dtype first: ``int_tensor * 1.5`` and ``x32 + arange(3)``
    stay float32 as in torch, where numpy would make them float64."""
    if b.__class__ is not Tensor:
        b = lift(b, a)
    ka, kb = a._array.dtype.kind, b._array.dtype.kind
    if ka != kb:
        if ka in "iub" and kb == "f":
            a = Tensor._wrap(a._array.astype(b._array.dtype))
        elif kb in "iub" and ka == "f":
            b = Tensor._wrap(b._array.astype(a._array.dtype))
    return a, b


def _binary(op: str, fn, a: Tensor, b, rule_fn, saved=None) -> Tensor:
    """The shared body of every binary op: operands made alike, ``fn`` on their arrays, the
    error told in the op's terms, the result recorded with ``rule_fn``."""
    if b.__class__ is not Tensor or a._array.dtype is not b._array.dtype:
        a, b = _lift_pair(a, b)
    try:
        data = fn(a._array, b._array)
    except ValueError as err:
        raise _broadcast_error(op, a, b, err) from None
    return result(data, (a, b), rule_fn, saved)


def _reflected(op):
    """``op`` with its operands swapped, for ``2 - t`` (Tensor.__rsub__) and the like."""

    def reflected(a, b):
        return op(*reversed(_lift_pair(a, b)))

    reflected.__name__ = f"r{op.__name__}"
    return reflected


# -- arithmetic -----------------------------------------------------------------------------------


def add(a, b):
    return _binary("add", operator.add, a, b, _add, KEEP)


@rule("add", reads="")
def _add(node, g):
    a, b = node._parents
    return (
        sum_to(g, a._array.shape) if a.requires_grad else None,
        sum_to(g, b._array.shape) if b.requires_grad else None,
    )


def sub(a, b):
    return _binary("sub", operator.sub, a, b, _sub, KEEP)


@rule("sub", reads="")
def _sub(node, g):
    a, b = node._parents
    return (
        sum_to(g, a._array.shape) if a.requires_grad else None,
        sum_to(-g, b._array.shape) if b.requires_grad else None,
    )


def mul(a, b):
    return _binary("mul", operator.mul, a, b, _mul)


@rule("mul", reads="others")
def _mul(node, g):
    a, b = node._parents
    return (
        sum_to(g * b._array, a._array.shape) if a.requires_grad else None,
        sum_to(g * a._array, b._array.shape) if b.requires_grad else None,
    )


def _true_divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x / y; integers divide into the default float dtype (torch), not numpy's float64."""
    q = x / y
    return q.astype(get_default_dtype()) if x.dtype.kind in "iub" else q


def div(a, b):
    """a / b; integers divide into the default float dtype (torch's true division)."""
    return _binary("div", _true_divide, a, b, _div)


@rule("div", reads="inputs output")
def _div(node, g):
    a, b = node._parents
    ga = g / b._array
    return (
        sum_to(ga, a._array.shape) if a.requires_grad else None,
        sum_to(-ga * node._array, b._array.shape) if b.requires_grad else None,
    )


def pow(a, b):
    """a ** b; the exponent may be a number or a tensor."""
    return _binary("pow", np.power, a, b, _pow)


@rule("pow", reads="inputs output")
def _pow(node, g):
    a, b = node._parents
    x, n = a._array, b._array
    ga = gb = None
    if a.requires_grad:  # n x^(n-1), which is 0 where n = 0 (even at x = 0, as torch)
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = np.where(n == 0, 0, g * n * np.power(x, n - 1)).astype(g.dtype, copy=False)
        ga = sum_to(ga, x.shape)
    if b.requires_grad:
        # d(x^n)/dn = x^n log x, taken as 0 where x = 0 (the limit from above)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.where(x == 0, 0, np.log(np.where(x == 0, 1, x)))
        gb = sum_to(g * node._array * log_x, n.shape)
    return ga, gb


radd, rsub, rmul, rdiv, rpow = map(_reflected, (add, sub, mul, div, pow))


def neg(a):
    return result(np.negative(a._array), (a,), _neg, KEEP)


@rule("neg", reads="")
def _neg(node, g):
    return (-g,)


def maximum(a, b):
    """Elementwise max; where the two are equal the gradient is split evenly (PyTorch)."""
    return _binary("maximum", np.maximum, a, b, _maximum)


def minimum(a, b):
    """Elementwise min; where the two are equal the gradient is split evenly (PyTorch)."""
    return _binary("minimum", np.minimum, a, b, _minimum)


def _pick(node, g, a_wins):
    a, b = node._parents
    tie = a._array == b._array
    share = np.where(tie, 0.5, a_wins).astype(g.dtype, copy=False)
    return (
        sum_to(g * share, a._array.shape) if a.requires_grad else None,
        sum_to(g * (1 - share), b._array.shape) if b.requires_grad else None,
    )


@rule("maximum", reads="inputs")
def _maximum(node, g):
    a, b = node._parents
    return _pick(node, g, a._array > b._array)


@rule("minimum", reads="inputs")
def _minimum(node, g):
    a, b = node._parents
    return _pick(node, g, a._array < b._array)


def where(condition, a, b):
    """``a`` where ``condition`` holds, else ``b`` (broadcast together); no gradient flows to
    the condition."""
    cond = np.asarray(_data(condition), dtype=bool)
    if not isinstance(a, Tensor):
        a = lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    b = lift(b, a)
    try:
        data = np.where(cond, a._array, b._array)
    except ValueError:
        raise ValueError(
            f"where: condition {cond.shape}, a {a.shape} and b {b.shape} cannot be broadcast "
            "together"
        ) from None
    return result(data, (a, b), _where, cond)


@rule("where", reads="")
def _where(node, g):
    a, b = node._parents
    cond = node._saved
    zero = np.zeros((), g.dtype)
    return (
        sum_to(np.where(cond, g, zero), a._array.shape) if a.requires_grad else None,
        sum_to(np.where(cond, zero, g), b._array.shape) if b.requires_grad else None,
    )


def clip(a, min=None, max=None):
    """Clamp into [min, max]; the gradient is 1 inside, 0 where clamped (PyTorch)."""
    if min is None and max is None:
        raise ValueError("clip needs min, max or both; got neither")
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    data = np.clip(a._array, lo, hi)
    if data.dtype != a._array.dtype and a._array.dtype.kind == "f":
        data = data.astype(a._array.dtype)
    return result(data, (a,), _clip, (lo, hi))


@rule("clip", reads="inputs")
def _clip(node, g):
    lo, hi = node._saved
    x = node._parents[0]._array
    return (g * ((x >= lo) & (x <= hi)),)


# -- comparisons: bool tensors, no gradient -------------------------------------------------------


def _compare(fn):
    def compare(a, b):
        b = lift(b, a)
        try:
            return Tensor._wrap(fn(a._array, b._array))
        except ValueError as err:
            raise _broadcast_error(fn.__name__, a, b, err) from None

    compare.__name__ = fn.__name__
    return compare


lt, le, gt, ge, eq, ne = map(
    _compare, (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)
)


# -- unary functions ------------------------------------------------------------------------------


def exp(a):
    a = floating(a)
    return result(np.exp(a._array), (a,), _exp)


@rule("exp", reads="output")
def _exp(node, g):
    return (g * node._array,)


def log(a):
    """Natural log: log 0 = -inf, log of a negative = nan (numpy's float semantics)."""
    a = floating(a)
    return result(np.log(a._array), (a,), _log)


@rule("log", reads="inputs")
def _log(node, g):
    return (g / node._parents[0]._array,)


def sqrt(a):
    a = floating(a)
    return result(np.sqrt(a._array), (a,), _sqrt)


@rule("sqrt", reads="output")
def _sqrt(node, g):
    return (g / (2 * node._array),)


def abs(a):
    """|x|; its derivative at 0 is 0 (PyTorch)."""
    return result(np.abs(a._array), (a,), _abs)


@rule("abs", reads="inputs")
def _abs(node, g):
    return (g * np.sign(node._parents[0]._array),)


def tanh(a):
    a = floating(a)
    return result(np.tanh(a._array), (a,), _tanh)


@rule("tanh", reads="output")
def _tanh(node, g):
    t = node._array
    return (g * (1 - t * t),)


def _sigmoid_of(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) through e = e^-|x|, which never overflows: 1 / (1 + e) for x >= 0 and
    e / (1 + e) below, both exact to the last bit for any x."""
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


def sigmoid(a):
    """1 / (1 + e^-x), without overflow for any x."""
    a = floating(a)
    return result(_sigmoid_of(a._array), (a,), _sigmoid)


@rule("sigmoid", reads="output")
def _sigmoid(node, g):
    s = node._array
    return (g * s * (1 - s),)


def relu(a):
    """max(x, 0); derivative 0 at x = 0 (PyTorch)."""
    x = a._array
    return result(np.maximum(x, 0, dtype=x.dtype), (a,), _relu)


@rule("relu", reads="output")
def _relu(node, g):
    return (g * (node._array > 0),)  # a bool mask: one fast pass, unlike np.where with a 0


def leaky_relu(a, negative_slope: float = 0.01):
    """x for x > 0, else negative_slope * x."""
    x = a._array
    return result(np.where(x > 0, x, x * negative_slope), (a,), _leaky_relu, negative_slope)


@rule("leaky_relu", reads="inputs")
def _leaky_relu(node, g):
    x = node._parents[0]._array
    return (np.where(x > 0, g, g * node._saved),)


def elu(a, alpha: float = 1.0):
    """x for x > 0, else alpha * (e^x - 1)."""
    a = floating(a)
    x = a._array
    data = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return result(data, (a,), _elu, alpha)


@rule("elu", reads="inputs output")
def _elu(node, g):
    x, alpha = node._parents[0]._array, node._saved
    # alpha e^x is the output + alpha; that sum keeps its precision only while e^x is not
    # small (x > -1), so further out e^x is computed afresh (float32 x = -17: 4e-8, not 0)
    slope = np.where(x < -1, alpha * np.exp(np.minimum(x, -1)), node._array + alpha)
    return (np.where(x > 0, g, g * slope),)


@functools.cache
def _erf_function():
    """scipy's erf (a vectorised C loop) when scipy is installed, else math.erf element by
    element. Looked up at the first GELU, so importing autograd never imports scipy."""
    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - depends on the environment
        return np.vectorize(math.erf, otypes=[np.float64])
    return erf


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return (0.5 * (1 + _erf_function()(x * _SQRT_HALF))).astype(x.dtype, copy=False)


def gelu(a):
    """x * Phi(x), Phi the standard normal CDF (PyTorch's exact GELU)."""
    a = floating(a)
    x = a._array
    return result(x * _normal_cdf(x), (a,), _gelu)


@rule("gelu", reads="inputs")
def _gelu(node, g):
    x = node._parents[0]._array
    return (g * (_normal_cdf(x) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI),)


def silu(a):
    """x * sigmoid(x), also called swish."""
    a = floating(a)
    x = a._array
    s = _sigmoid_of(x)
    return result(x * s, (a,), _silu, s)


@rule("silu", reads="inputs")
def _silu(node, g):
    x = node._parents[0]._array
    s = node._saved
    return (g * s * (1 + x * (1 - s)),)


def softplus(a, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + e^(beta x)) / beta = (max(bx, 0) + log1p(e^-|bx|)) / beta, exact for any x; x
    itself where beta x > threshold, with gradient 1 (torch's rule)."""
    a = floating(a)
    bx = beta * a._array
    data = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    linear = bx > threshold
    data = np.where(linear, a._array, data).astype(a._array.dtype, copy=False)
    return result(data, (a,), _softplus, (beta, linear))


@rule("softplus", reads="inputs")
def _softplus(node, g):
    beta, linear = node._saved
    return (np.where(linear, g, g * _sigmoid_of(beta * node._parents[0]._array)),)


def cast(a, dtype):
    """The same values in another dtype; the gradient is cast back."""
    dtype = np.dtype(dtype)
    if dtype == a._array.dtype:
        return a
    if dtype.kind not in "fc":  # an integer or bool copy carries no gradient
        return Tensor._wrap(a._array.astype(dtype))
    return result(a._array.astype(dtype), (a,), _cast, KEEP)


@rule("cast", reads="")
def _cast(node, g):
    return (g.astype(node._parents[0]._array.dtype),)


# -- trigonometry, rounding, integer division -----------------------------------------------------


def sin(a):
    a = floating(a)
    return result(np.sin(a._array), (a,), _sin)


@rule("sin", reads="inputs")
def _sin(node, g):
    return (g * np.cos(node._parents[0]._array),)


def cos(a):
    a = floating(a)
    return result(np.cos(a._array), (a,), _cos)


@rule("cos", reads="inputs")
def _cos(node, g):
    return (-g * np.sin(node._parents[0]._array),)


def _zero_rule(op: str):
    """The backward rule of a step function (sign, round, floor, ...): its derivative is 0
    almost everywhere, taken as 0 everywhere (torch); the op stays in the graph, so its inputs
    still get a gradient, of zeros."""

    @rule(op, reads="")
    def zero(node, g):
        return tuple(
            np.zeros(p._array.shape, g.dtype) if p.requires_grad else None for p in node._parents
        )

    return zero


def _stepwise(op: str, fn):
    """A unary op that is piecewise constant: its gradient is 0."""
    step_rule = _zero_rule(op)

    def stepwise(a, *args, **kwargs):
        return result(fn(a._array, *args, **kwargs), (a,), step_rule, KEEP)

    stepwise.__name__ = op
    return stepwise


sign = _stepwise("sign", np.sign)
floor = _stepwise("floor", lambda x: np.floor(x) if x.dtype.kind == "f" else x.copy())
ceil = _stepwise("ceil", lambda x: np.ceil(x) if x.dtype.kind == "f" else x.copy())
trunc = _stepwise("trunc", lambda x: np.trunc(x) if x.dtype.kind == "f" else x.copy())
sign.__doc__ = "-1, 0 or 1 by the sign of each element; gradient 0 (torch)."
floor.__doc__ = "The largest integer <= x (in x's dtype); gradient 0 (torch)."
ceil.__doc__ = "The smallest integer >= x (in x's dtype); gradient 0 (torch)."
trunc.__doc__ = "x with its fractional part dropped (towards 0); gradient 0 (torch)."
_round = _stepwise("round", lambda x, decimals: np.round(x, decimals) if x.dtype.kind == "f"
                   else x.copy())


def round(a, decimals: int = 0):
    """Round to ``decimals`` places, halves to even (torch and numpy); gradient 0."""
    if not isinstance(decimals, numbers.Integral) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r}")
    return _round(a, int(decimals))


def _integer_division(op: str, fn):
    """``fn`` on two arrays, floats as numpy gives them (a zero divisor makes inf or nan
    without a warning), integers refusing a zero divisor as torch does."""

    def divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if y.dtype.kind in "iub" and x.dtype.kind in "iub" and not np.all(y):
            raise ZeroDivisionError(f"{op}: integer division by zero (a divisor of {y.shape} "
                                    "holds 0)")
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(x, y)

    return divide


_floor_div = _integer_division("floor_divide", np.floor_divide)
_FLOOR_DIVIDE_RULE = _zero_rule("floor_divide")
_remainder_of = _integer_division("remainder", np.remainder)


def floor_divide(a, b):
    """a // b rounded towards -inf (torch's ``//``, Python's rule); gradient 0 to both."""
    return _binary("floor_divide", _floor_div, a, b, _FLOOR_DIVIDE_RULE, KEEP)


def remainder(a, b):
    """a % b with the sign of b (torch's ``%``, Python's rule): a - floor(a / b) * b. Gradients
    1 to a and -floor(a / b) to b (torch's)."""
    return _binary("remainder", _remainder_of, a, b, _remainder)


@rule("remainder", reads="inputs")
def _remainder(node, g):
    a, b = node._parents
    gb = None
    if b.requires_grad:
        gb = sum_to(-g * _floor_div(a._array, b._array), b._array.shape)
    return (sum_to(g, a._array.shape) if a.requires_grad else None), gb


rfloordiv, rremainder = map(_reflected, (floor_divide, remainder))


def masked_fill(a, mask, value):
    """A copy of ``a`` holding ``value`` where the boolean ``mask`` (broadcast to a's shape) is
    true (out of place; ``masked_fill_`` writes in place). ``value`` is a number or a 0-d
    tensor; the gradient reaches ``a`` where the mask is false and ``value`` from the rest."""
    m = np.asarray(_data(mask))
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {m.dtype} "
                        "(build it with a comparison, such as x > 0)")
    try:
        m = np.broadcast_to(m, a._array.shape)
    except ValueError:
        raise ValueError(f"masked_fill: a mask of shape {m.shape} does not broadcast to the "
                         f"tensor's shape {a.shape}") from None
    v = value if isinstance(value, Tensor) else lift(value, a)
    if v._array.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of "
                         f"shape {v.shape}")
    data = np.where(m, v._array.astype(a._array.dtype), a._array)
    return result(data, (a, v), _masked_fill, m)


@rule("masked_fill", reads="")
def _masked_fill(node, g):
    a, v = node._parents
    mask = node._saved
    ga = np.where(mask, 0, g).astype(g.dtype, copy=False) if a.requires_grad else None
    gv = np.asarray(g[mask].sum(), dtype=v._array.dtype) if v.requires_grad else None
    return ga, gv
