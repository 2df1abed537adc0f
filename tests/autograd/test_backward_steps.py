"""backward_steps: the backward pass replayed one node at a time, in the driver's own order,
with the gradients it computes, without touching the graph; its frames, texts and files."""

import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, Value, draw_graph, viz
from autograd.graph import nodes_below
from autograd.viz import BackwardSteps, backward_steps
from nn.scalar import MLP

from .test_lesson_examples import closed_form_gradients, forward_with_dot, forward_with_ops
from .test_lesson_examples import make_parameters as lesson_parameters
from .test_viz import lesson_graph, needs_renderer, record_lines, reference_walk, rows

SVG_NS = "{http://www.w3.org/2000/svg}"


def driver_order(monkeypatch, root, **backward):
    """Run the real backward on ``root`` and return the nodes in the order the driver handed
    each its gradient (Value/Tensor._take_grad, called once per node it processes; the driver
    calls it on an intermediate tensor only when hooks are set, so each gets an empty set)."""
    for node in nodes_below(root):
        if isinstance(node, Tensor) and node._hooks is None:
            node._hooks = {}
    seen = []
    for cls in (Value, Tensor):
        original = cls._take_grad

        def spy(self, g, delivered, original=original):
            seen.append(self)
            return original(self, g, delivered)

        monkeypatch.setattr(cls, "_take_grad", spy)
    root.backward(**backward)
    monkeypatch.undo()
    return seen


def position(steps, node):
    """Where ``node`` is in ``steps.order`` (by identity: Values compare by their data)."""
    return next(k for k, n in enumerate(steps.order) if n is node)


def graph_state(root):
    """Everything a replay must leave alone: each node's grad and the driver's counters."""
    state = []
    for node in reference_walk(root):
        grad = node.grad
        if isinstance(grad, Tensor):
            grad = grad.numpy().copy()
        state.append((node, grad, node._g, node._pending, node._parents, node._saved))
    return state


def assert_same_state(before, after):
    assert len(before) == len(after)
    for (node, grad, g, pending, parents, saved), now in zip(before, after):
        assert now[0] is node and now[2] is g and now[3] == pending
        assert now[4] is parents and now[5] is saved
        np.testing.assert_array_equal(now[1], grad)


def tensor_graph():
    """Lesson 001's network with tensors: x @ W1 + b1 -> @ W2 + b2 -> ½(y - 1)²."""
    x = Tensor([[2.0, 3.0]], dtype=np.float64, label="x")
    w1 = Tensor([[0.11, 0.12], [0.21, 0.08]], dtype=np.float64, requires_grad=True, label="W1")
    b1 = Tensor([1.0, 1.0], dtype=np.float64, requires_grad=True, label="b1")
    w2 = Tensor([[0.14], [0.15]], dtype=np.float64, requires_grad=True, label="W2")
    b2 = Tensor([1.0], dtype=np.float64, requires_grad=True, label="b2")
    hidden = (x @ w1 + b1).relu()
    hidden.label = "h"
    error = (0.5 * (hidden @ w2 + b2 - 1.0) ** 2).sum()
    error.label = "error"
    return error, [w1, b1, w2, b2], hidden


def scalar_mlp_loss():
    autograd.manual_seed(1)
    model = MLP(2, [3, 1])
    loss = (model([0.5, -0.5]) - 1.0) ** 2
    loss.label = "loss"
    return model, loss


def diamond():
    """x feeds a and b, both feed y: x's gradient is the sum of two paths."""
    x = Value(1.5, label="x")
    a = x * 2.0
    b = x.tanh()
    y = a * b + x
    y.label = "y"
    return x, y


# -- the order and the numbers are the driver's -----------------------------------------------


@pytest.mark.parametrize("make", ["lesson", "mlp", "diamond", "square"])
def test_frames_follow_the_drivers_order_with_values(monkeypatch, make):
    if make == "lesson":
        root = lesson_graph()[0]
    elif make == "mlp":
        root = scalar_mlp_loss()[1]
    elif make == "diamond":
        root = diamond()[1]
    else:
        x = Value(3.0, label="x")
        root = x * x
    steps = backward_steps(root)
    order = driver_order(monkeypatch, root)
    assert len(order) == len(steps) == sum(n.requires_grad for n in reference_walk(root))
    assert [id(n) for n in steps.order] == [id(n) for n in order]
    assert [frame.node for frame in steps] == steps.order


