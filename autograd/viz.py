"""Drawing a graph: DOT text for a Value or Tensor graph, a Graphviz renderer to turn it into
SVG or PNG, and a Jupyter display that falls back to the DOT text when nothing can render.

Each node of the graph is a box (a record): a Value shows ``label | data | grad``, a Tensor its
label, shape, dtype and, when small, its values. Between an op's inputs and its result sits a
small ellipse with the op's name, as in micrograd's drawings. A graph bigger than ``max_nodes``
is summarized (node count by op, leaves, depth, the root) instead of drawn node by node.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
from collections import Counter
from typing import Any

import numpy as np

from .files import atomic_write
from .graph import FREED, op_name
from .tensor import Tensor
from .value import Constant

FORMATS = ("svg", "png")
RANKDIRS = ("LR", "RL", "TB", "BT")
SMALL_TENSOR = 6  # tensors with at most this many elements show their values
RENDER_TIMEOUT_S = 120
INSTALL_HINT = (
    'no Graphviz renderer was found: pip install "retrograd[viz]" (which installs '
    "graphviz-pure) or install Graphviz's `dot` (https://graphviz.org/download/)"
)

# Styles: leaves whose gradient is wanted stand out, constants recede, the root is bold.
_LEAF_STYLE = 'style=filled, fillcolor="#dbeafe"'
_CONSTANT_STYLE = 'style=dashed, color="#9ca3af", fontcolor="#6b7280"'
_ROOT_STYLE = 'style=filled, fillcolor="#fef3c7", penwidth=2'
_OP_STYLE = 'shape=ellipse, style=filled, fillcolor="#f3f4f6", height=0.3, margin="0.04,0.02"'

# In a record label these characters separate or name fields; a backslash makes them literal.
_RECORD_ESCAPES = str.maketrans(
    {**{c: "\\" + c for c in '{}|<>"'}, "\\": "\\\\", "\n": "\\n", "\r": " ", "\t": " "}
)
_TEXT_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": " ", "\t": " "})


def escape_record(text: str) -> str:
    """``text`` as one literal field of a DOT record label."""
    return str(text).translate(_RECORD_ESCAPES)


def escape_text(text: str) -> str:
    """``text`` as the inside of a double-quoted DOT string."""
    return str(text).translate(_TEXT_ESCAPES)


def find_renderer() -> str | None:
    """The Graphviz program that will render, looked for in this order: ``dot`` on PATH, then
    ``graphviz-pure`` on PATH, then ``graphviz-pure`` in this interpreter's scripts folder
    (a notebook kernel often runs a venv's Python without the venv on PATH). None if none."""
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    folders = [f for f in folders if f]
    if not folders:
        return None
    return shutil.which("graphviz-pure", path=os.pathsep.join(folders))


def run_renderer(source: str, format: str = "svg") -> bytes:
    """Render DOT ``source`` to ``format`` ("svg" or "png") with ``find_renderer()``'s program."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    renderer = find_renderer()
    if renderer is None:
        raise RuntimeError(INSTALL_HINT)
    try:
        done = subprocess.run(
            [renderer, f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=RENDER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(
            f"{renderer} took more than {RENDER_TIMEOUT_S} s to render the graph as {format}; "
            "draw a smaller graph or lower max_nodes"
        ) from e
    except OSError as e:
        raise RuntimeError(f"could not run the Graphviz renderer {renderer}: {e}") from e
    if done.returncode != 0 or not done.stdout:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"{renderer} failed to render the graph as {format} (exit code {done.returncode}): "
            f"{stderr or 'no error message'}"
        )
    return done.stdout


class GraphDrawing:
    """A drawn graph: ``.source`` is its DOT text; ``render(path)`` writes SVG or PNG; in
    Jupyter it shows itself as SVG, or as DOT text with a hint when nothing can render it."""

    def __init__(self, source: str, node_count: int, op_counts: dict[str, int],
                 leaf_count: int, depth: int, summarized: bool):
        self.source = source
        self.node_count = node_count  # Values or Tensors in the graph, op ellipses not counted
        self.op_counts = op_counts
        self.leaf_count = leaf_count
        self.depth = depth  # ops on the longest path from a leaf to the root
        self.summarized = summarized
        self._display: tuple[str | None, str] | None = None

    def __repr__(self) -> str:
        how = "summarized" if self.summarized else "drawn"
        return (
            f"<GraphDrawing: {self.node_count} nodes {how}, "
            f"{sum(self.op_counts.values())} ops, depth {self.depth}>"
        )

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered drawing as bytes ("svg" or "png")."""
        return run_renderer(self.source, format)

    def render(self, path: str | os.PathLike, format: str | None = None) -> str:
        """Write the drawing to ``path`` as SVG or PNG and return the path. ``format`` defaults
        to the path's suffix (".svg" or ".png"), and to SVG for a path without one. The file is
        written under a temporary name and renamed, so it is never left half-written."""
        path = os.fspath(path)
        if format is None:
            suffix = os.path.splitext(path)[1].lstrip(".").lower()
            format = suffix or "svg"
        data = self.pipe(format)
        return atomic_write(path, lambda f: f.write(data))

    def _svg_or_hint(self) -> tuple[str | None, str]:
        """(SVG text, '') or (None, why there is none); computed once per drawing."""
        if self._display is None:
            try:
                self._display = (self.pipe("svg").decode("utf-8", "replace"), "")
            except Exception as e:  # a display must not raise, whatever went wrong
                self._display = (None, str(e).splitlines()[0] if str(e) else type(e).__name__)
        return self._display

    def _repr_svg_(self) -> str | None:
        return self._svg_or_hint()[0]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """SVG when a renderer works; else the DOT text and one line saying why (what to
        install), so a notebook cell never fails for want of Graphviz."""
        svg, why = self._svg_or_hint()
        if svg is not None:
            return {"image/svg+xml": svg}
        text = f"{self.source}\n# {why}"
        return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}


