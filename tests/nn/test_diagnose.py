"""nn.diagnose: reading learning curves as lessons 001 and 002 do, on synthetic curves of each
kind, in English and Spanish, and gradient findings (lesson 004)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

import nn
from nn.diagnose import VERDICTS, Diagnosis, diagnose
from nn.history import History

E = np.arange(20)
FALLING = list(0.1 + 0.9 * np.exp(-E / 3))  # falls fast, then levels off


def overfitting_curves(k):
    """Training loss keeps falling; validation loss is lowest at epoch k (from 1), then rises."""
    train = list(1.0 / (1 + E[:15]))
    val = [1.2 - 0.1 * i for i in range(k)]  # falls until epoch k ...
    val += [val[-1] + 0.05 * (i + 1) for i in range(15 - k)]  # ... then climbs
    return {"loss": train, "val_loss": val}


# lesson 000's own run: Keras' printed losses, red wine, 10 epochs
LESSON_000 = {
    "loss": [0.2470, 0.1349, 0.1181, 0.1117, 0.1071, 0.1049, 0.1035, 0.1019, 0.1005, 0.1011],
    "val_loss": [0.1357, 0.1231, 0.1173, 0.1066, 0.1028, 0.1050, 0.1009, 0.1043, 0.1035, 0.0977],
}


@pytest.mark.parametrize("k", [4, 7, 9])
def test_overfitting_names_the_epoch_to_stop_at(k):
    curves = overfitting_curves(k)
    d = diagnose(curves)
    assert d.verdict == "overfitting"
    assert d.evidence["overfit_epoch"] == k == d.evidence["best_epoch"]
    assert d.evidence["best_val_loss"] == pytest.approx(min(curves["val_loss"]))
    rise = (curves["val_loss"][-1] - min(curves["val_loss"])) / min(curves["val_loss"])
    assert d.evidence["val_rise"] == pytest.approx(rise)
    assert d.evidence["gap"] == pytest.approx(curves["val_loss"][-1] - curves["loss"][-1])
    assert f"epoch {k}" in d.headline
    assert d.remedies[0].startswith(f"Stop at epoch {k}")
    text = str(d)
    for word in ("dropout", "more training data", "simpler model", "EarlyStopping"):
        assert word.lower() in text.lower()
    assert repr(d) == f"<Diagnosis: overfitting, from epoch {k}>"


def test_overfitting_in_spanish_uses_the_lessons_words():
    d = diagnose(overfitting_curves(6), lang="es")
    assert d.verdict == "overfitting"
    assert d.headline.startswith("Sobreajuste (overfitting) desde la época 6")
    text = str(d)
    for word in ("parada temprana", "dropout", "aumento de datos", "modelo más simple",
                 "pérdida de validación", "Qué probar", "Evidencia"):
        assert word in text


def test_healthy_on_lesson_000s_run():
    d = diagnose(LESSON_000)
    assert d.verdict == "healthy"
    assert d.evidence["best_epoch"] == 10
    assert d.evidence["loss_drop"] == pytest.approx((0.2470 - 0.1005) / 0.2470)
    assert d.remedies == []
    es = diagnose(LESSON_000, lang="es")
    assert es.verdict == "healthy" and "saludables" in es.headline


def test_healthy_with_a_wide_gap_adds_a_note():
    val = [v * 2 for v in FALLING]
    d = diagnose({"loss": FALLING, "val_loss": val})
    assert d.verdict == "healthy"
    assert d.evidence["relative_gap"] == pytest.approx(1.0)
    assert any("100% above" in note for note in d.notes)


def test_train_loss_only_says_what_it_cannot_tell():
    d = diagnose({"loss": FALLING})
    assert d.verdict == "healthy"
    assert "val_loss" not in str(d.evidence) and d.evidence["best_epoch"] == 20
    assert any("cannot show overfitting" in note for note in d.notes)
    es = diagnose({"loss": FALLING}, lang="es")
    assert any("no pueden mostrar el sobreajuste" in note for note in es.notes)


def test_not_learning_when_the_loss_is_flat():
    flat = [0.6931, 0.6929, 0.6932, 0.6930, 0.6931, 0.6930]
    d = diagnose({"loss": flat, "val_loss": flat})
    assert d.verdict == "not_learning"
    assert d.evidence["loss_drop"] == pytest.approx((0.6931 - 0.6929) / 0.6931)
    assert "learning rate" in " ".join(d.remedies)
    es = diagnose({"loss": flat}, lang="es")
    assert es.headline.startswith("No está aprendiendo")
    assert "tasa de aprendizaje" in " ".join(es.remedies)


def test_diverging_when_the_loss_climbs_back():
    loss = [1.0, 0.6, 0.4, 0.5, 0.9, 1.6]
    d = diagnose({"loss": loss})
    assert d.verdict == "diverging"
    assert d.evidence["min_loss_epoch"] == 3
    assert d.evidence["loss_climb"] == pytest.approx((1.6 - 0.4) / 0.4)
    assert "learning rate is too high" in d.headline
    assert d.remedies[0].startswith("Lower the learning rate")
    es = diagnose({"loss": loss}, lang="es")
    assert "tasa de aprendizaje es demasiado alta" in es.headline


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_diverging_on_nan_or_inf_names_the_epoch(bad):
    d = diagnose({"loss": [1.0, 0.5, 0.4, bad], "val_loss": [1.0, 0.6, 0.5, 0.5]})
    assert d.verdict == "diverging"
    assert d.evidence["nonfinite_epoch"] == 4 and d.evidence["nonfinite_key"] == "loss"
    assert "epoch 4" in d.headline
    assert any("nan or inf" in r for r in d.remedies)
    v = diagnose({"loss": [1.0, 0.5, 0.4], "val_loss": [1.0, bad, 0.5]})
    assert v.verdict == "diverging" and v.evidence["nonfinite_key"] == "val_loss"
    assert v.evidence["nonfinite_epoch"] == 2


def test_underfitting_when_both_level_off_high():
    loss = [1.0, 0.9, 0.85, 0.83, 0.82, 0.82, 0.82, 0.82, 0.82]
    val = [1.05, 0.95, 0.9, 0.88, 0.87, 0.87, 0.87, 0.87, 0.87]
    d = diagnose({"loss": loss, "val_loss": val})
    assert d.verdict == "underfitting"
    assert d.evidence["loss_drop"] == pytest.approx(0.18)
    text = " ".join(d.remedies)
    assert "bigger model" in text and "more epochs" in text
    es = diagnose({"loss": loss, "val_loss": val}, lang="es")
    assert es.headline.startswith("Desajuste (underfitting)")
    assert "más capas o unidades ocultas" in " ".join(es.remedies)


def test_still_improving_when_the_loss_keeps_falling():
    loss = list(1.0 / (1 + E[:12]))  # still 8% lower each epoch at the end
    d = diagnose({"loss": loss, "val_loss": [v * 1.1 for v in loss]})
    assert d.verdict == "still_improving"
    assert d.evidence["tail_slope"] < -0.02
    assert "more epochs" in d.remedies[0]
    slow = list(1.0 - 0.015 * E[:10])  # a steady, slow fall: a learning rate too low
    assert diagnose({"loss": slow}).verdict == "still_improving"


def test_validation_stalled_while_training_falls_is_noted():
    loss = list(1.0 / (1 + E[:12]))
    val = [1.2, 0.9, 0.7, 0.6] + [0.55] * 8
    d = diagnose({"loss": loss, "val_loss": val})
    assert d.verdict == "healthy" and d.evidence["best_epoch"] == 5
    assert any("more epochs would likely overfit" in note for note in d.notes)
    es = diagnose({"loss": loss, "val_loss": val}, lang="es")
    assert any("probablemente lleven al sobreajuste" in note for note in es.notes)


@pytest.mark.parametrize("n", [1, 2])
def test_too_few_epochs(n):
    d = diagnose({"loss": FALLING[:n], "val_loss": FALLING[:n]})
    assert d.verdict == "too_few_epochs"
    assert d.evidence["epochs"] == n
    assert f"{n} recorded" in d.headline
    assert diagnose({"loss": FALLING[:n]}, lang="es").headline.startswith("Muy pocas épocas")


def test_every_verdict_is_listed():
    seen = {
        diagnose(overfitting_curves(5)).verdict,
        diagnose(LESSON_000).verdict,
        diagnose({"loss": [1, 1, 1, 1]}).verdict,
        diagnose({"loss": [1, 2, 3, 4]}).verdict,
        diagnose({"loss": [1, 0.9, 0.85, 0.84, 0.84, 0.84]}).verdict,
        diagnose({"loss": list(1.0 / (1 + E[:12]))}).verdict,
        diagnose({"loss": [1.0]}).verdict,
    }
    assert seen == set(VERDICTS)


def test_bad_input_says_what_is_missing():
    with pytest.raises(ValueError, match=r"history\['loss'\].*'accuracy'"):
        diagnose({"accuracy": [0.5, 0.6]})
    with pytest.raises(ValueError, match="no epochs recorded"):
        diagnose({"loss": []})
    with pytest.raises(ValueError, match="no keys at all"):
        diagnose({})
    with pytest.raises(ValueError, match="different lengths"):
        diagnose({"loss": [1, 0.5, 0.3], "val_loss": [1, 0.5]})
    with pytest.raises(TypeError, match="list of numbers"):
        diagnose({"loss": ["a", "b"]})
    with pytest.raises(TypeError, match="takes a History"):
        diagnose([1.0, 0.5])
    with pytest.raises(ValueError, match="lang"):
        diagnose({"loss": FALLING}, lang="fr")


def test_reads_a_history_object_with_its_epochs_and_early_stopping():
    curves = overfitting_curves(5)
    history = SimpleNamespace(history=curves, epoch=list(range(10, 25)),
                              early_stopping={"monitor": "val_loss", "stopped_epoch": 22,
                                              "best_epoch": 14, "best": 0.8},
                              gradient_norms={}, model=None)
    d = diagnose(history)
    assert d.verdict == "overfitting"
    assert d.evidence["overfit_epoch"] == 15  # history.epoch starts at 10 (initial_epoch)
    assert d.evidence["early_stopping"]["stopped_epoch"] == 22
    assert any("stopped after epoch 23" in note and "best epoch was 15" in note
               for note in d.notes)
    assert "early stopping stopped after epoch 23" in str(d)


def test_reads_the_real_history_class():
    h = History()
    for epoch, (lo, va) in enumerate(zip(*overfitting_curves(6).values())):
        h.on_epoch_end(epoch, {"loss": lo, "val_loss": va})
    assert diagnose(h).evidence["overfit_epoch"] == 6


def test_reads_a_dataframe():
    pd = pytest.importorskip("pandas")
    d = diagnose(pd.DataFrame(overfitting_curves(8)))
    assert d.verdict == "overfitting" and d.evidence["overfit_epoch"] == 8


def test_text_and_markdown_show_headline_evidence_and_remedies():
    d = diagnose(overfitting_curves(6))
    text = str(d)
    assert text.splitlines()[0] == d.headline
    assert "Evidence:" in text and "  - best epoch: 6" in text and "What to try:" in text
    md = d._repr_markdown_()
    assert md.startswith(f"**{d.headline}**") and "- best epoch: 6" in md
    assert isinstance(d, Diagnosis) and d.gradients is None


# -- gradients (lesson 004) --------------------------------------------------------------------

def deep_norms(first_scale):
    """Per-epoch weight-gradient norms of a 4-layer net; the first layers' scaled down."""
    base = np.array([0.5, 0.45, 0.4, 0.42, 0.41])
    return {
        "0.weight": list(base * first_scale ** 3), "0.bias": list(base * first_scale ** 3),
        "2.weight": list(base * first_scale ** 2), "2.bias": list(base),
        "4.weight": list(base * first_scale), "4.bias": list(base),
        "6.weight": list(base), "6.bias": list(base),
    }


