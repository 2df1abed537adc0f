"""Keras-style training for any ``nn.Module``: ``compile``, ``fit``, ``evaluate``, ``predict`` and
``summary``, installed on Module when ``nn`` is imported. Lesson 000 runs as written::

    model = nn.Sequential([
        nn.Dense(512, activation="relu", input_shape=[11]),
        nn.Dense(512, activation="relu"),
        nn.Dense(512, activation="relu"),
        nn.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mae")
    history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid),
                        batch_size=256, epochs=10)
    pd.DataFrame(history.history)["loss"].plot()

Under the surface each step is the PyTorch loop (``zero_grad``, forward, loss, ``backward``,
``step``) with the optimizer from ``nn.optim``. Where Keras and PyTorch disagree the choices of
DESIGN.md hold: string optimizers are torch.optim's classes with torch's defaults; the loss is
called as ``loss(prediction, target)``; "categorical_crossentropy" expects logits.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, Value

from . import metrics as metrics_module
from . import optim
from .callbacks import Callback, CallbackList, GradientNormRecorder
from .history import History
from .losses import BCEWithLogitsLoss, get_loss
from .module import Module, Sequential
from .progress import ProgressLogger

__all__ = ["compile", "evaluate", "fit", "predict", "summary"]

# compile(optimizer="adam") and friends: torch.optim's classes with torch's defaults
OPTIMIZERS: dict[str, type[optim.Optimizer]] = {
    "sgd": optim.SGD,
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "rmsprop": optim.RMSprop,
    "adagrad": optim.Adagrad,
}


def _plain(model: Module, name: str, value: Any) -> None:
    """Set an attribute without Module's registration (a loss module is not a layer)."""
    object.__setattr__(model, name, value)


@contextmanager
def _keeping_modes(model: Module) -> Iterator[None]:
    """Put back each module's own train/eval flag afterwards, not one flag for all: a
    submodule the user left in eval mode (a frozen BatchNorm) stays in eval mode."""
    saved = [(m, m.training) for m in model.modules()]
    try:
        yield
    finally:
        for m, mode in saved:
            object.__setattr__(m, "training", mode)


# -- compile ---------------------------------------------------------------------------------------


def _make_optimizer(model: Module, optimizer: Any) -> optim.Optimizer:
    if isinstance(optimizer, str):
        cls = OPTIMIZERS.get(optimizer.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {optimizer!r}; valid names: "
                             f"{', '.join(OPTIMIZERS)} (or an nn.optim optimizer)")
        return cls(list(model.parameters()))
    if isinstance(optimizer, type) and issubclass(optimizer, optim.Optimizer):
        return optimizer(list(model.parameters()))
    if isinstance(optimizer, optim.Optimizer):
        own = {id(p) for p in model.parameters()}
        given = [p for g in optimizer.param_groups for p in g["params"]]
        if own and not any(id(p) in own for p in given):
            raise ValueError(
                f"the {type(optimizer).__name__} given to compile holds none of this "
                f"{type(model).__name__}'s parameters: build it from this model, "
                f"{type(optimizer).__name__}(model.parameters(), ...)"
            )
        return optimizer
    raise TypeError(f"compile: optimizer must be a name ({', '.join(OPTIMIZERS)}) or an "
                    f"nn.optim optimizer, got {type(optimizer).__name__} {optimizer!r:.60}")


def _keras_order(loss: Any) -> Any:
    """A function written for Keras, ``loss(y_true, y_pred)`` by its parameter names, called
    as fit calls every loss, ``loss(prediction, target)``; any other loss as it is."""
    if isinstance(loss, Module) or not callable(loss):
        return loss
    try:
        names = list(inspect.signature(loss).parameters)[:2]
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return loss
    if names != ["y_true", "y_pred"]:
        return loss

    def keras_loss(prediction: Any, target: Any) -> Any:
        return loss(target, prediction)

    keras_loss.__name__ = getattr(loss, "__name__", "keras_loss")
    return keras_loss


