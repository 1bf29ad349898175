"""The reforms carepath simulates: one registry line each.

A reform is one module (``behaviour.mechanisms``: its section, mechanism, draws, checks and
tables, declared as ``REFORM``), one line here, its scenario lines and its tests.  Its in-run
tally, if it keeps one, is an accounting module named on its line.  The rank in each ``REFORM``,
not the order of these lines, fixes the order in which mechanisms are asked.
"""

from __future__ import annotations

from .accounting.credit_ledger import CreditTally
from .behaviour.mechanisms import (
    credit,
    family_doctor,
    free_clinic,
    primary_first,
    recognition,
    registration_validity,
    two_way_referral,
    visiting_expert,
)
from .inputs.reform_registry import REFORMS

REFORMS.register(recognition.REFORM)
REFORMS.register(credit.REFORM, tally=CreditTally)
REFORMS.register(registration_validity.REFORM)
REFORMS.register(free_clinic.REFORM)
REFORMS.register(family_doctor.REFORM)
REFORMS.register(visiting_expert.REFORM)
REFORMS.register(primary_first.REFORM)
REFORMS.register(two_way_referral.REFORM)
