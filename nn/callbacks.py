"""Callbacks: code that ``fit``, ``evaluate`` and ``predict`` call at fixed points (Keras' API).

Subclass ``Callback`` and override the hooks you need; ``self.model`` is the model being trained
and ``self.params`` holds ``verbose``, ``epochs`` and ``steps``. Every callback of one step gets
the same ``logs`` dict (as in Keras), so a callback earlier in the list can add an entry
(ReduceLROnPlateau adds "learning_rate") that the later ones, History included, see. ``fit``
runs yours first, then its History, then the progress display.

Monitoring callbacks follow Keras 3: ``mode="auto"`` minimises a loss or an error metric
("loss", "val_loss", "mae", "val_rmse", ...) and maximises a score (accuracy, precision, recall,
f1, r2), and raises for a name it cannot tell.
"""

from __future__ import annotations

import csv
import inspect
import io
import math
import numbers
import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.files import atomic_write

__all__ = [  # noqa: F822 (History comes from nn.history through __getattr__ below)
    "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "GradientNormRecorder", "History",
    "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau", "TerminateOnNaN",
]


class Callback:
    """Base class of every callback: each hook does nothing until overridden.

    Hooks: ``on_train_begin/end(logs)``, ``on_epoch_begin/end(epoch, logs)``,
    ``on_train_batch_begin/end(batch, logs)`` (or Keras' older ``on_batch_begin/end``), and
    the same for ``test`` (evaluate, and the validation inside fit) and ``predict``. ``epoch``
    and ``batch`` count from 0.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """After the last epoch (also when training stopped early)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """At the start of each epoch."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """At the end of each epoch; ``logs`` holds the epoch's loss, metrics and val_ values."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before each training step; calls ``on_batch_begin`` (Keras)."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After each training step; ``logs`` holds the epoch's running mean loss and metrics.
        Calls ``on_batch_end`` (Keras)."""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Keras' older name for ``on_train_batch_begin``, still called by it."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Keras' older name for ``on_train_batch_end``, still called by it (the Keras FAQ's
        LossHistory records each batch's loss here)."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Before evaluation (``evaluate``, or validation inside ``fit``)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """After evaluation; ``logs`` holds the loss and metrics over the whole set."""

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before each evaluation batch."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After each evaluation batch."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Before ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """After ``predict``."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before each prediction batch."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After each prediction batch."""


_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))
# a hook whose default calls another: overriding that other one makes the hook worth a call
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` does something at ``hook``, itself or through its alias."""
    if getattr(type(callback), hook) is not getattr(Callback, hook):
        return True
    return hook in _ALIASES and _overrides(callback, _ALIASES[hook])


