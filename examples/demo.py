"""retrograd's demo: lesson 001 ("Entrenamiento de la red neuronal"), drawn and trained.

1. The lesson's worked example, built from Values: inputs [2, 3], one hidden layer of two
   linear neurons, one output. Forward gives 1.481 and the error 1/2 (1.481 - 1)^2 = 0.1157;
   backward gives every weight's gradient, and the whole graph is drawn to demo_out/.
2. The lesson's classifier, 4 -> 8 -> 9 -> 3 with ReLU, trained on the Iris data with
   CrossEntropyLoss and Adam(lr=0.1) for 100 epochs, under a tqdm bar, with the lesson's loop.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import tqdm

import autograd
import nn
import nn.functional as F
from autograd import Value, draw_graph
from nn import optim

OUT = "demo_out"


def worked_example() -> None:
    print("== Lesson 001, 'Ejemplo Práctico': forward, error, backward ==")
    x = [Value(2.0, "x1"), Value(3.0, "x2")]
    # The slide's weight matrix [[w1, w3], [w2, w4]]: column j feeds hidden neuron j.
    W1 = [[Value(0.11, "w1"), Value(0.12, "w3")], [Value(0.21, "w2"), Value(0.08, "w4")]]
    b1 = [Value(1.0, "b1"), Value(1.0, "b2")]
    W2 = [Value(0.14, "w5"), Value(0.15, "w6")]
    b2 = Value(1.0, "b3")
    hidden = [x[0] * W1[0][j] + x[1] * W1[1][j] + b1[j] for j in range(2)]
    for j, h in enumerate(hidden):
        h.label = f"h{j + 1}"
    prediction = hidden[0] * W2[0] + hidden[1] * W2[1] + b2
    prediction.label = "prediction"
    error = 0.5 * (prediction - 1.0) ** 2
    error.label = "error"
    error.backward()

    print(f"hidden layer: [{hidden[0].data:.2f}, {hidden[1].data:.2f}]   (slide: [1.85, 1.48])")
    print(f"prediction:   {prediction.data:.3f}          (slide: 1.481)")
    print(f"error:        {error.data:.4f}         (slide: 0.11)")
    print("gradients of the error (what backpropagation gives each weight):")
    for v in [*W1[0], *W1[1], *b1, *W2, b2]:
        print(f"  d error / d {v.label:<3} = {v.grad:+.6f}")

    drawing = draw_graph(error)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "lesson001_worked_example.svg")
    try:
        drawing.render(path, format="svg")
        print(f"graph drawn to {path}")
    except RuntimeError as err:  # no Graphviz renderer on this machine
        with open(os.path.join(OUT, "lesson001_worked_example.dot"), "w") as f:
            f.write(drawing.source)
        print(f"graph written as DOT text only: {err}")


class MyFirstModel(nn.Module):
    """The lesson's MyFirstPytorchModel, with retrograd's names."""

    def __init__(self, input_features=4, hidden_layer_1=8, hidden_layer_2=9, output_features=3):
        super().__init__()
        self.fully_connected_1 = nn.Linear(input_features, hidden_layer_1)
        self.fully_connected_2 = nn.Linear(hidden_layer_1, hidden_layer_2)
        self.output = nn.Linear(hidden_layer_2, output_features)

    def forward(self, x):
        x = F.relu(self.fully_connected_1(x))
        x = F.relu(self.fully_connected_2(x))
        return self.output(x)


def load_iris(seed: int):
    try:
        from sklearn.datasets import load_iris as sklearn_iris
    except ImportError:
        sys.exit("the Iris part of the demo needs scikit-learn: pip install 'retrograd[datasets]'")
    data = sklearn_iris()
    order = np.random.default_rng(seed).permutation(len(data.target))
    cut = int(0.8 * len(order))
    train, test = order[:cut], order[cut:]
    return (data.data[train], data.target[train]), (data.data[test], data.target[test])


def train_iris(seed: int = 41) -> None:
    print("\n== Lesson 001, 'Backpropagation: Ejemplo Práctico': the Iris classifier ==")
    (X_train, y_train), (X_test, y_test) = load_iris(seed)
    X_train, X_test = autograd.tensor(X_train), autograd.tensor(X_test)
    y_train, y_test = autograd.tensor(y_train), autograd.tensor(y_test)

    autograd.manual_seed(seed)  # torch.manual_seed(seed) in the lesson
    model = MyFirstModel()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    print(model)

    epochs = 100
    losses = []
    for epoch in tqdm.trange(epochs):
        epoch += 1
        y_pred = model.forward(X_train)
        loss = criterion(y_pred, y_train)
        losses.append(loss.item())
        if epoch % 10 == 1:
            tqdm.tqdm.write(f"epoch: {epoch:2}   loss: {loss.item():10.8f}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    with autograd.no_grad():
        predicted = model(X_test).argmax(axis=1)
    accuracy = float((predicted == y_test).numpy().mean())
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {epochs} epochs "
          f"(the lesson: 1.0953 -> 0.0602)")
    print(f"test accuracy: {accuracy:.1%} on {len(y_test)} flowers the model never saw")
    path = os.path.join(OUT, "iris_model.npz")
    nn.save(model.state_dict(), path)
    print(f"weights saved to {path} (load with model.load_state_dict(nn.load(path)))")


if __name__ == "__main__":
    worked_example()
    train_iris()
