"""Stateless activations and losses (torch.nn.functional's names and arguments).

Activations are thin calls into autograd's ops; they take Tensors, anything numpy reads, and
``autograd.Value`` (for the scalar nets). Losses are composed of autograd ops, so their
gradients come from the engine, except binary_cross_entropy, whose clamped logs need
PyTorch's own gradient formula (an ``autograd.Function``).

Loss conventions:
- ``reduction`` is "mean" (default), "sum" or "none" (one loss per element or sample).
- Targets may be Tensors, numpy arrays or lists. They are constants, except that the
  regression losses (mse, l1, huber, smooth_l1) let a target Tensor that requires grad get
  its gradient, as the math allows.
- Shapes: a prediction of shape (N, 1) against a target of shape (N,), or (N,) against
  (N, 1), is aligned (the target takes the prediction's shape, as Keras does). Any other
  mismatch raises ValueError naming both shapes: nothing is broadcast silently.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

import autograd
from autograd import Function, Tensor, Value

# -- activations -------------------------------------------------------------------------------


def _as_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":  # Values in a list, strings, ...: never a silent constant
        raise TypeError(f"expected a Tensor or numbers, got {type(x).__name__} {x!r:.60} "
                        f"(dtype {arr.dtype}); a Value works with the elementwise activations")
    if arr.dtype.kind != "f":
        arr = arr.astype(autograd.get_default_dtype())
    return Tensor(arr)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b with W of shape (out, in), in one node (torch's F.linear)."""
    return autograd.linear(_as_tensor(x), weight, bias)


def relu(x: Any) -> Any:
    """max(x, 0)."""
    return x.relu() if isinstance(x, Value) else _as_tensor(x).relu()


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, else negative_slope * x."""
    return x.leaky_relu(negative_slope) if isinstance(x, Value) else _as_tensor(x).leaky_relu(
        negative_slope)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x)."""
    return x.sigmoid() if isinstance(x, Value) else _as_tensor(x).sigmoid()


def tanh(x: Any) -> Any:
    return x.tanh() if isinstance(x, Value) else _as_tensor(x).tanh()


def gelu(x: Any) -> Any:
    """x * Phi(x), Phi the standard normal CDF (the exact form, PyTorch's default)."""
    return x.gelu() if isinstance(x, Value) else _as_tensor(x).gelu()


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, else alpha * (e^x - 1)."""
    return x.elu(alpha) if isinstance(x, Value) else _as_tensor(x).elu(alpha)


def silu(x: Any) -> Any:
    """x * sigmoid(x), also called swish."""
    return x.silu() if isinstance(x, Value) else _as_tensor(x).silu()


swish = silu


def softplus(x: Any, beta: float = 1.0) -> Any:
    """log(1 + e^(beta x)) / beta."""
    if isinstance(x, Value):
        return x.softplus() if beta == 1 else (x * beta).softplus() / beta
    return _as_tensor(x).softplus(beta)


def softmax(x: Any, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return _as_tensor(x).softmax(dim)


def log_softmax(x: Any, dim: int = -1) -> Tensor:
    """x - logsumexp(x) along ``dim``: log-probabilities, stable for any logits."""
    return _as_tensor(x).log_softmax(dim)


def _check_p(p: Any, fn: str) -> float:
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 <= p <= 1:
        raise ValueError(f"{fn}: p is the probability of dropping an element, a number in "
                         f"[0, 1], got {p!r}")
    return float(p)


def dropout(x: Any, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted
    dropout: the expected value is unchanged); the identity when not ``training``; all zeros
    for p = 1 (as torch). The mask comes from autograd.default_generator(), so manual_seed
    makes it repeat."""
    p = _check_p(p, "dropout")
    x = _as_tensor(x)
    if not training or p == 0:
        return x
    if p == 1:
        return x * np.zeros((), x.dtype)
    keep = autograd.default_generator().random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices (an integer tensor of any shape) as one-hot rows: shape + (num_classes,),
    int64, as torch; ``num_classes=-1`` takes the largest index + 1."""
    idx = np.asarray(tensor.numpy() if isinstance(tensor, Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot takes a tensor of class indices (integers), got dtype "
                        f"{idx.dtype}")
    if not isinstance(num_classes, numbers.Integral) or isinstance(num_classes, bool) or (
            num_classes < 1 and num_classes != -1):
        raise ValueError(f"one_hot: num_classes must be a positive integer or -1, got "
                         f"{num_classes!r}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot of an empty tensor needs num_classes (it cannot be "
                             "inferred)")
        num_classes = int(idx.max()) + 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f"one_hot: class values must lie in [0, {num_classes}), got values "
                         f"from {idx.min()} to {idx.max()}")
    out = np.zeros(idx.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out)


# -- loss helpers ------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: Any, fn: str) -> str:
    """``reduction`` if it is "mean", "sum" or "none"; else a ValueError naming it."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got "
                         f"reduction={reduction!r}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _prediction(x: Any, fn: str) -> Tensor:
    """The prediction as a float Tensor (a non-float one is cast to the default dtype); a
    complex or non-numeric one is refused, never silently made real."""
    if isinstance(x, Tensor):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{fn}: the prediction must hold real numbers, got a Tensor of "
                            f"dtype {x.dtype}")
        return x if x.dtype.kind == "f" else x.astype(autograd.get_default_dtype())
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: the prediction must hold real numbers, got dtype {arr.dtype}")
    return Tensor(arr if arr.dtype.kind == "f" else arr.astype(autograd.get_default_dtype()))