class CallbackList:
    """Calls each hook on every callback in order, handing all of them the same ``logs`` dict
    (a fresh empty one when the caller gives none, as Keras)."""

    def __init__(self, callbacks: Iterable[Callback] | None = None, model: Any = None,
                 **params: Any):
        self.callbacks = _checked_callbacks(callbacks)
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
            if model is not None:
                cb.set_model(model)
        # only the hooks some callback overrides are worth a call per batch
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks
                               if _overrides(cb, hook)]
                        for hook in _HOOKS}

    def append(self, callback: Callback) -> None:
        """Add one more callback at the end (given the same params)."""
        (callback,) = _checked_callbacks([callback])
        callback.set_params(self.params)
        self.callbacks.append(callback)
        for hook, bound in self._active.items():
            if _overrides(callback, hook):
                bound.append(getattr(callback, hook))

    def set_model(self, model: Any) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def _call(self, hook: str, *args: Any) -> None:
        for fn in self._active[hook]:
            fn(*args)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._call("on_train_begin", {} if logs is None else logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call("on_train_end", {} if logs is None else logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_begin", epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_end", epoch, {} if logs is None else logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_train_batch_begin", batch, {} if logs is None else logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_train_batch_end", batch, {} if logs is None else logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._call("on_test_begin", {} if logs is None else logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._call("on_test_end", {} if logs is None else logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_test_batch_begin", batch, {} if logs is None else logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_test_batch_end", batch, {} if logs is None else logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._call("on_predict_begin", {} if logs is None else logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._call("on_predict_end", {} if logs is None else logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_predict_batch_begin", batch, {} if logs is None else logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_predict_batch_end", batch, {} if logs is None else logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)


def _checked_callbacks(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    try:
        items = list(callbacks)
    except TypeError:
        raise TypeError(f"callbacks must be a list of Callback objects, got "
                        f"{type(callbacks).__name__} {callbacks!r:.60}") from None
    for i, cb in enumerate(items):
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(f"callbacks[{i}] is the class {cb.__name__} itself; pass an "
                            f"instance: {cb.__name__}(...)")
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] is a {type(cb).__name__} ({cb!r:.60}), not an "
                            "nn.callbacks.Callback")
    return items


# -- monitoring a quantity -------------------------------------------------------------------------

# scores that grow as the model improves; everything else fit logs is a loss or an error
_HIGHER_IS_BETTER = ("acc", "accuracy", "precision", "recall", "f1", "f1_score", "r2",
                     "r2_score", "auc")
_LOWER_IS_BETTER = ("loss", "mae", "mse", "rmse", "mean_absolute_error", "mean_squared_error",
                    "root_mean_squared_error", "huber", "error", "crossentropy")


def _direction(monitor: str, mode: str, model: Any, owner: str) -> str:
    """"min" or "max" for ``monitor`` (``mode`` "auto" reads the name, then the model's
    compiled metrics)."""
    if mode != "auto":
        return mode
    base = monitor.removeprefix("val_")
    for metric in getattr(model, "compiled_metrics", None) or ():
        if getattr(metric, "name", None) == base and getattr(metric, "direction", None):
            return "max" if metric.direction == "up" else "min"
    if base in _HIGHER_IS_BETTER or base.endswith(("accuracy", "_acc")):
        return "max"
    if base in _LOWER_IS_BETTER or base.endswith(_LOWER_IS_BETTER):
        return "min"
    raise ValueError(
        f"{owner}(monitor={monitor!r}, mode='auto') cannot tell whether {monitor!r} should go "
        "down or up; pass mode='min' or mode='max'"
    )


def _check_mode(mode: Any, owner: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


def _check_number(value: Any, owner: str, name: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= low:
        raise ValueError(f"{owner}: {name} must be a number >= {low:g}, got {value!r}")
    return float(value)


def _check_count(value: Any, owner: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative integer, got {value!r}")
    return int(value)


class _Monitor(Callback):
    """Keras' improvement test: in "min" mode ``current < best - min_delta``, in "max" mode
    ``current > best + min_delta``; the first value always improves, a nan never does after
    that (so a nan first value stays the best: Keras' rule)."""

    def __init__(self, monitor: str, mode: str, min_delta: float):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner}: monitor must be a logged name such as 'val_loss', "
                             f"got {monitor!r}")
        self.monitor = monitor
        self.mode = _check_mode(mode, owner)
        if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real):
            raise ValueError(f"{owner}: min_delta must be a number, got {min_delta!r}")
        self.min_delta = abs(float(min_delta))
        self._direction: str | None = None

    def _resolve(self) -> None:
        self._direction = _direction(self.monitor, self.mode, self.model, type(self).__name__)

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:  # the first value is the best so far, even nan (as Keras)
            return True
        if self._direction == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def _current(self, logs: dict | None) -> float | None:
        logs = logs or {}
        if self.monitor not in logs:
            import warnings

            warnings.warn(
                f"{type(self).__name__} monitors {self.monitor!r}, which is not logged; "
                f"logged: {', '.join(logs) or 'nothing'} (val_ values need validation_data "
                "or validation_split)",
                RuntimeWarning, stacklevel=3,
            )
            return None
        return float(logs[self.monitor])


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs (Keras 3).

    Each epoch from ``start_from_epoch`` on counts one more epoch without improvement unless
    ``monitor`` beat the best so far by more than ``min_delta`` (and, with a ``baseline``, beat
    the baseline too); training stops once that count reaches ``patience`` (never at the first
    epoch). With ``restore_best_weights`` the model gets back the weights of its best epoch
    at the end, even if it did not stop early. At the end it fills
    ``model.history.early_stopping`` with the monitor, the stopped epoch (None if training ran
    to the end), the best epoch and the best value (epochs count from 0, as in
    ``history.epoch``).
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.patience = _check_count(patience, "EarlyStopping", "patience")
        self.verbose = verbose
        if baseline is not None:
            baseline = _check_number(baseline, "EarlyStopping", "baseline", -math.inf)
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = _check_count(start_from_epoch, "EarlyStopping",
                                             "start_from_epoch")
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: dict | None = None
        self.best_epoch = 0
        self._stopped = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._resolve()
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.state_dict()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self._stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._stopped and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.load_state_dict(self.best_weights)
        history = getattr(self.model, "history", None)
        if history is not None and hasattr(history, "early_stopping"):
            history.early_stopping = {
                "monitor": self.monitor,
                "stopped_epoch": self.stopped_epoch if self._stopped else None,
                "best_epoch": self.best_epoch if self.best is not None else None,
                "best": self.best,
            }


class ModelCheckpoint(_Monitor):
    """Save ``model.state_dict()`` to ``filepath`` with ``nn.save`` at the end of each epoch
    (only when ``monitor`` improved, with ``save_best_only``). Writing is atomic: if saving
    fails, the previous checkpoint stays as it was. ``filepath`` may hold Keras' fields,
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.npz"`` (epoch counted from 1). With ``verbose`` an
    improvement prints lesson 001's line, the best starting at inf:
    ``Validation loss decreased (inf --> 0.687613). Saving model ...``
    As in Keras, a missing folder in ``filepath`` is created, and with ``save_best_only`` an
    epoch whose logs lack ``monitor`` is saved (with a warning), there being no best to keep.
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto"):
        super().__init__(monitor, mode, 0.0)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.best: float | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._resolve()

    def _path(self, epoch: int, logs: dict) -> str:
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"ModelCheckpoint: cannot fill in filepath {self.filepath!r} "
                             f"from epoch and logs {sorted(logs)}: {err!r}") from None

    def _message(self, current: float) -> str:
        base = self.monitor.removeprefix("val_")
        where = "Validation" if self.monitor.startswith("val_") else "Training"
        verb = "decreased" if self._direction == "min" else "increased"
        start = self.best if self.best is not None else (
            math.inf if self._direction == "min" else -math.inf)
        return (f"{where} {base.replace('_', ' ')} {verb} ({start:.6f} --> {current:.6f}). "
                "Saving model ...")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from .serialization import save

        logs = logs or {}
        current = self._current(logs)
        improved = current is not None and self._is_improvement(current, self.best)
        # without the monitored value there is no best to keep: save every epoch (Keras)
        if self.save_best_only and current is not None and not improved:
            return
        path = self._path(epoch, logs)
        message = self._message(current) if improved else None
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)  # Keras makes the checkpoint's folder
        save(self.model.state_dict(), path)
        if improved:
            self.best = current
        if self.verbose > 0:
            print(message if message else f"Epoch {epoch + 1}: saving model to {path}")


def _optimizer(model: Any, owner: str):
    opt = getattr(model, "optimizer", None)
    if opt is None or not getattr(opt, "param_groups", None):
        raise RuntimeError(f"{owner} needs a compiled model: call model.compile(optimizer=...) "
                           "first")
    return opt


def _learning_rate(model: Any) -> float:
    return float(model.optimizer.param_groups[0]["lr"])


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)``), epoch counted from 0, in every parameter group; logs
    "learning_rate"."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function, got "
                            f"{type(schedule).__name__} {schedule!r:.60}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        opt = _optimizer(self.model, "LearningRateScheduler")
        lr = _learning_rate(self.model)
        try:
            inspect.signature(self.schedule).bind(epoch, lr)
            both = True
        except TypeError:  # a one-argument schedule (Keras' older API)
            both = False
        except ValueError:  # no signature to read (a builtin): give it both
            both = True
        lr = self.schedule(epoch, lr) if both else self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}) returned {lr!r}; it "
                             "must return a finite number")
        for group in opt.param_groups:
            group["lr"] = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` (never below ``min_lr``) once ``monitor`` has
    not improved by more than ``min_delta`` for ``patience`` epochs, then wait ``cooldown``
    epochs before counting again (Keras 3). Logs "learning_rate" (the rate used this epoch).
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0):
        super().__init__(monitor, mode, min_delta)
        factor = _check_number(factor, "ReduceLROnPlateau", "factor")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be below 1 (it multiplies the "
                             f"learning rate), got {factor!r}")
        self.factor = factor
        self.patience = _check_count(patience, "ReduceLROnPlateau", "patience")
        self.verbose = verbose
        self.cooldown = _check_count(cooldown, "ReduceLROnPlateau", "cooldown")
        self.min_lr = _check_number(min_lr, "ReduceLROnPlateau", "min_lr")
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        _optimizer(self.model, "ReduceLROnPlateau")
        self._resolve()
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None:
            logs = {}
        logs["learning_rate"] = _learning_rate(self.model)
        current = self._current(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> bool:
        reduced = False
        for group in self.model.optimizer.param_groups:
            old = float(group["lr"])
            if np.float32(old) > np.float32(self.min_lr):  # Keras compares in float32
                group["lr"] = max(old * self.factor, self.min_lr)
                reduced = True
        if reduced and self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                  f"{_learning_rate(self.model)}.")
        return reduced


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: ``epoch`` (from 0), then the logged
    values in History's order. The file is rewritten atomically after each epoch, so it is
    always complete; with ``append`` the rows of an earlier run are kept."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got {separator!r}")
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = bool(append)
        self._before = ""
        self._rows: list[dict] = []
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._rows, self.keys, self._before = [], None, ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8", newline="") as f:
                self._before = f.read()
            if self._before and not self._before.endswith("\n"):
                self._before += "\n"
            header = self._before.splitlines()[0] if self._before else ""
            if header:
                self.keys = [k for k in header.split(self.sep)[1:]]

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = list(logs)
        self._rows.append({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["epoch", *self.keys], delimiter=self.sep,
                                extrasaction="ignore", lineterminator="\n")
        if not self._before:
            writer.writeheader()
        writer.writerows(self._rows)
        text = self._before + out.getvalue()
        atomic_write(self.filename, lambda f: f.write(text.encode("utf-8")))


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is nan or inf, print the epoch and batch
    (counted from 1), and put back the weights from before that batch, the last finite ones.
    (The optimizer's own state, such as Adam's moments, is not put back.)"""

    def __init__(self) -> None:
        super().__init__()
        self._epoch = 0
        self._saved: dict | None = None
        self.stopped: tuple[int, int] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.stopped = None
        self._saved = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._saved = self.model.state_dict()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        self.stopped = (self._epoch, batch)
        if self._saved is not None:
            self.model.load_state_dict(self._saved)
        print(f"Epoch {self._epoch + 1}, batch {batch + 1}: invalid loss ({loss}), terminating "
              "training; the weights from before this batch are restored")
        self.model.stop_training = True


class GradientNormRecorder(Callback):
    """Record each parameter's gradient L2 norm, sqrt(sum(g^2)), after every training step and
    keep the per-epoch mean in ``model.history.gradient_norms`` (parameter name -> list).
    ``fit(..., track_gradients=True)`` adds one."""

    def __init__(self) -> None:
        super().__init__()
        self.gradient_norms: dict[str, list[float]] = {}
        self._sums: dict[str, float] = {}
        self._count = 0
        self._params: list = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        history = getattr(self.model, "history", None)
        self.gradient_norms = history.gradient_norms if history is not None else {}
        self._params = list(self.model.named_parameters())

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._sums = dict.fromkeys((n for n, _ in self._params), 0.0)
        self._count = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for name, p in self._params:
            g = p.grad
            if g is None:
                continue
            arr = g.numpy() if isinstance(g, Tensor) else np.asarray(g, dtype=np.float64)
            self._sums[name] += float(np.linalg.norm(arr.ravel()))
        self._count += 1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not self._count:
            return
        for name, total in self._sums.items():
            self.gradient_norms.setdefault(name, []).append(total / self._count)


def __getattr__(name: str):
    # History lives in nn.history, which imports Callback from here: import it on first use
    if name == "History":
        from .history import History

        return History
    raise AttributeError(f"module 'nn.callbacks' has no attribute {name!r}")
