"""The outreach programmes' shared patient stream, ``patients:outreach``.

Free clinics, family doctors, visiting experts and primary-first care were one reform before
they were split; their per-patient numbers were one stream, and they keep it, with its layout,
so that every patient's numbers stay what they were.  A new reform names a new stream.
"""

from __future__ import annotations

from ...inputs.reform_registry import PatientDraws

# Per patient: waiting for the free clinic, arrival there, the team's minutes, resolved on
# site, family-doctor contract, the family doctor's arrival and minutes, the expert's minutes
# and whether the expert takes the patient on, and whether the patient goes to primary care first.
OUTREACH_DRAWS = PatientDraws(
    "outreach",
    (
        "wait",
        "arrive",
        "consult",
        "resolve",
        "contract",
        "home_offset",
        "home_visit",
        "expert",
        "expert_takes_on",
        "primary_first",
    ),
)
