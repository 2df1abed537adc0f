"""nn.diagnose: reading learning curves as lessons 001 and 002 do, on synthetic curves of each
kind, in English and Spanish, and gradient findings (lesson 004)."""

import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

import autograd
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
    assert d.evidence["relative_gap"] == pytest.approx((val[-1] - FALLING[-1]) / val[-1])
    assert any("50% below the validation loss" in note for note in d.notes)
    narrow = diagnose({"loss": FALLING, "val_loss": [v * 1.4 for v in FALLING]})
    assert not any("below the validation loss" in note for note in narrow.notes)


def test_relative_gap_stays_meaningful_when_the_training_loss_is_near_zero():
    """Over the training loss, a gap of 1.2 over a loss of 2e-4 read as 600000%."""
    loss = list(2e-4 + np.exp(-E))
    val = list(1.2 - 0.5 * np.exp(-E / 2))
    d = diagnose({"loss": loss, "val_loss": val})
    assert d.evidence["relative_gap"] == pytest.approx((val[-1] - loss[-1]) / val[-1])
    assert 0.99 < d.evidence["relative_gap"] <= 1.0
    percents = [float(p) for p in re.findall(r"(-?[\d.]+)%", str(d))]
    assert percents and max(abs(p) for p in percents) <= 100.0
    assert "gap relative to the larger of the two losses: 100.0%" in str(d)
    # the other way round (validation far below training, e.g. heavy dropout): bounded too
    upside = diagnose({"loss": val, "val_loss": loss})
    assert -1.0 <= upside.evidence["relative_gap"] < -0.99


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
    assert d.saturating == {"sigmoid": ["1"], "tanh": ["3"]}
    text = str(d)
    assert text.count("sigmoid (module 1) and tanh (module 3)") == 1  # said once, not per finding
    assert all("(module" not in f["text"] for f in d.gradients)
    assert d.remedies[0].startswith("Fix the vanishing gradient first")
    assert any("ReLU, GELU, ELU or Swish" in r for r in d.remedies)
    assert not any("Check that the gradients reach every layer" in r for r in d.remedies)
    es = diagnose(history, lang="es")
    assert "Desvanecimiento del gradiente" in es.gradients[0]["text"]
    assert str(es).count("sigmoide y tanh se saturan") == 1
    assert "sigmoide (módulo 1) y tanh (módulo 3)" in str(es)


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
        text = str(diagnose(history))
        assert text.count("sigmoid (modules 0, 1, 2, 3, 4, 5)") == 1


def test_nn_diagnose_is_the_function_for_good():
    """``nn.diagnose(history)`` is the function even after its module was imported by name
    (a lazily exported function would be replaced by the module of the same name)."""
    import nn.diagnose as _  # noqa: F401
    import nn.plot  # noqa: F401  (imports nn.diagnose too)

    assert nn.diagnose is diagnose
    assert nn.diagnose(LESSON_000).verdict == "healthy"


# -- a gradient problem comes before the capacity advice -----------------------------------------

# notebook 10's deep sigmoid network (10 hidden layers, digits, 5 epochs): stuck at ln 10
STUCK = {"loss": [2.3391, 2.3052, 2.3052, 2.3047, 2.3045],
         "accuracy": [0.1009, 0.0849, 0.0974, 0.1002, 0.0967],
         "val_loss": [2.3064, 2.3031, 2.303, 2.3028, 2.3026],
         "val_accuracy": [0.1, 0.1, 0.1, 0.1, 0.1]}


def deep_sigmoid(depth=10, loss="sparse_categorical_crossentropy"):
    """An untrained 64 -> 32 x depth -> 10 net of Linear + Sigmoid, compiled: what diagnose
    reads of a History's model (its modules, its loss, its output width)."""
    layers, fan_in = [], 64
    for _ in range(depth):
        layers += [nn.Linear(fan_in, 32), nn.Sigmoid()]
        fan_in = 32
    model = nn.Sequential(*layers, nn.Linear(fan_in, 10))
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def layer_norms(ratio, layers=11, epochs=5):
    """Weight-gradient norms that shrink by ``ratio`` per layer towards the input."""
    return {f"{2 * i}.weight": [0.3 * ratio ** (layers - 1 - i)] * epochs for i in range(layers)}


