"""gradcheck: passes correct ops, reports per input, catches a wrong derivative.

The custom-op tests double as documentation: this is how to write an op with
``autograd.Function`` and check its backward against central differences.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Function, GradcheckError, Tensor, Value, gradcheck
from autograd.testing import (
    arrays,
    broadcastable_shapes,
    floats_away_from,
    safe_floats,
    shapes,
    valid_axes,
)


def leaf(data) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


# -- a custom op, checked with gradcheck ---------------------------------------------------------


class Cube(Function):
    """x ** 3, with its derivative 3 x^2 written by hand."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_a_correct_custom_op_passes_gradcheck():
    # on a Value
    report = gradcheck(Cube.apply, Value(1.5))
    assert report.ok
    # on a Tensor, elementwise (a non-scalar output is checked through sum(output * r))
    report = gradcheck(Cube.apply, leaf([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]]))
    assert report.ok


class Scale(Function):
    """x * k for a plain number k: one gradient per forward input, None for k."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.k, None


def test_a_custom_op_with_a_non_differentiable_argument_passes_gradcheck():
    assert gradcheck(lambda x: Scale.apply(x, 2.5), Value(-0.75))
    report = gradcheck(Scale.apply, (leaf([1.0, -2.0]), 2.5))
    assert [r.index for r in report.inputs] == [0]  # the number is passed through, unchecked


class WrongSquare(Function):
    """x ** 2 with a wrong derivative: 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


def test_a_wrong_derivative_of_a_value_is_caught():
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, Value(1.5))
    message = str(info.value)
    assert "FAIL" in message
    assert "analytic: 4.5" in message  # 3 * 1.5, what backward said
    assert "numeric:  3." in message  # 2 * 1.5, the central difference


def test_a_wrong_derivative_of_a_tensor_is_caught():
    x = np.array([1.0, -2.0, 0.5])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: WrongSquare.apply(t).sum(), leaf(x))
    message = str(info.value)
    assert "FAIL" in message
    assert np.array2string(3 * x, precision=6) in message
    assert np.array2string(2 * x, precision=6) in message


def test_a_wrong_derivative_with_a_non_scalar_output_is_caught():
    with pytest.raises(GradcheckError):
        gradcheck(WrongSquare.apply, leaf([[1.0, 2.0], [-3.0, 0.5]]))


def test_raise_exception_false_returns_a_false_report():
    x = np.array([1.0, -2.0, 0.5])
    report = gradcheck(lambda t: WrongSquare.apply(t).sum(), leaf(x), raise_exception=False)
    assert not report and not report.ok
    (entry,) = report.inputs
    assert not entry.ok
    np.testing.assert_allclose(entry.analytic, 3 * x)
    np.testing.assert_allclose(entry.numeric, 2 * x, rtol=1e-8)
    assert entry.max_abs_error == pytest.approx(np.max(np.abs(x)), rel=1e-8)
    assert entry.max_rel_error == pytest.approx(0.5, rel=1e-8)


def test_only_the_wrong_input_fails():
    report = gradcheck(lambda a, b: WrongSquare.apply(a) + b * b, (Value(2.0), Value(3.0)),
                       raise_exception=False)
    assert [r.ok for r in report.inputs] == [False, True]
    assert "FAIL" in str(report) and "ok" in str(report)


# -- the report ---------------------------------------------------------------------------------


def test_report_of_values_lists_each_input():
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp(), (Value(0.3), Value(-1.2)))
    assert report and report.ok
    assert [r.index for r in report.inputs] == [0, 1]
    a, b = 0.3, -1.2
    sech2 = 1 - math.tanh(a * b) ** 2
    expected = [b * sech2 + math.exp(a), a * sech2]
    for entry, want in zip(report.inputs, expected, strict=True):
        assert entry.ok
        assert float(entry.analytic) == pytest.approx(want, rel=1e-12)
        assert float(entry.numeric) == pytest.approx(want, rel=1e-8)
        assert entry.max_abs_error == pytest.approx(abs(entry.analytic - entry.numeric))
        assert entry.max_abs_error < 1e-8 and entry.max_rel_error < 1e-6


