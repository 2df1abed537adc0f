"""The words of ``backward_steps``' frames, in English and Spanish: what each step does, the
local derivative of each op, and short names for nodes that have none."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..graph import op_name as _op_name
from ..tensor import Tensor
from ..value import Value
from . import dot as d

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
        "so_far_1": "; so far {acc}, still waiting for 1 more",
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
        "so_far_1": "; lleva {acc}, falta 1 más",
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
INFIX = {"+": ("+", 1), "-": ("-", 1), "add": ("+", 1), "sub": ("-", 1), "*": ("*", 2),
          "/": ("/", 2), "mul": ("*", 2), "div": ("/", 2), "matmul": ("@", 2),
          "**": ("**", 3), "pow": ("**", 3)}


def describe(node, names: dict[int, str], depth: int = 3) -> str:
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
    text = expression(node, names, depth)
    if len(text) > 44 and depth > 1:
        return describe(node, names, depth - 1)
    return text


_RIGHT_BRACKETS = frozenset({"-", "/", "**", "@"})


def expression(node, names: dict[int, str], depth: int) -> str:
    op = _op_name(node)
    parents = node._parents
    if op in INFIX and len(parents) == 2:
        symbol, rank = INFIX[op]
        sides = []
        for i, parent in enumerate(parents):
            text = describe(parent, names, depth - 1)
            inner = _op_name(parent) if id(parent) not in names else ""
            inner_rank = INFIX[inner][1] if inner in INFIX else 9
            # a - (b - c), a ** (b ** c): the right side of - / ** needs brackets at equal rank
            if inner_rank < rank or (i == 1 and inner_rank == rank and symbol in _RIGHT_BRACKETS):
                text = f"({text})"
            sides.append(text)
        return f"{sides[0]} {symbol} {sides[1]}"
    if op == "dot":
        return f"dot({len(parents) // 2} inputs)"
    inner = ", ".join(describe(p, names, depth - 1) for p in parents)
    return f"{op}({inner})"


def number_or_array(g, words: dict) -> str:
    if g is None:
        return "None"
    if isinstance(g, np.ndarray):
        if g.size <= d.SMALL_TENSOR:
            return d.small_array(g)
        return words["shape"].format(shape=g.shape)
    return d.number(g)


class Explainer:
    """The text of each frame of a replayed backward pass (``steps._replay``'s visits)."""

    def __init__(self, root, visits: list, names: dict[int, str], lang: str):
        self.root = root
        self.visits = visits
        self.names = names
        self.lang = lang
        # how many times an op sends each node a gradient in the whole pass
        self.senders = Counter(id(parent) for v in visits for parent, _ in v.sent)

    def _name(self, node) -> str:
        return describe(node, self.names)

    def _wrt(self, node) -> str:
        """The node as the denominator of d root / d node: bracketed when it is a formula."""
        name = self._name(node)
        return f"({name})" if " " in name else name

    def text(self, index: int) -> str:
        """What frame ``index`` shows, one line per fact: the node, its gradient, the local
        derivative its op applies and what each input gets."""
        words = WORDS[self.lang]
        visit = self.visits[index]
        node = visit.node
        name = self._name(node)
        root_name = self._wrt(self.root) if id(self.root) in self.names else words["root"]
        data = (d.small_array(node.numpy()) if node.numel() <= d.SMALL_TENSOR
                else f"{node.shape}") if isinstance(node, Tensor) else d.number(node.data)
        lines = [words["step"].format(k=index + 1, n=len(self.visits)) + ": "]
        if node._backward is None:
            lines[0] += words["leaf_node"].format(name=name, data=data)
        else:
            lines[0] += words["op_node"].format(name=name, op=d.operands(node)[0], data=data)
        g = number_or_array(visit.grad, words)
        if visit.grad is None:
            lines.append(words["none"])
            return "\n".join(lines)
        if node is self.root:
            lines.append(words["start"].format(root=root_name, g=g))
        else:
            text = words["complete"].format(root=root_name, name=self._wrt(node), g=g)
            senders = self.senders[id(node)]
            if senders > 1:
                text += words["sum_of"].format(m=senders)
            lines.append(text)
        if node._backward is None:
            lines.append(words["leaf"].format(name=name))
            return "\n".join(lines)
        lines.append(self._rule_line(visit, words))
        lines.extend(self._sent_lines(visit, words, g))
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

    def _rule_line(self, visit, words: dict) -> str:
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

    def _sent_lines(self, visit, words: dict, g: str) -> list[str]:
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
            sent = number_or_array(pg, words)
            if visit.local is not None and visit.local[i] is not None:
                text = words["gets"].format(var=var, name=name, g=g,
                                            local=d.number(visit.local[i]), sent=sent)
            else:
                text = words["gets_tensor"].format(var=var, name=name, sent=sent)
            left = visit.pending_after.get(id(parent), 0)
            total = number_or_array(visit.sums_after.get(id(parent)), words)
            if left:
                text += words["so_far_1" if left == 1 else "so_far"].format(acc=total, left=left)
            elif sum(1 for p, _ in visit.sent if p is parent) == 1:
                several = self.senders[id(parent)] > 1
                text += words["done_sum"].format(total=total) if several else words["done"]
            lines.append(text)
        return lines
