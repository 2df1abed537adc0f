# `make test` and `make demo` each build the virtual environment when it is missing or when
# pyproject.toml is newer than the last install, then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo notebooks bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# One BLAS thread: on a shared 2-core machine numpy's spinning BLAS workers slow the small
# matrix products of the tests and notebooks down many times over.
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest

demo: $(STAMP)
	$(VENV)/bin/retrograd demo

# JupyterLab on notebooks/, with this venv's Python as the kernel
notebooks: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
