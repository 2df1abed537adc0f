"""The backward pass made visible: ``backward_steps(root)`` replays, frame by frame, the order
in which ``backward()`` visits the nodes of a graph.

The replay runs the driver's algorithm (autograd/graph.py: count each node's consumers, then
Kahn's order with a stack) on counters of its own, and calls each op's backward rule to get the
gradients it sends. It writes nothing on the graph: no ``.grad`` changes, so it can step
through a graph before or after ``backward()`` (a Tensor graph after a backward only with
``retain_graph=True``, since backward releases what the rules need). Tensor hooks are not
called. Frame k shows the node being processed (orange), the local derivative its op applies,
and every gradient known so far: complete for nodes already processed, partial (orange text)
for nodes still waiting for another consumer, blank for nodes not reached yet.
"""

from __future__ import annotations

import html
import math
import os
import secrets
import textwrap
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..files import atomic_write
from ..graph import FREED, GraphFreedError, _backward_lock, _check_versions, _Clock, no_grad
from ..graph import op_name as _op_name
from ..tensor import Tensor, _seed
from ..value import Value
from . import dot as d
from . import render

MAX_NODES = 200  # every frame draws the whole graph
WRAP = 110  # caption lines wrap at this many characters
CHAR_WIDTH = 0.62  # a character's width, as a fraction of the font size (Helvetica, roomy)
NOW_FILL, NOW_BORDER = "#fed7aa", "#c2410c"
NOW_OP_FILL = "#fdba74"
PARTIAL_COLOR = "#c2410c"
ARROW_NOW = f'color="{NOW_BORDER}", penwidth=2.2'

WORDS = {
    "en": {
        "step": "step {k} of {n}",
        "op_node": "{name}  (op {op}, data {data})",
        "leaf_node": "{name}  (a leaf, data {data})",
        "start": "backward starts here: grad = d {root} / d {root} = {g}",
        "complete": "its gradient is complete: grad = d {root} / d {name} = {g}",
        "sum_of": " (the sum of what {m} ops sent)",
        "local": "local derivatives: {items}",
        "rule": "gradients it sends (g = its grad): {items}",
        "generic": "it applies the backward rule of op '{op}' (a vector-Jacobian product)",
        "gets": "{var} = {name} gets {g} × {local} = {sent}",
        "gets_tensor": "{var} = {name} gets {sent}",
        "gets_none": "{var} = {name} gets nothing (None)",
        "constant": "{var} = {name} is a constant: it gets no gradient",
        "so_far": "; so far {acc}, still waiting for {left} more",
        "done": "; its gradient is complete",
        "done_sum": "; with what it had, its gradient is complete: {total}",
        "leaf": "a leaf: backward adds this to {name}.grad; it has no op, so nothing goes further "
                "back",
        "none": "no gradient reached it (the ops that use it sent None), so it sends nothing",
        "root": "root",
        "now": "being processed",
        "partial": "grad arrived, not yet processed",
        "shape": "a gradient of shape {shape}",
        "if": "if",
        "else": "else",
        "slider": "step",
        "previous": "previous",
        "next": "next",
        "title": "backward pass, step by step",
    },
    "es": {
        "step": "paso {k} de {n}",
        "op_node": "{name}  (operación {op}, data {data})",
        "leaf_node": "{name}  (una hoja, data {data})",
        "start": "backward empieza aquí: su gradiente es grad = d {root} / d {root} = {g}",
        "complete": "su gradiente está completo: grad = d {root} / d {name} = {g}",
        "sum_of": " (la suma de lo que enviaron {m} operaciones)",
        "local": "derivada local: {items}",
        "rule": "gradientes que envía (g = su grad): {items}",
        "generic": "aplica la regla hacia atrás de la operación '{op}' (un producto "
                   "vector-jacobiano)",
        "gets": "{var} = {name} recibe {g} × {local} = {sent}",
        "gets_tensor": "{var} = {name} recibe {sent}",
        "gets_none": "{var} = {name} no recibe nada (None)",
        "constant": "{var} = {name} es una constante: no recibe gradiente",
        "so_far": "; lleva {acc}, faltan {left} más",
        "done": "; su gradiente está completo",
        "done_sum": "; con lo que ya tenía, su gradiente está completo: {total}",
        "leaf": "una hoja: backward suma esto a {name}.grad; no tiene operación, así que nada "
                "sigue hacia atrás",
        "none": "no le llegó gradiente (las operaciones que lo usan enviaron None): no envía "
                "nada",
        "root": "raíz",
        "now": "en proceso",
        "partial": "gradiente recibido, aún sin procesar",
        "shape": "un gradiente de forma {shape}",
        "if": "si",
        "else": "si no",
        "slider": "paso",
        "previous": "anterior",
        "next": "siguiente",
        "title": "el paso hacia atrás, paso a paso",
    },
}