def _numeric(y: Any, fn: str, what: str = "target") -> np.ndarray:
    arr = np.asarray(y.numpy() if isinstance(y, Tensor) else y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: the {what} must hold real numbers, got dtype {arr.dtype}")
    return arr


def _positive(value: Any, fn: str, key: str, allow_zero: bool = False) -> float:
    """A loss option that must be a positive (or, with ``allow_zero``, non-negative) number;
    the error names the option and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: {key} must be a number, got {key}={value!r}")
    if not (value >= 0 if allow_zero else value > 0):
        sign = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{fn}: {key} must be {sign}, got {key}={value!r}")
    return float(value)


def check_ignore_index(ignore_index: Any, fn: str) -> int:
    """``ignore_index`` as an int; a float or bool is refused, as torch refuses it."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"{fn}: ignore_index must be an int, got "
                        f"ignore_index={ignore_index!r}")
    return int(ignore_index)


def _aligned_shape(pred_shape: tuple, target_shape: tuple, fn: str) -> None:
    """Accept equal shapes and (N, 1) vs (N,) either way; raise on anything else."""
    if target_shape == pred_shape:
        return
    if pred_shape == target_shape + (1,) or target_shape == pred_shape + (1,):
        return
    raise ValueError(
        f"{fn}: prediction shape {pred_shape} and target shape {target_shape} do not match; "
        "give them the same shape (only (N, 1) against (N,) is aligned automatically)"
    )


def _float_target(y: Any, x: Tensor, fn: str, differentiable: bool = False) -> Tensor | np.ndarray:
    """The target in the prediction's dtype and shape. With ``differentiable``, a target
    Tensor stays in the graph (so it can get a gradient); otherwise a constant array."""
    if differentiable and isinstance(y, Tensor) and y.requires_grad:
        _aligned_shape(x.shape, y.shape, fn)
        y = y if y.dtype == x.dtype else y.astype(x.dtype)
        return y if y.shape == x.shape else y.reshape(x.shape)
    arr = _numeric(y, fn)
    _aligned_shape(x.shape, arr.shape, fn)
    return arr.astype(x.dtype, copy=False).reshape(x.shape)


def _pair(input: Any, target: Any, fn: str, reduction: str,
          differentiable: bool = False) -> tuple[Tensor, Tensor | np.ndarray]:
    check_reduction(reduction, fn)
    x = _prediction(input, fn)
    return x, _float_target(target, x, fn, differentiable)


def _weight(weight: Any, shape: tuple, dtype: np.dtype, fn: str, what: str = "weight"):
    """A constant rescaling array that broadcasts to ``shape`` (None stays None)."""
    if weight is None:
        return None
    w = _numeric(weight, fn, what).astype(dtype, copy=False)
    try:
        fits = np.broadcast_shapes(w.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{fn}: {what} of shape {w.shape} does not broadcast to the prediction's shape {shape}"
        )
    return w


# -- regression losses -------------------------------------------------------------------------


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: (x - y)^2, reduced."""
    x, y = _pair(input, target, "mse_loss", reduction, differentiable=True)
    d = x - y
    return _reduce(d * d, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |x - y|, reduced."""
    x, y = _pair(input, target, "l1_loss", reduction, differentiable=True)
    return _reduce((x - y).abs(), reduction)


