"""Found by an adversarial review of fit, callbacks, metrics and data, tried as a learner who
copies Keras and PyTorch code would: each test pins one fix."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import autograd
import nn
from nn import callbacks as C
from nn import metrics as M
from nn import optim
from nn.data import DataLoader, TensorDataset, load_csv, train_test_split, train_val_test_split
from nn.tuning import lr_find


def _data(n=20, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([0.5, -1.0, 2.0], np.float32)).astype(np.float32)


def _model(seed=0, lr=0.05):
    autograd.manual_seed(seed)
    model = nn.Sequential([nn.Dense(4, activation="relu", input_shape=[3]), nn.Dropout(0.2),
                           nn.Dense(1)])
    model.compile(optim.SGD(model.parameters(), lr=lr), loss="mse")
    return model


class Calls(C.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(epoch)


def _weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


# -- fit's inputs ----------------------------------------------------------------------------------


def test_a_generator_trains_one_epoch_and_is_refused_for_more_before_anything_changes():
    x, y = _data()

    def batches():
        for start in range(0, len(x), 8):
            yield x[start:start + 8], y[start:start + 8]

    model = _model()
    history = model.fit(batches(), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and history.params["steps"] is None

    before, calls = _weights(model), Calls()
    with pytest.raises(ValueError, match=r"x is a generator, which is used up after one pass, "
                                         r"but 3 epochs"):
        model.fit(batches(), epochs=3, verbose=0, callbacks=[calls])
    with pytest.raises(ValueError, match="validation_data is a generator"):
        model.fit(x, y, epochs=2, validation_data=batches(), verbose=0, callbacks=[calls])
    assert calls.calls == [] and all(np.array_equal(before[k], v)
                                     for k, v in model.state_dict().items())


def test_a_loader_without_batches_is_refused_before_training():
    x, y = _data()
    empty = DataLoader(TensorDataset(x, y), batch_size=32, drop_last=True)
    model, calls = _model(), Calls()
    for kwargs in ({"x": empty}, {"x": x, "y": y, "validation_data": empty}):
        with pytest.raises(ValueError, match=r"gives no batches: DataLoader\(20 samples, "
                                             r"batch_size=32.*drop_last=True"):
            model.fit(**kwargs, verbose=0, callbacks=[calls])
    assert calls.calls == []


def test_x_none_is_named():
    model = _model()
    with pytest.raises(ValueError, match="fit: x is None"):
        model.fit(verbose=0)
    with pytest.raises(ValueError, match="predict: x is None"):
        model.predict(None)


def test_a_flat_x_for_a_one_feature_model_is_a_column_as_in_keras():
    # the Celsius -> Fahrenheit first network: Dense(1, input_shape=[1]) fit on a flat array
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], np.float32)
    fahrenheit = celsius * 1.8 + 32
    runs = []
    for x in (celsius, celsius[:, None]):
        autograd.manual_seed(0)
        model = nn.Sequential([nn.Dense(1, input_shape=[1])])
        model.compile(optim.Adam(model.parameters(), lr=0.1), loss="mse")
        history = model.fit(x, fahrenheit, epochs=3, verbose=0, shuffle=False)
        runs.append((history.history, model.predict(x), model.evaluate(x, fahrenheit,
                                                                          verbose=0)))
    assert runs[0][0] == runs[1][0]
    assert runs[0][1].shape == (7, 1) and np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]
    # three features per sample: a flat x is still refused, naming the shapes
    with pytest.raises(ValueError, match="expects 3"):
        _model().fit(np.zeros(9, np.float32), np.zeros(9, np.float32), verbose=0)


def test_flat_x_matches_keras_on_the_same_weights():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":  # pragma: no cover - keras loaded elsewhere
        pytest.skip("keras was already loaded with another backend")
    x = np.linspace(-1, 1, 10).astype(np.float32)
    y = 3 * x + 1
    autograd.manual_seed(0)
    ours = nn.Sequential([nn.Dense(1, input_shape=[1])])
    ours.compile(optim.SGD(ours.parameters(), lr=0.1), loss="mse")
    theirs = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    theirs.layers[0].set_weights([ours[0].kernel.numpy().copy(), ours[0].bias.numpy().copy()])
    theirs.compile(keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        predicted = theirs.predict(x, verbose=0)
    got = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x), predicted, rtol=1e-5, atol=1e-6)


# -- modes -----------------------------------------------------------------------------------------


def test_fit_evaluate_predict_summary_put_back_each_modules_own_mode():
    x, y = _data()
    model = _model()
    model.train()
    model[1].eval()  # one submodule kept in eval mode, as a frozen BatchNorm would be
    modes = [m.training for m in model.modules()]
    assert modes == [True, True, False, True]
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    assert [m.training for m in model.modules()] == modes
    model.evaluate(x, y, verbose=0)
    assert [m.training for m in model.modules()] == modes
    model.predict(x)
    assert [m.training for m in model.modules()] == modes
    model.summary(print_fn=None)
    assert [m.training for m in model.modules()] == modes
    model.eval()
    model.fit(x, y, epochs=1, verbose=0)
    assert not any(m.training for m in model.modules())


def test_fit_trains_when_called_under_no_grad_and_leaves_grad_mode_off():
    x, y = _data()
    model = _model()
    before = _weights(model)
    with autograd.no_grad():
        history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
        assert not autograd.is_grad_enabled()
    assert len(history.history["val_loss"]) == 2
    assert any(not np.array_equal(before[k], v) for k, v in model.state_dict().items())


# -- losses written for Keras ----------------------------------------------------------------------


def test_a_loss_with_keras_parameter_names_gets_the_target_first():
    x, y = _data()

    def target_mean(y_true, y_pred):  # uses only y_true: tells which argument is which
        return (y_pred.reshape(-1) * 0 + y_true).mean()

    def prediction_mean(prediction, target):  # PyTorch's order stays as it is
        return (prediction.reshape(-1) + target * 0).mean()

    model = _model()
    model.compile("sgd", loss=target_mean)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(y.mean()), rel=1e-6)
    model.compile("sgd", loss=prediction_mean)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(model.predict(x).mean()),
                                                            rel=1e-5)

    def keras_mse(y_true, y_pred):
        return ((y_true - y_pred.reshape(-1)) ** 2).mean()

    curves = []
    for loss in (keras_mse, "mse"):
        model = _model()
        model.compile("sgd", loss=loss)
        curves.append(model.fit(x, y, epochs=2, verbose=0).history["loss"])
    assert curves[0] == pytest.approx(curves[1], rel=1e-6)
    # lr_find reads the compiled (already reordered) loss, and a Keras loss given to it
    model = _model()
    model.compile("sgd", loss=target_mean)
    for given in (None, target_mean):  # one batch of all 20 rows per step
        found = lr_find(model, x, y, loss=given, num_iter=3, batch_size=32, seed=0)
        assert found.raw_losses == pytest.approx([float(y.mean())] * 3, rel=1e-6)


# -- callbacks -------------------------------------------------------------------------------------


def test_checkpoint_makes_its_folder_and_saves_without_the_monitor_as_keras(tmp_path):
    x, y = _data()
    model = _model()
    template = tmp_path / "runs" / "one" / "model_{epoch:02d}_{loss:.2f}.npz"
    best = tmp_path / "new" / "best.npz"
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not logged"):
        history = model.fit(x, y, epochs=2, verbose=0, callbacks=[
            C.ModelCheckpoint(template), C.ModelCheckpoint(best, save_best_only=True)])
    names = sorted(p.name for p in (tmp_path / "runs" / "one").iterdir())
    assert names == [f"model_{e + 1:02d}_{v:.2f}.npz" for e, v in
                     enumerate(history.history["loss"])]
    assert best.exists()  # no val_loss to judge by: Keras saves each epoch, and so do we
    state = nn.load(best)
    assert all(np.array_equal(state[k], v) for k, v in model.state_dict().items())


def test_keras_older_batch_hooks_are_called_as_keras_calls_them():
    class LossHistory(C.Callback):  # the Keras FAQ's example, written with on_batch_end
        def on_train_begin(self, logs=None):
            self.losses, self.begun = [], []

        def on_batch_begin(self, batch, logs=None):
            self.begun.append(batch)

        def on_batch_end(self, batch, logs=None):
            self.losses.append(logs.get("loss"))

    class Both(C.Callback):  # overriding the new name replaces the alias, as in Keras
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append("train_batch_end")

        def on_batch_end(self, batch, logs=None):
            self.seen.append("batch_end")

    x, y = _data()
    recorder, both = LossHistory(), Both()
    _model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[recorder, both])
    assert recorder.begun == [0, 1, 2, 0, 1, 2] and len(recorder.losses) == 6
    assert all(isinstance(v, float) for v in recorder.losses)
    assert both.seen == ["train_batch_end"] * 6
    late = LossHistory()
    callbacks = C.CallbackList([])
    callbacks.append(late)
    late.on_train_begin()
    callbacks.on_train_batch_end(0, {"loss": 1.5})
    assert late.losses == [1.5]


def test_reduce_lr_on_plateau_stops_at_min_lr_compared_in_float32(capsys):
    model = _model(lr=1e-3)
    reduce = C.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=0, min_lr=1e-5,
                                 verbose=1)
    reduce.set_model(model)
    reduce.on_train_begin({})
    lrs = []
    for epoch in range(6):
        reduce.on_epoch_end(epoch, {"loss": 1.0})
        lrs.append(model.optimizer.param_groups[0]["lr"])
    assert lrs == pytest.approx([1e-3, 1e-4, 1e-5, 1e-5, 1e-5, 1e-5])
    # once at min_lr (equal in float32, as Keras stores it) nothing more is "reduced"
    assert capsys.readouterr().out.count("reducing learning rate") == 2


# -- data ------------------------------------------------------------------------------------------


def test_load_csv_names_a_wrong_encoding_and_reads_latin1(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("año;peso;y\n2001;1,5;3\n2002;2,5;4\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"line 1, is not UTF-8 text .*encoding='latin-1'"):
        load_csv(path, target="y")
    table = load_csv(path, target="y", encoding="latin-1", decimal=",")
    assert table.feature_names == ["año", "peso"]
    np.testing.assert_array_equal(table.X, [[2001, 1.5], [2002, 2.5]])


def test_a_stratified_split_needs_a_row_per_class_in_every_part():
    x = np.arange(12).reshape(6, 2)
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="the test part would get 1 rows for 2 classes"):
        train_test_split(x, y, test_size=1, stratify=y, seed=0)
    with pytest.raises(ValueError, match="the training part would get 1 rows for 2 classes"):
        train_test_split(x, y, test_size=5, stratify=y, seed=0)
    with pytest.raises(ValueError, match="the validation part would get 1 rows"):
        train_val_test_split(x, y, val_size=1, test_size=2, stratify=y, seed=0)
    parts = train_test_split(x, y, test_size=2, stratify=y, seed=0)
    assert sorted(parts[3].tolist()) == [0, 1]
    sklearn = pytest.importorskip("sklearn.model_selection")
    with pytest.raises(ValueError):  # scikit-learn refuses the same split
        sklearn.train_test_split(x, y, test_size=1, stratify=y, random_state=0)


def test_confusion_matrix_refuses_empty_labels():
    with pytest.raises(ValueError, match="labels must be a non-empty list"):
        M.confusion_matrix([0, 1], [1, 1], labels=[])
    np.testing.assert_array_equal(M.confusion_matrix([0, 1], [1, 1], labels=[1, 0]),
                                  [[1, 0], [1, 0]])
