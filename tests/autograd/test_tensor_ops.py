"""Property tests for every Tensor op, in float64: the forward value against numpy and the
gradient against central differences (``autograd.gradcheck``), on generated shapes,
broadcastable pairs, axes and index expressions. Inputs stay off kinks and ties, where a
central difference straddles two different one-sided derivatives."""

import math
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, gradcheck
from autograd.graph import op_name
from autograd.testing import (
    arrays,
    broadcastable_shapes,
    floats_away_from,
    safe_floats,
    shapes,
    valid_axes,
)


def leaf(x) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


def assert_values(actual: Tensor, expected, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    expected = np.asarray(expected)
    assert isinstance(actual, Tensor)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual.numpy(), expected, rtol=rtol, atol=atol)


@st.composite
def broadcast_pair(draw, a_elements=None, b_elements=None, min_value=-10.0, max_value=10.0):
    """Two float64 arrays whose shapes broadcast together."""
    sa, sb = draw(broadcastable_shapes(2))
    a = draw(arrays(sa, elements=a_elements, min_value=min_value, max_value=max_value))
    b = draw(arrays(sb, elements=b_elements, min_value=min_value, max_value=max_value))
    return a, b


@st.composite
def distinct_arrays(draw, shape=None, spacing: float = 0.5):
    """Arrays whose elements are all different (at least ``spacing`` apart): no ties for
    max/min, and a nonzero spread for std."""
    shape = draw(shapes() if shape is None else shape)
    n = math.prod(shape)
    order = draw(st.permutations(range(n)))
    return ((np.array(order, dtype=np.float64) - n / 2) * spacing).reshape(shape)


def grid(offset: float):
    """Floats k + offset for integer k: two such strategies with different offsets never tie."""
    return st.integers(-10, 9).map(lambda k: k + offset)


# -- elementwise arithmetic -----------------------------------------------------------------------

ARITHMETIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}
NONZERO = floats_away_from(0.0, margin=0.5)


def _operands(name):
    """Strategy for (a, b) for the op ``name``: a divisor stays away from 0."""
    return broadcast_pair(b_elements=NONZERO if name == "div" else None)


@pytest.mark.parametrize("name", ARITHMETIC)
@given(data=st.data())
def test_arithmetic_on_broadcast_pairs(name, data):
    op = ARITHMETIC[name]
    a, b = data.draw(_operands(name))
    out = op(leaf(a), leaf(b))
    assert_values(out, op(a, b))
    assert out.dtype == np.float64 and op_name(out) == name
    assert out.grad_fn.name() == f"{name.capitalize()}Backward0"
    gradcheck(op, (leaf(a), leaf(b)))


@pytest.mark.parametrize("name", ARITHMETIC)
@given(x=arrays(elements=NONZERO), number=NONZERO)
def test_arithmetic_with_numbers_and_reflected(name, x, number):
    op = ARITHMETIC[name]
    assert_values(op(leaf(x), number), op(x, number))
    assert_values(op(number, leaf(x)), op(number, x))
    gradcheck(lambda t: op(t, number), leaf(x))
    gradcheck(lambda t: op(number, t), leaf(x))


@pytest.mark.parametrize("name", ARITHMETIC)
@given(data=st.data())
def test_arithmetic_with_arrays_and_reflected(name, data):
    op = ARITHMETIC[name]
    a, b = data.draw(broadcast_pair(a_elements=NONZERO, b_elements=NONZERO))
    assert_values(op(leaf(a), b), op(a, b))
    assert_values(op(a, leaf(b)), op(a, b))  # ndarray on the left hands over to the Tensor
    assert isinstance(op(a, leaf(b)), Tensor)
    gradcheck(lambda t: op(t, b), leaf(a))
    gradcheck(lambda t: op(a, t), leaf(b))


@pytest.mark.parametrize("name, method", [("add", "add"), ("sub", "sub"), ("mul", "mul"),
                                          ("div", "div"), ("pow", "pow")])
def test_named_methods_match_operators(name, method):
    a, b = np.array([1.5, 2.0]), np.array([0.5, 3.0])
    expected = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "pow": a**b}[name]
    assert_values(getattr(leaf(a), method)(leaf(b)), expected)


