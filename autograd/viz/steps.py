"""The backward pass made visible: ``backward_steps(root)`` replays, frame by frame, the order
in which ``backward()`` visits the nodes of a graph.

The replay runs the driver's algorithm (autograd/graph.py: count each node's consumers, then
Kahn's order with a stack) on counters of its own, and calls each op's backward rule to get the
gradients it sends. It writes nothing on the graph: no ``.grad`` changes, so it can step
through a graph before or after ``backward()`` (a Tensor graph after a backward only with
``retain_graph=True``, since backward releases what the rules need). Tensor hooks are not
called. (The version check it shares with backward does point, for good, an op that used a
tensor before an in-place op changed it at the former self it used.) Frame k shows the node
being processed (orange), the local derivative its op applies, and every gradient known so
far: in black for nodes already processed, in orange for nodes that gradients reached but
that wait their turn (their sum may still be partial), blank for nodes not reached yet.
"""

from __future__ import annotations

import html
import io
import math
import os
import secrets
import textwrap
from collections.abc import Iterator
from typing import Any

from ..files import atomic_write
from ..graph import FREED, GraphFreedError, _backward_lock, _check_versions, _Clock, no_grad
from ..tensor import Tensor, _seed
from ..value import Value
from . import dot as d
from . import render
from . import words as w

MAX_NODES = 200  # every frame draws the whole graph
WRAP = 110  # caption lines wrap at this many characters
CHAR_WIDTH = 0.58  # a character's width, as a fraction of the font size (Helvetica, roomy)
NOW_FILL, NOW_BORDER = "#fed7aa", "#c2410c"
NOW_OP_FILL = "#fdba74"
PARTIAL_COLOR = "#c2410c"
ARROW_NOW = f'color="{NOW_BORDER}", penwidth=2.2'


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
        words = w.WORDS[self.frame._steps.lang]
        text = f"grad {w.number_or_array(self.frame.grad(node), words)}"
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
        explainer = w.Explainer(root, visits, names, lang)
        self._explanations = [explainer.text(i) for i in range(len(visits))]
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

    # -- drawing ---------------------------------------------------------------------------------

    def _measure_grads(self) -> dict[int, int]:
        """The width of each node's grad cell: the widest text it shows in any frame."""
        words = w.WORDS[self.lang]
        longest: dict[int, int] = {}
        for visit in self._visits:
            texts = [(id(visit.node), visit.grad)]
            texts += [(key, value) for key, value in visit.sums_after.items()]
            for key, value in texts:
                n = len(f"grad {w.number_or_array(value, words)}")
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
        lines = max(len(frame_lines) for frame_lines in wrapped)
        width = max(_text_width(line) for frame_lines in wrapped for line in frame_lines)
        return lines, width, lines * 16 + 2 * d.CELL_PADDING + 4

    def _label(self, frame: BackwardFrame) -> str:
        """The frame's caption (its explanation) over the legend, in cells of fixed size."""
        words = w.WORDS[self.lang]
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
        words = w.WORDS[self.lang]
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
        words = w.WORDS[self.lang]
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
        if not seconds_per_frame > 0:
            raise ValueError(f"seconds_per_frame must be positive, got {seconds_per_frame!r}")
        images = [Image.open(io.BytesIO(frame.png())).convert("RGB") for frame in self]
        size = (max(im.width for im in images), max(im.height for im in images))
        if any(im.size != size for im in images):  # one canvas for all (frames share a layout)
            canvases = [Image.new("RGB", size, "white") for _ in images]
            for canvas, im in zip(canvases, images):
                canvas.paste(im)
            images = canvases
        buffer = io.BytesIO()
        images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(seconds_per_frame * 1000), loop=0)
        data = buffer.getvalue()
        return atomic_write(os.fspath(path), lambda f: f.write(data))

    def widget(self):
        """An ipywidgets box: a play button and a slider over the frames, the frame below."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError('the slider needs ipywidgets: pip install "retrograd[notebook]" '
                              "(or save_html for a page with a slider)") from None
        words = w.WORDS[self.lang]
        n = len(self)
        slider = widgets.IntSlider(value=1, min=1, max=n, step=1, description=words["slider"],
                                   continuous_update=True)
        play = widgets.Play(value=1, min=1, max=n, step=1, interval=1500)
        widgets.jslink((play, "value"), (slider, "value"))
        out = widgets.Output()

        def show(change=None):
            # set, not printed into: works the same with or without a kernel listening
            frame = self[slider.value - 1]
            out.outputs = ({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": frame._repr_html_(),
                                     "text/plain": frame.explanation}},)

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
    """Replay ``root.backward()`` one node at a time, without changing any ``.grad``: before
    ``backward()`` (the replay computes every gradient itself) or after it (a Tensor graph only
    after ``backward(retain_graph=True)``, since backward releases what the rules need).

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
