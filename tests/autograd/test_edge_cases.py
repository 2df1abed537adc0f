"""Corners where the engine once went wrong: each test pins one behaviour down."""

import re
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Function, Tensor, Value

from .collector import collector_off


def test_the_power_zero_has_zero_gradient_even_at_zero():
    x = ag.tensor([0.0, 1.0, 2.0], dtype=np.float64, requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    base, exponent = Value(0.0), Value(2.0)
    (base**exponent).backward()
    assert exponent.grad == 0.0  # d(x^n)/dn = x^n log x -> 0 as x -> 0+


def test_permute_refuses_dims_out_of_range():
    for dims in [(2, 1), (0, 5), (0,), (0, 1, 2), (0, 0)]:
        message = f"permute: {dims} is not a permutation of the 2 dims of a tensor of shape (2, 3)"
        with pytest.raises(ValueError, match=re.escape(message)):
            ag.ones(2, 3).permute(*dims)


def test_gradcheck_handles_a_transposed_input_and_leaves_closed_over_tensors_alone():
    x = Tensor(np.arange(6.0).reshape(2, 3).T, requires_grad=True)
    assert ag.gradcheck(lambda t: (t * t).sum(), x)
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    ag.gradcheck(lambda t: (t * w).sum(), ag.tensor([3.0, 4.0], requires_grad=True))
    assert w.grad is None


def test_a_gradient_a_function_keeps_is_copied_into_grad():
    class HalfSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x / 2

        @staticmethod
        def backward(ctx, grad):
            return ctx.saved_tensors[0]  # the saved input itself

    p = ag.tensor([1.0, 2.0], requires_grad=True)
    HalfSquare.apply(p).sum().backward()
    assert not np.shares_memory(p.grad.numpy(), p.numpy())
    p.grad.numpy()[:] = 0
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])


def test_a_kept_loss_does_not_keep_the_step_s_activations():
    # `losses.append(loss)` is a common habit: the step's activations must still go
    w = ag.randn(64, 64, requires_grad=True)
    h = ag.randn(8, 64)
    activations = []
    for _ in range(3):
        h = (h @ w).tanh()
        activations.append(weakref.ref(h))
    loss = h.sum()
    del h
    with collector_off():
        assert all(ref() is not None for ref in activations)  # the graph holds them
        loss.backward()
        assert all(ref() is None for ref in activations)  # backward let them go
        assert loss.item() == loss.numpy().item()  # the loss itself is intact


def test_backward_releases_what_the_step_computed_unless_the_graph_is_retained():
    x = ag.randn(4, 4, requires_grad=True)
    middle = x.exp()
    top = (middle * 2).sum()
    top.backward(retain_graph=True)
    assert middle._parents == (x,)
    top.backward()
    assert middle._parents == ()
    with pytest.raises(ag.GraphFreedError):
        top.backward()


@pytest.mark.parametrize("make", [
    lambda x: x + ag.arange(3),
    lambda x: ag.tensor([[1, 2, 3]]) * x,
    lambda x: x * np.sqrt(2.0),
    lambda x: x / ag.tensor([1, 2, 3]),
    lambda x: ag.arange(3).exp() + x,
    lambda x: x @ ag.eye(3, dtype=np.int64),
])
def test_float32_stays_float32_next_to_integers_and_numpy_scalars(make):
    x = ag.randn(4, 3, requires_grad=True)
    out = make(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_tensors_give_default_floats_where_torch_does():
    assert ag.tensor([1, 2]).exp().dtype == np.float32
    assert (ag.tensor([1, 2]) / 2).dtype == np.float32
    assert ag.tensor([1, 2, 4]).var().item() == pytest.approx(7 / 3)
    assert ag.tensor([1, 2, 4]).mean().dtype == np.float32


def test_var_with_no_degrees_of_freedom_left_is_inf():
    x = ag.tensor([1.0, 2.0, 4.0], dtype=np.float64)
    assert x.var(correction=5).item() == np.inf
    assert x.var(correction=3).item() == np.inf


def test_linear_names_a_bias_of_the_wrong_shape():
    x, w = ag.ones(4, 3), ag.ones(2, 3)
    for bias in (ag.ones(1, 2), ag.ones(()), ag.ones(3)):
        with pytest.raises(ValueError, match=re.escape(f"bias of shape {bias.shape}")):
            ag.linear(x, w, bias)


def test_a_function_must_return_one_tensor_and_gradients_of_its_inputs_shapes():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match="Two.forward returned a tuple"):
        Two.apply(ag.ones(2, requires_grad=True))

    class Squash(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    with pytest.raises(RuntimeError, match=r"Squash.backward .* shape \(\) for input 0.*\(2,\)"):
        Squash.apply(ag.ones(2, requires_grad=True)).sum().backward()


def test_a_grad_set_by_hand_must_fit():
    x = ag.ones(3, requires_grad=True)
    x.grad = ag.ones(2, 3)
    with pytest.raises(TypeError, match=r"shape \(2, 3\).*shape \(3,\)"):
        (x * 2).sum().backward()
    x.grad = np.ones(3)
    with pytest.raises(TypeError, match="ndarray"):
        (x * 2).sum().backward()


def test_module_functions_take_numbers_lists_and_arrays_first():
    t = ag.tensor([-1.0, 2.0], requires_grad=True)
    out = ag.maximum(0.0, t)
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 1.0])
    assert ag.exp(0.0).item() == 1.0
    np.testing.assert_array_equal(ag.relu([1.0, -1.0]).numpy(), [1.0, 0.0])
    assert ag.sum_(np.ones(3)).item() == 3.0


def test_a_scalar_tensor_formats_as_its_number():
    loss = ag.tensor(1.23456)
    assert f"{loss:.2f}" == "1.23"
    assert f"epoch 1 loss: {loss:10.4f}" == "epoch 1 loss:     1.2346"


def test_detect_anomaly_works_as_a_bare_decorator():
    @ag.detect_anomaly
    def double(x):
        return (x * 2).log()

    assert double(ag.tensor(1.0, requires_grad=True)).item() == pytest.approx(np.log(2.0))
    with pytest.raises(ag.AnomalyError, match="'log'"), np.errstate(invalid="ignore"):
        double(ag.tensor(-1.0, requires_grad=True))  # anomaly mode checks recorded ops


@pytest.mark.parametrize("op, message", [
    (lambda: ag.tensor([1, 2]) ** -1, r"pow of shapes \(2,\) and \(\) \(int64, int64\): Integers"),
    (lambda: ag.ones(2, 3, 4) @ ag.ones(3, 4, 5), r"batch dims \(2,\) and \(3,\) cannot"),
    (lambda: ag.ones(2, 3) + ag.ones(4), r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
    (lambda: ag.concatenate([ag.tensor(1.0), ag.tensor(2.0)]), "at least one dimension"),
    (lambda: ag.ones(3).softmax((0, 1)), r"one axis \(an int\), got \(0, 1\)"),
])
def test_errors_say_what_went_wrong_in_the_op_s_terms(op, message):
    with pytest.raises((ValueError, TypeError), match=message):
        op()


def test_a_torch_state_dict_of_parameters_loads():
    torch = pytest.importorskip("torch")
    import nn

    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(dict(theirs.named_parameters()))
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
