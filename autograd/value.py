"""Value: a Python float that records the op that made it (the engine of the lessons' drawings).

Each op computes its result and names its backward rule; the rule, a few lines below the op,
is the op's local derivative times the incoming gradient. Every node keeps ``.grad`` so that a
drawing shows the chain rule at work: leaves accumulate across ``backward()`` calls, every
other node is given its gradient afresh by each call.
"""

from __future__ import annotations

import math
import numbers

from . import scalar_math as sm
from .graph import KEEP, _Mode, _mode, backward, check_anomaly, nodes_below
from .scalar_math import rule


class Value:
    """A scalar in a computation graph: ``.data`` (float), ``.grad`` (float), ``.label``."""

    __slots__ = ("data", "grad", "label", "_parents", "_backward", "_g", "_pending", "__weakref__")
    requires_grad = True
    _saved = KEEP  # a Value's rules need only its parents' and its own data: never freed
    _tick = math.inf  # Values have no in-place ops: backward never checks versions
    _hooks = ()  # not None: backward hands every node its gradient (a Value keeps .grad on each)

    def __init__(self, data, label: str = ""):
        if isinstance(data, Value):
            data = data.data
        elif not isinstance(data, numbers.Real):
            raise TypeError(
                f"Value() takes a real number, got {type(data).__name__} {data!r:.60}"
            )
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._parents = ()
        self._backward = None
        self._g = None
        self._pending = 0

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # -- the graph ---------------------------------------------------------------------------

    def backward(self, retain_graph: bool = True) -> None:
        """Fill ``.grad`` of every node below this one with d self / d node.

        Leaves add to the ``.grad`` they had (call ``zero_grad()`` between steps); every
        other node gets its gradient afresh, so a second call never double-counts. A Value
        graph keeps what it needs, so it can be sent back through any number of times.
        """
        if self._backward is None:
            raise RuntimeError(
                f"backward() on {self!r}, which no op made: it recorded no graph (it is a leaf, "
                "or it was computed under no_grad()), so there is nothing to differentiate"
            )
        backward(self, 1.0, retain_graph)

    def _take_grad(self, g: float, delivered) -> float:
        if self._backward is None:
            self.grad += g
        else:
            self.grad = g
        return g

    def _value(self) -> float:
        return self.data

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node below it."""
        for node in nodes_below(self):
            node.grad = 0.0

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    __hash__ = object.__hash__

    # -- comparisons: plain bools, nothing recorded -----------------------------------------

    def __eq__(self, other):
        return self.data == _raw(other)

    def __ne__(self, other):
        return self.data != _raw(other)

    def __lt__(self, other):
        return self.data < _raw(other)

    def __le__(self, other):
        return self.data <= _raw(other)

    def __gt__(self, other):
        return self.data > _raw(other)

    def __ge__(self, other):
        return self.data >= _raw(other)

    # -- arithmetic --------------------------------------------------------------------------

    def __add__(self, other):
        other = _lift(other)
        return _op(self.data + other.data, (self, other), _add)

    def __sub__(self, other):
        other = _lift(other)
        return _op(self.data - other.data, (self, other), _sub)

    def __mul__(self, other):
        other = _lift(other)
        return _op(self.data * other.data, (self, other), _mul)

    def __truediv__(self, other):
        other = _lift(other)
        return _op(sm.div(self.data, other.data), (self, other), _div)

    def __pow__(self, other):
        other = _lift(other)
        return _op(sm.power(self.data, other.data), (self, other), _pow)

    def __radd__(self, other):
        return _lift(other) + self

    def __rsub__(self, other):
        return _lift(other) - self

    def __rmul__(self, other):
        return _lift(other) * self

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __rpow__(self, other):
        return _lift(other) ** self

    def __neg__(self):
        return _op(-self.data, (self,), _neg)

    def __pos__(self):
        return self

    def __abs__(self):
        return _op(abs(self.data), (self,), _abs)

    # -- functions ---------------------------------------------------------------------------

    def abs(self):
        """|x|; its derivative at 0 is taken as 0 (PyTorch)."""
        return abs(self)

    def exp(self):
        return _op(sm.exp(self.data), (self,), _exp)

    def log(self):
        """Natural log; log 0 = -inf, log of a negative = nan (numpy)."""
        return _op(sm.log(self.data), (self,), _log)

    def sqrt(self):
        return _op(sm.sqrt(self.data), (self,), _sqrt)

    def tanh(self):
        return _op(math.tanh(self.data), (self,), _tanh)

    def sigmoid(self):
        """1 / (1 + e^-x), computed without overflow for any x."""
        return _op(sm.sigmoid(self.data), (self,), _sigmoid)

    def relu(self):
        """max(x, 0); derivative 0 at x = 0 (PyTorch)."""
        x = self.data
        return _op(x if x > 0.0 or x != x else 0.0, (self,), _relu)  # nan stays nan

    def leaky_relu(self, negative_slope: float = 0.01):
        """x for x > 0, else negative_slope * x."""
        x = self.data
        return _op(x if x > 0.0 else negative_slope * x, (self, Constant(negative_slope)),
                   _leaky_relu)

    def elu(self, alpha: float = 1.0):
        """x for x > 0, else alpha * (e^x - 1)."""
        x = self.data
        return _op(x if x > 0.0 else alpha * math.expm1(x), (self, Constant(alpha)), _elu)

    def gelu(self):
        """x * Phi(x), Phi the standard normal CDF (PyTorch's exact GELU)."""
        x = self.data
        return _op(x * sm.normal_cdf(x), (self,), _gelu)

    def silu(self):
        """x * sigmoid(x), also called swish."""
        x = self.data
        return _op(x * sm.sigmoid(x), (self,), _silu)

    swish = silu

    def softplus(self):
        """log(1 + e^x), exact for large |x|."""
        return _op(sm.softplus(self.data), (self,), _softplus)


class Constant(Value):
    """A plain number taken into a graph (the 2 in ``2 * v``): drawn, but given no gradient."""

    __slots__ = ()
    requires_grad = False


def _raw(x) -> float:
    return x.data if isinstance(x, Value) else x


def _lift(x) -> Value:
    return x if isinstance(x, Value) else Constant(x)


_new = object.__new__


def _op(data: float, parents: tuple, backward_rule) -> Value:
    """The one way an op makes its result: a node that records ``parents`` and its rule."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._g = None
    out._pending = 0
    quiet = _Mode.quiet  # every thread records with anomaly mode off: skip the per-thread reads
    if quiet or _mode.grad_enabled:
        out._parents = parents
        out._backward = backward_rule
        if not quiet and _mode.anomaly:
            check_anomaly(out, backward_rule.op)
    else:
        out._parents = ()
        out._backward = None
    return out


# -- backward rules: rule(node, g) -> one gradient per parent ------------------------------------


@rule("+")
def _add(node, g):
    return g, g


@rule("-")
def _sub(node, g):
    return g, -g


@rule("*")
def _mul(node, g):
    a, b = node._parents
    return g * b.data, g * a.data


@rule("/")
def _div(node, g):
    a, b = node._parents
    return sm.div(g, b.data), -g * sm.div(node.data, b.data)


@rule("**")
def _pow(node, g):
    a, b = node._parents
    x, n = a.data, b.data
    da = g * n * sm.power(x, n - 1.0) if n != 0.0 else 0.0  # x**0 is constant, even at x = 0
    # d(x^n)/dn = x^n log x, taken as 0 at x = 0 (the limit from above, as torch)
    db = (g * node.data * sm.log(x) if x != 0.0 else 0.0) if b.requires_grad else None
    return da, db


@rule("neg")
def _neg(node, g):
    return (-g,)


@rule("abs")
def _abs(node, g):
    x = node._parents[0].data
    return (g if x > 0.0 else -g if x < 0.0 else 0.0 * g,)


@rule("exp")
def _exp(node, g):
    return (g * node.data,)


@rule("log")
def _log(node, g):
    return (sm.div(g, node._parents[0].data),)


@rule("sqrt")
def _sqrt(node, g):
    return (sm.div(0.5 * g, node.data),)


@rule("tanh")
def _tanh(node, g):
    t = node.data
    return (g * (1.0 - t * t),)


@rule("sigmoid")
def _sigmoid(node, g):
    s = node.data
    return (g * s * (1.0 - s),)


@rule("relu")
def _relu(node, g):
    return (g if node._parents[0].data > 0.0 else 0.0,)


@rule("leaky_relu")
def _leaky_relu(node, g):
    x, slope = node._parents
    return (g if x.data > 0.0 else g * slope.data), None


@rule("elu")
def _elu(node, g):
    x, alpha = node._parents
    return (g if x.data > 0.0 else g * (node.data + alpha.data)), None


@rule("gelu")
def _gelu(node, g):
    x = node._parents[0].data
    return (g * (sm.normal_cdf(x) + x * sm.normal_pdf(x)),)


@rule("silu")
def _silu(node, g):
    x = node._parents[0].data
    s = sm.sigmoid(x)
    return (g * s * (1.0 + x * (1.0 - s)),)


@rule("softplus")
def _softplus(node, g):
    return (g * sm.sigmoid(node._parents[0].data),)


def dot(weights, inputs, bias=None) -> Value:
    """sum(w_i * x_i) + bias as one node, the way a neuron computes z = w.x + b. Drawn as a
    single 'dot' op; much faster than a chain of * and + for a whole network of Values."""
    weights = [_lift(w) for w in weights]
    inputs = [_lift(x) for x in inputs]
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    parents = weights + inputs
    total = sum([w.data * x.data for w, x in zip(weights, inputs)], 0.0)
    if bias is not None:
        bias = _lift(bias)
        parents.append(bias)
        total += bias.data
    return _op(total, tuple(parents), _dot)


@rule("dot")
def _dot(node, g):
    parents = node._parents
    n = len(parents) // 2
    grads = [g * x.data for x in parents[n:2 * n]]
    grads += [g * w.data for w in parents[:n]]
    if len(parents) % 2:
        grads.append(g)
    return grads
