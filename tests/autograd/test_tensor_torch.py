"""Every Tensor op against PyTorch, in float64 on generated inputs: the same values and the
same gradients (of sum(out * w) for a random w). Ties are kept here on purpose where PyTorch
defines the gradient at them (max/min and maximum/minimum split it evenly)."""

import functools
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import (
    arrays,
    broadcastable_shapes,
    floats_away_from,
    safe_floats,
    shapes,
    valid_axes,
)

from . import torch_oracle
from .test_tensor_ops import (
    ANYWHERE,
    NONZERO,
    OFF_ZERO,
    POSITIVE,
    broadcast_pair,
    concatenable,
    distinct_arrays,
    matmul_operands,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional


# every comparison here is in float64, and so is every result
compare = functools.partial(torch_oracle.compare, torch, dtype=np.float64)


def dims(axis, ndim: int):
    """Our ``axis`` (None = all) as torch's ``dim`` (a tuple; torch's empty tuple is not 'all'
    for every reduction)."""
    return tuple(range(ndim)) if axis is None else axis


TIES = st.integers(-2, 2).map(float)  # few distinct values: ties everywhere

# -- elementwise ----------------------------------------------------------------------------------

# name -> (op, elements of a, elements of b)
BINARY = {
    "add": (lambda a, b: a + b, None, None),
    "sub": (lambda a, b: a - b, None, None),
    "mul": (lambda a, b: a * b, None, None),
    "div": (lambda a, b: a / b, None, NONZERO),
    "pow": (lambda a, b: a**b, safe_floats(0.2, 3.0), safe_floats(-2.0, 2.0)),
    "maximum": (lambda a, b: a.maximum(b), TIES, TIES),
    "minimum": (lambda a, b: a.minimum(b), TIES, TIES),
}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_ops_on_broadcast_pairs(name, data):
    fn, a_elements, b_elements = BINARY[name]
    compare(fn, fn, *data.draw(broadcast_pair(a_elements, b_elements)))


NUMBER_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
              "div": operator.truediv, "pow": operator.pow}


@pytest.mark.parametrize("name", NUMBER_OPS)
@given(x=arrays(elements=safe_floats(0.5, 5)), number=safe_floats(0.5, 3), flip=st.booleans())
def test_ops_with_numbers_and_reflected(name, x, number, flip):
    op = NUMBER_OPS[name]
    if flip and name != "pow":  # a number base of pow stays positive
        number = -number
    compare(lambda t: op(t, number), lambda t: op(t, number), x)
    compare(lambda t: op(number, t), lambda t: op(number, t), x)


UNARY = {
    "neg": (lambda t: -t, lambda t: -t, ANYWHERE),
    "exp": (lambda t: t.exp(), torch.exp, ANYWHERE),
    "log": (lambda t: t.log(), torch.log, POSITIVE),
    "sqrt": (lambda t: t.sqrt(), torch.sqrt, POSITIVE),
    "abs": (lambda t: t.abs(), torch.abs, OFF_ZERO),
    "tanh": (lambda t: t.tanh(), torch.tanh, ANYWHERE),
    "sigmoid": (lambda t: t.sigmoid(), torch.sigmoid, ANYWHERE),
    "relu": (lambda t: t.relu(), F.relu, OFF_ZERO),
    "leaky_relu": (lambda t: t.leaky_relu(), F.leaky_relu, OFF_ZERO),
    "leaky_relu(0.2)": (lambda t: t.leaky_relu(0.2), lambda t: F.leaky_relu(t, 0.2), OFF_ZERO),
    "elu": (lambda t: t.elu(), F.elu, OFF_ZERO),
    "elu(0.7)": (lambda t: t.elu(alpha=0.7), lambda t: F.elu(t, alpha=0.7), OFF_ZERO),
    "gelu": (lambda t: t.gelu(), F.gelu, ANYWHERE),
    "silu": (lambda t: t.silu(), F.silu, ANYWHERE),
    "softplus": (lambda t: t.softplus(), F.softplus, ANYWHERE),
    "softplus(beta=2)": (lambda t: t.softplus(beta=2.0), lambda t: F.softplus(t, beta=2.0),
                         safe_floats(-5, 5)),  # torch switches to x past beta*x > 20
    "clip": (lambda t: t.clip(-2.0, 3.0), lambda t: t.clamp(-2.0, 3.0),
             floats_away_from([-2.0, 3.0])),
    "clamp(min)": (lambda t: t.clamp(min=0.5), lambda t: t.clamp(min=0.5),
                   floats_away_from(0.5)),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_ops(name, data):
    ours, theirs, elements = UNARY[name]
    rtol = 1e-8 if name == "gelu" else 1e-10  # erf from two different libraries
    compare(ours, theirs, data.draw(arrays(elements=elements)), rtol=rtol)


@given(data=st.data())
def test_where(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3))
    cond = data.draw(arrays(sc, dtype=bool, elements=st.booleans()))
    compare(lambda a, b: ag.where(cond, a, b), lambda a, b: torch.where(torch.tensor(cond), a, b),
            data.draw(arrays(sa)), data.draw(arrays(sb)))