def draw_graph(root, rankdir: str = "LR", max_nodes: int = 300,
               show_values: bool = True) -> GraphDrawing:
    """Draw the graph below ``root`` (a Value or a Tensor): every node once, each op as an
    ellipse between its inputs and its result. With more than ``max_nodes`` nodes the drawing
    is a summary instead. ``show_values=False`` leaves out data and grad.

    A Tensor graph drawn after ``backward()`` ends where backward released an op's inputs
    (the drawing says so); ``backward(retain_graph=True)`` keeps them for the drawing. Value
    graphs are never released."""
    if not hasattr(root, "_parents") or not hasattr(root, "_backward"):
        raise TypeError(f"draw_graph needs a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    order, depth = _walk(root)
    op_counts = Counter(op_name(node) for node in order if node._backward is not None)
    leaf_count = len(order) - sum(op_counts.values())
    summarized = len(order) > max_nodes
    if summarized:
        source = _summary_dot(root, order, op_counts, depth, rankdir, max_nodes)
    else:
        source = _full_dot(root, order, rankdir, show_values)
    return GraphDrawing(source, len(order), dict(op_counts.most_common()), leaf_count, depth,
                        summarized)


def _walk(root) -> tuple[list, int]:
    """Every node below ``root`` once, parents before children (iterative post-order, so a
    100,000-op chain needs no recursion), and the graph's depth in ops."""
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
        for parent in node._parents:
            if id(parent) not in expanded:
                stack.append((parent, False))
    return order, depth_of[id(root)]


def _number(x) -> str:
    """4 decimals (micrograd's look), or 4 significant digits where decimals would hide it."""
    x = float(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e6 or x != x or abs(x) == float("inf"):
        return f"{x:.4f}"
    return f"{x:.4g}"


_ELEMENT = {"float_kind": lambda v: f"{v:.4g}", "bool": str}


def _array(a: np.ndarray) -> str:
    """A small array on one line, elements to 4 significant digits: [[1, 2.5], [-0.3308, 0]]."""
    text = np.array2string(a, separator=", ", formatter=_ELEMENT, max_line_width=10**6)
    return " ".join(text.split())


def _is_constant(node) -> bool:
    return node._backward is None and not node.requires_grad


def _fields(node, show_values: bool) -> list[str]:
    """The text of each field of a node's record, not yet escaped."""
    label = getattr(node, "label", "")
    fields = [label] if label else []
    if isinstance(node, Tensor):
        fields.append(f"{node.shape if node.ndim else 'scalar'} {node.dtype}")
        if show_values and node.numel() <= SMALL_TENSOR:
            fields.append(f"data {_array(node.numpy())}")
        if show_values and node.grad is not None:
            grad = node.grad.numpy()
            fields.append(f"grad {_array(grad)}" if grad.size <= SMALL_TENSOR else "grad set")
    elif show_values:
        fields.append(f"data {_number(node.data)}")
        if not isinstance(node, Constant):
            fields.append(f"grad {_number(node.grad)}")
    return fields or [""]


def _node_line(name: str, node, rankdir: str, show_values: bool, is_root: bool) -> str:
    # With rankdir LR a record's top-level fields stack vertically and {} turns them; a Value
    # reads left to right (micrograd), a Tensor's longer fields stack.
    fields = " | ".join(escape_record(f) for f in _fields(node, show_values))
    across = (rankdir in ("LR", "RL")) != isinstance(node, Tensor)
    label = f"{{ {fields} }}" if across else fields
    if is_root:
        style = _ROOT_STYLE
    elif _is_constant(node):
        style = _CONSTANT_STYLE
    elif node._backward is None:
        style = _LEAF_STYLE
    else:
        style = ""
    attrs = f'label="{label}"' + (f", {style}" if style else "")
    return f"  {name} [{attrs}];"


def _header(rankdir: str) -> list[str]:
    return [
        "digraph G {",
        f"  graph [rankdir={rankdir}];",
        '  node [shape=record, fontname="Helvetica", fontsize=11];',
        '  edge [color="#6b7280", arrowsize=0.7];',
    ]


def _full_dot(root, order: list, rankdir: str, show_values: bool) -> str:
    names = {id(node): f"n{i}" for i, node in enumerate(order)}
    lines = _header(rankdir)
    for node in order:
        name = names[id(node)]
        lines.append(_node_line(name, node, rankdir, show_values, node is root))
        if node._backward is not None:
            label = op_name(node)
            if node._saved is FREED and not node._parents:
                label += "\n(inputs released by backward;\nretain_graph=True keeps them)"
            lines.append(f'  {name}_op [label="{escape_text(label)}", {_OP_STYLE}];')
            lines.extend(f"  {names[id(p)]} -> {name}_op;" for p in node._parents)
            lines.append(f"  {name}_op -> {name};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _summary_dot(root, order: list, op_counts: Counter, depth: int, rankdir: str,
                 max_nodes: int) -> str:
    leaves = [node for node in order if node._backward is None]
    constants = sum(1 for node in leaves if _is_constant(node))
    text = [
        f"graph summarized: {len(order):,} nodes (more than max_nodes={max_nodes})",
        f"{len(leaves):,} leaves: {len(leaves) - constants:,} with grad, "
        f"{constants:,} constants",
        f"depth: {depth:,} ops on the longest path",
        "ops:",
        *(f"    {op}: {count:,}" for op, count in op_counts.most_common()),
    ]
    label = "".join(escape_text(line) + "\\l" for line in text)
    lines = _header(rankdir)
    lines.append(f'  summary [shape=note, label="{label}", style=filled, fillcolor="#f9fafb"];')
    lines.append(_node_line("root", root, rankdir, True, True))
    if root._backward is not None:
        lines.append(f'  root_op [label="{escape_text(op_name(root))}", {_OP_STYLE}];')
        lines.append("  summary -> root_op;")
        lines.append("  root_op -> root;")
    lines.append("}")
    return "\n".join(lines) + "\n"
