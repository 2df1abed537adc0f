"""Layers: Linear, Dense, Dropout, Flatten and the activation modules."""

import math
import re

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- Linear -------------------------------------------------------------------------------------


def test_linear_shapes_and_forward():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32
    x = data(5, 4).astype(np.float32)
    out = layer(Tensor(x))
    assert out.shape == (5, 3) and out.dtype == np.float32
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert layer(Tensor(x[0])).shape == (3,)
    assert layer(Tensor(data(2, 7, 4).astype(np.float32))).shape == (2, 7, 3)


def test_linear_without_bias():
    layer = nn.Linear(2, 3, bias=False)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=2, out_features=3, bias=False)"
    x = data(4, 2).astype(np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy().T, rtol=1e-6)


def test_linear_init_stays_within_torch_bounds_and_fills_them():
    layer = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    w = layer.weight.numpy().astype(np.float64)
    assert np.abs(w).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    # U(-b, b) has mean 0 and variance b^2 / 3; 20,000 draws pin them to a few percent
    assert abs(w.mean()) < 0.02 * bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)


def test_linear_init_repeats_bit_for_bit_with_the_seed():
    autograd.manual_seed(123)
    a = nn.Linear(6, 5)
    autograd.manual_seed(123)
    b = nn.Linear(6, 5)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    c = nn.Linear(6, 5)  # the generator moved on
    assert not np.array_equal(a.weight.numpy(), c.weight.numpy())


def test_linear_float64_layer_and_input_casting():
    layer = nn.Linear(3, 2, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert layer(data(4, 3).astype(np.float32)).dtype == np.float64
    f32 = nn.Linear(3, 2)
    x = Tensor(data(4, 3), requires_grad=True)  # float64 data into a float32 layer
    out = f32(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float64  # the gradient flows back through the cast
    np.testing.assert_allclose(x.grad.numpy(), np.tile(f32.weight.numpy().sum(axis=0), (4, 1)),
                               rtol=1e-6)
    assert f32(np.array([[1, 2, 3]])).dtype == np.float32  # integer features
    assert f32([[1.0, 2.0, 3.0]]).shape == (1, 2)  # a list


def test_linear_names_a_wrong_input_size():
    layer = nn.Linear(4, 2)
    with pytest.raises(ValueError, match=r"Linear\(in_features=4.*shape \(5, 3\).*expects 4"):
        layer(autograd.zeros(5, 3))


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "3"])
def test_linear_checks_its_sizes(bad):
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(bad, 2)


def test_linear_matches_torch_with_the_same_weights(torch):
    ours = nn.Linear(4, 3, dtype=np.float64)
    theirs = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    x = data(6, 4)
    up = data(6, 3, seed=1)
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o, out_t = ours(xo), theirs(xt)
    np.testing.assert_allclose(out_o.numpy(), out_t.detach().numpy(), rtol=1e-12)
    out_o.backward(up)
    out_t.backward(torch.tensor(up))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-12)


def test_linear_gradcheck():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = Tensor(data(4, 3), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: x @ w.T + b, (x, layer.weight, layer.bias))
    assert autograd.gradcheck(lambda x: layer(x).tanh(), x)


# -- Dense ----------------------------------------------------------------------------------------


def test_dense_infers_its_input_size_at_the_first_call():
    layer = nn.Dense(3, activation="relu")
    kernel, bias = layer.parameters()  # they exist before the first call, the kernel empty
    assert not layer.built and kernel.shape == (0, 3) and bias.shape == (3,)
    assert "not built" in repr(layer)
    out = layer(data(5, 4))
    assert layer.kernel is kernel and layer.bias is bias  # filled in place
    assert out.shape == (5, 3)
    assert layer.built and layer.in_features == 4
    assert [n for n, p in layer.named_parameters()] == ["kernel", "bias"]
    assert layer.kernel.shape == (4, 3) and layer.weight is layer.kernel  # Keras' layout
    assert not layer.bias.numpy().any()  # zero bias (Keras)
    assert repr(layer) == "Dense(in_features=4, units=3, activation=relu, use_bias=True)"
    with pytest.raises(ValueError, match=r"shape \(2, 6\).*expects 4"):
        layer(data(2, 6))


