"""nn.callbacks inside fit: hooks and their shared logs, checkpoints, CSV, NaN, learning rates."""

from __future__ import annotations

import csv
import math
import re

import numpy as np
import pytest

import autograd
import nn
from nn import callbacks as C
from nn import optim


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([0.5, -1.0, 2.0], np.float32)).astype(np.float32)
    return x, y


def _model(lr=0.05, seed=0):
    autograd.manual_seed(seed)
    model = nn.Sequential([nn.Dense(8, activation="relu", input_shape=[3]), nn.Dense(1)])
    model(np.zeros((1, 3), np.float32))
    model.compile(optim.SGD(model.parameters(), lr=lr), loss="mse")
    return model


def _same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


class Recorder(C.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, sorted(logs)))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_end(self, logs=None):
        self.events.append(("test_end", sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, list(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_hooks_run_in_keras_order_with_params_and_model():
    x, y = _data(20)
    model = _model()
    rec = Recorder()
    model.fit(x, y, batch_size=10, epochs=2, validation_data=(x[:5], y[:5]), callbacks=[rec],
              verbose=0)
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert C.History is nn.History is nn.history.History
    one_epoch = lambda e: [("epoch_begin", e), ("batch_begin", 0), ("batch_end", 0, ["loss"]),  # noqa: E731
                           ("batch_begin", 1), ("batch_end", 1, ["loss"]), ("test_begin",),
                           ("test_end", ["loss"]), ("epoch_end", e, ["loss", "val_loss"])]
    assert rec.events == [("train_begin",), *one_epoch(0), *one_epoch(1), ("train_end",)]


def test_every_callback_of_a_step_shares_one_logs_dict():
    x, y = _data(20)
    model = _model()

    class Adds(C.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 10.0 + epoch

    class Reads(C.Callback):
        seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append(logs["extra"])

    history = model.fit(x, y, epochs=2, callbacks=[Adds(), Reads()], verbose=0)
    assert Reads.seen == [10.0, 11.0]
    assert history.history["extra"] == [10.0, 11.0]  # History comes after the user's


def test_callbacks_must_be_callback_instances():
    x, y = _data(8)
    model = _model()
    with pytest.raises(TypeError, match=r"callbacks\[0\] is the class EarlyStopping itself"):
        model.fit(x, y, callbacks=[C.EarlyStopping], verbose=0)
    with pytest.raises(TypeError, match=r"callbacks\[1\] is a str"):
        model.fit(x, y, callbacks=[C.EarlyStopping(), "stop"], verbose=0)


# -- EarlyStopping inside fit ----------------------------------------------------------------------


def test_early_stopping_restores_best_weights_and_fills_history(capsys):
    x, y = _data()
    model = _model(lr=0.5)  # too high: the validation loss soon stops improving

    class Snapshot(C.Callback):
        weights = {}

        def on_epoch_end(self, epoch, logs=None):
            self.weights[epoch] = self.model.state_dict()

    stop = C.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, batch_size=8, epochs=30, validation_data=(x[:16], y[:16]),
                        callbacks=[Snapshot(), stop], verbose=0)
    val = history.history["val_loss"]
    best = int(np.nanargmin(val))
    assert len(val) == best + 3 < 30  # two epochs of patience after the best one
    assert history.early_stopping == {"monitor": "val_loss", "stopped_epoch": best + 2,
                                      "best_epoch": best, "best": val[best]}
    assert _same(model.state_dict(), Snapshot.weights[best])
    out = capsys.readouterr().out
    assert f"Epoch {best + 3}: early stopping" in out
    assert f"Restoring model weights from the end of the best epoch: {best + 1}." in out


def test_early_stopping_errors_and_missing_monitor():
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        C.EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience must be a non-negative integer"):
        C.EarlyStopping(patience=-1)
    x, y = _data(16)
    model = _model()
    with pytest.raises(ValueError, match="cannot tell whether 'val_score' should go down or up"):
        model.fit(x, y, callbacks=[C.EarlyStopping(monitor="val_score")], verbose=0)
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not logged; logged: loss"):
        history = model.fit(x, y, epochs=2, callbacks=[C.EarlyStopping()], verbose=0)
    assert len(history.epoch) == 2
    assert history.early_stopping["stopped_epoch"] is None


# -- ModelCheckpoint -------------------------------------------------------------------------------


def test_checkpoint_prints_lesson001_line_and_saves_the_best(tmp_path, capsys):
    x, y = _data()
    model = _model(lr=0.5)
    path = tmp_path / "best.npz"

    class Snapshot(C.Callback):
        weights = {}

        def on_epoch_end(self, epoch, logs=None):
            self.weights[epoch] = self.model.state_dict()

    check = C.ModelCheckpoint(path, save_best_only=True, verbose=1)
    history = model.fit(x, y, batch_size=8, epochs=8, validation_data=(x[:16], y[:16]),
                        callbacks=[Snapshot(), check], verbose=0)
    val = history.history["val_loss"]
    lines = capsys.readouterr().out.splitlines()
    best, expected = math.inf, []
    for v in val:
        if v < best:
            expected.append(f"Validation loss decreased ({best:.6f} --> {v:.6f}). Saving model ...")
            best = v
    assert lines == expected and lines[0].startswith("Validation loss decreased (inf --> ")
    assert _same(nn.load(path), Snapshot.weights[int(np.argmin(val))])


def test_checkpoint_fills_in_the_file_name_and_saves_every_epoch(tmp_path):
    x, y = _data(16)
    model = _model()
    pattern = str(tmp_path / "w-{epoch:02d}-{loss:.2f}.npz")
    history = model.fit(x, y, epochs=3, callbacks=[C.ModelCheckpoint(pattern, monitor="loss")],
                        verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"w-{e + 1:02d}-{v:.2f}.npz" for e, v in enumerate(history.history["loss"])]


def test_a_failed_checkpoint_save_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    x, y = _data()
    model = _model()
    path = tmp_path / "model.npz"
    model.fit(x, y, epochs=1, callbacks=[C.ModelCheckpoint(path, monitor="loss")], verbose=0)
    saved = nn.load(path)
    before = path.read_bytes()

    import nn.serialization as serialization

    def broken_savez(f, **arrays):  # writes half a file, then the disk "fails"
        f.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(serialization.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        model.fit(x, y, epochs=1, callbacks=[C.ModelCheckpoint(path, monitor="loss")], verbose=0)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _same(nn.load(path), saved)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


# -- CSVLogger -------------------------------------------------------------------------------------


def test_csv_logger_writes_history_and_appends(tmp_path):
    x, y = _data(24)
    model = _model()
    model.compile(optim.SGD(model.parameters(), lr=0.05), loss="mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                        callbacks=[C.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    for key, values in history.history.items():
        assert [float(r[key]) for r in rows] == pytest.approx(values, rel=1e-12)
    more = model.fit(x, y, epochs=3, initial_epoch=2, validation_split=0.25, verbose=0,
                     callbacks=[C.CSVLogger(path, append=True)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert float(rows[2]["val_mae"]) == pytest.approx(more.history["val_mae"][0], rel=1e-12)
    other = tmp_path / "semicolons.csv"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[C.CSVLogger(other, separator=";")])
    assert other.read_text().splitlines()[0] == "epoch;loss;mae"
    with pytest.raises(ValueError, match="separator must be one character"):
        C.CSVLogger(path, separator="||")


# -- TerminateOnNaN --------------------------------------------------------------------------------


def test_terminate_on_nan_names_epoch_and_batch_and_keeps_finite_weights(capsys):
    x, y = _data(40)
    model = _model()
    calls = {"n": 0}

    def loss_going_bad(pred, target):  # the 8th batch (epoch 2, batch 3) gives nan
        calls["n"] += 1
        loss = nn.functional.mse_loss(pred, target)
        return loss * float("nan") if calls["n"] == 8 else loss

    model.compile(optim.SGD(model.parameters(), lr=0.05), loss=loss_going_bad)

    class Snapshot(C.Callback):
        before = None

        def on_train_batch_begin(self, batch, logs=None):
            self.before = self.model.state_dict()

    snap = Snapshot()
    stop = C.TerminateOnNaN()
    history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                        callbacks=[snap, stop])
    assert stop.stopped == (1, 2) and model.stop_training
    assert history.epoch == [0, 1] and math.isnan(history.history["loss"][1])
    assert _same(model.state_dict(), snap.before)
    assert all(np.isfinite(v).all() for v in model.state_dict().values())
    assert re.search(r"Epoch 2, batch 3: invalid loss \(nan\), terminating training",
                     capsys.readouterr().out)


# -- learning rates --------------------------------------------------------------------------------


def test_learning_rate_scheduler_sets_every_group_and_logs_it(capsys):
    x, y = _data(16)
    model = _model()
    seen = []

    class Peek(C.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.optimizer.param_groups[0]["lr"])

    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[
        C.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1), Peek()])
    assert seen == [0.025, 0.0125, 0.00625]
    assert history.history["learning_rate"] == seen
    out = capsys.readouterr().out
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.025." in out
    one_argument = C.LearningRateScheduler(lambda e: 0.1 / (e + 1))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[one_argument])
    assert model.optimizer.param_groups[0]["lr"] == 0.05
    with pytest.raises(ValueError, match=r"schedule\(0\) returned 'fast'"):
        model.fit(x, y, verbose=0, callbacks=[C.LearningRateScheduler(lambda e: "fast")])


def test_reduce_lr_on_plateau_inside_fit(capsys):
    x, y = _data(16)
    model = _model(lr=1e-9)  # learns nothing: every epoch is a plateau
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0, callbacks=[
        C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_delta=1.0, verbose=1)])
    assert history.history["learning_rate"] == pytest.approx(
        [1e-9, 1e-9, 1e-9, 5e-10, 5e-10, 2.5e-10])
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 5e-10." in capsys.readouterr().out
    with pytest.raises(ValueError, match="factor must be below 1"):
        C.ReduceLROnPlateau(factor=1.5)