def compile(self: Module, optimizer: str | optim.Optimizer = "rmsprop", loss: Any = None,
            metrics: Iterable | str | None = None) -> None:
    """Choose how ``fit`` trains: ``optimizer`` ("adam", "sgd", "rmsprop", "adagrad", "adamw"
    with torch.optim's defaults, or an optimizer built on ``model.parameters()``), ``loss`` (a
    Keras or PyTorch name, a loss module, or a function ``loss(prediction, target)`` returning
    a scalar Tensor) and ``metrics`` (names or functions, see ``nn.metrics``).

    Sets ``model.optimizer``, ``model.loss`` and ``model.compiled_metrics``. With a
    BCEWithLogitsLoss the classification metrics threshold the logits at 0 (probability 0.5).
    A loss function is called PyTorch's way, ``loss(prediction, target)``, unless its first
    two parameters are named ``y_true, y_pred`` (Keras' order): then it gets the target
    first, so a custom loss copied from Keras code computes what it did there.
    """
    if loss is None:
        raise ValueError("compile needs a loss: a name such as 'mae', 'mse' or "
                         "'binary_crossentropy', a loss module, or a function")
    loss_fn = _keras_order(get_loss(loss))
    if isinstance(metrics, str) or isinstance(metrics, metrics_module.Metric) or callable(metrics):
        metrics = [metrics]
    threshold = 0.0 if isinstance(loss_fn, BCEWithLogitsLoss) else 0.5
    compiled = [metrics_module.get_metric(m, threshold=threshold) for m in (metrics or ())]
    names = [m.name for m in compiled]
    clash = sorted({n for n in names if names.count(n) > 1 or n == "loss"})
    if clash:
        raise ValueError(f"compile: metric names must be unique and not 'loss', got "
                         f"{names} ({', '.join(clash)} clashes)")
    opt = _make_optimizer(self, optimizer)
    _plain(self, "optimizer", opt)
    _plain(self, "loss", loss_fn)
    _plain(self, "compiled_metrics", compiled)
    _plain(self, "stop_training", False)


# -- data ------------------------------------------------------------------------------------------


def _to_array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what} must be an array of numbers, got {type(x).__name__}: "
                        f"{err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numbers, got {type(x).__name__} of dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{what} must have one row per sample, got a scalar")
    return arr


def _model_dtype(model: Module) -> np.dtype:
    for p in model.parameters():
        if isinstance(p, Tensor) and p.dtype.kind == "f":
            return p.dtype
    return np.dtype(autograd.get_default_dtype())


def _is_batches(x: Any) -> bool:
    """A DataLoader or any iterable of (x, y) batches (duck-typed); not an array, a list, or
    anything numpy reads as one (a pandas DataFrame or Series, a torch tensor)."""
    if isinstance(x, np.ndarray | Tensor | list | tuple | numbers.Number):
        return False
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        return False
    return hasattr(x, "__iter__")


class _Arrays:
    """x and y as arrays of the model's dtype (integer targets, class indices, stay integers),
    cut into batches of ``batch_size`` rows, the short batch last."""

    def __init__(self, x: Any, y: Any, dtype: np.dtype, batch_size: int, where: str):
        x = _to_array(x, f"{where}: x")
        if y is None:
            raise ValueError(f"{where}: got x but no targets y (give y, or an iterable of "
                             "(x, y) batches such as a DataLoader as x)")
        y = _to_array(y, f"{where}: y")
        if len(x) != len(y):
            raise ValueError(f"{where}: x has {len(x)} samples (shape {x.shape}) but y has "
                             f"{len(y)} (shape {y.shape})")
        if len(x) == 0:
            raise ValueError(f"{where}: got no samples (x of shape {x.shape})")
        self.x = x.astype(dtype, copy=False)
        self.y = y.astype(dtype, copy=False) if y.dtype.kind == "f" else y
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def batches(self, order: np.ndarray | None = None) -> Iterator[tuple]:
        bs = self.batch_size
        for start in range(0, len(self.x), bs):
            rows = slice(start, start + bs) if order is None else order[start:start + bs]
            yield self.x[rows], self.y[rows]


class _Loader:
    """A DataLoader (or any iterable of (x, y) batches): it batches and shuffles itself."""

    def __init__(self, loader: Any, where: str):
        self.loader = loader
        self.where = where
        try:
            self.steps = len(loader)
        except TypeError:  # a generator: the progress bar counts up to "Unknown"
            self.steps = None
        # a generator (any iterator) is used up by one pass: it can serve one epoch only
        self.one_shot = isinstance(loader, Iterator)

    def batches(self, order: None = None) -> Iterator[tuple]:
        for i, batch in enumerate(self.loader):
            if not isinstance(batch, list | tuple) or len(batch) != 2:
                kind = (f"a {len(batch)}-tuple" if isinstance(batch, list | tuple)
                        else type(batch).__name__)
                raise ValueError(f"{self.where}: batch {i} of the loader is {kind}; each "
                                 "batch must be a pair (x, y)")
            yield batch