def test_an_optimizer_made_before_the_first_call_trains_every_lazy_dense_layer():
    # lesson 000's pattern: only the first layer is told its input shape
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Dense(16, activation="relu", input_shape=[3]),
                          nn.Dense(16, activation="relu"), nn.Dense(1))
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    x, y = data(32, 3), data(32, 1)
    model(x)
    before = [p.numpy().copy() for p in model.parameters()]
    for _ in range(3):
        loss = nn.L1Loss()(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, model.parameters()))


def test_an_unbuilt_dense_layer_takes_the_dtype_it_is_cast_to():
    layer = nn.Dense(2).double()
    assert layer(data(1, 3)).dtype == np.float64 and layer.kernel.dtype == np.float64


def test_dense_with_input_shape_builds_at_once():
    layer = nn.Dense(8, input_shape=(4,), use_bias=False)
    assert layer.built and layer.kernel.shape == (4, 8) and layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["kernel"]
    assert nn.Dense(2, input_shape=5).kernel.shape == (5, 2)
    with pytest.raises(ValueError, match="input_shape"):
        nn.Dense(2, input_shape=())


def test_dense_forward_is_x_kernel_plus_bias():
    layer = nn.Dense(3, input_shape=(2,), dtype=np.float64)
    layer.bias.numpy()[:] = [0.5, -1.0, 2.0]
    x = data(4, 2)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.kernel.numpy() + layer.bias.numpy())


def test_dense_glorot_uniform_bounds():
    layer = nn.Dense(300, input_shape=(100,))
    bound = math.sqrt(6 / (100 + 300))
    k = layer.kernel.numpy().astype(np.float64)
    assert np.abs(k).max() <= bound and np.abs(k).max() > 0.99 * bound
    assert k.var() == pytest.approx(bound**2 / 3, rel=0.05)


def test_dense_init_repeats_with_the_seed():
    autograd.manual_seed(5)
    a = nn.Dense(4)
    a(np.ones((1, 3)))
    autograd.manual_seed(5)
    b = nn.Dense(4, input_shape=(3,))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())


ACTIVATIONS = {
    "relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh, "softmax": F.softmax,
    "gelu": F.gelu, "elu": F.elu, "swish": F.silu, "silu": F.silu, "softplus": F.softplus,
    "log_softmax": F.log_softmax,
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_dense_activations_by_name(name):
    layer = nn.Dense(3, activation=name, input_shape=(2,))
    x = Tensor(data(4, 2).astype(np.float32))
    linear = x @ layer.kernel + layer.bias
    np.testing.assert_allclose(layer(x).numpy(), ACTIVATIONS[name](linear).numpy(), rtol=1e-6)
    assert f"activation={name}" in repr(layer)


@pytest.mark.parametrize("activation", [None, "linear", "Linear"])
def test_dense_without_activation(activation):
    layer = nn.Dense(3, activation=activation, input_shape=(2,))
    x = Tensor(data(4, 2).astype(np.float32))
    np.testing.assert_allclose(layer(x).numpy(), (x @ layer.kernel + layer.bias).numpy())


def test_dense_takes_a_callable_activation():
    layer = nn.Dense(2, activation=lambda t: t * 0, input_shape=(3,))
    assert not layer(data(2, 3)).numpy().any()
    assert isinstance(nn.Dense(2, activation=nn.Tanh()).activation, nn.Tanh)


def test_dense_unknown_activation_lists_the_names():
    with pytest.raises(ValueError, match=r"'rleu'.*elu.*relu.*sigmoid.*softmax.*swish.*tanh"):
        nn.Dense(3, activation="rleu")
    with pytest.raises(TypeError, match="activation"):
        nn.Dense(3, activation=5)


def test_dense_trains_end_to_end():
    model = nn.Sequential(nn.Dense(8, activation="tanh"), nn.Dense(1))
    x = data(32, 2)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    model(x)  # build before collecting parameters
    first = None
    for _ in range(100):
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad  # micrograd's habit: .data shares p's memory
    assert loss.item() < 0.7 * first


# -- Dropout --------------------------------------------------------------------------------------


def test_dropout_in_eval_mode_is_the_identity():
    drop = nn.Dropout(0.7).eval()
    x = Tensor(data(50, 4))
    assert drop(x) is x


def test_dropout_statistics_in_training():
    drop = nn.Dropout(0.3)
    x = autograd.ones(200, 500, dtype=np.float64)
    out = drop(x).numpy()
    dropped = out == 0
    assert dropped.mean() == pytest.approx(0.3, abs=0.01)  # 100,000 draws: sd ~ 0.0015
    np.testing.assert_allclose(out[~dropped], 1 / 0.7)  # inverted scaling
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # the expectation is kept


def test_dropout_gradient_is_the_scaled_mask():
    x = Tensor(data(10, 10), requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(out.numpy() != 0, 2.0, 0.0))


def test_dropout_repeats_with_the_seed():
    x = autograd.ones(20, 20)
    autograd.manual_seed(3)
    a = nn.Dropout(0.5)(x).numpy()
    b = nn.Dropout(0.5)(x).numpy()
    autograd.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).numpy(), a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("p", [-0.1, 1.5, "half", True])
