"""What the processes saw, as plain rows.

Processes only append rows.  The metrics are folded from them as the run goes
(``carepath.accounting.tally``): every simulated day the rows appended since the last fold are
taken; unless the full log was asked for (``keep_rows``) they are then released, so that memory
does not grow with the simulated horizon.  Times are minutes on the simulation clock;
``patient`` is the patient id, unique within a replication and the same in every arm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

COLUMNS: dict[str, tuple[str, ...]] = {
    # one row per episode when it starts; ``end_min`` is filled in when its last step ends
    "episodes": ("patient", "zone", "condition", "onset_min", "end_min"),
    # one row per arrival at a facility; kind: first, referral_up, referral_down, followup,
    # second_opinion, return (after closing), booked (for a visiting expert's session)
    "visits": ("patient", "facility", "kind", "arrive_min"),
    # one row per queue-and-serve at one station
    "stations": ("patient", "facility", "station", "arrive_min", "start_min", "end_min"),
    # one row per fee charged to the patient
    "charges": ("patient", "facility", "item", "fee_yuan", "time_min"),
    # one row per journey between home and a facility, or between facilities
    "trips": ("patient", "origin", "destination", "travel_min", "travel_yuan", "depart_min"),
    # one row per test the doctor ordered: performed, or avoided (skipped by a reform)
    "tests": ("patient", "facility", "test", "outcome", "time_min"),
    # one row per result considered for recognition: accepted, declined, excluded:<situation>
    "recognition": ("patient", "facility", "test", "owner", "decision", "time_min"),
    # one row per exam read at a remote reading centre
    "readings": ("patient", "reader", "facility", "test", "arrive_min", "start_min", "end_min"),
    # one row per charge drawn on a credit line instead of paid at a cashier window
    "credit": ("patient", "facility", "fee_yuan", "time_min"),
    # one row per patient with a credit draw: days from first draw to repayment, and default
    "credit_accounts": ("patient", "repay_days", "defaults"),
    # one row per registration a still-valid earlier one made unnecessary
    "waivers": ("patient", "facility", "fee_yuan", "time_min"),
    # one row per person the outreach teams saw or failed to see: service free_clinic,
    # screening, family_doctor or visiting_expert; facility -1 in the village or at home;
    # outcome resolved, referred, checked, followed_up, managed or unseen
    "outreach": (
        "patient",
        "zone",
        "facility",
        "service",
        "arrive_min",
        "start_min",
        "end_min",
        "outcome",
    ),
    # one row per outreach staff-day (or share of one): a free clinic's team members, an
    # expert's session day, a family-doctor team's visit; place is a zone or facility index
    "outreach_staff": ("service", "place", "role", "staff_days", "time_min"),
}


@dataclass
class Records:
    """The rows of one replication of one arm.

    With ``keep_rows`` (the default: the full event log) every row stays for reading with
    :meth:`table`; without it, rows leave once :meth:`take` has handed them on.
    """

    episodes: list[list] = field(default_factory=list)
    visits: list[tuple] = field(default_factory=list)
    stations: list[tuple] = field(default_factory=list)
    charges: list[tuple] = field(default_factory=list)
    trips: list[tuple] = field(default_factory=list)
    tests: list[tuple] = field(default_factory=list)
    recognition: list[tuple] = field(default_factory=list)
    readings: list[tuple] = field(default_factory=list)
    credit: list[tuple] = field(default_factory=list)
    credit_accounts: list[tuple] = field(default_factory=list)
    waivers: list[tuple] = field(default_factory=list)
    outreach: list[tuple] = field(default_factory=list)
    outreach_staff: list[tuple] = field(default_factory=list)

    keep_rows: bool = True
    # The aggregates folded from these rows (``analysis.tally.ArmTally``), once made.
    folded: Any = field(default=None, repr=False)

    _tables: dict[str, tuple[int, pd.DataFrame]] = field(default_factory=dict, repr=False)
    # Per table: rows already taken (kept rows) or released (rows not kept).
    _taken: dict[str, int] = field(default_factory=dict, repr=False)

    def take(self, name: str) -> list:
        """The rows of one table appended since the last take, in the order appended.

        Without ``keep_rows`` they leave the table (emptied in place: sites and mechanisms
        append to the very lists).
        """
        rows = getattr(self, name)
        done = self._taken.get(name, 0)
        if self.keep_rows:
            new = rows[done:]
            self._taken[name] = len(rows)
            return new
        new = rows[:]
        rows.clear()
        self._taken[name] = done + len(new)
        return new

    def count(self, name: str) -> int:
        """Rows of one table appended so far, kept or not."""
        rows = len(getattr(self, name))
        return rows if self.keep_rows else self._taken.get(name, 0) + rows

    def held(self) -> int:
        """Rows held in memory, over every table."""
        return sum(len(getattr(self, name)) for name in COLUMNS)

    def table(self, name: str) -> pd.DataFrame:
        """One kind of row as a DataFrame with named columns.

        Several analyses read the same rows after a run; the frame is built once and rebuilt
        only if rows were added since.  Treat it as read-only.  Needs the full log.
        """
        if not self.keep_rows:
            raise RuntimeError(
                f"the {name} rows were released as they were folded; "
                "simulate with full_log=True to read tables"
            )
        rows = getattr(self, name)
        cached = self._tables.get(name)
        if cached is None or cached[0] != len(rows):
            cached = (len(rows), pd.DataFrame(rows, columns=list(COLUMNS[name])))
            self._tables[name] = cached
        return cached[1]
