"""How Tensor gradients behave: accumulation, retain_grad, backward's arguments, freed graphs,
grad mode, hooks, autograd.grad, anomaly mode, errors on bad input and dtypes."""

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import AnomalyError, GraphFreedError, Tensor
from autograd.testing import arrays, broadcastable_shapes, shapes


def leaf(x, dtype=np.float64) -> Tensor:
    return Tensor(np.asarray(x, dtype=dtype), requires_grad=True)


def line_below() -> int:
    """The line number of the line after the caller's."""
    return inspect.currentframe().f_back.f_lineno + 1


# -- accumulation and retain_grad -----------------------------------------------------------------


def test_grad_is_none_until_a_backward_reaches_the_leaf():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    y = (x * x).sum()
    assert x.grad is None and unused.grad is None
    y.backward()
    assert isinstance(x.grad, Tensor)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())
    assert unused.grad is None


@given(x=arrays(), calls=st.integers(1, 4))
def test_leaves_accumulate_grad_across_backward_calls(x, calls):
    t = leaf(x)
    for _ in range(calls):
        (t * t).sum().backward()  # a new graph each time
    np.testing.assert_allclose(t.grad.numpy(), calls * 2 * x, rtol=1e-12)
    t.zero_grad()
    assert t.grad is None


def test_intermediates_keep_no_grad_unless_retained():
    x = leaf([1.0, -2.0])
    hidden = x * 3
    kept = x.exp()
    kept.retain_grad()
    assert kept.retains_grad and not hidden.retains_grad
    (hidden * kept).sum().backward()
    assert hidden.grad is None
    np.testing.assert_allclose(kept.grad.numpy(), hidden.numpy())  # d(h*k)/dk = h
    np.testing.assert_allclose(x.grad.numpy(), 3 * kept.numpy() + hidden.numpy() * kept.numpy())


def test_retained_intermediate_grad_accumulates_like_a_leaf():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 2 * y.numpy())  # accumulated like a leaf (torch)
    np.testing.assert_allclose(x.grad.numpy(), 2 * 4 * y.numpy())


def test_retain_grad_needs_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).retain_grad()


# -- backward's arguments -------------------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = leaf(np.ones((2, 3)))
    y = x * 2
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        y.backward()
    assert x.grad is None


def test_backward_with_a_gradient_is_the_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    v = np.array([0.5, -1.0, 2.0])
    (x * x).backward(gradient=v)
    np.testing.assert_allclose(x.grad.numpy(), v * 2 * x.numpy())
    y = leaf([1.0, 2.0])
    (y * 3).backward(ag.tensor([1.0, 1.0], dtype=np.float64))
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])


def test_backward_with_a_wrong_shaped_gradient_raises_and_changes_nothing():
    x = leaf([1.0, 2.0, 3.0])
    (x * 2).sum().backward()
    before = x.grad.numpy().copy()
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        (x * x).backward(gradient=np.ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), before)


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()


def test_backward_does_not_keep_the_callers_gradient_array():
    x = leaf([1.0, 2.0])
    v = np.array([1.0, 1.0])
    (x + 0.0).backward(gradient=v)
    x.grad.numpy()[...] += 5
    np.testing.assert_array_equal(v, [1.0, 1.0])


# -- freed graphs ---------------------------------------------------------------------------------


def test_second_backward_through_a_freed_graph_raises():
    x = leaf([1.0, 2.0])
    loss = x.exp().sum()
    loss.backward()
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_and_grads_accumulate():
    x, w = leaf([1.0, 2.0]), leaf([[0.5, -1.0], [2.0, 0.25]])
    loss = (w @ x).tanh().sum()
    loss.backward(retain_graph=True)
    first_x, first_w = x.grad.numpy().copy(), w.grad.numpy().copy()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 2 * first_x)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first_w)
    loss.backward()  # the last one may free the graph
    np.testing.assert_allclose(x.grad.numpy(), 3 * first_x)
    with pytest.raises(GraphFreedError, match="tanh|sum|matmul"):
        loss.backward()