def test_dropout_checks_p(p):
    with pytest.raises(ValueError, match=rf"\[0, 1\], got {re.escape(repr(p))}"):
        nn.Dropout(p)
    assert nn.Dropout(1.0).p == 1.0  # torch allows it: every element dropped


def test_dropout_with_p_zero_and_its_repr():
    x = Tensor(data(3, 3))
    assert nn.Dropout(0.0)(x) is x
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    assert F.dropout(x, 0.5, training=False) is x


# -- Flatten and activations ----------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(torch, dims):
    x = data(2, 3, 4, 5)
    ours = nn.Flatten(*dims)(Tensor(x))
    theirs = torch.nn.Flatten(*dims)(torch.tensor(x))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


ACTIVATION_MODULES = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("Sigmoid", {}), ("Tanh", {}),
    ("GELU", {}), ("ELU", {"alpha": 0.7}), ("SiLU", {}), ("Softplus", {"beta": 2.0}),
    ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": 0}), ("Identity", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATION_MODULES)
def test_activation_modules_match_torch(torch, name, kwargs):
    x = data(4, 5) * 3
    x[0, 0] = 0.0
    ours_x, theirs_x = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = getattr(nn, name)(**kwargs)(ours_x)
    theirs = getattr(torch.nn, name)(**kwargs)(theirs_x)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    if name != "Identity":
        up = data(4, 5, seed=1)
        ours.backward(up)
        theirs.backward(torch.tensor(up))
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_activation_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU(alpha=0.5)) == "ELU(alpha=0.5)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0)"
    assert repr(nn.Softmax()) == "Softmax(dim=-1)"
    assert repr(nn.LogSoftmax(dim=1)) == "LogSoftmax(dim=1)"
    assert repr(nn.Identity(54, unused=True)) == "Identity()"


def test_functional_activations_work_on_values_and_arrays():
    v = autograd.Value(-0.5)
    assert F.relu(v).data == 0.0
    assert F.leaky_relu(v, 0.1).data == pytest.approx(-0.05)
    assert F.softplus(v, beta=2.0).data == pytest.approx(math.log1p(math.exp(-1.0)) / 2)
    assert F.sigmoid([0.0]).numpy().tolist() == [0.5]
    assert F.relu(np.array([-1, 2])).dtype == np.float32


def test_inputs_that_are_not_numbers_are_named():
    with pytest.raises(TypeError, match="must be numbers.*<U3"):
        nn.Linear(2, 1)(np.array(["abc", "def"]))
    with pytest.raises(TypeError, match="Tensor or numbers.*Value"):
        F.softmax([autograd.Value(1.0), autograd.Value(2.0)])
