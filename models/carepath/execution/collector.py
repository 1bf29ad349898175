"""Python's cyclic garbage collector, paused while a run simulates.

A run keeps hundreds of thousands of record rows alive, and every collection of the oldest
generation walks all of them again, although none is ever garbage: about a quarter of a demo
run's time went there.  A run makes almost no reference cycles (both arms of a bundled scenario
leave 22 to 112 objects for the collector), and reference counting frees everything else as
before, so pausing costs no memory worth the name.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector inside the block (if it was running), then resume it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