def test_vanishing_gradients_in_the_first_layers():
    class Net:  # what diagnose reads of a model: its named modules
        def named_modules(self):
            return [("", self), ("1", type("Sigmoid", (), {})()), ("3", type("Tanh", (), {})())]

    history = SimpleNamespace(history={"loss": [0.693, 0.692, 0.692, 0.692, 0.692]}, epoch=None,
                              gradient_norms=deep_norms(0.05), early_stopping=None, model=Net())
    d = diagnose(history)
    assert d.verdict == "not_learning"
    found = {f["parameter"]: f for f in d.gradients}
    assert set(found) == {"0.weight", "2.weight"}  # 0.05^3 and 0.05^2 of the last; not 0.05
    assert all(f["finding"] == "vanishing" for f in found.values())
    assert found["0.weight"]["ratio"] == pytest.approx(0.05 ** 3)
    assert found["2.weight"]["norm"] == pytest.approx(0.42 * 0.05 ** 2)
    assert "1 (sigmoid), 3 (tanh)" in found["0.weight"]["text"]
    assert any("ReLU, GELU, ELU or Swish" in r for r in d.remedies)
    es = diagnose(history, lang="es")
    assert "Desvanecimiento del gradiente" in es.gradients[0]["text"]
    assert "sigmoide y tanh se saturan" in str(es)