@given(x=arrays())
def test_neg(x):
    assert_values(-leaf(x), -x)
    assert_values(leaf(x).neg(), -x)
    gradcheck(lambda t: -t, leaf(x))


@given(x=arrays(elements=floats_away_from(0.0, margin=0.1, min_value=-4, max_value=4)),
       n=st.integers(-3, 4))
def test_pow_integer_exponent(x, n):
    assert_values(leaf(x) ** n, x**float(n))
    gradcheck(lambda t: t**n, leaf(x))


@given(x=arrays(min_value=0.1, max_value=5.0), p=safe_floats(-2.5, 2.5))
def test_pow_real_exponent_on_positive_base(x, p):
    assert_values(leaf(x) ** p, x**p)
    gradcheck(lambda t: t**p, leaf(x))


@given(data=st.data())
def test_pow_tensor_exponent(data):
    a, b = data.draw(broadcast_pair(a_elements=safe_floats(0.2, 3.0),
                                    b_elements=safe_floats(-2.0, 2.0)))
    assert_values(leaf(a) ** leaf(b), a**b)
    gradcheck(operator.pow, (leaf(a), leaf(b)))


@given(x=arrays(min_value=-3, max_value=3), base=safe_floats(0.2, 4.0))
def test_rpow_number_base(x, base):
    assert_values(base ** leaf(x), base**x)
    gradcheck(lambda t: base**t, leaf(x))


# -- comparisons ----------------------------------------------------------------------------------

COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda op: op.__name__)
@given(data=st.data())
def test_comparisons_give_bool_tensors_without_grad(op, data):
    small = st.integers(-2, 2).map(float)  # small integers: ties happen, so == and <= matter
    a, b = data.draw(broadcast_pair(a_elements=small, b_elements=small))
    out = op(leaf(a), leaf(b))
    assert isinstance(out, Tensor) and out.dtype == np.bool_
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), op(a, b))
    np.testing.assert_array_equal(op(leaf(a), 0.0).numpy(), op(a, 0.0))
    np.testing.assert_array_equal(op(a, leaf(b)).numpy(), op(a, b))


# -- unary functions ------------------------------------------------------------------------------


def _gelu(x):
    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ANYWHERE = safe_floats(-10, 10)
OFF_ZERO = floats_away_from(0.0, margin=1e-3)
POSITIVE = safe_floats(0.05, 10)

# name -> (our op, numpy reference, element strategy that keeps off kinks and domain edges)
UNARY = {
    "exp": (lambda t: t.exp(), np.exp, ANYWHERE),
    "log": (lambda t: t.log(), np.log, POSITIVE),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, POSITIVE),
    "abs": (lambda t: t.abs(), np.abs, OFF_ZERO),
    "abs()": (lambda t: abs(t), np.abs, OFF_ZERO),
    "tanh": (lambda t: t.tanh(), np.tanh, ANYWHERE),
    "sigmoid": (lambda t: t.sigmoid(), _sigmoid, ANYWHERE),
    "relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0), OFF_ZERO),
    "leaky_relu": (lambda t: t.leaky_relu(), lambda x: np.where(x > 0, x, 0.01 * x), OFF_ZERO),
    "leaky_relu(0.2)": (lambda t: t.leaky_relu(0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                        OFF_ZERO),
    "elu": (lambda t: t.elu(), lambda x: np.where(x > 0, x, np.exp(x) - 1), OFF_ZERO),
    "elu(0.7)": (lambda t: t.elu(alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
                 OFF_ZERO),
    "gelu": (lambda t: t.gelu(), _gelu, ANYWHERE),
    "silu": (lambda t: t.silu(), lambda x: x * _sigmoid(x), ANYWHERE),
    "softplus": (lambda t: t.softplus(), lambda x: np.log1p(np.exp(x)), ANYWHERE),
    "softplus(2)": (lambda t: t.softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2,
                    ANYWHERE),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary(name, data):
    fn, reference, elements = UNARY[name]
    x = data.draw(arrays(elements=elements))
    out = fn(leaf(x))
    assert out.dtype == np.float64
    assert_values(out, reference(x))
    gradcheck(fn, leaf(x))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                                  "leaky_relu", "elu", "gelu", "silu", "softplus"])