def test_a_backward_that_fails_midway_can_run_again():
    x = leaf([1.0, 2.0])
    y = x.exp()
    calls = []

    def fail_once(g):
        calls.append(g)
        if len(calls) == 1:
            raise KeyError("the first call fails")

    y.register_hook(fail_once)
    loss = (y * 3).sum()
    with pytest.raises(KeyError, match="first call"):
        loss.backward(retain_graph=True)
    assert x.grad is None
    loss.backward()  # the bookkeeping the failed pass left behind was reset
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp(x.numpy()))


# -- grad mode ------------------------------------------------------------------------------------


def test_no_grad_and_enable_grad_as_context_managers():
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            z = x * 2
        assert not ag.is_grad_enabled()
        inside = ag.tensor([1.0], requires_grad=True)  # a leaf can still ask for grad
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert z.requires_grad and z.grad_fn.name() == "MulBackward0"
    assert inside.requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError), ag.no_grad():
        raise KeyError("inside no_grad")
    assert ag.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0, 2.0])

    @ag.no_grad
    def bare(t):
        return t * 2

    @ag.no_grad()
    def called(t):
        return t * 2

    @ag.enable_grad()
    def recorded(t):
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    assert bare.__name__ == "bare"
    with ag.no_grad():
        assert recorded(x).requires_grad
    assert (x * 2).requires_grad


def test_set_grad_enabled():
    x = leaf([1.0])
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with ag.no_grad(), ag.set_grad_enabled(True):
        assert (x * 2).requires_grad
    assert not ag.set_grad_enabled(False)(lambda t: t * 2)(x).requires_grad


def test_backward_still_works_after_no_grad_parts():
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        scale = x * 10  # a constant from here on
    (x * scale).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), scale.numpy())


# -- hooks ----------------------------------------------------------------------------------------


def test_hook_sees_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (y * y).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * y.numpy())


def test_hook_can_replace_the_gradient_and_handle_removes_it():
    x = leaf([1.0, 2.0])
    y = x * 3
    handle = y.register_hook(lambda g: g * 10)
    loss = y.sum()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    handle.remove()  # a second remove is harmless
    x.zero_grad()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_hook_on_a_leaf_changes_what_accumulates():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 0.5)
    (x * 4).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_register_hook_checks_its_arguments():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="int"):
        leaf([1.0]).register_hook(3)


# -- autograd.grad --------------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    hidden = x * w
    loss = (hidden * hidden).sum()
    gx, gw, gh = ag.grad(loss, [x, w, hidden])
    np.testing.assert_allclose(gx.numpy(), 2 * hidden.numpy() * w.numpy())
    np.testing.assert_allclose(gw.numpy(), 2 * hidden.numpy() * x.numpy())
    np.testing.assert_allclose(gh.numpy(), 2 * hidden.numpy())
    assert x.grad is None and w.grad is None and hidden.grad is None


def test_grad_with_grad_outputs_and_several_outputs():
    x = leaf([1.0, 2.0])
    (g,) = ag.grad(x * x, x, grad_outputs=np.array([1.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])
    (g,) = ag.grad([x.sum(), (x * x).sum()], [x])
    np.testing.assert_allclose(g.numpy(), 1 + 2 * x.numpy())
    assert x.grad is None


def test_grad_unused_input():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="input 1"):
        ag.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.numpy().tolist() == [2.0]


def test_grad_after_backward_leaves_accumulated_grads_alone():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    before = x.grad.numpy().copy()
    ag.grad((x * 3).sum(), x)
    np.testing.assert_array_equal(x.grad.numpy(), before)


# -- anomaly mode ---------------------------------------------------------------------------------


def test_detect_anomaly_names_the_forward_op_and_line():
    x = leaf([1.0, -1.0])
    with ag.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(AnomalyError, match="'log'") as info:
            line = line_below()
            (x * 2).log() * 3  # the log makes the nan; the multiply after it is never reached
    message = str(info.value)
    assert f"{__file__}:{line}" in message and "forward" in message