# A Value op's local derivatives: d(expr)/d(input) for each input, in words that lang fills in.
VALUE_RULES = {
    "+": ("a + b", ("1", "1")),
    "-": ("a - b", ("1", "-1")),
    "*": ("a * b", ("b", "a")),
    "/": ("a / b", ("1/b", "-a/b²")),
    "**": ("a ** b", ("b * a ** (b - 1)", "a ** b * ln(a)")),
    "neg": ("-x", ("-1",)),
    "abs": ("|x|", ("sign(x)",)),
    "exp": ("exp(x)", ("exp(x)",)),
    "log": ("ln(x)", ("1/x",)),
    "sqrt": ("sqrt(x)", ("1 / (2 sqrt(x))",)),
    "tanh": ("tanh(x)", ("1 - tanh(x)²",)),
    "sigmoid": ("sigmoid(x)", ("sigmoid(x) * (1 - sigmoid(x))",)),
    "relu": ("relu(x)", ("1 {if} x > 0, {else} 0",)),
    "leaky_relu": ("leaky_relu(x)", ("1 {if} x > 0, {else} slope", "")),
    "elu": ("elu(x)", ("1 {if} x > 0, {else} elu(x) + alpha", "")),
    "gelu": ("gelu(x)", ("Phi(x) + x * phi(x)",)),
    "silu": ("silu(x)", ("sigmoid(x) * (1 + x * (1 - sigmoid(x)))",)),
    "softplus": ("softplus(x)", ("sigmoid(x)",)),
}
VALUE_VARS = {1: ("x",), 2: ("a", "b")}

# A Tensor op's vector-Jacobian products: what each input gets, with g the op's gradient.
TENSOR_RULES = {
    "add": ("g", "g"),
    "sub": ("g", "-g"),
    "mul": ("g * b", "g * a"),
    "div": ("g / b", "-g * a / b²"),
    "pow": ("g * b * a ** (b - 1)", "g * a ** b * ln(a)"),
    "neg": ("-g",),
    "matmul": ("g @ b.T", "a.T @ g"),
    "linear": ("g @ W", "g.T @ x", "g.sum(0)"),
    "sum": ("g, copied to every element",),
    "mean": ("g / n, copied to every element",),
    "relu": ("g * (x > 0)",),
    "tanh": ("g * (1 - tanh(x)²)",),
    "sigmoid": ("g * sigmoid(x) * (1 - sigmoid(x))",),
    "exp": ("g * exp(x)",),
    "log": ("g / x",),
    "sqrt": ("g / (2 sqrt(x))",),
}
TENSOR_RULES_ES = {"sum": ("g, copiado a cada elemento",),
                   "mean": ("g / n, copiado a cada elemento",)}

# For naming an unnamed node by what made it: operator and precedence of the binary ops.
_INFIX = {"+": ("+", 1), "-": ("-", 1), "add": ("+", 1), "sub": ("-", 1), "*": ("*", 2),
          "/": ("/", 2), "mul": ("*", 2), "div": ("/", 2), "matmul": ("@", 2),
          "**": ("**", 3), "pow": ("**", 3)}


class _Visit:
    """One node as the driver processes it: the gradient it holds (complete), what its rule
    sends to each input, the local derivatives (Values), and every partial sum afterwards."""

    __slots__ = ("node", "grad", "sent", "local", "pending_after", "sums_after")

    def __init__(self, node, grad):
        self.node = node
        self.grad = grad
        self.sent: list = []  # (parent, gradient or None), one per parent
        self.local: tuple | None = None
        self.pending_after: dict[int, int] = {}
        self.sums_after: dict[int, Any] = {}


