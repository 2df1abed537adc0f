"""The DOT text of a Value or Tensor graph, and ``draw_graph``.

Each node is a small table: its name (bold) over its data and its gradient (a Tensor shows its
shape and dtype, and its values when small). Between an op's inputs and its result sits an
ellipse with the op, as in micrograd's drawings; when the order of the inputs matters
(``a - b``, ``a ** b``, ``a @ b``) the ellipse shows the formula and each arrow into it says
which input it is. Nodes are written in the order the graph was built (a depth-first walk from
the root that takes each op's inputs in order), so x1 is drawn above x2 and h1 above h2. A
legend below the drawing tells leaves, parameters, constants, ops and the root apart.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from typing import Any

import numpy as np

from ..graph import FREED, op_name
from ..tensor import Tensor
from ..value import Constant
from . import render

RANKDIRS = ("LR", "RL", "TB", "BT")
LANGS = ("en", "es")
KINDS = ("leaf", "parameter", "constant", "op", "root")
SMALL_TENSOR = 6  # tensors with at most this many elements show their values
FONT_SIZE = 12  # node text: 12 px in a notebook cell (one point of the drawing = one px)
SMALL_FONT_SIZE = 11  # operand names on arrows, the legend
CELL_PADDING = 3

KIND_NAMES = {
    "en": {"leaf": "leaf", "parameter": "parameter", "constant": "constant", "op": "op",
           "root": "root"},
    "es": {"leaf": "hoja", "parameter": "parámetro", "constant": "constante", "op": "operación",
           "root": "raíz"},
}
FILL = {"leaf": "#dbeafe", "parameter": "#dcfce7", "constant": "#ffffff", "op": "#f3f4f6",
        "root": "#fef3c7", "result": "#ffffff"}
BORDER = "#374151"
DIM = "#9ca3af"  # constants' dashed border
DIM_TEXT = "#6b7280"
OPERAND_COLOR = "#b45309"  # the names on the arrows into an op whose input order matters
# an op's ellipse: as small as its text allows (a lone "*" is a circle)
OP_SHAPE = 'shape=ellipse, style=filled, width=0.3, height=0.3, margin="0.04,0.02"'

# Ops whose inputs can be swapped without changing the result: their arrows carry no names.
COMMUTATIVE = frozenset({"+", "*", "add", "mul", "maximum", "minimum", "dot"})
# Ops whose inputs have names: (what the ellipse says, the name of each input).
OPERANDS = {
    "-": ("a - b", ("a", "b")),
    "sub": ("a - b", ("a", "b")),
    "/": ("a / b", ("a", "b")),
    "div": ("a / b", ("a", "b")),
    "**": ("a ** b", ("a", "b")),
    "pow": ("a ** b", ("a", "b")),
    "matmul": ("a @ b", ("a", "b")),
    "where": ("where(cond, a, b)", ("a", "b")),
    "index_put": ("a[i] = v", ("a", "v")),
    "leaky_relu": ("leaky_relu", ("x", "slope")),
    "elu": ("elu", ("x", "alpha")),
}
_LINEAR = {2: ("x @ W.T", ("x", "W")), 3: ("x @ W.T + b", ("x", "W", "b"))}

_TEXT_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": " ", "\t": " "})


def escape_text(text: str) -> str:
    """``text`` as the inside of a double-quoted DOT string."""
    return str(text).translate(_TEXT_ESCAPES)


def escape_html(text: str) -> str:
    """``text`` as literal text inside a DOT HTML-like label (a line break becomes <br/>)."""
    lines = str(text).replace("\r", " ").replace("\t", " ").split("\n")
    return '<br align="center"/>'.join(html.escape(line, quote=True) for line in lines)


def number(x) -> str:
    """4 decimals (micrograd's look), or 4 significant digits where decimals would hide it."""
    x = float(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e6 or x != x or abs(x) == float("inf"):
        return f"{x:.4f}"
    return f"{x:.4g}"


_ELEMENT = {"float_kind": lambda v: f"{v:.4g}", "bool": str}


def small_array(a: np.ndarray) -> str:
    """A small array on one line, elements to 4 significant digits: [[1, 2.5], [-0.3308, 0]]."""
    text = np.array2string(np.asarray(a), separator=", ", formatter=_ELEMENT,
                           max_line_width=10**6)
    return " ".join(text.split())


def grad_text(g) -> str:
    """How a gradient reads in a node: a Value's number, a small Tensor's values, or 'set'."""
    if isinstance(g, Tensor):
        g = g.numpy()
    if isinstance(g, np.ndarray):
        return small_array(g) if g.size <= SMALL_TENSOR else "set"
    return number(g)


def operands(node) -> tuple[str, tuple[str, ...] | None]:
    """What an op's ellipse says, and the name of each input where their order matters (None
    for an op whose inputs can be swapped, or that has one input)."""
    op = op_name(node)
    n = len(node._parents)
    if op == "linear" and n in _LINEAR:
        return _LINEAR[n]
    if op in OPERANDS and n == len(OPERANDS[op][1]):
        return OPERANDS[op]
    if n < 2 or op in COMMUTATIVE:
        return op, None
    return op, tuple(str(i) for i in range(n))  # concatenate, stack, a custom Function


def walk(root) -> tuple[list, int]:
    """Every node below ``root`` once, in the order the graph was built: a depth-first walk that
    visits each op's inputs in order and lists a node after its inputs (iterative, so a
    100,000-op chain needs no recursion). Also the graph's depth in ops."""
    depth_of: dict[int, int] = {}
    expanded: set[int] = set()
    order = []
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            parents = node._parents
            depth_of[key] = 1 + max(map(depth_of.__getitem__, map(id, parents))) if parents else 0
            order.append(node)
            continue
        if key in expanded:
            continue
        expanded.add(key)
        stack.append((node, True))
        for parent in reversed(node._parents):  # popped first to last
            if id(parent) not in expanded:
                stack.append((parent, False))
    return order, depth_of[id(root)]


def is_constant(node) -> bool:
    return node._backward is None and not node.requires_grad


def kind_of(node, root, parameters: Container[int]) -> str:
    """One of KINDS for a drawn node ("op" stands for an op's result, drawn plain);
    ``parameters`` holds the ids of the named parameters."""
    if node is root:
        return "root"
    if node._backward is not None:
        return "op"
    if is_constant(node):
        return "constant"
    return "parameter" if id(node) in parameters else "leaf"


def parameter_names(params=None, model=None) -> dict[int, tuple[str, Any]]:
    """id(parameter) -> (its name, the parameter), from ``params`` (a mapping or (name,
    parameter) pairs, such as ``model.named_parameters()``) or ``model.named_parameters()``."""
    if params is not None and model is not None:
        raise ValueError("pass params= or model=, not both")
    if model is not None:
        named = getattr(model, "named_parameters", None)
        if not callable(named):
            raise TypeError(
                f"model= needs an object with named_parameters() (an nn.Module), "
                f"got {type(model).__name__}"
            )
        params = named()
    if params is None:
        return {}
    if isinstance(params, str) or not isinstance(params, Iterable | Mapping):
        raise TypeError(f"params= takes (name, parameter) pairs or a dict of them, "
                        f"got {type(params).__name__}")
    pairs = params.items() if isinstance(params, Mapping) else params
    names: dict[int, tuple[str, Any]] = {}
    for entry in pairs:
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)
                and hasattr(entry[1], "_parents")):
            raise TypeError(
                "params= takes (name, parameter) pairs, a name being a str and a parameter a "
                f"Value or a Tensor; got the entry {entry!r:.80}"
            )
        names.setdefault(id(entry[1]), entry)
    return names


