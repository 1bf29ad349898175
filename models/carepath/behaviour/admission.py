"""Inpatient admission (``inputs.inpatient``): a patient the doctor admits takes a bed, or waits
for one at home, or is referred up, or forgoes it for want of the deposit's cash.

At the visit that treats the patient, the condition's chance of needing a bed at that tier is
drawn from the patient's own stream (``patients:inpatient``, one block per visit), as are the
stay and whether it has a grade III-IV operation, so every arm sees the same needs.  A tier
below the condition's lowest admitting tier, or a facility without beds, refers the patient up
(treated as an outpatient at the top).  The deposit is paid at listing: from a credit line where
one pays it (``mechanisms.credit``), else from cash; a patient short of cash (``care_seeking.cash``)
forgoes the admission or raises the money over ``raise_deposit_days`` and is listed then.  An
urgent patient who finds the ward full is referred up where there is a tier above.  The bed-days
and the operation are charged at discharge; then the episode goes on (a follow-up, perhaps
referred down).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from enum import Enum
from typing import Any

import simpy

from ..inputs.reform_registry import PatientDraws
from ..system.hours import DAY_MIN
from ..system.site import Site
from ..system.world import World
from .moves import Moves
from .patient import MAX_LEGS, Patient

# Whether the patient pays a deposit of ``yuan`` at ``now`` at a site (from a line or from cash).
PaysDeposit = Callable[[Patient, Site, float, float], bool]
# Per visit: needs a bed, the stay, a grade III-IV operation, forgoes it without the cash.
DRAWS = PatientDraws("inpatient", ("admit", "stay", "operation", "forgo"), blocks=MAX_LEGS)


class Outcome(Enum):
    ADMITTED = "admitted"  # stayed and was discharged
    REFERRED = "referred"  # sent up to the facility's referral target
    OUTPATIENT = "outpatient"  # treated as an outpatient here


def has_admissions(world: World) -> bool:
    return any(c.admission is not None for c in world.conditions)


def patient_streams(world: World) -> dict[str, int]:
    """The inpatient stream, drawn only when some condition may need a bed."""
    return {DRAWS.stream: DRAWS.width} if has_admissions(world) else {}


def _by_tier(yuan: Mapping[Any, float]) -> dict[str, float]:
    return {str(tier): float(value) for tier, value in yuan.items()}


class Admissions:
    """Admissions of one arm of one replication."""

    def __init__(self, world: World, pays_deposit: PaysDeposit) -> None:
        config = world.scenario.inpatient
        self.bed_day_yuan = _by_tier(config.bed_day_yuan)
        self.operation_yuan = _by_tier(config.operation_yuan)
        self.deposit_yuan = _by_tier(config.deposit_yuan)
        self.raise_min = config.raise_deposit_days * DAY_MIN
        self.forgo_share = config.forgo_share
        self.pays_deposit = pays_deposit

    def needs_bed(self, patient: Patient, site: Site, leg: int) -> bool:
        admission = patient.condition.admission
        if admission is None:
            return False
        chance = admission.probability.get(site.plan.rank, 0.0)
        return chance > 0.0 and DRAWS.draw(patient, "admit", leg) < chance

    def admit(
        self, moves: Moves, patient: Patient, site: Site, leg: int
    ) -> Generator[simpy.Event, None, Outcome]:
        """From the doctor's decision to admit to discharge (or another outcome)."""
        plan, ward = site.plan, site.ward
        admission = patient.condition.admission
        assert admission is not None
        up = Outcome.REFERRED if plan.refers_to is not None else Outcome.OUTPATIENT
        if ward is None or plan.rank < admission.lowest_rank:
            return up
        yield from moves._catch_up(patient)
        deposit = self.deposit_yuan.get(plan.tier, 0.0)
        if deposit > 0.0 and not self.pays_deposit(patient, site, deposit, patient.now):
            if DRAWS.draw(patient, "forgo", leg) < self.forgo_share:
                ward.refuse(patient.id, patient.now, "forgone")
                return Outcome.OUTPATIENT
            moves.go_home(patient)
            patient.now += self.raise_min
            yield from moves._catch_up(patient)
        if patient.condition.urgent and up is Outcome.REFERRED and ward.full_at(patient.now):
            ward.refuse(patient.id, patient.now, "referred")
            return up
        stay_min = admission.stay_days(DRAWS.draw(patient, "stay", leg)) * DAY_MIN
        operation = DRAWS.draw(patient, "operation", leg) < admission.operation.get(plan.rank, 0.0)
        admitted = ward.admit(patient.id, patient.now, stay_min, operation)
        if admitted is None:
            return up
        if admitted > patient.now or patient.location is None:
            moves.go_home(patient)
            moves.arrive_at(patient, plan.index, "admission", admitted)
        patient.now = max(patient.now, admitted + stay_min)  # discharged
        self._bill(moves, patient, site, stay_min, operation)
        return Outcome.ADMITTED

    def _bill(
        self, moves: Moves, patient: Patient, site: Site, stay_min: float, operation: bool
    ) -> None:
        """The bed-days and the operation, charged at discharge (``patient.now``)."""
        plan, charges = site.plan, moves.records.charges  # ChargeRow
        bed_day_yuan = self.bed_day_yuan.get(plan.tier, 0.0)
        charges.append(
            (patient.id, plan.index, "bed_days", stay_min / DAY_MIN * bed_day_yuan, patient.now)
        )
        if operation:
            fee = self.operation_yuan.get(plan.tier, 0.0)
            charges.append((patient.id, plan.index, "operation", fee, patient.now))