def _replay(root, seed) -> list[_Visit]:
    """graph.backward's two walks on counters of their own: the same visiting order, the same
    gradients, nothing written on the graph."""
    pending: dict[int, int] = {}
    stack = [root]
    changed = _Clock.now
    while stack:  # the first walk (graph._count_consumers)
        node = stack.pop()
        if node._saved is FREED:
            raise GraphFreedError(
                f"backward_steps needs what op '{node._backward.op}' saved, which a backward "
                "without retain_graph=True released; call backward(retain_graph=True), or step "
                "through the graph before backward()"
            )
        if node._tick < changed:
            _check_versions(node)
        for parent in node._parents:
            if parent.requires_grad:
                pending[id(parent)] = pending.get(id(parent), 0) + 1
                if pending[id(parent)] == 1:
                    stack.append(parent)
    sums: dict[int, Any] = {id(root): seed}
    visits = []
    ready = [root]
    while ready:  # the second walk (graph._propagate)
        node = ready.pop()
        visit = _Visit(node, sums.pop(id(node), None))
        visits.append(visit)
        rule = node._backward
        if rule is not None:
            parents = node._parents
            if visit.grad is None:
                grads = (None,) * len(parents)
            else:
                grads = rule(node, visit.grad)
                if isinstance(node, Value):
                    visit.local = tuple(rule(node, 1.0))  # Value rules are linear in g
            for parent, pg in zip(parents, grads):
                visit.sent.append((parent, pg))
                if not parent.requires_grad:
                    continue
                key = id(parent)
                if pg is not None:
                    sums[key] = pg if sums.get(key) is None else sums[key] + pg
                pending[key] -= 1
                if pending[key] == 0:
                    ready.append(parent)
        visit.pending_after = dict(pending)
        visit.sums_after = dict(sums)
    return visits


def _seed_for(root, gradient):
    if isinstance(root, Tensor):
        if not root.requires_grad:
            raise RuntimeError(
                "backward_steps on a tensor that does not require grad: no leaf it was made "
                "from has requires_grad=True, so backward would send nothing"
            )
        return _seed(root, gradient)
    if gradient is not None:
        raise ValueError(f"a Value's backward starts from 1.0; gradient= must be None, "
                         f"got {gradient!r:.60}")
    if root._backward is None:
        raise RuntimeError(
            f"backward_steps on {root!r}, which no op made: it recorded no graph, so there is "
            "nothing to step through"
        )
    return 1.0


def _describe(node, names: dict[int, str], depth: int = 3) -> str:
    """A short name for a node: its own, else what made it (x1 * w1 + x2 * w2, tanh(...))."""
    name = names.get(id(node))
    if name:
        return name
    if node._backward is None:
        if isinstance(node, Tensor):
            if node.numel() <= d.SMALL_TENSOR:
                return d.small_array(node.numpy())
            return f"tensor{node.shape}"
        return f"{node.data:g}"
    if depth == 0:
        return "..."
    text = _expression(node, names, depth)
    if len(text) > 44 and depth > 1:
        return _describe(node, names, depth - 1)
    return text


def _expression(node, names: dict[int, str], depth: int) -> str:
    op = _op_name(node)
    parents = node._parents
    if op in _INFIX and len(parents) == 2:
        symbol, rank = _INFIX[op]
        sides = []
        for i, parent in enumerate(parents):
            text = _describe(parent, names, depth - 1)
            inner = _op_name(parent) if id(parent) not in names else ""
            inner_rank = _INFIX[inner][1] if inner in _INFIX else 9
            # a - (b - c), a ** (b ** c): the right side of - / ** needs brackets at equal rank
            if inner_rank < rank or (i == 1 and inner_rank == rank and symbol in "-/**@"):
                text = f"({text})"
            sides.append(text)
        return f"{sides[0]} {symbol} {sides[1]}"
    if op == "dot":
        return f"dot({len(parents) // 2} inputs)"
    inner = ", ".join(_describe(p, names, depth - 1) for p in parents)
    return f"{op}({inner})"


def _number_or_array(g, words: dict) -> str:
    if g is None:
        return "None"
    if isinstance(g, np.ndarray):
        if g.size <= d.SMALL_TENSOR:
            return d.small_array(g)
        return words["shape"].format(shape=g.shape)
    return d.number(g)


