"""Graph drawing: DOT text for Value and Tensor graphs (order, operand names, parameter names,
legend), rendering at reading size, the Jupyter fallback, summaries of huge graphs and
escaping."""

import html
import os
import random
import re
import stat
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest

import autograd
import nn
from autograd import Constant, Tensor, Value, draw_graph, viz
from autograd.graph import op_name
from nn.scalar import MLP

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
needs_renderer = pytest.mark.skipif(
    viz.find_renderer() is None, reason='no Graphviz renderer (pip install "retrograd[viz]")'
)
unix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake renderer is a sh script")


def reference_walk(root):
    """Every node below root once (a plain stack, independent of viz's walk)."""
    seen, stack, nodes = {id(root)}, [root], [root]
    while stack:
        for parent in stack.pop()._parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
                nodes.append(parent)
    return nodes


def record_lines(source):
    """The DOT lines that declare a Value/Tensor node (op ellipses are named n<k>_op)."""
    return [line for line in source.splitlines() if re.match(r"\s+n\d+ \[", line)]


def op_lines(source):
    return [line for line in source.splitlines() if re.match(r"\s+n\d+_op \[", line)]


def rows(line):
    """The text of each row of a node's table, unescaped: ["x1", "data 2.0000", "grad ..."]."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", line)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def line_of(source, name):
    """The DOT line of the node whose first row is ``name``."""
    found = [line for line in record_lines(source) if rows(line)[:1] == [name]]
    assert len(found) == 1, (name, len(found))
    return found[0]


def dot_name(source, name):
    return re.match(r"\s+(n\d+) \[", line_of(source, name))[1]


def edges(source):
    """(tail, head, label or None) of every arrow."""
    found = re.findall(r'^\s+(n\d+(?:_op)?) -> (n\d+(?:_op)?)(?: \[(.*)\])?;$', source, re.M)
    return [(tail, head, (re.search(r'label="([^"]*)"', attrs) or [None, None])[1])
            for tail, head, attrs in found]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    return [t.text for t in root.iter(SVG_NS + "text") if t.text]


def svg_positions(svg: str) -> dict[str, tuple[float, float]]:
    """The (x, y) of the first text of every node, by that text (a name, for named nodes)."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(SVG_NS + "g"):
        if group.get("class") == "node":
            texts = [t for t in group.iter(SVG_NS + "text") if t.text]
            if texts:
                found.setdefault(texts[0].text, (float(texts[0].get("x")),
                                                  float(texts[0].get("y"))))
    return found


# -- lesson 001's worked example ------------------------------------------------------------

X = np.array([2.0, 3.0])
W1 = np.array([[0.11, 0.12], [0.21, 0.08]])
B1 = np.array([1.0, 1.0])
W2 = np.array([[0.14], [0.15]])
B2 = 1.0
TARGET = 1.0


def lesson_graph():
    """Inputs [2, 3] -> linear hidden layer -> linear output 1.481; error ½(1.481 - 1)²."""
    x = [Value(X[i], label=f"x{i + 1}") for i in range(2)]
    w1 = [[Value(W1[i, j], label=f"w1_{i + 1}{j + 1}") for j in range(2)] for i in range(2)]
    b1 = [Value(B1[j], label=f"b1_{j + 1}") for j in range(2)]
    w2 = [Value(W2[j, 0], label=f"w2_{j + 1}") for j in range(2)]
    b2 = Value(B2, label="b2")
    h = [x[0] * w1[0][j] + x[1] * w1[1][j] + b1[j] for j in range(2)]
    for j, hj in enumerate(h):
        hj.label = f"h{j + 1}"
    y = h[0] * w2[0] + h[1] * w2[1] + b2
    y.label = "y"
    error = 0.5 * (y - TARGET) ** 2
    error.label = "error"
    error.backward()
    return error, {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "h": h, "y": y}


def expected_lesson_values():
    """Forward and backward of the lesson's network in numpy, from the formulas."""
    h = X @ W1 + B1
    y = float(h @ W2[:, 0] + B2)
    dy = y - TARGET  # d error / d y
    return {
        "h": h,
        "y": y,
        "error": 0.5 * dy**2,
        "dy": dy,
        "dh": dy * W2[:, 0],
        "dw2": dy * h,
        "db2": dy,
        "dw1": np.outer(X, dy * W2[:, 0]),
        "db1": dy * W2[:, 0],
        "dx": W1 @ (dy * W2[:, 0]),
    }


