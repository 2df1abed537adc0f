"""Tuning: the learning-rate range test (``lr_find``) and a grid search over hyperparameters
(``grid_search``), lesson 002's way of choosing a learning rate (train with 0.1, 0.01 and 0.001
and keep the one with the lowest validation cost), done for you.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["lr_find", "LRFinderResult", "grid_search", "GridSearchResult", "GridSearchRow"]


# -- the learning-rate range test ------------------------------------------------------------------

@dataclass
class LRFinderResult:
    """What ``lr_find`` measured: ``lrs`` (the rate of each step), ``losses`` (the smoothed
    loss there), ``raw_losses`` (each batch's loss), ``suggestion`` (where the smoothed loss
    falls fastest; see ``lr_find``), ``min_loss_lr`` (the rate at the lowest smoothed loss;
    a tenth of it is fastai's older rule of thumb), ``method`` ("steepest" or "min/10": how
    the suggestion was chosen) and ``diverged`` (the test stopped because the loss blew up).
    """

    lrs: list[float]
    losses: list[float]
    raw_losses: list[float]
    suggestion: float | None
    min_loss_lr: float | None
    method: str
    diverged: bool

    def plot(self, ax: Any = None, lang: str = "en"):
        """The loss against the learning rate (``nn.plot.plot_lr_find``); returns the Figure."""
        from .plot import plot_lr_find

        return plot_lr_find(self, ax=ax, lang=lang)

    def __str__(self) -> str:
        if not self.lrs:
            return "LRFinderResult: no steps taken"
        end = "stopped when the loss diverged" if self.diverged else "ran to the end"
        text = (f"LRFinderResult: {len(self.lrs)} steps, learning rate {self.lrs[0]:.1e} to "
                f"{self.lrs[-1]:.1e} ({end})")
        if self.suggestion is not None:
            text += f"; suggested learning rate {self.suggestion:.2e} ({self.method})"
        if self.min_loss_lr is not None:
            text += f"; lowest loss at {self.min_loss_lr:.2e}"
        return text

    __repr__ = __str__


def _positive(value: Any, name: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"lr_find: {name} must be a positive finite number, got {value!r}")
    return float(value)


def _count(value: Any, name: str, least: int, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{who}: {name} must be an integer >= {least}, got {value!r}")
    return int(value)


def _as_array(data: Any, what: str, who: str) -> np.ndarray:
    arr = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
    if arr.ndim == 0 or len(arr) == 0:
        raise ValueError(f"{who}: {what} must hold at least one row, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {what} must be numeric, got dtype {arr.dtype}")
    return arr


def _to_tensor(arr: Any, dtype: np.dtype) -> Any:
    """A batch as the model takes it: float arrays in the model's dtype, integer class indices
    as they are, Tensors untouched."""
    if isinstance(arr, Tensor) or not isinstance(arr, np.ndarray):
        return arr
    if arr.dtype.kind == "f" or arr.dtype.kind == "b":
        return Tensor(arr.astype(dtype))
    return Tensor(arr)


def _batch_stream(x: Any, y: Any, batch_size: int, seed: int | None, dtype: np.dtype,
                  who: str) -> Iterator[tuple[Any, Any]]:
    """Endless (inputs, targets) batches: arrays are reshuffled and cycled (with a generator of
    its own, so the global one is left alone); an iterable of batches is cycled when it can be
    iterated again (a DataLoader, a list) and read once when it is a one-shot iterator."""
    if y is not None:
        xs, ys = _as_array(x, "x", who), _as_array(y, "y", who)
        if len(xs) != len(ys):
            raise ValueError(f"{who}: x has {len(xs)} rows but y has {len(ys)}")
        rng = np.random.default_rng(seed)

        def arrays() -> Iterator[tuple[Any, Any]]:
            while True:
                order = rng.permutation(len(xs))
                for start in range(0, len(xs), batch_size):
                    rows = order[start:start + batch_size]
                    yield _to_tensor(xs[rows], dtype), _to_tensor(ys[rows], dtype)

        return arrays()
    if isinstance(x, np.ndarray | Tensor) or not isinstance(x, Iterable):
        raise ValueError(f"{who}: give targets y with the inputs x, or x as an iterable of "
                         f"(inputs, targets) batches such as a DataLoader; got a "
                         f"{type(x).__name__} and no y")

    def batches() -> Iterator[tuple[Any, Any]]:
        while True:
            some = False
            for batch in x:
                if not isinstance(batch, Sequence) or len(batch) != 2:
                    raise ValueError(f"{who}: each batch must be a pair (inputs, targets), got "
                                     f"{type(batch).__name__} {batch!r:.60}")
                some = True
                yield _to_tensor(batch[0], dtype), _to_tensor(batch[1], dtype)
            if not some or iter(x) is x:
                return

    return batches()


def _resolve(model: Any, loss: Any, optimizer: Any, who: str) -> tuple[Any, Callable]:
    """(optimizer, loss function): the ones given, else the compiled ones; a name builds an
    optimizer over ``model.parameters()`` with torch's defaults."""
    from . import losses
    from .training import OPTIMIZERS, _keras_order

    loss = getattr(model, "loss", None) if loss is None else loss
    if loss is None:
        raise ValueError(f"{who} needs a loss: pass loss='mse' (or a loss module), or "
                         "compile the model first")
    loss_fn = _keras_order(losses.get_loss(loss))
    optimizer = getattr(model, "optimizer", None) if optimizer is None else optimizer
    if optimizer is None:
        raise ValueError(f"{who} needs an optimizer: pass optimizer='adam' (or an Optimizer "
                         "over model.parameters()), or compile the model first")
    if isinstance(optimizer, str):
        cls = OPTIMIZERS.get(optimizer.lower())
        if cls is None:
            raise ValueError(f"{who}: unknown optimizer {optimizer!r}; valid names: "
                             f"{', '.join(OPTIMIZERS)}")
        optimizer = cls(list(model.parameters()))
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not hasattr(optimizer, "state"):
        raise TypeError(f"{who}: optimizer must be an Optimizer (with param_groups and state) "
                        f"or a name such as 'adam', got {type(optimizer).__name__}")
    owned = {id(p) for p in model.parameters()}
    foreign = [i for g in groups for i, p in enumerate(g["params"]) if id(p) not in owned]
    if foreign:
        raise ValueError(f"{who}: the optimizer holds parameters that are not the model's "
                         f"(positions {foreign[:5]} of their groups); build it from "
                         "model.parameters()")
    return optimizer, loss_fn


