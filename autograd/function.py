"""Differentiating on request (``grad``) and ops a learner defines (``Function``)."""

from __future__ import annotations

import numpy as np

from .graph import _mode, backward, no_grad
from .scalar_math import rule
from .tensor import Tensor, _data, _seed, result
from .value import Value


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """d sum(outputs) / d input for each input, returned as a tuple of Tensors; no ``.grad``
    anywhere is touched (torch.autograd.grad). Higher-order gradients (create_graph=True) are
    not supported by this engine and raise."""
    if create_graph:
        raise ValueError("grad(create_graph=True): this engine computes first derivatives only")
    outputs = list(outputs) if isinstance(outputs, list | tuple) else [outputs]
    inputs = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, list | tuple):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs were given"
        )
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            what = f"a Tensor of shape {t.shape}" if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"grad: input {i} ({what}) does not require grad, so it has no "
                             "gradient")
    if _mode.capture is not None:
        raise RuntimeError("grad() cannot run inside another grad() call")
    _mode.capture = {id(t): None for t in inputs}
    try:
        for k, (out, g_out) in enumerate(zip(outputs, grad_outputs)):
            if not out.requires_grad:
                raise RuntimeError(f"grad: output {k} (shape {out.shape}) does not require grad")
            # every output but the last shares the graph with the next: keep it for them
            backward(out, _seed(out, g_out), bool(retain_graph) or k < len(outputs) - 1)
        found = [_mode.capture[id(t)] for t in inputs]
    finally:
        _mode.capture = None
    grads = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        grads.append(None if g is None else Tensor._wrap(np.array(g, dtype=t.dtype)))
    return tuple(grads)


class Context:
    """What ``forward`` leaves for ``backward``: ``save_for_backward(*tensors)`` and any
    attribute set on it. As in torch, backward refuses a saved tensor changed in place since."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self._versions = ()

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors
        self._versions = tuple(t._version if isinstance(t, Tensor) else None for t in tensors)

    def first_changed(self) -> tuple | None:
        """(position, tensor) of the first saved tensor changed in place since it was saved."""
        for i, (t, version) in enumerate(zip(self.saved_tensors, self._versions)):
            if version is not None and t._version != version:
                return i, t
        return None


class _FunctionValue(Value):
    """A Value made by a Function: carries the Function's context for its backward."""

    __slots__ = ("_ctx",)


class Function:
    """A user-defined op, as torch.autograd.Function: subclass it with two static methods,
    ``forward(ctx, *inputs)`` (plain computation, nothing recorded) and
    ``backward(ctx, grad)`` (one gradient per input, None where there is none); then call
    ``MyOp.apply(*inputs)``. Works on Tensors and on Values.

    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x * x
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)

        @rule(cls.__name__, reads="output")  # and the saved tensors (Context.first_changed)
        def function_rule(node, g):
            return _run_backward(cls, node, g)

        cls._rule = staticmethod(function_rule)

    @staticmethod
    def forward(ctx, *inputs):
        raise NotImplementedError("a Function subclass defines forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("a Function subclass defines backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs):
        positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor | Value)]
        parents = tuple(inputs[i] for i in positions)
        ctx = Context(tuple(isinstance(x, Tensor | Value) and x.requires_grad for x in inputs))
        ctx._positions = positions
        with no_grad():
            out = cls.forward(ctx, *inputs)
        if isinstance(out, tuple | list):
            raise TypeError(f"{cls.__name__}.forward returned a {type(out).__name__}; a Function "
                            "here returns one Tensor (or Value)")
        if any(isinstance(p, Value) for p in parents):
            made = _FunctionValue(out)
            if _mode.grad_enabled and any(p.requires_grad for p in parents):
                made._parents, made._backward, made._ctx = parents, cls._rule, ctx
            return made
        return result(_data(out), parents, cls._rule, ctx)  # a plain leaf when nothing records


def _run_backward(cls, node, g):
    ctx = node._ctx if isinstance(node, _FunctionValue) else node._saved
    is_value = isinstance(node, Value)
    with no_grad():
        grads = cls.backward(ctx, g if is_value else Tensor._wrap(g))
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(ctx.needs_input_grad):
        raise RuntimeError(
            f"{cls.__name__}.backward returned {len(grads)} gradients for "
            f"{len(ctx.needs_input_grad)} inputs of forward"
        )
    picked = [grads[i] for i in ctx._positions]
    if is_value:
        return tuple(None if gr is None else float(_data(gr)) for gr in picked)
    out = []
    for i, parent, gr in zip(ctx._positions, node._parents, picked):
        # a copy: the user's backward may return an array it keeps (a saved input, say)
        gr = None if gr is None else np.array(_data(gr))
        if gr is not None and gr.shape != parent.shape:
            raise RuntimeError(f"{cls.__name__}.backward returned a gradient of shape "
                               f"{gr.shape} for input {i}, which has shape {parent.shape}")
        out.append(gr)
    return tuple(out)
