"""Metrics: functions of (y_true, y_pred) that return a float, and streaming Metric objects that
``fit`` and ``evaluate`` update batch by batch (Keras' ``update_state`` / ``result``).

Arguments are numpy arrays, Tensors or lists, targets first (scikit-learn's and Keras' order).
A prediction of shape (N, 1) against targets of shape (N,) is aligned, as the losses do.
Predictions may be labels or scores: scores of shape (N, C) become labels by argmax, floats
that are not whole numbers (probabilities) by ``threshold``. Precision, recall and F1 count a
division by zero as 0 (scikit-learn's ``zero_division=0``).

In ``compile(metrics=[...])`` the names are "accuracy"/"acc" (binary, categorical or sparse
categorical, chosen from the shapes as Keras does), "binary_accuracy", "categorical_accuracy",
"sparse_categorical_accuracy", "mae", "mse", "rmse", "r2", "precision", "recall", "f1" (and
their long forms, "mean_absolute_error", ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import Tensor

__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "F1Score", "MeanAbsoluteError",
    "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "R2Score", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "accuracy", "binary_accuracy",
    "categorical_accuracy", "confusion_matrix", "f1_score", "get_metric", "mae",
    "mean_absolute_error", "mean_squared_error", "mse", "precision", "r2_score", "recall", "rmse",
    "root_mean_squared_error", "sparse_categorical_accuracy",
]


# -- inputs ----------------------------------------------------------------------------------------


def _array(x: Any, what: str) -> np.ndarray:
    arr = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numbers, got dtype {arr.dtype}")
    return arr


def _pair(y_true: Any, y_pred: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as arrays of one shape: (N, 1) against (N,) is aligned, any other mismatch raises."""
    t, p = _array(y_true, f"{fn}: y_true"), _array(y_pred, f"{fn}: y_pred")
    if t.shape != p.shape:
        if p.shape == t.shape + (1,) or t.shape == p.shape + (1,):
            t = t.reshape(p.shape)
        else:
            raise ValueError(f"{fn}: y_true shape {t.shape} and y_pred shape {p.shape} do not "
                             "match (only (N, 1) against (N,) is aligned)")
    if t.size == 0:
        raise ValueError(f"{fn}: got no samples (y_true of shape {t.shape})")
    return t, p


def _is_scores(arr: np.ndarray) -> bool:
    return arr.ndim >= 2 and arr.shape[-1] > 1


