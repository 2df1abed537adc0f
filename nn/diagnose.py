"""Reading learning curves the way lessons 001 and 002 teach it: ``diagnose(history)``.

The verdict comes from the shape of the training and validation loss per epoch, with the numbers
it used (``Diagnosis.evidence``) and the lessons' remedies, in English or (``lang="es"``) in the
lessons' Spanish. Per-layer gradient norms recorded by ``fit(..., track_gradients=True)`` add
findings on vanishing and exploding gradients (lesson 004).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
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
WIDE_GAP = 0.5
VANISH_RATIO = 1e-2
EXPLODE_NORM = 1e3

_LANGS = ("en", "es")


@dataclass
class Diagnosis:
    """What ``diagnose`` read in a history.

    ``verdict``: one of ``VERDICTS``; ``headline``: the verdict in one sentence; ``remedies``:
    what the lessons suggest; ``notes``: what the curves cannot tell, and side remarks;
    ``gradients``: None when no gradient norms were recorded, else a list of findings (empty
    when the gradients look fine), each a dict with "parameter", "finding" ("vanishing" or
    "exploding"), "norm", "text" and, for vanishing ones, "ratio" (its median norm over the
    largest one's).

    ``evidence``: the numbers behind the verdict, as far as the reading got: "epochs",
    "first_loss", "last_loss", "min_loss", "min_loss_epoch", "loss_drop" and "loss_climb"
    (fractions), "best_epoch" (lowest val_loss, else lowest loss), with validation
    "first_val_loss", "last_val_loss", "best_val_loss", "gap" and "relative_gap" (last
    val_loss minus last loss, and that over the loss), "val_rise", "overfit_epoch" when
    overfitting; "tail_epochs", "tail_slope", "val_tail_slope" and "mean_slope" (relative
    change per epoch); "nonfinite_key" and "nonfinite_epoch" for a nan or inf; "final" (every
    curve's last value); "early_stopping" (the History's record). Epochs count from 1, as the
    progress line prints them.

    ``str(diagnosis)`` is the whole reading as text; in Jupyter it shows as Markdown.
    """

    verdict: str
    headline: str
    evidence: dict[str, Any]
    remedies: list[str]
    gradients: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    lang: str = "en"

    def _sections(self) -> list[tuple[str, list[str]]]:
        words = _TEXT[self.lang]
        sections = [(words["evidence"], _evidence_lines(self.evidence, self.lang))]
        if self.gradients:
            sections.append((words["gradients"], [f["text"] for f in self.gradients]))
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
    return max(max(abs(v) for v in values), 1e-12)


# -- the reading ----------------------------------------------------------------------------------

def diagnose(history: Any, lang: str = "en") -> Diagnosis:
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
    4. ``L`` fell by less than ``FLAT_DROP`` (1%) of its first value: **not_learning**;
    5. ``V`` is lowest at epoch k, at least ``OVERFIT_AFTER`` (2) epochs before the end, ends
       more than ``OVERFIT_RISE`` (5%) above that minimum, and ``L`` did not rise after k (by
       at most ``TRAIN_STILL_FALLING``, 1%): **overfitting** from epoch k (stop there);
    6. the slope of the last third of the epochs (least squares, at least 3 epochs) decides
       whether ``L`` leveled off: it did when it falls by less than ``FAST_SLOPE`` (2%) of its
       size per epoch there, and either by less than ``SLOW_SLOPE`` (0.5%) or at less than
       ``PLATEAU_RATIO`` (a quarter) of its average pace over the whole run;
    7. leveled off after falling less than ``UNDERFIT_DROP`` (30%) of its first value, with
       ``V`` (when present) not falling at the end and within ``UNDERFIT_GAP`` (10%) of ``L``
       (a model that fits its training data clearly better than new data has capacity
       enough): **underfitting**;
    8. not leveled off, and ``V`` (when present) still falling: **still_improving**;
    9. otherwise **healthy**; a note says so when ``L`` still falls but ``V`` no longer does
       (more epochs would likely overfit), and when the final ``V`` lies more than
       ``WIDE_GAP`` (50%) above ``L``.

    A curve alone cannot tell a too-small model from noise no model can learn: "high" here
    means the loss fell little relative to its first epoch, so a history that continues an
    earlier ``fit`` is read on its own epochs only.

    Gradient norms (``history.gradient_norms``: parameter name -> per-epoch norm, filled by
    ``fit(..., track_gradients=True)``) are read from the weights (names ending in "weight" or
    "kernel"; all parameters when none do). A parameter's gradient is **vanishing** when its
    median norm is below ``VANISH_RATIO`` (1/100) of the largest one's (sigmoid and tanh
    saturate, lesson 004), **exploding** when a norm is nan, inf or above ``EXPLODE_NORM``
    (1000).

    ``lang``: "en" or "es" (the lessons' Spanish). Raises ValueError when the history has no
    ``loss`` or no epochs, TypeError when it is not a history.
    """
    if lang not in _LANGS:
        raise ValueError(f"diagnose: lang must be one of {_LANGS}, got {lang!r}")
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
    t = _TEXT[lang]
    loss = curves["loss"]
    val = curves.get("val_loss")
    n = len(loss)
    ev: dict[str, Any] = {"epochs": n, "first_loss": float(loss[0]), "last_loss": float(loss[-1])}
    notes: list[str] = []
    if val is None:
        notes.append(t["no_val"])
    if early:
        ev["early_stopping"] = dict(early)
    ev["final"] = {key: float(arr[-1]) for key, arr in curves.items()}

    verdict, headline, remedies = _read(curves, epochs, ev, notes, t)
    if verdict == "overfitting" and early:
        notes.append(_early_text(early, t, "early_on"))
    gradients = None if not parts.norms else _gradients(parts.norms, parts.model, t)
    if gradients:
        for finding in gradients:
            for remedy in t[f"{finding['finding']}_remedies"]:
                if remedy not in remedies:
                    remedies.append(remedy)
    return Diagnosis(verdict=verdict, headline=headline, evidence=ev, remedies=remedies,
                     gradients=gradients, notes=notes, lang=lang)


def _early_text(early: Mapping, t: dict, key: str) -> str:
    """The early-stopping sentence (its epochs count from 0, as history.epoch; shown from 1)."""
    stopped, best = early.get("stopped_epoch"), early.get("best_epoch")
    best = "?" if best is None else int(best) + 1
    if stopped is None:
        return t[f"{key}_ran"].format(best=best)
    return t[key].format(stopped=int(stopped) + 1, best=best)


def _read(curves: dict[str, np.ndarray], epochs: list[int], ev: dict, notes: list[str],
          t: dict) -> tuple[str, str, list[str]]:
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
            return "diverging", headline, list(t["diverging_remedies"]) + [t["check_nan"]]

    i_min = int(np.argmin(loss))
    ev.update(min_loss=float(loss[i_min]), min_loss_epoch=epochs[i_min])
    if val is not None:
        k = int(np.argmin(val))
        gap = float(val[-1] - loss[-1])
        ev.update(first_val_loss=float(val[0]), last_val_loss=float(val[-1]),
                  best_val_loss=float(val[k]), best_epoch=epochs[k], gap=gap,
                  relative_gap=gap / _scale(loss[-1]))
    else:
        ev["best_epoch"] = epochs[i_min]

    # 2. too short to have a shape
    if n < MIN_EPOCHS:
        return ("too_few_epochs", t["too_few"].format(n=n, need=MIN_EPOCHS),
                list(t["too_few_remedies"]))

    # 3. the training loss climbs back: the learning rate is too high
    drop = float(loss[0] - loss[i_min])
    climb = float(loss[-1] - loss[i_min])
    scale = _scale(loss[0], loss[i_min])
    ev.update(loss_drop=drop / _scale(loss[0]), loss_climb=climb / _scale(loss[i_min]))
    if climb > DIVERGE_CLIMB * drop and climb > DIVERGE_MIN_RISE * scale:
        headline = t["diverging"].format(low=loss[i_min], k=epochs[i_min], last=loss[-1],
                                         n=epochs[-1])
        return "diverging", headline, list(t["diverging_remedies"])

    # 4. flat from the start
    if drop < FLAT_DROP * _scale(loss[0]):
        headline = t["not_learning"].format(first=loss[0], last=loss[-1], drop=ev["loss_drop"],
                                            n=n)
        return "not_learning", headline, list(t["not_learning_remedies"])

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
            remedies = [t["stop_at"].format(k=epochs[k])] + list(t["overfitting_remedies"])
            return "overfitting", headline, remedies

    # 6. did the training loss level off?
    w = max(MIN_EPOCHS, math.ceil(n / 3))
    tail = loss[-w:]
    tail_slope = _slope(tail)
    pace = float(loss[0] - loss[-1]) / (n - 1)
    rate = -tail_slope / _scale(float(tail.mean()))
    ev.update(tail_epochs=w, tail_slope=-rate, mean_slope=-pace / _scale(loss[0]))
    leveled = rate < FAST_SLOPE and (rate < SLOW_SLOPE or -tail_slope < PLATEAU_RATIO * pace)
    val_falling = True
    if val is not None:
        val_tail = val[-w:]
        ev["val_tail_slope"] = _slope(val_tail) / _scale(float(val_tail.mean()))
        val_falling = ev["val_tail_slope"] < -SLOW_SLOPE

    # 7. leveled off without having fallen much, validation no better than that
    close = val is None or (not val_falling and ev["relative_gap"] < UNDERFIT_GAP)
    if leveled and ev["loss_drop"] < UNDERFIT_DROP and close:
        headline = t["underfitting"].format(drop=ev["loss_drop"], last=loss[-1])
        if val is not None:
            headline += " " + t["val_follows"]
        return "underfitting", headline, list(t["underfitting_remedies"])

    # 8. still going down at the end
    if not leveled and val_falling:
        headline = t["still_improving"].format(rate=rate, w=w)
        return "still_improving", headline, list(t["still_remedies"])

    # 9. healthy
    if val is not None and not leveled:
        notes.append(t["val_stalled"])
    if val is not None and ev["relative_gap"] > WIDE_GAP:
        notes.append(t["wide_gap"].format(gap=ev["relative_gap"]))
    key = "healthy" if val is not None else "healthy_train"
    headline = t[key].format(best=ev["best_epoch"], n=epochs[-1], first=loss[0], last=loss[-1])
    return "healthy", headline, list(t["healthy_remedies"])


def _saturating(model: Any) -> list[str]:
    """Names of the model's sigmoid and tanh activations (lesson 004: they saturate)."""
    found = []
    named = getattr(model, "named_modules", None)
    if not callable(named):
        return found
    for name, module in named():
        kind = type(module).__name__.lower()
        act = str(getattr(module, "activation_name", "")).lower()
        if kind in ("sigmoid", "tanh") or act in ("sigmoid", "tanh"):
            found.append(f"{name or type(module).__name__} ({act or kind})")
    return found


def _gradients(norms: Mapping[str, Any], model: Any, t: dict) -> list[dict[str, Any]]:
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
            findings.append({"parameter": name, "finding": "exploding", "norm": norm,
                             "text": t["exploding"].format(name=name, norm=norm)})
    medians = {k: float(np.median(v)) for k, v in arrays.items() if np.isfinite(v).all()}
    if len(medians) >= 2:
        ref_name = max(medians, key=medians.get)
        ref = medians[ref_name]
        saturating = _saturating(model)
        for name, med in medians.items():
            if ref > 0 and med < VANISH_RATIO * ref:
                ratio = med / ref
                text = t["vanishing"].format(name=name, norm=med, ratio=ratio, ref=ref_name)
                if saturating:
                    text += " " + t["saturating"].format(layers=", ".join(saturating))
                findings.append({"parameter": name, "finding": "vanishing", "norm": med,
                                 "ratio": ratio, "text": text})
    return findings


def _evidence_lines(ev: dict[str, Any], lang: str) -> list[str]:
    labels = _TEXT[lang]["labels"]
    lines = []
    for key, label in labels.items():
        if key not in ev:
            continue
        value = ev[key]
        if key in ("loss_drop", "loss_climb", "val_rise", "relative_gap", "tail_slope",
                   "val_tail_slope", "mean_slope", "loss_change_after_best"):
            text = f"{value:+.1%}" if "slope" in key or key.endswith("best") else f"{value:.1%}"
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
            "relative_gap": "gap relative to the training loss",
            "tail_epochs": "epochs in the final stretch",
            "tail_slope": "training loss change per epoch, final stretch (of its size)",
            "mean_slope": "training loss change per epoch, whole run (of its first value)",
            "val_tail_slope": "validation loss change per epoch, final stretch (of its size)",
            "nonfinite_key": "curve with a nan or inf",
            "nonfinite_epoch": "first epoch with a nan or inf",
        },
        "early_line": "early stopping stopped after epoch {stopped}; its best epoch was {best}",
        "early_line_ran": "early stopping did not stop training; its best epoch was {best}",
        "no_val": "Without validation data the curves cannot show overfitting: pass "
                  "validation_data=(x_val, y_val) or validation_split=0.2 to fit.",
        "too_few": "Too few epochs to read a curve: {n} recorded, at least {need} needed.",
        "too_few_remedies": ["Train for more epochs (10 or more) to see the learning curve."],
        "diverging_nan": "Diverging: {key} became {value} at epoch {epoch}; the learning rate "
                         "is most likely too high.",
        "diverging": "Diverging: the training loss rose from {low:.4g} at epoch {k} to "
                     "{last:.4g} at epoch {n}; the learning rate is too high.",
        "diverging_remedies": [
            "Lower the learning rate (10 times lower is a good first try; "
            "nn.tuning.lr_find suggests one).",
            "Scale the inputs (StandardScaler or MinMaxScaler), and the target for regression.",
            "Clip the gradients: nn.utils.clip_grad_norm_(model.parameters(), 1.0) before "
            "each step.",
        ],
        "check_nan": "Check that the data holds no nan or inf values.",
        "not_learning": "Not learning: the training loss stayed flat ({first:.4g} -> "
                        "{last:.4g}, {drop:.1%} lower over {n} epochs).",
        "not_learning_remedies": [
            "Check the learning rate: too low barely moves the weights, too high keeps them "
            "bouncing; try 10 times higher and 10 times lower, or run nn.tuning.lr_find.",
            "Scale the inputs (StandardScaler or MinMaxScaler).",
            "Check that the output activation goes with the loss: linear with MSE or MAE, "
            "sigmoid with binary cross entropy, softmax (logits) with cross entropy.",
            "Check that the gradients reach every layer: fit(..., track_gradients=True) "
            "records them; sigmoid and tanh saturate.",
        ],
        "overfitting": "Overfitting from epoch {k}: the validation loss rose from {vk:.4g} to "
                       "{vlast:.4g} while the training loss went from {lk:.4g} to {llast:.4g}.",
        "stop_at": "Stop at epoch {k}: EarlyStopping(monitor='val_loss', patience=3, "
                   "restore_best_weights=True) keeps the weights of the best epoch.",
        "overfitting_remedies": [
            "Add dropout (nn.Dropout) between the hidden layers.",
            "Get more training data, or augment it (noise; for images flips, rotations, "
            "crops, brightness).",
            "Use a simpler model: fewer layers or hidden units.",
            "Add regularization: weight_decay in the optimizer.",
        ],
        "early_on": "Early stopping was on: it stopped after epoch {stopped}, and its best "
                    "epoch was {best}; restore_best_weights=True keeps that epoch's weights.",
        "early_on_ran": "Early stopping was on but did not stop training (patience too long "
                        "for this run); its best epoch was {best}.",
        "underfitting": "Underfitting: the training loss leveled off high, at {last:.4g}, "
                        "having fallen only {drop:.1%} from its first epoch.",
        "val_follows": "The validation loss follows it.",
        "underfitting_remedies": [
            "Use a bigger model: more layers or hidden units.",
            "Train longer: more epochs.",
            "Lower the regularization (dropout rate, weight_decay).",
            "Check that the features hold the information the target needs; more or better "
            "data helps.",
        ],
        "still_improving": "Still improving: over the last {w} epochs the training loss was "
                           "still falling {rate:.1%} per epoch.",
        "still_remedies": [
            "Train for more epochs; EarlyStopping(monitor='val_loss') stops when it levels off.",
            "A somewhat higher learning rate reaches the minimum in fewer epochs.",
        ],
        "healthy": "Healthy: training and validation loss fell together and leveled off (best "
                   "epoch {best} of {n}).",
        "healthy_train": "Healthy training curve: the training loss fell from {first:.4g} to "
                         "{last:.4g} and leveled off.",
        "healthy_remedies": [],
        "wide_gap": "The validation loss ends {gap:.0%} above the training loss: watch for "
                    "overfitting if training goes on.",
        "val_stalled": "The training loss still falls but the validation loss no longer does: "
                       "more epochs would likely overfit.",
        "vanishing": "Vanishing gradient in {name}: median norm {norm:.2e}, {ratio:.1e} times "
                     "that of {ref}; its weights barely learn.",
        "saturating": "The model uses {layers}: sigmoid and tanh saturate, their derivative is "
                      "near zero for large inputs.",
        "vanishing_remedies": [
            "Use ReLU, GELU, ELU or Swish (SiLU) in the hidden layers instead of sigmoid or "
            "tanh; they keep useful derivatives.",
            "Use fewer layers, or an initialization scaled to the layer (Glorot, He).",
        ],
        "exploding": "Exploding gradient in {name}: its norm reached {norm:.3g}.",
        "exploding_remedies": [
            "Lower the learning rate.",
            "Clip the gradients: nn.utils.clip_grad_norm_(model.parameters(), 1.0).",
        ],
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
            "relative_gap": "brecha relativa a la pérdida de entrenamiento",
            "tail_epochs": "épocas del tramo final",
            "tail_slope": "cambio de la pérdida de entrenamiento por época, tramo final (según "
                          "su tamaño)",
            "mean_slope": "cambio de la pérdida de entrenamiento por época, todo el "
                          "entrenamiento (según su primer valor)",
            "val_tail_slope": "cambio de la pérdida de validación por época, tramo final "
                              "(según su tamaño)",
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
        "too_few_remedies": ["Entrenar más épocas (10 o más) para ver la curva de "
                             "aprendizaje."],
        "diverging_nan": "Diverge: {key} llegó a {value} en la época {epoch}; lo más probable "
                         "es que la tasa de aprendizaje sea demasiado alta.",
        "diverging": "Diverge: la pérdida de entrenamiento subió de {low:.4g} en la época {k} "
                     "a {last:.4g} en la época {n}; la tasa de aprendizaje es demasiado alta.",
        "diverging_remedies": [
            "Bajar la tasa de aprendizaje (probar una 10 veces menor; nn.tuning.lr_find "
            "sugiere una).",
            "Escalar las entradas (estandarización o normalización), y la variable objetivo "
            "en regresión.",
            "Recortar los gradientes: nn.utils.clip_grad_norm_(model.parameters(), 1.0) antes "
            "de cada paso.",
        ],
        "check_nan": "Revisar que los datos no tengan valores nan o inf.",
        "not_learning": "No está aprendiendo: la pérdida de entrenamiento se mantuvo constante "
                        "({first:.4g} -> {last:.4g}, {drop:.1%} menos en {n} épocas).",
        "not_learning_remedies": [
            "Revisar la tasa de aprendizaje: si es muy baja los pesos casi no cambian, si es "
            "muy alta saltan sin llegar al mínimo; probar una 10 veces mayor y otra 10 veces "
            "menor, o usar nn.tuning.lr_find.",
            "Escalar las entradas (estandarización o normalización).",
            "Revisar que la activación de salida vaya con la función de pérdida: lineal con "
            "MSE o MAE, sigmoide con entropía cruzada binaria, softmax (logits) con entropía "
            "cruzada categórica.",
            "Revisar que el gradiente llegue a todas las capas: fit(..., "
            "track_gradients=True) lo registra; sigmoide y tanh se saturan.",
        ],
        "overfitting": "Sobreajuste (overfitting) desde la época {k}: la pérdida de validación "
                       "subió de {vk:.4g} a {vlast:.4g} mientras la de entrenamiento pasó de "
                       "{lk:.4g} a {llast:.4g}.",
        "stop_at": "Detener el entrenamiento en la época {k}: la parada temprana, "
                   "EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True), "
                   "se queda con los pesos de la mejor época.",
        "overfitting_remedies": [
            "Agregar dropout (nn.Dropout) entre las capas ocultas: ignora temporalmente "
            "algunos nodos durante el entrenamiento.",
            "Conseguir más datos de entrenamiento, o usar aumento de datos (ruido; en "
            "imágenes voltear, rotar, recortar, cambiar el brillo).",
            "Usar un modelo más simple: menos capas o unidades ocultas.",
            "Agregar regularización: weight_decay en el optimizador.",
        ],
        "early_on": "La parada temprana estaba activa: detuvo el entrenamiento después de la "
                    "época {stopped} y su mejor época fue la {best}; con "
                    "restore_best_weights=True se queda con los pesos de esa época.",
        "early_on_ran": "La parada temprana estaba activa pero no detuvo el entrenamiento (la "
                        "paciencia es larga para este entrenamiento); su mejor época fue la "
                        "{best}.",
        "underfitting": "Desajuste (underfitting): la pérdida de entrenamiento se estabilizó "
                        "alta, en {last:.4g}, y bajó solo un {drop:.1%} desde la primera "
                        "época.",
        "val_follows": "La pérdida de validación la acompaña.",
        "underfitting_remedies": [
            "Aumentar la complejidad del modelo: más capas o unidades ocultas.",
            "Entrenar durante más tiempo: más épocas.",
            "Reducir la regularización (tasa de dropout, weight_decay).",
            "Revisar que las características contengan la información necesaria; aumentar el "
            "conjunto de datos puede ayudar.",
        ],
        "still_improving": "Todavía mejora: en las últimas {w} épocas la pérdida de "
                           "entrenamiento seguía bajando un {rate:.1%} por época.",
        "still_remedies": [
            "Entrenar más épocas; la parada temprana, EarlyStopping(monitor='val_loss'), lo "
            "detiene cuando deje de mejorar.",
            "Una tasa de aprendizaje algo mayor llega al mínimo en menos épocas.",
        ],
        "healthy": "Curvas saludables: la pérdida de entrenamiento y la de validación bajaron "
                   "juntas y se estabilizaron (mejor época: {best} de {n}).",
        "healthy_train": "Curva de entrenamiento saludable: la pérdida de entrenamiento bajó "
                         "de {first:.4g} a {last:.4g} y se estabilizó.",
        "healthy_remedies": [],
        "wide_gap": "La pérdida de validación termina un {gap:.0%} por encima de la de "
                    "entrenamiento: vigilar el sobreajuste si el entrenamiento sigue.",
        "val_stalled": "La pérdida de entrenamiento sigue bajando pero la de validación ya no: "
                       "más épocas probablemente lleven al sobreajuste.",
        "vanishing": "Desvanecimiento del gradiente (vanishing gradient) en {name}: norma "
                     "mediana {norm:.2e}, {ratio:.1e} veces la de {ref}; sus pesos casi no "
                     "aprenden.",
        "saturating": "El modelo usa {layers}: sigmoide y tanh se saturan, su derivada es casi "
                      "cero para entradas grandes.",
        "vanishing_remedies": [
            "Usar ReLU, GELU, ELU o Swish (SiLU) en las capas ocultas en lugar de sigmoide o "
            "tanh: mantienen derivadas útiles.",
            "Usar menos capas, o una inicialización escalada a la capa (Glorot, He).",
        ],
        "exploding": "Explosión del gradiente (exploding gradient) en {name}: su norma llegó a "
                     "{norm:.3g}.",
        "exploding_remedies": [
            "Bajar la tasa de aprendizaje.",
            "Recortar los gradientes: nn.utils.clip_grad_norm_(model.parameters(), 1.0).",
        ],
    },
}