def test_module_functions_match_methods(name):
    x = leaf([0.5, 1.5, 2.5])
    np.testing.assert_array_equal(getattr(ag, name)(x).numpy(), getattr(x, name)().numpy())


@given(x=arrays(elements=floats_away_from([-2.0, 3.0], margin=1e-3)))
def test_clip(x):
    assert_values(leaf(x).clip(-2.0, 3.0), np.clip(x, -2.0, 3.0))
    assert_values(leaf(x).clamp(min=-2.0), np.maximum(x, -2.0))
    assert_values(ag.clip(leaf(x), max=3.0), np.minimum(x, 3.0))
    gradcheck(lambda t: t.clip(-2.0, 3.0), leaf(x))
    gradcheck(lambda t: ag.clamp(t, max=3.0), leaf(x))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="min, max"):
        leaf([1.0]).clip()


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(data=st.data())
def test_maximum_minimum(name, data):
    a, b = data.draw(broadcast_pair(a_elements=grid(0.25), b_elements=grid(0.75)))
    reference = getattr(np, name)
    assert_values(getattr(ag, name)(leaf(a), leaf(b)), reference(a, b))
    assert_values(getattr(leaf(a), name)(leaf(b)), reference(a, b))
    gradcheck(getattr(ag, name), (leaf(a), leaf(b)))
    gradcheck(lambda t: getattr(ag, name)(t, 0.5), leaf(a))  # a number as the other side


@given(data=st.data())
def test_where(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3))
    cond = data.draw(arrays(sc, dtype=bool, elements=st.booleans()))
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    expected = np.where(cond, a, b)
    assert_values(ag.where(cond, leaf(a), leaf(b)), expected)
    assert_values(ag.where(ag.tensor(cond), leaf(a), leaf(b)), expected)
    assert_values(ag.where(cond, leaf(a), 2.5), np.where(cond, a, 2.5))
    assert_values(ag.where(cond, 2.5, leaf(b)), np.where(cond, 2.5, b))
    gradcheck(lambda x, y: ag.where(cond, x, y), (leaf(a), leaf(b)))


def test_where_condition_from_a_comparison():
    x = leaf([-1.0, 2.0, -3.0])
    out = ag.where(x > 0, x, x * 0.1)
    np.testing.assert_allclose(out.numpy(), [-0.1, 2.0, -0.3])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(x.numpy() > 0, 1.0, 0.1))


# -- reductions -----------------------------------------------------------------------------------

# name -> (our op, numpy reference, array strategy)
REDUCTIONS = {
    "sum": (lambda t, ax, kd: t.sum(ax, keepdims=kd), lambda x, ax, kd: np.sum(x, ax, keepdims=kd),
            arrays()),
    "mean": (lambda t, ax, kd: t.mean(ax, keepdims=kd),
             lambda x, ax, kd: np.mean(x, ax, keepdims=kd), arrays()),
    "var": (lambda t, ax, kd: t.var(ax, keepdims=kd),
            lambda x, ax, kd: np.var(x, ax, ddof=1, keepdims=kd),
            arrays(shapes(min_dims=1, min_side=2, max_side=3))),
    "var(correction=0)": (lambda t, ax, kd: t.var(ax, keepdims=kd, correction=0),
                          lambda x, ax, kd: np.var(x, ax, keepdims=kd), arrays()),
    "std": (lambda t, ax, kd: t.std(ax, keepdims=kd),
            lambda x, ax, kd: np.std(x, ax, ddof=1, keepdims=kd),
            distinct_arrays(shapes(min_dims=1, min_side=2, max_side=3))),
    "std(unbiased=False)": (lambda t, ax, kd: t.std(ax, keepdims=kd, unbiased=False),
                            lambda x, ax, kd: np.std(x, ax, keepdims=kd),
                            distinct_arrays(shapes(min_dims=1, min_side=2, max_side=3))),
    "logsumexp": (lambda t, ax, kd: t.logsumexp(ax, keepdims=kd),
                  lambda x, ax, kd: np.log(np.sum(np.exp(x), ax, keepdims=kd)), arrays()),
    "amax": (lambda t, ax, kd: t.amax(ax, keepdims=kd),
             lambda x, ax, kd: np.max(x, ax, keepdims=kd), distinct_arrays()),
    "amin": (lambda t, ax, kd: t.amin(ax, keepdims=kd),
             lambda x, ax, kd: np.min(x, ax, keepdims=kd), distinct_arrays()),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), keepdims=st.booleans())