def _whole(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "biu" or bool(np.all(arr == np.round(arr)))


def _to_labels(arr: np.ndarray, threshold: float) -> np.ndarray:
    """Class labels from labels, probabilities (thresholded) or class scores (argmax)."""
    if _is_scores(arr):
        return arr.argmax(axis=-1)
    flat = arr.reshape(arr.shape[:-1]) if arr.ndim >= 2 else arr
    if _whole(flat):
        return flat.astype(np.int64)
    return (flat > threshold).astype(np.int64)


def _label_pair(y_true: Any, y_pred: Any, threshold: float, fn: str):
    t = _array(y_true, f"{fn}: y_true")
    p = _array(y_pred, f"{fn}: y_pred")
    if _is_scores(p) and t.shape == p.shape:  # one-hot targets
        t = t.argmax(axis=-1)
    t_lab, p_lab = _to_labels(t, threshold), _to_labels(p, threshold)
    if t_lab.shape != p_lab.shape:
        raise ValueError(f"{fn}: y_true shape {t.shape} and y_pred shape {p.shape} do not give "
                         "one label per sample each")
    if t_lab.size == 0:
        raise ValueError(f"{fn}: got no samples (y_true of shape {t.shape})")
    return t_lab.ravel(), p_lab.ravel()


# -- functions -------------------------------------------------------------------------------------


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """mean((y_pred > threshold) == y_true), y_true in {0, 1}."""
    t, p = _pair(y_true, y_pred, "binary_accuracy")
    return float(np.mean((p > threshold).astype(t.dtype) == t))


def categorical_accuracy(y_true: Any, y_pred: Any) -> float:
    """mean(argmax(y_pred) == argmax(y_true)), y_true one-hot (or probabilities)."""
    t, p = _pair(y_true, y_pred, "categorical_accuracy")
    return float(np.mean(t.argmax(axis=-1) == p.argmax(axis=-1)))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> float:
    """mean(argmax(y_pred) == y_true), y_true class indices of shape (N,) or (N, 1)."""
    t = _array(y_true, "sparse_categorical_accuracy: y_true")
    p = _array(y_pred, "sparse_categorical_accuracy: y_pred")
    want = p.shape[:-1]
    if t.shape not in (want, want + (1,)) or p.ndim < 1:
        raise ValueError(f"sparse_categorical_accuracy: y_true shape {t.shape} does not fit "
                         f"class scores of shape {p.shape}; give class indices of shape {want}")
    if t.size == 0:
        raise ValueError("sparse_categorical_accuracy: got no samples")
    return float(np.mean(p.argmax(axis=-1) == t.reshape(want)))


def _accuracy_kind(t: np.ndarray, p: np.ndarray) -> str:
    """Keras' choice for "accuracy": binary for one output, sparse for class indices against
    class scores, categorical for one-hot targets; whole-number predictions are labels."""
    if _is_scores(p):
        return "categorical" if t.shape == p.shape else "sparse"
    return "labels" if _whole(p) else "binary"


def accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """The fraction of correct predictions; binary, categorical or sparse categorical chosen
    from the shapes (see the module's docstring); labels against labels compare exactly."""
    t, p = _array(y_true, "accuracy: y_true"), _array(y_pred, "accuracy: y_pred")
    kind = _accuracy_kind(t, p)
    if kind == "binary":
        return binary_accuracy(t, p, threshold)
    if kind == "categorical":
        return categorical_accuracy(t, p)
    if kind == "sparse":
        return sparse_categorical_accuracy(t, p)
    t, p = _pair(t, p, "accuracy")
    return float(np.mean(t == p))


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence | None = None,
                     threshold: float = 0.5) -> np.ndarray:
    """C[i, j] = how many samples of class labels[i] were predicted as labels[j] (rows true,
    columns predicted, as scikit-learn). ``labels`` defaults to the sorted classes seen in
    either array."""
    t, p = _label_pair(y_true, y_pred, threshold, "confusion_matrix")
    classes = np.union1d(t, p) if labels is None else np.asarray(labels)
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(f"confusion_matrix: labels must be a non-empty list of class labels, "
                         f"got {labels!r:.80}")
    index = {c: i for i, c in enumerate(classes.tolist())}
    out = np.zeros((len(classes), len(classes)), dtype=np.int64)
    keep = np.isin(t, classes) & np.isin(p, classes)
    rows = np.fromiter((index[c] for c in t[keep].tolist()), np.int64, int(keep.sum()))
    cols = np.fromiter((index[c] for c in p[keep].tolist()), np.int64, int(keep.sum()))
    np.add.at(out, (rows, cols), 1)
    return out


def _counts(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """(len(classes), 3): true positives, false positives, false negatives per class."""
    tc, pc = t[:, None] == classes[None, :], p[:, None] == classes[None, :]
    return np.stack([(tc & pc).sum(0), (~tc & pc).sum(0), (tc & ~pc).sum(0)], axis=1)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(np.shape(a), dtype=np.float64), where=np.asarray(b) > 0)


