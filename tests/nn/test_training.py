"""Keras-style training: compile, fit, evaluate, predict, summary, History and the progress line."""

from __future__ import annotations

import io
import math
import re
import sys

import numpy as np
import pytest

import autograd
import nn
from nn import optim
from nn.callbacks import Callback
from nn.history import History

LINE = re.compile(
    r"^(\d+)/(\d+) \[={30}\] - \d+s \d+(?:s|ms|us)/step((?: - \w+: -?\d+\.\d{4}(?:e[-+]\d+)?)+)$"
)


def _data(n=70, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = (x @ np.arange(1, features + 1, dtype=np.float32) * 0.3 + 0.1).astype(np.float32)
    return x, y


def _model(features=3, hidden=8, seed=0):
    autograd.manual_seed(seed)
    model = nn.Sequential([nn.Dense(hidden, activation="relu", input_shape=[features]),
                           nn.Dense(1)])
    model(np.zeros((1, features), np.float32))  # builds the lazy second layer
    return model


def _weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


# -- building and compiling ----------------------------------------------------------------------


def test_lesson000_model_builds_from_a_list_with_input_shape():
    model = nn.Sequential([
        nn.Dense(512, activation="relu", input_shape=[11]),
        nn.Dense(512, activation="relu"),
        nn.Dense(512, activation="relu"),
        nn.Dense(1),
    ])
    assert len(model) == 4 and model[0].built and model[0].in_features == 11
    assert model(np.zeros((2, 11), np.float32)).shape == (2, 1)


@pytest.mark.parametrize("name, cls", [("adam", optim.Adam), ("SGD", optim.SGD),
                                       ("rmsprop", optim.RMSprop), ("adagrad", optim.Adagrad),
                                       ("adamw", optim.AdamW)])
def test_compile_maps_optimizer_names_to_torch_defaults(name, cls):
    model = _model()
    model.compile(optimizer=name, loss="mae")
    assert type(model.optimizer) is cls
    reference = cls([nn.Parameter(np.zeros(1, np.float32))])
    assert model.optimizer.defaults == reference.defaults
    ids = {id(p) for g in model.optimizer.param_groups for p in g["params"]}
    assert ids == {id(p) for p in model.parameters()}
    assert isinstance(model.loss, nn.L1Loss)
    assert "loss" not in dict(model.named_modules())  # the loss is not registered as a layer
    assert "loss.weight" not in model.state_dict()


def test_compile_rejects_bad_arguments_and_changes_nothing():
    model, other = _model(), _model()
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile(optimizer="adamm", loss="mae")
    with pytest.raises(ValueError, match="none of this Sequential's parameters"):
        model.compile(optimizer=optim.SGD(other.parameters(), lr=0.1), loss="mae")
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="unique"):
        model.compile(optimizer="adam", loss="mse", metrics=["mae", "mae"])
    with pytest.raises(ValueError, match="unknown metric 'accuracyy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["accuracyy"])
    assert getattr(model, "optimizer", None) is None
    with pytest.raises(RuntimeError, match=r"compile\(optimizer=..., loss=...\) before fit"):
        model.fit(*_data(), verbose=0)


# -- fit against the same steps written by hand --------------------------------------------------


def test_fit_is_the_pytorch_loop_with_weighted_epoch_loss():
    x, y = _data(70)
    model, twin = _model(), _model()
    model.compile(optim.SGD(model.parameters(), lr=0.05), loss="mse")
    autograd.manual_seed(123)
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)

    opt = optim.SGD(twin.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    autograd.manual_seed(123)
    expected = []
    for _ in range(3):
        order = autograd.default_generator().permutation(len(x))
        total = 0.0
        for start in range(0, len(x), 32):
            rows = order[start:start + 32]
            opt.zero_grad()
            loss = loss_fn(twin(x[rows]), autograd.Tensor(y[rows]).reshape(-1, 1))
            loss.backward()
            opt.step()
            total += loss.item() * len(rows)
        expected.append(total / len(x))
    assert history.history["loss"] == pytest.approx(expected, rel=1e-6)
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value, rtol=1e-6)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}  # ceil(70 / 32)
    assert history.epoch == [0, 1, 2]
    assert all(type(v) is float for v in history.history["loss"])


