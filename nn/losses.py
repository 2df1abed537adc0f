"""Loss modules (PyTorch's names and arguments) and ``get_loss``, which maps Keras' names onto
them. Each module calls the function of the same name in nn.functional; ``reduction`` is
"mean" (default), "sum" or "none", checked when the module is made.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor

from . import functional as F
from .module import Module


def _constant(value: Any, owner: str, what: str) -> Tensor | None:
    """A class weight or pos_weight as a float Tensor (kept as a buffer, so ``to()`` casts it)."""
    if value is None:
        return None
    arr = F._numeric(value, owner, what)
    return Tensor(arr if arr.dtype.kind == "f" else arr.astype(np.float32))


def _legacy_reduction(init: Callable) -> Callable:
    """Let ``init`` take PyTorch's deprecated ``size_average=`` and ``reduce=``, turned into
    ``reduction`` by torch's rule (each defaults to True: both -> "mean", ``reduce`` alone ->
    "sum", ``reduce=False`` -> "none"), with torch's deprecation warning."""

    @functools.wraps(init)
    def wrapped(self, *args, size_average: bool | None = None, reduce: bool | None = None,
                **kwargs):
        if size_average is not None or reduce is not None:
            if "reduction" in kwargs:
                raise TypeError(f"{type(self).__name__}: give reduction= or the deprecated "
                                "size_average= / reduce=, not both")
            size_average = True if size_average is None else size_average
            reduce = True if reduce is None else reduce
            kwargs["reduction"] = ("mean" if size_average and reduce else
                                   "sum" if reduce else "none")
            warnings.warn(f"size_average and reduce args will be deprecated, please use "
                          f"reduction='{kwargs['reduction']}' instead.", stacklevel=2)
        init(self, *args, **kwargs)

    return wrapped


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = F.check_reduction(reduction, type(self).__name__)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:  # every loss's own __init__ takes the legacy spellings
            cls.__init__ = _legacy_reduction(cls.__dict__["__init__"])

    def _options(self) -> dict:
        """The arguments that differ from their defaults, for the repr."""
        return {} if self.reduction == "mean" else {"reduction": repr(self.reduction)}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self._options().items())


_Loss.__init__ = _legacy_reduction(_Loss.__init__)


class MSELoss(_Loss):
    """Mean squared error: mean((x - y)^2)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean(|x - y|)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """0.5 (x - y)^2 where |x - y| < delta, else delta (|x - y| - delta / 2)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = F._positive(delta, "HuberLoss", "delta")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def _options(self) -> dict:
        return {**super()._options(), **({"delta": self.delta} if self.delta != 1 else {})}


class SmoothL1Loss(_Loss):
    """0.5 (x - y)^2 / beta where |x - y| < beta, else |x - y| - beta / 2."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = F._positive(beta, "SmoothL1Loss", "beta", allow_zero=True)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def _options(self) -> dict:
        return {**super()._options(), **({"beta": self.beta} if self.beta != 1 else {})}


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (the output of a sigmoid), logs clamped at
    -100. ``weight`` rescales each element's loss."""

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight, "BCELoss", "weight"))

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on logits (a sigmoid built in, computed stably). ``pos_weight``
    (one per class) weighs the positive examples; ``weight`` rescales each element's loss."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight, "BCEWithLogitsLoss", "weight"))
        self.register_buffer("pos_weight",
                             _constant(pos_weight, "BCEWithLogitsLoss", "pos_weight"))

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction,
            pos_weight=self.pos_weight)

    def _options(self) -> dict:
        extra = {} if self.pos_weight is None else {"pos_weight": self.pos_weight.tolist()}
        return {**super()._options(), **extra}


class CrossEntropyLoss(_Loss):
    """Cross entropy from logits: class-index targets (N,) or probability targets (N, C).
    See nn.functional.cross_entropy."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight, "CrossEntropyLoss", "weight"))
        self.ignore_index = F.check_ignore_index(ignore_index, "CrossEntropyLoss")
        self.label_smoothing = F._check_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)

    def _options(self) -> dict:
        extra = {}
        if self.ignore_index != -100:
            extra["ignore_index"] = self.ignore_index
        if self.label_smoothing:
            extra["label_smoothing"] = self.label_smoothing
        return {**super()._options(), **extra}


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, for log-probabilities (LogSoftmax output)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight, "NLLLoss", "weight"))
        self.ignore_index = F.check_ignore_index(ignore_index, "NLLLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)

    def _options(self) -> dict:
        extra = {} if self.ignore_index == -100 else {"ignore_index": self.ignore_index}
        return {**super()._options(), **extra}


class HingeLoss(_Loss):
    """Binary hinge (Keras): mean(max(1 - y x, 0)), labels in {-1, 1} or {0, 1}."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.hinge_loss(input, target, reduction=self.reduction)


# -- names --------------------------------------------------------------------------------------

_LOSSES: dict[str, type[_Loss]] = {
    "mse": MSELoss,
    "mean_squared_error": MSELoss,
    "mae": L1Loss,
    "mean_absolute_error": L1Loss,
    "l1": L1Loss,
    "huber": HuberLoss,
    "huber_loss": HuberLoss,
    "smooth_l1": SmoothL1Loss,
    "binary_crossentropy": BCELoss,
    "bce": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    # Keras' categorical losses take probabilities by default; ours take logits (DESIGN.md):
    # end the model without softmax. One-hot targets and class indices both work.
    "categorical_crossentropy": CrossEntropyLoss,
    "sparse_categorical_crossentropy": CrossEntropyLoss,
    "cross_entropy": CrossEntropyLoss,
    "nll": NLLLoss,
    "hinge": HingeLoss,
}


def _key(name: str) -> str:
    """Spelling-free key: "MeanSquaredError", "mean_squared_error" and "MSE" all match."""
    return name.lower().replace("_", "").replace(" ", "")


# Keras' names and aliases, and each class's own PyTorch name ("MSELoss", "CrossEntropyLoss")
_BY_KEY = {_key(name): cls for name, cls in _LOSSES.items()} | {
    _key(cls.__name__): cls for cls in _LOSSES.values()}


def get_loss(loss: str | Callable | type) -> Callable:
    """A loss to call as ``loss(prediction, target)``: a Keras or PyTorch name ("mse", "mae",
    "huber", "binary_crossentropy"/"bce", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "hinge", ...; case and underscores do not matter) gives
    a new loss module; a loss class is instantiated; any other callable is returned as is.

    "categorical_crossentropy" here expects logits (the model ends without softmax), unlike
    Keras' default, which expects probabilities.
    """
    if isinstance(loss, str):
        cls = _BY_KEY.get(_key(loss))
        if cls is None:
            raise ValueError(f"unknown loss {loss!r}; valid names: {', '.join(sorted(_LOSSES))}")
        return cls()
    if isinstance(loss, type) and issubclass(loss, Module):
        return loss()
    if callable(loss):
        return loss
    raise TypeError(f"get_loss takes a name or a callable, got {type(loss).__name__} {loss!r:.60}")
