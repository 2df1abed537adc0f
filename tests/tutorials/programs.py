"""The programs of PyTorch's beginner tutorials ("Learning PyTorch with Examples": the
polynomial fits of examples_tensor, examples_autograd and examples_nn, the two-layer ReLU nets
of the same chapters, and dynamic_net), each written out step by step with the tutorial's
operations, shapes, learning rates and iteration counts, as a function of the ``torch`` module
it runs on. Nothing in a program knows which library it got. To keep the tests quick, two
counts are cut (the same for both libraries): the two-layer nets run 200 steps (the tutorials:
500) and dynamic_net 2000, printing every 250 (the tutorial: 30000, printing every 2000).

``dtype`` is the tutorial's ``torch.float``, or ``"float64"`` for a second, tighter comparison
(the programs without a dtype of their own get float64 from set_default_dtype instead).
"""

from __future__ import annotations

import math
import random

# -- a third-order polynomial fitted to sin(x) on [-pi, pi] ---------------------------------------


def polynomial_tensor(torch, dtype: str = "float", steps: int = 2000) -> None:
    """examples_tensor: the forward pass, the gradients and the update all written by hand."""
    dtype = getattr(torch, dtype)
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), device=device, dtype=dtype) for _ in range(4))
    learning_rate = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x.pow(2) + d * x.pow(3)
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, loss)
        # d loss / d y_pred, then the chain rule back to each coefficient
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = torch.matmul(input=grad_y_pred, other=x).sum()
        grad_c = torch.matmul(input=grad_y_pred, other=x.pow(2)).sum()
        grad_d = torch.matmul(input=grad_y_pred, other=x.pow(3)).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")


def polynomial_autograd(torch, dtype: str = "float", steps: int = 2000) -> None:
    """examples_autograd: autograd finds the gradients; the update runs under no_grad."""
    dtype = getattr(torch, dtype)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), dtype=dtype, requires_grad=True) for _ in range(4))
    learning_rate = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            for w in (a, b, c, d):
                w -= learning_rate * w.grad
            a.grad = b.grad = c.grad = d.grad = None
    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")


def polynomial_custom_function(torch, dtype: str = "float", steps: int = 2000) -> None:
    """examples_autograd: y = a + b P3(c + d x), P3 the Legendre polynomial of degree 3, as an
    autograd.Function with its own forward and backward."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)  # P3(x) = (5x^3 - 3x) / 2

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)  # P3'(x) = 3 (5x^2 - 1) / 2

    dtype = getattr(torch, dtype)
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    # a start near the answer, as the tutorial needs for this model to converge
    a, b, c, d = (torch.full((), v, device=device, dtype=dtype, requires_grad=True)
                  for v in (0.0, -1.0, 0.0, 0.3))
    learning_rate = 5e-6
    for t in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            for w in (a, b, c, d):
                w -= learning_rate * w.grad
                w.grad = None
    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")


def _powers(torch):
    """x in [-pi, pi], sin(x), and the columns (x, x^2, x^3) the nn versions feed a Linear."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    return x.unsqueeze(-1).pow(p), y  # (2000, 1) ** (3,) broadcasts to (2000, 3)


def _report(model) -> None:
    layer = model[0]
    w = layer.weight
    print(f"Result: y = {layer.bias.item()} + {w[:, 0].item()} x + {w[:, 1].item()} x^2 + "
          f"{w[:, 2].item()} x^3")


def polynomial_nn(torch, steps: int = 2000) -> None:
    """examples_nn: nn.Sequential(Linear(3, 1), Flatten(0, 1)), a summed MSE, and the update
    written as a loop over model.parameters() under no_grad."""
    xx, y = _powers(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    _report(model)


def polynomial_optim(torch, steps: int = 2000) -> None:
    """examples_nn: the same model trained by torch.optim.RMSprop."""
    xx, y = _powers(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(steps):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    _report(model)


def polynomial_module(torch, steps: int = 2000) -> None:
    """examples_nn: the polynomial as a custom nn.Module with four Parameters, trained by SGD."""

    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                    f"{self.d.item()} x^3")

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(steps):
        loss = criterion(model(x), y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"Result: {model.string()}")


def dynamic_net(torch, steps: int = 2000, every: int = 250) -> None:
    """examples_nn/dynamic_net: each forward pass draws 4 or 5 from Python's random and reuses
    the parameter e for every order above 3 (control flow and weight sharing); SGD with
    momentum."""

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for exp in range(4, random.randint(4, 6)):
                y = y + self.e * x**exp
            return y

        def string(self):
            return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                    f"{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?")

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(steps):
        loss = criterion(model(x), y)
        if t % every == every - 1:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"Result: {model.string()}")