def test_lesson_graph_shows_every_value_with_its_data_and_grad():
    error, n = lesson_graph()
    e = expected_lesson_values()
    assert error.data == pytest.approx(e["error"])
    assert round(e["y"], 3) == 1.481
    source = draw_graph(error).source
    leaves = [("b2", B2, e["db2"]), ("y", e["y"], e["dy"]), ("error", e["error"], 1.0)]
    for i in range(2):
        leaves += [(f"x{i + 1}", X[i], e["dx"][i]), (f"b1_{i + 1}", B1[i], e["db1"][i]),
                   (f"w2_{i + 1}", W2[i, 0], e["dw2"][i]), (f"h{i + 1}", e["h"][i], e["dh"][i])]
        leaves += [(f"w1_{i + 1}{j + 1}", W1[i, j], e["dw1"][i, j]) for j in range(2)]
    for label, data, grad in leaves:
        field = f"{{ {label} | data {data:.4f} | grad {grad:.4f} }}"
        assert sum(field in line for line in record_lines(source)) == 1, field


def test_lesson_graph_draws_each_node_once_with_an_op_between_inputs_and_result():
    error, _ = lesson_graph()
    nodes = reference_walk(error)
    drawing = draw_graph(error)
    source = drawing.source
    assert source.startswith("digraph G {") and source.rstrip().endswith("}")
    assert "rankdir=LR" in source
    assert drawing.node_count == len(nodes) == len(record_lines(source))
    results = [node for node in nodes if node._backward is not None]
    assert len(op_lines(source)) == len(results)
    assert Counter(re.search(r'label="([^"]*)"', line)[1] for line in op_lines(source)) == Counter(
        node._backward.op for node in results
    )
    # every input arrow goes into an op ellipse, every op ellipse into its one result
    edges = re.findall(r"^\s+(n\d+(?:_op)?) -> (n\d+(?:_op)?);$", source, re.M)
    assert len(edges) == sum(len(node._parents) + 1 for node in results)
    for tail, head in edges:
        assert tail.endswith("_op") != head.endswith("_op")
        if tail.endswith("_op"):
            assert head == tail[:-3]
    assert drawing.leaf_count == sum(node._backward is None for node in nodes)
    assert not drawing.summarized


def test_constants_are_drawn_dimmer_and_without_a_grad():
    error, _ = lesson_graph()
    source = draw_graph(error).source
    constants = [line for line in record_lines(source) if "dashed" in line]
    # 0.5, the target 1 and the exponent 2
    assert sorted(re.search(r"data (\S+)", line)[1] for line in constants) == [
        "0.5000", "1.0000", "2.0000"
    ]
    assert all("grad" not in line for line in constants)
    assert all("dashed" not in line for line in record_lines(source) if "| grad" in line)


def test_a_value_used_twice_is_one_node_with_two_arrows():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    source = draw_graph(y).source
    assert sum("{ x | data 3.0000 | grad 6.0000 }" in line for line in source.splitlines()) == 1
    x_name = re.search(r"(n\d+) \[label=\"\{ x \|", source)[1]
    assert len(re.findall(rf"^\s+{x_name} -> n\d+_op;$", source, re.M)) == 2


def test_fused_dot_neuron_is_one_op():
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    z = autograd.dot(w, [Value(2.0, label="x1"), Value(1.0, label="x2")], Value(0.25, label="b"))
    out = z.tanh()
    drawing = draw_graph(out)
    assert drawing.op_counts == {"dot": 1, "tanh": 1}
    assert drawing.node_count == 7


def test_show_values_false_and_rankdir():
    error, _ = lesson_graph()
    source = draw_graph(error, show_values=False, rankdir="TB").source
    assert "data" not in source and "grad" not in source
    assert "rankdir=TB" in source
    assert 'label="x1"' in source  # top to bottom: no braces turning the record


