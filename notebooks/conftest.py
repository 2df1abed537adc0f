"""pytest setup for notebooks/: nbmake (pyproject's addopts) executes every notebook here.

tests/test_notebooks_figures.py executes some of these notebooks too, to count the figures they
draw. When one session collects both (``make test`` collects tests/ first), a notebook that ran
cleanly there runs once: nbmake's item for it passes on that run. nbmake executes the notebook
itself, and reports as usual, when the figures test did not run it (not collected, skipped, or
ordered after it) or saw it fail.
"""

from __future__ import annotations

import pytest

FIGURES_TEST = "test_notebooks_figures.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    figures_test_for = {}  # notebook file name -> the figures test item that executes it
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.path.name == FIGURES_TEST and callspec and "notebook" in callspec.params:
            figures_test_for[callspec.params["notebook"]] = item
    for item in items:
        if getattr(item, "nbmake", False) and item.path.name in figures_test_for:
            reuse_run(item, figures_test_for[item.path.name])


def reuse_run(item: pytest.Item, figures_item: pytest.Item) -> None:
    """Let nbmake's ``item`` pass on ``figures_item``'s run when every cell ran there (the
    figures test leaves ``notebook_ran_clean`` on its item once it has executed the notebook)."""
    execute = item.runtest

    def runtest() -> None:
        if not getattr(figures_item, "notebook_ran_clean", False):
            execute()

    item.runtest = runtest
