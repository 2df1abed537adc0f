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
        assert rows(line_of(source, label)) == [label, f"data {data:.4f}", f"grad {grad:.4f}"]


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
    # the commutative ops by their symbol, - and ** as formulas naming their inputs
    assert Counter(re.search(r'label="([^"]*)"', line)[1] for line in op_lines(source)) == {
        "*": 7, "+": 6, "a - b": 1, "a ** b": 1
    }
    # every input arrow goes into an op ellipse, every op ellipse into its one result
    arrows = edges(source)
    assert len(arrows) == sum(len(node._parents) + 1 for node in results)
    for tail, head, _ in arrows:
        assert tail.endswith("_op") != head.endswith("_op")
        if tail.endswith("_op"):
            assert head == tail[:-3]
    assert drawing.leaf_count == sum(node._backward is None for node in nodes)
    assert not drawing.summarized


def test_nodes_are_written_in_the_order_they_were_built():
    error, _ = lesson_graph()
    source = draw_graph(error).source
    position = {rows(line)[0]: k for k, line in enumerate(record_lines(source))}
    built = ["x1", "w1_11", "x2", "w1_21", "b1_1", "h1", "w2_1", "w1_12", "w1_22", "b1_2", "h2",
             "w2_2", "b2", "y", "error"]
    assert sorted(built, key=position.__getitem__) == built
    # an op's result comes after its inputs
    arrows = edges(source)
    index = {name: k for k, name in enumerate(re.findall(r"^\s+(n\d+) \[", source, re.M))}
    for tail, head, _ in arrows:
        if not tail.endswith("_op"):
            assert index[tail] < index[head[:-3]]


@needs_renderer
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_rendered_inputs_and_hidden_units_keep_their_order(rankdir):
    """x1 above x2 and h1 above h2 (left of, top to bottom), as the lesson writes them."""
    error, _ = lesson_graph()
    at = svg_positions(draw_graph(error, rankdir=rankdir).svg())
    across = 1 if rankdir == "LR" else 0  # y grows downwards, x to the right
    for first, second in [("x1", "x2"), ("h1", "h2"), ("w1_11", "w1_21"), ("w1_21", "w1_22")]:
        assert at[first][across] < at[second][across], (first, second)


def test_non_commutative_ops_name_their_inputs():
    a, b = Value(5.0, label="a5"), Value(2.0, label="b2")
    for expression, formula in [(a - b, "a - b"), (a / b, "a / b"), (a ** b, "a ** b"),
                                (b - a, "a - b")]:
        source = draw_graph(expression).source
        assert re.search(r'label="([^"]*)"', op_lines(source)[0])[1] == formula
        first, second = expression._parents
        named = {tail: label for tail, head, label in edges(source) if head.endswith("_op")}
        assert named == {dot_name(source, first.label): "a", dot_name(source, second.label): "b"}
    # + and * can swap their inputs: no names on their arrows
    source = draw_graph(a * b + a).source
    assert all(label is None for _, _, label in edges(source))


def test_tensor_ops_name_their_inputs():
    x = Tensor([[1.0, 2.0]], requires_grad=True, label="x")
    w = Tensor([[3.0], [4.0]], requires_grad=True, label="w")
    y = (x @ w - 1.0) / 2.0
    source = draw_graph((y ** 2).sum()).source
    formulas = [re.search(r'label="([^"]*)"', line)[1] for line in op_lines(source)]
    assert formulas == ["a @ b", "a - b", "a / b", "a ** b", "sum"]
    named = {(tail, label) for tail, head, label in edges(source) if label}
    assert (dot_name(source, "x"), "a") in named and (dot_name(source, "w"), "b") in named
    assert sum(1 for *_, label in edges(source) if label) == 8  # a and b into four ops
    layer = nn.Linear(2, 3)
    source = draw_graph(layer(x).sum(), model=layer).source
    assert 'label="x @ W.T + b"' in source
    assert {label for *_, label in edges(source) if label} == {"x", "W", "b"}


def test_constants_are_drawn_dimmer_and_without_a_grad():
    error, _ = lesson_graph()
    source = draw_graph(error).source
    constants = [line for line in record_lines(source) if 'style="dashed"' in line]
    # 0.5, the target 1 and the exponent 2
    assert sorted(rows(line)[0] for line in constants) == ["data 0.5000", "data 1.0000",
                                                             "data 2.0000"]
    assert all(len(rows(line)) == 1 for line in constants)
    assert all("dashed" not in line for line in record_lines(source) if "grad" in line)


