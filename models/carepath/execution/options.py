"""How a batch is run: how many replications, from which seed, on what, kept where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..inputs.schema import Scenario


@dataclass(frozen=True)
class RunOptions:
    """The options of a batch, a sweep or ``carepath run``.

        ``replications`` and ``seed`` default (None) to each scenario file's own.  ``jobs`` > 1 runs
        that many local worker processes; ``scheduler`` (a Dask scheduler address,
        ``tcp://HOST:PORT``) a cluster instead; results are identical either way.  With ``out``,
        finished replications are kept under ``<out>/<scenario>/.partial/`` as they complete and a
        re-run runs only the missing ones.  ``progress`` shows a progress bar.  ``dask_timeout_s``:
    on a cluster, how long to wait without any replication finishing before the ones still out
    are reported failed.
    """

    replications: int | None = None
    seed: int | None = None
    jobs: int = 1
    progress: bool = False
    out: Path | None = None
    scheduler: str | None = None
    dask_timeout_s: float = 300.0  # on a cluster: give up on what is out after this long idle

    def replications_of(self, scenario: Scenario) -> int:
        return (
            self.replications if self.replications is not None else scenario.simulation.replications
        )

    def seed_of(self, scenario: Scenario) -> int:
        return self.seed if self.seed is not None else scenario.simulation.seed


# Each scenario's own replications and seed, in this process, kept nowhere, no progress bar.
DEFAULT_OPTIONS = RunOptions()
