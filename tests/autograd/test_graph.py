"""The engine's rules on Value graphs: iterative backward, no reference cycles, accumulation
across backward calls, zero_grad, grad mode switches and anomaly mode."""

import gc
import math
import sys
import weakref

import pytest

from autograd import (
    AnomalyError,
    Function,
    Value,
    detect_anomaly,
    dot,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd.graph import nodes_below

from .collector import collector_off


@pytest.fixture
def gc_disabled():
    """Only reference counting frees objects while the test runs: a graph that needs the cyclic
    collector to go away stays alive and the test sees it."""
    with collector_off():
        yield


def _line_after_this() -> int:
    return sys._getframe(1).f_lineno + 1


# -- deep graphs --------------------------------------------------------------------------------


def test_million_op_chain_at_the_default_recursion_limit(gc_disabled):
    """y = x + x + ... + x, a chain one million ops deep: dy/dx = n + 1, with no recursion in
    backward, zero_grad or the freeing of the chain."""
    assert sys.getrecursionlimit() == 1000
    n = 1_000_000
    x = Value(0.5)
    first = y = x + x
    for _ in range(n - 1):
        y = y + x
    y.backward()
    assert x.grad == n + 1
    assert y.data == (n + 1) * 0.5
    assert first.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0 and first.grad == 0.0
    first_ref = weakref.ref(first)
    del first, y
    assert first_ref() is None  # freed by reference counting, without recursing either


# -- no reference cycles ------------------------------------------------------------------------


def _parameters() -> list:
    return [Value(0.3, label="w0"), Value(-0.7, label="w1"), Value(0.1, label="b")]


def _loss(params) -> Value:
    """Mean squared error of a sigmoid neuron on two examples, plus an L2 penalty."""
    w0, w1, b = params
    data = [([2.0, 3.0], 1.0), ([-1.0, 0.5], 0.0)]
    errors = [(dot([w0, w1], x, b).sigmoid() - t) ** 2 for x, t in data]
    return sum(errors, Value(0.0)) / len(errors) + (w0 * w0 + w1 * w1) * 0.01


@pytest.mark.parametrize("anomaly", [False, True], ids=["plain", "detect_anomaly"])
def test_a_graph_is_freed_by_reference_counting(gc_disabled, anomaly):
    params = _parameters()
    with detect_anomaly(anomaly):
        loss = _loss(params)
        loss.backward()
    refs = [weakref.ref(node) for node in nodes_below(loss) if node._backward is not None]
    assert len(refs) > 10
    del loss
    assert [r() for r in refs if r() is not None] == []
    assert all(p.grad != 0.0 for p in params)  # leaves live on with their gradients


def test_a_custom_function_node_is_freed_by_reference_counting(gc_disabled):
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = Value(3.0)
    y = Square.apply(x) + 1
    y.backward()
    assert x.grad == 6.0
    refs = [weakref.ref(node) for node in nodes_below(y) if node is not x]
    del y
    assert [r() for r in refs if r() is not None] == []


def test_a_training_step_leaves_nothing_for_the_cyclic_collector(gc_disabled):
    params = _parameters()
    losses = []
    for _ in range(3):
        loss = _loss(params)
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
        loss.zero_grad()
        losses.append(loss.data)
        del loss
    assert losses[2] < losses[0]  # the step did train
    assert gc.collect() == 0


# -- repeated backward --------------------------------------------------------------------------


def test_leaves_accumulate_and_intermediates_do_not_across_backward_calls():
    x, w, b = Value(2.0), Value(-3.0), Value(0.5)
    m = x * w
    y = m + b
    y.backward()
    assert (x.grad, w.grad, b.grad, m.grad, y.grad) == (-3.0, 2.0, 1.0, 1.0, 1.0)
    y.backward()
    assert (x.grad, w.grad, b.grad) == (-6.0, 4.0, 2.0)  # leaves: summed over both calls
    assert (m.grad, y.grad) == (1.0, 1.0)  # intermediates: afresh, never double-counted
    y.backward(retain_graph=False)  # a Value graph is never freed: a third call works too
    assert x.grad == -9.0


def test_two_roots_add_into_a_shared_leaf_but_not_into_a_shared_intermediate():
    x = Value(3.0)
    h = x * x
    y1, y2 = h * 2, h * 5
    y1.backward()
    assert (h.grad, x.grad) == (2.0, 12.0)
    y2.backward()
    assert h.grad == 5.0  # what y2 sends, not 2 + 5
    assert x.grad == 12.0 + 30.0


def test_zero_grad_clears_every_node_below_and_nothing_else():
    x, w = Value(2.0), Value(4.0)
    y = (x * w).tanh() + w
    other = x * 10
    other.backward()
    y.backward()
    assert x.grad != 0.0 and other.grad == 1.0
    y.zero_grad()
    assert all(node.grad == 0.0 for node in nodes_below(y))
    assert other.grad == 1.0
    y.backward()
    assert x.grad == pytest.approx(w.data * (1 - math.tanh(8.0) ** 2), rel=1e-12)


def test_an_error_in_backward_leaves_the_graph_usable():
    class FailsOnce(Function):
        failed = False

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            if not FailsOnce.failed:
                FailsOnce.failed = True
                raise ValueError("boom")
            return grad * 2

    x = Value(1.5)
    y = FailsOnce.apply(x * x) + x
    with pytest.raises(ValueError, match="boom"):
        y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 4 * 1.5 + 1


# -- grad mode ----------------------------------------------------------------------------------


def _records(v: Value) -> bool:
    y = v * 2
    return y._parents != () and y._backward is not None


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3).exp() + x
        assert y._parents == () and y._backward is None
        assert y.data == pytest.approx(math.exp(6.0) + 2.0)
    assert is_grad_enabled()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()
    assert x.grad == 0.0


