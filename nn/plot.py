"""Drawings of training: learning curves (``plot_history``), per-layer gradient norms
(``plot_gradient_norms``) and the learning-rate range test (``plot_lr_find``).

Needs matplotlib (the ``plot`` extra: ``pip install "retrograd[plot]"``), imported on first
use so ``import nn`` works without it. Each function returns the matplotlib Figure; labels
are in English or, with ``lang="es"``, in the lessons' Spanish. Epochs count from 1, as the
progress line prints them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .diagnose import read_history

__all__ = ["plot_history", "plot_gradient_norms", "plot_lr_find"]

LEGEND_LAYERS = 6  # plot_gradient_norms: more layers than this get a colorbar, not a legend

_WORDS = {
    "en": {
        "epoch": "Epoch",
        "training": "training",
        "validation": "validation",
        "best": "best epoch ({k})",
        "early": "early stopping (epoch {k})",
        "names": {"loss": "Loss", "accuracy": "Accuracy", "acc": "Accuracy",
                  "learning_rate": "Learning rate", "lr": "Learning rate"},
        "grad_title": "Gradient norm per layer",
        "grad_y": "mean L2 norm of the gradient (log scale)",
        "layer": "layer {k} ({name})",
        "layer_bar": "layer (1 = nearest the input)",
        "weights": "weights",
        "others": "biases and other parameters",
        "lr_x": "Learning rate (log scale)",
        "lr_y": "Loss",
        "lr_title": "Learning-rate range test",
        "smoothed": "smoothed loss",
        "raw": "loss per batch",
        "suggestion": "suggested rate {lr:.2e}",
    },
    "es": {
        "epoch": "Época",
        "training": "entrenamiento",
        "validation": "validación",
        "best": "mejor época ({k})",
        "early": "parada temprana (época {k})",
        "names": {"loss": "Pérdida", "accuracy": "Exactitud (accuracy)",
                  "acc": "Exactitud (accuracy)", "precision": "Precisión",
                  "recall": "Sensibilidad (recall)", "learning_rate": "Tasa de aprendizaje",
                  "lr": "Tasa de aprendizaje"},
        "grad_title": "Norma del gradiente por capa",
        "grad_y": "norma L2 media del gradiente (escala logarítmica)",
        "layer": "capa {k} ({name})",
        "layer_bar": "capa (1 = la más cercana a la entrada)",
        "weights": "pesos",
        "others": "sesgos y otros parámetros",
        "lr_x": "Tasa de aprendizaje (escala logarítmica)",
        "lr_y": "Pérdida",
        "lr_title": "Búsqueda de la tasa de aprendizaje",
        "smoothed": "pérdida suavizada",
        "raw": "pérdida por lote",
        "suggestion": "tasa sugerida {lr:.2e}",
    },
}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            'nn.plot needs matplotlib: pip install "retrograd[plot]" (or pip install matplotlib)'
        ) from None
    return plt


def _words(lang: str, who: str) -> dict:
    if lang not in _WORDS:
        raise ValueError(f"{who}: lang must be one of {tuple(_WORDS)}, got {lang!r}")
    return _WORDS[lang]


def _finite(values: np.ndarray) -> np.ndarray:
    """nan where a value is inf, so the line breaks there instead of shooting off the axes."""
    return np.where(np.isfinite(values), values, np.nan)


def _axes_for(count: int, ax: Any, axes: Any, who: str, figsize: Any) -> tuple[Any, list]:
    """(figure, one Axes per quantity): the caller's, or a new figure of up to 3 columns."""
    if ax is not None and axes is not None:
        raise ValueError(f"{who}: give ax (one Axes) or axes (one per quantity), not both")
    if ax is not None:
        axes = [ax]
    if axes is not None:
        if not isinstance(axes, Sequence | np.ndarray):
            axes = [axes]
        axes = list(np.ravel(np.asarray(axes, dtype=object)))
        if len(axes) != count:
            raise ValueError(f"{who}: {count} quantities to draw but {len(axes)} Axes given")
        return axes[0].figure, axes
    plt = _pyplot()
    cols = min(count, 3)
    rows = math.ceil(count / cols)
    fig, grid = plt.subplots(rows, cols, figsize=figsize or (5.0 * cols, 3.8 * rows),
                             squeeze=False, layout="constrained")
    flat = list(grid.ravel())
    for extra in flat[count:]:
        extra.set_visible(False)
    return fig, flat[:count]


def _best_epoch(parts, epochs: list[int]) -> int | None:
    """Epoch number (from 1) of the weights worth keeping: early stopping's best epoch, else
    the lowest val_loss, else the lowest loss."""
    early = parts.early or {}
    if early.get("best_epoch") is not None:
        return int(early["best_epoch"]) + 1
    for key in ("val_loss", "loss"):
        values = parts.curves.get(key)
        if values is not None and np.isfinite(values).any():
            return epochs[int(np.nanargmin(_finite(values)))]
    return None


