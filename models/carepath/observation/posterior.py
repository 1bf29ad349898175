"""Writing a posterior file (the format: ``inputs.posterior``), whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..inputs.posterior import posterior_csv
from .results_folder import write_atomic


def write_posterior(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a posterior's draws (``draw``, then one column per uncertain input) to ``path``
    atomically: a temporary file beside it, then renamed, so readers see the old file or the
    whole new one.  Raises ``ValueError`` for a frame that is not a posterior (nothing is
    written then)."""
    path = Path(path)
    write_atomic(path, posterior_csv(frame))
    return path