def _scores(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision tp/(tp+fp), recall tp/(tp+fn), F1 2PR/(P+R)."""
    tp, fp, fn = counts[:, 0].astype(np.float64), counts[:, 1], counts[:, 2]
    prec, rec = _divide(tp, tp + fp), _divide(tp, tp + fn)
    return prec, rec, _divide(2 * prec * rec, prec + rec)


def _check_average(average: str, fn: str) -> str:
    if average not in ("binary", "macro"):
        raise ValueError(f"{fn}: average must be 'binary' or 'macro', got {average!r}")
    return average


def _prf(y_true: Any, y_pred: Any, average: str, threshold: float, pos_label: Any,
         fn: str) -> tuple[float, float, float]:
    _check_average(average, fn)
    t, p = _label_pair(y_true, y_pred, threshold, fn)
    classes = np.union1d(t, p)
    if average == "binary":
        if len(classes) > 2 or (len(classes) == 2 and pos_label not in classes.tolist()):
            raise ValueError(
                f"{fn}: average='binary' needs two classes with pos_label={pos_label!r} among "
                f"them, got classes {classes.tolist()}; use average='macro' for more classes"
            )
        prec, rec, f1 = _scores(_counts(t, p, np.asarray([pos_label])))
        return float(prec[0]), float(rec[0]), float(f1[0])
    prec, rec, f1 = _scores(_counts(t, p, classes))
    return float(prec.mean()), float(rec.mean()), float(f1.mean())


def precision(y_true: Any, y_pred: Any, average: str = "binary", threshold: float = 0.5,
              pos_label: Any = 1) -> float:
    """tp / (tp + fp) for ``pos_label`` ("binary"), or its unweighted mean over the classes
    ("macro")."""
    return _prf(y_true, y_pred, average, threshold, pos_label, "precision")[0]


def recall(y_true: Any, y_pred: Any, average: str = "binary", threshold: float = 0.5,
           pos_label: Any = 1) -> float:
    """tp / (tp + fn) for ``pos_label`` ("binary"), or its unweighted mean over the classes
    ("macro")."""
    return _prf(y_true, y_pred, average, threshold, pos_label, "recall")[1]


def f1_score(y_true: Any, y_pred: Any, average: str = "binary", threshold: float = 0.5,
             pos_label: Any = 1) -> float:
    """2 P R / (P + R) for ``pos_label`` ("binary"), or the unweighted mean of each class's F1
    ("macro")."""
    return _prf(y_true, y_pred, average, threshold, pos_label, "f1_score")[2]


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """mean(|y_true - y_pred|)."""
    t, p = _pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(t.astype(np.float64) - p)))


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """mean((y_true - y_pred)^2)."""
    t, p = _pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((t.astype(np.float64) - p) ** 2))


def root_mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """sqrt(mean((y_true - y_pred)^2))."""
    return math.sqrt(mean_squared_error(y_true, y_pred))


def _r2(ss_res: np.ndarray, ss_tot: np.ndarray) -> float:
    """1 - SS_res / SS_tot per output, averaged; a constant target scores 1 when predicted
    exactly, else 0 (scikit-learn's force_finite)."""
    perfect = ss_res == 0
    per_output = np.where(ss_tot > 0, 1 - _divide(ss_res, ss_tot), np.where(perfect, 1.0, 0.0))
    return float(np.mean(per_output))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """R^2 = 1 - sum((y - y_pred)^2) / sum((y - mean(y))^2), per output column, averaged."""
    t, p = _pair(y_true, y_pred, "r2_score")
    t = t.astype(np.float64).reshape(len(t), -1) if t.ndim else t.reshape(1, 1)
    p = p.astype(np.float64).reshape(t.shape)
    return _r2(((t - p) ** 2).sum(0), ((t - t.mean(0)) ** 2).sum(0))


mae, mse, rmse = mean_absolute_error, mean_squared_error, root_mean_squared_error


# -- streaming metrics -----------------------------------------------------------------------------


class Metric:
    """A quantity accumulated over batches: ``reset_state()``, ``update_state(y_true, y_pred)``
    after each batch, ``result()`` for everything seen since the reset. ``direction`` is "up"
    for a score and "down" for an error (EarlyStopping's mode="auto" reads it)."""

    name = "metric"
    direction = "down"

    def __init__(self, name: str | None = None):
        if name is not None:
            self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define reset_state()")

    def update_state(self, y_true: Any, y_pred: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update_state()")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define result()")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class MeanMetricWrapper(Metric):
    """The mean of ``fn(y_true, y_pred)`` over batches, each weighted by its number of samples
    (so the result is the mean over every sample seen)."""

    def __init__(self, fn: Callable, name: str | None = None, direction: str = "down"):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper takes a function, got {type(fn).__name__}")
        self.fn = fn
        if direction not in ("up", "down"):
            raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
        self.direction = direction
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__))

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0

    def update_state(self, y_true: Any, y_pred: Any) -> None:
        n = len(y_pred) if np.ndim(y_pred) else 1
        value = self.fn(y_true, y_pred)
        value = float(np.mean(value.detach().numpy() if isinstance(value, Tensor) else value))
        self.total += value * n
        self.count += n

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanAbsoluteError(MeanMetricWrapper):
    """mean(|y_true - y_pred|) over every sample seen."""

    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, name)


