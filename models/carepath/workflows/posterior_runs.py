"""``carepath run --posterior FILE.csv``: a scenario's replications, each at one joint draw of
its uncertain inputs, so that the results carry input and simulation uncertainty together.

Replication r runs the file's scenario with every uncertain input set from posterior row
``rows[r]`` (``inputs.posterior``): the rows are successive random permutations of the
posterior's rows, from a generator keyed by the run's seed and the name ``posterior``, so that
every row is used once before any is used twice and more replications keep the rows of the
first ones.  The seeds of replication r are those of a plain run's replication r: replication
r of a posterior run is replication r of a plain run of the scenario at row ``rows[r]``.

The folder, ``<scenario>_posterior/`` beside a plain run's ``<scenario>/`` (and its checkpoints
under it), holds the tables of ``carepath run`` (``summary.csv`` then spans both kinds of
uncertainty); its manifest's ``posterior`` entry names the file, its SHA-256, the seed the
rows were chosen with and the draw ids used, by replication.  Per-resident and per-area figures
(``budget.csv``, plausibility rows with ``residents``) scale by the file's population and
horizon, so a posterior may not draw those.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..execution.batch import run_drawn
from ..execution.checkpoint import Checkpoint
from ..execution.manifest import RunRecord
from ..execution.options import RunOptions
from ..execution.run_result import Written, write_outputs
from ..inputs.levers import LeverError
from ..inputs.loading import ScenarioError
from ..inputs.posterior import Posterior, chosen_rows
from ..inputs.schema import Scenario
from ..inputs.uncertain_inputs import psa_base, scenario_at, uncertain_inputs
from ..observation.results_folder import folder_name_problems, posterior_folder
from ..system.streams import stream_key

# Keys the tables scale by with the file's own values (per residents per year, per area).
_SCALES = re.compile(r"^(simulation\.|area\.|zones\[[^\]]*\]\.population$)")


def posterior_seed(seed: int) -> int:
    """The seed the posterior rows are chosen with: from the run's seed and ``posterior``."""
    sequence = np.random.SeedSequence((int(seed), stream_key("posterior")))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def replication_rows(posterior: Posterior, replications: int, seed: int) -> list[int]:
    """The posterior row (position) of each replication."""
    return chosen_rows(len(posterior.draws), replications, posterior_seed(seed))


def folder_name(scenario: Scenario) -> str:
    """The run's results folder (and checkpoints') name: ``<scenario>_posterior``."""
    return posterior_folder(scenario.name)


def posterior_run_problems(scenario: Scenario, file: Path | None = None) -> list[str]:
    """Why ``scenario`` cannot be run at posterior draws (empty when it can)."""
    where = file or scenario.name
    problems = [
        f"{where}: {line}"
        for line in folder_name_problems(scenario.name, folder_name(scenario), "posterior run")
    ]
    if not scenario.uncertainty:
        problems.append(f"{where}: uncertainty: the file declares no uncertain inputs to set")
    if scenario.sweep is not None:
        problems.append(f"{where}: sweep: --posterior runs one scenario; take the sweep out")
    for name, entry in scenario.uncertainty.items():
        for path in entry.paths(name):
            if _SCALES.match(path):
                problems.append(
                    f"{where}: uncertainty.{name}: sets {path}, which per-resident and per-area "
                    "results scale by with the file's value: --posterior cannot draw it"
                )
    return problems


def drawn_scenarios(
    scenario: Scenario, posterior: Posterior, rows: list[int], file: Path | None = None
) -> list[Scenario]:
    """The scenario at each row's values, validated (one per row used).  Raises
    ``ScenarioError`` naming the posterior file and draw of each row that is not a valid
    scenario; nothing has run then."""
    inputs = uncertain_inputs(scenario)
    base = psa_base(scenario)
    made: dict[int, Scenario] = {}
    problems = []
    for row in dict.fromkeys(rows):
        values = posterior.values(row)
        try:
            made[row] = scenario_at(base, inputs, values)
        except LeverError as error:
            where = f"{posterior.file}: draw {posterior.draw_id(row)} ({values})"
            problems += [
                f"{where}: not a valid scenario of {file or scenario.name}: {message}"
                for _, message in error.found
            ]
    if problems:
        raise ScenarioError(problems)
    return [made[row] for row in rows]


def run_posterior_file(
    file: Path, scenario: Scenario, posterior: Posterior, options: RunOptions, record: RunRecord
) -> Written:
    """``carepath run --posterior``: run the file's replications at posterior draws and write
    its folder, ``<scenario>_posterior``, into ``options.out`` (its checkpoints are discarded
    once it is written).

    Raises ``ScenarioError`` for a file that cannot be run so or a draw that is not a valid
    scenario, ``BatchFailed`` if a replication raised (the others kept).
    """
    if options.out is None:
        raise ValueError("running a scenario file needs an output folder (options.out)")
    problems = posterior_run_problems(scenario, file)
    if problems:
        raise ScenarioError(problems)
    seed = options.seed_of(scenario)
    rows = replication_rows(posterior, options.replications_of(scenario), seed)
    drawn = drawn_scenarios(scenario, posterior, rows, file)
    folder = folder_name(scenario)
    result = run_drawn(scenario, drawn, seed, options, folder)
    entry = {"posterior": {**posterior.record(rows), "seed": posterior_seed(seed)}}
    written = write_outputs(options.out, file, result, record.ended(), entry, folder)
    Checkpoint(options.out, scenario, seed, folder).discard()
    return written
