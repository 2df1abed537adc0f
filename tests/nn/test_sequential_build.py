"""A Keras Sequential whose first Dense has input_shape is built whole, as Keras builds it."""

import numpy as np

import autograd
import nn


def keras_style(dropout: float = 0.5) -> nn.Sequential:
    return nn.Sequential([nn.Dense(16, activation="relu", input_shape=[10]), nn.Dropout(dropout),
                          nn.Dense(8), nn.Dense(1)])


def test_every_layer_has_its_weights_before_any_data():
    model = keras_style()
    assert [tuple(p.shape) for p in model.parameters()] == [
        (10, 16), (16,), (16, 8), (8,), (8, 1), (1,)]
    assert all(m.training for m in model.modules())  # the dry pass ran in eval mode, then back


def test_a_checkpoint_loads_into_a_freshly_built_model(tmp_path):
    trained = keras_style()
    with autograd.no_grad():
        for p in trained.parameters():
            p += 1.0
    nn.save(trained.state_dict(), tmp_path / "w.npz")
    fresh = keras_style()
    fresh.load_state_dict(nn.load(tmp_path / "w.npz"))
    for a, b in zip(trained.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_building_draws_only_the_weights_not_dropout():
    autograd.manual_seed(3)
    keras_style()
    after_model = autograd.default_generator().random()
    autograd.manual_seed(3)
    for units, size in ((16, 10), (8, 16), (1, 8)):
        nn.Dense(units, input_shape=[size])
    assert autograd.default_generator().random() == after_model


def test_a_sequential_without_an_input_shape_stays_lazy():
    model = nn.Sequential([nn.Dense(4), nn.Dense(1)])
    assert not any(m.built for m in model)
    model(autograd.zeros(2, 3))
    assert all(m.built for m in model)
