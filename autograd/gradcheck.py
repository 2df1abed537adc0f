"""Gradient checking: the engine's gradient against central differences, in float64."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .function import grad
from .graph import no_grad
from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """The analytic gradient and the central difference disagree."""


@dataclass
class InputReport:
    index: int
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    ok: bool


@dataclass
class GradcheckReport:
    """One entry per checked input; true when every input passed."""

    inputs: list[InputReport]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.inputs)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = ["input  status  max abs error  max rel error"]
        for r in self.inputs:
            lines.append(f"{r.index:>5}  {'ok' if r.ok else 'FAIL':>6}  "
                         f"{r.max_abs_error:13.3e}  {r.max_rel_error:13.3e}")
            if not r.ok:
                lines.append(f"       analytic: {np.array2string(r.analytic, precision=6)}")
                lines.append(f"       numeric:  {np.array2string(r.numeric, precision=6)}")
        return "\n".join(lines)


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> GradcheckReport:
    """Compare the gradient backward computes with central differences (f(x+e) - f(x-e)) / 2e.

    ``fn`` takes ``inputs`` (Tensors, Values, or anything else passed through unchanged) and
    returns a Tensor or a Value. Every Value, and every Tensor with requires_grad=True, is
    copied to float64 and checked element by element. A non-scalar output is reduced to
    sum(output * r) with a fixed random r, which checks the vector-Jacobian product; a scalar
    output is checked as it is.
    Returns a report (true when all pass); on a mismatch raises GradcheckError with it.
    """
    single = not isinstance(inputs, tuple | list)
    given = [inputs] if single else list(inputs)
    args, checked = [], []
    for x in given:
        if isinstance(x, Value):
            x = Value(x.data)
            checked.append(len(args))
        elif isinstance(x, Tensor) and x.requires_grad:
            # a C-ordered copy: the central differences perturb it through a flat view
            x = Tensor(np.array(x.numpy(), dtype=np.float64, order="C"), requires_grad=True)
            checked.append(len(args))
        args.append(x)
    if not checked:
        kinds = ", ".join(type(x).__name__ for x in given)
        raise ValueError(f"gradcheck: no input requires grad (got {kinds}; pass Values, or "
                         "Tensors with requires_grad=True)")
    rng = np.random.default_rng(seed)
    out = fn(*args)
    if isinstance(out, Value):
        weights = None
        out.backward()
    else:  # through autograd.grad, so tensors that fn closes over keep their .grad
        weights = rng.standard_normal(out.shape) if out.numel() > 1 else np.ones(out.shape)
        tensors = [args[i] for i in checked]
        found = grad((out * Tensor(weights, dtype=np.float64)).sum(), tensors,
                     allow_unused=True)
        tensor_grads = {id(t): g for t, g in zip(tensors, found)}

    def objective() -> float:
        with no_grad():
            y = fn(*args)
        return y.data if weights is None else float(np.sum(y.numpy() * weights))

    reports = []
    for i in checked:
        x = args[i]
        if isinstance(x, Value):
            analytic = np.array(x.grad)
            numeric = np.array(_central_value(x, objective, eps))
        else:
            g = tensor_grads[id(x)]
            analytic = np.zeros_like(x.numpy()) if g is None else g.numpy()
            numeric = _central_tensor(x, objective, eps)
        err = np.abs(analytic - numeric)
        rel = err / np.maximum(np.abs(numeric), 1e-12)
        ok = bool(np.all(err <= atol + rtol * np.abs(numeric)))
        reports.append(InputReport(i, analytic, numeric, float(err.max(initial=0.0)),
                                   float(rel.max(initial=0.0)), ok))
    report = GradcheckReport(reports)
    if raise_exception and not report.ok:
        raise GradcheckError(f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):\n{report}")
    return report


def _central_value(x: Value, objective, eps: float) -> float:
    original = x.data
    x.data = original + eps
    up = objective()
    x.data = original - eps
    down = objective()
    x.data = original
    return (up - down) / (2 * eps)


def _central_tensor(x: Tensor, objective, eps: float) -> np.ndarray:
    numeric = np.zeros_like(x.numpy())
    flat, grad = x.numpy().reshape(-1), numeric.reshape(-1)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        up = objective()
        flat[k] = original - eps
        down = objective()
        flat[k] = original
        grad[k] = (up - down) / (2 * eps)
    return numeric
