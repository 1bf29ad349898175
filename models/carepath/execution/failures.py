"""A replication that raised: which scenario, replication, seed and arm, and where it broke.

``run_task`` turns an error inside a replication into ``ReplicationFailed``, naming the arm it
was simulating; an error outside (a worker process that died, a lost cluster worker) is reported
with the arm unknown.  The batch goes on with the other replications.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    """One replication of one scenario that did not finish."""

    scenario: str
    replication: int
    seed: int
    arm: str | None  # the arm being simulated (or "paired" for the comparison); None if unknown
    error: str  # "ValueError: message"
    where: str  # innermost frame: "journey.py:120 in visit"
    traceback: str  # the full traceback, as Python prints it

    def line(self) -> str:
        arm = self.arm if self.arm is not None else "unknown"
        return (
            f"{self.scenario}: replication {self.replication} (seed {self.seed}), arm {arm}: "
            f"{self.error} [{self.where}]"
        )

    @classmethod
    def of(
        cls, error: BaseException, scenario: str, replication: int, seed: int, arm: str | None
    ) -> Failure:
        frames = traceback.extract_tb(error.__traceback__)
        last = frames[-1] if frames else None
        where = f"{Path(last.filename).name}:{last.lineno} in {last.name}" if last else "unknown"
        message = str(error).strip().splitlines()
        return cls(
            scenario=scenario,
            replication=replication,
            seed=seed,
            arm=arm,
            error=type(error).__name__ + (f": {message[0]}" if message else ""),
            where=where,
            traceback="".join(traceback.format_exception(type(error), error, error.__traceback__)),
        )


class ReplicationFailed(Exception):
    """Raised by ``run_task`` for an error inside a replication; carries its ``Failure``."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.line())
        self.failure = failure

    def __reduce__(self):
        # Rebuilt from the failure when sent back from a worker process or a cluster worker.
        return (type(self), (self.failure,))
