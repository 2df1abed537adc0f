"""Value, op by op: derivatives against central differences, values against numpy and PyTorch,
numpy's float semantics, shared nodes, construction errors, attributes and repr."""

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Constant, Value, dot, gradcheck, no_grad
from autograd.testing import floats_away_from, safe_floats

SLOPE, ALPHA = 0.2, 0.7  # leaky_relu's and elu's parameters, away from their defaults


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


@dataclass
class Unary:
    """One op seen as a function of one Value: how to apply it, a numpy reference for its
    value, where its derivative is smooth, and the same op in PyTorch (given torch, a tensor)."""

    name: str
    apply: Callable[[Value], Value]
    reference: Callable[[np.float64], np.float64]
    domain: st.SearchStrategy[float]
    torch_op: Callable

    def __repr__(self) -> str:
        return self.name


SMOOTH = safe_floats()
POSITIVE = safe_floats(1e-2, 10.0)
OFF_ZERO = floats_away_from([0.0])
OFF_POLE = floats_away_from([0.0], margin=0.1)

UNARY = [
    Unary("neg", lambda v: -v, np.negative, SMOOTH, lambda torch, t: -t),
    Unary("abs", lambda v: abs(v), np.abs, OFF_ZERO, lambda torch, t: torch.abs(t)),
    Unary("abs method", lambda v: v.abs(), np.abs, OFF_ZERO, lambda torch, t: t.abs()),
    Unary("exp", lambda v: v.exp(), np.exp, SMOOTH, lambda torch, t: t.exp()),
    Unary("log", lambda v: v.log(), np.log, POSITIVE, lambda torch, t: t.log()),
    Unary("sqrt", lambda v: v.sqrt(), np.sqrt, POSITIVE, lambda torch, t: t.sqrt()),
    Unary("tanh", lambda v: v.tanh(), np.tanh, SMOOTH, lambda torch, t: t.tanh()),
    Unary("sigmoid", lambda v: v.sigmoid(), lambda x: 1.0 / (1.0 + np.exp(-x)), SMOOTH,
          lambda torch, t: torch.sigmoid(t)),
    Unary("relu", lambda v: v.relu(), lambda x: np.maximum(x, 0.0), OFF_ZERO,
          lambda torch, t: torch.relu(t)),
    Unary("leaky_relu", lambda v: v.leaky_relu(SLOPE), lambda x: np.where(x > 0, x, SLOPE * x),
          OFF_ZERO, lambda torch, t: torch.nn.functional.leaky_relu(t, SLOPE)),
    Unary("leaky_relu default slope", lambda v: v.leaky_relu(),
          lambda x: np.where(x > 0, x, 0.01 * x), OFF_ZERO,
          lambda torch, t: torch.nn.functional.leaky_relu(t)),
    Unary("elu", lambda v: v.elu(ALPHA), lambda x: np.where(x > 0, x, ALPHA * np.expm1(x)),
          OFF_ZERO, lambda torch, t: torch.nn.functional.elu(t, ALPHA)),
    Unary("gelu", lambda v: v.gelu(), lambda x: 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0))),
          SMOOTH, lambda torch, t: torch.nn.functional.gelu(t)),
    Unary("silu", lambda v: v.silu(), lambda x: x / (1.0 + np.exp(-x)), SMOOTH,
          lambda torch, t: torch.nn.functional.silu(t)),
    Unary("swish", lambda v: v.swish(), lambda x: x / (1.0 + np.exp(-x)), SMOOTH,
          lambda torch, t: torch.nn.functional.silu(t)),
    Unary("softplus", lambda v: v.softplus(), lambda x: np.logaddexp(0.0, x), SMOOTH,
          lambda torch, t: torch.nn.functional.softplus(t)),
    # the arithmetic operators with a plain number on either side
    Unary("v + 3", lambda v: v + 3, lambda x: x + 3, SMOOTH, lambda torch, t: t + 3),
    Unary("v - 3", lambda v: v - 3, lambda x: x - 3, SMOOTH, lambda torch, t: t - 3),
    Unary("v * 2.5", lambda v: v * 2.5, lambda x: x * 2.5, SMOOTH, lambda torch, t: t * 2.5),
    Unary("v / 4", lambda v: v / 4, lambda x: x / 4, SMOOTH, lambda torch, t: t / 4),
    Unary("v ** 3", lambda v: v**3, lambda x: x**3, SMOOTH, lambda torch, t: t**3),
    Unary("v ** -2", lambda v: v**-2, lambda x: x**-2.0, OFF_POLE, lambda torch, t: t**-2),
    Unary("v ** 2.5", lambda v: v**2.5, lambda x: x**2.5, POSITIVE, lambda torch, t: t**2.5),
    Unary("v ** 0", lambda v: v**0, lambda x: x**0, SMOOTH, lambda torch, t: t**0),
    Unary("3 + v", lambda v: 3 + v, lambda x: 3 + x, SMOOTH, lambda torch, t: 3 + t),
    Unary("1 - v", lambda v: 1 - v, lambda x: 1 - x, SMOOTH, lambda torch, t: 1 - t),
    Unary("2 * v", lambda v: 2 * v, lambda x: 2 * x, SMOOTH, lambda torch, t: 2 * t),
    Unary("2 / v", lambda v: 2 / v, lambda x: 2 / x, OFF_POLE, lambda torch, t: 2 / t),
    Unary("2 ** v", lambda v: 2**v, lambda x: 2.0**x, SMOOTH, lambda torch, t: 2**t),
]