class Look:
    """How a drawing shows each node's gradient and what stands out. The plain look shows the
    ``.grad`` a node holds; ``backward_steps``' frames show one moment of a backward pass."""

    label_at = "b"  # where the graph's label (the legend) goes: b(ottom) or t(op)

    def grad(self, node) -> tuple[str, str] | None:
        """(text of the grad row, its color), or None for no grad row."""
        if isinstance(node, Tensor):
            return None if node.grad is None else (f"grad {grad_text(node.grad)}", "")
        if isinstance(node, Constant):
            return None
        return f"grad {number(node.grad)}", ""

    def grad_width(self, node) -> int | None:
        """A fixed width for the grad row (so frames of one graph share one layout)."""
        return None

    def colors(self, node, kind: str) -> tuple[str, str]:
        """(fill, border) of a node's table."""
        if kind == "constant":
            return FILL["constant"], DIM
        return FILL["result" if kind == "op" else kind], BORDER

    def op_fill(self, node) -> str:
        return FILL["op"]

    def edge(self, parent, node) -> str:
        """Extra DOT attributes of the arrow from ``parent`` into ``node``'s op."""
        return ""


PLAIN = Look()


def _fields(node, name: str, show_values: bool, look: Look) -> list[tuple[str, str, str]]:
    """The rows of a node's table: (text, color, role), role "name", "value" or "grad"."""
    rows = [(name, "", "name")] if name else []
    if isinstance(node, Tensor):
        rows.append((f"{node.shape if node.ndim else 'scalar'} {node.dtype}", "", "value"))
        if show_values and node.numel() <= SMALL_TENSOR:
            rows.append((f"data {small_array(node.numpy())}", "", "value"))
    elif show_values:
        rows.append((f"data {number(node.data)}", "", "value"))
    if show_values:
        grad = look.grad(node)
        if grad is not None:
            rows.append((grad[0], grad[1], "grad"))
    return rows or [("", "", "value")]