def _match_rank(model: Module, x: np.ndarray) -> np.ndarray:
    """A flat x of shape (N,) for a Sequential whose first layer takes one feature is N
    samples of one feature, (N, 1), as Keras reads it (``Dense(1, input_shape=[1])`` fit on a
    column of numbers)."""
    if (x.ndim == 1 and isinstance(model, Sequential) and len(model)
            and getattr(model[0], "in_features", None) == 1):
        return x.reshape(-1, 1)
    return x


def _data(model: Module, x: Any, y: Any, batch_size: int, where: str):
    if _is_batches(x):
        if y is not None:
            raise ValueError(f"{where}: x is a loader of (x, y) batches, so y must be None; "
                             f"got y of type {type(y).__name__}")
        return _Loader(x, where)
    if x is None:
        raise ValueError(f"{where}: x is None; give the inputs x and the targets y, or a "
                         "DataLoader of (x, y) batches as x")
    x = _match_rank(model, _to_array(x, f"{where}: x"))
    return _Arrays(x, y, _model_dtype(model), batch_size, where)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_verbose(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar), 2 (one line per "
                         f"epoch) or 'auto', got {verbose!r}")
    return int(verbose)


def _check_compiled(model: Module, what: str) -> None:
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise RuntimeError(f"call model.compile(optimizer=..., loss=...) before {what}()")


def _as_target(y: Any) -> Any:
    return y if isinstance(y, Tensor) else Tensor(y)


def _as_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, Tensor) else np.asarray(t)


def _scalar_loss(loss: Any) -> Tensor:
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        shape = getattr(loss, "shape", None)
        raise ValueError(f"the loss must return a scalar Tensor, got {type(loss).__name__}"
                         + (f" of shape {shape}" if shape is not None else "")
                         + " (use reduction='mean')")
    return loss


# -- the loops -------------------------------------------------------------------------------------


class _Tracker:
    """The batch-size-weighted mean loss and the compiled metrics over one pass."""

    def __init__(self, metrics: list):
        self.metrics = metrics
        self.total = 0.0
        self.count = 0
        for m in metrics:
            m.reset_state()

    def update(self, loss: float, n: int, y: Any, pred: Tensor) -> dict[str, float]:
        self.total += loss * n
        self.count += n
        logs = {"loss": self.total / self.count}
        if self.metrics:
            p, t = pred.detach().numpy(), _as_numpy(y)
            for m in self.metrics:
                m.update_state(t, p)
                logs[m.name] = float(m.result())
        return logs


def _build(model: Module, x: np.ndarray) -> None:
    """Run one sample through a model with unbuilt (lazy) layers, so that their weights are
    drawn before the shuffling draws from the same generator: the weights then depend on the
    seed alone, not on whether something else built the model first."""
    if all(getattr(m, "built", True) for m in model.modules()):
        return
    with _keeping_modes(model), autograd.no_grad():
        model.eval()
        model(x[:1])


def _test_loop(model: Module, data: Any, callbacks: CallbackList) -> dict[str, float]:
    """Loss and metrics over the whole of ``data`` in eval mode, with no graph recorded."""
    tracker = _Tracker(model.compiled_metrics)
    logs: dict[str, float] = {}
    callbacks.on_test_begin()
    with autograd.no_grad():
        for step, (xb, yb) in enumerate(data.batches()):
            callbacks.on_test_batch_begin(step)
            pred = model(xb)
            loss = _scalar_loss(model.loss(pred, _as_target(yb)))
            logs = tracker.update(loss.item(), len(xb), yb, pred)
            callbacks.on_test_batch_end(step, logs)
    if tracker.count == 0:
        raise ValueError("nothing to evaluate: the loader gave no batches")
    callbacks.on_test_end(logs)
    return logs


def _callbacks(model: Module, given: Any, verbose: int, params: dict,
               extra: list[Callback] = (), history: bool = False):
    """(CallbackList, History or None, ProgressLogger): ``extra``, the user's callbacks, a
    History (the user's own if one was given) when ``history``, then the progress display."""
    user = CallbackList(given).callbacks
    recorder = next((cb for cb in user if isinstance(cb, History)), None)
    tail: list[Callback] = []
    if history and recorder is None:
        recorder = History()
        tail.append(recorder)
    progress = ProgressLogger(verbose)
    cbs = CallbackList([*extra, *user, *tail, progress], model=model, **params)
    return cbs, recorder, progress