def test_no_grad_and_friends_nest_and_restore():
    x = Value(1.0)
    with no_grad():
        with enable_grad():
            assert _records(x)
            with set_grad_enabled(False):
                assert not _records(x)
            assert _records(x)
        assert not _records(x)
        with no_grad():
            assert not _records(x)
        assert not _records(x)
    assert _records(x)
    with set_grad_enabled(True):
        assert _records(x)


def test_grad_mode_is_restored_after_an_exception():
    for make in (no_grad, enable_grad, lambda: set_grad_enabled(False)):
        with pytest.raises(KeyError):
            with no_grad():
                with make():
                    raise KeyError("inside")
        assert is_grad_enabled()


def test_set_grad_enabled_as_a_statement_switches_at_once_as_in_torch():
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled()
        assert (Value(2.0) * 3)._parents == ()
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()


@no_grad
def _bare(v):
    """Doubles v without recording."""
    return v * 2


@no_grad()
def _called(v):
    return v * 2


@set_grad_enabled(False)
def _switched_off(v):
    return v * 2


@enable_grad()
def _switched_on(v):
    return v * 2


@no_grad
def _raises():
    raise ZeroDivisionError("in a decorated function")


def test_decorators_bare_and_called():
    x = Value(1.0)
    for fn in (_bare, _called, _switched_off):
        y = fn(x)
        assert y.data == 2.0 and y._parents == ()
        assert is_grad_enabled()
    with no_grad():
        assert _switched_on(x)._parents[0] is x
        assert not is_grad_enabled()
    assert _bare.__name__ == "_bare" and "Doubles" in _bare.__doc__
    with pytest.raises(ZeroDivisionError):
        _raises()
    assert is_grad_enabled()


def test_no_grad_given_something_not_callable_names_it():
    with pytest.raises(TypeError, match="42"):
        no_grad(42)


# -- anomaly mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "make"),
    [("log", lambda: Value(-1.0).log()), ("/", lambda: Value(0.0) / 0.0),
     ("*", lambda: Value(0.0) * math.inf), ("sqrt", lambda: Value(-1.0).sqrt())],
)
def test_anomaly_in_forward_names_the_op_and_the_calling_line(op, make):
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        make()
    message = str(info.value)
    assert f"op '{op}' produced nan in its forward pass" in message
    assert f"{__file__}:" in message


@pytest.mark.parametrize(
    ("make", "expected"),
    [(lambda: Value(0.0).log(), -math.inf), (lambda: Value(1.0) / 0.0, math.inf),
     (lambda: Value(1000.0).exp(), math.inf)],
)
def test_anomaly_mode_lets_a_forward_inf_through_as_torch_does(make, expected):
    with detect_anomaly():
        assert make().data == expected  # log(0) or a -inf mask is legitimate in a forward pass


def test_anomaly_in_forward_points_at_this_file_and_line():
    x = Value(-1.0)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = _line_after_this()
        x.log()
    assert "'log'" in str(info.value)
    assert f"{__file__}:{line} in test_anomaly_in_forward_points_at_this_file_and_line" in str(
        info.value
    )
    assert isinstance(info.value, FloatingPointError)


def test_anomaly_in_backward_names_the_op_and_where_it_was_made():
    x = Value(0.0)
    with detect_anomaly():
        line = _line_after_this()
        y = x.sqrt() * 3  # sqrt(0) = 0 is fine; its derivative 1 / (2 sqrt(0)) is not
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "backward of op 'sqrt'" in message
    assert f"{__file__}:{line}" in message


def test_anomaly_mode_is_off_after_it_raised():
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(-1.0).log()
    assert math.isnan(Value(-1.0).log().data)


@detect_anomaly()
def _anomalous_division(a, b):
    return a / b


def test_detect_anomaly_as_a_decorator():
    assert _anomalous_division(Value(1.0), Value(2.0)).data == 0.5
    with pytest.raises(AnomalyError, match="'/'"):
        _anomalous_division(Value(0.0), Value(0.0))
    assert _anomalous_division(Value(1.0), Value(0.0)).data == math.inf  # an inf passes
    assert (Value(1.0) / 0.0).data == math.inf


def test_without_detect_anomaly_nan_and_inf_just_propagate():
    x = Value(0.0)
    y = x.sqrt() * 3 + Value(-1.0).log()
    assert math.isnan(y.data)
    y.backward()
    assert x.grad == math.inf
    with detect_anomaly(False):
        assert Value(0.0).log().data == -math.inf
