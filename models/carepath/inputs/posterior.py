"""A posterior: joint draws of a scenario's uncertain inputs, one row each, in a CSV file.

::

    draw,reforms.recognition.items.lab.acceptance,tiers.county.consultation_fee_yuan
    0,0.8123,14.2
    1,0.7710,17.9

Column ``draw`` first (the draw's id: a whole number >= 0, each once; a calibration writes
0..n-1), then one column per uncertain input, named by its key path exactly as under the
scenario's ``uncertainty:`` block, in the input's own units (the value itself, or the multiplier
of an input with ``scale: true``), as ``UncertainInput.levers`` takes it.  Every value must be a
finite number inside the support of the input's prior.

A row is a joint draw: whoever samples a posterior (``carepath psa --posterior``, ``carepath
run --posterior``) takes every input of a point from the same row, never each input on its own
(CALIBRATION.md).  The file is written by ``observation.posterior.write_posterior`` (whole, or
not at all).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .loading import ScenarioError
from .schema import Scenario

DRAW = "draw"
# Problems listed before the rest are only counted (a posterior may have thousands of rows).
MAX_LISTED = 20


@dataclass(frozen=True)
class Posterior:
    """A posterior file as read: where it is, the SHA-256 of the bytes read, and its draws
    (``read_posterior``'s table)."""

    file: Path
    sha256: str
    draws: pd.DataFrame

    @property
    def inputs(self) -> list[str]:
        """The uncertain inputs it sets, in the scenario's order."""
        return [c for c in self.draws.columns if c != DRAW]

    def values(self, row: int) -> dict[str, float]:
        """The inputs' values at row position ``row`` (not draw id)."""
        record = self.draws.iloc[row]
        return {name: float(record[name]) for name in self.inputs}

    def draw_id(self, row: int) -> int:
        return int(self.draws[DRAW].iloc[row])

    def record(self, rows: Sequence[int]) -> dict:
        """The manifest's account of the posterior and of the draws used, by draw id."""
        return {
            "file": str(self.file),
            "sha256": self.sha256,
            "draws": len(self.draws),
            "inputs": self.inputs,
            "draws_used": [self.draw_id(row) for row in rows],
        }


def read_posterior(path: str | Path, scenario: Scenario) -> pd.DataFrame:
    """The draws of a posterior file for ``scenario``: column ``draw`` (int), then one float
    column per uncertain input in the order of its ``uncertainty:`` block, rows as filed.

    Raises ``ScenarioError`` listing every problem, each naming the file and the column or
    line: unreadable file, missing, unknown or repeated columns, no rows, a row of the wrong
    length, a draw id that is not a whole number >= 0 or appears twice, a value that is not a
    finite number or lies outside its input's prior.
    """
    return load_posterior(path, scenario).draws


def load_posterior(path: str | Path, scenario: Scenario) -> Posterior:
    """``read_posterior``, with the file's path and the SHA-256 of the bytes read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read the posterior ({error.strerror})"]) from None
    return Posterior(path, hashlib.sha256(data).hexdigest(), _parse(path, data, scenario))


def _parse(path: Path, data: bytes, scenario: Scenario) -> pd.DataFrame:
    names = list(scenario.uncertainty)
    if not names:
        raise ScenarioError(
            [f"{path}: {scenario.name} declares no uncertain inputs (uncertainty:) to set"]
        )
    try:
        text = data.decode("utf-8-sig")
        lines = [(n, row) for n, row in _rows(text) if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error) as error:
        raise ScenarioError([f"{path}: not a CSV file ({error})"]) from None
    if not lines:
        raise ScenarioError([f"{path}: empty; expected a header line: {DRAW},{','.join(names)}"])
    header = [cell.strip() for cell in lines[0][1]]
    problems = _header_problems(header, names, scenario.name)
    if problems:
        raise ScenarioError([f"{path}: {line}" for line in problems])
    body = lines[1:]
    if not body:
        raise ScenarioError([f"{path}: no draws: at least one row is needed under the header"])
    supports = {name: _support(scenario, name) for name in names}
    where = {column: i for i, column in enumerate(header)}
    draws: list[int] = []
    values: dict[str, list[float]] = {name: [] for name in names}
    seen: dict[int, int] = {}
    for number, row in body:
        if len(row) != len(header):
            problems.append(
                f"line {number}: {len(row)} values, but the header names {len(header)} columns"
            )
            continue
        draw, problem = _draw(row[where[DRAW]])
        if problem:
            problems.append(f"line {number}, column {DRAW}: {problem}")
        elif draw in seen:
            problems.append(f"line {number}, column {DRAW}: draw {draw} again (line {seen[draw]})")
        else:
            seen[draw] = number
        draws.append(draw)
        for name in names:
            value, problem = _value(row[where[name]], supports[name])
            if problem:
                line = f"line {number} (draw {row[where[DRAW]].strip()})"
                problems.append(f"{line}, column {name}: {problem}")
            values[name].append(value)
    if problems:
        more = len(problems) - MAX_LISTED
        listed = problems[:MAX_LISTED] + [f"... and {more} more problems"] * (more > 0)
        raise ScenarioError([f"{path}: {line}" for line in listed])
    frame = pd.DataFrame({DRAW: np.array(draws, dtype=np.int64)})
    for name in names:
        frame[name] = np.array(values[name], dtype=float)
    return frame


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Each row of the CSV text with the line it ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    return [(reader.line_num, row) for row in reader]


def _header_problems(header: list[str], names: list[str], scenario: str) -> list[str]:
    problems = []
    expected = [DRAW, *names]
    for column in dict.fromkeys(c for c in header if header.count(c) > 1):
        problems.append(f"column {column!r} appears {header.count(column)} times")
    for column in expected:
        if column not in header:
            what = "the draw's id" if column == DRAW else "an uncertain input of the scenario"
            problems.append(
                f"no column {column!r} ({what}; the columns are {DRAW}, then every key path "
                "under uncertainty:)"
            )
    for column in dict.fromkeys(header):
        if column not in expected:
            problems.append(
                f"column {column!r} is not an uncertain input of {scenario} "
                f"(its uncertainty: block has {', '.join(names)})"
            )
    if not problems and header[0] != DRAW:
        problems.append(f"the first column must be {DRAW!r}, got {header[0]!r}")
    return problems


def _support(scenario: Scenario, name: str) -> tuple[float, float]:
    """The support of the input's prior: the values a draw of it can take."""
    low, high = scenario.uncertainty[name].frozen().support()
    return float(low), float(high)


def _draw(text: str) -> tuple[int, str]:
    try:
        number = float(text.strip())
    except ValueError:
        return -1, f"{text.strip()!r} is not a number"
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        return -1, f"{text.strip()!r} is not a whole number >= 0"
    return int(number), ""


def _value(text: str, support: tuple[float, float]) -> tuple[float, str]:
    try:
        value = float(text.strip())
    except ValueError:
        return math.nan, f"{text.strip()!r} is not a number"
    if not math.isfinite(value):
        return math.nan, f"{text.strip()!r} is not a finite number"
    low, high = support
    if not low <= value <= high:
        return value, f"{value:.10g} lies outside its prior's support [{low:.10g}, {high:.10g}]"
    return value, ""


def posterior_csv(frame: pd.DataFrame) -> bytes:
    """The CSV bytes of a posterior's draws: ``draw`` first, then the other columns in the
    frame's order; every float written as the shortest text that reads back as itself.

    Raises ``ValueError`` for a frame that is not a posterior (no ``draw`` column, draw ids not
    whole numbers >= 0 or repeated, values not finite, no rows).
    """
    if DRAW not in frame.columns:
        raise ValueError(f"a posterior needs a {DRAW!r} column")
    if frame.columns.duplicated().any():
        raise ValueError("a posterior's columns must each appear once")
    if frame.empty:
        raise ValueError("a posterior needs at least one draw")
    inputs = [str(c) for c in frame.columns if c != DRAW]
    ids = frame[DRAW].to_numpy(dtype=float)
    if not (np.isfinite(ids).all() and (ids >= 0).all() and (ids == np.round(ids)).all()):
        raise ValueError(f"{DRAW} must hold whole numbers >= 0")
    if len(set(ids.tolist())) != len(ids):
        raise ValueError(f"each {DRAW} id must appear once")
    values = frame[inputs].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError("a posterior's values must be finite numbers")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([DRAW, *inputs])
    for draw, row in zip(ids, values, strict=True):
        writer.writerow([str(int(draw)), *(repr(float(v)) for v in row)])
    return out.getvalue().encode("utf-8")


def chosen_rows(draws: int, count: int, seed: int) -> list[int]:
    """``count`` row positions of a posterior of ``draws`` rows, chosen at random from
    ``seed``: successive random permutations of all the rows, so that every row is used once
    before any is used twice.  The first k of ``count`` are those chosen for k (more
    replications keep the rows of the first ones)."""
    if draws < 1:
        raise ValueError("a posterior needs at least one draw")
    rng = np.random.default_rng(seed)
    rows: list[int] = []
    while len(rows) < count:
        rows.extend(int(row) for row in rng.permutation(draws))
    return rows[:count]
