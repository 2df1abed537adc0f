"""Reading learning curves the way lessons 001 and 002 teach it: ``diagnose(history)``.

The verdict comes from the shape of the training and validation loss per epoch and, for a
classifier, from its accuracy and loss against those of a guess, with the numbers it used
(``Diagnosis.evidence``) and the lessons' remedies, in English or (``lang="es"``) in the lessons'
Spanish. Per-layer gradient norms recorded by ``fit(..., track_gradients=True)`` add findings on
vanishing and exploding gradients (lesson 004), whose remedies come first when they explain why
the model does not learn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["Diagnosis", "diagnose", "VERDICTS"]

VERDICTS = ("healthy", "still_improving", "not_learning", "diverging", "overfitting",
            "underfitting", "too_few_epochs")

# The thresholds, as documented in diagnose()'s docstring.
MIN_EPOCHS = 3
FLAT_DROP = 0.01
DIVERGE_CLIMB = 0.5
DIVERGE_MIN_RISE = 0.05
OVERFIT_RISE = 0.05
OVERFIT_AFTER = 2
TRAIN_STILL_FALLING = 0.01
FAST_SLOPE = 0.02
SLOW_SLOPE = 0.005
PLATEAU_RATIO = 0.25
UNDERFIT_DROP = 0.3
UNDERFIT_GAP = 0.1
LOW_SKILL = 0.4
NEAR_UNIFORM = 0.02
WIDE_GAP = 1 / 3
VANISH_RATIO = 1e-2
EXPLODE_NORM = 1e3

# Keras' names for accuracy; "binary_accuracy" implies two classes
ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy",
                 "binary_accuracy")

_LANGS = ("en", "es")


@dataclass
class Diagnosis:
    """What ``diagnose`` read in a history.

    ``verdict``: one of ``VERDICTS``; ``headline``: the verdict in one sentence; ``remedies``:
    what the lessons suggest (a gradient problem's first when it explains the verdict, see
    ``diagnose``);
    ``notes``: what the curves cannot tell, and side remarks; ``gradients``: None when no
    gradient norms were recorded, else a list of findings (empty when the gradients look fine),
    each a dict with "parameter", "finding" ("vanishing" or "exploding"), "norm", "text" and,
    for vanishing ones, "ratio" (its median norm over the largest one's) and "reference" (the
    parameter with that largest median); ``saturating``: when
    gradients vanish, the model's sigmoid and tanh activations, kind -> module names (said
    once, after the findings).

    ``evidence``: the numbers behind the verdict, as far as the reading got: "epochs",
    "first_loss", "last_loss", "min_loss", "min_loss_epoch", "loss_drop" and "loss_climb"
    (fractions), "best_epoch" (lowest val_loss, else lowest loss), with validation
    "first_val_loss", "last_val_loss", "best_val_loss", "gap" (last val_loss minus last loss)
    and "relative_gap" (the gap over the larger of the two last losses: between -1 and 1 for
    losses that are not negative, so a training loss near zero reads as a gap near 100%, not
    thousands of percent), "val_rise", "overfit_epoch" when overfitting; "tail_epochs",
    "tail_slope", "val_tail_slope" and "mean_slope" (relative change per epoch); for a
    classifier, "classes", "accuracy" (the better of the last training and validation
    accuracy), "accuracy_key", "chance_accuracy" (1/classes) and "accuracy_skill", and with a
    cross-entropy loss "uniform_loss" (ln classes) and "loss_below_uniform"; "nonfinite_key"
    and "nonfinite_epoch" for a nan or inf; "final" (every curve's last value);
    "early_stopping" (the History's record). Epochs count from 1, as the progress line prints
    them.

    ``str(diagnosis)`` is the whole reading as text; in Jupyter it shows as Markdown.
    """

    verdict: str
    headline: str
    evidence: dict[str, Any]
    remedies: list[str]
    gradients: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    lang: str = "en"
    saturating: dict[str, list[str]] = field(default_factory=dict)

    def _sections(self) -> list[tuple[str, list[str]]]:
        words = _TEXT[self.lang]
        sections = [(words["evidence"], _evidence_lines(self.evidence, self.lang))]
        if self.gradients:
            lines = [f["text"] for f in self.gradients]
            if self.saturating:
                lines.append(_saturating_text(self.saturating, words))
            sections.append((words["gradients"], lines))
        if self.remedies:
            sections.append((words["remedies"], list(self.remedies)))
        if self.notes:
            sections.append((words["notes"], list(self.notes)))
        return sections

    def __str__(self) -> str:
        lines = [self.headline]
        for title, items in self._sections():
            lines.append(f"{title}:")
            lines.extend(f"  - {item}" for item in items)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.headline}**", ""]
        for title, items in self._sections():
            lines.append(f"*{title}*")
            lines.append("")
            lines.extend(f"- {item}" for item in items)
            lines.append("")
        return "\n".join(lines)

    def __repr__(self) -> str:
        where = self.evidence.get("overfit_epoch")
        extra = f", from epoch {where}" if where is not None else ""
        return f"<Diagnosis: {self.verdict}{extra}>"


# -- reading the input ----------------------------------------------------------------------------

@dataclass
class _Parts:
    """What a history holds, read once: each curve as a float array, the epoch numbers counted
    from 1, and what fit's History adds (early stopping record, gradient norms, model)."""

    curves: dict[str, np.ndarray]
    epochs: list[int]
    early: Mapping | None
    norms: dict[str, Any]
    model: Any


def read_history(history: Any, who: str) -> _Parts:
    """Read a History, a dict of per-epoch lists (``history.history``) or its DataFrame;
    ``who`` names the caller in error messages. Every curve must have one number per epoch."""
    early, norms, model, epochs = None, {}, None, None
    if isinstance(history, Mapping):
        raw = history
    elif isinstance(getattr(history, "history", None), Mapping):
        raw = history.history
        epochs = getattr(history, "epoch", None)
        early = getattr(history, "early_stopping", None)
        norms = getattr(history, "gradient_norms", None) or {}
        model = getattr(history, "model", None)
    elif callable(getattr(history, "to_dict", None)) and hasattr(history, "columns"):
        raw = history.to_dict("list")  # a pandas DataFrame of the history
    else:
        raise TypeError(
            f"{who} takes a History (what fit returns), a dict of per-epoch lists such as "
            f"history.history, or a DataFrame of it; got {type(history).__name__}"
        )
    curves = {}
    for key, values in raw.items():
        try:
            arr = np.asarray(list(values), dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{who}: history[{key!r}] must be a list of numbers, one per "
                            f"epoch; got {values!r:.80}") from None
        if arr.ndim != 1:
            raise ValueError(f"{who}: history[{key!r}] must be a flat list, one number per "
                             f"epoch; got shape {arr.shape}")
        curves[str(key)] = arr
    lengths = {key: len(arr) for key, arr in curves.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{who}: the curves have different lengths {lengths}; each key needs "
                         "one value per epoch")
    n = next(iter(lengths.values()), 0)
    if epochs is not None and len(epochs) == n:
        numbers = [int(e) + 1 for e in epochs]
    else:
        numbers = list(range(1, n + 1))
    return _Parts(curves, numbers, early, dict(norms), model)


def _slope(y: np.ndarray) -> float:
    """Least-squares slope of ``y`` against 0, 1, 2, ... (change per epoch)."""
    x = np.arange(len(y), dtype=np.float64)
    x -= x.mean()
    return float(np.dot(x, y - y.mean()) / np.dot(x, x))


def _scale(*values: float) -> float:
    return float(max(max(abs(v) for v in values), 1e-12))


# -- the reading ----------------------------------------------------------------------------------

def diagnose(history: Any, lang: str = "en", *, classes: int | None = None) -> Diagnosis:
    """Read the learning curves of ``history`` (a ``History``, a dict of per-epoch lists such
    as ``history.history``, or its DataFrame) and say what they show, as lessons 001 and 002
    teach: ``healthy``, ``still_improving``, ``not_learning``, ``diverging`` (learning rate
    too high), ``overfitting``, ``underfitting`` or ``too_few_epochs``.

    Uses ``loss`` and, when present, ``val_loss``; without validation it says it cannot tell
    overfitting. With ``L`` the training loss, ``V`` the validation loss, epochs counted from
    1, and relative meaning "as a fraction of the loss's size", the checks run in this order:

    1. a nan or inf anywhere in ``L`` or ``V``: **diverging**;
    2. fewer than ``MIN_EPOCHS`` (3) epochs: **too_few_epochs**;
    3. ``L`` climbed back after its minimum by more than ``DIVERGE_CLIMB`` (half) of what it
       had fallen, and by more than ``DIVERGE_MIN_RISE`` (5%): **diverging**;
    4. ``L`` fell by less than ``FLAT_DROP`` (1%) of its first value, or, for a cross entropy
       over k classes, never got more than ``NEAR_UNIFORM`` (2%) below ln k, the loss of a
       uniform guess: **not_learning**;
    5. ``V`` is lowest at epoch k, at least ``OVERFIT_AFTER`` (2) epochs before the end, ends
       more than ``OVERFIT_RISE`` (5%) above that minimum, and ``L`` did not rise after k (by
       at most ``TRAIN_STILL_FALLING``, 1%): **overfitting** from epoch k (stop there);
    6. the slope of the last third of the epochs (least squares, at least 3 epochs) decides
       whether ``L`` leveled off: it did when it falls by less than ``FAST_SLOPE`` (2%) of its
       size per epoch there, and either by less than ``SLOW_SLOPE`` (0.5%) or at less than
       ``PLATEAU_RATIO`` (a quarter) of its average pace over the whole run;
    7. **underfitting** when the model ends poor, judged by the best reference the history
       gives: for a classifier with an accuracy curve, the better of the last training and
       validation accuracy covers less than ``LOW_SKILL`` (40%) of the way from a guess (1/k)
       to 100% (below 46% for 10 classes, 70% for 2); else, for a cross entropy, ``L`` ends
       less than ``UNDERFIT_DROP`` (30%) below ln k; else ``L`` fell less than
       ``UNDERFIT_DROP`` of its first value. With the first two (the training data itself is
       fit poorly), ``L`` and ``V`` (when present) must fall by less than ``FAST_SLOPE`` per
       epoch at the end; with the last, ``L`` must have leveled off, ``V`` no longer fall (by
       ``SLOW_SLOPE``) and end less than ``UNDERFIT_GAP`` (10%) above ``L`` (a model that fits
       its training data clearly better than new data has capacity enough);
    8. not leveled off, and ``V`` (when present) still falling: **still_improving**;
    9. otherwise **healthy**; a note says so when ``L`` still falls but ``V`` no longer does
       (more epochs would likely overfit), and when the final ``L`` lies more than
       ``WIDE_GAP`` (a third) below ``V`` (that is, ``V`` above 1.5 times ``L``).

    Gaps are measured relative to the larger of the two losses, so a training loss near zero
    gives a gap near 100% rather than an unbounded one.

    The number of classes k is ``classes`` when given, else 2 for a binary cross entropy (or a
    "binary_accuracy" curve), else the width of the model's last layer (``history.model``, for
    a cross-entropy loss or an accuracy curve); the ln k reference needs the model's loss to be
    a cross entropy with mean reduction. A curve alone cannot tell a too-small model from
    noise no model can learn: without those references "poor" means the loss fell little
    relative to its first epoch, so a history that continues an earlier ``fit`` is read on its
    own epochs only.

    Gradient norms (``history.gradient_norms``: parameter name -> per-epoch norm, filled by
    ``fit(..., track_gradients=True)``) are read from the weights (names ending in "weight" or
    "kernel"; all parameters when none do). A parameter's gradient is **vanishing** when its
    median norm is below ``VANISH_RATIO`` (1/100) of the largest one's (sigmoid and tanh
    saturate, lesson 004), **exploding** when a norm is nan, inf or above ``EXPLODE_NORM``
    (1000). Such a finding comes first in the remedies: for **not_learning** and
    **underfitting** the headline names it as the likely cause, and the advice to grow the
    model or train longer is replaced by a sentence saying the gradient must be fixed first
    (more layers make a vanishing gradient worse).

    ``lang``: "en" or "es" (the lessons' Spanish). Raises ValueError when the history has no
    ``loss`` or no epochs, or ``classes`` is not an int of at least 2, TypeError when it is
    not a history.
    """
    if lang not in _LANGS:
        raise ValueError(f"diagnose: lang must be one of {_LANGS}, got {lang!r}")
    if classes is not None and (isinstance(classes, bool) or not isinstance(classes, Integral)
                                or classes < 2):
        raise ValueError("diagnose: classes must be the number of classes of a classifier, an "
                         f"int of at least 2; got {classes!r}")
    parts = read_history(history, "diagnose")
    curves, epochs, early = parts.curves, parts.epochs, parts.early
    if "loss" not in curves:
        raise ValueError(
            "diagnose needs the training loss per epoch, history['loss']; the history has "
            f"{sorted(curves) or 'no keys at all'}"
        )
    if len(curves["loss"]) == 0:
        raise ValueError("diagnose: the history has no epochs recorded (history['loss'] is "
                         "empty); train for at least 3 epochs first")
    gradients, saturating = _gradients(parts.norms, parts.model) if parts.norms else (None, {})
    t = _TEXT[lang]
    if gradients:
        for finding in gradients:
            finding["text"] = t[finding["finding"]].format(**finding)
    loss = curves["loss"]
    ev: dict[str, Any] = {"epochs": len(loss), "first_loss": float(loss[0]),
                          "last_loss": float(loss[-1])}
    notes: list[str] = []
    if "val_loss" not in curves:
        notes.append(t["no_val"])
    if early:
        ev["early_stopping"] = dict(early)
    ev["final"] = {key: float(arr[-1]) for key, arr in curves.items()}
    _classifier(curves, parts.model, classes, ev)

    verdict, headline, keys = _read(curves, epochs, ev, notes, t)
    if verdict == "overfitting" and early:
        notes.append(_early_text(early, t, "early_on"))
    first: list[str] = []
    problems = [kind for kind in ("vanishing", "exploding")
                if any(f["finding"] == kind for f in gradients or ())]
    grad_keys = [key for kind in problems for key in _REMEDIES[kind]]
    if verdict in ("not_learning", "underfitting") and problems:
        # the gradient is what keeps the model from learning: growing it or training longer
        # cannot help before that is fixed (more layers make a vanishing gradient worse)
        headline += " " + t[f"{problems[0]}_cause"]
        first = [t[f"{kind}_first"] for kind in problems]
        keys = grad_keys + [key for key in keys if key not in _MOOT_WITH_GRADIENT_PROBLEM]
    elif verdict == "still_improving":
        keys = grad_keys + keys
    else:
        keys = keys + grad_keys
    remedies = first + [t["remedy"][key].format(**ev) for key in dict.fromkeys(keys)]
    return Diagnosis(verdict=verdict, headline=headline, evidence=ev, remedies=remedies,
                     gradients=gradients, notes=notes, lang=lang, saturating=saturating)


# which remedies each reading calls for, as keys of _TEXT[lang]["remedy"]
_REMEDIES = {
    "too_few_epochs": ["more_epochs_to_see"],
    "diverging": ["lower_lr", "scale_inputs_target", "clip"],
    "not_learning": ["check_lr", "scale_inputs", "output_activation", "check_gradients"],
    "overfitting": ["stop_at", "dropout", "more_data", "simpler_model", "weight_decay"],
    "underfitting": ["bigger_model", "train_longer", "less_regularization", "check_features"],
    "still_improving": ["more_epochs", "higher_lr"],
    "healthy": [],
    "vanishing": ["activations", "init", "fewer_layers", "normalization"],
    "exploding": ["lower_lr", "clip", "init"],
}
# said otherwise, or already answered, once a gradient finding explains a stalled model
_MOOT_WITH_GRADIENT_PROBLEM = {"bigger_model", "train_longer", "check_gradients"}


def _early_text(early: Mapping, t: dict, key: str) -> str:
    """The early-stopping sentence (its epochs count from 0, as history.epoch; shown from 1)."""
    stopped, best = early.get("stopped_epoch"), early.get("best_epoch")
    best = "?" if best is None else int(best) + 1
    if stopped is None:
        return t[f"{key}_ran"].format(best=best)
    return t[key].format(stopped=int(stopped) + 1, best=best)


def _model_task(model: Any) -> tuple[str | None, int | None]:
    """("binary" or "categorical" when the model's loss is a cross entropy averaged over the
    samples, else None; the width of its last layer with ``out_features`` or ``units``)."""
    from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss

    loss = getattr(model, "loss", None)
    kind = None
    if getattr(loss, "reduction", None) == "mean":
        if isinstance(loss, BCELoss | BCEWithLogitsLoss):
            kind = "binary"
        elif isinstance(loss, CrossEntropyLoss | NLLLoss):
            kind = "categorical"
    width = None
    named = getattr(model, "named_modules", None)
    if callable(named):
        for _, module in named():
            size = getattr(module, "out_features", None) or getattr(module, "units", None)
            if isinstance(size, Integral) and not isinstance(size, bool):
                width = int(size)
    return kind, width


def _classifier(curves: dict[str, np.ndarray], model: Any, classes: int | None,
                ev: dict) -> None:
    """Put a classifier's references in ``ev``: its number of classes k, its final accuracy
    against a guess's 1/k, and for a cross entropy its final loss against ln k."""
    key = next((k for k in ACCURACY_KEYS if k in curves or f"val_{k}" in curves), None)
    kind, width = _model_task(model)
    if classes is None:
        if key == "binary_accuracy" or kind == "binary":
            classes = 2
        elif width is not None and (kind or key):
            classes = max(width, 2)  # one output unit with an accuracy: a binary classifier
    if classes is None:
        return
    ev["classes"] = int(classes)
    chance = 1.0 / classes
    if key is not None:
        finals = [(float(curves[name][-1]), name) for name in (key, f"val_{key}")
                  if name in curves and 0.0 <= curves[name][-1] <= 1.0]
        if finals:
            accuracy, name = max(finals)
            ev.update(accuracy=accuracy, accuracy_key=name, chance_accuracy=chance,
                      accuracy_skill=(accuracy - chance) / (1.0 - chance))
    if kind is not None:
        uniform = math.log(classes)
        ev["uniform_loss"] = uniform
        if np.isfinite(curves["loss"][-1]):
            ev["loss_below_uniform"] = 1.0 - float(curves["loss"][-1]) / uniform


def _read(curves: dict[str, np.ndarray], epochs: list[int], ev: dict, notes: list[str],
          t: dict) -> tuple[str, str, list[str]]:
    """(verdict, headline, remedy keys), following the steps of diagnose's docstring."""
    loss, val = curves["loss"], curves.get("val_loss")
    n = len(loss)

    # 1. nan or inf: the run blew up
    for key in ("loss", "val_loss"):
        arr = curves.get(key)
        if arr is None:
            continue
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            ev.update(nonfinite_key=key, nonfinite_epoch=epochs[i], nonfinite_value=float(arr[i]))
            headline = t["diverging_nan"].format(key=key, value=float(arr[i]), epoch=epochs[i])
            return "diverging", headline, _REMEDIES["diverging"] + ["check_nan"]

    i_min = int(np.argmin(loss))
    ev.update(min_loss=float(loss[i_min]), min_loss_epoch=epochs[i_min])
    if val is not None:
        k = int(np.argmin(val))
        gap = float(val[-1] - loss[-1])
        # over the larger loss: bounded, where over a training loss near zero it explodes
        ev.update(first_val_loss=float(val[0]), last_val_loss=float(val[-1]),
                  best_val_loss=float(val[k]), best_epoch=epochs[k], gap=gap,
                  relative_gap=gap / _scale(loss[-1], val[-1]))
    else:
        ev["best_epoch"] = epochs[i_min]

    # 2. too short to have a shape
    if n < MIN_EPOCHS:
        return ("too_few_epochs", t["too_few"].format(n=n, need=MIN_EPOCHS),
                _REMEDIES["too_few_epochs"])

    # 3. the training loss climbs back: the learning rate is too high
    drop = float(loss[0] - loss[i_min])
    climb = float(loss[-1] - loss[i_min])
    scale = _scale(loss[0], loss[i_min])
    ev.update(loss_drop=drop / _scale(loss[0]), loss_climb=climb / _scale(loss[i_min]))
    if climb > DIVERGE_CLIMB * drop and climb > DIVERGE_MIN_RISE * scale:
        headline = t["diverging"].format(low=loss[i_min], k=epochs[i_min], last=loss[-1],
                                         n=epochs[-1])
        return "diverging", headline, _REMEDIES["diverging"]

    # 4. flat from the start, or no better than spreading the probability evenly
    uniform = ev.get("uniform_loss")
    if uniform is not None and loss[i_min] > (1 - NEAR_UNIFORM) * uniform:
        headline = t["not_learning_uniform"].format(first=loss[0], last=loss[-1],
                                                    k=ev["classes"], ref=uniform)
        return "not_learning", headline, _REMEDIES["not_learning"]
    if drop < FLAT_DROP * _scale(loss[0]):
        headline = t["not_learning"].format(first=loss[0], last=loss[-1], drop=ev["loss_drop"],
                                            n=n)
        return "not_learning", headline, _REMEDIES["not_learning"]

    # 5. validation loss turns up while training loss keeps falling
    if val is not None:
        k = int(np.argmin(val))
        rise = float(val[-1] - val[k]) / _scale(val[k])
        train_after = float(loss[-1] - loss[k]) / _scale(loss[k])
        ev.update(val_rise=rise, loss_change_after_best=train_after)
        if (n - 1 - k >= OVERFIT_AFTER and rise > OVERFIT_RISE
                and train_after <= TRAIN_STILL_FALLING):
            ev["overfit_epoch"] = epochs[k]
            headline = t["overfitting"].format(k=epochs[k], vk=val[k], vlast=val[-1],
                                               lk=loss[k], llast=loss[-1])
            return "overfitting", headline, _REMEDIES["overfitting"]

    # 6. did the training loss level off?
    w = max(MIN_EPOCHS, math.ceil(n / 3))
    tail = loss[-w:]
    tail_slope = _slope(tail)
    pace = float(loss[0] - loss[-1]) / (n - 1)
    rate = -tail_slope / _scale(float(tail.mean()))
    ev.update(tail_epochs=w, tail_slope=-rate, mean_slope=-pace / _scale(loss[0]))
    leveled = rate < FAST_SLOPE and (rate < SLOW_SLOPE or -tail_slope < PLATEAU_RATIO * pace)
    val_rate = 0.0
    if val is not None:
        val_tail = val[-w:]
        ev["val_tail_slope"] = _slope(val_tail) / _scale(float(val_tail.mean()))
        val_rate = -ev["val_tail_slope"]
    val_falling = val_rate > SLOW_SLOPE

    # 7. ends poor for what it is, no longer improving much, validation no better than that
    if "accuracy_skill" in ev:
        by, poor = "accuracy", ev["accuracy_skill"] < LOW_SKILL
    elif "loss_below_uniform" in ev:
        by, poor = "uniform", ev["loss_below_uniform"] < UNDERFIT_DROP
    else:
        by, poor = "drop", ev["loss_drop"] < UNDERFIT_DROP
    close = val is None or ev["relative_gap"] < UNDERFIT_GAP
    if by == "drop":
        settled = leveled and not val_falling and close
    else:
        # a reference says the training data itself is fit poorly: a gap to new data does not
        # show spare capacity, and slow progress is no reason to wait and see
        settled = rate < FAST_SLOPE and val_rate < FAST_SLOPE
    if poor and settled:
        headline = t[f"underfitting_{by}"].format(
            drop=ev["loss_drop"], last=loss[-1], k=ev.get("classes"),
            ref=ev.get("uniform_loss"), below=ev.get("loss_below_uniform"),
            acc=ev.get("accuracy"), key=ev.get("accuracy_key"), chance=ev.get("chance_accuracy"))
        if val is not None and close:
            headline += " " + t["val_follows"]
        return "underfitting", headline, _REMEDIES["underfitting"]

    # 8. still going down at the end
    if not leveled and (val is None or val_falling):
        headline = t["still_improving"].format(rate=rate, w=w)
        return "still_improving", headline, _REMEDIES["still_improving"]

    # 9. healthy
    if val is not None and not leveled:
        notes.append(t["val_stalled"])
    if val is not None and ev["relative_gap"] > WIDE_GAP:
        notes.append(t["wide_gap"].format(gap=ev["relative_gap"], last=loss[-1],
                                          vlast=val[-1]))
    key = "healthy" if val is not None else "healthy_train"
    headline = t[key].format(best=ev["best_epoch"], n=epochs[-1], first=loss[0], last=loss[-1])
    return "healthy", headline, _REMEDIES["healthy"]


def _saturating(model: Any) -> dict[str, list[str]]:
    """The model's sigmoid and tanh activations (lesson 004: they saturate), kind -> the names
    of the modules that apply them."""
    found: dict[str, list[str]] = {}
    named = getattr(model, "named_modules", None)
    if not callable(named):
        return found
    for name, module in named():
        kind = type(module).__name__.lower()
        act = str(getattr(module, "activation_name", "")).lower()
        for which in (act, kind):
            if which in ("sigmoid", "tanh"):
                found.setdefault(which, []).append(name or type(module).__name__)
                break
    return found


def _saturating_text(saturating: Mapping[str, list[str]], t: dict) -> str:
    """One sentence naming the sigmoid and tanh modules, e.g. "sigmoid (modules 1, 3, 5)"."""
    groups = [f"{t['activation'][kind]} ({t['modules'][len(names) > 1]} {', '.join(names)})"
              for kind, names in saturating.items()]
    return t["saturating"].format(layers=t["and"].join(groups))


def _gradients(norms: Mapping[str, Any], model: Any) -> tuple[list[dict[str, Any]],
                                                               dict[str, list[str]]]:
    """The vanishing and exploding findings (their "text" is added by the caller, in its
    language), and the model's saturating activations when a gradient vanishes."""
    arrays = {}
    for name, values in norms.items():
        try:
            arr = np.asarray(list(values), dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"diagnose: gradient_norms[{name!r}] must be a list of numbers, "
                            f"one per epoch; got {values!r:.80}") from None
        if arr.size:
            arrays[str(name)] = arr
    weights = {k: v for k, v in arrays.items() if k.rsplit(".", 1)[-1] in ("weight", "kernel")}
    arrays = weights or arrays
    findings: list[dict[str, Any]] = []
    for name, arr in arrays.items():
        bad = ~np.isfinite(arr)
        peak = float(np.max(np.where(bad, np.inf, arr)))
        if bad.any() or peak > EXPLODE_NORM:
            norm = float(arr[bad][0]) if bad.any() else peak
            findings.append({"parameter": name, "finding": "exploding", "norm": norm})
    medians = {k: float(np.median(v)) for k, v in arrays.items() if np.isfinite(v).all()}
    if len(medians) >= 2:
        ref_name = max(medians, key=medians.get)
        ref = medians[ref_name]
        for name, med in medians.items():
            if ref > 0 and med < VANISH_RATIO * ref:
                findings.append({"parameter": name, "finding": "vanishing", "norm": med,
                                 "ratio": med / ref, "reference": ref_name})
    vanishing = any(f["finding"] == "vanishing" for f in findings)
    return findings, (_saturating(model) if vanishing else {})


_PERCENT = ("loss_drop", "loss_climb", "val_rise", "relative_gap", "tail_slope",
            "val_tail_slope", "mean_slope", "loss_change_after_best", "loss_below_uniform",
            "accuracy", "chance_accuracy", "accuracy_skill")
_SIGNED = ("tail_slope", "val_tail_slope", "mean_slope", "loss_change_after_best")


def _evidence_lines(ev: dict[str, Any], lang: str) -> list[str]:
    labels = _TEXT[lang]["labels"]
    lines = []
    for key, label in labels.items():
        if key not in ev:
            continue
        value = ev[key]
        if key in _PERCENT:
            text = f"{value:+.1%}" if key in _SIGNED else f"{value:.1%}"
        elif isinstance(value, float):
            text = f"{value:.4g}"
        else:
            text = str(value)
        lines.append(f"{label}: {text}")
    if "early_stopping" in ev:
        lines.append(_early_text(ev["early_stopping"], _TEXT[lang], "early_line"))
    return lines


# -- the words ------------------------------------------------------------------------------------

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "evidence": "Evidence",
        "gradients": "Gradients",
        "remedies": "What to try",
        "notes": "Notes",
        "labels": {
            "epochs": "epochs recorded",
            "first_loss": "training loss, first epoch",
            "last_loss": "training loss, last epoch",
            "min_loss": "lowest training loss",
            "min_loss_epoch": "epoch of the lowest training loss",
            "loss_drop": "training loss fell by (from the first epoch to its lowest)",
            "loss_climb": "training loss climbed back from its lowest by",
            "first_val_loss": "validation loss, first epoch",
            "last_val_loss": "validation loss, last epoch",
            "best_val_loss": "lowest validation loss",
            "best_epoch": "best epoch",
            "overfit_epoch": "overfitting from epoch",
            "val_rise": "validation loss rose from its lowest by",
            "loss_change_after_best": "training loss change after the best epoch",
            "gap": "gap, validation minus training loss (last epoch)",
            "relative_gap": "gap relative to the larger of the two losses",
            "tail_epochs": "epochs in the final stretch",
            "tail_slope": "training loss change per epoch, final stretch (of its size)",
            "mean_slope": "training loss change per epoch, whole run (of its first value)",
            "val_tail_slope": "validation loss change per epoch, final stretch (of its size)",
            "classes": "classes",
            "uniform_loss": "loss of a uniform guess over the classes, ln(classes)",
            "loss_below_uniform": "last training loss below that of a uniform guess by",
            "accuracy": "final accuracy (the better of training and validation)",
            "accuracy_key": "accuracy read from",
            "chance_accuracy": "accuracy of a guess, 1/classes",
            "accuracy_skill": "share of the way from a guess to 100% accuracy",
            "nonfinite_key": "curve with a nan or inf",
            "nonfinite_epoch": "first epoch with a nan or inf",
        },
        "early_line": "early stopping stopped after epoch {stopped}; its best epoch was {best}",
        "early_line_ran": "early stopping did not stop training; its best epoch was {best}",
        "no_val": "Without validation data the curves cannot show overfitting: pass "
                  "validation_data=(x_val, y_val) or validation_split=0.2 to fit.",
        "too_few": "Too few epochs to read a curve: {n} recorded, at least {need} needed.",
        "diverging_nan": "Diverging: {key} became {value} at epoch {epoch}; the learning rate "
                         "is most likely too high.",
        "diverging": "Diverging: the training loss rose from {low:.4g} at epoch {k} to "
                     "{last:.4g} at epoch {n}; the learning rate is too high.",
        "not_learning": "Not learning: the training loss stayed flat ({first:.4g} -> "
                        "{last:.4g}, {drop:.1%} lower over {n} epochs).",
        "not_learning_uniform": "Not learning: the training loss stayed at the loss of a "
                                "uniform guess over {k} classes, ln {k} = {ref:.4g} "
                                "({first:.4g} -> {last:.4g}); the model predicts no better "
                                "than chance.",
        "overfitting": "Overfitting from epoch {k}: the validation loss rose from {vk:.4g} to "
                       "{vlast:.4g} while the training loss went from {lk:.4g} to {llast:.4g}.",
        "early_on": "Early stopping was on: it stopped after epoch {stopped}, and its best "
                    "epoch was {best}; restore_best_weights=True keeps that epoch's weights.",
        "early_on_ran": "Early stopping was on but did not stop training (patience too long "
                        "for this run); its best epoch was {best}.",
        "underfitting_drop": "Underfitting: the training loss leveled off high, at {last:.4g}, "
                             "having fallen only {drop:.1%} from its first epoch.",
        "underfitting_uniform": "Underfitting: the training loss leveled off high, at "
                                "{last:.4g}, only {below:.1%} below ln {k} = {ref:.4g}, the loss "
                                "of a uniform guess over {k} classes.",
        "underfitting_accuracy": "Underfitting: the accuracy leveled off low, at {acc:.1%} "
                                 "({key}) for {k} classes, where a guess gets {chance:.1%}; the "
                                 "training loss ended at {last:.4g}.",
        "val_follows": "The validation loss follows it.",
        "still_improving": "Still improving: over the last {w} epochs the training loss was "
                           "still falling {rate:.1%} per epoch.",
        "healthy": "Healthy: training and validation loss fell together and leveled off (best "
                   "epoch {best} of {n}).",
        "healthy_train": "Healthy training curve: the training loss fell from {first:.4g} to "
                         "{last:.4g} and leveled off.",
        "wide_gap": "The training loss ends {gap:.0%} below the validation loss ({last:.4g} "
                    "against {vlast:.4g}): watch for overfitting if training goes on.",
        "val_stalled": "The training loss still falls but the validation loss no longer does: "
                       "more epochs would likely overfit.",
        "vanishing": "Vanishing gradient in {parameter}: median norm {norm:.2e}, {ratio:.1e} "
                     "times that of {reference}; its weights barely learn.",
        "exploding": "Exploding gradient in {parameter}: its norm reached {norm:.3g}.",
        "saturating": "The model uses {layers}: sigmoid and tanh saturate, their derivative is "
                      "near zero for large inputs.",
        "activation": {"sigmoid": "sigmoid", "tanh": "tanh"},
        "modules": ("module", "modules"),
        "and": " and ",
        "vanishing_cause": "The vanishing gradient found below is the likely cause.",
        "exploding_cause": "The exploding gradient found below is the likely cause.",
        "vanishing_first": "Fix the vanishing gradient first: while the first layers get "
                           "almost no gradient they barely learn, and a bigger model or more "
                           "epochs will not help (more layers make it worse).",
        "exploding_first": "Fix the exploding gradient first: while the gradient explodes "
                           "every step overshoots, and a bigger model or more epochs will not "
                           "help.",
        "remedy": {
            "more_epochs_to_see": "Train for more epochs (10 or more) to see the learning "
                                  "curve.",
            "lower_lr": "Lower the learning rate (10 times lower is a good first try; "
                        "nn.tuning.lr_find suggests one).",
            "scale_inputs_target": "Scale the inputs (StandardScaler or MinMaxScaler), and "
                                   "the target for regression.",
            "clip": "Clip the gradients: nn.utils.clip_grad_norm_(model.parameters(), 1.0) "
                    "before each step.",
            "check_nan": "Check that the data holds no nan or inf values.",
            "check_lr": "Check the learning rate: too low barely moves the weights, too high "
                        "keeps them bouncing; try 10 times higher and 10 times lower, or run "
                        "nn.tuning.lr_find.",
            "scale_inputs": "Scale the inputs (StandardScaler or MinMaxScaler).",
            "output_activation": "Check that the output activation goes with the loss: linear "
                                 "with MSE or MAE, sigmoid with binary cross entropy, softmax "
                                 "(logits) with cross entropy.",
            "check_gradients": "Check that the gradients reach every layer: fit(..., "
                               "track_gradients=True) records them; sigmoid and tanh "
                               "saturate.",
            "stop_at": "Stop at epoch {overfit_epoch}: EarlyStopping(monitor='val_loss', "
                       "patience=3, restore_best_weights=True) keeps the weights of the best "
                       "epoch.",
            "dropout": "Add dropout (nn.Dropout) between the hidden layers.",
            "more_data": "Get more training data, or augment it (noise; for images flips, "
                         "rotations, crops, brightness).",
            "simpler_model": "Use a simpler model: fewer layers or hidden units.",
            "weight_decay": "Add regularization: weight_decay in the optimizer.",
            "bigger_model": "Use a bigger model: more layers or hidden units.",
            "train_longer": "Train longer: more epochs.",
            "less_regularization": "Lower the regularization (dropout rate, weight_decay).",
            "check_features": "Check that the features hold the information the target "
                              "needs; more or better data helps.",
            "more_epochs": "Train for more epochs; EarlyStopping(monitor='val_loss') stops "
                           "when it levels off.",
            "higher_lr": "A somewhat higher learning rate reaches the minimum in fewer epochs.",
            "activations": "Use ReLU, GELU, ELU or Swish (SiLU) in the hidden layers instead "
                           "of sigmoid or tanh; they keep useful derivatives.",
            "init": "Initialize the weights for the activation: He (nn.init.kaiming_normal_) "
                    "for ReLU and its kin, Glorot (nn.init.xavier_uniform_) for sigmoid and "
                    "tanh.",
            "fewer_layers": "Use fewer layers: on its way back the gradient is multiplied by "
                            "every activation's derivative.",
            "normalization": "Keep each layer's inputs near zero, where sigmoid and tanh are "
                             "steep: scale the inputs (StandardScaler) and, in PyTorch or "
                             "Keras, put batch normalization between the layers "
                             "(torch.nn.BatchNorm1d, keras.layers.BatchNormalization).",
        },
    },
    "es": {
        "evidence": "Evidencia",
        "gradients": "Gradientes",
        "remedies": "Qué probar",
        "notes": "Notas",
        "labels": {
            "epochs": "épocas registradas",
            "first_loss": "pérdida de entrenamiento, primera época",
            "last_loss": "pérdida de entrenamiento, última época",
            "min_loss": "pérdida de entrenamiento más baja",
            "min_loss_epoch": "época de la pérdida de entrenamiento más baja",
            "loss_drop": "la pérdida de entrenamiento bajó (de la primera época a su mínimo)",
            "loss_climb": "la pérdida de entrenamiento volvió a subir desde su mínimo",
            "first_val_loss": "pérdida de validación, primera época",
            "last_val_loss": "pérdida de validación, última época",
            "best_val_loss": "pérdida de validación más baja",
            "best_epoch": "mejor época",
            "overfit_epoch": "sobreajuste desde la época",
            "val_rise": "la pérdida de validación subió desde su mínimo",
            "loss_change_after_best": "cambio de la pérdida de entrenamiento después de la "
                                      "mejor época",
            "gap": "brecha, pérdida de validación menos la de entrenamiento (última época)",
            "relative_gap": "brecha relativa a la mayor de las dos pérdidas",
            "tail_epochs": "épocas del tramo final",
            "tail_slope": "cambio de la pérdida de entrenamiento por época, tramo final (según "
                          "su tamaño)",
            "mean_slope": "cambio de la pérdida de entrenamiento por época, todo el "
                          "entrenamiento (según su primer valor)",
            "val_tail_slope": "cambio de la pérdida de validación por época, tramo final "
                              "(según su tamaño)",
            "classes": "clases",
            "uniform_loss": "pérdida de repartir la probabilidad por igual entre las clases, "
                            "ln(clases)",
            "loss_below_uniform": "la última pérdida de entrenamiento queda por debajo de la "
                                  "de repartir por igual en",
            "accuracy": "exactitud final (la mejor entre entrenamiento y validación)",
            "accuracy_key": "exactitud leída de",
            "chance_accuracy": "exactitud de adivinar al azar, 1/clases",
            "accuracy_skill": "parte del camino recorrido desde adivinar al azar hasta el 100% "
                              "de exactitud",
            "nonfinite_key": "curva con un nan o inf",
            "nonfinite_epoch": "primera época con un nan o inf",
        },
        "early_line": "la parada temprana (early stopping) detuvo el entrenamiento después de "
                      "la época {stopped}; su mejor época fue la {best}",
        "early_line_ran": "la parada temprana (early stopping) no detuvo el entrenamiento; su "
                          "mejor época fue la {best}",
        "no_val": "Sin datos de validación las curvas no pueden mostrar el sobreajuste: pasar "
                  "validation_data=(x_val, y_val) o validation_split=0.2 a fit.",
        "too_few": "Muy pocas épocas para leer una curva de aprendizaje: hay {n}, hacen falta "
                   "al menos {need}.",
        "diverging_nan": "Diverge: {key} llegó a {value} en la época {epoch}; lo más probable "
                         "es que la tasa de aprendizaje sea demasiado alta.",
        "diverging": "Diverge: la pérdida de entrenamiento subió de {low:.4g} en la época {k} "
                     "a {last:.4g} en la época {n}; la tasa de aprendizaje es demasiado alta.",
        "not_learning": "No está aprendiendo: la pérdida de entrenamiento se mantuvo constante "
                        "({first:.4g} -> {last:.4g}, {drop:.1%} menos en {n} épocas).",
        "not_learning_uniform": "No está aprendiendo: la pérdida de entrenamiento se quedó en "
                                "la de repartir la probabilidad por igual entre las {k} clases, "
                                "ln {k} = {ref:.4g} ({first:.4g} -> {last:.4g}); el modelo no "
                                "predice mejor que adivinando al azar.",
        "overfitting": "Sobreajuste (overfitting) desde la época {k}: la pérdida de validación "
                       "subió de {vk:.4g} a {vlast:.4g} mientras la de entrenamiento pasó de "
                       "{lk:.4g} a {llast:.4g}.",
        "early_on": "La parada temprana estaba activa: detuvo el entrenamiento después de la "
                    "época {stopped} y su mejor época fue la {best}; con "
                    "restore_best_weights=True se queda con los pesos de esa época.",
        "early_on_ran": "La parada temprana estaba activa pero no detuvo el entrenamiento (la "
                        "paciencia es larga para este entrenamiento); su mejor época fue la "
                        "{best}.",
        "underfitting_drop": "Desajuste (underfitting): la pérdida de entrenamiento se "
                             "estabilizó alta, en {last:.4g}, y bajó solo un {drop:.1%} desde "
                             "la primera época.",
        "underfitting_uniform": "Desajuste (underfitting): la pérdida de entrenamiento se "
                                "estabilizó alta, en {last:.4g}, solo un {below:.1%} por debajo "
                                "de ln {k} = {ref:.4g}, la de repartir la probabilidad por "
                                "igual entre las {k} clases.",
        "underfitting_accuracy": "Desajuste (underfitting): la exactitud se estancó baja, en "
                                 "{acc:.1%} ({key}) con {k} clases, donde adivinar al azar da "
                                 "{chance:.1%}; la pérdida de entrenamiento terminó en "
                                 "{last:.4g}.",
        "val_follows": "La pérdida de validación la acompaña.",
        "still_improving": "Todavía mejora: en las últimas {w} épocas la pérdida de "
                           "entrenamiento seguía bajando un {rate:.1%} por época.",
        "healthy": "Curvas saludables: la pérdida de entrenamiento y la de validación bajaron "
                   "juntas y se estabilizaron (mejor época: {best} de {n}).",
        "healthy_train": "Curva de entrenamiento saludable: la pérdida de entrenamiento bajó "
                         "de {first:.4g} a {last:.4g} y se estabilizó.",
        "wide_gap": "La pérdida de entrenamiento termina un {gap:.0%} por debajo de la de "
                    "validación ({last:.4g} frente a {vlast:.4g}): vigilar el sobreajuste si "
                    "el entrenamiento sigue.",
        "val_stalled": "La pérdida de entrenamiento sigue bajando pero la de validación ya no: "
                       "más épocas probablemente lleven al sobreajuste.",
        "vanishing": "Desvanecimiento del gradiente (vanishing gradient) en {parameter}: norma "
                     "mediana {norm:.2e}, {ratio:.1e} veces la de {reference}; sus pesos casi "
                     "no aprenden.",
        "exploding": "Explosión del gradiente (exploding gradient) en {parameter}: su norma "
                     "llegó a {norm:.3g}.",
        "saturating": "El modelo usa {layers}: sigmoide y tanh se saturan, su derivada es casi "
                      "cero para entradas grandes.",
        "activation": {"sigmoid": "sigmoide", "tanh": "tanh"},
        "modules": ("módulo", "módulos"),
        "and": " y ",
        "vanishing_cause": "La causa probable es el desvanecimiento del gradiente que se ve "
                           "más abajo.",
        "exploding_cause": "La causa probable es la explosión del gradiente que se ve más "
                           "abajo.",
        "vanishing_first": "Primero hay que corregir el desvanecimiento del gradiente: "
                           "mientras a las primeras capas casi no les llega gradiente, casi no "
                           "aprenden, y un modelo más grande o más épocas no ayudan (más capas "
                           "lo empeoran).",
        "exploding_first": "Primero hay que corregir la explosión del gradiente: mientras el "
                           "gradiente explota, cada paso se pasa de largo, y un modelo más "
                           "grande o más épocas no ayudan.",
        "remedy": {
            "more_epochs_to_see": "Entrenar más épocas (10 o más) para ver la curva de "
                                  "aprendizaje.",
            "lower_lr": "Bajar la tasa de aprendizaje (probar una 10 veces menor; "
                        "nn.tuning.lr_find sugiere una).",
            "scale_inputs_target": "Escalar las entradas (estandarización o normalización), y "
                                   "la variable objetivo en regresión.",
            "clip": "Recortar los gradientes: nn.utils.clip_grad_norm_(model.parameters(), "
                    "1.0) antes de cada paso.",
            "check_nan": "Revisar que los datos no tengan valores nan o inf.",
            "check_lr": "Revisar la tasa de aprendizaje: si es muy baja los pesos casi no "
                        "cambian, si es muy alta saltan sin llegar al mínimo; probar una 10 "
                        "veces mayor y otra 10 veces menor, o usar nn.tuning.lr_find.",
            "scale_inputs": "Escalar las entradas (estandarización o normalización).",
            "output_activation": "Revisar que la activación de salida vaya con la función de "
                                 "pérdida: lineal con MSE o MAE, sigmoide con entropía cruzada "
                                 "binaria, softmax (logits) con entropía cruzada categórica.",
            "check_gradients": "Revisar que el gradiente llegue a todas las capas: fit(..., "
                               "track_gradients=True) lo registra; sigmoide y tanh se "
                               "saturan.",
            "stop_at": "Detener el entrenamiento en la época {overfit_epoch}: la parada "
                       "temprana, EarlyStopping(monitor='val_loss', patience=3, "
                       "restore_best_weights=True), se queda con los pesos de la mejor época.",
            "dropout": "Agregar dropout (nn.Dropout) entre las capas ocultas: ignora "
                       "temporalmente algunos nodos durante el entrenamiento.",
            "more_data": "Conseguir más datos de entrenamiento, o usar aumento de datos "
                         "(ruido; en imágenes voltear, rotar, recortar, cambiar el brillo).",
            "simpler_model": "Usar un modelo más simple: menos capas o unidades ocultas.",
            "weight_decay": "Agregar regularización: weight_decay en el optimizador.",
            "bigger_model": "Aumentar la complejidad del modelo: más capas o unidades ocultas.",
            "train_longer": "Entrenar durante más tiempo: más épocas.",
            "less_regularization": "Reducir la regularización (tasa de dropout, weight_decay).",
            "check_features": "Revisar que las características contengan la información "
                              "necesaria; aumentar el conjunto de datos puede ayudar.",
            "more_epochs": "Entrenar más épocas; la parada temprana, "
                           "EarlyStopping(monitor='val_loss'), lo detiene cuando deje de "
                           "mejorar.",
            "higher_lr": "Una tasa de aprendizaje algo mayor llega al mínimo en menos épocas.",
            "activations": "Usar ReLU, GELU, ELU o Swish (SiLU) en las capas ocultas en lugar "
                           "de sigmoide o tanh: mantienen derivadas útiles.",
            "init": "Inicializar los pesos según la activación: He (nn.init.kaiming_normal_) "
                    "para ReLU y sus parientes, Glorot (nn.init.xavier_uniform_) para sigmoide "
                    "y tanh.",
            "fewer_layers": "Usar menos capas: en su camino hacia atrás el gradiente se "
                            "multiplica por la derivada de cada activación.",
            "normalization": "Mantener las entradas de cada capa cerca de cero, donde sigmoide "
                             "y tanh tienen pendiente: escalar las entradas (estandarización) "
                             "y, en PyTorch o Keras, poner normalización por lotes (batch "
                             "normalization: torch.nn.BatchNorm1d, "
                             "keras.layers.BatchNormalization) entre las capas.",
        },
    },
}
