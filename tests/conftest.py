"""Test configuration: Hypothesis profiles and a clean engine state for every test.

Hypothesis profiles, chosen by the HYPOTHESIS_PROFILE environment variable:

- ``dev`` (the default): random examples, so local runs keep exploring new inputs.
- ``ci``: derandomized and without an example database, so a CI run is reproducible; prints
  the blob that replays a failure.
- ``thorough``: many more examples, for a long local hunt after changing an op.

No profile has a deadline: per-example timings vary wildly on a loaded machine and gradcheck
runs two forward passes per input element, so a deadline would only produce flaky failures.
The ``too_slow`` health check is off for the same reason (data generation is cheap here; it is
the shared CPU that is slow).
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import autograd

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile(
    "ci", max_examples=30, derandomize=True, database=None, print_blob=True, **_COMMON
)
settings.register_profile("thorough", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _clean_engine_state():
    """Every test runs with grad mode on, anomaly mode off, float32 tensors and the generator
    seeded with 0, and whatever it switches is put back: no test leaks into the next one, and
    random draws repeat from run to run."""
    dtype = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float32)
    autograd.manual_seed(0)
    try:
        with autograd.set_grad_enabled(True), autograd.detect_anomaly(False):
            yield
    finally:
        autograd.set_default_dtype(dtype)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """nbmake has collected the notebooks by now; turning its option off here only silences the
    advertisement it prints at the end of every run, so the summary shows what failed."""
    session.config.option.nbmake = False