def test_frames_follow_the_drivers_order_with_tensors(monkeypatch):
    error, _, _ = tensor_graph()
    steps = backward_steps(error)
    order = driver_order(monkeypatch, error)
    assert [id(n) for n in steps.order] == [id(n) for n in order]
    layer_model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = nn.functional.mse_loss(layer_model(autograd.randn(5, 3)), autograd.randn(5, 2))
    steps = backward_steps(loss, model=layer_model)
    assert [id(n) for n in steps.order] == [id(n) for n in driver_order(monkeypatch, loss)]


def test_the_last_frame_holds_the_gradients_backward_computes():
    x, y = diamond()
    steps = backward_steps(y)  # before backward: the replay computes them itself
    y.backward()
    last = steps[-1]
    for node in reference_walk(y):
        if node.requires_grad:
            assert last.grad(node) == node.grad  # the same float, computed the same way
    assert last.grad(x) == pytest.approx(2 * np.tanh(1.5) + 1.5 * 2 * (1 - np.tanh(1.5) ** 2)
                                         + 1.0)


def test_tensor_frames_hold_the_leaf_gradients_backward_computes():
    error, params, hidden = tensor_graph()
    steps = backward_steps(error)
    error.backward()
    for p in params:
        np.testing.assert_array_equal(steps[-1].grad(p), p.grad.numpy())
    # the replay also shows what backward keeps on no intermediate: the hidden layer's gradient
    assert steps[-1].grad(hidden) is not None and hidden.grad is None


@pytest.mark.parametrize("forward", [forward_with_ops, forward_with_dot])
def test_lesson_001_worked_example_gives_its_nine_gradients(forward):
    params = lesson_parameters()
    _, _, error = forward(params)
    steps = backward_steps(error, lang="es")
    expected = closed_form_gradients()
    assert len(expected) == 9
    for name, p in params.items():
        assert steps[-1].grad(p) == pytest.approx(expected[name], rel=1e-12), name
        # the frame that processes the parameter draws its gradient in its node
        frame = steps[position(steps, p)]
        assert frame.node is p
        line = next(ln for ln in record_lines(frame.dot) if rows(ln)[:1] == [name])
        assert rows(line)[-1] == f"grad {expected[name]:.4f}"
    error.backward()
    assert all(steps[-1].grad(p) == p.grad for p in params.values())


# -- the replay leaves the graph alone ----------------------------------------------------------


def test_replay_changes_no_grad_before_or_after_backward():
    error, _ = lesson_graph()  # already went through backward
    before = graph_state(error)
    steps = backward_steps(error)
    for frame in steps:
        frame.dot  # noqa: B018 (every frame built)
    assert_same_state(before, graph_state(error))
    x, y = diamond()
    before = graph_state(y)
    backward_steps(y)
    assert_same_state(before, graph_state(y))
    assert x.grad == 0.0


def test_replay_leaves_tensor_graphs_alone_and_refuses_a_released_one():
    error, params, hidden = tensor_graph()
    before = graph_state(error)
    backward_steps(error)
    assert_same_state(before, graph_state(error))
    assert all(p.grad is None for p in params)
    error.backward(retain_graph=True)
    kept = backward_steps(error)  # saved values kept: it can replay
    assert len(kept) == len(backward_steps(error))
    error.backward()  # this one releases them
    with pytest.raises(autograd.GraphFreedError, match="retain_graph=True"):
        backward_steps(error)