class MeanSquaredError(MeanMetricWrapper):
    """mean((y_true - y_pred)^2) over every sample seen."""

    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, name)


class RootMeanSquaredError(MeanMetricWrapper):
    """sqrt of the mean squared error over every sample seen (not a mean of batch RMSEs)."""

    def __init__(self, name: str = "root_mean_squared_error"):
        super().__init__(mean_squared_error, name)

    def result(self) -> float:
        return math.sqrt(super().result())


class BinaryAccuracy(MeanMetricWrapper):
    """mean((y_pred > threshold) == y_true)."""

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5):
        self.threshold = float(threshold)
        super().__init__(lambda t, p: binary_accuracy(t, p, self.threshold), name, "up")


class CategoricalAccuracy(MeanMetricWrapper):
    """mean(argmax(y_pred) == argmax(y_true)) for one-hot targets."""

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name, "up")


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """mean(argmax(y_pred) == y_true) for class-index targets."""

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name, "up")


class Accuracy(MeanMetricWrapper):
    """Accuracy of the kind the shapes call for (see ``accuracy``)."""

    def __init__(self, name: str = "accuracy", threshold: float = 0.5):
        self.threshold = float(threshold)
        super().__init__(lambda t, p: accuracy(t, p, self.threshold), name, "up")


class R2Score(Metric):
    """R^2 over every sample seen, from running sums (per output column, then averaged)."""

    name = "r2_score"
    direction = "up"

    def reset_state(self) -> None:
        self.n, self.sum, self.sum_sq, self.ss_res = 0, 0.0, 0.0, 0.0

    def update_state(self, y_true: Any, y_pred: Any) -> None:
        t, p = _pair(y_true, y_pred, "R2Score")
        t = t.astype(np.float64).reshape(len(t), -1) if t.ndim else t.reshape(1, 1)
        p = p.astype(np.float64).reshape(t.shape)
        self.n += len(t)
        self.sum = self.sum + t.sum(0)
        self.sum_sq = self.sum_sq + (t * t).sum(0)
        self.ss_res = self.ss_res + ((t - p) ** 2).sum(0)

    def result(self) -> float:
        if not self.n:
            return 0.0
        ss_tot = np.maximum(self.sum_sq - self.sum ** 2 / self.n, 0.0)
        return _r2(np.asarray(self.ss_res), np.asarray(ss_tot))


