"""Drawing a graph and stepping through its backward pass.

``draw_graph(root)`` draws a Value or Tensor graph (DOT text, rendered to SVG or PNG by a
Graphviz program; in Jupyter, at reading size). ``backward_steps(root)`` replays the order in
which ``backward()`` visits the nodes, one frame per node: which node is being processed, the
local derivative its op applies and the gradients filled in so far (a slider in Jupyter, SVG
files or one HTML page elsewhere).
"""

from .dot import (
    KINDS,
    LANGS,
    RANKDIRS,
    SMALL_TENSOR,
    GraphDrawing,
    draw_graph,
    escape_html,
    escape_text,
)
from .render import FORMATS, INSTALL_HINT, find_renderer, run_renderer
from .steps import BackwardFrame, BackwardSteps, backward_steps