# the grad row of a frame: a fixed height, so that its text never changes the layout
_GRAD_ROW_HEIGHT = round(FONT_SIZE * 1.2 + 2 * CELL_PADDING + 2)


def node_line(dot_name: str, node, name: str, kind: str, show_values: bool,
              look: Look = PLAIN) -> str:
    fill, border = look.colors(node, kind)
    dim = kind == "constant"
    rows = []
    grad_width = look.grad_width(node)
    for text, color, role in _fields(node, name, show_values, look):
        body = escape_html(text) or " "
        if role == "name":
            body = f"<b>{body}</b>"
        color = color or (DIM_TEXT if dim else "")
        if color:
            body = f'<font color="{color}">{body}</font>'
        size = ""
        if grad_width is not None and role == "grad":
            size = f' fixedsize="true" width="{grad_width}" height="{_GRAD_ROW_HEIGHT}"'
        rows.append(f"<tr><td{size}>{body}</td></tr>")
    style = ' style="dashed"' if dim else ""
    width = 2 if kind == "root" else 1
    table = (f'<table border="{width}" cellborder="0" cellspacing="0" '
             f'cellpadding="{CELL_PADDING}" bgcolor="{fill}" color="{border}"{style}>'
             f'{"".join(rows)}</table>')
    return f"  {dot_name} [label=<{table}>];"


def header(rankdir: str) -> list[str]:
    # mclimit: Graphviz starts from the order the nodes are written in (the order they were
    # built) and would then swap them to save a crossing or two; one short pass keeps x1 above
    # x2 and h1 above h2, and lays out faster.
    return [
        "digraph G {",
        f'  graph [rankdir={rankdir}, ranksep=0.3, nodesep=0.2, mclimit=0.05, '
        f'fontname="Helvetica", fontsize={SMALL_FONT_SIZE}];',
        f'  node [shape=plain, fontname="Helvetica", fontsize={FONT_SIZE}];',
        f'  edge [color="#6b7280", arrowsize=0.7, fontname="Helvetica", '
        f'fontsize={SMALL_FONT_SIZE}, fontcolor="{OPERAND_COLOR}"];',
    ]


def legend_table(kinds: Iterable[str], lang: str) -> str:
    """An HTML-like table for the graph's label: a row of colored cells naming the kinds of
    node drawn."""
    words = KIND_NAMES[lang]
    cells = []
    for kind in KINDS:
        if kind not in kinds:
            continue
        text = escape_html(words[kind])
        if kind == "constant":
            cells.append(f'<td style="dashed" color="{DIM}"><font color="{DIM_TEXT}">{text}'
                         "</font></td>")
        elif kind == "op":
            cells.append(f'<td style="rounded" bgcolor="{FILL["op"]}">{text}</td>')
        else:
            border = ' border="2"' if kind == "root" else ""
            cells.append(f'<td bgcolor="{FILL[kind]}"{border}>{text}</td>')
    return ('<table border="0" cellborder="1" cellspacing="4" cellpadding="3">'
            f'<tr>{"".join(cells)}</tr></table>')


def kinds_drawn(order: list, root, parameters: Container[int]) -> set[str]:
    kinds = {kind_of(node, root, parameters) for node in order}
    return kinds | {"op"} if any(node._backward is not None for node in order) else kinds