def test_a_leaf_alone_is_one_node():
    drawing = draw_graph(Value(1.5, label="a"))
    assert drawing.node_count == 1 and drawing.leaf_count == 1 and drawing.depth == 0
    assert len(record_lines(drawing.source)) == 1 and not op_lines(drawing.source)


def test_drawing_is_deterministic():
    error, _ = lesson_graph()
    assert draw_graph(error).source == draw_graph(error).source


def test_bad_arguments_raise_naming_the_value():
    v = Value(1.0) * 2
    with pytest.raises(ValueError, match="'XY'"):
        draw_graph(v, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes.*0"):
        draw_graph(v, max_nodes=0)
    with pytest.raises(TypeError, match="list"):
        draw_graph([v])


def test_repr_is_short():
    error, _ = lesson_graph()
    text = repr(draw_graph(error))
    assert text.startswith("<GraphDrawing") and "\n" not in text and len(text) < 120
    assert f"{len(reference_walk(error))} nodes" in text


# -- a Tensor MLP's training step -----------------------------------------------------------


def mlp_step():
    """x -> Linear(4, 5) -> relu -> Linear(5, 3) -> relu -> Linear(3, 1) -> MSE loss."""
    autograd.manual_seed(0)
    x = autograd.randn(8, 4)
    x.label = "x"
    y = autograd.randn(8, 1)
    y.label = "y"
    params = []
    h = x
    for i, (n_in, n_out) in enumerate([(4, 5), (5, 3), (3, 1)]):
        w = autograd.randn(n_in, n_out, requires_grad=True)
        b = autograd.zeros(n_out, requires_grad=True)
        w.label, b.label = f"W{i + 1}", f"b{i + 1}"
        params += [w, b]
        h = h @ w + b
        if i < 2:
            h = h.relu()
    loss = ((h - y) ** 2).mean()
    loss.label = "loss"
    loss.backward(retain_graph=True)  # keeps the inputs, so the drawing is whole
    return loss, x, params


def test_tensor_mlp_step_shows_shapes_ops_and_each_node_once():
    loss, x, params = mlp_step()
    nodes = reference_walk(loss)
    drawing = draw_graph(loss)
    source = drawing.source
    assert drawing.node_count == len(nodes) == len(record_lines(source))
    assert drawing.op_counts == dict(Counter(op_name(node) for node in nodes if node.grad_fn))
    assert {"matmul", "add", "relu", "sub", "pow", "mean"} <= set(drawing.op_counts)
    for node in nodes:
        if node.ndim:
            assert f"{node.shape} {node.dtype}" in source
    for t in [x, *params]:
        assert sum(f'label="{t.label} |' in line for line in record_lines(source)) == 1
    lines = {t.label: next(ln for ln in record_lines(source) if f'"{t.label} |' in ln)
             for t in [x, *params]}
    assert "dashed" in lines["x"]  # an input: no gradient wanted
    assert all("fillcolor" in lines[p.label] and "dashed" not in lines[p.label] for p in params)
    # small tensors show their values and gradient, large ones only that a gradient is there
    b3 = params[-1]
    assert f"grad [{b3.grad.data.item():.4g}]" in lines["b3"]
    assert "grad set" in lines["W1"] and "data" not in lines["W1"]
    assert f"data {loss.item():.4g}" in source and "scalar float32" in source


# -- huge and deep graphs -------------------------------------------------------------------


def value_mlp_step(batch: int):
    """A 4 -> 16 -> 16 -> 1 tanh network of Values over a batch, MSE loss, backward."""
    rng = random.Random(0)

    def layer(n_in, n_out):
        return [([Value(rng.uniform(-1, 1)) for _ in range(n_in)], Value(0.0))
                for _ in range(n_out)]

    net = [layer(4, 16), layer(16, 16), layer(16, 1)]
    losses = []
    for _ in range(batch):
        h = [Value(rng.uniform(-1, 1)) for _ in range(4)]
        for neurons in net:
            h = [autograd.dot(w, h, b).tanh() for w, b in neurons]
        losses.append((h[0] - rng.uniform(-1, 1)) ** 2)
    loss = sum(losses[1:], losses[0]) / batch
    loss.backward()
    return loss


def test_a_65000_node_graph_is_summarized():
    loss = value_mlp_step(batch=900)
    nodes = reference_walk(loss)
    assert len(nodes) > 65_000
    drawing = draw_graph(loss)
    assert drawing.summarized and drawing.node_count == len(nodes)
    assert drawing.op_counts == dict(Counter(n._backward.op for n in nodes if n._backward))
    assert drawing.leaf_count == sum(n._backward is None for n in nodes)
    assert drawing.depth == 6 + 2 + 899 + 1  # 3 x (dot, tanh), -, **, the chain of +, then /
    source = drawing.source
    assert f"graph summarized: {len(nodes):,} nodes" in source
    assert f"dot: {drawing.op_counts['dot']:,}" in source
    assert f"depth: {drawing.depth:,}" in source
    assert len(source) < 2_000 and "more than max_nodes=300" in source
    assert f"data {loss.data:.4f}" in source  # the root is drawn


def test_a_100000_op_chain_needs_no_recursion():
    start, step = Value(1.0, label="start"), Value(0.5, label="step")
    x = start
    for i in range(100_000):
        x = x + step
        if i == 19_999:
            middle = x
    summary = draw_graph(x)
    assert summary.summarized and summary.node_count == 100_002
    assert summary.depth == 100_000 and summary.op_counts == {"+": 100_000}
    # drawn node by node, far past the recursion limit
    full = draw_graph(middle, max_nodes=50_000)
    assert not full.summarized
    assert len(record_lines(full.source)) == 20_002 and len(op_lines(full.source)) == 20_000


def test_a_long_tensor_chain_is_summarized():
    t = autograd.ones(2, requires_grad=True)
    for _ in range(400):
        t = t.tanh()
    drawing = draw_graph(t.sum())
    assert drawing.summarized and drawing.op_counts == {"tanh": 400, "sum": 1}
    assert "1 with grad, 0 constants" in drawing.source


# -- escaping -------------------------------------------------------------------------------

ODD = 'a "q" {b} | <c> \\ d\ne'


def test_record_escaping():
    assert viz.escape_record('{}|<>"\\') == '\\{\\}\\|\\<\\>\\"\\\\'
    assert viz.escape_record("a\nb\tc") == "a\\nb c"
    assert viz.escape_text('say "hi" \\ {x}|<y>') == 'say \\"hi\\" \\\\ {x}|<y>'


def test_odd_labels_are_escaped_in_the_dot_text():
    v = Value(1.0, label=ODD) * 2
    t = Tensor([1.0, 2.0], requires_grad=True, label=ODD)
    for root in (v, t.sum()):
        source = draw_graph(root).source
        assert viz.escape_record(ODD) in source
        # no field separator, port or quote from the label survives unescaped
        line = next(ln for ln in record_lines(source) if viz.escape_record(ODD) in ln)
        label = re.search(r'label="((?:[^"\\]|\\.)*)"', line)[1]
        assert viz.escape_record(ODD) in label


@needs_renderer
def test_odd_labels_render_literally(tmp_path):
    v = Value(1.0, label=ODD) * 2
    texts = svg_texts(open(draw_graph(v).render(tmp_path / "odd.svg")).read())
    assert 'a "q" {b} | <c> \\ d' in texts and "e" in texts


# -- rendering ------------------------------------------------------------------------------


@needs_renderer
def test_svg_render_writes_valid_svg_with_the_labels(tmp_path):
    error, _ = lesson_graph()
    target = tmp_path / "lesson.svg"
    written = draw_graph(error).render(target)
    assert written == str(target) and os.listdir(tmp_path) == ["lesson.svg"]
    texts = svg_texts(target.read_text(encoding="utf-8"))
    e = expected_lesson_values()
    for text in ("x1", "w1_21", "b2", "error", f"data {e['y']:.4f}", f"grad {e['dy']:.4f}", "**"):
        assert text in texts


@needs_renderer
def test_png_render(tmp_path):
    loss, _, _ = mlp_step()
    target = tmp_path / "mlp.png"
    assert draw_graph(loss).render(target, format="png") == str(target)
    assert target.read_bytes().startswith(PNG_MAGIC)
    assert draw_graph(loss).render(tmp_path / "by_suffix.png") and (
        (tmp_path / "by_suffix.png").read_bytes().startswith(PNG_MAGIC)
    )
    assert sorted(os.listdir(tmp_path)) == ["by_suffix.png", "mlp.png"]


@needs_renderer
def test_jupyter_shows_svg():
    error, _ = lesson_graph()
    drawing = draw_graph(error)
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    assert "x1" in svg_texts(bundle["image/svg+xml"])
    assert drawing._repr_svg_() == bundle["image/svg+xml"]


def test_unknown_format_raises_naming_it(tmp_path):
    drawing = draw_graph(Value(1.0) + 1)
    with pytest.raises(ValueError, match="'pdf'"):
        drawing.render(tmp_path / "g.svg", format="pdf")
    with pytest.raises(ValueError, match="'jpg'"):
        drawing.render(tmp_path / "g.jpg")
    assert os.listdir(tmp_path) == []


# -- without a renderer, and with a broken one ----------------------------------------------


def test_no_renderer_display_falls_back_to_dot_text(monkeypatch, tmp_path):
    monkeypatch.setattr(viz, "find_renderer", lambda: None)
    error, _ = lesson_graph()
    drawing = draw_graph(error)
    assert drawing._repr_svg_() is None
    bundle = drawing._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert drawing.source in bundle["text/plain"]
    assert 'pip install "retrograd[viz]"' in bundle["text/plain"]
    assert "retrograd[viz]" in bundle["text/html"]
    with pytest.raises(RuntimeError, match=r'no Graphviz renderer.*pip install "retrograd\[viz\]"'):
        drawing.render(tmp_path / "g.svg")
    assert os.listdir(tmp_path) == []


def write_program(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@unix_only
def test_find_renderer_order(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(viz.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(viz.sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    assert viz.find_renderer() is None
    # graphviz-pure in the interpreter's scripts folder, not on PATH (a notebook kernel)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    pure_in_scripts = write_program(scripts, "graphviz-pure", "exit 0\n")
    monkeypatch.setattr(viz.sysconfig, "get_path", lambda name: str(scripts))
    assert viz.find_renderer() == pure_in_scripts
    # ...or beside sys.executable
    monkeypatch.setattr(viz.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(viz.sys, "executable", str(scripts / "python"))
    assert viz.find_renderer() == pure_in_scripts
    # on PATH beats the scripts folder, and dot beats graphviz-pure
    on_path = tmp_path / "bin"
    on_path.mkdir()
    pure_on_path = write_program(on_path, "graphviz-pure", "exit 0\n")
    monkeypatch.setenv("PATH", str(on_path))
    assert viz.find_renderer() == pure_on_path
    dot = write_program(on_path, "dot", "exit 0\n")
    assert viz.find_renderer() == dot


@unix_only
def test_a_failing_renderer_raises_with_its_stderr(monkeypatch, tmp_path):
    broken = write_program(tmp_path, "dot", "echo 'boom: layout exploded' >&2\nexit 3\n")
    monkeypatch.setattr(viz, "find_renderer", lambda: broken)
    drawing = draw_graph(Value(2.0, label="a") * 3)
    with pytest.raises(RuntimeError, match="exit code 3.*boom: layout exploded"):
        drawing.render(tmp_path / "g.svg")
    assert sorted(os.listdir(tmp_path)) == ["dot"]
    bundle = drawing._repr_mimebundle_()
    assert drawing.source in bundle["text/plain"] and "boom" in bundle["text/plain"]
    assert drawing._repr_svg_() is None


def test_constant_class_is_what_is_dimmed():
    # the styling keys on requires_grad, which Constant sets to False
    assert Constant(1.0).requires_grad is False
    source = draw_graph(Value(1.0, label="v") + Constant(4.0)).source
    line = next(ln for ln in record_lines(source) if "data 4.0000" in ln)
    assert "dashed" in line and "grad" not in line


def test_display_never_raises(monkeypatch):
    def lookup_fails():
        raise OSError("PATH unreadable")

    monkeypatch.setattr(viz, "find_renderer", lookup_fails)
    drawing = draw_graph(Value(1.0, label="a") * 2)
    assert drawing._repr_svg_() is None
    bundle = drawing._repr_mimebundle_()
    assert drawing.source in bundle["text/plain"] and "PATH unreadable" in bundle["text/plain"]