@dataclass
class Binary:
    """An op of two Values, with a numpy reference, a domain for the pair and PyTorch's op."""

    name: str
    apply: Callable[[Value, Value], Value]
    reference: Callable
    domain: st.SearchStrategy[tuple[float, float]]
    torch_op: Callable

    def __repr__(self) -> str:
        return self.name


BINARY = [
    Binary("a + b", lambda a, b: a + b, np.add, st.tuples(SMOOTH, SMOOTH),
           lambda torch, a, b: a + b),
    Binary("a - b", lambda a, b: a - b, np.subtract, st.tuples(SMOOTH, SMOOTH),
           lambda torch, a, b: a - b),
    Binary("a * b", lambda a, b: a * b, np.multiply, st.tuples(SMOOTH, SMOOTH),
           lambda torch, a, b: a * b),
    Binary("a / b", lambda a, b: a / b, np.divide, st.tuples(SMOOTH, OFF_POLE),
           lambda torch, a, b: a / b),
    Binary("a ** b", lambda a, b: a**b, np.power,
           st.tuples(safe_floats(0.1, 5.0), safe_floats(-3.0, 3.0)),
           lambda torch, a, b: a**b),
]


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """f'(x) by the five-point stencil (error O(h^4)), independent of gradcheck."""
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


def value_of(op: Unary) -> Callable[[float], float]:
    return lambda x: op.apply(Value(x)).data


def reference(fn, *args) -> float:
    with np.errstate(all="ignore"):
        return float(fn(*(np.float64(a) for a in args)))


