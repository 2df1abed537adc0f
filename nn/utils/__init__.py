"""Gradient clipping, as torch.nn.utils: call between ``loss.backward()`` and
``optimizer.step()``.

Both functions change gradients in place. That is safe because the engine gives every leaf's
``.grad`` an array of its own (it copies a gradient it would otherwise share with another
tensor or with the graph), so scaling one parameter's gradient touches nothing else. They take
Tensors and ``autograd.Value`` parameters (whose ``.grad`` is a float, replaced by the new one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Tensor, Value

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters) -> tuple[list, bool]:
    """The parameters whose gradient is set, and whether any parameter was a Tensor."""
    if isinstance(parameters, Tensor | Value):
        parameters = [parameters]
    found, any_tensor = [], False
    for i, p in enumerate(parameters):
        if isinstance(p, Tensor):
            any_tensor = True
        elif not isinstance(p, Value):
            raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Tensor or a Value")
        if p.grad is not None:
            found.append(p)
    return found, any_tensor


def _grad_array(p) -> np.ndarray:
    return p.grad.numpy() if isinstance(p, Tensor) else np.asarray(float(p.grad))


def clip_grad_norm_(parameters: Tensor | Value | Iterable, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False):
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients seen as one vector,
    ||g|| = (sum |g_i|^p)^(1/p) (``float("inf")``: max |g_i|). When
    c = max_norm / (||g|| + 1e-6) is below 1, every gradient is multiplied by c. A nan or
    infinite norm raises if ``error_if_nonfinite``; otherwise, as in torch, c is then nan or
    0 and so are the gradients. Parameters without a gradient are skipped.

    Returns the total norm from before clipping: a 0-d Tensor (call ``.item()``), or a float
    when every parameter is a Value.
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 (or inf), got "
                         f"norm_type={norm_type!r}")
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got max_norm={max_norm!r}")
    params, any_tensor = _with_grads(parameters)
    grads = [_grad_array(p) for p in params]
    if not grads:
        return Tensor(0.0) if any_tensor else 0.0
    norms = [np.linalg.norm(g.ravel(), norm_type) for g in grads if g.size]
    total = float(np.linalg.norm(np.array(norms, dtype=np.float64), norm_type)) if norms else 0.0
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total {norm_type:g}-norm of the gradients is "
                           f"{total}, so they cannot be clipped; pass error_if_nonfinite=False "
                           "to clip anyway")
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:  # nan too: the gradients become nan, as in torch
        for p, g in zip(params, grads, strict=True):
            if isinstance(p, Tensor):
                g *= coef
            else:
                p.grad = p.grad * coef
    if not any_tensor:
        return total
    return Tensor(np.asarray(total, dtype=np.result_type(*[g.dtype for g in grads])))


def clip_grad_value_(parameters: Tensor | Value | Iterable, clip_value: float) -> None:
    """Clip every gradient element into [-clip_value, clip_value] (nan stays nan).
    Parameters without a gradient are skipped."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got "
                         f"clip_value={clip_value!r}")
    params, _ = _with_grads(parameters)
    for p in params:
        if isinstance(p, Tensor):
            g = p.grad.numpy()
            np.clip(g, -clip_value, clip_value, out=g)
        elif p.grad > clip_value:
            p.grad = clip_value
        elif p.grad < -clip_value:
            p.grad = -clip_value
