"""Lesson 001's worked examples, computed by the engine.

- "Ejemplo Práctico": input [2, 3] through a 2 -> 2 -> 1 network with linear activations,
  prediction 1.481, error ½(1.481 − 1)² ≈ 0.1157 (the slide shows 0.11), then every weight's
  gradient by the chain rule.
- The batch example: per-example gradients (1.5, -2, 1.1, 0.4, -0.9) and
  (1.2, 2.3, -1.1, -0.8, -0.7) are averaged into the batch gradient (1.35, 0.15, 0, -0.2, -0.8).
"""

import math

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, dot, no_grad

X = [2.0, 3.0]
W1 = [[0.11, 0.12], [0.21, 0.08]]  # W1[i][j]: from input i to hidden unit j (x @ W1)
B1 = [1.0, 1.0]
W2 = [0.14, 0.15]  # the 2 x 1 column, from hidden unit j to the output
B2 = 1.0
TARGET = 1.0


def make_parameters() -> dict[str, Value]:
    params = {f"W1[{i}][{j}]": Value(W1[i][j], label=f"W1[{i}][{j}]")
              for i in range(2) for j in range(2)}
    params |= {f"b1[{j}]": Value(B1[j], label=f"b1[{j}]") for j in range(2)}
    params |= {f"W2[{j}]": Value(W2[j], label=f"W2[{j}]") for j in range(2)}
    params["b2"] = Value(B2, label="b2")
    return params


def forward_with_ops(p: dict[str, Value]) -> tuple[list[Value], Value, Value]:
    """The slide's formula written out: h_j = x_1 W1_1j + x_2 W1_2j + b1_j, y = h W2 + b2."""
    hidden = [X[0] * p[f"W1[0][{j}]"] + X[1] * p[f"W1[1][{j}]"] + p[f"b1[{j}]"]
              for j in range(2)]
    y = hidden[0] * p["W2[0]"] + hidden[1] * p["W2[1]"] + p["b2"]
    error = 0.5 * (y - TARGET) ** 2
    return hidden, y, error


def forward_with_dot(p: dict[str, Value]) -> tuple[list[Value], Value, Value]:
    """The same network, one dot node per neuron."""
    hidden = [dot([p[f"W1[0][{j}]"], p[f"W1[1][{j}]"]], X, p[f"b1[{j}]"]) for j in range(2)]
    y = dot([p["W2[0]"], p["W2[1]"]], hidden, p["b2"])
    error = 0.5 * (y - TARGET) ** 2
    return hidden, y, error


FORWARDS = [forward_with_ops, forward_with_dot]


def closed_form_gradients() -> dict[str, float]:
    """dE/dθ by hand. With δ = y − t: dE/db2 = δ, dE/dW2_j = δ h_j, dE/db1_j = δ W2_j and
    dE/dW1_ij = δ W2_j x_i."""
    h = [X[0] * W1[0][j] + X[1] * W1[1][j] + B1[j] for j in range(2)]
    delta = h[0] * W2[0] + h[1] * W2[1] + B2 - TARGET
    grads = {f"W1[{i}][{j}]": delta * W2[j] * X[i] for i in range(2) for j in range(2)}
    grads |= {f"b1[{j}]": delta * W2[j] for j in range(2)}
    grads |= {f"W2[{j}]": delta * h[j] for j in range(2)}
    grads["b2"] = delta
    return grads


@pytest.mark.parametrize("forward", FORWARDS)
def test_forward_pass_gives_the_slides_numbers(forward):
    hidden, y, error = forward(make_parameters())
    assert [h.data for h in hidden] == pytest.approx([1.85, 1.48], abs=1e-12)
    assert y.data == pytest.approx(1.481, abs=1e-12)
    assert error.data == pytest.approx(0.5 * (1.481 - 1) ** 2, abs=1e-12)
    assert round(error.data, 4) == 0.1157
    assert math.floor(error.data * 100) / 100 == 0.11  # the slide cuts it to two decimals


@pytest.mark.parametrize("forward", FORWARDS)
def test_every_gradient_matches_the_chain_rule_by_hand(forward):
    params = make_parameters()
    _, _, error = forward(params)
    error.backward()
    expected = closed_form_gradients()
    assert set(expected) == set(params)
    for name, p in params.items():
        assert p.grad == pytest.approx(expected[name], rel=1e-12), name


@pytest.mark.parametrize("forward", FORWARDS)
def test_every_gradient_matches_central_differences(forward):
    params = make_parameters()
    _, _, error = forward(params)
    error.backward()
    h = 1e-6
    for name, p in params.items():
        original = p.data
        with no_grad():
            p.data = original + h
            up = forward(params)[2].data
            p.data = original - h
            down = forward(params)[2].data
        p.data = original
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9), name


