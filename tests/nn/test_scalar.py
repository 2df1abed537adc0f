"""nn.scalar: networks of Values that train with nn.optim and draw whole."""

import math

import pytest

import autograd
from autograd import Value, draw_graph
from nn import optim
from nn.scalar import MLP, Layer, Neuron


def test_neuron_is_w_dot_x_plus_b_then_its_activation():
    autograd.manual_seed(0)
    n = Neuron(3, activation="tanh")
    x = [0.5, -1.0, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data
    out = n(x)
    assert out.data == pytest.approx(math.tanh(z), rel=1e-15)
    out.backward()
    for w, xi in zip(n.w, x):
        assert w.grad == pytest.approx((1 - math.tanh(z) ** 2) * xi, rel=1e-12)


def test_init_is_torch_linear_bounds_and_repeats_with_the_seed():
    autograd.manual_seed(5)
    first = [p.data for p in MLP(4, [8, 1]).parameters()]
    autograd.manual_seed(5)
    again = [p.data for p in MLP(4, [8, 1]).parameters()]
    assert first == again
    assert all(abs(v) <= 1 / math.sqrt(4) for v in first[: 8 * 5])


def test_parameters_are_values_counted_once():
    net = MLP(2, [3, 1])
    params = list(net.parameters())
    assert len(params) == 3 * (2 + 1) + 1 * (3 + 1)
    assert all(isinstance(p, Value) for p in params)
    assert len({id(p) for p in params}) == len(params)


def test_layer_of_one_neuron_returns_a_value_and_of_many_a_list():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_bad_sizes_and_activations_are_named():
    with pytest.raises(ValueError, match="positive number of inputs"):
        Neuron(0)
    with pytest.raises(ValueError, match="'swoosh'"):
        Neuron(2, activation="swoosh")
    with pytest.raises(ValueError, match="3 inputs got 2"):
        Neuron(3)([1.0, 2.0])


def test_the_lesson_loop_trains_a_scalar_mlp_with_adam_and_zero_grad():
    autograd.manual_seed(1)
    points = [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0), (0.5, 0.2), (-0.3, 0.8)]
    targets = [x * y for x, y in points]
    model = MLP(2, [8, 8, 1], activation="tanh")
    optimizer = optim.Adam(model.parameters(), lr=0.05)

    def loss_fn():
        preds = [model(p) for p in points]
        return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(points)

    first = loss_fn().data
    for _ in range(150):
        loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss_fn().data < 0.1 * first


def test_zero_grad_clears_value_parameters():
    model = MLP(2, [2, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip():
    autograd.manual_seed(2)
    a = MLP(2, [3, 1])
    autograd.manual_seed(3)
    b = MLP(2, [3, 1])
    b.load_state_dict(a.state_dict())
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_the_whole_loss_of_a_small_net_draws_with_a_dot_node_per_neuron():
    model = MLP(2, [3, 1])
    loss = (model([0.5, -0.5]) - 1.0) ** 2
    loss.backward()
    drawing = draw_graph(loss)
    assert drawing.op_counts == {"dot": 4, "relu": 3, "-": 1, "**": 1}
    assert drawing.source.count("label=\"dot\"") + drawing.source.count("label=dot") == 4