def full_dot(root, order: list, names: Mapping[int, str], parameters: Container[int],
             rankdir: str, show_values: bool, label: str | None, look: Look = PLAIN) -> str:
    """DOT text drawing every node of ``order`` (``walk``'s list), named as ``names`` says;
    ``parameters`` holds the ids of the nodes drawn as parameters, ``label`` is the graph's
    HTML-like label (a legend) or None."""
    ids = {id(node): f"n{i}" for i, node in enumerate(order)}
    lines = header(rankdir)
    if label:
        lines.append(f"  graph [labelloc={look.label_at}, labeljust=l, label=<{label}>];")
    for node in order:
        dot_name = ids[id(node)]
        kind = kind_of(node, root, parameters)
        lines.append(node_line(dot_name, node, names.get(id(node), ""), kind, show_values, look))
        if node._backward is None:
            continue
        text, operand_names = operands(node)
        if node._saved is FREED and not node._parents:
            text += "\n(inputs released by backward;\nretain_graph=True keeps them)"
        lines.append(
            f'  {dot_name}_op [label="{escape_text(text)}", {OP_SHAPE}, '
            f'fillcolor="{look.op_fill(node)}"];'
        )
        for i, parent in enumerate(node._parents):
            attrs = []
            if operand_names is not None:
                attrs.append(f'label="{escape_text(operand_names[i])}"')
            extra = look.edge(parent, node)
            if extra:
                attrs.append(extra)
            tail = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f"  {ids[id(parent)]} -> {dot_name}_op{tail};")
        extra = look.edge(node, node)  # the arrow from the op's ellipse to its result
        lines.append(f"  {dot_name}_op -> {dot_name}{f' [{extra}]' if extra else ''};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def summary_dot(root, order: list, op_counts: Counter, depth: int, rankdir: str,
                max_nodes: int, name: str) -> str:
    leaves = [node for node in order if node._backward is None]
    constants = sum(1 for node in leaves if is_constant(node))
    text = [
        f"graph summarized: {len(order):,} nodes (more than max_nodes={max_nodes})",
        f"{len(leaves):,} leaves: {len(leaves) - constants:,} with grad, "
        f"{constants:,} constants",
        f"depth: {depth:,} ops on the longest path",
        "ops:",
        *(f"    {op}: {count:,}" for op, count in op_counts.most_common()),
    ]
    label = "".join(escape_text(line) + "\\l" for line in text)
    lines = header(rankdir)
    lines.append(f'  summary [shape=note, label="{label}", style=filled, fillcolor="#f9fafb"];')
    lines.append(node_line("root", root, name, "root", True))
    if root._backward is not None:
        lines.append(f'  root_op [label="{escape_text(operands(root)[0])}", {OP_SHAPE}, '
                     f'fillcolor="{FILL["op"]}"];')
        lines.append("  summary -> root_op;")
        lines.append("  root_op -> root;")
    lines.append("}")
    return "\n".join(lines) + "\n"