def test_replay_refuses_what_backward_refuses():
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2.0
    out = (h * h).sum()
    with autograd.no_grad():
        h.add_(1.0)  # changed in place after `h * h` saved it
    with pytest.raises(autograd.InplaceError):
        backward_steps(out)
    with pytest.raises(RuntimeError, match="no op made"):
        backward_steps(Value(2.0))
    with pytest.raises(RuntimeError, match="does not require grad"):
        backward_steps(Tensor([1.0]).sum())
    with pytest.raises(ValueError, match="gradient= must be None.*2.0"):
        backward_steps(Value(1.0) * 2, gradient=2.0)
    with pytest.raises(RuntimeError, match="needs gradient="):
        backward_steps(Tensor([1.0, 2.0], requires_grad=True) * 2)
    with pytest.raises(TypeError, match="backward_steps needs a Value or a Tensor, got str"):
        backward_steps("y")
    with pytest.raises(ValueError, match="'de'"):
        backward_steps(Value(1.0) * 2, lang="de")
    error, _ = lesson_graph()
    with pytest.raises(ValueError, match="29 nodes, more than max_nodes=10"):
        backward_steps(error, max_nodes=10)


def test_a_non_scalar_tensor_root_takes_its_gradient():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, label="x")
    y = x * x
    steps = backward_steps(y, gradient=[1.0, 0.5, 2.0])
    y.backward(gradient=Tensor([1.0, 0.5, 2.0]))
    np.testing.assert_array_equal(steps[-1].grad(x), x.grad.numpy())


# -- what a frame shows ---------------------------------------------------------------------------


def frame_rows(frame, name):
    return rows(next(ln for ln in record_lines(frame.dot) if rows(ln)[:1] == [name]))


def test_a_frame_highlights_its_node_and_shows_the_gradients_so_far():
    error, _ = lesson_graph()
    steps = backward_steps(error)
    k = next(k for k, n in enumerate(steps.order) if n.label == "h2")
    frame = steps[k]
    assert frame.node.label == "h2"
    dot = frame.dot
    h2_line = next(ln for ln in record_lines(dot) if rows(ln)[:1] == ["h2"])
    assert 'bgcolor="#fed7aa"' in h2_line  # the node being processed
    assert sum('bgcolor="#fed7aa"' in ln for ln in record_lines(dot)) == 1
    # processed nodes show their gradient, nodes not reached show an empty grad
    assert frame_rows(frame, "y")[-1] == "grad 0.4810"
    assert frame_rows(frame, "h2")[-1] == "grad 0.0722"
    assert frame_rows(frame, "x1")[-1] == "grad" and frame_rows(frame, "h1")[-1] == "grad"
    assert frame.grad(next(n for n in reference_walk(error) if n.label == "x1")) is None
    # what h2's op sent is there, in the color of a gradient not yet processed
    b_line = next(ln for ln in record_lines(dot) if rows(ln)[:1] == ["b1_2"])
    assert rows(b_line)[-1] == "grad 0.0722" and "#c2410c" in b_line
    # the arrows into h2's op and out of it stand out
    name = re.match(r"\s+(n\d+) \[", h2_line)[1]
    marked = re.findall(r"^\s+(\S+) -> (\S+) \[[^]]*penwidth=2\.2", dot, re.M)
    assert sorted(head for _, head in marked) == [name, f"{name}_op", f"{name}_op"]


def test_a_partial_sum_says_how_many_gradients_are_missing():
    error, _ = lesson_graph()
    steps = backward_steps(error)
    x1 = next(n for n in reference_walk(error) if n.label == "x1")
    senders = [f for f in steps if any(p is x1 for p, _ in f._visit.sent)]
    assert len(senders) == 2
    first, second = senders
    assert "x1 gets" in first.explanation and "still waiting for 1 more" in first.explanation
    part = first.grad(x1)
    assert second.grad(x1) == pytest.approx(x1.grad) and part != pytest.approx(x1.grad)
    assert "its gradient is complete: 0.0161" in second.explanation
    assert steps[position(steps, x1)].explanation.count("the sum of what 2 ops sent") == 1


def test_explanations_name_the_local_derivative_with_numbers():
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    y = x * w
    y.label = "y"
    out = y.tanh()
    text = backward_steps(out)[1].explanation
    assert text.splitlines()[0] == "step 2 of 4: y  (op *, data -1.0000)"
    assert "local derivatives: d(a * b)/da = b = -2.0000, d(a * b)/db = a = 0.5000" in text
    assert "grad = d root / d y" in text  # an unnamed root
    t = np.tanh(-1.0)
    first = backward_steps(out)[0].explanation
    assert f"d(tanh(x))/dx = 1 - tanh(x)² = {1 - t * t:.4f}" in first
    assert f"x = y gets 1.0000 × {1 - t * t:.4f} = {1 - t * t:.4f}" in first
    diff = backward_steps(Value(5.0, label="p") - Value(2.0, label="q"))[0].explanation
    assert "d(a - b)/da = 1, d(a - b)/db = -1" in diff
    assert "a = p gets 1.0000 × 1.0000 = 1.0000" in diff
    assert "b = q gets 1.0000 × -1.0000 = -1.0000" in diff