def with_gradients(curves, norms, model=None):
    return SimpleNamespace(history=curves, epoch=None, early_stopping=None,
                           gradient_norms=norms, model=model)


CAPACITY_EN = ("more layers or hidden units", "Train longer")
CAPACITY_ES = ("más capas o unidades ocultas", "Entrenar durante más tiempo")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_underfitting_with_vanishing_gradients_drops_the_capacity_advice(lang):
    """The deep sigmoid net read without its model: the curves alone say underfitting (the loss
    fell 1.5% from a first epoch above ln 10), and "more layers" would make it worse."""
    plain = diagnose(STUCK, lang=lang)
    assert plain.verdict == "underfitting"
    capacity = CAPACITY_EN if lang == "en" else CAPACITY_ES
    assert all(any(c in r for r in plain.remedies) for c in capacity)  # no gradients: offered

    d = diagnose(with_gradients(STUCK, layer_norms(0.5)), lang=lang)
    assert d.verdict == "underfitting"
    assert {f["finding"] for f in d.gradients} == {"vanishing"}
    assert not [r for r in d.remedies if any(c in r for c in capacity)]
    if lang == "en":
        assert d.headline.endswith("The vanishing gradient found below is the likely cause.")
        assert d.remedies[0].startswith("Fix the vanishing gradient first")
        for word in ("ReLU, GELU, ELU or Swish", "He (nn.init.kaiming_normal_)", "fewer layers",
                     "batch normalization"):
            assert any(word in r for r in d.remedies[1:5]), word
    else:
        assert d.headline.endswith("desvanecimiento del gradiente que se ve más abajo.")
        assert d.remedies[0].startswith("Primero hay que corregir el desvanecimiento")
        for word in ("ReLU, GELU, ELU o Swish", "He (nn.init.kaiming_normal_)", "menos capas",
                     "normalización por lotes"):
            assert any(word in r for r in d.remedies[1:5]), word
    assert any("weight_decay" in r for r in d.remedies[5:])  # what does not conflict stays


def test_the_stuck_sigmoid_network_with_its_model_is_not_learning():
    """With the model, its cross entropy over 10 classes gives the reference ln 10: a loss that
    never left it is not learning at all; the vanishing gradient is named as the cause, once."""
    model = deep_sigmoid()
    d = diagnose(with_gradients(STUCK, layer_norms(0.3), model))
    assert d.verdict == "not_learning"
    assert d.evidence["classes"] == 10
    assert d.evidence["uniform_loss"] == pytest.approx(math.log(10))
    assert "ln 10 = 2.303" in d.headline and d.headline.endswith("the likely cause.")
    assert d.remedies[0].startswith("Fix the vanishing gradient first")
    assert not [r for r in d.remedies if any(c in r for c in CAPACITY_EN)]
    assert not any("Check that the gradients reach" in r for r in d.remedies)  # it was checked
    assert any("learning rate" in r for r in d.remedies)
    assert d.saturating == {"sigmoid": [str(2 * i + 1) for i in range(10)]}
    text = str(d)
    assert text.count("sigmoid (modules 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)") == 1
    assert text.count("saturate") == 1
    es = diagnose(with_gradients(STUCK, layer_norms(0.3), model), lang="es")
    assert es.headline.startswith("No está aprendiendo") and "ln 10 = 2.303" in es.headline
    assert str(es).count("sigmoide (módulos 1, 3, 5") == 1