class _Counts(Metric):
    """Precision / recall / F1 from running per-class counts. ``average=None`` picks "binary"
    for one output column and "macro" for class scores (N, C)."""

    direction = "up"
    _which = 0

    def __init__(self, name: str | None = None, average: str | None = None,
                 threshold: float = 0.5, pos_label: Any = 1):
        if average is not None:
            _check_average(average, type(self).__name__)
        self.average, self.threshold, self.pos_label = average, float(threshold), pos_label
        super().__init__(name)

    def reset_state(self) -> None:
        self.counts: dict[Any, np.ndarray] = {}
        self._average = self.average

    def update_state(self, y_true: Any, y_pred: Any) -> None:
        p = _array(y_pred, f"{type(self).__name__}: y_pred")
        if self._average is None:
            self._average = "macro" if _is_scores(p) else "binary"
        t, p = _label_pair(y_true, p, self.threshold, type(self).__name__)
        classes = np.union1d(t, p)
        if self._average == "binary":
            extra = [c for c in classes.tolist() if c not in (0, 1, self.pos_label)]
            if extra:
                raise ValueError(f"{type(self).__name__}: average='binary' got labels "
                                 f"{classes.tolist()}; use average='macro'")
            classes = np.asarray([self.pos_label])
        for c, row in zip(classes.tolist(), _counts(t, p, classes), strict=True):
            self.counts[c] = self.counts.get(c, 0) + row

    def result(self) -> float:
        if not self.counts:
            return 0.0
        return float(_scores(np.stack(list(self.counts.values())))[self._which].mean())


class Precision(_Counts):
    """tp / (tp + fp) over every sample seen."""

    name = "precision"


class Recall(_Counts):
    """tp / (tp + fn) over every sample seen."""

    name = "recall"
    _which = 1


class F1Score(_Counts):
    """2 P R / (P + R) over every sample seen (macro: the mean of the classes' F1)."""

    name = "f1_score"
    _which = 2


_BY_NAME: dict[str, Callable[..., Metric]] = {
    "accuracy": Accuracy, "acc": Accuracy,
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": lambda name, threshold: CategoricalAccuracy(name),
    "sparse_categorical_accuracy": lambda name, threshold: SparseCategoricalAccuracy(name),
    "mae": lambda name, threshold: MeanAbsoluteError(name),
    "mean_absolute_error": lambda name, threshold: MeanAbsoluteError(name),
    "mse": lambda name, threshold: MeanSquaredError(name),
    "mean_squared_error": lambda name, threshold: MeanSquaredError(name),
    "rmse": lambda name, threshold: RootMeanSquaredError(name),
    "root_mean_squared_error": lambda name, threshold: RootMeanSquaredError(name),
    "r2": lambda name, threshold: R2Score(name),
    "r2_score": lambda name, threshold: R2Score(name),
    "precision": lambda name, threshold: Precision(name, threshold=threshold),
    "recall": lambda name, threshold: Recall(name, threshold=threshold),
    "f1": lambda name, threshold: F1Score(name, threshold=threshold),
    "f1_score": lambda name, threshold: F1Score(name, threshold=threshold),
}

_SCORES = {accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
           precision, recall, f1_score, r2_score}


def get_metric(metric: str | Metric | Callable, threshold: float = 0.5) -> Metric:
    """A fresh Metric for a name (logged under that name, "acc" stays "acc"), the Metric given,
    or a function ``fn(y_true, y_pred)`` wrapped in a MeanMetricWrapper (logged under its
    ``__name__``). ``threshold`` is the one the classification metrics apply to
    probabilities."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        make = _BY_NAME.get(metric.lower())
        if make is None:
            raise ValueError(f"unknown metric {metric!r}; valid names: "
                             f"{', '.join(sorted(_BY_NAME))} (or a Metric, or a function "
                             "f(y_true, y_pred))")
        if make in (Accuracy, BinaryAccuracy):
            return make(name=metric, threshold=threshold)
        return make(metric, threshold)
    if isinstance(metric, type) and issubclass(metric, Metric):
        return metric()
    if callable(metric):
        return MeanMetricWrapper(metric, direction="up" if metric in _SCORES else "down")
    raise TypeError(f"a metric is a name, a Metric or a function f(y_true, y_pred), got "
                    f"{type(metric).__name__} {metric!r:.60}")