def test_report_of_a_scalar_tensor_function_holds_its_gradient():
    """For a scalar output the analytic and numeric columns are the gradient itself."""
    x = np.array([1.0, 2.0, -0.5])
    report = gradcheck(lambda t: (t * t).sum(), leaf(x))
    (entry,) = report.inputs
    np.testing.assert_allclose(entry.analytic, 2 * x, rtol=1e-12)
    np.testing.assert_allclose(entry.numeric, 2 * x, rtol=1e-8)


def test_report_skips_inputs_that_need_no_gradient():
    w = leaf([[0.5, -1.0], [2.0, 0.25]])
    fixed = Tensor(np.array([1.0, 3.0]))  # requires_grad=False: passed through
    report = gradcheck(lambda w, x, k: ((x @ w) * k).tanh().sum(), (w, fixed, 0.5))
    assert [r.index for r in report.inputs] == [0]
    assert report.inputs[0].analytic.shape == w.shape == report.inputs[0].numeric.shape


def test_gradcheck_works_on_float64_copies_and_leaves_the_inputs_alone():
    x = Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True)
    before = x.numpy().copy()
    report = gradcheck(lambda t: (t * t).tanh(), x)
    assert report.inputs[0].analytic.dtype == np.float64
    assert x.grad is None
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.dtype == np.float32
    v = Value(0.5)
    assert gradcheck(lambda s: s.exp(), v)
    assert (v.data, v.grad) == (0.5, 0.0)


def test_gradcheck_without_a_differentiable_input_says_so():
    with pytest.raises(ValueError, match="requires grad"):
        gradcheck(lambda t: t.sum(), Tensor(np.ones(3)))


# -- it passes correct ops ----------------------------------------------------------------------


@given(safe_floats(-3.0, 3.0), safe_floats(0.1, 3.0))
def test_gradcheck_passes_a_composite_value_function(a, b):
    report = gradcheck(lambda x, y: (x * y).sigmoid() * y.log() + (x - y) ** 2 / y, (Value(a),
                                                                                     Value(b)))
    assert len(report.inputs) == 2


@given(broadcastable_shapes(2, max_dims=2, max_side=3).flatmap(
    lambda shapes: arrays(shapes[0]).flatmap(lambda a: arrays(shapes[1]).map(lambda b: (a, b)))
))
def test_gradcheck_passes_a_broadcasting_tensor_function(pair):
    a, b = pair
    report = gradcheck(lambda s, t: (s * t + s).tanh() - t.exp() * 0.1, (leaf(a), leaf(b)))
    assert [r.analytic.shape for r in report.inputs] == [a.shape, b.shape]


def test_gradcheck_passes_matmul_and_reductions():
    autograd.manual_seed(0)
    a, b = leaf(autograd.randn(3, 4).numpy()), leaf(autograd.randn(4, 2).numpy())
    assert gradcheck(lambda s, t: (s @ t).softmax(axis=-1).log().mean(), (a, b))


# -- autograd.testing: the strategies property tests are built from ------------------------------


def test_the_three_line_example_in_autograd_testing_runs():
    import doctest

    import autograd.testing

    result = doctest.testmod(autograd.testing)
    assert result.attempted >= 4 and result.failed == 0


@given(st.data())
def test_strategies_draw_what_they_promise(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    assert 1 <= len(shape) <= 3 and all(2 <= n <= 3 for n in shape)
    x = data.draw(arrays(shape, dtype=np.float32, min_value=-0.1, max_value=0.7))
    assert x.shape == shape and x.dtype == np.float32
    assert np.all((x >= -0.1) & (x <= 0.7)) and np.all(np.isfinite(x))
    axis = data.draw(valid_axes(x.ndim))
    assert np.sum(x, axis=axis).ndim < x.ndim  # valid, and reduces at least one axis
    a, b, c = data.draw(broadcastable_shapes(3))
    np.broadcast_shapes(a, b, c)
    y = data.draw(floats_away_from([0.0, 1.0], margin=0.05, min_value=-2.0, max_value=2.0))
    assert -2.0 <= y <= 2.0 and abs(y) >= 0.05 and abs(y - 1.0) >= 0.05
    f = data.draw(safe_floats())
    assert math.isfinite(f) and (f == 0.0 or abs(f) >= np.finfo(np.float64).tiny)


def test_strategies_refuse_impossible_requests():
    with pytest.raises(ValueError, match="no float"):
        floats_away_from([0.0], margin=1.0, min_value=-0.5, max_value=0.5)
    with pytest.raises(ValueError, match="ndim=0"):
        valid_axes(0, allow_none=False)
