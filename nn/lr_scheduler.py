"""Learning-rate schedulers: torch.optim.lr_scheduler's, with the same lr sequences.

A scheduler rewrites ``group["lr"]`` in its optimizer's parameter groups. Call its ``step()``
once per epoch, after the epoch's ``optimizer.step()`` calls::

    scheduler = lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch()            # optimizer.step() inside
        scheduler.step()

Building a scheduler stores each group's starting lr as ``group["initial_lr"]`` and applies
the epoch-0 learning rate. Like torch, the schedules are computed in "chainable" form: each
step scales the lr the group has now, so two schedulers on one optimizer compose, and the
sequences match torch's to the last bit. ``ReduceLROnPlateau`` instead watches a metric:
``scheduler.step(val_loss)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from .optim import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "ReduceLROnPlateau",
    "StepLR",
]


def _check_optimizer(name: str, optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name} takes an nn.optim optimizer, got {type(optimizer).__name__}")


def _positive_int(name: str, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: {key} must be a positive integer, got {key}={value!r}")
    return int(value)


def _real(name: str, key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: {key} must be a finite number, got {key}={value!r}")
    return float(value)


def _nonnegative(name: str, key: str, value) -> float:
    if _real(name, key, value) < 0:
        raise ValueError(f"{name}: {key} must be >= 0, got {key}={value!r}")
    return float(value)


def _decay(name: str, key: str, value) -> float:
    """A decay factor: in (0, 1] (a gamma above 1 would make the lr grow without bound)."""
    if not 0 < _real(name, key, value) <= 1:
        raise ValueError(f"{name}: {key} must be in (0, 1] (it decays the lr), got "
                         f"{key}={value!r}")
    return float(value)


def _int_from(low: int) -> Callable:
    def check(name: str, key: str, value) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name}: {key} must be an integer >= {low}, got {key}={value!r}")
        return int(value)
    return check


def _lrs(name: str, key: str, value) -> list[float]:
    """One learning rate (a finite number >= 0) per parameter group."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"{name}: {key} must be a list of learning rates, got {key}={value!r}")
    return [_nonnegative(name, f"{key}[{i}]", v) for i, v in enumerate(value)]


def _bound(name: str, key: str, value) -> float:
    """A best-so-far metric: any number but nan (it starts at +-inf)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name}: {key} must be a number, got {key}={value!r}")
    return float(value)


def _choice(*options: str) -> Callable:
    def check(name: str, key: str, value) -> str:
        if value not in options:
            raise ValueError(f"{name}: {key} must be one of {', '.join(map(repr, options))}, "
                             f"got {key}={value!r}")
        return value
    return check


def _factor(name: str, key: str, value) -> float:
    """ReduceLROnPlateau's factor: in [0, 1)."""
    if not 0 <= _real(name, key, value) < 1:
        raise ValueError(f"{name}: {key} must be in [0, 1), got {key}={value!r}")
    return float(value)


_PER_GROUP = ("base_lrs", "_last_lr", "min_lrs")  # lists with one entry per parameter group