def _huber(d: Tensor, delta: float) -> Tensor:
    # with a = |d| and q = min(a, delta): 0.5 q^2 + delta (a - q) is 0.5 d^2 inside the band
    # and delta (|d| - delta / 2) outside, one expression with the right gradient everywhere
    a = d.abs()
    q = autograd.minimum(a, delta)
    return 0.5 * q * q + delta * (a - q)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 (x - y)^2 where |x - y| < delta, else delta (|x - y| - delta / 2)."""
    delta = _positive(delta, "huber_loss", "delta")
    x, y = _pair(input, target, "huber_loss", reduction, differentiable=True)
    return _reduce(_huber(x - y, delta), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 (x - y)^2 / beta where |x - y| < beta, else |x - y| - beta / 2: huber / beta
    (plain l1 when beta = 0)."""
    beta = _positive(beta, "smooth_l1_loss", "beta", allow_zero=True)
    x, y = _pair(input, target, "smooth_l1_loss", reduction, differentiable=True)
    d = x - y
    return _reduce(d.abs() if beta == 0 else _huber(d, beta) / beta, reduction)


# -- binary classification ---------------------------------------------------------------------

_BCE_EPS = 1e-12  # PyTorch's floor on p (1 - p) in the gradient, so p = 0 or 1 stays finite


class ClampedBCE(Function):
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 (PyTorch), per element.
    Gradient (p - y) / max(p (1 - p), 1e-12): finite even at p = 0 or 1, where the clamped
    logs' own derivative would be 0 / 0."""

    @staticmethod
    def forward(ctx, x: Tensor, y: np.ndarray) -> np.ndarray:
        p = x.numpy()
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        ctx.p, ctx.y = p, y
        return (-(y * log_p + (1 - y) * log_q)).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        p, y = ctx.p, ctx.y
        return grad.numpy() * (p - y) / np.maximum(p * (1 - p), _BCE_EPS), None


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-w (y log p + (1 - y) log(1 - p)) on probabilities p in [0, 1], each log clamped at
    -100 (PyTorch) so p = 0 or 1 gives a large finite loss, not inf."""
    x, y = _pair(input, target, "binary_cross_entropy", reduction)
    p = x.numpy()
    if not np.all((p >= 0) & (p <= 1)):  # nan fails both comparisons, as torch refuses it
        nans = int(np.isnan(p).sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-nan min/max
            low, high = np.nanmin(p), np.nanmax(p)
        raise ValueError(
            f"binary_cross_entropy: predictions must be probabilities in [0, 1], got values from "
            f"{low:.4g} to {high:.4g}" + (f" and {nans} nan" if nans else "") + "; for raw "
            "scores (logits) use binary_cross_entropy_with_logits (BCEWithLogitsLoss)"
        )
    loss = ClampedBCE.apply(x, y)
    w = _weight(weight, x.shape, x.dtype, "binary_cross_entropy")
    return _reduce(loss if w is None else loss * w, reduction)


class BCEWithLogits(Function):
    """-(q log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) per element, q = pos_weight * y,
    written as a sum of non-negative terms,

        (1 - y) max(x, 0) + q max(-x, 0) + (1 - y + q) log(1 + e^-|x|),

    so no large terms cancel: y = 1 at x = 17 gives e^-17 (4e-8), not 0, in float32, and so
    does y = 0 at x = -17. Gradient (1 - y) sigmoid(x) - q sigmoid(-x), each sigmoid taken
    from e^-|x| in the form that keeps its precision."""

    @staticmethod
    def forward(ctx, x: Tensor, y: np.ndarray, pos_weight: np.ndarray | None) -> np.ndarray:
        v = x.numpy()
        e = np.exp(-np.abs(v))
        q = y if pos_weight is None else pos_weight * y
        ny = 1 - y
        relu = np.maximum(v, 0)
        soft = np.log1p(e)
        if pos_weight is not None:
            soft *= ny + q
        loss = ny * relu
        loss += q * (relu - v)  # relu(-x) = relu(x) - x, exactly: one of them is 0
        loss += soft
        ctx.v, ctx.e, ctx.ny, ctx.q = v, e, ny, q
        return loss.astype(v.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        v, e, ny, q = ctx.v, ctx.e, ctx.ny, ctx.q
        big = 1 / (1 + e)  # sigmoid(|x|)
        small = e * big  # sigmoid(-|x|), accurate however small
        up = v >= 0
        d = ny * np.where(up, big, small)
        d -= q * np.where(up, small, big)
        d *= grad.numpy()
        return d.astype(v.dtype, copy=False), None, None


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross entropy on logits x, with p = sigmoid(x):
    -(pos_weight y log p + (1 - y) log(1 - p)), computed stably and to full precision on both
    tails (see BCEWithLogits). ``pos_weight`` scales the positive term (one value per class,
    broadcast along the last dim); ``weight`` rescales each element's loss."""
    fn = "binary_cross_entropy_with_logits"
    x, y = _pair(input, target, fn, reduction)
    pw = None if pos_weight is None else _weight(pos_weight, x.shape, x.dtype, fn, "pos_weight")
    loss = BCEWithLogits.apply(x, y, pw)
    w = _weight(weight, x.shape, x.dtype, fn)
    return _reduce(loss if w is None else loss * w, reduction)