def plot_history(history: Any, metrics: Sequence[str] | None = None, *, ax: Any = None,
                 axes: Any = None, lang: str = "en", figsize: tuple[float, float] | None = None):
    """Learning curves: one subplot per quantity (loss first, then each metric), the training
    curve and, when recorded, the validation one (``val_`` + name), per epoch.

    A dashed vertical line marks the best epoch (early stopping's best epoch when it ran,
    else the lowest ``val_loss``, else the lowest ``loss``) with a dot on the curve there, and
    a dotted one the epoch where early stopping stopped (``history.early_stopping``).

    ``history``: a History, a dict of per-epoch lists or its DataFrame. ``metrics``: the
    quantities to draw by name, e.g. ``["loss", "accuracy"]`` (default: all). ``ax``: one
    Axes to draw a single quantity into; ``axes``: one Axes per quantity; neither: a new
    figure. Returns the Figure.
    """
    words = _words(lang, "plot_history")
    parts = read_history(history, "plot_history")
    curves = parts.curves
    available = []
    for key in curves:
        base = key[4:] if key.startswith("val_") else key
        if base not in available:
            available.append(base)
    available.sort(key=lambda name: name != "loss")  # stable: loss first, the rest in order
    if not available or not len(next(iter(curves.values()))):
        raise ValueError("plot_history: the history has no epochs recorded; train first "
                         "(fit returns the History)")
    if metrics is None:
        names = available
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in names if m not in available]
        if unknown or not names:
            raise ValueError(f"plot_history: nothing recorded under {unknown or names}; the "
                             f"history has {available}")
    fig, drawn = _axes_for(len(names), ax, axes, "plot_history", figsize)
    epochs = parts.epochs
    best = _best_epoch(parts, epochs)
    early = parts.early or {}
    stopped = early.get("stopped_epoch")
    for name, a in zip(names, drawn):
        title = words["names"].get(name, name)
        marked = None
        for key, label, style in ((name, words["training"], "-"),
                                  (f"val_{name}", words["validation"], "--")):
            if key in curves:
                line, = a.plot(epochs, _finite(curves[key]), style, marker=".", label=label)
                marked = (key, line.get_color())
        if best is not None:
            a.axvline(best, color="0.4", linestyle="--", linewidth=1,
                      label=words["best"].format(k=best))
            key, color = marked
            value = curves[key][epochs.index(best)] if best in epochs else math.nan
            if math.isfinite(value):
                a.plot([best], [value], "o", color=color, markersize=8)
        if stopped is not None:
            a.axvline(int(stopped) + 1, color="tab:red", linestyle=":", linewidth=1.5,
                      label=words["early"].format(k=int(stopped) + 1))
        a.set_title(title)
        a.set_xlabel(words["epoch"])
        a.set_ylabel(title)
        a.xaxis.get_major_locator().set_params(integer=True)
        a.legend()
    return fig