def test_one_gradient_step_lowers_the_error():
    """W = W - ε dError/dW, the slide's update rule, with ε = 0.1."""
    params = make_parameters()
    before = forward_with_ops(params)[2]
    before.backward()
    for p in params.values():
        p.data -= 0.1 * p.grad
    after = forward_with_ops(params)[2]
    assert after.data < before.data


def test_the_same_network_with_tensors():
    x = Tensor([X], dtype=np.float64)  # a row vector, 1 x 2
    w1 = Tensor(W1, dtype=np.float64, requires_grad=True)
    b1 = Tensor(B1, dtype=np.float64, requires_grad=True)
    w2 = Tensor([[w] for w in W2], dtype=np.float64, requires_grad=True)
    b2 = Tensor([B2], dtype=np.float64, requires_grad=True)
    hidden = x @ w1 + b1
    y = hidden @ w2 + b2
    error = (0.5 * (y - TARGET) ** 2).sum()
    np.testing.assert_allclose(hidden.numpy(), [[1.85, 1.48]], atol=1e-12)
    assert y.item() == pytest.approx(1.481, abs=1e-12)
    error.backward()
    g = closed_form_gradients()
    np.testing.assert_allclose(w1.grad.numpy(), [[g[f"W1[{i}][{j}]"] for j in range(2)]
                                              for i in range(2)], rtol=1e-12)
    np.testing.assert_allclose(b1.grad.numpy(), [g["b1[0]"], g["b1[1]"]], rtol=1e-12)
    np.testing.assert_allclose(w2.grad.numpy(), [[g["W2[0]"]], [g["W2[1]"]]], rtol=1e-12)
    np.testing.assert_allclose(b2.grad.numpy(), [g["b2"]], rtol=1e-12)


# -- the batch gradient is the average of the per-example gradients ------------------------------

EXAMPLE_GRADIENTS = [(1.5, -2.0, 1.1, 0.4, -0.9), (1.2, 2.3, -1.1, -0.8, -0.7)]
SLIDE_AVERAGE = (1.35, 0.15, 0.0, -0.2, -0.8)


def test_the_slides_average_is_the_mean():
    np.testing.assert_allclose(np.mean(EXAMPLE_GRADIENTS, axis=0), SLIDE_AVERAGE, atol=1e-12)


def test_batch_of_two_averages_the_example_gradients_with_values():
    """loss_k = g_k · w has gradient g_k; the batch loss (loss_1 + loss_2) / 2 has their mean."""
    w = [Value(0.0, label=f"w{i}") for i in range(5)]
    losses = [dot(g, w) for g in EXAMPLE_GRADIENTS]
    for loss, g in zip(losses, EXAMPLE_GRADIENTS, strict=True):
        loss.zero_grad()
        loss.backward()
        assert [v.grad for v in w] == list(g)  # each example's own gradient
    losses[0].zero_grad()
    batch = (losses[0] + losses[1]) / 2
    batch.backward()
    assert [v.grad for v in w] == pytest.approx(SLIDE_AVERAGE, abs=1e-12)


def test_batch_of_two_averages_the_example_gradients_with_tensors():
    w = Tensor(np.zeros(5), requires_grad=True)
    examples = Tensor(EXAMPLE_GRADIENTS, dtype=np.float64)
    (examples @ w).mean().backward()
    np.testing.assert_allclose(w.grad.numpy(), SLIDE_AVERAGE, atol=1e-12)


def test_a_mean_reduced_loss_averages_per_example_gradients():
    """For any model: the gradient of the batch-mean loss is the mean of the gradients of each
    example's loss, computed one example at a time."""
    autograd.manual_seed(1)
    inputs = autograd.randn(6, 4).double().numpy()
    targets = autograd.randn(6, 1).double().numpy()
    w = Tensor(autograd.randn(4, 1).double().numpy(), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)

    def loss(x, t):
        return ((Tensor(x) @ w + b).tanh() - Tensor(t)) ** 2

    per_example = []
    for k in range(len(inputs)):
        w.grad = b.grad = None
        loss(inputs[k:k + 1], targets[k:k + 1]).sum().backward()
        per_example.append((w.grad.numpy().copy(), b.grad.numpy().copy()))
    w.grad = b.grad = None
    loss(inputs, targets).mean().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.mean([g[0] for g in per_example], axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), np.mean([g[1] for g in per_example], axis=0),
                               rtol=1e-12)