# -- a two-layer ReLU net without biases fitted to random data ------------------------------------

N, D_IN, H, D_OUT = 64, 1000, 100, 10  # batch, input, hidden and output sizes


def two_layer_net_tensor(torch, dtype: str = "float", steps: int = 200) -> None:
    """examples_tensor: forward and backward by hand, the ReLU's gradient masked with
    ``grad_h[h < 0] = 0``."""
    dtype = getattr(torch, dtype)
    device = torch.device("cpu")
    x = torch.randn(N, D_IN, device=device, dtype=dtype)
    y = torch.randn(N, D_OUT, device=device, dtype=dtype)
    w1 = torch.randn(D_IN, H, device=device, dtype=dtype)
    w2 = torch.randn(H, D_OUT, device=device, dtype=dtype)
    learning_rate = 1e-6
    for t in range(steps):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum().item()
        print(t, loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2


def two_layer_net_autograd(torch, dtype: str = "float", steps: int = 200) -> None:
    """examples_autograd: autograd for the backward pass, the update under no_grad, the
    gradients cleared with ``grad.zero_()``."""
    dtype = getattr(torch, dtype)
    device = torch.device("cpu")
    x = torch.randn(N, D_IN, device=device, dtype=dtype)
    y = torch.randn(N, D_OUT, device=device, dtype=dtype)
    w1 = torch.randn(D_IN, H, device=device, dtype=dtype, requires_grad=True)
    w2 = torch.randn(H, D_OUT, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()


def two_layer_net_custom_function(torch, dtype: str = "float", steps: int = 200) -> None:
    """examples_autograd: the ReLU as an autograd.Function whose backward clones the incoming
    gradient and zeroes it where the input was negative."""

    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    dtype = getattr(torch, dtype)
    device = torch.device("cpu")
    x = torch.randn(N, D_IN, device=device, dtype=dtype)
    y = torch.randn(N, D_OUT, device=device, dtype=dtype)
    w1 = torch.randn(D_IN, H, device=device, dtype=dtype, requires_grad=True)
    w2 = torch.randn(H, D_OUT, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(steps):
        relu = MyReLU.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()


def two_layer_net_nn(torch, steps: int = 200) -> None:
    """examples_nn: nn.Sequential(Linear, ReLU, Linear), a summed MSE, the update as a loop
    over the parameters under no_grad."""
    x = torch.randn(N, D_IN)
    y = torch.randn(N, D_OUT)
    model = torch.nn.Sequential(
        torch.nn.Linear(D_IN, H),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_OUT),
    )
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-4
    for t in range(steps):
        loss = loss_fn(model(x), y)
        print(t, loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad


def two_layer_net_optim(torch, steps: int = 200) -> None:
    """examples_nn: the same net trained by torch.optim.Adam."""
    x = torch.randn(N, D_IN)
    y = torch.randn(N, D_OUT)
    model = torch.nn.Sequential(
        torch.nn.Linear(D_IN, H),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_OUT),
    )
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    for t in range(steps):
        loss = loss_fn(model(x), y)
        print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def two_layer_net_module(torch, steps: int = 200) -> None:
    """examples_nn: the net as a custom nn.Module of two Linear layers, trained by SGD."""

    class TwoLayerNet(torch.nn.Module):
        def __init__(self, D_in, H, D_out):
            super().__init__()
            self.linear1 = torch.nn.Linear(D_in, H)
            self.linear2 = torch.nn.Linear(H, D_out)

        def forward(self, x):
            h_relu = self.linear1(x).clamp(min=0)
            return self.linear2(h_relu)

    x = torch.randn(N, D_IN)
    y = torch.randn(N, D_OUT)
    model = TwoLayerNet(D_IN, H, D_OUT)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    for t in range(steps):
        loss = criterion(model(x), y)
        print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