def test_unnamed_nodes_are_named_by_what_made_them():
    error, _ = lesson_graph()
    texts = "\n".join(f.explanation for f in backward_steps(error))
    assert "x1 * w1_11 + x2 * w1_21" in texts and "(y - 1) ** 2" in texts
    assert "d error / d ((y - 1) ** 2)" in texts


def test_spanish_explanations():
    error, _ = lesson_graph()
    steps = backward_steps(error, lang="es")
    assert steps[0].explanation.startswith("paso 1 de 26: error  (operación *")
    assert all(f.explanation.startswith(f"paso {k} de 26: ") for k, f in enumerate(steps, 1))
    texts = "\n".join(f.explanation for f in steps)
    assert "derivada local: d(a * b)/da = b" in texts and "gradiente" in texts
    assert "recibe" in texts and "una hoja" in texts and " gets " not in texts
    assert "hoja" in steps[0].dot and "en proceso" in steps[0].dot


def test_tensor_explanations_give_the_rule_and_the_values():
    error, params, hidden = tensor_graph()
    steps = backward_steps(error)
    texts = [f.explanation for f in steps]
    matmul = next(t for t in texts if "(op a @ b" in t and "W2" in t)
    assert "a <- g @ b.T, b <- a.T @ g" in matmul and "b = W2 gets [[" in matmul
    relu = next(t for t in texts if "(op relu" in t)
    assert "x <- g * (x > 0)" in relu
    leaf = texts[position(steps, params[0])]
    assert "a leaf: backward adds this to W1.grad" in leaf


def test_draw_graph_steps_with_its_names():
    model, loss = scalar_mlp_loss()
    drawing = draw_graph(loss, model=model, rankdir="TB", lang="es")
    steps = drawing.backward_steps()
    assert isinstance(steps, BackwardSteps) and steps.lang == "es"
    assert "rankdir=TB" in steps[0].dot and "parámetro" in steps[0].dot
    assert [id(n) for n in steps.order] == [id(n) for n in backward_steps(loss).order]
    assert drawing.backward_steps(lang="en")[0].explanation.startswith("step 1")
    output = steps[2].explanation  # loss, loss's input, then the output neuron
    assert output.splitlines()[0].startswith(f"paso 3 de {len(steps)}: L2.n1  (operación dot")
    assert "derivada local: d(w·x + b)/dw_i = x_i, d(w·x + b)/dx_i = w_i" in output
    w0 = model.layers[1].neurons[0].w[0]
    assert f"w0 = L2.n1.w0 recibe {steps[2].grad(steps[2].node):.4f} × " in output
    assert f"= {steps[-1].grad(w0):.4f}" in output


def test_frames_are_indexed_like_a_list():
    x, y = diamond()
    steps = backward_steps(y)
    assert steps[-1] is steps[len(steps) - 1] and steps[0].index == 0
    with pytest.raises(IndexError, match="frame 99 out of range: there are 5 frames"):
        steps[99]
    with pytest.raises(TypeError, match="str"):
        steps["0"]
    assert repr(steps) == "<BackwardSteps: 5 frames, lang='en'>"
    assert repr(steps[0]).startswith("<BackwardFrame step 1 of 5: y")


# -- rendered frames and files --------------------------------------------------------------------


def svg_size(svg):
    root = ET.fromstring(svg)
    return root.get("width"), root.get("height"), root.get("viewBox")


