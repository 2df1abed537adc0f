"""``retrograd demo``: lesson 001 ("Entrenamiento de la red neuronal") drawn and trained.

1. The lesson's worked example, built from Values: inputs [2, 3], one hidden layer of two
   linear neurons, one output. Forward gives 1.481 and the error 1/2 (1.481 - 1)^2 = 0.1157;
   backward gives every weight's gradient, and the graph is drawn to ``graph.svg``.
2. The lesson's classifier, 4 -> 8 -> 9 -> 3 with ReLU, trained on the Iris flowers with
   CrossEntropyLoss and Adam(lr=0.1) for 100 epochs under a tqdm bar, with the lesson's loop;
   then its test accuracy, what ``nn.diagnose`` reads in its learning curves, and the curves
   drawn to ``learning-curves.png`` (when matplotlib is installed).

The Iris recipe (shared with notebook 05 and the README): scikit-learn's 150 flowers, 20% held
out for testing and 20% of the rest for validation, both stratified, split with seed 41, and
``autograd.manual_seed(41)`` before the model is made. The lesson's numbers (loss 1.0953 ->
0.0602) come from PyTorch's random initial weights; ours start from other random weights, so
the path differs while the result (a loss near 0.06, almost every test flower right) agrees.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import tqdm

import autograd
import nn
import nn.functional as F
from autograd import Value, draw_graph
from autograd.files import atomic_write
from nn import optim

SEED = 41
EPOCHS = 100

MESSAGES = {
    "es": {
        "example": "== Lección 001, «Ejemplo Práctico»: paso hacia adelante, error, paso hacia "
                   "atrás ==",
        "hidden": "capa oculta: [{h1:.2f}, {h2:.2f}]   (diapositiva: [1.85, 1.48])",
        "prediction": "predicción:  {p:.3f}          (diapositiva: 1.481)",
        "error": "error:       {e:.4f}         (diapositiva: 0.11)",
        "gradients": "gradientes del error (lo que la retropropagación da a cada peso):",
        "graph": "grafo dibujado en {path}",
        "no_renderer": "sin Graphviz para dibujar ({err}); el grafo quedó como texto DOT en {path}",
        "iris": "\n== Lección 001, «Backpropagation: Ejemplo Práctico»: el clasificador de Iris ==",
        "split": "flores: {train} para entrenar, {val} para validar, {test} para probar "
                 "(semilla {seed})",
        "epoch": "época: {epoch:3}   pérdida: {loss:10.8f}   pérdida de validación: {val:10.8f}",
        "loss": "pérdida {first:.4f} -> {last:.4f} en {epochs} épocas (la lección: 1.0953 -> "
                "0.0602; otros pesos iniciales al azar, otro camino)",
        "accuracy": "exactitud en prueba: {acc:.1%} de {n} flores que el modelo nunca vio",
        "diagnosis": "\nQué dicen las curvas de aprendizaje (nn.diagnose):",
        "curves": "curvas de aprendizaje dibujadas en {path}",
        "no_matplotlib": "sin matplotlib no se dibujan las curvas: pip install \"retrograd[plot]\"",
        "saved": "pesos guardados en {path} (se cargan con model.load_state_dict(nn.load(ruta)))",
        "done": "\nListo en {seconds:.1f} s. Los archivos están en {out}/",
        "no_sklearn": "la parte de Iris necesita scikit-learn: pip install \"retrograd[datasets]\"",
    },
    "en": {
        "example": "== Lesson 001, 'Ejemplo Práctico': forward, error, backward ==",
        "hidden": "hidden layer: [{h1:.2f}, {h2:.2f}]   (slide: [1.85, 1.48])",
        "prediction": "prediction:   {p:.3f}          (slide: 1.481)",
        "error": "error:        {e:.4f}         (slide: 0.11)",
        "gradients": "gradients of the error (what backpropagation gives each weight):",
        "graph": "graph drawn to {path}",
        "no_renderer": "no Graphviz renderer ({err}); the graph was written as DOT text to {path}",
        "iris": "\n== Lesson 001, 'Backpropagation: Ejemplo Práctico': the Iris classifier ==",
        "split": "flowers: {train} to train, {val} to validate, {test} to test (seed {seed})",
        "epoch": "epoch: {epoch:3}   loss: {loss:10.8f}   validation loss: {val:10.8f}",
        "loss": "loss {first:.4f} -> {last:.4f} over {epochs} epochs (the lesson: 1.0953 -> "
                "0.0602; other random initial weights, another path)",
        "accuracy": "test accuracy: {acc:.1%} on {n} flowers the model never saw",
        "diagnosis": "\nWhat the learning curves say (nn.diagnose):",
        "curves": "learning curves drawn to {path}",
        "no_matplotlib": "without matplotlib the curves are not drawn: pip install "
                         "\"retrograd[plot]\"",
        "saved": "weights saved to {path} (load with model.load_state_dict(nn.load(path)))",
        "done": "\nDone in {seconds:.1f} s. The files are in {out}/",
        "no_sklearn": "the Iris part needs scikit-learn: pip install \"retrograd[datasets]\"",
    },
}


def worked_example() -> tuple[Value, dict[str, Value]]:
    """Lesson 001's worked example as Values, after backward: (error, the named leaves)."""
    x1, x2 = Value(2.0, "x1"), Value(3.0, "x2")
    # the slide's weight matrix [[w1, w3], [w2, w4]]: column j feeds hidden neuron j
    w1, w2, w3, w4 = Value(0.11, "w1"), Value(0.21, "w2"), Value(0.12, "w3"), Value(0.08, "w4")
    b1, b2 = Value(1.0, "b1"), Value(1.0, "b2")
    w5, w6, b3 = Value(0.14, "w5"), Value(0.15, "w6"), Value(1.0, "b3")
    h1 = x1 * w1 + x2 * w2 + b1
    h1.label = "h1"
    h2 = x1 * w3 + x2 * w4 + b2
    h2.label = "h2"
    prediction = h1 * w5 + h2 * w6 + b3
    prediction.label = "prediction"
    error = 0.5 * (prediction - 1.0) ** 2
    error.label = "error"
    error.backward()
    named = {v.label: v for v in (w1, w2, w3, w4, b1, b2, w5, w6, b3, h1, h2, prediction)}
    return error, named