class _Snapshot:
    """Everything lr_find changes, copied so that it can be put back bit for bit: the model's
    parameters and buffers, gradients and train/eval flags, the optimizer's options and
    state, and the global random generator's position (Dropout draws from it)."""

    def __init__(self, model: Any, optimizer: Any):
        self.model, self.optimizer = model, optimizer
        self.state = model.state_dict()
        self.buffers = [(b, np.array(b.numpy(), copy=True)) for _, b in model.named_buffers()]
        self.grads = [(p, None if p.grad is None else
                       np.array(p.grad.numpy() if isinstance(p.grad, Tensor) else p.grad))
                      for p in model.parameters()]
        self.modes = [(m, m.training) for m in model.modules()]
        self.groups = [{k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
                       for g in optimizer.param_groups]
        self.opt_state = {p: copy.deepcopy(entry) for p, entry in optimizer.state.items()}
        self.rng = copy.deepcopy(autograd.default_generator().bit_generator.state)

    def restore(self) -> None:
        self.model.load_state_dict(self.state)
        for b, saved in self.buffers:
            np.copyto(b.numpy(), saved)
        for p, saved in self.grads:
            if saved is None or not isinstance(p, Tensor):
                p.grad = saved if saved is None else float(saved)
            else:
                p.grad = Tensor(saved)
        for m, mode in self.modes:  # parents come first, so each module ends with its own flag
            m.train(mode)
        for group, saved in zip(self.optimizer.param_groups, self.groups):
            params = group["params"]
            group.clear()
            group.update(saved)
            group["params"] = params
        self.optimizer.state.clear()
        self.optimizer.state.update(self.opt_state)
        autograd.default_generator().bit_generator.state = self.rng


def _model_dtype(model: Any) -> np.dtype:
    for p in model.parameters():
        if isinstance(p, Tensor) and p.dtype.kind == "f":
            return p.dtype
    return np.dtype(np.float32)


def _suggest(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float | None, float | None, str]:
    """(suggestion, rate at the lowest smoothed loss, method); see lr_find."""
    finite = np.isfinite(smoothed)
    if not finite.any():
        return None, None, "none"
    i_min = int(np.nanargmin(np.where(finite, smoothed, np.nan)))
    k = max(1, len(lrs) // 20)
    first = max(k, (i_min + 1) // 10)
    centres = np.arange(first, i_min - k + 1)
    if centres.size >= 3:
        logs = np.log10(lrs)
        slopes = ((smoothed[centres + k] - smoothed[centres - k])
                  / (logs[centres + k] - logs[centres - k]))
        return float(lrs[centres[int(np.argmin(slopes))]]), float(lrs[i_min]), "steepest"
    return float(lrs[i_min]) / 10, float(lrs[i_min]), "min/10"


def lr_find(model: Any, x: Any, y: Any = None, loss: Any = None, optimizer: Any = None,
            start_lr: float = 1e-7, end_lr: float = 10.0, num_iter: int = 100,
            batch_size: int = 32, smooth: float = 0.05, diverge_factor: float = 4.0,
            seed: int | None = None) -> LRFinderResult:
    """The learning-rate range test (Leslie Smith, 2015; fastai's ``lr_find``): train for
    ``num_iter`` steps while the learning rate grows exponentially from ``start_lr`` to
    ``end_lr``, lr_i = start_lr * (end_lr / start_lr)^(i / (num_iter - 1)), and watch the loss.

    The loss of each batch is smoothed with an exponential moving average and bias-corrected,
    a_i = (1 - smooth) a_(i-1) + smooth * loss_i, s_i = a_i / (1 - (1 - smooth)^(i+1));
    the test stops early once s_i > ``diverge_factor`` * min(s) or a loss is nan or inf (for
    losses >= 0). The suggested rate is where s falls fastest: the most negative slope of s
    against log10(lr), each measured across k steps either side (k = a twentieth of the
    steps taken, at least 1), among the steps after the first tenth (while the average
    settles) and at least k steps before s is lowest (the fall there already runs into the
    divergence). When fewer than 3 steps qualify, the rate at the lowest s divided by 10.

    ``x`` and ``y``: arrays (reshuffled and reused as needed, with a generator seeded by
    ``seed``), or ``x`` alone as an iterable of (inputs, targets) batches such as a
    DataLoader (cycled when it can be iterated again). ``loss`` and ``optimizer`` default to
    what ``model.compile`` set; a name ("mse", "adam") works too. Every parameter group gets
    the same rate. A model whose layers are not built yet (Dense without ``input_shape``) is
    built by one forward pass first, as ``fit`` would.

    Afterwards the model's parameters, buffers, gradients and train/eval mode, the
    optimizer's options (its learning rate included) and state, and the global random
    generator are exactly as they were, even when a step raises. Returns an
    ``LRFinderResult``; ``result.plot()`` draws it.
    """
    who = "lr_find"
    start_lr, end_lr = _positive(start_lr, "start_lr"), _positive(end_lr, "end_lr")
    if end_lr <= start_lr:
        raise ValueError(f"lr_find: end_lr ({end_lr}) must be larger than start_lr "
                         f"({start_lr})")
    num_iter = _count(num_iter, "num_iter", 2, who)
    batch_size = _count(batch_size, "batch_size", 1, who)
    if isinstance(smooth, bool) or not isinstance(smooth, numbers.Real) or not 0 < smooth <= 1:
        raise ValueError(f"lr_find: smooth must be in (0, 1] (1: no smoothing), got {smooth!r}")
    if (isinstance(diverge_factor, bool) or not isinstance(diverge_factor, numbers.Real)
            or not diverge_factor > 1):
        raise ValueError(f"lr_find: diverge_factor must be a number > 1, got "
                         f"{diverge_factor!r}")
    if seed is not None:
        _count(seed, "seed", 0, who)
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(f"lr_find takes an nn.Module, got {type(model).__name__}")
    optimizer, loss_fn = _resolve(model, loss, optimizer, who)

    rng_state = copy.deepcopy(autograd.default_generator().bit_generator.state)
    stream = _batch_stream(x, y, batch_size, seed, _model_dtype(model), who)
    first = next(stream, None)
    if first is None:
        raise ValueError("lr_find: the batches are empty")
    if any(getattr(m, "built", True) is False for m in model.modules()):
        was = [(m, m.training) for m in model.modules()]
        with autograd.no_grad():
            model.eval()(first[0])
        for m, mode in was:
            m.train(mode)
    snapshot = _Snapshot(model, optimizer)
    snapshot.rng = rng_state
    rates = start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    beta = 1.0 - float(smooth)
    lrs: list[float] = []
    raw: list[float] = []
    smoothed: list[float] = []
    diverged = False
    try:
        model.train()
        average, best = 0.0, math.inf
        batches = itertools.chain([first], stream)
        with autograd.enable_grad():
            for i, (xb, yb) in zip(range(num_iter), batches):
                lr = float(rates[i])
                for group in optimizer.param_groups:
                    group["lr"] = lr
                optimizer.zero_grad()
                value = loss_fn(model(xb), yb)
                loss_value = float(value.item())
                lrs.append(lr)
                raw.append(loss_value)
                if not math.isfinite(loss_value):
                    smoothed.append(math.nan)
                    diverged = True
                    break
                average = beta * average + (1.0 - beta) * loss_value
                current = average / (1.0 - beta ** (i + 1))
                smoothed.append(current)
                best = min(best, current)
                if current > diverge_factor * best:
                    diverged = True
                    break
                value.backward()
                optimizer.step()
    finally:
        snapshot.restore()
    suggestion, min_loss_lr, method = _suggest(np.asarray(lrs), np.asarray(smoothed))
    return LRFinderResult(lrs=lrs, losses=smoothed, raw_losses=raw, suggestion=suggestion,
                          min_loss_lr=min_loss_lr, method=method, diverged=diverged)


# -- grid search -----------------------------------------------------------------------------------

@dataclass
class GridSearchRow:
    """One candidate of a grid search: ``params`` (the keyword arguments given to
    ``build_fn``), ``score`` (the best value of the monitored quantity over its epochs),
    ``best_epoch`` (where it was reached, counted from 1), ``final`` (every logged quantity
    at the last epoch) and ``history`` (``history.history``: the per-epoch lists)."""

    params: dict[str, Any]
    score: float
    best_epoch: int | None
    final: dict[str, float]
    history: dict[str, list[float]] = field(repr=False)


class GridSearchResult(Sequence):
    """The candidates of a grid search, best first (a candidate whose score is nan comes
    last); a sequence of ``GridSearchRow``. ``best``, ``best_params``, ``to_dataframe()``
    (pandas), and ``str()`` for a text table."""

    def __init__(self, rows: list[GridSearchRow], monitor: str, mode: str):
        self.monitor, self.mode = monitor, mode
        sign = 1.0 if mode == "min" else -1.0
        self.rows = sorted(rows, key=lambda r: (math.isnan(r.score),
                                                 sign * r.score if not math.isnan(r.score)
                                                 else 0.0))

    def __getitem__(self, index):
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def best(self) -> GridSearchRow:
        return self.rows[0]

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.rows[0].params)

    def _columns(self) -> tuple[list[str], list[str]]:
        names: list[str] = []
        finals: list[str] = []
        for row in self.rows:
            names += [k for k in row.params if k not in names]
            finals += [k for k in row.final if k not in finals]
        return names, finals

    def to_dataframe(self):
        """One row per candidate, best first: the parameters, the best score and its epoch,
        then each quantity at the last epoch (``final_`` + name)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("GridSearchResult.to_dataframe needs pandas: pip install pandas"
                              ) from None
        names, finals = self._columns()
        records = []
        for row in self.rows:
            record = {k: row.params.get(k) for k in names}
            record[f"best_{self.monitor}"] = row.score
            record["best_epoch"] = row.best_epoch
            record.update({f"final_{k}": row.final.get(k, math.nan) for k in finals})
            records.append(record)
        return pd.DataFrame.from_records(records)

    def _table(self) -> list[list[str]]:
        names, finals = self._columns()
        header = ["rank", *names, f"best {self.monitor}", "epoch", *(f"final {k}" for k in finals)]
        table = [header]
        for rank, row in enumerate(self.rows, 1):
            table.append([str(rank), *(_cell(row.params.get(k, "")) for k in names),
                          _cell(row.score), str(row.best_epoch or "-"),
                          *(_cell(row.final.get(k, math.nan)) for k in finals)])
        return table

    def __str__(self) -> str:
        table = self._table()
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        table = self._table()
        lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
        lines += ["| " + " | ".join(r) + " |" for r in table[1:]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        best = f"best {self.monitor} {self.best.score:.4g} with {self.best.params}" if self \
            else "empty"
        return f"<GridSearchResult: {len(self)} candidates; {best}>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _grid(param_grid: Any) -> list[dict[str, Any]]:
    """Every combination, in order: the first key varies slowest (itertools.product over the
    keys as given); a list of grids is the union of each one's combinations."""
    grids = [param_grid] if isinstance(param_grid, Mapping) else param_grid
    if isinstance(grids, str) or not isinstance(grids, Sequence) or not grids:
        raise ValueError("grid_search: param_grid must be a dict of name -> list of values, or "
                         f"a non-empty list of such dicts; got {param_grid!r:.80}")
    combos = []
    for grid in grids:
        if not isinstance(grid, Mapping):
            raise ValueError(f"grid_search: each grid must be a dict, got {grid!r:.80}")
        keys = list(grid)
        for key in keys:
            values = grid[key]
            if not isinstance(key, str) or not key.isidentifier():
                raise ValueError(f"grid_search: parameter names must be identifiers (they are "
                                 f"passed as keyword arguments), got {key!r}")
            if isinstance(values, str) or not isinstance(values, Sequence) or not values:
                raise ValueError(f"grid_search: param_grid[{key!r}] must be a non-empty list "
                                 f"of values, got {values!r:.80}")
        combos += [dict(zip(keys, values))
                   for values in itertools.product(*(grid[k] for k in keys))]
    return combos


def _run_candidate(build_fn: Callable, params: dict[str, Any], x: Any, y: Any,
                   fit_kwargs: dict[str, Any], monitor: str, mode: str,
                   seed: int) -> GridSearchRow:
    """Seed, build, train one candidate and read its score (module level: joblib pickles
    it to the worker processes)."""
    autograd.manual_seed(seed)
    model = build_fn(**params)
    if not callable(getattr(model, "fit", None)):
        raise TypeError(f"grid_search: build_fn({params}) returned a "
                        f"{type(model).__name__}, not a compiled model with fit()")
    history = model.fit(x, y, **fit_kwargs)
    curves = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    if monitor not in curves:
        raise ValueError(f"grid_search: monitor {monitor!r} was not logged; the history has "
                         f"{list(curves)}")
    values = np.asarray(curves[monitor], dtype=np.float64)
    finite = np.where(np.isfinite(values), values, np.nan)
    if np.isnan(finite).all():
        score, best = math.nan, None
    else:
        i = int(np.nanargmin(finite) if mode == "min" else np.nanargmax(finite))
        epochs = list(getattr(history, "epoch", range(len(values))))
        score, best = float(values[i]), int(epochs[i]) + 1
    final = {k: v[-1] for k, v in curves.items() if v}
    return GridSearchRow(params=dict(params), score=score, best_epoch=best, final=final,
                         history=curves)


def grid_search(build_fn: Callable[..., Any], param_grid: Mapping[str, Sequence] | Sequence,
                x: Any, y: Any = None, validation_data: Any = None,
                validation_split: float = 0.0, epochs: int = 10, batch_size: int = 32,
                monitor: str = "val_loss", mode: str = "min", n_jobs: int | None = None,
                seed: int = 0, verbose: int = 0, **fit_kwargs: Any) -> GridSearchResult:
    """Train one model per combination of ``param_grid`` and rank them by ``monitor``.

    ``build_fn(**params)`` returns a compiled model for one combination, e.g.
    ``lambda lr: make_model(optimizer=nn.optim.Adam(..., lr=lr))``; before each call
    ``autograd.manual_seed(seed)`` makes initial weights and shuffling repeat, so the
    candidates differ only by their parameters. Each trains with ``model.fit(x, y,
    validation_data=..., validation_split=..., epochs=..., batch_size=..., verbose=0,
    **fit_kwargs)``; its score is the best value of ``monitor`` over the epochs (the lowest
    for ``mode="min"``, the highest for "max"). Lesson 002's example,
    ``param_grid={"lr": [0.1, 0.01, 0.001]}``, keeps the rate with the lowest validation cost.

    ``n_jobs``: None or 1 trains in this process, one candidate after another; any other
    value runs candidates in parallel processes through joblib (``pip install joblib``;
    -1: one per core), so a joblib backend (Dask, Ray) can spread the search over a cluster;
    ``build_fn`` must then be picklable (joblib's cloudpickle takes lambdas). Results equal
    the serial run's. The global random generator is left as it was.

    Returns a ``GridSearchResult``: rows best first, ``best_params``, a text table with
    ``print(result)``, ``to_dataframe()``.
    """
    who = "grid_search"
    if not callable(build_fn):
        raise TypeError(f"grid_search: build_fn must be callable, got {type(build_fn).__name__}")
    combos = _grid(param_grid)
    if mode not in ("min", "max"):
        raise ValueError(f"grid_search: mode must be 'min' or 'max', got {mode!r}")
    if not isinstance(monitor, str):
        raise ValueError(f"grid_search: monitor must be a name such as 'val_loss', got "
                         f"{monitor!r}")
    if (monitor.startswith("val_") and validation_data is None
            and not (isinstance(validation_split, numbers.Real) and validation_split > 0)):
        raise ValueError(f"grid_search: monitor={monitor!r} needs validation data: pass "
                         "validation_data=(x_val, y_val) or validation_split, or monitor "
                         "'loss'")
    epochs = _count(epochs, "epochs", 1, who)
    seed = _count(seed, "seed", 0, who)
    if n_jobs is not None:
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
            raise ValueError(f"grid_search: n_jobs must be a non-zero integer or None (None or "
                             f"1: serial; -1: one process per core), got {n_jobs!r}")
    fit_kwargs = dict(fit_kwargs, validation_data=validation_data,
                      validation_split=validation_split, epochs=epochs, batch_size=batch_size,
                      verbose=0)
    jobs = [(build_fn, params, x, y, fit_kwargs, monitor, mode, seed) for params in combos]
    rng_state = copy.deepcopy(autograd.default_generator().bit_generator.state)
    try:
        if n_jobs in (None, 1):
            rows = (_run_candidate(*job) for job in jobs)
        else:
            try:
                from joblib import Parallel, delayed
            except ImportError:
                raise ImportError('grid_search(n_jobs=...) runs candidates through joblib: '
                                  'pip install "retrograd[tuning]" (or pip install joblib); '
                                  "n_jobs=None trains them one after another") from None
            rows = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_run_candidate)(*job) for job in jobs)
        done = []
        for i, row in enumerate(rows, 1):
            done.append(row)
            if verbose:
                print(f"[{i}/{len(jobs)}] {_describe(row.params)}: best {monitor} "
                      f"{row.score:.4g} at epoch {row.best_epoch}")
    finally:
        autograd.default_generator().bit_generator.state = rng_state
    return GridSearchResult(done, monitor, mode)


def _describe(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())