def test_exploding_gradients_also_come_first():
    norms = layer_norms(1.0)
    norms["20.weight"] = [0.5, 0.6, 0.5, 0.4, 5e3]
    loss = [1.0, 0.9, 0.85, 0.83, 0.82, 0.82, 0.82, 0.82, 0.82]
    norms = {k: (v * 2)[:9] for k, v in norms.items()}
    d = diagnose(with_gradients({"loss": loss}, norms))
    assert d.verdict == "underfitting"
    assert [f["finding"] for f in d.gradients] == ["exploding"]
    assert d.remedies[0].startswith("Fix the exploding gradient first")
    assert any("clip_grad_norm_" in r for r in d.remedies)
    assert not [r for r in d.remedies if any(c in r for c in CAPACITY_EN)]


def test_overfitting_keeps_its_remedies_first_when_gradients_vanish():
    d = diagnose(with_gradients(overfitting_curves(5), layer_norms(0.3, epochs=15)))
    assert d.verdict == "overfitting" and d.remedies[0].startswith("Stop at epoch 5")
    assert any("ReLU, GELU" in r for r in d.remedies)
    assert len(d.remedies) == len(set(d.remedies))


# -- underfitting judged against a guess ---------------------------------------------------------

def classifier_curves(acc, n=20, drop=0.5, val_acc=None):
    """A cross-entropy run on 10 classes that fell by ``drop`` and leveled off at ``acc``."""
    loss = list(2.3 * (1 - drop + drop * np.exp(-E[:n] / 3)))
    val_acc = acc - 0.02 if val_acc is None else val_acc
    return {"loss": loss, "accuracy": [acc] * n,
            "val_loss": [v * 1.03 for v in loss], "val_accuracy": [val_acc] * n}


def test_a_low_accuracy_for_its_classes_is_underfitting():
    """A loss that fell by half reads healthy on its own; 30% accuracy on 10 classes is not."""
    curves = classifier_curves(0.30)
    assert diagnose(curves).verdict == "healthy"  # no number of classes: the loss alone
    d = diagnose(curves, classes=10)
    assert d.verdict == "underfitting"
    assert d.evidence["accuracy"] == pytest.approx(0.30)
    assert d.evidence["accuracy_key"] == "accuracy"
    assert d.evidence["accuracy_skill"] == pytest.approx((0.30 - 0.1) / 0.9)
    assert "30.0% (accuracy) for 10 classes, where a guess gets 10.0%" in d.headline
    assert "share of the way from a guess to 100% accuracy: 22.2%" in str(d)
    assert any("bigger model" in r for r in d.remedies)
    es = diagnose(curves, lang="es", classes=10)
    assert es.headline.startswith("Desajuste (underfitting): la exactitud se estancó baja")
    assert "con 10 clases" in es.headline
    # a good accuracy for 10 classes, and a binary one at 75%: healthy
    assert diagnose(classifier_curves(0.85), classes=10).verdict == "healthy"
    assert diagnose(classifier_curves(0.75), classes=2).verdict == "healthy"
    assert diagnose(classifier_curves(0.62), classes=2).verdict == "underfitting"


def test_a_slow_crawl_at_a_low_accuracy_is_underfitting_not_still_improving():
    """A steady fall of about 1% per epoch is "still improving" for the curve; at 32%
    accuracy on 10 classes it is a model too small to get far."""
    loss = list(2.0 * (1 - 0.01 * E))
    curves = {"loss": loss, "accuracy": list(np.linspace(0.25, 0.32, 20)),
              "val_loss": [v + 0.02 for v in loss],
              "val_accuracy": list(np.linspace(0.24, 0.3, 20))}
    assert diagnose(curves).verdict == "still_improving"
    assert diagnose(curves, classes=10).verdict == "underfitting"
    fast = dict(curves, loss=list(1.0 / (1 + E)), val_loss=list(1.05 / (1 + E)))
    assert diagnose(fast, classes=10).verdict == "still_improving"  # 5%+ an epoch