def test_reductions(name, data, keepdims):
    fn, reference, strategy = REDUCTIONS[name]
    x = data.draw(strategy)
    axis = data.draw(valid_axes(x.ndim))
    assert_values(fn(leaf(x), axis, keepdims), reference(x, axis, keepdims))
    gradcheck(lambda t: fn(t, axis, keepdims), leaf(x))


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "logsumexp"])
def test_reductions_accept_torch_spelling(name):
    x = np.array([[1.0, 4.0, 2.0], [3.0, 0.5, 6.0]])
    ours = getattr(leaf(x), name)(dim=1, keepdim=True)
    np.testing.assert_array_equal(ours.numpy(), getattr(leaf(x), name)(1, keepdims=True).numpy())
    assert ours.shape == (2, 1)
    module = {"sum": ag.sum_}.get(name, getattr(ag, name, None))
    np.testing.assert_array_equal(module(leaf(x), 1).numpy(), getattr(leaf(x), name)(1).numpy())


def test_max_min_ties_share_the_gradient_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for name in ("amax", "amin"):
        t = leaf(x)
        getattr(t, name)(axis=1).sum().backward()
        extreme = getattr(np, name)(x, axis=1, keepdims=True)
        winners = x == extreme
        np.testing.assert_allclose(t.grad.numpy(), winners / winners.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_softmax_family(name, x, data):
    axis = data.draw(valid_axes(x.ndim, allow_none=False, allow_tuple=False))
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    softmax = e / e.sum(axis=axis, keepdims=True)
    expected = softmax if name == "softmax" else np.log(softmax)
    assert_values(getattr(leaf(x), name)(axis), expected)
    assert_values(getattr(leaf(x), name)(dim=axis), expected)
    assert_values(getattr(ag, name)(leaf(x), axis), expected)
    gradcheck(lambda t: getattr(t, name)(axis), leaf(x))


def test_softmax_defaults_to_the_last_axis():
    x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    np.testing.assert_allclose(leaf(x).softmax().numpy().sum(axis=-1), [1.0, 1.0])
    np.testing.assert_array_equal(leaf(x).log_softmax().numpy(), leaf(x).log_softmax(-1).numpy())


# -- numerical stability --------------------------------------------------------------------------

HUGE = st.one_of(st.sampled_from([-1000.0, 1000.0]), safe_floats(-1000.0, 1000.0))


@given(x=arrays(shapes(min_dims=1), elements=HUGE))
def test_softmax_log_softmax_logsumexp_are_stable_for_huge_logits(x):
    m = x.max(axis=-1, keepdims=True)
    shifted = x - m
    lse = m + np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    for out, expected in (
        (leaf(x).softmax(-1), np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)),
        (leaf(x).log_softmax(-1), x - lse),
        (leaf(x).logsumexp(-1), lse[..., 0]),
    ):
        assert np.all(np.isfinite(out.numpy()))
        assert_values(out, expected, rtol=1e-12, atol=1e-12)
        t = out._parents[0]
        (out * ag.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
        assert np.all(np.isfinite(t.grad.numpy()))


@given(x=arrays(elements=HUGE))
def test_sigmoid_softplus_silu_are_stable_for_huge_inputs(x):
    sigmoid = np.array([1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
                        for v in x.ravel()]).reshape(x.shape)
    softplus = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    for fn, expected in ((ag.sigmoid, sigmoid), (ag.softplus, softplus),
                         (ag.silu, x * sigmoid)):
        t = leaf(x)
        out = fn(t)
        assert_values(out, expected, rtol=1e-12, atol=1e-300)
        out.sum().backward()
        assert np.all(np.isfinite(t.grad.numpy()))


def test_log_softmax_keeps_precision_near_zero():
    # log p for p close to 1 is tiny: subtracting the max first (as torch does) keeps it to
    # within rounding of 1 + e^-gap, where x - logsumexp(x) would lose it in ulp(256)
    for gap in (30.0, 32.0):
        x = leaf([256.0, 256.0 - gap])
        expected = -math.log1p(math.exp(-gap))
        np.testing.assert_allclose(x.log_softmax(-1).numpy()[0], expected, rtol=0, atol=4e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_extreme_logits_in_both_dtypes(dtype):
    x = ag.tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype),
                  requires_grad=True)
    s = x.softmax(-1)
    assert s.dtype == dtype and np.all(np.isfinite(s.numpy()))
    np.testing.assert_allclose(s.numpy().sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(x.logsumexp(-1).numpy(), [1000.0, -1000.0 + math.log(3)], rtol=1e-6)


# -- matmul ---------------------------------------------------------------------------------------


@st.composite
def matmul_operands(draw):
    """Operands for a @ b: a vector times a stack of matrices, a stack times a vector, or two
    stacks whose batch dimensions broadcast (vector @ vector has its own test)."""
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    vector = draw(st.sampled_from(["a", "b", None]))
    shape_a = (k,) if vector == "a" else batch_a + (n, k)
    shape_b = (k,) if vector == "b" else batch_b + (k, m)
    return draw(arrays(shape_a)), draw(arrays(shape_b))


@given(operands=matmul_operands())
def test_matmul(operands):
    a, b = operands
    expected = np.matmul(a, b)
    assert_values(leaf(a) @ leaf(b), expected)
    assert_values(leaf(a).matmul(leaf(b)), expected)
    assert_values(ag.matmul(leaf(a), leaf(b)), expected)
    assert_values(a @ leaf(b), expected)  # ndarray on the left
    assert_values(leaf(a) @ b, expected)
    gradcheck(operator.matmul, (leaf(a), leaf(b)))
    gradcheck(lambda t: a @ t, leaf(b))


@given(a=arrays(shapes(1, 1)), data=st.data())
def test_matmul_vector_dot_vector(a, data):
    b = data.draw(arrays(a.shape))
    out = leaf(a) @ leaf(b)
    assert_values(out, np.dot(a, b))
    assert out.shape == ()
    gradcheck(operator.matmul, (leaf(a), leaf(b)))


@given(a=arrays(shapes(2, 2)), data=st.data())
def test_matmul_2d(a, data):
    b = data.draw(arrays((a.shape[1], data.draw(st.integers(1, 4)))))
    assert_values(leaf(a) @ leaf(b), a @ b)
    gradcheck(operator.matmul, (leaf(a), leaf(b)))


# -- shape ops ------------------------------------------------------------------------------------


@given(x=arrays(), data=st.data())
def test_reshape_and_view(x, data):
    target = tuple(data.draw(st.permutations(x.shape))) + (1,) * data.draw(st.integers(0, 1))
    for out in (leaf(x).reshape(target), leaf(x).reshape(*target), leaf(x).view(target),
                ag.reshape(leaf(x), target)):
        assert_values(out, x.reshape(target))
    assert_values(leaf(x).reshape(-1), x.reshape(-1))
    gradcheck(lambda t: t.reshape(target), leaf(x))


@given(x=arrays(shapes(max_dims=4)), data=st.data())
def test_flatten(x, data):
    if x.ndim == 0:
        assert_values(leaf(x).flatten(), x.reshape(1))
        return
    first = data.draw(st.integers(0, x.ndim - 1))
    last = data.draw(st.integers(first, x.ndim - 1))
    merged = x.shape[:first] + (math.prod(x.shape[first:last + 1]),) + x.shape[last + 1:]
    assert_values(leaf(x).flatten(first, last), x.reshape(merged))
    assert_values(leaf(x).flatten(first - x.ndim, last - x.ndim), x.reshape(merged))
    assert_values(ag.flatten(leaf(x)), x.reshape(-1))
    gradcheck(lambda t: t.flatten(first, last), leaf(x))


@given(x=arrays(shapes(min_dims=1, max_dims=4)), data=st.data())
def test_transpose(x, data):
    i = data.draw(st.integers(-x.ndim, x.ndim - 1))
    j = data.draw(st.integers(-x.ndim, x.ndim - 1))
    assert_values(leaf(x).transpose(), x.T)
    assert_values(leaf(x).T, x.T)
    assert_values(leaf(x).transpose(i, j), np.swapaxes(x, i, j))
    assert_values(ag.transpose(leaf(x), i, j), np.swapaxes(x, i, j))
    gradcheck(lambda t: t.transpose(i, j), leaf(x))
    gradcheck(lambda t: t.T, leaf(x))


@given(x=arrays(shapes(min_dims=1, max_dims=4)), data=st.data())
def test_permute(x, data):
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    assert_values(leaf(x).permute(perm), np.transpose(x, perm))
    assert_values(leaf(x).permute(*perm), np.transpose(x, perm))
    assert_values(ag.permute(leaf(x), perm), np.transpose(x, perm))
    gradcheck(lambda t: t.permute(perm), leaf(x))


def test_permute_rejects_a_non_permutation():
    with pytest.raises(ValueError, match=r"\(0, 0\)"):
        leaf(np.zeros((2, 3))).permute(0, 0)


@given(x=arrays(shapes(max_dims=4, max_side=2)), data=st.data())
def test_squeeze(x, data):
    axis = data.draw(valid_axes(x.ndim))
    assert_values(leaf(x).squeeze(), np.squeeze(x))
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    ones = tuple(a for a in axes if x.shape[a] == 1)  # torch leaves other sizes alone
    expected = np.squeeze(x) if axis is None else np.squeeze(x, axis=ones)
    assert_values(leaf(x).squeeze(axis), expected)
    assert_values(ag.squeeze(leaf(x), dim=axis), expected)
    gradcheck(lambda t: t.squeeze(axis), leaf(x))


@given(x=arrays(), data=st.data())
def test_unsqueeze(x, data):
    dim = data.draw(st.integers(-x.ndim - 1, x.ndim))
    assert_values(leaf(x).unsqueeze(dim), np.expand_dims(x, dim))
    assert_values(ag.unsqueeze(leaf(x), dim), np.expand_dims(x, dim))
    gradcheck(lambda t: t.unsqueeze(dim), leaf(x))


@given(x=arrays(shapes(max_side=2)), data=st.data())
def test_expand(x, data):
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    sizes = lead + tuple(data.draw(st.sampled_from([-1, 3])) if n == 1 else
                         data.draw(st.sampled_from([-1, n])) for n in x.shape)
    target = lead + tuple(x.shape[i] if s == -1 else s for i, s in enumerate(sizes[len(lead):]))
    assert_values(leaf(x).expand(*sizes), np.broadcast_to(x, target))
    assert_values(leaf(x).expand(sizes), np.broadcast_to(x, target))
    assert_values(ag.expand(leaf(x), *sizes), np.broadcast_to(x, target))
    gradcheck(lambda t: t.expand(*sizes), leaf(x))


# -- indexing -------------------------------------------------------------------------------------


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_basic_indexing(x, data):
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    assert_values(leaf(x)[index], x[index])
    gradcheck(lambda t: t[index], leaf(x))


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_integer_array_indexing(x, data):
    index = data.draw(hnp.integer_array_indices(x.shape))
    assert_values(leaf(x)[index], x[index])
    gradcheck(lambda t: t[index], leaf(x))


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_integer_array_on_the_first_axis_with_repeats(x, data):
    n = x.shape[0]
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=8))
    expected = x[np.array(picks)]
    for index in (picks, np.array(picks), ag.tensor(picks)):
        assert_values(leaf(x)[index], expected)
    gradcheck(lambda t: t[picks], leaf(x))
    t = leaf(x)
    t[picks].sum().backward()
    counts = np.bincount(np.array(picks) % n, minlength=n)  # each pick adds one
    np.testing.assert_array_equal(t.grad.numpy(), np.broadcast_to(
        counts.reshape((n,) + (1,) * (x.ndim - 1)), x.shape))


