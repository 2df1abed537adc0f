"""nn.plot: the artists each drawing puts on its axes (lines, markers, labels), not only that it
runs; matplotlib's Agg backend, no window."""

import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nn import plot  # noqa: E402
from nn.history import History  # noqa: E402

CURVES = {
    "loss": [1.0, 0.6, 0.4, 0.3, 0.25, 0.22],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.88, 0.9],
    "val_loss": [1.1, 0.7, 0.5, 0.45, 0.5, 0.6],
    "val_accuracy": [0.45, 0.65, 0.75, 0.8, 0.78, 0.76],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def make_history(curves=CURVES, early=None):
    h = History()
    for epoch in range(len(curves["loss"])):
        h.on_epoch_end(epoch, {k: v[epoch] for k, v in curves.items()})
    h.early_stopping = early
    return h


def test_plot_history_draws_each_quantity_train_and_validation():
    fig = plot.plot_history(make_history())
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["Loss", "Accuracy"]
    for ax, name in zip(axes, ["loss", "accuracy"]):
        lines = lines_by_label(ax)
        train, val = lines["training"], lines["validation"]
        assert list(train.get_xdata()) == [1, 2, 3, 4, 5, 6]  # epochs from 1
        np.testing.assert_allclose(train.get_ydata(), CURVES[name])
        np.testing.assert_allclose(val.get_ydata(), CURVES[f"val_{name}"])
        assert ax.get_xlabel() == "Epoch" and ax.get_ylabel() == ax.get_title()
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["training", "validation", "best epoch (4)"]


def test_plot_history_marks_the_best_epoch_on_every_subplot():
    fig = plot.plot_history(make_history())
    loss_ax, acc_ax = fig.axes[:2]
    best = lines_by_label(loss_ax)["best epoch (4)"]  # lowest val_loss: 0.45 at epoch 4
    assert list(best.get_xdata()) == [4, 4]
    dots = [line for line in loss_ax.get_lines() if line.get_marker() == "o"]
    assert len(dots) == 1
    assert list(dots[0].get_xdata()) == [4] and list(dots[0].get_ydata()) == [0.45]
    acc_dots = [line for line in acc_ax.get_lines() if line.get_marker() == "o"]
    assert list(acc_dots[0].get_ydata()) == [0.8]  # val_accuracy at the same epoch


def test_plot_history_marks_early_stopping_and_its_best_epoch():
    early = {"monitor": "val_loss", "stopped_epoch": 5, "best_epoch": 2, "best": 0.5}
    fig = plot.plot_history(make_history(early=early), metrics=["loss"])
    (ax,) = [a for a in fig.axes if a.get_visible()]
    lines = lines_by_label(ax)
    assert list(lines["early stopping (epoch 6)"].get_xdata()) == [6, 6]
    assert list(lines["best epoch (3)"].get_xdata()) == [3, 3]  # early stopping's best epoch


def test_plot_history_in_spanish():
    early = {"monitor": "val_loss", "stopped_epoch": 5, "best_epoch": 3, "best": 0.45}
    fig = plot.plot_history(make_history(early=early), lang="es")
    ax = fig.axes[0]
    assert ax.get_title() == "Pérdida" and ax.get_xlabel() == "Época"
    assert fig.axes[1].get_title() == "Exactitud (accuracy)"
    assert set(lines_by_label(ax)) >= {"entrenamiento", "validación", "mejor época (4)",
                                       "parada temprana (época 6)"}


def test_plot_history_train_only_dict_into_given_axes():
    fig, ax = plt.subplots()
    out = plot.plot_history({"loss": [3.0, 2.0, math.inf, 1.0]}, ax=ax)
    assert out is fig
    lines = lines_by_label(ax)
    assert "validation" not in lines
    y = lines["training"].get_ydata()
    assert np.isnan(y[2]) and y[3] == 1.0  # inf is left out of the line, not drawn off-axes
    assert list(lines["best epoch (4)"].get_xdata()) == [4, 4]


def test_plot_history_errors():
    with pytest.raises(ValueError, match=r"nothing recorded under \['f1'\].*'loss', 'accuracy'"):
        plot.plot_history(CURVES, metrics=["f1"])
    with pytest.raises(ValueError, match="2 quantities to draw but 1 Axes"):
        plot.plot_history(CURVES, axes=[plt.subplots()[1]])
    with pytest.raises(ValueError, match="not both"):
        _, ax = plt.subplots()
        plot.plot_history(CURVES, ax=ax, axes=[ax])
    with pytest.raises(ValueError, match="no epochs recorded"):
        plot.plot_history({"loss": []})
    with pytest.raises(ValueError, match="lang"):
        plot.plot_history(CURVES, lang="de")


def test_history_plot_method_uses_plot_history():
    fig = make_history().plot(metrics="accuracy")
    assert [a.get_title() for a in fig.axes if a.get_visible()] == ["Accuracy"]


def test_plot_gradient_norms_log_scale_one_line_per_parameter():
    history = SimpleNamespace(gradient_norms={"0.weight": [1e-6, 2e-6, 0.0],
                                              "2.weight": [0.5, 0.4, 0.3]}, epoch=[0, 1, 2])
    fig = plot.plot_gradient_norms(history)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = lines_by_label(ax)
    assert set(lines) == {"layer 1 (0.weight)", "layer 2 (2.weight)"}
    assert list(lines["layer 2 (2.weight)"].get_xdata()) == [1, 2, 3]
    y = lines["layer 1 (0.weight)"].get_ydata()
    assert y[0] == 1e-6 and np.isnan(y[2])  # a zero norm has no place on a log axis
    assert ax.get_title() == "Gradient norm per layer"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["layer 1 (0.weight)", "layer 2 (2.weight)"]
    assert len(fig.axes) == 1  # two layers: a legend, no colorbar
    es = plot.plot_gradient_norms(history.gradient_norms, ["2.weight"], lang="es")
    assert es.axes[0].get_title() == "Norma del gradiente por capa"
    # numbered among all recorded layers, not among the ones drawn
    assert [line.get_label() for line in es.axes[0].get_lines()] == ["capa 2 (2.weight)"]
    with pytest.raises(ValueError, match="track_gradients=True"):
        plot.plot_gradient_norms(SimpleNamespace(gradient_norms={}))
    with pytest.raises(ValueError, match=r"no norms recorded for \['3.weight'\]"):
        plot.plot_gradient_norms(history, ["3.weight"])