class BackwardFrame:
    """One step of a backward pass: ``node`` (the node being processed), ``explanation``
    (its text), ``dot`` (the drawing's DOT text), ``svg()``, ``png()``, ``grad(node)``."""

    def __init__(self, steps: BackwardSteps, index: int):
        self._steps = steps
        self.index = index
        self._visit = steps._visits[index]
        self.node = self._visit.node
        self.explanation = steps._explanations[index]
        self._svg: str | None = None

    def __repr__(self) -> str:
        first = self.explanation.split("\n", 1)[0]
        return f"<BackwardFrame {first}>"

    def grad(self, node):
        """The gradient this frame shows for ``node``: complete for a node already processed
        (or being processed), the sum so far for one still waiting, None for one not reached
        (or a constant). A float for a Value, an array for a Tensor."""
        steps = self._steps
        key = id(node)
        position = steps._position.get(key)
        if position is not None and position <= self.index:
            return steps._visits[position].grad
        return self._visit.sums_after.get(key)

    def _state(self, node) -> str:
        """'now', 'done', 'partial' or 'blank' for a node that can hold a gradient."""
        position = self._steps._position.get(id(node))
        if position == self.index:
            return "now"
        if position is not None and position < self.index:
            return "done"
        return "partial" if self._visit.sums_after.get(id(node)) is not None else "blank"

    @property
    def dot(self) -> str:
        return self._steps._frame_dot(self)

    def svg(self) -> str:
        """This frame as SVG (sized in px); every frame of a graph has one size and layout."""
        if self._svg is None:
            self._svg = render.sized_svg(render.run_renderer(self.dot, "svg"))
        return self._svg

    def png(self) -> bytes:
        return render.run_renderer(self.dot, "png")

    def html(self) -> str:
        return render.scroll_box(self.svg())

    def _repr_html_(self) -> str:
        svg, why = render.svg_or_hint(self.svg)
        if svg is not None:
            return render.scroll_box(svg)
        return f"<pre>{html.escape(self.explanation)}\n# {html.escape(why)}</pre>"


class _FrameLook(d.Look):
    """The look of one frame: the node being processed in orange, its op and arrows too;
    gradients as known at that moment, each in a cell of one width in every frame."""

    label_at = "t"

    def __init__(self, frame: BackwardFrame):
        self.frame = frame
        self.now = frame.node
        self.widths = frame._steps._grad_widths

    def grad(self, node):
        if not node.requires_grad:
            return None
        state = self.frame._state(node)
        if state == "blank":
            return "grad", ""
        words = WORDS[self.frame._steps.lang]
        text = f"grad {_number_or_array(self.frame.grad(node), words)}"
        return text, PARTIAL_COLOR if state == "partial" else ""

    def grad_width(self, node):
        return self.widths.get(id(node))

    def colors(self, node, kind):
        if node is self.now:
            return NOW_FILL, NOW_BORDER
        return super().colors(node, kind)

    def op_fill(self, node):
        return NOW_OP_FILL if node is self.now else super().op_fill(node)

    def edge(self, parent, node):
        return ARROW_NOW if node is self.now else ""


def _text_width(text: str, size: float = d.FONT_SIZE) -> int:
    return math.ceil(len(text) * size * CHAR_WIDTH) + 2 * d.CELL_PADDING + 4


