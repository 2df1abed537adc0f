"""The cyclic garbage collector switched off, for tests that prove reference counting alone
frees a graph."""

import gc
from contextlib import contextmanager


@contextmanager
def collector_off():
    """The cyclic garbage collector off inside (so only reference counting frees anything),
    back on afterwards whatever happens."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def cycle_garbage():
    """Yields a list that, once the block is left, holds every object the cyclic collector
    found unreachable among those made inside it: empty when reference counting freed all."""
    found = []
    with collector_off():
        gc.set_debug(gc.DEBUG_SAVEALL)  # keep whatever the collection finds, to name it
        try:
            yield found
            gc.collect()
            found.extend(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