def test_same_seed_same_run_and_shuffle_changes_the_order():
    x, y = _data(64)
    runs = []
    for shuffle in (True, True, False):
        model = _model()
        model.compile(optim.SGD(model.parameters(), lr=0.05), loss="mse")
        autograd.manual_seed(7)
        runs.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=shuffle,
                              verbose=0).history["loss"])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_validation_split_takes_the_last_rows_before_shuffling():
    x, y = _data(50)
    model = _model()
    model.compile(optim.Adam(model.parameters(), lr=0.01), loss="mae", metrics=["mse"])
    history = model.fit(x, y, batch_size=16, epochs=1, validation_split=0.2, verbose=0)
    assert history.params["steps"] == 3  # 40 training rows
    assert list(history.history) == ["loss", "mse", "val_loss", "val_mse"]
    val_loss, val_mse = model.evaluate(x[40:], y[40:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(val_loss, rel=1e-6)
    assert history.history["val_mse"][0] == pytest.approx(val_mse, rel=1e-6)
    with pytest.raises(ValueError, match=r"validation_split must be a fraction in \[0, 1\)"):
        model.fit(x, y, validation_split=1.0, verbose=0)


class _Spy(nn.Module):
    """Records, for each call, whether the model was training and recording a graph."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Dense(4, activation="relu", input_shape=[3]),
                                   nn.Dropout(0.5), nn.Dense(1))
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, autograd.is_grad_enabled(), len(x)))
        return self.inner(x)


def test_validation_runs_in_eval_mode_without_a_graph_on_the_whole_set():
    x, y = _data(40)
    xv, yv = _data(25, seed=1)
    autograd.manual_seed(0)
    model = _Spy()
    model(xv[:1])  # build the lazy layer now, so that every call below is fit's
    model.calls.clear()
    model.compile("adam", "mse")
    history = model.fit(x, y, batch_size=16, epochs=2, validation_data=(xv, yv), verbose=0)
    train_calls = [c for c in model.calls if c[0]]
    val_calls = [c for c in model.calls if not c[0]]
    assert all(c[1] for c in train_calls) and len(train_calls) == 6
    assert not any(c[1] for c in val_calls)
    assert sum(c[2] for c in val_calls) == 2 * 25  # the whole validation set, each epoch
    assert model.training  # the mode from before fit is back
    # eval mode: dropout is off, so validation is deterministic and equals evaluate
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(xv, yv, verbose=0))


def test_targets_n_and_n1_align_and_other_mismatches_name_both_shapes():
    x, y = _data(30)
    losses = []
    for target in (y, y.reshape(-1, 1)):
        model = _model()
        model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mse")
        losses.append(model.fit(x, target, epochs=1, shuffle=False, verbose=0).history["loss"])
    assert losses[0] == losses[1]
    model = _model()
    model.compile("sgd", "mse")
    before = _weights(model)
    with pytest.raises(ValueError, match=r"\(30, 1\).*\(30, 2\)"):
        model.fit(x, np.stack([y, y], 1), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"x has 30 samples \(shape \(30, 3\)\) but y has 29"):
        model.fit(x, y[:29], verbose=0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        model.fit(x, y, batch_size=0, verbose=0)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_fit_takes_tensors_and_loaders_of_batches():
    x, y = _data(30)

    class Batches:  # the duck type fit accepts: an iterable of (x, y) with a length
        def __iter__(self):
            return ((autograd.Tensor(x[i:i + 10]), autograd.Tensor(y[i:i + 10]))
                    for i in range(0, 30, 10))

        def __len__(self):
            return 3

    results = []
    for inputs in ((x, y), (autograd.Tensor(x), autograd.Tensor(y)), (Batches(), None)):
        model = _model()
        model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mse")
        history = model.fit(*inputs, batch_size=10, epochs=2, shuffle=False, verbose=0,
                            validation_data=Batches())
        assert history.params["steps"] == 3
        results.append(history.history)
    for other in results[1:]:
        assert list(other) == ["loss", "val_loss"]
        for key in other:
            assert other[key] == pytest.approx(results[0][key], rel=1e-6)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        model.fit(Batches(), validation_split=0.2, verbose=0)


def test_fit_takes_nn_data_loader():
    data = pytest.importorskip("nn.data")
    x, y = _data(45)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=20)
    model = _model()
    model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mse")
    history = model.fit(loader, epochs=2, verbose=0)
    twin = _model()
    twin.compile(optim.SGD(twin.parameters(), lr=0.1), loss="mse")
    expected = twin.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0)
    assert history.params["steps"] == 3
    assert history.history["loss"] == pytest.approx(expected.history["loss"], rel=1e-6)

    # a shuffling loader draws its orders as in a hand-written loop: fit takes no extra draw
    shuffled = data.DataLoader(data.TensorDataset(x, y), batch_size=20, shuffle=True)
    model, twin = _model(), _model()
    model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mse")
    autograd.manual_seed(5)
    history = model.fit(shuffled, epochs=2, verbose=0)
    opt = optim.SGD(twin.parameters(), lr=0.1)
    autograd.manual_seed(5)
    expected = []
    for _ in range(2):
        total = 0.0
        for xb, yb in shuffled:
            opt.zero_grad()
            loss = nn.functional.mse_loss(twin(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        expected.append(total / 45)
    assert history.history["loss"] == pytest.approx(expected, rel=1e-6)


def test_evaluate_and_predict():
    x, y = _data(50)
    model = _model()
    model.compile("adam", "mse", metrics=["mae"])
    model.fit(x, y, epochs=2, verbose=0)
    pred = model.predict(x, batch_size=16)
    assert isinstance(pred, np.ndarray) and pred.shape == (50, 1)
    np.testing.assert_allclose(pred, model(x).numpy(), rtol=1e-6)
    loss, mae = model.evaluate(x, y, batch_size=16, verbose=0)
    assert loss == pytest.approx(float(np.mean((pred[:, 0] - y) ** 2)), rel=1e-5)
    assert mae == pytest.approx(float(np.mean(np.abs(pred[:, 0] - y))), rel=1e-5)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        {"loss": loss, "mae": mae})
    model.compile("adam", "mse")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(loss)


def test_stop_training_initial_epoch_and_model_history():
    x, y = _data(40)

    class StopAtBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.params["epochs"] and batch == 1:
                self.model.stop_training = True

    model = _model()
    model.compile("sgd", "mse")
    seen = []

    class Count(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    history = model.fit(x, y, batch_size=8, epochs=5, initial_epoch=2,
                        callbacks=[StopAtBatch(), Count()], verbose=0)
    assert seen == [0, 1] and history.epoch == [2]
    assert model.history is history and model.stop_training is True
    assert history.model is model


def test_an_error_inside_fit_propagates_and_puts_the_mode_back(capsys):
    x, y = _data(40)
    model = _model()
    calls = {"n": 0}

    def failing_loss(pred, target):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("loss exploded")
        return nn.functional.mse_loss(pred, target)

    model.compile("sgd", failing_loss)
    model.eval()
    with pytest.raises(RuntimeError, match="loss exploded"):
        model.fit(x, y, batch_size=8, epochs=2, verbose=1)
    assert not model.training
    model.compile("sgd", lambda pred, target: (pred - target.reshape(-1, 1)) ** 2)
    with pytest.raises(ValueError, match=r"scalar Tensor, got Tensor of shape \(8, 1\)"):
        model.fit(x, y, batch_size=8, verbose=0)


def test_track_gradients_records_each_parameter_per_epoch():
    x, y = _data(20)
    model, twin = _model(), _model()
    model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mse")
    history = model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0,
                        track_gradients=True)
    names = [n for n, _ in model.named_parameters()]
    assert list(history.gradient_norms) == names
    assert all(len(v) == 2 for v in history.gradient_norms.values())
    # one batch per epoch: the first value is the first step's gradient norm
    loss = nn.MSELoss()(twin(x), autograd.Tensor(y).reshape(-1, 1))
    loss.backward()
    for name, p in twin.named_parameters():
        expected = float(np.linalg.norm(p.grad.numpy()))
        assert history.gradient_norms[name][0] == pytest.approx(expected, rel=1e-5)
    untracked = model.fit(x, y, epochs=1, verbose=0)
    assert untracked.gradient_norms == {}


def test_history_keys_order_to_dataframe_and_best_epoch():
    pd = pytest.importorskip("pandas")
    h = History()
    for epoch, logs in enumerate([{"val_loss": 3.0, "loss": 2.0, "val_mae": 1.0, "mae": 4.0},
                                  {"val_loss": 1.0, "loss": 1.5, "val_mae": 0.5, "mae": 3.0}]):
        h.on_epoch_end(epoch, logs)
    assert list(h.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert h.best_epoch() == 1 and h.best_epoch("mae", mode="max") == 0
    frame = h.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(h.history)
    assert frame["loss"].tolist() == [2.0, 1.5]
    assert h.early_stopping is None and h.gradient_norms == {}


def test_history_dataframe_error_names_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas: pip install pandas"):
        History().to_dataframe()


# -- summary -------------------------------------------------------------------------------------


def test_summary_is_keras_table():
    model = nn.Sequential([
        nn.Dense(512, activation="relu", input_shape=[11]),
        nn.Dense(512, activation="relu"),
        nn.Dropout(0.3),
        nn.Dense(1),
    ])
    out = io.StringIO()
    text = model.summary(print_fn=lambda s: out.write(s))
    assert out.getvalue() == text
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    rows = [line.split() for line in lines if line.startswith(" ") and "(" in line][1:]
    assert rows == [["dense", "(Dense)", "(None,", "512)", "6144"],
                    ["dense_1", "(Dense)", "(None,", "512)", "262656"],
                    ["dropout", "(Dropout)", "(None,", "512)", "0"],
                    ["dense_2", "(Dense)", "(None,", "1)", "513"]]
    assert "Total params: 269,313" in lines and "Trainable params: 269,313" in lines
    assert "Non-trainable params: 0" in lines
    assert lines[2].index("Output") == lines[4].index("(None")  # columns line up
    model[3].requires_grad_(False)
    assert "Non-trainable params: 513" in model.summary(print_fn=None)
    with pytest.raises(ValueError, match="not built yet"):
        nn.Sequential([nn.Dense(3)]).summary()


# -- progress --------------------------------------------------------------------------------------


def _fit_output(capsys, verbose, epochs=2, tty=False, monkeypatch=None):
    x, y = _data(70)
    model = _model()
    model.compile("adam", "mae")
    if tty:
        class Terminal(io.StringIO):
            def isatty(self):
                return True
        stream = Terminal()
        monkeypatch.setattr(sys, "stdout", stream)
        history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=verbose,
                            validation_data=(x[:20], y[:20]))
        monkeypatch.undo()
        return stream.getvalue(), history
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=verbose,
                        validation_data=(x[:20], y[:20]))
    return capsys.readouterr().out, history


def test_progress_line_outside_a_terminal_is_one_line_per_epoch(capsys):
    out, history = _fit_output(capsys, 1)
    assert "\r" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    for epoch, line in enumerate((lines[1], lines[3])):
        match = LINE.match(line)
        assert match, line
        assert match.group(1) == match.group(2) == "5"
        loss = history.history["loss"][epoch]
        val = history.history["val_loss"][epoch]
        assert match.group(3) == f" - loss: {loss:.4f} - val_loss: {val:.4f}"


def test_progress_live_in_a_terminal_ends_with_the_same_line(capsys, monkeypatch):
    out, history = _fit_output(capsys, 1, tty=True, monkeypatch=monkeypatch)
    assert "\r" in out
    epochs = [part for part in out.split("Epoch ") if part]
    assert len(epochs) == 2
    for epoch, part in enumerate(epochs):
        last = part.rstrip("\n").split("\r")[-1].rstrip()
        match = LINE.match(last)
        assert match, repr(last)
        assert match.group(3).startswith(f" - loss: {history.history['loss'][epoch]:.4f}")


def test_progress_verbose_2_and_0(capsys):
    out, history = _fit_output(capsys, 2)
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and len(lines) == 4 and "\r" not in out
    pattern = (r"^5/5 - \d+s - loss: (\d+\.\d{4}) - val_loss: (\d+\.\d{4}) - "
               r"\d+(?:s|ms|us)/epoch - \d+(?:s|ms|us)/step$")
    match = re.match(pattern, lines[1])
    assert match, lines[1]
    assert float(match.group(1)) == pytest.approx(history.history["loss"][0], abs=5e-5)
    out, _ = _fit_output(capsys, 0)
    assert out == ""


def test_progress_one_epoch_has_no_header_and_evaluate_has_a_bar(capsys):
    out, _ = _fit_output(capsys, 1, epochs=1)
    assert "Epoch" not in out and len(out.splitlines()) == 1
    x, y = _data(70)
    model = _model()
    model.compile("adam", "mae")
    loss = model.evaluate(x, y, batch_size=32)
    line = capsys.readouterr().out.strip()
    assert LINE.match(line) and line.startswith("3/3 ") and line.endswith(f"loss: {loss:.4f}")


def test_progress_small_values_use_exponent_format():
    from nn.progress import Progbar

    bar = Progbar(2, verbose=1, file=io.StringIO(), mode="lines")
    bar.update(1, {"loss": 0.5})
    bar.finish({"loss": 0.00012, "val_loss": 12.3456789})
    assert bar.file.getvalue().rstrip().endswith("- loss: 1.2000e-04 - val_loss: 12.3457")


def test_progress_in_jupyter_is_a_widget_bar_with_the_same_facts(monkeypatch):
    pytest.importorskip("ipywidgets")
    from nn import progress

    class Shell:
        config = {"IPKernelApp": {}}

    class FakeIPython:  # what a Jupyter kernel has loaded
        @staticmethod
        def get_ipython():
            return Shell()

    assert progress.display_mode(io.StringIO()) == "lines"
    monkeypatch.setitem(sys.modules, "IPython", FakeIPython)
    assert progress.display_mode(io.StringIO()) == "notebook"
    monkeypatch.undo()

    out = io.StringIO()
    bar = progress.Progbar(5, verbose=1, file=out, mode="notebook")
    for step in range(1, 6):
        bar.update(step, {"loss": 1.0 / step})
    bar._bar.refresh()  # tqdm redraws at most ten times a second
    left, widget, right = bar._bar.container.children
    assert widget.value == widget.max == 5
    assert left.value == "5/5" and "loss: 0.2000" in right.value.replace("\u2007", " ")
    bar.finish({"loss": 0.1349, "val_loss": 0.1231})
    # the widget is closed and the finished line stays as text, which a saved notebook keeps
    assert re.fullmatch(r"5/5 \[=+\] - \d+s \d+(?:s|ms|us)/step - loss: 0\.1349 - "
                        r"val_loss: 0\.1231", out.getvalue().strip()), out.getvalue()


def test_fit_takes_pandas_frames_as_lesson000_does():
    pd = pytest.importorskip("pandas")
    x, y = _data(40)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    results = []
    for inputs in ((x, y), (frame, pd.Series(y))):
        model = _model()
        model.compile(optim.SGD(model.parameters(), lr=0.1), loss="mae")
        results.append(model.fit(*inputs, batch_size=16, epochs=2, verbose=0,
                                 validation_data=inputs, shuffle=False).history)
        assert model.predict(inputs[0]).shape == (40, 1)
    assert results[0] == results[1]
    frame_history = pd.DataFrame(results[1])
    assert frame_history["loss"].tolist() == results[1]["loss"]


# -- lesson 000 ------------------------------------------------------------------------------------


def test_lesson000_red_wine_recipe_reaches_the_lesson_validation_mae():
    datasets = pytest.importorskip("nn.datasets")
    wine = datasets.load_wine_quality()
    table = np.column_stack([wine.data, wine.target]).astype(np.float64)
    order = np.random.default_rng(0).permutation(len(table))
    n_train = round(0.7 * len(table))
    train, valid = table[order[:n_train]], table[order[n_train:]]
    low, high = train.min(axis=0), train.max(axis=0)  # every column, quality included
    train, valid = (train - low) / (high - low), (valid - low) / (high - low)
    X_train, y_train, X_valid, y_valid = train[:, :-1], train[:, -1], valid[:, :-1], valid[:, -1]
    assert X_train.shape == (1119, 11)

    autograd.manual_seed(0)
    model = nn.Sequential([
        nn.Dense(512, activation="relu", input_shape=[11]),
        nn.Dense(512, activation="relu"),
        nn.Dense(512, activation="relu"),
        nn.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mae")
    history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), batch_size=256,
                        epochs=10, verbose=0)
    assert history.params["steps"] == 5 and len(history.history["loss"]) == 10
    constant = float(np.mean(np.abs(y_valid - np.median(y_train))))
    final = history.history["val_loss"][-1]
    assert math.isfinite(final)
    assert abs(final - 0.0977) < 0.012  # the lesson's last val_loss
    assert final < 0.85 * constant
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