class BackwardSteps:
    """The frames of a backward pass, in the driver's order: ``len()``, ``steps[k]`` (a
    BackwardFrame), iteration, ``order`` (the nodes), ``save(folder)`` (one SVG per frame),
    ``save_html(path)`` (one page with a slider), ``save_gif(path)`` (needs Pillow),
    ``widget()`` (an ipywidgets slider). In Jupyter it shows itself as that slider, or as the
    page's slider when ipywidgets is missing."""

    def __init__(self, root, visits: list[_Visit], names: dict[int, str],
                 parameters: dict[int, Any], rankdir: str, lang: str, legend: bool):
        self.root = root
        self.lang = lang
        self._visits = visits
        self._names = names
        self._parameters = parameters
        self._rankdir = rankdir
        self._legend = legend
        self._order, _ = d.walk(root)
        self._position = {id(v.node): i for i, v in enumerate(visits)}
        self._explanations = [self._explain(i) for i in range(len(visits))]
        self._grad_widths = self._measure_grads()
        self._caption = self._caption_size()
        self._frames: dict[int, BackwardFrame] = {}

    @property
    def order(self) -> list:
        """The nodes in the order backward processes them."""
        return [v.node for v in self._visits]

    def __len__(self) -> int:
        return len(self._visits)

    def __getitem__(self, index: int) -> BackwardFrame:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"frames are indexed by int, got {type(index).__name__}")
        n = len(self._visits)
        if not -n <= index < n:
            raise IndexError(f"frame {index} out of range: there are {n} frames")
        index %= n
        if index not in self._frames:
            self._frames[index] = BackwardFrame(self, index)
        return self._frames[index]

    def __iter__(self) -> Iterator[BackwardFrame]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self)} frames, lang={self.lang!r}>"

    # -- the text of each frame ------------------------------------------------------------------

    def _name(self, node) -> str:
        return _describe(node, self._names)

    def _senders(self, node) -> int:
        """How many times an op sends ``node`` a gradient in the whole pass."""
        return sum(1 for v in self._visits for p, _ in v.sent if p is node)

    def _wrt(self, node) -> str:
        """The node as the denominator of d root / d node: bracketed when it is a formula."""
        name = self._name(node)
        return f"({name})" if " " in name else name

    def _explain(self, index: int) -> str:
        words = WORDS[self.lang]
        visit = self._visits[index]
        node = visit.node
        name = self._name(node)
        root_name = self._wrt(self.root) if id(self.root) in self._names else words["root"]
        data = (d.small_array(node.numpy()) if node.numel() <= d.SMALL_TENSOR
                else f"{node.shape}") if isinstance(node, Tensor) else d.number(node.data)
        lines = [words["step"].format(k=index + 1, n=len(self._visits)) + ": "]
        if node._backward is None:
            lines[0] += words["leaf_node"].format(name=name, data=data)
        else:
            lines[0] += words["op_node"].format(name=name, op=d.operands(node)[0], data=data)
        g = _number_or_array(visit.grad, words)
        if visit.grad is None:
            lines.append(words["none"])
            return "\n".join(lines)
        if node is self.root:
            lines.append(words["start"].format(root=root_name, g=g))
        else:
            text = words["complete"].format(root=root_name, name=self._wrt(node), g=g)
            senders = self._senders(node)
            if senders > 1:
                text += words["sum_of"].format(m=senders)
            lines.append(text)
        if node._backward is None:
            lines.append(words["leaf"].format(name=name))
            return "\n".join(lines)
        lines.append(self._rule_line(visit, words))
        lines.extend(self._sent_lines(index, visit, words, g))
        return "\n".join(lines)

    def _variables(self, node) -> tuple[str, ...]:
        op = _op_name(node)
        n = len(node._parents)
        if op == "dot":
            half = n // 2
            return (*(f"w{i}" for i in range(half)), *(f"x{i}" for i in range(half)),
                    *(("b",) if n % 2 else ()))
        named = d.operands(node)[1]
        if named is not None:
            return named
        return VALUE_VARS.get(n, tuple(f"input {i}" for i in range(n)))

    def _rule_line(self, visit: _Visit, words: dict) -> str:
        node = visit.node
        op = _op_name(node)
        variables = self._variables(node)
        if isinstance(node, Value) and op == "dot":
            return words["local"].format(items="d(w·x + b)/dw_i = x_i, d(w·x + b)/dx_i = w_i, "
                                               "d(w·x + b)/db = 1")
        if isinstance(node, Value) and op in VALUE_RULES:
            expr, derivatives = VALUE_RULES[op]
            items = []
            for var, sym, local, (parent, _) in zip(variables, derivatives, visit.local,
                                                    visit.sent):
                if not parent.requires_grad or local is None:
                    continue
                sym = sym.format(**{"if": words["if"], "else": words["else"]})
                item = f"d({expr})/d{var} = {sym}"
                if sym.lstrip("-") != "1":
                    item += f" = {d.number(local)}"
                items.append(item)
            return words["local"].format(items=", ".join(items))
        rules = TENSOR_RULES_ES if self.lang == "es" and op in TENSOR_RULES_ES else TENSOR_RULES
        if isinstance(node, Tensor) and op in rules and len(rules[op]) >= len(variables):
            items = [f"{var} <- {vjp}" for var, vjp in zip(variables, rules[op])]
            return words["rule"].format(items=", ".join(items))
        return words["generic"].format(op=op)

    def _sent_lines(self, index: int, visit: _Visit, words: dict, g: str) -> list[str]:
        lines = []
        variables = self._variables(visit.node)
        for i, (parent, pg) in enumerate(visit.sent):
            var = variables[i] if i < len(variables) else str(i)
            name = self._name(parent)
            if not parent.requires_grad:
                lines.append(words["constant"].format(var=var, name=name))
                continue
            if pg is None:
                lines.append(words["gets_none"].format(var=var, name=name))
                continue
            sent = _number_or_array(pg, words)
            if visit.local is not None and visit.local[i] is not None:
                text = words["gets"].format(var=var, name=name, g=g,
                                            local=d.number(visit.local[i]), sent=sent)
            else:
                text = words["gets_tensor"].format(var=var, name=name, sent=sent)
            left = visit.pending_after.get(id(parent), 0)
            total = _number_or_array(visit.sums_after.get(id(parent)), words)
            if left:
                text += words["so_far"].format(acc=total, left=left)
            elif sum(1 for p, _ in visit.sent if p is parent) == 1:
                several = self._senders(parent) > 1
                text += words["done_sum"].format(total=total) if several else words["done"]
            lines.append(text)
        return lines

    # -- drawing ---------------------------------------------------------------------------------

    def _measure_grads(self) -> dict[int, int]:
        """The width of each node's grad cell: the widest text it shows in any frame."""
        words = WORDS[self.lang]
        longest: dict[int, int] = {}
        for visit in self._visits:
            texts = [(id(visit.node), visit.grad)]
            texts += [(key, value) for key, value in visit.sums_after.items()]
            for key, value in texts:
                n = len(f"grad {_number_or_array(value, words)}")
                longest[key] = max(longest.get(key, 4), n)
        return {key: _text_width("x" * n) for key, n in longest.items()}

    def _caption_lines(self, index: int) -> list[str]:
        lines = []
        for line in self._explanations[index].split("\n"):
            lines.extend(textwrap.wrap(line, WRAP, subsequent_indent="    ") or [""])
        return lines

    def _caption_size(self) -> tuple[int, int, int]:
        """(lines, width, height) of the caption box, one size for every frame."""
        wrapped = [self._caption_lines(i) for i in range(len(self._visits))]
        lines = max(len(w) for w in wrapped)
        width = max(_text_width(line) for w in wrapped for line in w)
        return lines, width, lines * 16 + 2 * d.CELL_PADDING + 4

    def _label(self, frame: BackwardFrame) -> str:
        """The frame's caption (its explanation) over the legend, in cells of fixed size."""
        words = WORDS[self.lang]
        n_lines, width, height = self._caption
        lines = self._caption_lines(frame.index)
        lines += [""] * (n_lines - len(lines))
        body = "<br align=\"left\"/>".join(
            f"<b>{d.escape_html(line)}</b>" if i == 0 else d.escape_html(line) or " "
            for i, line in enumerate(lines)
        ) + '<br align="left"/>'
        cells = []
        if self._legend:
            kinds = d.kinds_drawn(self._order, self.root, self._parameters)
            for kind in d.KINDS:
                if kind not in kinds:
                    continue
                fill = d.FILL[kind]
                border = d.DIM if kind == "constant" else d.BORDER
                style = ' style="dashed"' if kind == "constant" else ""
                cells.append((d.KIND_NAMES[self.lang][kind], fill, border, style, ""))
            cells.append((words["now"], NOW_FILL, NOW_BORDER, "", ""))
            cells.append((words["partial"], "#ffffff", d.DIM, "", PARTIAL_COLOR))
        cell_height = d.SMALL_FONT_SIZE + 2 * d.CELL_PADDING + 6
        legend_width = sum(_text_width(c[0], d.SMALL_FONT_SIZE) + 4 for c in cells)
        width = max(width, legend_width + 4)
        row = []
        for text, fill, border, style, color in cells:
            body_text = d.escape_html(text)
            if color:
                body_text = f'<font color="{color}">{body_text}</font>'
            row.append(f'<td border="1" bgcolor="{fill}" color="{border}"{style} '
                       f'fixedsize="true" width="{_text_width(text, d.SMALL_FONT_SIZE)}" '
                       f'height="{cell_height}">{body_text}</td>')
        filler = width - legend_width
        row.append(f'<td fixedsize="true" width="{max(filler, 1)}" height="{cell_height}"></td>')
        caption = (f'<td colspan="{len(row)}" fixedsize="true" width="{width}" '
                   f'height="{height}" align="left" balign="left">'
                   f'<font point-size="{d.FONT_SIZE}">{body}</font></td>')
        return ('<table border="0" cellborder="0" cellspacing="4" cellpadding="0">'
                f'<tr>{caption}</tr><tr>{"".join(row)}</tr></table>')

    def _frame_dot(self, frame: BackwardFrame) -> str:
        return d.full_dot(self.root, self._order, self._names, self._parameters, self._rankdir,
                          True, self._label(frame), _FrameLook(frame))

    # -- output ----------------------------------------------------------------------------------

    def save(self, folder) -> list[str]:
        """Write one SVG per frame into ``folder`` (made if missing): step_01.svg, ...; each
        file written atomically. Returns the paths."""
        folder = os.fspath(folder)
        svgs = [frame.svg() for frame in self]  # render all before writing any
        os.makedirs(folder, exist_ok=True)
        digits = len(str(len(self)))
        paths = []
        for k, svg in enumerate(svgs, start=1):
            path = os.path.join(folder, f"step_{k:0{digits}d}.svg")
            data = svg.encode("utf-8")
            paths.append(atomic_write(path, lambda f, data=data: f.write(data)))
        return paths

    def html(self) -> str:
        """An HTML fragment: every frame, and a slider (plain JavaScript) showing one at a
        time; without JavaScript the first frame shows."""
        words = WORDS[self.lang]
        uid = "rg-steps-" + secrets.token_hex(6)
        frames = "".join(
            f'<div class="rg-frame" style="display:{"block" if k == 0 else "none"}">'
            f"{render.inline_svg(frame.svg())}</div>"
            for k, frame in enumerate(self)
        )
        n = len(self)
        controls = (
            f'<div style="font:13px sans-serif;margin:4px 0">'
            f'<button type="button" data-rg="-1">&#9664; {html.escape(words["previous"])}</button> '
            f'<input type="range" min="1" max="{n}" value="1" step="1" style="width:50%;'
            f'vertical-align:middle" aria-label="{html.escape(words["slider"])}"> '
            f'<button type="button" data-rg="1">{html.escape(words["next"])} &#9654;</button> '
            f'<span class="rg-count">{html.escape(words["slider"])} 1 / {n}</span></div>'
        )
        script = (
            "<script>(function(){"
            f'var box=document.getElementById("{uid}");if(!box)return;'
            'var frames=box.querySelectorAll(".rg-frame"),range=box.querySelector("input"),'
            'count=box.querySelector(".rg-count"),word=count.textContent.split(" ")[0];'
            "function show(k){k=Math.max(1,Math.min(frames.length,k));range.value=k;"
            'for(var i=0;i<frames.length;i++){frames[i].style.display=(i==k-1)?"block":"none";}'
            'count.textContent=word+" "+k+" / "+frames.length;}'
            'range.addEventListener("input",function(){show(+range.value);});'
            'box.querySelectorAll("button").forEach(function(b){b.addEventListener("click",'
            'function(){show(+range.value+(+b.getAttribute("data-rg")));});});'
            "})();</script>"
        )
        return (f'<div id="{uid}">{controls}<div style="overflow-x:auto;max-width:100%">'
                f"{frames}</div></div>{script}")

    def save_html(self, path) -> str:
        """Write one self-contained HTML page with every frame and a slider. Returns the
        path; the file is written atomically."""
        words = WORDS[self.lang]
        page = (f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
                f"<title>{html.escape(words['title'])}</title></head>"
                f'<body style="margin:12px">{self.html()}</body></html>\n').encode()
        return atomic_write(os.fspath(path), lambda f: f.write(page))

    def save_gif(self, path, seconds_per_frame: float = 2.0) -> str:
        """Write the frames as one animated GIF (needs Pillow). Returns the path."""
        try:
            from PIL import Image
        except ImportError:
            raise ImportError('save_gif needs Pillow: pip install pillow (or save_html for '
                              "a page with a slider)") from None
        import io

        if not seconds_per_frame > 0:
            raise ValueError(f"seconds_per_frame must be positive, got {seconds_per_frame!r}")
        images = [Image.open(io.BytesIO(frame.png())).convert("RGB") for frame in self]
        buffer = io.BytesIO()
        images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(seconds_per_frame * 1000), loop=0)
        data = buffer.getvalue()
        return atomic_write(os.fspath(path), lambda f: f.write(data))

    def widget(self):
        """An ipywidgets box: a play button and a slider over the frames, the frame below."""
        try:
            import ipywidgets as widgets
            from IPython.display import HTML, display
        except ImportError:
            raise ImportError('the slider needs ipywidgets: pip install "retrograd[notebook]" '
                              "(or save_html for a page with a slider)") from None
        words = WORDS[self.lang]
        n = len(self)
        slider = widgets.IntSlider(value=1, min=1, max=n, step=1, description=words["slider"],
                                   continuous_update=True)
        play = widgets.Play(value=1, min=1, max=n, step=1, interval=1500)
        widgets.jslink((play, "value"), (slider, "value"))
        out = widgets.Output()

        def show(change=None):
            with out:
                out.clear_output(wait=True)
                display(HTML(self[slider.value - 1]._repr_html_()))

        slider.observe(show, names="value")
        show()
        return widgets.VBox([widgets.HBox([play, slider]), out])

    def _repr_html_(self) -> str:
        try:
            return self.html()
        except Exception as e:  # a display must not raise, whatever went wrong
            text = "\n\n".join(self._explanations)
            return f"<pre>{html.escape(text)}\n# {html.escape(str(e).splitlines()[0])}</pre>"

    def _ipython_display_(self) -> None:
        """The slider widget (its bundle also carries the static page, for viewers without
        widgets); the static page alone when ipywidgets is missing."""
        from IPython.display import display

        try:
            box = self.widget()
        except ImportError:
            display({"text/html": self._repr_html_(), "text/plain": repr(self)}, raw=True)
            return
        bundle = box._repr_mimebundle_()
        bundle["text/html"] = self._repr_html_()
        display(bundle, raw=True)