# -- reductions -----------------------------------------------------------------------------------

REDUCTIONS = {
    "sum": (lambda t, ax, kd: t.sum(ax, keepdims=kd),
            lambda t, ax, kd: t.sum(dim=dims(ax, t.ndim), keepdim=kd), ANYWHERE),
    "mean": (lambda t, ax, kd: t.mean(ax, keepdims=kd),
             lambda t, ax, kd: t.mean(dim=dims(ax, t.ndim), keepdim=kd), ANYWHERE),
    "logsumexp": (lambda t, ax, kd: t.logsumexp(ax, keepdims=kd),
                  lambda t, ax, kd: t.logsumexp(dim=dims(ax, t.ndim), keepdim=kd), ANYWHERE),
    "amax": (lambda t, ax, kd: t.amax(ax, keepdims=kd),
            lambda t, ax, kd: t.amax(dim=dims(ax, t.ndim), keepdim=kd), TIES),
    "amin": (lambda t, ax, kd: t.amin(ax, keepdims=kd),
            lambda t, ax, kd: t.amin(dim=dims(ax, t.ndim), keepdim=kd), TIES),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), keepdims=st.booleans())
def test_reductions(name, data, keepdims):
    ours, theirs, elements = REDUCTIONS[name]
    x = data.draw(arrays(elements=elements))
    axis = data.draw(valid_axes(x.ndim))
    compare(lambda t: ours(t, axis, keepdims), lambda t: theirs(t, axis, keepdims), x)


@pytest.mark.parametrize("name", ["var", "std"])
@given(data=st.data(), keepdims=st.booleans())
def test_var_std_with_torch_default_correction(name, data, keepdims):
    x = data.draw(distinct_arrays(shapes(min_dims=1, min_side=2, max_side=3)))  # std > 0
    axis = data.draw(valid_axes(x.ndim))
    compare(lambda t: getattr(t, name)(axis, keepdims=keepdims),
            lambda t: getattr(t, name)(dim=dims(axis, t.ndim), keepdim=keepdims), x)
    compare(lambda t: getattr(t, name)(axis, correction=0),
            lambda t: getattr(t, name)(dim=dims(axis, t.ndim), correction=0), x)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")  # torch's
def test_var_of_a_single_element_is_nan_as_in_torch():
    with np.errstate(all="ignore"):
        compare(lambda t: t.var(), lambda t: t.var(), np.array([1.5]))


