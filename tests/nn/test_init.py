"""Initialisers: distributions against their formulas, torch's gains and fans, seeding."""

import math

import numpy as np
import pytest

import autograd
import nn
from nn import init


def big(*shape, dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def check_uniform(values, bound):
    """U(-bound, bound): inside the bounds, reaching close to them, variance bound^2 / 3."""
    v = values.astype(np.float64).ravel()
    assert np.abs(v).max() <= bound
    assert np.abs(v).max() > 0.99 * bound
    assert abs(v.mean()) < 0.02 * bound
    assert v.var() == pytest.approx(bound**2 / 3, rel=0.04)


def check_normal(values, std, mean=0.0):
    v = values.astype(np.float64).ravel()
    assert abs(v.mean() - mean) < 0.02 * std
    assert v.std() == pytest.approx(std, rel=0.03)
    # a normal puts about 4.6% of its mass beyond 2 std; a uniform would put none there
    assert np.mean(np.abs(v - mean) > 2 * std) == pytest.approx(0.0455, abs=0.01)


# -- plain distributions -----------------------------------------------------------------------


def test_uniform_and_normal():
    t = big(200, 100)
    assert init.uniform_(t, -2.0, 3.0) is t
    v = t.numpy()
    assert v.min() >= -2.0 and v.max() < 3.0
    assert v.mean() == pytest.approx(0.5, abs=0.05)
    assert v.var() == pytest.approx(25 / 12, rel=0.04)
    check_normal(init.normal_(t, mean=1.5, std=0.2).numpy(), 0.2, mean=1.5)


def test_constant_zeros_ones():
    t = big(3, 2)
    assert init.constant_(t, 0.25) is t and np.all(t.numpy() == 0.25)
    assert np.all(init.ones_(t).numpy() == 1)
    assert not init.zeros_(t).numpy().any()


def test_init_writes_in_place_and_keeps_dtype():
    t = big(4, 5, dtype=np.float32)
    array = t.numpy()
    init.xavier_uniform_(t)
    assert t.numpy() is array and t.dtype == np.float32 and t.requires_grad and t.is_leaf


def test_init_checks_its_arguments():
    with pytest.raises(ValueError, match="a=2.*b=1"):
        init.uniform_(big(2), 2.0, 1.0)
    with pytest.raises(ValueError, match="std"):
        init.normal_(big(2), std=-1.0)
    with pytest.raises(TypeError, match="ndarray"):
        init.normal_(np.zeros(3))
    with pytest.raises(TypeError, match="float tensor.*int64"):
        init.normal_(autograd.tensor([1, 2]))
    with pytest.raises(TypeError, match="Generator"):
        init.normal_(big(2), generator=42)


# -- fans, gains, Glorot and He ---------------------------------------------------------------


@pytest.mark.parametrize("shape", [(30, 20), (8, 3, 5, 5), (4, 6, 7)])
def test_fans_follow_torch(shape):
    torch = pytest.importorskip("torch")
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(shape) == (fan_in, fan_out)


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(5,\)"):
        init.xavier_uniform_(big(5))


@pytest.mark.parametrize(("nonlinearity", "param"), [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("selu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)),
])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match=r"'swoosh'.*leaky_relu.*tanh"):
        init.calculate_gain("swoosh")
    with pytest.raises(ValueError, match="negative slope"):
        init.calculate_gain("leaky_relu", "steep")


def test_xavier_uniform_and_normal():
    fan_out, fan_in = 300, 200
    bound = math.sqrt(6 / (fan_in + fan_out))
    check_uniform(init.xavier_uniform_(big(fan_out, fan_in)).numpy(), bound)
    check_uniform(init.glorot_uniform_(big(fan_out, fan_in), gain=2.0).numpy(), 2 * bound)
    std = math.sqrt(2 / (fan_in + fan_out))
    check_normal(init.xavier_normal_(big(fan_out, fan_in), gain=0.5).numpy(), 0.5 * std)
    assert init.glorot_normal_ is init.xavier_normal_


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(("nonlinearity", "a"), [("relu", 0.0), ("leaky_relu", 0.1),
                                                 ("leaky_relu", math.sqrt(5)), ("tanh", 0.0)])
def test_kaiming_uniform_and_normal(mode, nonlinearity, a):
    shape = (400, 100)
    fan = 100 if mode == "fan_in" else 400
    gain = init.calculate_gain(nonlinearity, a)
    t = init.kaiming_uniform_(big(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    check_uniform(t.numpy(), gain * math.sqrt(3 / fan))
    t = init.kaiming_normal_(big(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    check_normal(t.numpy(), gain / math.sqrt(fan))


def test_he_aliases_and_kaiming_defaults():
    assert init.he_uniform_ is init.kaiming_uniform_ and init.he_normal_ is init.kaiming_normal_
    # the default (leaky_relu with a = 0) is the relu gain: bound sqrt(6 / fan_in), Keras' he
    check_uniform(init.he_uniform_(big(300, 150)).numpy(), math.sqrt(6 / 150))
    with pytest.raises(ValueError, match="'fan_avg'"):
        init.kaiming_normal_(big(3, 3), mode="fan_avg")


def test_linear_default_is_kaiming_uniform_with_a_sqrt5():
    autograd.manual_seed(11)
    layer = nn.Linear(7, 5)
    autograd.manual_seed(11)
    w = init.kaiming_uniform_(big(5, 7, dtype=np.float32), a=math.sqrt(5))
    np.testing.assert_array_equal(layer.weight.numpy(), w.numpy())


# -- seeding ------------------------------------------------------------------------------------

INITS = [
    lambda t, **k: init.uniform_(t, **k),
    lambda t, **k: init.normal_(t, **k),
    lambda t, **k: init.xavier_uniform_(t, **k),
    lambda t, **k: init.xavier_normal_(t, **k),
    lambda t, **k: init.kaiming_uniform_(t, **k),
    lambda t, **k: init.kaiming_normal_(t, **k),
]


@pytest.mark.parametrize("fill", INITS)
def test_seeded_repeatability(fill):
    autograd.manual_seed(2024)
    a = fill(big(6, 4)).numpy().copy()
    b = fill(big(6, 4)).numpy().copy()
    autograd.manual_seed(2024)
    np.testing.assert_array_equal(fill(big(6, 4)).numpy(), a)
    assert not np.array_equal(a, b)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(fill(big(6, 4), generator=g1).numpy(),
                                  fill(big(6, 4), generator=g2).numpy())
    # float32 and float64 tensors get the same draws
    autograd.manual_seed(2024)
    np.testing.assert_array_equal(fill(big(6, 4, dtype=np.float32)).numpy(), a.astype(np.float32))
