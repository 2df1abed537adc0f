"""Each notebook, executed, draws the figures it promises: not only that it runs.

FIGURES maps a notebook in notebooks/ to the least it must show: matplotlib figures
(image/png outputs), computation graphs from ``draw_graph`` (image/svg+xml outputs) and
backward step-throughs from ``backward_steps`` (an output whose HTML holds one SVG per frame,
so at least two). Add a row for a new notebook.

Each notebook is executed once here, with nbclient in a fresh ``python3`` kernel (this venv's
interpreter), from notebooks/ as nbmake does. nbmake also collects every notebook;
notebooks/conftest.py lets its item for a notebook listed here pass on a clean run of this test
instead of executing the notebook a second time in the same session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Figures:
    png: int = 0  # matplotlib figures
    svg: int = 0  # graphs drawn by draw_graph
    step_through: int = 0  # backward_steps outputs (a slider or a page over the frames)


FIGURES = {
    "01_grafo_y_regla_de_la_cadena.ipynb": Figures(png=2, svg=3, step_through=1),
    "02_descenso_de_gradiente.ipynb": Figures(png=9),
    "03_funciones_de_perdida.ipynb": Figures(png=5),
    "04_optimizadores.ipynb": Figures(png=3),
    "05_bucle_estilo_pytorch.ipynb": Figures(png=3),
    "06_fit_estilo_keras.ipynb": Figures(png=3),
    "07_preparacion_de_datos.ipynb": Figures(png=4),
    "08_sobreajuste_y_subajuste.ipynb": Figures(png=7),
    "09_hiperparametros.ipynb": Figures(png=3),
    "10_activaciones_y_gradientes.ipynb": Figures(png=4),
}


def count_figures(nb) -> Figures:
    """Count what the executed notebook ``nb`` displayed, over every code cell's outputs."""
    png = svg = step_through = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            png += "image/png" in data
            svg += "image/svg+xml" in data
            step_through += data.get("text/html", "").count("<svg") >= 2
    return Figures(png=png, svg=svg, step_through=step_through)


def execute(path: Path, timeout: int):
    """Run the notebook top to bottom; return (the executed notebook, the error text or "")."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3")
    try:
        client.execute(cwd=str(path.parent))
    except CellExecutionError as e:
        return nb, str(e)
    return nb, ""


@pytest.mark.parametrize("notebook", sorted(FIGURES))
def test_notebook_draws_its_figures(notebook: str, request: pytest.FixtureRequest):
    pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    expected = FIGURES[notebook]
    if expected.svg or expected.step_through:
        from autograd.viz import find_renderer

        if find_renderer() is None:
            pytest.skip('no Graphviz renderer to draw the graphs: pip install "retrograd[viz]"')
    path = NOTEBOOKS / notebook
    assert path.is_file(), f"FIGURES names {notebook}, which is not in {NOTEBOOKS}"
    timeout = request.config.getoption("nbmake_timeout", default=300)
    nb, error = execute(path, timeout)
    request.node.notebook_ran_clean = not error  # nbmake's item passes on a clean run
    if error:
        pytest.fail(f"{notebook} failed:\n{error}", pytrace=False)

    drawn = count_figures(nb)
    short = [f"{kind}: {getattr(drawn, kind)} of at least {getattr(expected, kind)}"
             for kind in ("png", "svg", "step_through")
             if getattr(drawn, kind) < getattr(expected, kind)]
    assert not short, f"{notebook} drew too little ({'; '.join(short)})"