def test_a_loss_stuck_near_a_uniform_guess_is_underfitting_for_a_cross_entropy():
    """Without an accuracy curve, the reference is ln k: a loss that fell by half from its
    first epoch but ends 26% below ln 10 is poor."""
    model = deep_sigmoid(depth=1)
    loss = list(1.7 + 1.7 * np.exp(-E / 3))  # 3.4 -> 1.7
    curves = {"loss": loss, "val_loss": [v * 1.02 for v in loss]}
    history = SimpleNamespace(history=curves, epoch=None, early_stopping=None,
                              gradient_norms={}, model=model)
    assert diagnose(curves).verdict == "healthy"
    d = diagnose(history)
    assert d.verdict == "underfitting"
    assert d.evidence["loss_below_uniform"] == pytest.approx(1 - loss[-1] / math.log(10))
    assert "ln 10 = 2.303, the loss of a uniform guess over 10 classes" in d.headline
    es = diagnose(history, lang="es")
    assert "repartir la probabilidad por igual entre las 10 clases" in es.headline


def test_the_number_of_classes_comes_from_the_model_or_the_caller():
    def read(model, curves=None):
        curves = curves or {"loss": FALLING}
        return diagnose(SimpleNamespace(history=curves, epoch=None, early_stopping=None,
                                        gradient_norms={}, model=model)).evidence

    three = nn.Sequential(nn.Dense(8, input_shape=[4]), nn.Dense(3))
    three.compile(loss="sparse_categorical_crossentropy")
    assert read(three)["classes"] == 3
    assert read(three)["uniform_loss"] == pytest.approx(math.log(3))
    binary = nn.Sequential(nn.Dense(8, input_shape=[4]), nn.Dense(1))
    binary.compile(loss=nn.BCEWithLogitsLoss())
    assert read(binary)["uniform_loss"] == pytest.approx(math.log(2))
    regression = nn.Sequential(nn.Dense(8, input_shape=[4]), nn.Dense(1))
    regression.compile(loss="mse")
    assert "classes" not in read(regression)
    summed = nn.Sequential(nn.Linear(4, 5))
    summed.compile(loss=nn.CrossEntropyLoss(reduction="sum"))
    assert "uniform_loss" not in read(summed)  # a sum over the batch has no ln k to compare
    accuracy = {"loss": FALLING, "accuracy": [0.9] * 20}
    regression.compile(loss="mse", metrics=["accuracy"])
    assert read(regression, accuracy)["classes"] == 2  # one output with an accuracy: binary
    assert diagnose({"loss": FALLING, "binary_accuracy": [0.9] * 20}).evidence["classes"] == 2
    assert diagnose(accuracy, classes=4).evidence["chance_accuracy"] == 0.25
    for bad in (1, 2.5, True, "10"):
        with pytest.raises(ValueError, match=f"classes must be .* got {bad!r}"):
            diagnose(accuracy, classes=bad)


@pytest.mark.parametrize("seed", [1, 4])
def test_a_one_neuron_digit_classifier_is_underfitting(seed):
    """One hidden ReLU neuron for 10 digits, trained for real: about 30% accuracy. Read on
    the loss alone (it fell about 30% from the first epoch), these runs were called healthy."""
    digits_x, digits_y = nn.datasets.load_digits(return_X_y=True)
    x, y = (digits_x / 16.0)[:900], digits_y[:900]
    autograd.manual_seed(seed)
    model = nn.Sequential([nn.Dense(1, activation="relu", input_shape=[64]), nn.Dense(10)])
    model.compile(optimizer=nn.optim.Adam(model.parameters(), lr=0.03),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:600], y[:600], validation_data=(x[600:], y[600:]), batch_size=32,
                        epochs=20, verbose=0)
    d = diagnose(history)
    assert d.evidence["classes"] == 10
    assert d.evidence["accuracy"] < 0.46
    assert d.verdict == "underfitting"