def test_a_value_used_twice_is_one_node_with_two_arrows():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    source = draw_graph(y).source
    assert rows(line_of(source, "x")) == ["x", "data 3.0000", "grad 6.0000"]
    x_name = dot_name(source, "x")
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
    assert rows(line_of(source, "x1")) == ["x1"]


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
    with pytest.raises(ValueError, match="'fr'"):
        draw_graph(v, lang="fr")
    with pytest.raises(ValueError, match="not both"):
        draw_graph(v, params={}, model=nn.Linear(1, 1))
    with pytest.raises(TypeError, match="named_parameters.*int"):
        draw_graph(v, model=3)
    with pytest.raises(TypeError, match="pairs.*'w'"):
        draw_graph(v, params=["w"])
    with pytest.raises(TypeError, match="pairs"):
        draw_graph(v, params={1: Value(1.0)})


def test_repr_is_short():
    error, _ = lesson_graph()
    text = repr(draw_graph(error))
    assert text.startswith("<GraphDrawing") and "\n" not in text and len(text) < 120
    assert f"{len(reference_walk(error))} nodes" in text


# -- names and the legend -------------------------------------------------------------------


def legend_cells(source):
    found = re.search(r"labelloc=b, labeljust=l, label=<(.*)>\];", source)
    return [] if found is None else rows(found[1])


def test_legend_names_the_kinds_drawn():
    error, _ = lesson_graph()
    assert legend_cells(draw_graph(error).source) == ["leaf", "constant", "op", "root"]
    assert legend_cells(draw_graph(error, lang="es").source) == [
        "hoja", "constante", "operación", "raíz"
    ]
    assert legend_cells(draw_graph(error, legend=False).source) == []
    layer = nn.Linear(2, 1)
    x = Tensor([[1.0, 2.0]], label="x")
    source = draw_graph(layer(x).sum(), model=layer).source
    assert legend_cells(source) == ["parameter", "constant", "op", "root"]


def test_model_parameters_carry_their_state_dict_names():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = autograd.randn(5, 4)
    loss = model(x).pow(2).mean()
    by_model = draw_graph(loss, model=model).source
    assert draw_graph(loss, params=model.named_parameters()).source == by_model
    assert draw_graph(loss, params=dict(model.named_parameters())).source == by_model
    for name, p in model.named_parameters():
        line = line_of(by_model, name)
        assert rows(line)[1] == f"{p.shape} float32"
        assert 'bgcolor="#dcfce7"' in line  # drawn as a parameter, not a plain leaf
    # without names they are unnamed leaves
    plain = draw_graph(loss).source
    assert not any(rows(line)[0] == "0.weight" for line in record_lines(plain))
    assert "#dcfce7" not in plain


def test_a_label_wins_over_the_parameter_name():
    layer = nn.Linear(2, 1)
    layer.weight.label = "W"
    source = draw_graph(layer(Tensor([[1.0, 2.0]])).sum(), model=layer).source
    assert 'bgcolor="#dcfce7"' in line_of(source, "W") and line_of(source, "bias")


def test_scalar_mlp_weights_say_their_layer_and_neuron():
    model = MLP(2, [3, 1])
    loss = (model([0.5, -0.5]) - 1.0) ** 2
    loss.backward()
    assert [p.label for p in model.layers[0].neurons[1].parameters()] == [
        "L1.n2.w0", "L1.n2.w1", "L1.n2.b"
    ]
    source = draw_graph(loss).source
    names = [rows(line)[0] for line in record_lines(source) if rows(line)[0][:1] == "L"]
    expected = [f"L1.n{j}.{w}" for j in (1, 2, 3) for w in ("w0", "w1", "b")]
    expected += ["L2.n1.w0", "L2.n1.w1", "L2.n1.w2", "L2.n1.b"]
    assert sorted(n for n in names if n.count(".") == 2) == sorted(expected)
    # each neuron's output is named too
    assert {"L1.n1", "L1.n2", "L1.n3", "L2.n1"} <= set(names)
    # with model= the parameters are drawn as parameters, under those labels
    by_model = draw_graph(loss, model=model).source
    assert 'bgcolor="#dcfce7"' in line_of(by_model, "L2.n1.b")
    assert legend_cells(by_model)[:2] == ["leaf", "parameter"]  # the inputs are plain leaves


# -- sized for a notebook cell --------------------------------------------------------------


@needs_renderer
def test_svg_is_sized_in_px_with_labels_at_reading_size():
    error, _ = lesson_graph()
    svg = draw_graph(error).svg()
    width, height = viz.render.svg_size(svg)
    view = re.search(r'viewBox="([\d. -]+)"', svg)[1].split()
    assert (width, height) == (float(view[2]), float(view[3]))  # one unit of the drawing = 1 px
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 11 and max(sizes) <= 14
    assert width > 600  # the lesson's graph is wider than many cells: it must scroll, not shrink


@needs_renderer
def test_notebook_html_scrolls_instead_of_shrinking():
    error, _ = lesson_graph()
    drawing = draw_graph(error)
    page = drawing._repr_html_()
    assert page.startswith('<div style="overflow-x:auto;max-width:100%">')
    assert '<svg style="max-width:none" width="' in page and "<?xml" not in page
    bundle = drawing._repr_mimebundle_()
    assert bundle["text/html"] == page and bundle["image/svg+xml"] == drawing.svg()


