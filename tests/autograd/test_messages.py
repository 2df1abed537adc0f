"""Engine messages that name the argument and its value, and reductions over an empty axis that
give torch's answers instead of numpy's errors."""

import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor


@pytest.mark.parametrize("gradient", ["a", ["x", "y"], {"g": 1}, [[1.0], [1.0, 2.0]]])
def test_backward_with_a_non_numeric_gradient_names_it(gradient):
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    y = x * 2
    with pytest.raises(TypeError, match=r"backward\(gradient=\.\.\.\).*shape \(2,\).*gradient="):
        y.backward(gradient=gradient)
    assert x.grad is None
    y.backward(gradient=[1.0, 3.0])  # the graph was left usable
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 6.0])


@pytest.mark.parametrize("shape, dim", [((3, 0), -1), ((0,), 0), ((2, 0, 4), 1)])
def test_logsumexp_and_log_softmax_of_an_empty_axis_follow_torch(shape, dim):
    torch = pytest.importorskip("torch")
    x = np.ones(shape, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning on the way either
        lse = Tensor(x).logsumexp(dim)
        logp = Tensor(x).log_softmax(dim)
    ref_lse = torch.logsumexp(torch.tensor(x), dim).numpy()
    ref_logp = torch.log_softmax(torch.tensor(x), dim).numpy()
    assert lse.shape == ref_lse.shape and logp.shape == ref_logp.shape
    np.testing.assert_array_equal(lse.numpy(), ref_lse)


def test_empty_reductions_have_gradients_of_the_input_s_shape():
    x = Tensor(np.ones((3, 0)), requires_grad=True)
    x.logsumexp(-1).sum().backward()
    assert x.grad.shape == (3, 0)
    y = Tensor(np.ones((3, 0)), requires_grad=True)
    y.log_softmax(-1).sum().backward()
    assert y.grad.shape == (3, 0)


def test_logsumexp_of_a_non_empty_axis_is_unchanged():
    x = np.array([[1.0, 2.0, 3.0], [-np.inf, -np.inf, 0.0]])
    got = autograd.tensor(x).logsumexp(-1).numpy()
    np.testing.assert_allclose(got, np.log(np.exp(x).sum(-1)), rtol=1e-12)