@given(x=arrays(shapes(min_dims=2)), data=st.data())
def test_integer_array_mixed_with_a_slice(x, data):
    n = x.shape[0]
    picks = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    assert_values(leaf(x)[picks, 1:], x[picks, 1:])
    assert_values(leaf(x)[:, picks % x.shape[1]], x[:, picks % x.shape[1]])
    gradcheck(lambda t: t[picks, 1:], leaf(x))
    gradcheck(lambda t: t[:, picks % x.shape[1]], leaf(x))


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_boolean_mask_indexing(x, data):
    mask = data.draw(arrays(x.shape, dtype=bool, elements=st.booleans()))
    first = data.draw(arrays(x.shape[:1], dtype=bool, elements=st.booleans()))
    assert_values(leaf(x)[mask], x[mask])
    assert_values(leaf(x)[ag.tensor(mask)], x[mask])
    assert_values(leaf(x)[first], x[first])
    gradcheck(lambda t: t[mask], leaf(x))
    gradcheck(lambda t: t[first], leaf(x))


def test_mask_from_a_comparison():
    x = leaf([-1.0, 2.0, -3.0, 4.0])
    picked = x[x > 0]
    np.testing.assert_array_equal(picked.numpy(), [2.0, 4.0])
    (picked * picked).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(x.numpy() > 0, 2 * x.numpy(), 0.0))