def deep_norms(layers=11):
    """Norms of a Sequential of ``layers`` Linear layers (indices 0, 2, 4, ...: activations in
    between), weights and biases, in named_parameters order; smaller towards the input."""
    norms = {}
    for i in range(layers):
        scale = 10.0 ** (i - layers)
        norms[f"{2 * i}.weight"] = [scale, 1.1 * scale, 1.2 * scale]
        norms[f"{2 * i}.bias"] = [0.5 * scale, 0.6 * scale, 0.5 * scale]
    return norms


def test_plot_gradient_norms_colours_layers_from_input_to_output():
    """Eleven layers: the default colour cycle has ten colours, so layers 1 and 11 shared one
    and the legend read "0.weight", "20.weight". Now viridis runs from the input to the output
    layer, every layer its own colour, and a colorbar numbers them."""
    norms = deep_norms()
    weights = [name for name in norms if name.endswith("weight")]
    fig = plot.plot_gradient_norms(norms, list(reversed(weights)), lang="es")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [f"capa {k + 1} ({2 * k}.weight)" for k in range(11)]  # network order
    colours = [matplotlib.colors.to_rgba(line.get_color()) for line in ax.get_lines()]
    assert len(set(colours)) == 11
    viridis = matplotlib.colormaps["viridis"]
    assert colours[0] == pytest.approx(viridis(0.0))  # the input layer: darkest
    assert colours[-1] == pytest.approx(viridis(0.9))
    # lightness grows from the input to the output layer, as viridis does
    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b, _ in colours]
    assert all(x < y for x, y in zip(luminance, luminance[1:]))
    assert ax.get_legend() is None  # eleven entries would crowd the plot: a colorbar instead
    (bar,) = fig.axes[1:]
    assert bar.get_ylabel() == "capa (1 = la más cercana a la entrada)"
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    assert ticks == [str(k) for k in range(1, 12)]


def test_plot_gradient_norms_weights_and_biases_share_their_layers_colour():
    fig = plot.plot_gradient_norms(deep_norms(8))
    ax = fig.axes[0]
    lines = lines_by_label(ax)
    assert len(lines) == 16
    weight, bias = lines["layer 3 (4.weight)"], lines["layer 3 (4.bias)"]
    assert weight.get_color() == bias.get_color()
    assert weight.get_linestyle() == "-" and bias.get_linestyle() == "--"
    assert lines["layer 4 (6.weight)"].get_color() != weight.get_color()
    # the colorbar numbers the layers; a small legend tells the line styles apart
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "weights", "biases and other parameters"]
    assert fig.axes[1].get_ylabel() == "layer (1 = nearest the input)"


def test_plot_lr_find_marks_the_suggestion():
    lrs = list(np.logspace(-5, 0, 30))
    losses = list(1.0 / (1 + np.exp(4 * (np.log10(lrs) + 2.5))) + 0.1)
    result = SimpleNamespace(lrs=lrs, losses=losses, raw_losses=losses, suggestion=lrs[12])
    fig = plot.plot_lr_find(result)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lines = lines_by_label(ax)
    np.testing.assert_allclose(lines["smoothed loss"].get_xdata(), lrs)
    dot = lines[f"suggested rate {lrs[12]:.2e}"]
    assert list(dot.get_xdata()) == [lrs[12]] and list(dot.get_ydata()) == [losses[12]]
    assert ax.get_xlabel() == "Learning rate (log scale)"
    es = plot.plot_lr_find(result, lang="es").axes[0]
    assert es.get_xlabel() == "Tasa de aprendizaje (escala logarítmica)"
    with pytest.raises(ValueError, match="lr_find"):
        plot.plot_lr_find(SimpleNamespace(lrs=[], losses=[]))


def test_import_nn_needs_no_matplotlib_and_plot_says_which_extra():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
        "import nn, nn.plot, nn.diagnose, nn.tuning\n"
        "try:\n"
        "    nn.plot.plot_history({'loss': [1.0, 0.5]})\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert 'pip install "retrograd[plot]"' in out


def test_plot_history_of_a_real_fit_stopped_early():
    import nn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x.sum(axis=1).astype(np.float32)
    model = nn.Sequential(nn.Dense(4, activation="relu", input_shape=[3]), nn.Dense(1))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    # min_delta=10: no epoch after the first counts as better, so patience 1 stops at the 2nd
    stop = nn.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=10)
    history = model.fit(x, y, epochs=5, verbose=0, validation_split=0.25, callbacks=[stop])
    fig = plot.plot_history(history)
    assert [a.get_title() for a in fig.axes if a.get_visible()] == ["Loss", "mae"]
    lines = lines_by_label(fig.axes[0])
    assert list(lines["early stopping (epoch 2)"].get_xdata()) == [2, 2]
    assert list(lines["best epoch (1)"].get_xdata()) == [1, 1]
    np.testing.assert_allclose(lines["validation"].get_ydata(), history.history["val_loss"])
