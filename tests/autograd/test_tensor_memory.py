"""A Tensor graph is freed by reference counting alone: no reference cycles, saved values
released by backward (unless retain_graph=True), and nothing left for the cyclic collector."""

import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.graph import FREED, Kept, nodes_below

from .collector import collector_off, cycle_garbage


def mlp_loss(params, anomaly: bool = False):
    """A small classifier's loss, with most op families in it; returns (loss, intermediates)."""
    w1, b1, w2 = params
    x = ag.randn(6, 4, dtype=np.float64)
    target = np.arange(6) % 3
    with ag.detect_anomaly(anomaly):
        hidden = (x @ w1 + b1).relu()
        mixed = ag.cat(ag.split(hidden, 2, dim=1), dim=1) * hidden.sigmoid()
        logits = mixed @ w2 + ag.where(mixed.sum(1, keepdims=True) > 0, 0.1, -0.1)
        picked = logits.log_softmax(-1)[np.arange(6), target]
        loss = -picked.mean() + 0.01 * (w1 * w1).sum() + logits.var() * 0.0 + logits.max() * 0.0
    return loss, [hidden, mixed, logits, picked]


def make_params():
    return (ag.randn(4, 5, dtype=np.float64, requires_grad=True),
            ag.zeros(5, dtype=np.float64, requires_grad=True),
            ag.randn(5, 3, dtype=np.float64, requires_grad=True))


@pytest.mark.parametrize("anomaly", [False, True])
@pytest.mark.parametrize("run_backward", [False, True])
def test_graph_is_freed_when_the_loss_goes_out_of_scope(run_backward, anomaly):
    params = make_params()
    with collector_off():
        loss, intermediates = mlp_loss(params, anomaly)
        if run_backward:
            loss.backward()
        refs = [weakref.ref(t) for t in (*intermediates, *nodes_below(loss)[1:])
                if not t.is_leaf]
        refs.append(weakref.ref(loss))
        assert all(r() is not None for r in refs)
        del loss, intermediates
        dead = [r() is None for r in refs]
    assert all(dead), f"{dead.count(False)} of {len(refs)} graph nodes are still alive"
    for p in params:  # the leaves live on, with their gradients
        assert p.numpy() is not None and (p.grad is not None) == run_backward


def test_backward_releases_what_each_op_saved():
    params = make_params()
    loss, _ = mlp_loss(params)
    inner = [n for n in nodes_below(loss) if not n.is_leaf]
    saving = [n for n in inner if not isinstance(n._saved, Kept)]
    assert len(saving) >= 8  # matmul, relu, sigmoid, mul, log_softmax, getitem, var, max...
    saved_arrays = [weakref.ref(s) for n in saving
                    for s in (n._saved if isinstance(n._saved, tuple) else (n._saved,))
                    if isinstance(s, np.ndarray)]
    assert saved_arrays  # e.g. var's centred copy and getitem's key
    loss.backward()
    assert all(n._saved is FREED for n in saving)
    saving_ids = {id(n) for n in saving}  # not `in`: == on tensors is elementwise
    assert all(isinstance(n._saved, Kept) for n in inner if id(n) not in saving_ids)
    assert all(r() is None for r in saved_arrays)  # released at once, not at loss's death


def test_retain_graph_keeps_what_each_op_saved():
    params = make_params()
    loss, _ = mlp_loss(params)
    saving = [n for n in nodes_below(loss) if not n.is_leaf and not isinstance(n._saved, Kept)]
    before = [n._saved for n in saving]
    loss.backward(retain_graph=True)
    assert all(n._saved is s for n, s in zip(saving, before, strict=True))
    first = [p.grad.numpy().copy() for p in params]
    loss.backward()
    for p, g in zip(params, first, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), 2 * g)
    assert all(n._saved is FREED for n in saving)


def _training_step(params, anomaly: bool = False) -> None:
    loss, _ = mlp_loss(params, anomaly)
    loss.backward()
    with ag.no_grad():
        for p in params:
            p.data -= 0.1 * p.grad  # micrograd's habit: .data shares memory
            p.zero_grad()


def _autograd_objects(objects) -> list:
    return [o for o in objects if type(o).__module__.startswith("autograd")]


@pytest.mark.parametrize("anomaly", [False, True])
def test_a_training_step_leaves_nothing_for_the_cyclic_collector(anomaly):
    params = make_params()
    with cycle_garbage() as garbage:
        for _ in range(3):
            _training_step(params, anomaly)
    assert _autograd_objects(garbage) == []
    assert garbage == [], f"{len(garbage)} objects in reference cycles: {garbage[:10]}"


def test_hooks_retain_grad_and_grad_leave_nothing_for_the_cyclic_collector():
    params = make_params()
    with cycle_garbage() as garbage:
        loss, (hidden, *_) = mlp_loss(params)
        hidden.retain_grad()
        handle = hidden.register_hook(lambda g: g * 1.0)
        ag.grad(loss, list(params), retain_graph=True)
        loss.backward()
        handle.remove()
        del loss, hidden, handle
    assert _autograd_objects(garbage) == []
    assert garbage == []


def test_a_deep_chain_is_built_run_and_freed_without_recursion():
    x = ag.tensor([1.0], dtype=np.float64, requires_grad=True)
    with collector_off():
        y = x
        for _ in range(100_000):
            y = y * 1.0 + 0.0
        tail = weakref.ref(y)
        y.sum().backward()
        del y  # 200,000 nodes freed one after another by reference counting
        assert tail() is None
    np.testing.assert_allclose(x.grad.numpy(), [1.0])