# -- derivatives --------------------------------------------------------------------------------


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_derivative_matches_central_difference(op, data):
    x = data.draw(op.domain, label="x")
    v = Value(x)
    y = op.apply(v)
    y.backward()
    assert type(v.grad) is float
    assert v.grad == pytest.approx(central_difference(value_of(op), x), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_passes_gradcheck(op, data):
    x = data.draw(op.domain, label="x")
    assert gradcheck(op.apply, Value(x))


@pytest.mark.parametrize("op", BINARY, ids=repr)
@given(data=st.data())
def test_binary_derivatives_match_central_differences(op, data):
    a, b = data.draw(op.domain, label="a, b")
    va, vb = Value(a), Value(b)
    op.apply(va, vb).backward()
    d_da = central_difference(lambda x: op.apply(Value(x), Value(b)).data, a)
    d_db = central_difference(lambda x: op.apply(Value(a), Value(x)).data, b)
    assert va.grad == pytest.approx(d_da, rel=1e-6, abs=1e-8)
    assert vb.grad == pytest.approx(d_db, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("op", BINARY, ids=repr)
@given(data=st.data())
def test_binary_passes_gradcheck(op, data):
    a, b = data.draw(op.domain, label="a, b")
    report = gradcheck(op.apply, (Value(a), Value(b)))
    assert [r.index for r in report.inputs] == [0, 1]


@given(st.integers(1, 6), st.booleans(), st.data())
def test_dot_passes_gradcheck(n, with_bias, data):
    values = [Value(data.draw(SMOOTH)) for _ in range(2 * n + with_bias)]

    def neuron(*vs):
        return dot(vs[:n], vs[n:2 * n], vs[2 * n] if with_bias else None)

    report = gradcheck(neuron, values)
    assert len(report.inputs) == 2 * n + with_bias


@given(st.lists(st.tuples(SMOOTH, SMOOTH), min_size=1, max_size=6), SMOOTH)
def test_dot_is_one_node_with_the_neuron_value_and_gradients(pairs, b):
    w = [Value(p[0]) for p in pairs]
    x = [Value(p[1]) for p in pairs]
    bias = Value(b)
    z = dot(w, x, bias)
    assert autograd.graph.op_name(z) == "dot"
    assert all(parent._backward is None for parent in z._parents)
    assert z.data == pytest.approx(math.fsum([p[0] * p[1] for p in pairs] + [b]), abs=1e-12)
    z.backward()
    assert [wi.grad for wi in w] == [xi.data for xi in x]
    assert [xi.grad for xi in x] == [wi.data for wi in w]
    assert bias.grad == 1.0


def test_dot_takes_plain_numbers_as_constants():
    w = Value(0.5)
    z = dot([w, 2.0], [3.0, Value(-1.0)], 1.0)
    assert z.data == 0.5 * 3.0 + 2.0 * -1.0 + 1.0
    z.backward()
    assert w.grad == 3.0
    assert sum(isinstance(p, Constant) for p in z._parents) == 3


def test_dot_of_unequal_lengths_names_both():
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        dot([1.0, 2.0, 3.0], [Value(1.0), Value(2.0)])


@given(SMOOTH)
def test_constants_get_no_gradient(x):
    v = Value(x)
    y = 2 * v + 1
    y.backward()
    scaled, one = y._parents
    two = scaled._parents[0]
    constants = [two, one]
    assert [c.data for c in constants] == [2.0, 1.0]
    assert all(isinstance(c, Constant) for c in constants)
    assert all(not c.requires_grad and c.grad == 0.0 for c in constants)


# -- values: numpy references and PyTorch --------------------------------------------------------


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_value_matches_numpy(op, data):
    x = data.draw(op.domain, label="x")
    y = op.apply(Value(x))
    assert type(y.data) is float
    assert y.data == pytest.approx(reference(op.reference, x), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("op", BINARY, ids=repr)
@given(data=st.data())
def test_binary_value_matches_numpy(op, data):
    a, b = data.draw(op.domain, label="a, b")
    y = op.apply(Value(a), Value(b))
    assert type(y.data) is float
    assert y.data == pytest.approx(reference(op.reference, a, b), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_value_and_gradient_match_torch(torch, op, data):
    x = data.draw(op.domain, label="x")
    v = Value(x)
    y = op.apply(v)
    y.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = op.torch_op(torch, t)
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-10, abs=1e-14)
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("op", BINARY, ids=repr)
@given(data=st.data())
def test_binary_value_and_gradients_match_torch(torch, op, data):
    a, b = data.draw(op.domain, label="a, b")
    va, vb = Value(a), Value(b)
    y = op.apply(va, vb)
    y.backward()
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (a, b))
    ty = op.torch_op(torch, ta, tb)
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-10, abs=1e-14)
    assert va.grad == pytest.approx(ta.grad.item(), rel=1e-10, abs=1e-14)
    assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-10, abs=1e-14)