def fit(self: Module, x: Any = None, y: Any = None, batch_size: int | None = 32, epochs: int = 1,
        verbose: int | str = 1, callbacks: Iterable[Callback] | None = None,
        validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
        initial_epoch: int = 0, track_gradients: bool = False) -> History:
    """Train for ``epochs`` epochs (from ``initial_epoch``) and return the History (also
    ``model.history``).

    ``x``, ``y``: numpy arrays or Tensors (one row per sample), or ``x`` a DataLoader (any
    iterable of (x, y) batches; it batches and shuffles itself, ``y`` stays None; a generator
    is used up by one pass, so it serves a one-epoch fit only). A flat x of shape (N,) for a
    Sequential whose first layer takes one feature is read as (N, 1), as Keras does. Each epoch
    the rows are shuffled with ``autograd.default_generator()`` (``shuffle=True``) and cut into
    ``ceil(n / batch_size)`` batches, the short one last; each batch is one optimizer step.
    The logged "loss" is the batch-size-weighted mean of the batch losses over the epoch,
    computed in training mode as the weights change (Keras); the metrics likewise.

    Validation: ``validation_data=(x_val, y_val)`` (or a loader), or ``validation_split``, the
    fraction of rows taken from the end of x and y before shuffling (Keras; validation_data
    wins if both are given). At each epoch's end the whole validation set runs in eval mode
    with no graph recorded, logged as "val_loss" and "val_<metric>".

    ``verbose``: 0 silent, 1 progress bar, 2 one line per epoch (see nn.progress).
    ``callbacks``: nn.callbacks objects; ``model.stop_training = True`` ends training after
    the current batch. ``track_gradients=True`` records each parameter's mean gradient L2 norm
    per epoch in ``history.gradient_norms``.

    Every module's train/eval flag is put back as it was before the call (training runs in
    training mode, validation in eval mode); so do ``evaluate``, ``predict`` and ``summary``.
    Shuffling draws from ``autograd.default_generator()``, so ``autograd.manual_seed``
    repeats a run.
    """
    _check_compiled(self, "fit")
    batch_size = 32 if batch_size is None else _check_int(batch_size, "fit: batch_size", 1)
    epochs = _check_int(epochs, "fit: epochs", 0)
    initial_epoch = _check_int(initial_epoch, "fit: initial_epoch", 0)
    verbose = _check_verbose(verbose)
    if not isinstance(shuffle, bool | np.bool_):
        raise ValueError(f"fit: shuffle must be True or False, got {shuffle!r}")
    if (isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
            or not 0.0 <= validation_split < 1.0):
        raise ValueError(f"fit: validation_split must be a fraction in [0, 1), got "
                         f"{validation_split!r}")
    dtype = _model_dtype(self)
    train = _data(self, x, y, batch_size, "fit")
    val = None
    if validation_data is not None:
        if isinstance(validation_data, list | tuple):
            if len(validation_data) != 2:
                raise ValueError(f"fit: validation_data must be (x_val, y_val) or a loader, got "
                                 f"a {type(validation_data).__name__} of "
                                 f"{len(validation_data)} items")
            val = _data(self, *validation_data, batch_size, "fit: validation_data")
        else:
            val = _data(self, validation_data, None, batch_size, "fit: validation_data")
    elif validation_split:
        if not isinstance(train, _Arrays):
            raise ValueError("fit: validation_split needs arrays; with a loader give "
                             "validation_data=another loader")
        n = len(train.x)
        split_at = math.floor(n * (1.0 - validation_split))
        if split_at in (0, n):
            raise ValueError(f"fit: validation_split={validation_split} of {n} samples leaves "
                             f"{split_at} for training and {n - split_at} for validation; "
                             "both need at least one")
        val = _Arrays(train.x[split_at:], train.y[split_at:], dtype, batch_size,
                      "fit: validation_split")
        train = _Arrays(train.x[:split_at], train.y[:split_at], dtype, batch_size, "fit")
    for data, what in ((train, "x"), (val, "validation_data")):
        if isinstance(data, _Loader) and data.steps == 0:
            raise ValueError(f"fit: {what} gives no batches: {data.loader!r} (a DataLoader "
                             "with drop_last=True and fewer samples than batch_size has none)")
        if isinstance(data, _Loader) and data.one_shot and epochs - initial_epoch > 1:
            raise ValueError(f"fit: {what} is a {type(data.loader).__name__}, which is used up "
                             f"after one pass, but {epochs - initial_epoch} epochs were asked "
                             "for; give a DataLoader, which starts over every epoch, or "
                             "train for one epoch")

    steps = train.steps if isinstance(train, _Loader) else len(train)
    params = {"verbose": verbose, "epochs": epochs, "steps": steps}
    extra = [GradientNormRecorder()] if track_gradients else []
    cbs, history, progress = _callbacks(self, callbacks, verbose, params, extra, history=True)
    if isinstance(train, _Arrays):  # a loader's first batch builds lazy layers as it comes
        _build(self, train.x)

    opt, loss_fn = self.optimizer, self.loss
    _plain(self, "stop_training", False)
    _plain(self, "history", history)
    # fit trains even when called under no_grad (grad mode is a PyTorch idea Keras lacks)
    with _keeping_modes(self), autograd.enable_grad():
        try:
            _train_loop(self, train, val, cbs, opt, loss_fn, shuffle, initial_epoch, epochs)
        finally:
            progress.close()
    return history


