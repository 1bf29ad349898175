"""Named random streams.

Every random number in a run comes from a stream named for what it decides, seeded from
(scenario seed, replication, stream name, key...) through numpy's ``SeedSequence``.  Nothing
depends on the order in which events happen, so all arms of one replication see the same
onsets and the same patient draws, and a reform that reorders events, or a new stream, never
shifts anyone else's numbers.  The global numpy and ``random`` generators are never used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


def stream_key(name: str) -> int:
    """A stable 64-bit number for a stream name (Python's ``hash`` changes between runs)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, replication: int, name: str, *keys: int) -> np.random.Generator:
    """The generator for stream ``name`` (optionally sub-keyed, e.g. by zone) of one replication."""
    entropy = (int(seed), int(replication), stream_key(name), *(int(k) for k in keys))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


@dataclass(frozen=True)
class Streams:
    """The random streams of one replication (every arm of it shares them): what a process
    needs to draw its own numbers, in place of the seed and replication number."""

    seed: int
    replication: int

    def __call__(self, name: str, *keys: int) -> np.random.Generator:
        """The generator of stream ``name``, sub-keyed by ``keys`` (a zone, a patient...)."""
        return stream(self.seed, self.replication, name, *keys)
