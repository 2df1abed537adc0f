"""Neuron, Layer and MLP made of Values: a network small enough to draw whole.

Every weight is an ``autograd.Value``, so ``draw_graph(loss)`` shows each neuron's
z = w.x + b (one fused ``dot`` node) and its activation, with data and gradient on every node.
Weights are labeled by place: ``L1.n2.w0`` is the weight of input 0 of neuron 2 in layer 1
(layers and neurons counted from 1, as the lessons do; inputs from 0, as ``x[0]``), ``L1.n2.b``
its bias, and the neuron's output is labeled ``L1.n2``.
They are Modules: ``parameters()``, ``zero_grad()``, ``state_dict()`` and the optimizers in
``nn.optim`` work on them as on Tensor layers.
"""

from __future__ import annotations

import math

from autograd import Value, default_generator, dot

from .layers import get_activation
from .module import Module, ModuleList


class Neuron(Module):
    """z = w.x + b followed by an activation (none for "linear"). Weights and bias start
    uniform in (-1/sqrt(nin), 1/sqrt(nin)), as torch's Linear, from the seeded generator."""

    def __init__(self, nin: int, activation="relu"):
        super().__init__()
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron needs a positive number of inputs, got {nin!r}")
        bound = 1 / math.sqrt(nin)
        draws = default_generator().uniform(-bound, bound, nin + 1).tolist()
        self.w = [Value(v) for v in draws[:nin]]
        self.b = Value(draws[nin])
        self.activation, self._act = get_activation(activation)
        self._set_name("")

    def _set_name(self, name: str) -> None:
        """Label the weights ``{name}.w{i}`` and ``{name}.b`` (``w{i}``, ``b`` alone), and the
        output ``name``."""
        prefix = f"{name}." if name else ""
        for i, w in enumerate(self.w):
            w.label = f"{prefix}w{i}"
        self.b.label = f"{prefix}b"
        self._name = name

    def forward(self, x) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron with {len(self.w)} inputs got {len(x)} values")
        z = dot(self.w, x, self.b)
        out = z if self._act is None else self._act(z)
        out.label = self._name
        return out

    def extra_repr(self) -> str:
        return f"{len(self.w)} inputs, activation={self.activation!r}"


class Layer(Module):
    """``nout`` neurons that each see all ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, activation="relu"):
        super().__init__()
        self.neurons = ModuleList(Neuron(nin, activation) for _ in range(nout))
        self._set_name("")

    def _set_name(self, name: str) -> None:
        """Name neuron j ``{name}.n{j}`` (``n{j}`` alone), j counted from 1."""
        prefix = f"{name}." if name else ""
        for j, neuron in enumerate(self.neurons, start=1):
            neuron._set_name(f"{prefix}n{j}")

    def forward(self, x):
        """A list of Values; a single Value when the layer has one neuron (as micrograd)."""
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs; ``activation`` in every layer but the
    last, which is linear (set ``output_activation`` to change it)."""

    def __init__(self, nin: int, nouts: list[int], activation="relu", output_activation=None):
        super().__init__()
        sizes = [nin, *nouts]
        self.layers = ModuleList(
            Layer(sizes[i], sizes[i + 1],
                  activation if i < len(nouts) - 1 else (output_activation or "linear"))
            for i in range(len(nouts))
        )
        for i, layer in enumerate(self.layers, start=1):
            layer._set_name(f"L{i}")

    def forward(self, x):
        x = [v if isinstance(v, Value) else Value(v) for v in x]
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x]
        return x[0] if len(x) == 1 else x
