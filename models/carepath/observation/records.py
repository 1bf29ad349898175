"""What the processes saw, as named rows: one record type per table.

Processes only append rows.  The metrics are folded from them as the run goes
(``carepath.accounting.tally``): every simulated day the rows appended since the last fold are
taken; unless the full log was asked for (``keep_rows``) they are then released, so that memory
does not grow with the simulated horizon.  Times are minutes on the simulation clock;
``patient`` is the patient id, unique within a replication and the same in every arm.

Each record type below is the schema of its table: field names (the columns of
``Records.table``) and types, in order.  A row is a tuple of its table's fields in that order:
the processes append plain tuples (a named tuple per row would cost the simulation about a tenth
of its speed: a station visit writes about three rows, and building an instance of a tuple
subclass takes five times the work of a plain tuple), and the fold unpacks them into the
schema's names.  Readers outside the hot path get named rows from ``Records.rows`` or a table
with named columns from ``Records.table``; ``tests/test_records.py`` checks every row a run
writes against its schema, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, NamedTuple

import pandas as pd

from ..inputs.reform_registry import REFORMS

# A trip's origin or destination when it is the patient's home.
HOME: Final = -1
# The facility of a service given outside any facility: a free clinic in the village, a
# family doctor's visit at home (charges and outreach rows).
NO_FACILITY: Final = -1
# Trips a booked exam adds: to its slot, and back to the doctor with the result.
BOOKED_EXAM, RESULT_REVIEW = "booked_exam", "result_review"
EXTRA_TRIP_KINDS: Final = frozenset({BOOKED_EXAM, RESULT_REVIEW})
# Arrivals (``VisitRow.kind``) that are not outpatient visits: back after closing time, for a
# bed, for a booked exam, back with its result.
NOT_VISITS: Final = frozenset({"return", "admission", *EXTRA_TRIP_KINDS})
# The patient id of a screening visitor at a free clinic, who has no illness episode.
NO_EPISODE: Final = -1
# The patient id of an outpatient from beyond the simulated area (``behaviour.background``):
# only a station row, never an episode.
BACKGROUND: Final = -2


class EpisodeRow:
    """One row per episode, made when it starts; ``end_min`` is set when its last step ends
    (None while the episode is still in care)."""

    __slots__ = ("patient", "zone", "condition", "onset_min", "end_min")
    _fields: ClassVar[tuple[str, ...]] = __slots__

    def __init__(
        self,
        patient: int,
        zone: int,
        condition: int,
        onset_min: float,
        end_min: float | None = None,
    ) -> None:
        self.patient = patient
        self.zone = zone
        self.condition = condition
        self.onset_min = onset_min
        self.end_min = end_min

    def astuple(self) -> tuple[int, int, int, float, float | None]:
        return (self.patient, self.zone, self.condition, self.onset_min, self.end_min)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EpisodeRow) and self.astuple() == other.astuple()

    def __repr__(self) -> str:
        return f"EpisodeRow{self.astuple()}"


class VisitRow(NamedTuple):
    """One row per arrival at a facility.  ``kind``: first, referral_up, referral_down,
    followup, second_opinion, return (after closing), booked (for a visiting expert),
    admission (for a bed), booked_exam (at its slot), result_review (back with its result)."""

    patient: int
    facility: int
    kind: str
    arrive_min: float


class StationRow(NamedTuple):
    """One row per queue-and-serve at one station."""

    patient: int
    facility: int
    station: str
    arrive_min: float
    start_min: float
    end_min: float


class ChargeRow(NamedTuple):
    """One row per fee charged to the patient (``facility`` is ``NO_FACILITY`` outside one)."""

    patient: int
    facility: int
    item: str
    fee_yuan: float
    time_min: float


class TripRow(NamedTuple):
    """One row per journey between home (``HOME``) and a facility, or between facilities."""

    patient: int
    origin: int
    destination: int
    travel_min: float
    travel_yuan: float
    depart_min: float


class OrderRow(NamedTuple):
    """One row per test the doctor ordered.  ``outcome``: performed, or avoided (skipped by a
    reform)."""

    patient: int
    facility: int
    test: str
    outcome: str
    time_min: float


class RecognitionRow(NamedTuple):
    """One row per result considered for recognition.  ``owner``: the facility whose result it
    is; ``decision``: accepted, declined or excluded:<situation>."""

    patient: int
    facility: int
    test: str
    owner: int
    decision: str
    time_min: float


class ReadingRow(NamedTuple):
    """One row per exam read at a remote reading centre (``reader``) for ``facility``."""

    patient: int
    reader: int
    facility: int
    test: str
    arrive_min: float
    start_min: float
    end_min: float


class CreditDrawRow(NamedTuple):
    """One row per charge drawn on a credit line instead of paid at a cashier window."""

    patient: int
    facility: int
    fee_yuan: float
    time_min: float


class CreditAccountRow(NamedTuple):
    """One row per patient with a credit draw: days from first draw to repayment, and whether
    the patient defaults."""

    patient: int
    repay_days: float
    defaults: bool


class WaiverRow(NamedTuple):
    """One row per registration a still-valid earlier one made unnecessary."""

    patient: int
    facility: int
    fee_yuan: float
    time_min: float


class OutreachRow(NamedTuple):
    """One row per person an outreach team saw or failed to see.  ``service``: free_clinic,
    screening, family_doctor or visiting_expert; ``facility``: ``NO_FACILITY`` in the village or
    at home; ``outcome``: resolved, referred, checked, followed_up, managed or unseen."""

    patient: int
    zone: int
    facility: int
    service: str
    arrive_min: float
    start_min: float
    end_min: float
    outcome: str


class OutreachStaffRow(NamedTuple):
    """One row per outreach staff-day (or share of one): a free clinic's team members, an
    expert's session day, a family-doctor team's visit.  ``place``: a zone or facility index;
    ``patient``: the patient whose episode the staff time was for (a family doctor's visit), or
    ``NO_EPISODE`` for time the programme's calendar spends whoever comes."""

    service: str
    place: int
    role: str
    staff_days: float
    time_min: float
    patient: int


class SeekingRow(NamedTuple):
    """One row per care-seeking event of an illness: ``delayed`` or ``forgone`` at onset
    (``facility`` is ``NO_FACILITY``), ``balked`` or ``reneged`` at a facility's queue (after
    ``wait_min`` minutes in it), ``gave_up`` when a patient who left a queue does not come back."""

    patient: int
    facility: int
    event: str
    time_min: float
    wait_min: float


class AdmissionRow(NamedTuple):
    """One row per patient who needed a bed at a facility: listed at ``listed_min``, in a bed
    from ``admitted_min`` to ``discharge_min``.  ``outcome``: admitted, turned_away (full, no
    waiting list), referred (urgent on a full ward, sent up) or forgone (short of the deposit);
    those not admitted have all three times at the listing."""

    patient: int
    facility: int
    listed_min: float
    admitted_min: float
    discharge_min: float
    outcome: str
    operation: bool


class BookingRow(NamedTuple):
    """One row per exam booked ahead: ordered at ``order_min``, its slot at ``slot_min``."""

    patient: int
    facility: int
    test: str
    order_min: float
    slot_min: float


class DiagnosisRow(NamedTuple):
    """One row per first or referred visit at which the doctor reached a diagnosis: the end of
    the review that read the last result (of the consultation, if no exam was done)."""

    patient: int
    facility: int
    time_min: float


# Table name -> its record type (a named tuple, or EpisodeRow: each has ``_fields``), in the
# order tables are folded and listed.
TABLES: dict[str, Any] = {
    "episodes": EpisodeRow,
    "visits": VisitRow,
    "stations": StationRow,
    "charges": ChargeRow,
    "trips": TripRow,
    "tests": OrderRow,
    "recognition": RecognitionRow,
    "readings": ReadingRow,
    "credit": CreditDrawRow,
    "credit_accounts": CreditAccountRow,
    "waivers": WaiverRow,
    "outreach": OutreachRow,
    "outreach_staff": OutreachStaffRow,
    "seeking": SeekingRow,
    "admissions": AdmissionRow,
    "bookings": BookingRow,
    "diagnoses": DiagnosisRow,
}
COLUMNS: dict[str, tuple[str, ...]] = {name: row._fields for name, row in TABLES.items()}


def record_type(name: str) -> Any:
    """A table's record type: one of ``TABLES`` or a registered reform's own."""
    return TABLES[name] if name in TABLES else REFORMS.record_tables()[name]


def _reform_tables() -> dict[str, list[tuple]]:
    return {name: [] for name in REFORMS.record_tables()}


@dataclass
class Records:
    """The rows of one replication of one arm.

    With ``keep_rows`` (the default: the full event log) every row stays for reading with
    :meth:`table`; without it, rows leave once :meth:`take` has handed them on.
    """

    episodes: list[EpisodeRow] = field(default_factory=list)
    visits: list[tuple] = field(default_factory=list)  # VisitRow
    stations: list[tuple] = field(default_factory=list)  # StationRow
    charges: list[tuple] = field(default_factory=list)  # ChargeRow
    trips: list[tuple] = field(default_factory=list)  # TripRow
    tests: list[tuple] = field(default_factory=list)  # OrderRow
    recognition: list[tuple] = field(default_factory=list)  # RecognitionRow
    readings: list[tuple] = field(default_factory=list)  # ReadingRow
    credit: list[tuple] = field(default_factory=list)  # CreditDrawRow
    credit_accounts: list[tuple] = field(default_factory=list)  # CreditAccountRow
    waivers: list[tuple] = field(default_factory=list)  # WaiverRow
    outreach: list[tuple] = field(default_factory=list)  # OutreachRow
    outreach_staff: list[tuple] = field(default_factory=list)  # OutreachStaffRow
    seeking: list[tuple] = field(default_factory=list)  # SeekingRow
    admissions: list[tuple] = field(default_factory=list)  # AdmissionRow
    bookings: list[tuple] = field(default_factory=list)  # BookingRow
    diagnoses: list[tuple] = field(default_factory=list)  # DiagnosisRow

    # The registered reforms' own tables (``Reform.records``), by name; after the above.
    extra: dict[str, list[tuple]] = field(default_factory=_reform_tables)

    keep_rows: bool = True
    # The aggregates folded from these rows (``accounting.tally.ArmTally``), once made.
    folded: Any = field(default=None, repr=False)

    _tables: dict[str, tuple[int, pd.DataFrame]] = field(default_factory=dict, repr=False)
    # Per table: rows already taken (kept rows) or released (rows not kept).
    _taken: dict[str, int] = field(default_factory=dict, repr=False)

    def take(self, name: str) -> list:
        """The rows of one table appended since the last take, in the order appended.

        Without ``keep_rows`` they leave the table (emptied in place: sites and mechanisms
        append to the very lists).
        """
        rows = self._list(name)
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
        rows = len(self._list(name))
        return rows if self.keep_rows else self._taken.get(name, 0) + rows

    def held(self) -> int:
        """Rows held in memory, over every table."""
        return sum(len(self._list(name)) for name in self.names())

    def names(self) -> tuple[str, ...]:
        """Every table's name, in the order they are folded."""
        return (*TABLES, *self.extra)

    def _list(self, name: str) -> list:
        rows: list = getattr(self, name) if name in TABLES else self.extra[name]
        return rows

    def rows(self, name: str) -> list:
        """The rows of one table as instances of its record type (named), in the order
        appended.  Needs the full log."""
        self._need_rows(name)
        record = record_type(name)
        rows = self._list(name)
        return list(rows) if record is EpisodeRow else [record._make(row) for row in rows]

    def _need_rows(self, name: str) -> None:
        if not self.keep_rows:
            raise RuntimeError(
                f"the {name} rows were released as they were folded; "
                "simulate with full_log=True to read tables"
            )

    def table(self, name: str) -> pd.DataFrame:
        """One kind of row as a DataFrame with named columns.

        Several analyses read the same rows after a run; the frame is built once and rebuilt
        only if rows were added since.  Treat it as read-only.  Needs the full log.
        """
        self._need_rows(name)
        rows = self._list(name)
        cached = self._tables.get(name)
        if cached is None or cached[0] != len(rows):
            plain = [row.astuple() for row in rows] if name == "episodes" else rows
            columns = list(record_type(name)._fields)
            cached = (len(rows), pd.DataFrame(plain, columns=columns))
            self._tables[name] = cached
        return cached[1]