def _train_loop(self: Module, train: Any, val: Any, cbs: CallbackList, opt: optim.Optimizer,
                loss_fn: Any, shuffle: bool, initial_epoch: int, epochs: int) -> None:
    """fit's epochs: the PyTorch step per batch, validation at each epoch's end."""
    cbs.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        self.train()
        tracker = _Tracker(self.compiled_metrics)
        logs: dict[str, float] = {}
        cbs.on_epoch_begin(epoch)
        order = None
        if shuffle and isinstance(train, _Arrays):
            order = autograd.default_generator().permutation(len(train.x))
        for step, (xb, yb) in enumerate(train.batches(order)):
            if step == 0:
                _plain(self, "_input_shape", tuple(np.shape(xb)[1:]))
            cbs.on_train_batch_begin(step)
            opt.zero_grad()
            pred = self(xb)
            loss = _scalar_loss(loss_fn(pred, _as_target(yb)))
            loss.backward()
            opt.step()
            logs = tracker.update(loss.item(), len(xb), yb, pred)
            cbs.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        if tracker.count == 0:
            raise ValueError("fit: the training loader gave no batches")
        epoch_logs = dict(logs)
        if val is not None:
            self.eval()
            val_logs = _test_loop(self, val, cbs)
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        cbs.on_epoch_end(epoch, epoch_logs)
        if self.stop_training:
            break
    cbs.on_train_end()