def test_detect_anomaly_names_the_backward_op_and_where_it_was_called():
    x = leaf([0.0, 4.0])
    with ag.detect_anomaly(), np.errstate(divide="ignore"):
        line = line_below()
        root = x.sqrt()
        loss = (root * 3).sum()
        with pytest.raises(AnomalyError, match="'sqrt'") as info:
            loss.backward()
    assert f"{__file__}:{line}" in str(info.value)
    assert "backward" in str(info.value)


def test_detect_anomaly_as_a_decorator_and_off_by_default():
    @ag.detect_anomaly()
    def step(t):
        return t.log()

    with np.errstate(invalid="ignore"):
        with pytest.raises(AnomalyError, match="log"):
            step(leaf([-1.0]))
        assert np.isnan(leaf([-1.0]).log().numpy()[0])  # outside anomaly mode: numpy's nan


# -- errors on bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a**b, "pow"), (ag.maximum, "maximum"),
    (ag.minimum, "minimum"), (lambda a, b: a @ b, "matmul"),
    (lambda a, b: ag.where(np.ones((4, 1), bool), a, b), "where"),
])
def test_shape_mismatch_names_the_op_and_both_shapes(op, name):
    a, b = leaf(np.ones((2, 3))), leaf(np.ones((4, 5)))
    with pytest.raises(ValueError, match=name) as info:
        op(a, b)
    assert "(2, 3)" in str(info.value) and "(4, 5)" in str(info.value)


@given(data=st.data())
def test_non_broadcastable_shapes_raise(data):
    sa = data.draw(shapes(min_dims=1))
    sb = list(sa)
    i = data.draw(st.integers(0, len(sa) - 1))
    sb[i] = sa[i] + 1 if sa[i] > 1 else 2
    if sa[i] == 1:  # 1 broadcasts; make the first side the mismatch instead
        sa = sa[:i] + (3,) + sa[i + 1:]
    a, b = leaf(np.ones(sa)), leaf(np.ones(sb))
    with pytest.raises(ValueError, match="add") as info:
        a + b
    assert str(tuple(sa)) in str(info.value) and str(tuple(sb)) in str(info.value)


@pytest.mark.parametrize("call", [
    lambda t: t.sum(axis=3), lambda t: t.mean(axis=-4), lambda t: t.max(axis=3),
    lambda t: t.min(axis=(0, 3)), lambda t: t.var(axis=3), lambda t: t.std(dim=3),
    lambda t: t.logsumexp(3), lambda t: t.softmax(3), lambda t: t.log_softmax(-4),
    lambda t: t.squeeze(3), lambda t: t.transpose(0, 3), lambda t: t.flatten(3),
    lambda t: ag.concatenate([t, t], 3), lambda t: ag.split(t, 1, 3),
])
def test_bad_axis_names_the_axis_and_the_ndim(call):
    t = leaf(np.ones((2, 3, 4)))
    with pytest.raises(IndexError) as info:
        call(t)
    message = str(info.value)
    assert ("axis 3" in message or "axis -4" in message) and "3 dimensions" in message


def test_bad_unsqueeze_and_stack_axis():
    t = leaf(np.ones((2, 3)))
    with pytest.raises(IndexError, match="axis 4.*3 dimensions"):
        t.unsqueeze(4)
    with pytest.raises(IndexError, match="axis -4.*3 dimensions"):
        ag.stack([t, t], -4)


def test_bad_index_names_the_index_and_the_shape():
    t = leaf(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"5.*\(2, 3\)"):
        t[5]


@pytest.mark.parametrize("call", [
    lambda a, b: a @ b, lambda a, b: a + b, lambda a, b: a.reshape(7),
    lambda a, b: a.sum(axis=5), lambda a, b: ag.stack([a, b]), lambda a, b: a[9],
])
def test_a_failed_op_leaves_its_inputs_untouched(call):
    a, b = leaf(np.arange(6.0).reshape(2, 3)), leaf(np.arange(4.0).reshape(4, 1))
    (a.sum() + b.sum()).backward()
    before = [(t.numpy().copy(), t.grad.numpy().copy()) for t in (a, b)]
    with pytest.raises((ValueError, IndexError)):
        call(a, b)
    for t, (data, grad) in zip((a, b), before, strict=True):
        np.testing.assert_array_equal(t.numpy(), data)
        np.testing.assert_array_equal(t.grad.numpy(), grad)
        assert t.is_leaf and t.requires_grad


