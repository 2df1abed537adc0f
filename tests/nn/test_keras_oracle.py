"""Keras itself as the oracle: the same weights and batches through our fit and Keras' fit give
the same History, evaluate, predict and progress facts; our callbacks decide as Keras' do on
scripted sequences of epoch logs. Runs on Keras' torch backend; skipped without keras."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported, here or by another test
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover - keras was imported earlier
    pytest.skip("keras was already loaded with another backend", allow_module_level=True)

import autograd  # noqa: E402
import nn  # noqa: E402
from nn import callbacks as C  # noqa: E402
from nn import optim  # noqa: E402

EPOCHS = 4
# keras' torch backend converts torch tensors with np.array(..., copy=False): not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _regression(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], np.float32) + 0.3).astype(np.float32)
    return x, y


def _classification(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] + 0.5 * rng.standard_normal(n) > 0).astype(np.float32)
    return x, y


def _pair(output_activation=None, seed=0):
    """Our model and a Keras model with the same layers and the same initial weights."""
    autograd.manual_seed(seed)
    ours = nn.Sequential([nn.Dense(16, activation="relu", input_shape=[4]),
                          nn.Dense(1, activation=output_activation)])
    ours(np.zeros((1, 4), np.float32))
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dense(1, activation=output_activation)])
    for layer, twin in zip(ours, theirs.layers, strict=True):
        twin.set_weights([layer.kernel.numpy().copy(), layer.bias.numpy().copy()])
    return ours, theirs


def _assert_histories(ours, theirs, rtol):
    assert sorted(ours.history) == sorted(theirs.history)  # Keras 3 sorts them; we do not
    for key, values in ours.history.items():
        np.testing.assert_allclose(values, theirs.history[key], rtol=rtol, atol=1e-7,
                                   err_msg=key)
    assert ours.epoch == theirs.epoch


@pytest.mark.parametrize("name, rtol", [("sgd", 2e-6), ("adam", 1e-4)])
def test_fit_evaluate_predict_match_keras(name, rtol):
    x, y = _regression(100, 1)  # 4 batches of 32, the last of 4
    xv, yv = _regression(30, 2)
    ours, theirs = _pair()
    if name == "sgd":
        ours.compile(optim.SGD(ours.parameters(), lr=0.01), loss="mse", metrics=["mae"])
        theirs.compile(keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
    else:
        # Keras' Adam adds epsilon outside the bias correction; with torch's 1e-8 the two
        # agree to float32 rounding
        ours.compile(optim.Adam(ours.parameters(), lr=0.01), loss="mse", metrics=["mae"])
        theirs.compile(keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-8), loss="mse",
                       metrics=["mae"])
    kwargs = dict(batch_size=32, epochs=EPOCHS, shuffle=False, validation_data=(xv, yv),
                  verbose=0)
    _assert_histories(ours.fit(x, y, **kwargs), theirs.fit(x, y, **kwargs), rtol)
    np.testing.assert_allclose(ours.evaluate(xv, yv, verbose=0),
                               theirs.evaluate(xv, yv, verbose=0), rtol=rtol)
    np.testing.assert_allclose(ours.predict(xv), theirs.predict(xv, verbose=0), rtol=rtol,
                               atol=10 * rtol)


def test_binary_classification_and_validation_split_match_keras():
    x, y = _classification(120, 3)
    ours, theirs = _pair("sigmoid")
    ours.compile(optim.SGD(ours.parameters(), lr=0.1), loss="binary_crossentropy",
                 metrics=["accuracy"])
    theirs.compile(keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy",
                   metrics=["accuracy"])
    kwargs = dict(batch_size=16, epochs=EPOCHS, shuffle=False, validation_split=0.25, verbose=0)
    _assert_histories(ours.fit(x, y, **kwargs), theirs.fit(x, y, **kwargs), 1e-5)


def test_callbacks_in_fit_match_keras(tmp_path):
    x, y = _regression(64, 4)
    xv, yv = _regression(32, 5)
    runs = []
    for lib in ("ours", "keras"):
        ours, theirs = _pair(seed=1)
        if lib == "ours":
            model, cb = ours, C
            model.compile(optim.SGD(ours.parameters(), lr=0.08), loss="mse")
        else:
            model, cb = theirs, keras.callbacks
            model.compile(keras.optimizers.SGD(learning_rate=0.08), loss="mse")
        log = tmp_path / f"{lib}.csv"
        history = model.fit(x, y, batch_size=16, epochs=12, shuffle=False, verbose=0,
                            validation_data=(xv, yv), callbacks=[
                                cb.ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.05),
                                cb.EarlyStopping(patience=3, min_delta=0.01),
                                cb.CSVLogger(str(log))])
        with open(log, newline="") as f:
            rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
        runs.append((history, rows))
    (ours, our_rows), (theirs, their_rows) = runs
    assert len(ours.epoch) == len(theirs.epoch) < 12  # stopped early at the same epoch
    assert sorted(ours.history) == sorted(theirs.history)
    for key, values in ours.history.items():
        np.testing.assert_allclose(values, theirs.history[key], rtol=1e-5, err_msg=key)
    assert len(our_rows) == len(their_rows)
    for mine, keras_row in zip(our_rows, their_rows, strict=True):
        assert mine == pytest.approx(keras_row, rel=1e-5)


# -- progress facts --------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _facts(text):
    """Epoch headers, and per finished line: the step count and the logged values."""
    text = ANSI.sub("", text).replace("\x08", "")
    headers = re.findall(r"^Epoch \d+/\d+$", text, re.M)
    finished = []
    for piece in re.split(r"[\r\n]", text):
        if "val_loss" in piece or re.search(r"\d+/\d+ .*\d+s", piece) and "ETA" not in piece:
            count = re.match(r"\s*(\d+/\d+)", piece)
            values = dict(re.findall(r"(\w+): (-?\d+\.\d+(?:e[-+]\d+)?)", piece))
            finished.append((count.group(1), {k: float(v) for k, v in values.items()}))
    return headers, finished


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_facts_match_keras(verbose):
    x, y = _regression(70, 6)
    xv, yv = _regression(20, 7)
    outputs = []
    for model in _pair():
        opt = (optim.SGD(model.parameters(), lr=0.01) if isinstance(model, nn.Module)
               else keras.optimizers.SGD(learning_rate=0.01))
        model.compile(opt, loss="mae")
        out = io.StringIO()
        with redirect_stdout(out):
            model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=verbose,
                      validation_data=(xv, yv))
        outputs.append(out.getvalue())
    (ours_headers, ours), (keras_headers, theirs) = map(_facts, outputs)
    assert ours_headers == keras_headers == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    theirs = [f for f in theirs if "val_loss" in f[1]]
    assert [f[0] for f in ours] == [f[0] for f in theirs] == ["5/5"] * 3
    for (_, mine), (_, keras_values) in zip(ours, theirs, strict=True):
        assert list(mine) == list(keras_values) == ["loss", "val_loss"]
        assert mine == pytest.approx(keras_values, abs=1.5e-4)  # both print 4 decimals


# -- scripted sequences of epoch logs --------------------------------------------------------------


class _Optimizer:
    """Both libraries' view of one learning rate."""

    def __init__(self, lr):
        self.param_groups = [{"lr": lr}]

    @property
    def learning_rate(self):
        return self.param_groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value):
        self.param_groups[0]["lr"] = float(value)