@needs_renderer
def test_layout_of_the_lesson_graphs_is_quick():
    """Lesson 001's example and a small nn.scalar MLP; the bound is loose (a busy machine must
    not fail it): the times on an idle machine are ~0.05 s."""
    error, _ = lesson_graph()
    model = MLP(2, [3, 1])
    loss = (model([0.5, -0.5]) - 1.0) ** 2
    loss.backward()
    for root in (error, loss):
        drawing = draw_graph(root, model=model)
        start = time.perf_counter()
        drawing.svg()
        seconds = time.perf_counter() - start
        print(f"layout of {drawing!r}: {seconds:.3f} s")
        assert seconds < 5


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
    lines = {t.label: line_of(source, t.label) for t in [x, *params]}
    assert 'style="dashed"' in lines["x"]  # an input: no gradient wanted
    assert all('bgcolor="#dbeafe"' in lines[p.label] and "dashed" not in lines[p.label]
               for p in params)
    # small tensors show their values and gradient, large ones only that a gradient is there
    b3 = params[-1]
    assert rows(lines["b3"])[-1] == f"grad [{b3.grad.numpy().item():.4g}]"
    assert rows(lines["W1"]) == ["W1", "(4, 5) float32", "grad set"]
    assert f"data {loss.item():.4g}" in source and "scalar float32" in source


def test_a_tensor_graph_after_backward_says_its_inputs_were_released():
    x = autograd.ones(2, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    drawing = draw_graph(y)
    assert drawing.node_count == 1
    assert "(inputs released by backward;\\nretain_graph=True keeps them)" in drawing.source


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


def test_escaping():
    assert viz.escape_html('<b> & "q"') == "&lt;b&gt; &amp; &quot;q&quot;"
    assert viz.escape_html("a\nb\tc") == 'a<br align="center"/>b c'
    assert viz.escape_text('say "hi" \\ {x}|<y>') == 'say \\"hi\\" \\\\ {x}|<y>'


def test_odd_labels_are_escaped_in_the_dot_text():
    v = Value(1.0, label=ODD) * 2
    t = Tensor([1.0, 2.0], requires_grad=True, label=ODD)
    for root in (v, t.sum()):
        source = draw_graph(root).source
        line = next(ln for ln in record_lines(source) if viz.escape_html(ODD) in ln)
        # no tag, quote or bracket from the label survives unescaped
        assert "<c>" not in line and '"q"' not in line
        assert rows(line)[0] == ODD.replace("\n", "")


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
    for text in ("x1", "w1_21", "b2", "error", f"data {e['y']:.4f}", f"grad {e['dy']:.4f}",
                 "a ** b", "a", "b"):
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
    assert set(bundle) == {"image/svg+xml", "text/html"}
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
    monkeypatch.setattr(viz.render, "find_renderer", lambda: None)
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
    monkeypatch.setattr(viz.render.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(viz.render.sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    assert viz.render.find_renderer() is None
    # graphviz-pure in the interpreter's scripts folder, not on PATH (a notebook kernel)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    pure_in_scripts = write_program(scripts, "graphviz-pure", "exit 0\n")
    monkeypatch.setattr(viz.render.sysconfig, "get_path", lambda name: str(scripts))
    assert viz.render.find_renderer() == pure_in_scripts
    # ...or beside sys.executable
    monkeypatch.setattr(viz.render.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(viz.render.sys, "executable", str(scripts / "python"))
    assert viz.render.find_renderer() == pure_in_scripts
    # on PATH beats the scripts folder, and dot beats graphviz-pure
    on_path = tmp_path / "bin"
    on_path.mkdir()
    pure_on_path = write_program(on_path, "graphviz-pure", "exit 0\n")
    monkeypatch.setenv("PATH", str(on_path))
    assert viz.render.find_renderer() == pure_on_path
    dot = write_program(on_path, "dot", "exit 0\n")
    assert viz.render.find_renderer() == dot


@unix_only
def test_a_failing_renderer_raises_with_its_stderr(monkeypatch, tmp_path):
    broken = write_program(tmp_path, "dot", "echo 'boom: layout exploded' >&2\nexit 3\n")
    monkeypatch.setattr(viz.render, "find_renderer", lambda: broken)
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
    line = line_of(source, "data 4.0000")
    assert "dashed" in line and rows(line) == ["data 4.0000"]


def test_display_never_raises(monkeypatch):
    def lookup_fails():
        raise OSError("PATH unreadable")

    monkeypatch.setattr(viz.render, "find_renderer", lookup_fails)
    drawing = draw_graph(Value(1.0, label="a") * 2)
    assert drawing._repr_svg_() is None
    bundle = drawing._repr_mimebundle_()
    assert drawing.source in bundle["text/plain"] and "PATH unreadable" in bundle["text/plain"]