def plot_gradient_norms(history: Any, parameters: Sequence[str] | None = None, *,
                        ax: Any = None, lang: str = "en",
                        figsize: tuple[float, float] | None = None):
    """Per-epoch mean gradient L2 norm of each parameter, one line per parameter, on a log
    scale: vanishing gradients show as the first layers' lines sitting orders of magnitude
    below the last ones (lesson 004: sigmoid and tanh saturate).

    Layers are numbered from the input, 1, 2, ..., in the order the norms were recorded
    (``named_parameters`` order), one number per module (``0.weight`` and ``0.bias`` are layer
    1); each line is labeled "layer k (name)" ("capa k (name)" in Spanish) and colored along
    viridis from the input (dark) to the output (light), weights solid and the other
    parameters dashed. Up to ``LEGEND_LAYERS`` (6) layers get a legend; more get a colorbar
    of layer numbers (and a small legend of the line styles when both kinds are drawn).

    ``history``: a History from ``fit(..., track_gradients=True)`` or a dict of
    name -> per-epoch norms. ``parameters``: the names to draw (default: all), drawn in the
    network's order whatever order they are given in. ``ax``: an Axes to draw into. Returns
    the Figure.
    """
    words = _words(lang, "plot_gradient_norms")
    if isinstance(getattr(history, "gradient_norms", None), dict):
        norms, epoch_list = history.gradient_norms, getattr(history, "epoch", None)
    elif isinstance(history, dict):
        norms, epoch_list = history, None
    else:
        raise TypeError("plot_gradient_norms takes a History or a dict of parameter name -> "
                        f"per-epoch norms, got {type(history).__name__}")
    if not norms or not any(len(v) for v in norms.values()):
        raise ValueError("plot_gradient_norms: no gradient norms recorded; train with "
                         "fit(..., track_gradients=True)")
    wanted = list(norms) if parameters is None else (
        [parameters] if isinstance(parameters, str) else list(parameters))
    unknown = [n for n in wanted if n not in norms]
    if unknown or not wanted:
        raise ValueError(f"plot_gradient_norms: no norms recorded for {unknown or wanted}; "
                         f"recorded: {list(norms)}")
    layer_of: dict[str, int] = {}  # module name -> layer number from 1, input first
    for name in norms:
        layer_of.setdefault(_module_name(name), len(layer_of) + 1)
    names = [n for n in norms if n in set(wanted)]  # the network's order
    shown = sorted({layer_of[_module_name(n)] for n in names})
    plt = _pyplot()
    # stop short of viridis' pale yellow end, hard to see on white
    colours = {k: plt.colormaps["viridis"](0.9 * i / max(len(shown) - 1, 1))
               for i, k in enumerate(shown)}
    fig, (a,) = _axes_for(1, ax, None, "plot_gradient_norms", figsize or (7.0, 4.2))
    styles = set()
    for name in names:
        values = _finite(np.asarray(norms[name], dtype=np.float64))
        if epoch_list is not None and len(epoch_list) == len(values):
            x = [int(e) + 1 for e in epoch_list]
        else:
            x = list(range(1, len(values) + 1))
        layer = layer_of[_module_name(name)]
        style = "-" if _is_weight(name) else "--"
        styles.add(style)
        a.plot(x, np.where(values > 0, values, np.nan), style, marker=".",
               color=colours[layer], label=words["layer"].format(k=layer, name=name))
    a.set_yscale("log")
    a.set_title(words["grad_title"])
    a.set_xlabel(words["epoch"])
    a.set_ylabel(words["grad_y"])
    a.xaxis.get_major_locator().set_params(integer=True)
    if len(shown) <= LEGEND_LAYERS:
        a.legend(fontsize="small")
        return fig
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    steps = BoundaryNorm(np.arange(len(shown) + 1) - 0.5, len(shown))
    mappable = ScalarMappable(norm=steps, cmap=ListedColormap([colours[k] for k in shown]))
    every = math.ceil(len(shown) / 12)  # at most a dozen tick labels
    ticks = list(range(0, len(shown), every))
    bar = fig.colorbar(mappable, ax=a, ticks=ticks)
    bar.ax.set_yticklabels([str(shown[i]) for i in ticks])
    bar.set_label(words["layer_bar"])
    if len(styles) > 1:
        from matplotlib.lines import Line2D

        a.legend([Line2D([], [], color="0.3", linestyle=s) for s in ("-", "--")],
                 [words["weights"], words["others"]], fontsize="small")
    return fig


def _module_name(parameter: str) -> str:
    """"0" for "0.weight", "encoder.fc" for "encoder.fc.bias"; a bare name is its own."""
    return parameter.rsplit(".", 1)[0] if "." in parameter else parameter


def _is_weight(parameter: str) -> bool:
    return parameter.rsplit(".", 1)[-1] in ("weight", "kernel")


def plot_lr_find(result: Any, *, ax: Any = None, lang: str = "en",
                 figsize: tuple[float, float] | None = None):
    """The learning-rate range test (``nn.tuning.lr_find``): the smoothed loss against the
    learning rate on a log axis, the loss of each batch faintly behind it, and the suggested
    rate marked. Returns the Figure."""
    words = _words(lang, "plot_lr_find")
    lrs = np.asarray(getattr(result, "lrs", ()), dtype=np.float64)
    losses = np.asarray(getattr(result, "losses", ()), dtype=np.float64)
    if lrs.size == 0 or lrs.shape != losses.shape:
        raise ValueError("plot_lr_find takes the result of nn.tuning.lr_find (with matching "
                         f"lrs and losses); got {lrs.size} rates and {losses.size} losses")
    fig, (a,) = _axes_for(1, ax, None, "plot_lr_find", figsize or (7.0, 4.2))
    raw = getattr(result, "raw_losses", None)
    if raw is not None and len(raw) == len(lrs):
        a.plot(lrs, _finite(np.asarray(raw, dtype=np.float64)), color="0.7", linewidth=1,
               label=words["raw"])
    a.plot(lrs, _finite(losses), color="tab:blue", linewidth=2, label=words["smoothed"])
    suggestion = getattr(result, "suggestion", None)
    if suggestion is not None:
        i = int(np.argmin(np.abs(np.log(lrs) - math.log(suggestion))))
        a.plot([lrs[i]], [losses[i]], "o", color="tab:red", markersize=9,
               label=words["suggestion"].format(lr=suggestion))
    a.set_xscale("log")
    finite = np.isfinite(losses)
    if finite.any():
        # up to the highest loss before the lowest one: the blow-up at the end would otherwise
        # squash the part of the curve worth reading
        i_min = int(np.nanargmin(np.where(finite, losses, np.nan)))
        low, high = float(losses[i_min]), float(np.nanmax(_finite(losses[:i_min + 1])))
        span = max(high - low, abs(low) * 0.1, 1e-12)
        a.set_ylim(low - 0.05 * span, high + 0.1 * span)
    a.set_title(words["lr_title"])
    a.set_xlabel(words["lr_x"])
    a.set_ylabel(words["lr_y"])
    a.legend()
    return fig