class _Model:
    """Enough of a model for both libraries' callbacks: weights tagged with the epoch."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = _Optimizer(lr)
        self.epoch = -1
        self.history = None
        self.saved = []

    def state_dict(self):
        return {"w": np.array([self.epoch], np.float64)}

    def load_state_dict(self, state):
        self.epoch = int(state["w"][0])

    def get_weights(self):
        return [np.array([self.epoch], np.float64)]

    def set_weights(self, weights):
        self.epoch = int(weights[0][0])

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(self.epoch)


def _drive(callback, values, monitor="val_loss", lr=0.1):
    """Run ``callback`` over one scripted epoch value each; what it decided, epoch by epoch."""
    model = _Model(lr)
    callback.set_model(model)
    callback.on_train_begin({})
    lrs, ran = [], 0
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
        lrs.append(model.optimizer.learning_rate)
        ran += 1
        if model.stop_training:
            break
    with redirect_stdout(io.StringIO()):
        callback.on_train_end({})
    return {"epochs": ran, "lrs": lrs, "weights_of": model.epoch, "saved": model.saved}


def _sequences(count, seed):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        steps = rng.choice([-0.3, -0.05, -0.001, 0.0, 0.02, 0.2], size=20)
        values = np.round(1.0 + np.cumsum(steps), 3)
        if rng.random() < 0.15:
            values[rng.integers(0, 20)] = np.nan
        yield [float(v) for v in values], rng


SCRIPTED = list(_sequences(60, 0))


@pytest.mark.parametrize("values, rng", SCRIPTED[:30])
def test_early_stopping_decides_as_keras(values, rng):
    options = dict(patience=int(rng.integers(0, 5)), min_delta=float(rng.choice([0, 0.01, 0.1])),
                   restore_best_weights=bool(rng.integers(0, 2)),
                   start_from_epoch=int(rng.choice([0, 0, 3])),
                   baseline=[None, 0.9, 1.5][int(rng.integers(0, 3))])
    mode = ["auto", "min", "max"][int(rng.integers(0, 3))]
    ours = _drive(C.EarlyStopping(mode=mode, **options), values)
    theirs = _drive(keras.callbacks.EarlyStopping(mode=mode, **options), values)
    assert ours == theirs, options


@pytest.mark.parametrize("values, rng", SCRIPTED[30:])
def test_reduce_lr_on_plateau_decides_as_keras(values, rng):
    options = dict(factor=float(rng.choice([0.1, 0.5])), patience=int(rng.integers(0, 4)),
                   min_delta=float(rng.choice([0, 1e-4, 0.05])),
                   cooldown=int(rng.integers(0, 3)), min_lr=float(rng.choice([0, 0.004])))
    mode = ["auto", "min", "max"][int(rng.integers(0, 3))]
    ours = _drive(C.ReduceLROnPlateau(mode=mode, **options), values)
    theirs = _drive(keras.callbacks.ReduceLROnPlateau(mode=mode, **options), values)
    assert ours["lrs"] == pytest.approx(theirs["lrs"], rel=1e-12), options


@pytest.mark.parametrize("values, rng", SCRIPTED[:12])
def test_checkpoint_saves_when_keras_does(values, rng, tmp_path):
    mode = ["auto", "min", "max"][int(rng.integers(0, 3))]
    ours = _Model()
    check = C.ModelCheckpoint(tmp_path / "e{epoch}.npz", save_best_only=True, mode=mode)
    check.set_model(ours)
    check.on_train_begin({})
    for epoch, value in enumerate(values):
        ours.epoch = epoch
        check.on_epoch_end(epoch, {"val_loss": value})
    saved = sorted(int(p.stem[1:]) - 1 for p in tmp_path.iterdir())
    theirs = _drive(keras.callbacks.ModelCheckpoint(str(tmp_path / "k.weights.h5"), mode=mode,
                                                    save_best_only=True, save_weights_only=True),
                    values)
    assert saved == theirs["saved"]


def test_learning_rate_scheduler_and_terminate_on_nan_as_keras():
    schedule = lambda epoch, lr: lr * 0.9 if epoch % 2 else lr + 0.01  # noqa: E731
    ours = _drive(C.LearningRateScheduler(schedule), [1.0] * 6)
    theirs = _drive(keras.callbacks.LearningRateScheduler(schedule), [1.0] * 6)
    assert ours["lrs"] == pytest.approx(theirs["lrs"], rel=1e-12)

    for losses in ([0.5, 0.4, math.nan, 0.3], [0.5, math.inf], [0.2, 0.1]):
        decided = []
        for callback in (C.TerminateOnNaN(), keras.callbacks.TerminateOnNaN()):
            model = _Model()
            callback.set_model(model)
            callback.on_train_begin({})
            callback.on_epoch_begin(0, {})
            stopped_at = None
            with redirect_stdout(io.StringIO()):
                for batch, loss in enumerate(losses):
                    callback.on_train_batch_begin(batch, {})
                    callback.on_train_batch_end(batch, {"loss": loss})
                    if model.stop_training:
                        stopped_at = batch
                        break
            decided.append(stopped_at)
        assert decided[0] == decided[1]