# -- independent grad arrays ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda a, b: a + b, lambda a, b: a - (-b), lambda a, b: ag.stack([a, b]).sum(0),
    lambda a, b: a.reshape(-1) + b.reshape(-1),
])
def test_leaves_get_independent_grad_arrays(make):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    make(a, b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.numpy()[...] += 100
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_leaf_grad_does_not_share_memory_with_an_intermediate_grad():
    a = leaf([1.0, 2.0])
    hidden = a + 0.0
    hidden.retain_grad()
    hidden.sum().backward()
    assert not np.shares_memory(a.grad.numpy(), hidden.grad.numpy())


# -- dtypes ---------------------------------------------------------------------------------------

FLOAT32_OPS = {
    "exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(),
    "gelu": lambda t: t.gelu(), "silu": lambda t: t.silu(), "softplus": lambda t: t.softplus(),
    "elu": lambda t: t.elu(), "leaky_relu": lambda t: t.leaky_relu(), "relu": lambda t: t.relu(),
    "log": lambda t: (t * t + 1).log(), "sqrt": lambda t: (t * t + 1).sqrt(),
    "mul number": lambda t: t * 2.5, "div number": lambda t: 3.5 / (t * t + 1),
    "pow": lambda t: t**2, "rpow": lambda t: 1.5**t, "clip": lambda t: t.clip(-1.0, 1.0),
    "where": lambda t: ag.where(t > 0, t, 0.5), "maximum": lambda t: ag.maximum(t, 0.1),
    "sum": lambda t: t.sum(0), "mean": lambda t: t.mean(), "var": lambda t: t.var(),
    "std": lambda t: (t + ag.tensor(np.arange(t.numel(), dtype=np.float32).reshape(t.shape))).std(),
    "max": lambda t: t.max(), "logsumexp": lambda t: t.logsumexp(-1),
    "softmax": lambda t: t.softmax(-1), "log_softmax": lambda t: t.log_softmax(-1),
    "matmul": lambda t: t @ t.T, "getitem": lambda t: t[[0, 0, 1]], "mask": lambda t: t[t > 0],
    "concatenate": lambda t: ag.cat([t, t], 1), "expand": lambda t: t.expand(2, *t.shape),
}


@pytest.mark.parametrize("name", FLOAT32_OPS)
@given(x=arrays((2, 3), dtype=np.float32))
def test_float32_in_float32_out_and_float32_grads(name, x):
    t = leaf(x, np.float32)
    seen = []
    t.register_hook(lambda g: seen.append(g.dtype))  # the gradient as it arrives, not as stored
    out = FLOAT32_OPS[name](t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert seen == [np.float32] and t.grad.dtype == np.float32


@given(data=st.data())
def test_mixed_float32_float64_promotes_like_numpy(data):
    s32, s64 = data.draw(broadcastable_shapes(2))
    a, b = leaf(data.draw(arrays(s32)), np.float32), leaf(data.draw(arrays(s64)))
    for out, expected in ((a + b, a.numpy() + b.numpy()), (a * b, a.numpy() * b.numpy()),
                          (b - a, b.numpy() - a.numpy())):
        assert out.dtype == expected.dtype == np.float64
        np.testing.assert_array_equal(out.numpy(), expected)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


def test_python_numbers_keep_the_tensor_dtype():
    t32 = ag.tensor([1.0, 2.0])
    assert (t32 * 2.5).dtype == np.float32 and (2 + t32).dtype == np.float32
    assert (t32 ** 2).dtype == np.float32
    ints = ag.tensor([1, 2])
    assert (ints + 1).dtype == np.int64
    # a float number or true division makes an int tensor float: the default dtype (torch)
    assert (ints * 1.5).dtype == np.float32 and (ints / 2).dtype == np.float32