class GraphDrawing:
    """A drawn graph: ``.source`` is its DOT text; ``svg()`` the rendered drawing;
    ``render(path)`` writes SVG or PNG; ``backward_steps()`` steps through its backward pass.
    In Jupyter it shows itself at reading size, scrolling sideways when wider than the cell,
    or as DOT text with a hint when nothing can render it."""

    def __init__(self, source: str, node_count: int, op_counts: dict[str, int],
                 leaf_count: int, depth: int, summarized: bool, *, root=None,
                 options: dict | None = None):
        self.source = source
        self.node_count = node_count  # Values or Tensors in the graph, op ellipses not counted
        self.op_counts = op_counts
        self.leaf_count = leaf_count
        self.depth = depth  # ops on the longest path from a leaf to the root
        self.summarized = summarized
        self._root = root
        self._options = options or {}
        self._display: tuple[str | None, str] | None = None

    def __repr__(self) -> str:
        how = "summarized" if self.summarized else "drawn"
        return (
            f"<GraphDrawing: {self.node_count} nodes {how}, "
            f"{sum(self.op_counts.values())} ops, depth {self.depth}>"
        )

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered drawing as bytes ("svg", sized in px, or "png")."""
        raw = render.run_renderer(self.source, format)
        return render.sized_svg(raw).encode("utf-8") if format == "svg" else raw

    def svg(self) -> str:
        """The drawing as SVG text, its width and height in px (12 px labels)."""
        return self.pipe("svg").decode("utf-8")

    def render(self, path, format: str | None = None) -> str:
        """Write the drawing to ``path`` as SVG or PNG and return the path. ``format`` defaults
        to the path's suffix (".svg" or ".png"), and to SVG for a path without one. The file is
        written under a temporary name and renamed, so it is never left half-written."""
        return render.write_rendered(self.pipe, path, format)

    def backward_steps(self, gradient=None, lang: str | None = None):
        """The backward pass from this drawing's root, one frame per node it visits (see
        ``autograd.viz.backward_steps``), drawn with this drawing's names and direction."""
        from .steps import backward_steps

        if self._root is None:
            raise ValueError("this drawing has no root to step through")
        options = dict(self._options)
        if lang is not None:
            options["lang"] = lang
        return backward_steps(self._root, gradient, **options)

    def _svg_or_hint(self) -> tuple[str | None, str]:
        """(SVG text, '') or (None, why there is none); computed once per drawing."""
        if self._display is None:
            self._display = render.svg_or_hint(self.svg)
        return self._display

    def _repr_svg_(self) -> str | None:
        return self._svg_or_hint()[0]

    def _repr_html_(self) -> str:
        svg, why = self._svg_or_hint()
        if svg is not None:
            return render.scroll_box(svg)
        return f"<pre>{html.escape(self.source)}\n# {html.escape(why)}</pre>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The SVG, and the same in a sideways-scrolling box for notebooks (which would shrink a
        bare wide SVG); without a renderer, the DOT text and one line saying what to install,
        so a notebook cell never fails for want of Graphviz."""
        svg, why = self._svg_or_hint()
        if svg is not None:
            return {"image/svg+xml": svg, "text/html": render.scroll_box(svg)}
        text = f"{self.source}\n# {why}"
        return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}


def check_common(root, rankdir: str, max_nodes: int, lang: str) -> None:
    if not hasattr(root, "_parents") or not hasattr(root, "_backward"):
        raise TypeError(f"needs a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")


def display_names(order: list, params: Mapping[int, tuple[str, Any]]) -> dict[int, str]:
    """id(node) -> the name drawn on it: its own label, else its parameter name."""
    names = {}
    for node in order:
        name = getattr(node, "label", "") or params.get(id(node), ("",))[0]
        if name:
            names[id(node)] = name
    return names


def draw_graph(root, rankdir: str = "LR", max_nodes: int = 300, show_values: bool = True, *,
               params=None, model=None, legend: bool = True, lang: str = "en") -> GraphDrawing:
    """Draw the graph below ``root`` (a Value or a Tensor): every node once, in the order it was
    built, each op as an ellipse between its inputs and its result. With more than
    ``max_nodes`` nodes the drawing is a summary instead. ``show_values=False`` leaves out data
    and grad; ``rankdir`` "LR" reads left to right, "TB" top to bottom (narrower for a deep
    graph).

    ``params`` ((name, parameter) pairs, e.g. ``model.named_parameters()``, or a dict) or
    ``model`` (anything with ``named_parameters()``) names the parameters (``fc1.weight``) and
    draws them apart from other leaves; a node's own ``label`` wins over its parameter name.
    ``legend`` adds a row naming the kinds of node, in English or (``lang="es"``) Spanish.

    A Tensor graph drawn after ``backward()`` ends where backward released an op's inputs
    (the drawing says so); ``backward(retain_graph=True)`` keeps them for the drawing. Value
    graphs are never released."""
    try:
        check_common(root, rankdir, max_nodes, lang)
    except TypeError as e:
        raise TypeError(f"draw_graph {e}") from None
    param_names = parameter_names(params, model)
    order, depth = walk(root)
    op_counts = Counter(op_name(node) for node in order if node._backward is not None)
    leaf_count = len(order) - sum(op_counts.values())
    summarized = len(order) > max_nodes
    if summarized:
        source = summary_dot(root, order, op_counts, depth, rankdir, max_nodes,
                             display_names([root], param_names).get(id(root), ""))
    else:
        names = display_names(order, param_names)
        label = legend_table(kinds_drawn(order, root, param_names), lang) if legend else None
        source = full_dot(root, order, names, param_names, rankdir, show_values, label)
    options = {"params": list(param_names.values()) or None, "rankdir": rankdir, "lang": lang,
               "legend": legend}
    return GraphDrawing(source, len(order), dict(op_counts.most_common()), leaf_count, depth,
                        summarized, root=root, options=options)

