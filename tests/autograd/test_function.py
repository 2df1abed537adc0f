"""autograd.Function: ops a learner defines with forward and backward, on Tensors and Values."""

import math

import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import AnomalyError, Function, GraphFreedError, Tensor, Value, gradcheck
from autograd.graph import FREED
from autograd.testing import arrays, safe_floats

from .test_gradcheck import Cube


class Exp(Function):
    """e^x, d/dx = e^x: saves its output."""

    @staticmethod
    def forward(ctx, x):
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class ScaledProduct(Function):
    """a * b * k for a number k (not differentiated): a non-tensor argument to forward."""

    @staticmethod
    def forward(ctx, a, k, b):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b * ctx.k, None, grad * a * ctx.k


def leaf(x) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# -- on Tensors -----------------------------------------------------------------------------------


@given(x=arrays(min_value=-3, max_value=3))
def test_cube_on_tensors(x):
    out = Cube.apply(leaf(x))
    assert isinstance(out, Tensor) and out.grad_fn.name() == "CubeBackward" and out.requires_grad
    np.testing.assert_allclose(out.numpy(), x**3, rtol=1e-12)
    gradcheck(Cube.apply, leaf(x))


@given(x=arrays(min_value=-5, max_value=5))
def test_exp_saving_its_output_on_tensors(x):
    np.testing.assert_allclose(Exp.apply(leaf(x)).numpy(), np.exp(x), rtol=1e-12)
    gradcheck(Exp.apply, leaf(x))
    # inside a larger graph (inputs scaled to [-2, 2], so no term swamps the others)
    gradcheck(lambda t: Exp.apply(Cube.apply(t) * 0.5) * t, leaf(x / 2.5))


@given(a=arrays((2, 3)), b=arrays((2, 3)), k=safe_floats(-3, 3))
def test_non_tensor_arguments_to_forward(a, b, k):
    ta, tb = leaf(a), leaf(b)
    out = ScaledProduct.apply(ta, k, tb)
    np.testing.assert_allclose(out.numpy(), a * b * k, rtol=1e-12)
    gradcheck(lambda x, y: ScaledProduct.apply(x, k, y), (leaf(a), leaf(b)))


def test_needs_input_grad_and_grad_mode_inside():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, k, b):
            seen["forward"] = (ctx.needs_input_grad, ag.is_grad_enabled())
            return a * k + b

        @staticmethod
        def backward(ctx, grad):
            seen["backward"] = ag.is_grad_enabled()
            return grad * 2, None, None

    a = leaf([1.0, 2.0])
    out = Probe.apply(a, 2.0, ag.tensor([1.0, 1.0], dtype=np.float64))
    out.sum().backward()
    assert seen == {"forward": ((True, False, False), False), "backward": False}
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])


def test_a_none_gradient_leaves_that_input_alone():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])

    class FirstOnly(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    FirstOnly.apply(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    assert b.grad is None


class WrongCount(Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return grad * 2  # one gradient, but forward took two inputs


def test_backward_returning_the_wrong_number_of_grads_raises():
    x = leaf([1.0, 2.0])
    out = WrongCount.apply(x, 2.0).sum()
    with pytest.raises(RuntimeError, match=r"WrongCount.*1 gradient.*2 inputs"):
        out.backward()
    assert x.grad is None


def test_wrong_number_of_grads_on_values():
    with pytest.raises(RuntimeError, match=r"WrongCount.*1 gradient.*2 inputs"):
        (WrongCount.apply(Value(1.5), 2.0) * 1.0).backward()


def test_nothing_is_recorded_under_no_grad():
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        out = Cube.apply(x)
        value_out = Cube.apply(Value(2.0))
    assert not out.requires_grad and out.is_leaf and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), [1.0, 8.0])
    assert value_out._backward is None and value_out._parents == ()
    assert value_out.data == 8.0


def test_inputs_without_grad_record_nothing():
    out = Cube.apply(ag.tensor([2.0], dtype=np.float64))
    assert not out.requires_grad and out.is_leaf


def test_a_function_graph_is_freed_by_backward_unless_retained():
    x = leaf([1.0, 2.0])
    out = Cube.apply(x)
    loss = out.sum()
    loss.backward(retain_graph=True)
    assert out._saved is not FREED
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * x.numpy()**2)
    assert out._saved is FREED
    with pytest.raises(GraphFreedError, match="retain_graph"):
        loss.backward()


def test_anomaly_mode_names_a_function():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * np.nan  # a forward nan (a forward inf is legitimate, as in torch)

        @staticmethod
        def backward(ctx, grad):
            return grad

    with ag.detect_anomaly(), pytest.raises(AnomalyError, match="Broken"):
        Broken.apply(leaf([1.0]))


# -- on Values ------------------------------------------------------------------------------------


@given(x=safe_floats(-3, 3))
def test_cube_and_exp_on_values(x):
    v = Value(x)
    out = Cube.apply(v)
    assert isinstance(out, Value) and math.isclose(out.data, x**3, rel_tol=1e-12, abs_tol=1e-12)
    out.backward()
    assert math.isclose(v.grad, 3 * x * x, rel_tol=1e-12, abs_tol=1e-12)
    gradcheck(Cube.apply, Value(x))
    gradcheck(Exp.apply, Value(x))
    gradcheck(lambda a: Exp.apply(a) * a + Cube.apply(a * 0.5), Value(x))


@given(a=safe_floats(-3, 3), b=safe_floats(-3, 3), k=safe_floats(-3, 3))
def test_non_value_arguments_on_values(a, b, k):
    va, vb = Value(a), Value(b)
    out = ScaledProduct.apply(va, k, vb)
    assert math.isclose(out.data, a * b * k, rel_tol=1e-12, abs_tol=1e-12)
    gradcheck(lambda x, y: ScaledProduct.apply(x, k, y), (Value(a), Value(b)))


def test_a_value_function_graph_runs_backward_twice_without_double_counting():
    v = Value(2.0)
    out = Cube.apply(v) * 1.0
    out.backward()
    out.backward()
    assert v.grad == 2 * 12.0  # a leaf accumulates: two calls, two contributions