def test_std_of_a_constant_has_zero_gradient_as_in_torch():
    compare(lambda t: t.std(axis=1), lambda t: t.std(dim=1),
            np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_softmax_family(name, x, data):
    axis = data.draw(valid_axes(x.ndim, allow_none=False, allow_tuple=False))
    compare(lambda t: getattr(t, name)(axis), lambda t: getattr(t, name)(dim=axis), x)


HUGE = st.one_of(st.sampled_from([-1000.0, 1000.0]), safe_floats(-1000.0, 1000.0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "sigmoid", "softplus",
                                  "silu", "tanh"])
@given(x=arrays(shapes(min_dims=1), elements=HUGE))
def test_huge_inputs_match_torch(name, x):
    ours = {"softmax": lambda t: t.softmax(-1), "log_softmax": lambda t: t.log_softmax(-1),
            "logsumexp": lambda t: t.logsumexp(-1)}.get(name, lambda t: getattr(t, name)())
    theirs = {"softmax": lambda t: t.softmax(-1), "log_softmax": lambda t: t.log_softmax(-1),
              "logsumexp": lambda t: t.logsumexp(-1), "sigmoid": torch.sigmoid,
              "softplus": F.softplus, "silu": F.silu, "tanh": torch.tanh}[name]
    compare(ours, theirs, x, rtol=1e-9, atol=1e-14)  # 1 - sigmoid(x) cancels for x > 15


# -- matmul ---------------------------------------------------------------------------------------


@given(operands=matmul_operands())
def test_matmul_with_broadcast_batch_dims(operands):
    compare(lambda a, b: a @ b, torch.matmul, *operands)


@given(a=arrays(shapes(1, 1)), data=st.data())
def test_matmul_vector_vector(a, data):
    compare(lambda x, y: x @ y, torch.matmul, a, data.draw(arrays(a.shape)))


# -- shape ops ------------------------------------------------------------------------------------


@given(x=arrays(shapes(min_dims=1, max_dims=4)), data=st.data())
def test_shape_ops(x, data):
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    i, j = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.integers(-x.ndim, x.ndim - 1))
    first = data.draw(st.integers(0, x.ndim - 1))
    last = data.draw(st.integers(first, x.ndim - 1))
    new = data.draw(st.integers(-x.ndim - 1, x.ndim))
    target = tuple(data.draw(st.permutations(x.shape)))
    sqz = data.draw(st.integers(-x.ndim, x.ndim - 1))
    cases = [
        (lambda t: t.reshape(target), lambda t: t.reshape(target)),
        (lambda t: t.view(-1), lambda t: t.view(-1)),
        (lambda t: t.permute(perm), lambda t: t.permute(perm)),
        (lambda t: t.transpose(i, j), lambda t: t.transpose(i, j)),
        (lambda t: t.flatten(first, last), lambda t: t.flatten(first, last)),
        (lambda t: t.unsqueeze(new), lambda t: t.unsqueeze(new)),
        (lambda t: t.squeeze(sqz), lambda t: t.squeeze(sqz)),
        (lambda t: t.squeeze(), lambda t: t.squeeze()),
        (lambda t: t.expand(2, *x.shape), lambda t: t.expand(2, *x.shape)),
    ]
    for ours, theirs in cases:
        compare(ours, theirs, x)


# -- indexing -------------------------------------------------------------------------------------


def _positive_steps(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(not isinstance(p, slice) or p.step is None or p.step > 0 for p in parts)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_basic_indexing(x, data):
    # torch rejects negative slice steps
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True).filter(_positive_steps))
    compare(lambda t: t[index], lambda t: t[index], x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_integer_array_indexing_with_repeats(x, data):
    index = data.draw(hnp.integer_array_indices(x.shape))
    torch_index = tuple(torch.tensor(i) for i in index)
    compare(lambda t: t[index], lambda t: t[torch_index], x)
    n = x.shape[0]
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=8))
    compare(lambda t: t[picks], lambda t: t[torch.tensor(picks)], x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_boolean_mask_indexing(x, data):
    mask = data.draw(arrays(x.shape, dtype=bool, elements=st.booleans()))
    first = data.draw(arrays(x.shape[:1], dtype=bool, elements=st.booleans()))
    compare(lambda t: t[mask], lambda t: t[torch.tensor(mask)], x)
    compare(lambda t: t[first], lambda t: t[torch.tensor(first)], x)


# -- joining and splitting ------------------------------------------------------------------------


@given(base=shapes(min_dims=1), data=st.data())
def test_concatenate_stack_split(base, data):
    axis, parts = concatenable(base, data)
    sizes = [p.shape[axis] for p in parts]
    compare(lambda *ts: ag.cat(ts, axis), lambda *ts: torch.cat(ts, axis), *parts)
    same = [data.draw(arrays(base)) for _ in sizes]
    new_axis = data.draw(st.integers(-len(base) - 1, len(base)))
    compare(lambda *ts: ag.stack(ts, new_axis), lambda *ts: torch.stack(ts, new_axis), *same)
    whole = np.concatenate(parts, axis=axis)
    piece = data.draw(st.integers(1, whole.shape[axis]))

    def ours(t):
        return ag.cat([p * (k + 1) for k, p in enumerate(ag.split(t, piece, axis))], axis)

    def theirs(t):
        return torch.cat([p * (k + 1) for k, p in enumerate(torch.split(t, piece, axis))], axis)

    compare(ours, theirs, whole)
    compare(lambda t: ag.split(t, sizes, axis)[-1], lambda t: torch.split(t, sizes, axis)[-1],
            whole)