def evaluate(self: Module, x: Any = None, y: Any = None, batch_size: int | None = 32,
             verbose: int | str = 1, callbacks: Iterable[Callback] | None = None,
             return_dict: bool = False) -> float | list[float] | dict[str, float]:
    """The loss (and compiled metrics) over the whole of x, y (or a loader), in eval mode with
    no graph recorded; the loss is the batch-size-weighted mean over batches of ``batch_size``.
    Returns the loss alone when there are no metrics, else [loss, metric, ...] (Keras), or a
    dict with ``return_dict``."""
    _check_compiled(self, "evaluate")
    batch_size = 32 if batch_size is None else _check_int(batch_size, "evaluate: batch_size", 1)
    verbose = _check_verbose(verbose)
    data = _data(self, x, y, batch_size, "evaluate")
    steps = data.steps if isinstance(data, _Loader) else len(data)
    params = {"verbose": verbose, "epochs": 1, "steps": steps}
    cbs, _, progress = _callbacks(self, callbacks, verbose, params)
    with _keeping_modes(self):
        self.eval()
        try:
            logs = _test_loop(self, data, cbs)
        finally:
            progress.close()
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(self: Module, x: Any, batch_size: int | None = 32, verbose: int | str = 0,
            callbacks: Iterable[Callback] | None = None) -> np.ndarray:
    """The model's outputs for x (an array, a Tensor, or a loader whose batches are x or
    (x, y)), as one numpy array, computed in eval mode in batches with no graph recorded."""
    batch_size = 32 if batch_size is None else _check_int(batch_size, "predict: batch_size", 1)
    verbose = _check_verbose(verbose)
    if _is_batches(x):
        batches: Any = x
        steps = _Loader(x, "predict").steps
    else:
        if x is None:
            raise ValueError("predict: x is None; give the inputs x")
        arr = _match_rank(self, _to_array(x, "predict: x")).astype(_model_dtype(self),
                                                                   copy=False)
        batches = (arr[i:i + batch_size] for i in range(0, len(arr), batch_size))
        steps = -(-len(arr) // batch_size)
    params = {"verbose": verbose, "epochs": 1, "steps": steps}
    cbs, _, progress = _callbacks(self, callbacks, verbose, params)
    outputs = []
    with _keeping_modes(self), autograd.no_grad():
        self.eval()
        try:
            cbs.on_predict_begin()
            for step, xb in enumerate(batches):
                if isinstance(xb, list | tuple):
                    xb = xb[0]
                cbs.on_predict_batch_begin(step)
                out = self(xb)
                outputs.append(_as_numpy(out))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
            cbs.on_predict_end()
        finally:
            progress.close()
    if not outputs:
        raise ValueError("predict got no samples")
    return np.concatenate(outputs)


# -- summary ---------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _count(params: Iterable) -> tuple[int, int]:
    """(trainable, non-trainable) numbers of values."""
    trainable = frozen = 0
    for p in params:
        n = 1 if isinstance(p, Value) else p.numel()
        if p.requires_grad:
            trainable += n
        else:
            frozen += n
    return trainable, frozen


def _input_shape(model: Module) -> tuple | None:
    shape = getattr(model, "_input_shape", None)
    if shape is not None:
        return shape
    for m in model.modules():
        n = getattr(m, "in_features", None)
        if n:
            return (n,)
    return None


def _output_shapes(model: Module, shape: tuple) -> dict[str, str]:
    """Each child's output shape (batch dimension None) from one dry run of two samples."""
    seen: dict[str, str] = {}
    children = list(model.named_children())
    for name, child in children:
        def spy(*args, _forward=child.forward, _name=name, **kwargs):
            out = _forward(*args, **kwargs)
            shp = getattr(out, "shape", None)
            seen[_name] = "?" if shp is None else str((None, *shp[1:])).replace(",)", ")")
            return out
        object.__setattr__(child, "forward", spy)
    try:
        with _keeping_modes(model), autograd.no_grad():
            model.eval()
            model(np.zeros((2, *shape), dtype=_model_dtype(model)))
    except Exception:  # a model that wants other input: shapes stay unknown
        seen.clear()
    finally:
        for _, child in children:
            child.__dict__.pop("forward", None)
    return seen


class Summary(str):
    """The text of ``model.summary()`` (already printed): a str that Jupyter does not show a
    second time."""

    def _ipython_display_(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<model summary, {len(self.splitlines())} lines>"


def summary(self: Module, print_fn: Any = print) -> Summary:
    """Print Keras' table (Layer (type), Output Shape, Param #, then the totals) and return it.

    Output shapes come from one dry run of two zero samples, the input size taken from the
    data of the last fit / evaluate / predict or from the first layer's ``in_features``
    (``Dense(..., input_shape=[11])``); that run also builds any lazy layer, as Keras builds
    a model whose input shape is known. ``print_fn=None`` only returns the text.
    """
    shape = _input_shape(self)
    unbuilt = [n for n, m in self.named_modules() if getattr(m, "built", True) is False]
    if shape is None and unbuilt:
        raise ValueError(
            f"this {type(self).__name__} is not built yet, so its parameters are unknown: give "
            "the first layer input_shape=[features], or call fit / predict first"
        )
    shapes = _output_shapes(self, shape) if shape is not None else {}
    rows, used = [], {}
    for name, child in self.named_children():
        kind = type(child).__name__
        label = name
        if name.isdigit():  # Sequential's positions get Keras' automatic names
            base = _snake(kind)
            k = used.get(base, 0)
            used[base] = k + 1
            label = base if k == 0 else f"{base}_{k}"
        rows.append((f"{label} ({kind})", shapes.get(name, "?"), sum(_count(child.parameters()))))
    trainable, frozen = _count(self.parameters())
    cols = (29, 26)
    width = 65
    out = [f'Model: "{_snake(type(self).__name__)}"', "_" * width,
           (" " + "Layer (type)".ljust(cols[0] - 1) + "Output Shape".ljust(cols[1])
            + "Param #"),
           "=" * width]
    for label, out_shape, count in rows:  # a long name pushes the columns, never cut
        out += [(" " + label.ljust(cols[0] - 2) + " " + out_shape.ljust(cols[1] - 1) + " "
                 + str(count)).rstrip(), ""]
    out += ["=" * width, f"Total params: {trainable + frozen:,}",
            f"Trainable params: {trainable:,}", f"Non-trainable params: {frozen:,}", "_" * width]
    text = Summary("\n".join(out))
    if print_fn is not None:
        print_fn(text)
    return text


def _install() -> None:
    """Give every Module the Keras methods (Module itself never imports training code)."""
    for fn in (compile, fit, evaluate, predict, summary):
        setattr(Module, fn.__name__, fn)


_install()