@needs_renderer
def test_every_frame_has_one_size_so_a_slider_does_not_jump():
    model, loss = scalar_mlp_loss()
    steps = backward_steps(loss, model=model)
    frames = [steps[k] for k in range(0, len(steps), 5)] + [steps[-1]]  # gradients come and go
    sizes = {svg_size(frame.svg()) for frame in frames}
    assert len(sizes) == 1
    # and the nodes sit in the same places: the first node's outline is the same everywhere
    outlines = {re.search(r'<g id="node1".*?points="([^"]+)"', f.svg(), re.S)[1] for f in frames}
    assert len(outlines) == 1


@needs_renderer
def test_save_writes_one_svg_per_frame(tmp_path):
    x, y = diamond()
    steps = backward_steps(y, lang="es")
    folder = tmp_path / "pasos"
    paths = steps.save(folder)
    assert sorted(os.listdir(folder)) == [f"step_{k}.svg" for k in range(1, 6)]
    assert paths == [str(folder / f"step_{k}.svg") for k in range(1, 6)]
    for frame, path in zip(steps, paths):
        text = open(path, encoding="utf-8").read()
        assert text == frame.svg()
        texts = [t.text for t in ET.fromstring(text).iter(SVG_NS + "text") if t.text]
        assert f"paso {frame.index + 1} de 5: " in " ".join(texts)


@needs_renderer
def test_save_html_is_one_page_with_a_slider(tmp_path):
    x, y = diamond()
    steps = backward_steps(y, lang="es")
    path = steps.save_html(tmp_path / "pasos.html")
    assert os.listdir(tmp_path) == ["pasos.html"]  # no temporary left beside it
    page = open(path, encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="es">' in page
    assert page.count("<svg ") == len(steps) == 5
    assert '<input type="range" min="1" max="5" value="1"' in page
    assert page.count('style="display:none"') == 4 and "<script>" in page
    assert "anterior" in page and "siguiente" in page


@needs_renderer
def test_save_gif(tmp_path):
    image = pytest.importorskip("PIL.Image")
    y = Value(2.0, label="a") * 3.0
    path = backward_steps(y).save_gif(tmp_path / "steps.gif", seconds_per_frame=0.5)
    with image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 2
    with pytest.raises(ValueError, match="positive.*0"):
        backward_steps(y).save_gif(tmp_path / "no.gif", seconds_per_frame=0)
    assert sorted(os.listdir(tmp_path)) == ["steps.gif"]


def test_widget_is_a_slider_over_the_frames(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    monkeypatch.setattr(viz.render, "find_renderer", lambda: None)  # no rendering needed
    error, _ = lesson_graph()
    steps = backward_steps(error, lang="es")
    box = steps.widget()
    play, slider = box.children[0].children
    out = box.children[1]
    assert isinstance(slider, widgets.IntSlider) and isinstance(play, widgets.Play)
    assert (slider.min, slider.max, slider.value) == (1, 26, 1) and slider.description == "paso"
    assert (play.min, play.max) == (1, 26)
    assert out.outputs[0]["data"]["text/plain"] == steps[0].explanation
    slider.value = 7
    assert out.outputs[0]["data"]["text/plain"] == steps[6].explanation


def test_jupyter_display_is_the_widget_with_a_static_page_for_other_viewers(monkeypatch):
    pytest.importorskip("ipywidgets")
    display = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(display, "display", lambda obj, raw=False: shown.append(obj))
    monkeypatch.setattr(BackwardSteps, "html", lambda self: "<div>frames</div>")
    x, y = diamond()
    steps = backward_steps(y)
    steps._ipython_display_()
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    assert shown[0]["text/html"] == "<div>frames</div>"

    def no_widgets(self):
        raise ImportError("no ipywidgets")

    monkeypatch.setattr(BackwardSteps, "widget", no_widgets)
    steps._ipython_display_()
    assert shown[1] == {"text/html": "<div>frames</div>", "text/plain": repr(steps)}


def test_without_a_renderer_the_page_falls_back_to_the_texts(monkeypatch):
    monkeypatch.setattr(viz.render, "find_renderer", lambda: None)
    x, y = diamond()
    steps = backward_steps(y)
    page = steps._repr_html_()
    assert page.startswith("<pre>") and "step 5 of 5" in page and "retrograd[viz]" in page
    assert steps[0]._repr_html_().startswith("<pre>step 1 of 5")