def show_worked_example(say, out: str) -> None:
    say("example")
    error, v = worked_example()
    say("hidden", h1=v["h1"].data, h2=v["h2"].data)
    say("prediction", p=v["prediction"].data)
    say("error", e=error.data)
    say("gradients")
    for name in ("w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"):
        print(f"  d error / d {name:<3} = {v[name].grad:+.6f}")
    drawing = draw_graph(error)
    path = os.path.join(out, "graph.svg")
    try:
        drawing.render(path, format="svg")
        say("graph", path=path)
    except RuntimeError as err:  # no Graphviz renderer on this machine
        dot_path = os.path.join(out, "graph.dot")
        atomic_write(dot_path, lambda f: f.write(drawing.source.encode()))
        say("no_renderer", err=err, path=dot_path)


class MyFirstPytorchModel(nn.Module):
    """Lesson 001's classifier, as the lesson writes it (its name included)."""

    def __init__(self, input_features=4, hidden_layer_1=8, hidden_layer_2=9, output_features=3):
        super().__init__()
        self.fully_connected_1 = nn.Linear(input_features, hidden_layer_1)
        self.fully_connected_2 = nn.Linear(hidden_layer_1, hidden_layer_2)
        self.output = nn.Linear(hidden_layer_2, output_features)

    def forward(self, x):
        x = F.relu(self.fully_connected_1(x))
        x = F.relu(self.fully_connected_2(x))
        x = self.output(x)
        return x


