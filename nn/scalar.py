"""Neuron, Layer and MLP made of Values: a network small enough to draw whole.

Every weight is an ``autograd.Value``, so ``draw_graph(loss)`` shows each neuron's
z = w.x + b (one fused ``dot`` node) and its activation, with data and gradient on every node.
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
        self.w = [Value(v, label=f"w{i}") for i, v in enumerate(draws[:nin])]
        self.b = Value(draws[nin], label="b")
        self.activation, self._act = get_activation(activation)

    def forward(self, x) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron with {len(self.w)} inputs got {len(x)} values")
        z = dot(self.w, x, self.b)
        return z if self._act is None else self._act(z)

    def extra_repr(self) -> str:
        return f"{len(self.w)} inputs, activation={self.activation!r}"


class Layer(Module):
    """``nout`` neurons that each see all ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, activation="relu"):
        super().__init__()
        self.neurons = ModuleList(Neuron(nin, activation) for _ in range(nout))

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

    def forward(self, x):
        x = [v if isinstance(v, Value) else Value(v) for v in x]
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x]
        return x[0] if len(x) == 1 else x