# -- joining and splitting ------------------------------------------------------------------------


def concatenable(base: tuple, data) -> tuple[int, list]:
    """An axis and 1 to 3 arrays shaped like ``base`` except along that axis."""
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for size in sizes:
        shape = list(base)
        shape[axis] = size
        parts.append(data.draw(arrays(tuple(shape))))
    return axis, parts


@given(base=shapes(min_dims=1), data=st.data())
def test_concatenate(base, data):
    axis, parts = concatenable(base, data)
    expected = np.concatenate(parts, axis=axis)
    assert_values(ag.concatenate([leaf(p) for p in parts], axis), expected)
    assert_values(ag.cat([leaf(p) for p in parts], dim=axis), expected)
    gradcheck(lambda *ts: ag.concatenate(ts, axis), tuple(leaf(p) for p in parts))


@given(shape=shapes(), data=st.data())
def test_stack(shape, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    parts = data.draw(st.lists(arrays(shape), min_size=1, max_size=3))
    expected = np.stack(parts, axis=axis)
    assert_values(ag.stack([leaf(p) for p in parts], axis), expected)
    assert_values(ag.stack([leaf(p) for p in parts], dim=axis), expected)
    gradcheck(lambda *ts: ag.stack(ts, axis), tuple(leaf(p) for p in parts))


@given(x=arrays(shapes(min_dims=1, max_side=5)), data=st.data())
def test_split(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    if data.draw(st.booleans()):
        spec = data.draw(st.integers(1, n + 1))
        bounds = list(range(spec, n, spec))
    else:
        bounds = sorted(data.draw(st.sets(st.integers(1, n - 1))) if n > 1 else [])
        spec = list(np.diff([0, *bounds, n]))
    pieces = ag.split(leaf(x), spec, dim)
    expected = np.split(x, bounds, axis=dim)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected, strict=True):
        assert_values(piece, want)
    assert len(leaf(x).split(spec, dim)) == len(expected)

    def weighted(t):  # a different weight per piece, so a mixed-up gradient shows
        return ag.concatenate([p * (i + 1) for i, p in enumerate(ag.split(t, spec, dim))], dim)

    gradcheck(weighted, leaf(x))


def test_split_sizes_must_add_up():
    with pytest.raises(ValueError, match=r"\[1, 1\].*5"):
        ag.split(leaf(np.zeros(5)), [1, 1])