def iris_splits(seed: int = SEED) -> dict:
    """The Iris recipe: 20% test, then 20% of the rest validation, stratified, seeded."""
    X, y = nn.datasets.load_iris(return_X_y=True)
    X_rest, X_test, y_rest, y_test = nn.data.train_test_split(
        X, y, test_size=0.2, stratify=y, seed=seed)
    X_train, X_val, y_train, y_val = nn.data.train_test_split(
        X_rest, y_rest, test_size=0.2, stratify=y_rest, seed=seed)
    return {name: autograd.tensor(array) for name, array in (
        ("X_train", X_train), ("y_train", y_train), ("X_val", X_val), ("y_val", y_val),
        ("X_test", X_test), ("y_test", y_test))}


def train_iris(say, out: str, lang: str, epochs: int = EPOCHS, seed: int = SEED) -> dict:
    """The lesson's loop on the Iris recipe; returns the curves and the test accuracy."""
    say("iris")
    try:
        data = iris_splits(seed)
    except ImportError:
        say("no_sklearn")
        return {}
    say("split", train=len(data["y_train"]), val=len(data["y_val"]), test=len(data["y_test"]),
        seed=seed)
    autograd.manual_seed(seed)  # torch.manual_seed(seed) in the lesson
    model = MyFirstPytorchModel()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    print(model)

    history = {"loss": [], "val_loss": []}
    for epoch in tqdm.trange(1, epochs + 1, desc="Iris", unit=" época" if lang == "es" else
                             " epoch"):
        y_pred = model.forward(data["X_train"])
        loss = criterion(y_pred, data["y_train"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with autograd.no_grad():
            val_loss = criterion(model(data["X_val"]), data["y_val"]).item()
        history["loss"].append(loss.item())
        history["val_loss"].append(val_loss)
        if epoch % 10 == 1:
            tqdm.tqdm.write(MESSAGES[lang]["epoch"].format(epoch=epoch, loss=loss.item(),
                                                           val=val_loss))

    with autograd.no_grad():
        predicted = model(data["X_test"]).argmax(axis=1)
    accuracy = float((predicted == data["y_test"]).numpy().mean())
    say("loss", first=history["loss"][0], last=history["loss"][-1], epochs=epochs)
    say("accuracy", acc=accuracy, n=len(data["y_test"]))

    say("diagnosis")
    diagnosis = nn.diagnose(history, lang=lang)
    print(diagnosis.headline)
    for remedy in diagnosis.remedies:
        print(f"  - {remedy}")
    try:
        figure = nn.plot.plot_history(history, lang=lang)
    except ImportError:
        say("no_matplotlib")
    else:
        path = os.path.join(out, "learning-curves.png")
        save_figure(figure, path)
        say("curves", path=path)
    path = os.path.join(out, "iris_model.npz")
    nn.save(model.state_dict(), path)
    say("saved", path=path)
    return {"history": history, "accuracy": accuracy}


def save_figure(figure, path: str) -> None:
    """Save a matplotlib figure atomically (a temporary file, then a rename)."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="retrograd",
        description="retrograd, a reverse-mode autograd engine for learning how networks are "
                    "trained. Commands: demo (everything below), graph (lesson 001's worked "
                    "example drawn to graph.svg), iris (lesson 001's classifier trained, "
                    "diagnosed and its curves drawn).",
    )
    parser.add_argument("command", nargs="?", default="demo", choices=("demo", "graph", "iris"),
                        help="what to run (default: demo)")
    parser.add_argument("--lang", choices=("es", "en"), default="es",
                        help="language of the output: es (the lessons', default) or en")
    parser.add_argument("--out", default="demo_out", help="folder for the files (demo_out)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="Iris epochs (100)")
    parser.add_argument("--seed", type=int, default=SEED, help="Iris seed (41)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")

    def say(key: str, **values) -> None:
        print(MESSAGES[args.lang][key].format(**values))

    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    if args.command in ("demo", "graph"):
        show_worked_example(say, args.out)
    if args.command in ("demo", "iris"):
        train_iris(say, args.out, args.lang, args.epochs, args.seed)
    say("done", seconds=time.perf_counter() - start, out=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