def hinge_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Binary hinge (Keras): max(1 - y x, 0) with labels y in {-1, 1}; labels in {0, 1} are
    mapped to {-1, 1} first."""
    x, y = _pair(input, target, "hinge_loss", reduction)
    labels = np.unique(y)
    if np.all(np.isin(labels, (0, 1))):
        y = 2 * y - 1
    elif not np.all(np.isin(labels, (-1, 1))):
        raise ValueError(
            "hinge_loss: labels must be in {-1, 1} or {0, 1}, got values "
            f"{labels[:10].tolist()}"
        )
    return _reduce((1 - x * y).relu(), reduction)


# -- multi-class classification ----------------------------------------------------------------


def _class_view(logp: Tensor) -> Tensor:
    """Log-probabilities as (samples, classes): (C,) -> (1, C); (N, C, d1, ...) moves the class
    axis last and flattens the rest."""
    if logp.ndim == 1:
        return logp.reshape(1, -1)
    if logp.ndim == 2:
        return logp
    order = (0, *range(2, logp.ndim), 1)
    return logp.permute(*order).reshape(-1, logp.shape[1])


def _index_shape(shape: tuple) -> tuple:
    """The class-index target shape for logits of ``shape``: the class dim removed."""
    return () if len(shape) == 1 else (shape[0], *shape[2:])


def _class_indices(target: np.ndarray, shape: tuple, fn: str) -> np.ndarray:
    """``target`` as an int64 array of the index shape (an (N, 1) target is aligned)."""
    want = _index_shape(shape)
    t = target.reshape(want)
    if t.dtype.kind == "f":
        if not np.all(np.isfinite(t)) or np.any(t != np.round(t)):
            bad = t[~np.isfinite(t) | (t != np.round(t))].ravel()[0]
            raise ValueError(
                f"{fn}: class-index targets must be whole numbers, got {bad}; for probabilities "
                f"give a target of the logits' shape {shape}"
            )
    return t.astype(np.int64)


def _nll(logp: Tensor, target: np.ndarray, weight: Any, ignore_index: int, reduction: str,
         label_smoothing: float, fn: str) -> Tensor:
    """Negative log-likelihood of class indices, PyTorch's weighting: the mean divides by
    the summed weight of the non-ignored targets."""
    n_classes = logp.shape[0] if logp.ndim == 1 else logp.shape[1]
    t = target.reshape(-1)
    ignored = t == ignore_index
    bad = ~ignored & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"{fn}: class index {t[bad][0]} is out of range for {n_classes} classes "
            f"(valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})"
        )
    w = _class_weight(weight, n_classes, logp.dtype, fn)
    lp = _class_view(logp)
    safe = np.where(ignored, 0, t)
    picked = lp[np.arange(t.size), safe]
    plain = w is None and not ignored.any()
    coef = (np.ones(t.size, logp.dtype) if w is None else w[safe]) * ~ignored
    nll = -picked if plain else picked * -coef
    if label_smoothing:
        smooth = -(lp if w is None else lp * w).sum(axis=1)
        if ignored.any():
            smooth = smooth * ~ignored
        out_nll = _reduce_weighted(nll, coef, reduction, target.shape)
        out_smooth = _reduce_weighted(smooth, coef, reduction, target.shape)
        return (1 - label_smoothing) * out_nll + (label_smoothing / n_classes) * out_smooth
    return _reduce_weighted(nll, coef, reduction, target.shape)


def _reduce_weighted(loss: Tensor, coef: np.ndarray, reduction: str, shape: tuple) -> Tensor:
    if reduction == "none":
        return loss.reshape(shape)
    if reduction == "sum":
        return loss.sum()
    total = coef.sum()
    if total == 0:  # every target ignored: the mean is nan, its gradient zero (as torch)
        return loss.sum() * 0.0 + np.nan
    return loss.sum() / total


def _class_weight(weight: Any, n_classes: int, dtype: np.dtype, fn: str):
    if weight is None:
        return None
    w = _numeric(weight, fn, "weight").astype(dtype, copy=False)
    if w.shape != (n_classes,):
        raise ValueError(f"{fn}: weight must have one entry per class, shape ({n_classes},), "
                         f"got shape {w.shape}")
    return w


def _check_smoothing(label_smoothing: Any, fn: str) -> float:
    if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real)
            or not 0 <= label_smoothing <= 1):
        raise ValueError(f"{fn}: label_smoothing must be a number in [0, 1], got "
                         f"label_smoothing={label_smoothing!r}")
    return float(label_smoothing)


def _classification_target(target: Any, shape: tuple, fn: str) -> tuple[np.ndarray, bool]:
    """(target array, True if it holds probabilities). The shape decides: the logits' shape
    means probabilities, the logits' shape without the class dim (or that plus a trailing 1)
    means class indices. A bool one-hot target counts as probabilities; bool class indices
    are refused, as torch refuses them."""
    t = _numeric(target, fn)
    if t.shape == shape:
        return t, True
    want = _index_shape(shape)
    if t.shape in (want, want + (1,)):
        return _no_bool(t, fn), False
    raise ValueError(
        f"{fn}: prediction shape {shape} and target shape {t.shape} do not match; give class "
        f"indices of shape {want} or probabilities of shape {shape}"
    )


def _no_bool(t: np.ndarray, fn: str) -> np.ndarray:
    """Refuse bool class indices, as torch does: True and False are not class numbers."""
    if t.dtype.kind == "b":
        raise TypeError(f"{fn}: class-index targets must be integers, got dtype bool; convert "
                        "them with target.long() (or give one-hot targets of the logits' shape)")
    return t


def _warn_if_probabilities(x: np.ndarray, class_dim: int) -> None:
    """Keras habit: a model ending in softmax fed to a loss that applies log_softmax itself.
    It still trains, badly, so say so (once per call site, Python's default filter)."""
    if x.size == 0 or x.shape[class_dim] < 2 or x.min() < 0 or x.max() > 1:
        return
    if np.allclose(x.sum(axis=class_dim), 1, atol=1e-4):
        warnings.warn(
            "cross_entropy got predictions that are already probabilities (each row in [0, 1], "
            "summing to 1), but it expects logits and applies log_softmax itself: remove the "
            "softmax at the end of the model",
            UserWarning,
            stacklevel=3,
        )


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy from logits (PyTorch): log_softmax over the class dim (dim 1, or dim 0
    for a single sample of shape (C,)), then the negative log-probability of the target.

    The target is either class indices (ints; shape (N,), or (N, 1)) or probabilities
    (floats, one-hot included, of the logits' shape (N, C)). ``weight`` (C,) rescales each
    class; ``ignore_index`` marks index targets that count for nothing; ``label_smoothing``
    e mixes the target with the uniform distribution: (1 - e) target + e / C.
    Keras' categorical_crossentropy takes probabilities by default; this takes logits.
    """
    fn = "cross_entropy"
    check_reduction(reduction, fn)
    ignore_index = check_ignore_index(ignore_index, fn)
    eps = _check_smoothing(label_smoothing, fn)
    x = _prediction(input, fn)
    if x.ndim == 0:
        raise ValueError(f"{fn}: logits need a class dimension, got a scalar of shape {x.shape}")
    t, probabilities = _classification_target(target, x.shape, fn)
    class_dim = 0 if x.ndim == 1 else 1
    _warn_if_probabilities(x.numpy(), class_dim)
    logp = x.log_softmax(class_dim)
    if not probabilities:
        return _nll(logp, _class_indices(t, x.shape, fn), weight, ignore_index, reduction, eps,
                    fn)
    n_classes = x.shape[class_dim]
    y = t.astype(x.dtype, copy=False)
    if eps:
        y = y * (1 - eps) + eps / n_classes
    w = _class_weight(weight, n_classes, x.dtype, fn)
    if w is not None:
        y = y * w.reshape((n_classes,) + (1,) * (x.ndim - class_dim - 1))
    per_sample = -(logp * y).sum(axis=class_dim)
    return _reduce(per_sample, reduction)


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[n, target[n]] for log-probabilities ``input`` (the
    output of log_softmax), with ``weight`` and ``ignore_index`` as in cross_entropy."""
    fn = "nll_loss"
    check_reduction(reduction, fn)
    ignore_index = check_ignore_index(ignore_index, fn)
    x = _prediction(input, fn)
    if x.ndim == 0:
        raise ValueError(f"{fn}: log-probabilities need a class dimension, got shape {x.shape}")
    t = _no_bool(_numeric(target, fn), fn)
    want = _index_shape(x.shape)
    if t.shape not in (want, want + (1,)):
        raise ValueError(f"{fn}: prediction shape {x.shape} and target shape {t.shape} do not "
                         f"match; give class indices of shape {want}")
    return _nll(x, _class_indices(t, x.shape, fn), weight, ignore_index, reduction, 0.0, fn)