class LRScheduler:
    """Base of the epoch-driven schedulers.

    ``last_epoch`` is the index of the last epoch applied: -1 (the default) starts a fresh
    schedule; a non-negative value resumes one and needs ``initial_lr`` in every group.
    ``base_lrs`` are the groups' initial learning rates.
    """

    # key of state_dict() -> its check (name, key, value) -> value; subclasses add theirs
    _checks: dict[str, Callable] = {"base_lrs": _lrs, "_last_lr": _lrs,
                                    "last_epoch": _int_from(-1), "_step_count": _int_from(0)}

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) \
                or last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{name}: resuming at last_epoch={last_epoch} needs "
                                   f"'initial_lr' in param_groups[{i}]; load the optimizer's "
                                   "state dict first (or start with last_epoch=-1)")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._step_count = 0
        self._advance(initial=True)

    def step(self) -> None:
        """Move to the next epoch and set each group's lr for it."""
        self._advance(initial=False)

    def _advance(self, initial: bool) -> None:
        self._step_count += 1
        self.last_epoch += 1
        lrs = self._next_lrs(initial)
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _next_lrs(self, initial: bool) -> list[float]:
        """The groups' learning rates for epoch ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__}: a scheduler subclass defines "
                                  "_next_lrs(initial)")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last step set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer (and LambdaLR's functions): plain numbers and lists."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in vars(self).items() if key not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned. Every value is checked as the constructor
        checks it (a step_size of 0 or a gamma of 10 raises ValueError naming the key and the
        value), and unknown keys raise KeyError, before anything changes."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name} takes a dict (from state_dict()), got "
                            f"{type(state_dict).__name__}")
        known = set(self.state_dict())
        unknown = sorted(set(state_dict) - known, key=str)
        if unknown:
            raise KeyError(f"{name}: unknown keys {unknown}; expected some of {sorted(known)}")
        checks = {**LRScheduler._checks, **type(self)._checks}
        n = len(self.optimizer.param_groups)
        new = {}
        for key, value in state_dict.items():
            check = checks.get(key)
            if check is None:  # a home-made scheduler's own entry: taken as it is
                new[key] = list(value) if isinstance(value, list | tuple) else value
                continue
            new[key] = check(name, key, value)
            if key in _PER_GROUP and len(new[key]) != n:
                raise ValueError(f"{name}: {key} has {len(new[key])} entries for {n} parameter "
                                 f"groups, got {key}={value!r}")
        for key, value in new.items():
            setattr(self, key, value)


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch); ``lr_lambda`` is one function, or a list with one
    per parameter group. The functions are not part of ``state_dict()``."""

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1):
        _check_optimizer("LambdaLR", optimizer)
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ValueError(f"LambdaLR: got {len(lambdas)} lr_lambdas for {n} parameter groups")
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda {i} is {fn!r}, not a function of the epoch")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self, initial):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs,
                                                               strict=True)]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs:
    lr = initial_lr * gamma ** (epoch // step_size), with gamma in (0, 1]."""

    _checks = {"step_size": _int_from(1), "gamma": _decay}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _decay("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self, initial):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: lr = initial_lr * gamma ** epoch, with gamma
    in (0, 1]."""

    _checks = {"gamma": _decay}

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _decay("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self, initial):
        groups = self.optimizer.param_groups
        if initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from initial_lr down to eta_min over T_max epochs:

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    computed step to step as torch does (each lr from the previous one), so past T_max the
    lr climbs back up along the same cosine.
    """

    _checks = {"T_max": _int_from(1), "eta_min": _nonnegative}

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1):
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _nonnegative("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self, initial):
        groups, epoch = self.optimizer.param_groups, self.last_epoch
        T, low = self.T_max, self.eta_min
        if initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and epoch > 0:  # resumed: no previous lr to scale
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / T)) / 2
                    for base in self.base_lrs]
        if (epoch - 1 - T) % (2 * T) == 0:  # at the bottom the ratio below is 0 / 0
            return [group["lr"] + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups, strict=True)]
        ratio = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return [ratio * (group["lr"] - low) + low for group in groups]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving.

    ``step(metric)`` once per epoch. In mode "min" a value improves on the best so far when
    it is below best * (1 - threshold) ("rel") or best - threshold ("abs"); mode "max" mirrors
    that. After more than ``patience`` epochs without improvement each group's lr becomes
    max(lr * factor, min_lr) (changes smaller than ``eps`` are skipped), then ``cooldown``
    epochs pass before bad epochs count again.
    """

    _checks = {
        "factor": _factor,
        "patience": _int_from(0), "cooldown": _int_from(0),
        "threshold": _nonnegative, "eps": _nonnegative,
        "min_lrs": _lrs,
        "default_min_lr": lambda name, key, value: None if value is None else _nonnegative(
            name, key, value),
        "mode": _choice("min", "max"), "threshold_mode": _choice("rel", "abs"),
        "best": _bound, "mode_worse": _bound,
        "cooldown_counter": _int_from(0), "num_bad_epochs": _int_from(0),
        "last_epoch": _int_from(0),
    }

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0.0, eps: float = 1e-8):
        name = "ReduceLROnPlateau"
        _check_optimizer(name, optimizer)
        factor = _factor(name, "factor", factor)
        for key, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{name}: {key} must be an integer >= 0, got {key}={value!r}")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != n:
                raise ValueError(f"{name}: got {len(min_lr)} min_lr values for {n} parameter "
                                 "groups")
            self.default_min_lr = None
            self.min_lrs = [_nonnegative(name, "min_lr", v) for v in min_lr]
        else:
            self.default_min_lr = _nonnegative(name, "min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * n
        self.optimizer = optimizer
        self.factor = factor
        self.patience = int(patience)
        self.cooldown = int(cooldown)
        self.eps = _nonnegative(name, "eps", eps)
        self.threshold = _nonnegative(name, "threshold", threshold)
        self.mode_worse = self._worst(mode, threshold_mode)
        self.mode = mode
        self.threshold_mode = threshold_mode
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @staticmethod
    def _worst(mode, threshold_mode) -> float:
        """The starting best value for ``mode``, after checking both modes."""
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got "
                             f"mode={mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"threshold_mode={threshold_mode!r}")
        return math.inf if mode == "min" else -math.inf

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, current: float, best: float) -> bool:
        """Whether ``current`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < best * (1.0 - self.threshold)
            return current < best - self.threshold
        if self.threshold_mode == "rel":
            return current > best * (self.threshold + 1.0)
        return current > best + self.threshold

    def step(self, metrics) -> None:  # the metric is required, unlike LRScheduler.step
        """Record this epoch's metric (a number, or a one-element Tensor) and lower the lr
        when it has not improved for more than ``patience`` epochs."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step takes the monitored metric as a number, "
                            f"got {metrics!r:.80}") from None
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"parameter groups but min_lr lists {len(self.min_lrs)}; "
                                   "set scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self.mode_worse = self._worst(self.mode, self.threshold_mode)
