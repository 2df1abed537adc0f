"""Finding and running a Graphviz renderer, and sizing its SVG for a notebook cell.

Graphviz measures in points; a drawing's SVG is given a width and height in CSS pixels equal to
its point size, so a node's 12-point font shows as 12 px text. In Jupyter the SVG sits in a
container that scrolls sideways when the drawing is wider than the cell, instead of being
shrunk until its labels cannot be read.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable

from ..files import atomic_write

FORMATS = ("svg", "png")
RENDER_TIMEOUT_S = 120
INSTALL_HINT = (
    'no Graphviz renderer was found: pip install "retrograd[viz]" (which installs '
    "graphviz-pure) or install Graphviz's `dot` (https://graphviz.org/download/)"
)

_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


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


def write_rendered(pipe: Callable[[str], bytes], path, format: str | None) -> str:
    """Write ``pipe(format)`` to ``path`` atomically; ``format`` defaults to the path's suffix
    (".svg" or ".png"), and to SVG for a path without one. Returns the path."""
    path = os.fspath(path)
    if format is None:
        suffix = os.path.splitext(path)[1].lstrip(".").lower()
        format = suffix or "svg"
    data = pipe(format)
    return atomic_write(path, lambda f: f.write(data))


def svg_or_hint(svg: Callable[[], str]) -> tuple[str | None, str]:
    """(``svg()``, '') or (None, the first line of why it failed): a display never raises."""
    try:
        return svg(), ""
    except Exception as e:  # a display must not raise, whatever went wrong
        return None, str(e).splitlines()[0] if str(e) else type(e).__name__


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) of an SVG that ``sized_svg`` made, in px."""
    found = re.search(r'<svg width="([\d.]+)px" height="([\d.]+)px"', svg)
    if found is None:
        raise ValueError("not an SVG drawn by a Graphviz renderer: no width and height in px")
    return float(found[1]), float(found[2])


def sized_svg(raw: bytes) -> str:
    """The renderer's SVG with its size in px (one point of the drawing = one CSS pixel)."""
    svg = raw.decode("utf-8", "replace")
    return _SVG_SIZE.sub(r'<svg width="\1px" height="\2px"', svg, count=1)


def inline_svg(svg: str) -> str:
    """The ``<svg>`` element alone (no XML prolog), never scaled down by the page's CSS."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("not an SVG: no <svg> element")
    element = svg[start:]
    return element.replace("<svg ", '<svg style="max-width:none" ', 1)


def scroll_box(svg: str, caption: str = "") -> str:
    """HTML for a notebook cell: the drawing at its own size, scrolling sideways when wider
    than the cell (Jupyter's CSS would otherwise shrink it, and its labels with it)."""
    text = f'<div style="font:13px sans-serif;margin:4px 0">{html.escape(caption)}</div>' \
        if caption else ""
    return f'<div style="overflow-x:auto;max-width:100%">{text}{inline_svg(svg)}</div>'
