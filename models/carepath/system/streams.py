"""Named random streams.

Every random number in a run comes from a stream named for what it decides, seeded from
(scenario seed, replication, stream name, key...) through numpy's ``SeedSequence``.  Nothing
depends on the order in which events happen, so all arms of one replication see the same
onsets and the same patient draws, and a reform that reorders events, or a new stream, never
shifts anyone else's numbers.  The global numpy and ``random`` generators are never used.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 64-bit number for a stream name (Python's ``hash`` changes between runs)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, replication: int, name: str, *keys: int) -> np.random.Generator:
    """The generator for stream ``name`` (optionally sub-keyed, e.g. by zone) of one replication."""
    entropy = (int(seed), int(replication), stream_key(name), *(int(k) for k in keys))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
