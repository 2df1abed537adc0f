"""nn.metrics: the functions against scikit-learn, the streaming Metrics against the functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
import nn
from nn import metrics as M

RNG = np.random.default_rng(0)


def _binary(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    prob = np.clip(y * 0.35 + rng.random(n) * 0.65, 0, 1).astype(np.float32)
    return y, prob


def _multiclass(n=300, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    scores = rng.standard_normal((n, classes)).astype(np.float32)
    scores[np.arange(n), y] += 0.8  # better than chance, not perfect
    return y, scores


def _regression(n=150, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((n, outputs))
    pred = y + 0.5 * rng.standard_normal((n, outputs))
    return (y[:, 0], pred[:, 0]) if outputs == 1 else (y, pred)


# -- against scikit-learn --------------------------------------------------------------------------


def test_classification_functions_match_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    y, prob = _binary()
    labels = (prob > 0.5).astype(int)
    assert M.accuracy(y, prob) == pytest.approx(sk.accuracy_score(y, labels))
    assert M.binary_accuracy(y, prob) == pytest.approx(sk.accuracy_score(y, labels))
    assert M.binary_accuracy(y, prob, threshold=0.7) == pytest.approx(
        sk.accuracy_score(y, prob > 0.7))
    assert M.precision(y, prob) == pytest.approx(sk.precision_score(y, labels))
    assert M.recall(y, prob) == pytest.approx(sk.recall_score(y, labels))
    assert M.f1_score(y, prob) == pytest.approx(sk.f1_score(y, labels))
    np.testing.assert_array_equal(M.confusion_matrix(y, prob), sk.confusion_matrix(y, labels))
    np.testing.assert_array_equal(M.confusion_matrix(y, prob.reshape(-1, 1)),
                                  sk.confusion_matrix(y, labels))

    y, scores = _multiclass()
    pred = scores.argmax(1)
    onehot = np.eye(4)[y]
    assert M.accuracy(y, scores) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.sparse_categorical_accuracy(y, scores) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.categorical_accuracy(onehot, scores) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.accuracy(onehot, scores) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.accuracy(y, pred) == pytest.approx(sk.accuracy_score(y, pred))  # labels vs labels
    for ours, theirs in ((M.precision, sk.precision_score), (M.recall, sk.recall_score),
                         (M.f1_score, sk.f1_score)):
        assert ours(y, scores, average="macro") == pytest.approx(
            theirs(y, pred, average="macro", zero_division=0))
        assert ours(onehot, scores, average="macro") == pytest.approx(
            theirs(y, pred, average="macro", zero_division=0))
    np.testing.assert_array_equal(M.confusion_matrix(y, scores), sk.confusion_matrix(y, pred))
    np.testing.assert_array_equal(M.confusion_matrix(y, pred, labels=[3, 2, 1, 0]),
                                  sk.confusion_matrix(y, pred, labels=[3, 2, 1, 0]))


def test_macro_scores_skip_absent_classes_and_zero_division_is_zero():
    sk = pytest.importorskip("sklearn.metrics")
    y = np.array([0, 0, 2, 2, 2, 5])
    pred = np.array([0, 2, 2, 2, 0, 0])  # class 5 is never predicted: its precision is 0/0
    for ours, theirs in ((M.precision, sk.precision_score), (M.recall, sk.recall_score),
                         (M.f1_score, sk.f1_score)):
        assert ours(y, pred, average="macro") == pytest.approx(
            theirs(y, pred, average="macro", zero_division=0))
    assert M.precision([0, 0, 0], [0, 0, 0]) == 0.0  # no positive predicted


def test_regression_functions_match_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    for outputs in (1, 3):
        y, pred = _regression(outputs=outputs)
        assert M.mean_absolute_error(y, pred) == pytest.approx(sk.mean_absolute_error(y, pred))
        assert M.mean_squared_error(y, pred) == pytest.approx(sk.mean_squared_error(y, pred))
        assert M.rmse(y, pred) == pytest.approx(math.sqrt(sk.mean_squared_error(y, pred)))
        assert M.r2_score(y, pred) == pytest.approx(sk.r2_score(y, pred))
    assert M.r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]) == 1.0  # scikit-learn's force_finite
    assert M.r2_score([2.0, 2.0, 2.0], [1.0, 2.0, 2.0]) == 0.0


def test_inputs_may_be_tensors_lists_and_n1_columns():
    y, pred = _regression()
    expected = M.mae(y, pred)
    assert M.mae(list(y), autograd.Tensor(pred.reshape(-1, 1))) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"y_true shape \(150,\) and y_pred shape \(150, 2\)"):
        M.mse(y, np.stack([pred, pred], 1))
    with pytest.raises(ValueError, match="average must be 'binary' or 'macro'"):
        M.f1_score([0, 1], [0, 1], average="micro")
    with pytest.raises(ValueError, match=r"classes \[0, 1, 2\]; use average='macro'"):
        M.precision([0, 1, 2], [0, 1, 2])


# -- streaming -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fn, data", [
    ("mae", M.mae, _regression()),
    ("mse", M.mse, _regression()),
    ("rmse", M.rmse, _regression()),
    ("r2", M.r2_score, _regression()),
    ("r2", M.r2_score, _regression(outputs=2)),
    ("accuracy", M.accuracy, _binary()),
    ("acc", M.accuracy, _multiclass()),
    ("precision", M.precision, _binary()),
    ("recall", M.recall, _binary()),
    ("f1", M.f1_score, _binary()),
    ("f1", lambda t, p: M.f1_score(t, p, average="macro"), _multiclass()),
    ("precision", lambda t, p: M.precision(t, p, average="macro"), _multiclass()),
])
def test_streaming_metric_over_batches_equals_the_function_on_everything(name, fn, data):
    y, pred = data
    metric = M.get_metric(name)
    assert metric.name == name
    for start in range(0, len(y), 32):  # the short batch last, as fit does
        metric.update_state(y[start:start + 32], pred[start:start + 32])
    assert metric.result() == pytest.approx(fn(y, pred), rel=1e-9)
    metric.reset_state()
    metric.update_state(y[:10], pred[:10])
    assert metric.result() == pytest.approx(fn(y[:10], pred[:10]), rel=1e-9)


def test_get_metric_names_directions_and_errors():
    assert M.get_metric("accuracy").direction == "up"
    assert M.get_metric("mae").direction == "down"
    wrapped = M.get_metric(M.r2_score)
    assert wrapped.name == "r2_score" and wrapped.direction == "up"
    own = M.MeanAbsoluteError()
    assert M.get_metric(own) is own and own.name == "mean_absolute_error"
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        M.get_metric("auc")
    with pytest.raises(TypeError, match="a metric is a name"):
        M.get_metric(3)


def test_compile_metrics_are_logged_under_their_names():
    y, prob = _binary(64)
    x = np.stack([y + 0.3 * RNG.standard_normal(64), RNG.standard_normal(64)], 1)
    autograd.manual_seed(0)
    model = nn.Sequential([nn.Dense(4, activation="relu", input_shape=[2]),
                           nn.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["acc", "precision", M.recall])
    history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "acc", "precision", "recall", "val_loss", "val_acc",
                                     "val_precision", "val_recall"]
    val_x, val_y = x[48:], y[48:]
    _, acc, prec, rec = model.evaluate(val_x, val_y, verbose=0)
    prob = model.predict(val_x)
    assert history.history["val_acc"][-1] == pytest.approx(M.accuracy(val_y, prob))
    assert acc == pytest.approx(M.accuracy(val_y, prob))
    assert prec == pytest.approx(M.precision(val_y, prob))
    assert rec == pytest.approx(M.recall(val_y, prob))


def test_logits_models_threshold_at_zero():
    y = np.array([0, 1, 1, 0], np.float32)
    x = np.array([[-2.0], [1.0], [0.2], [-0.1]], np.float32)
    model = nn.Sequential(nn.Linear(1, 1))
    model.load_state_dict({"0.weight": np.ones((1, 1)), "0.bias": np.zeros(1)})
    model.compile("sgd", "bce_with_logits", metrics=["accuracy"])
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == 1.0  # logits > 0 are the positives
    model.compile("sgd", "bce_with_logits", metrics=[M.BinaryAccuracy()])
    assert model.evaluate(x, y, verbose=0)[1] == 0.75  # a plain BinaryAccuracy keeps 0.5