def test_healthy_gradients_and_exploding_ones():
    history = SimpleNamespace(history={"loss": FALLING}, epoch=None, early_stopping=None,
                              gradient_norms=deep_norms(0.5), model=None)
    assert diagnose(history).gradients == []
    norms = deep_norms(1.0)
    norms["4.weight"] = [0.5, 3.0, 40.0, 2500.0, math.inf]
    history.gradient_norms = norms
    d = diagnose(history)
    assert [(f["parameter"], f["finding"]) for f in d.gradients] == [("4.weight", "exploding")]
    assert d.gradients[0]["norm"] == math.inf
    assert any("clip_grad_norm_" in r for r in d.remedies)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_fit_track_gradients_then_diagnose_finds_sigmoids_vanishing(activation):
    """End to end on a 7-layer net: sigmoids starve the first layers of gradient (each
    derivative is at most 1/4), ReLUs do not."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 8)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)
    layers = [nn.Dense(32, activation=activation, input_shape=[8])]
    layers += [nn.Dense(32, activation=activation) for _ in range(5)] + [nn.Dense(1)]
    model = nn.Sequential(layers)
    model.compile(optimizer="sgd", loss=nn.BCEWithLogitsLoss())
    history = model.fit(x, y, epochs=3, batch_size=64, verbose=0, track_gradients=True)
    findings = diagnose(history).gradients
    if activation == "relu":
        assert findings == []
    else:
        assert [f["parameter"] for f in findings][:2] == ["0.kernel", "1.kernel"]
        assert all(f["finding"] == "vanishing" and f["ratio"] < 1e-2 for f in findings)
        assert "0 (sigmoid)" in findings[0]["text"]


def test_nn_diagnose_is_the_function_for_good():
    """``nn.diagnose(history)`` is the function even after its module was imported by name
    (a lazily exported function would be replaced by the module of the same name)."""
    import nn.diagnose as _  # noqa: F401
    import nn.plot  # noqa: F401  (imports nn.diagnose too)

    assert nn.diagnose is diagnose
    assert nn.diagnose(LESSON_000).verdict == "healthy"