@given(st.lists(st.tuples(SMOOTH, SMOOTH), min_size=1, max_size=6), SMOOTH)
def test_dot_matches_torch(torch, pairs, b):
    w = [Value(p[0]) for p in pairs]
    x = [Value(p[1]) for p in pairs]
    bias = Value(b)
    z = dot(w, x, bias)
    z.backward()
    tw, tx = (torch.tensor([p[i] for p in pairs], dtype=torch.float64, requires_grad=True)
              for i in (0, 1))
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    tz = torch.dot(tw, tx) + tb
    tz.backward()
    assert z.data == pytest.approx(tz.item(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose([v.grad for v in w], tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose([v.grad for v in x], tx.grad.numpy(), rtol=1e-12)
    assert bias.grad == tb.grad.item()


def test_power_of_a_negative_base_matches_torch(torch):
    """(-2) ** b: the base's gradient is finite, the exponent's is nan (log of a negative)."""
    a, b = Value(-2.0), Value(3.0)
    y = a**b
    y.backward()
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (-2.0, 3.0))
    (ta**tb).backward()
    assert y.data == -8.0 == (ta**tb).item()
    assert a.grad == ta.grad.item() == 12.0
    assert math.isnan(b.grad) and math.isnan(tb.grad.item())


# -- float semantics: numpy's, never a Python exception ------------------------------------------

SPECIALS = [math.inf, -math.inf, math.nan, 0.0, -0.0, 1.0, -2.0, 1000.0, -1000.0, 1e-300]


def same_float(got: float, expected: float) -> bool:
    """Equal, nan equal to nan, and no tolerance beyond a few ulps."""
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected or math.isclose(got, expected, rel_tol=1e-14)


@pytest.mark.parametrize("op", UNARY, ids=repr)
def test_unary_special_values_follow_numpy(op):
    for x in SPECIALS:
        got = op.apply(Value(x)).data
        expected = reference(op.reference, x)
        assert same_float(got, expected), f"{op.name} at {x}: {got} but numpy gives {expected}"


@pytest.mark.parametrize("op", BINARY, ids=repr)
def test_binary_special_values_follow_numpy(op):
    for a in SPECIALS:
        for b in SPECIALS:
            got = op.apply(Value(a), Value(b)).data
            expected = reference(op.reference, a, b)
            assert same_float(got, expected), (
                f"{a} {op.name[2:-2]} {b} = {got} but numpy gives {expected}"
            )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(0.0).log(), -math.inf),
        (lambda: Value(-1.0).log(), math.nan),
        (lambda: Value(1.0) / 0, math.inf),
        (lambda: Value(-1.0) / Value(0.0), -math.inf),
        (lambda: Value(0.0) / 0, math.nan),
        (lambda: 1 / Value(-0.0), -math.inf),
        (lambda: Value(-1.0).sqrt(), math.nan),
        (lambda: Value(0.0) ** -1, math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(-10.0) ** 401, -math.inf),
        (lambda: Value(-8.0) ** (1 / 3), math.nan),
        (lambda: 2 ** Value(5000.0), math.inf),
    ],
    ids=["exp(1000)", "log(0)", "log(-1)", "1/0", "-1/0", "0/0", "1/-0", "sqrt(-1)", "0**-1",
         "10**400", "(-10)**401", "(-8)**(1/3)", "2**5000"],
)
def test_float_edge_cases_give_inf_or_nan_not_exceptions(make, expected):
    y = make()
    assert same_float(y.data, expected)
    y.backward()  # the backward pass of an edge case raises nothing either


@pytest.mark.parametrize("op", [op for op in UNARY if op.name != "v ** 0"], ids=repr)
def test_nan_propagates_through_every_unary_op(op):
    """Every op but x ** 0, which is 1 even for nan (IEEE 754's pow, and numpy's)."""
    assert math.isnan(op.apply(Value(math.nan)).data)


@given(SMOOTH)
def test_nan_propagates_through_a_graph_and_its_gradients(x):
    v, w = Value(x), Value(math.nan)
    y = (v * w + 1.0).tanh()
    assert math.isnan(y.data)
    y.backward()
    assert math.isnan(v.grad) and math.isnan(w.grad)


@pytest.mark.parametrize("x", [1000.0, -1000.0, 745.2, -745.2, 1e308, -1e308])
def test_sigmoid_family_does_not_overflow(x):
    """exp(-x) overflows for x < -709; sigmoid, silu and softplus still give their limits."""
    s = Value(x).sigmoid()
    assert s.data == (1.0 if x > 0 else 0.0)
    assert Value(x).softplus().data == (x if x > 0 else 0.0)
    assert Value(x).silu().data == (x if x > 0 else 0.0)
    for make in (Value.sigmoid, Value.softplus, Value.silu, Value.tanh):
        v = Value(x)
        make(v).backward()
        assert math.isfinite(v.grad)


@given(safe_floats(-1000.0, 1000.0))
def test_sigmoid_is_a_probability_and_symmetric(x):
    s, t = Value(x).sigmoid().data, Value(-x).sigmoid().data
    assert 0.0 <= s <= 1.0
    assert s + t == pytest.approx(1.0, abs=1e-15)


# -- comparisons -----------------------------------------------------------------------------------


@given(SMOOTH, SMOOTH)
def test_comparisons_give_plain_bools_like_floats(a, b):
    va, vb = Value(a), Value(b)
    pairs = [
        (va < vb, a < b), (va <= vb, a <= b), (va > vb, a > b), (va >= vb, a >= b),
        (va == vb, a == b), (va != vb, a != b), (va < b, a < b), (va == b, a == b),
        (a < vb, a < b), (a >= vb, a >= b),
    ]
    for got, expected in pairs:
        assert type(got) is bool and got == expected


def test_comparisons_record_nothing():
    a, b = Value(1.0), Value(2.0)
    before = sys.getrefcount(a), sys.getrefcount(b)
    results = [a < b, a <= b, a > b, a >= b, a == b, a != b, a < 3, 0 > a]
    assert results == [True, True, False, False, False, True, True, False]
    assert (sys.getrefcount(a), sys.getrefcount(b)) == before  # no new node holds either
    assert a._parents == () == b._parents