def backward_steps(root, gradient=None, *, params=None, model=None, rankdir: str = "LR",
                   lang: str = "en", legend: bool = True,
                   max_nodes: int = MAX_NODES) -> BackwardSteps:
    """Replay ``root.backward()`` one node at a time, without changing any ``.grad``.

    Frame k (``steps[k]``) is the k-th node the backward driver processes, in its own order
    (Kahn's order with a stack, as autograd/graph.py runs it): that node highlighted, the local
    derivative its op applies (``d(a*b)/da = b = 3.0000``) and the gradients filled in so far;
    ``explanation`` says it in English or (``lang="es"``) Spanish. ``gradient`` is the seed for
    a non-scalar Tensor root, as in ``backward(gradient)``. ``params``/``model`` name parameters
    as in ``draw_graph``. A graph of more than ``max_nodes`` nodes is refused (every frame
    draws all of it)."""
    try:
        d.check_common(root, rankdir, max_nodes, lang)
    except TypeError as e:
        raise TypeError(f"backward_steps {e}") from None
    if not isinstance(legend, bool):
        raise TypeError(f"legend must be True or False, got {legend!r}")
    parameters = d.parameter_names(params, model)
    order, _ = d.walk(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"backward_steps draws the whole graph in every frame: this one has {len(order)} "
            f"nodes, more than max_nodes={max_nodes}; step through a smaller graph or raise "
            "max_nodes"
        )
    seed = _seed_for(root, gradient)
    with _backward_lock, no_grad():  # no backward changes the graph while it is replayed
        visits = _replay(root, seed)
    names = d.display_names(order, parameters)
    return BackwardSteps(root, visits, names, parameters, rankdir, lang, legend)