def test_values_hash_by_identity_not_by_value():
    a, b = Value(1.0), Value(1.0)
    assert a == b
    assert len({a, b}) == 2
    assert {a: "a", b: "b"}[a] == "a"


# -- nodes used more than once ---------------------------------------------------------------------


@given(SMOOTH)
def test_cube_by_reusing_one_node(x):
    v = Value(x)
    (v * v * v).backward()
    assert v.grad == pytest.approx(3 * x * x, rel=1e-12)


@given(SMOOTH)
def test_node_used_twice_in_one_op(x):
    for make, derivative in [
        (lambda v: v * v, 2 * x), (lambda v: v + v, 2.0), (lambda v: v - v, 0.0),
    ]:
        v = Value(x)
        make(v).backward()
        assert v.grad == pytest.approx(derivative, rel=1e-12)


@given(safe_floats(-3.0, 3.0))
def test_diamond_adds_both_paths(x):
    """a feeds b and c, both feed d: dd/da = dd/db * db/da + dd/dc * dc/da."""
    a = Value(x)
    b = a.tanh()
    c = a.exp()
    d = b * c
    d.backward()
    assert c.grad == b.data and b.grad == c.data
    expected = (1 - math.tanh(x) ** 2) * math.exp(x) + math.tanh(x) * math.exp(x)
    assert a.grad == pytest.approx(expected, rel=1e-12)


@given(safe_floats(-2.0, 2.0))
def test_node_used_a_hundred_times(x):
    v = Value(x)
    total = v
    for _ in range(99):
        total = total + v
    total.backward()
    assert v.grad == 100.0
    u = Value(1.0 + x / 1000)
    product = u
    for _ in range(99):
        product = product * u
    product.backward()
    assert u.grad == pytest.approx(100 * u.data**99, rel=1e-12)


@given(safe_floats(-2.0, 2.0))
def test_reused_node_through_a_shared_intermediate(x):
    """y = h * h + h with h = x * x: h's gradient is summed before it is passed down."""
    v = Value(x)
    h = v * v
    y = h * h + h
    y.backward()
    assert h.grad == pytest.approx(2 * h.data + 1, rel=1e-12)
    assert v.grad == pytest.approx(4 * x**3 + 2 * x, rel=1e-12, abs=1e-12)


# -- construction, attributes, repr ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("3", "str"), ([1.0], "list"), (None, "NoneType"), (np.array([1.0, 2.0]), "ndarray"),
     (1 + 2j, "complex")],
)
def test_value_of_a_non_number_raises_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_an_op_with_a_non_number_raises_type_error_naming_the_type():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="list"):
        [1.0] * Value(2.0)


@pytest.mark.parametrize("number", [3, 2.5, True, np.float64(1.5), np.int64(-4), np.float32(0.25)])
def test_value_takes_any_real_number_and_stores_a_float(number):
    v = Value(number)
    assert type(v.data) is float
    assert v.data == float(number)


def test_value_of_a_value_copies_its_number_but_not_its_graph():
    x = Value(2.0)
    y = x * 3
    copy = Value(y)
    assert copy.data == 6.0 and copy._parents == () and copy is not y


def test_backward_on_a_leaf_says_why():
    with pytest.raises(RuntimeError, match="leaf") as info:
        Value(1.0, label="w").backward()
    assert "no_grad" in str(info.value)
    with no_grad():
        y = Value(2.0) * 3
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_attributes():
    w = Value(2, label="w")
    assert (w.data, w.grad, w.label) == (2.0, 0.0, "w")
    assert type(w.data) is float and type(w.grad) is float
    assert w.requires_grad
    y = w * w
    assert y.label == "" and y.requires_grad
    y.label = "y"
    y.backward()
    assert (y.grad, w.grad) == (1.0, 4.0)
    assert w.item() == 2.0 and float(y) == 4.0
    assert +w is w


def test_values_have_no_instance_dict():
    """Slots keep a million-node graph small; an attribute typo fails loudly."""
    w = Value(1.0)
    with pytest.raises(AttributeError):
        w.gard = 1.0


def test_repr_shows_data_grad_and_label():
    w = Value(2.5, label="w")
    assert repr(w) == "Value(data=2.5, grad=0, label='w')"
    (w * 4).backward()
    assert repr(w) == "Value(data=2.5, grad=4, label='w')"
    assert repr(Value(-0.125)) == "Value(data=-0.125, grad=0)"
    assert "nan" in repr(Value(math.nan))
