"""The unit of every number a scenario file gives, declared once per key.

The convention (docs/contributing.md):

* a key whose name ends in a unit suffix has that unit: ``travel_min`` is in minutes,
  ``fee_yuan`` in yuan (:data:`SUFFIXES`);
* any other numeric key declares its unit on its field, from the vocabulary :data:`UNITS`:
  ``Field(0.0, description="...", json_schema_extra=unit("share"))``;
* a number inside a section whose unit depends on where the section is used (a
  :class:`~carepath.inputs.schema.Duration`'s ``mean``) declares ``unit(INHERITED)``: it takes
  the unit of the nearest enclosing key that has a suffix (``service_min`` -> minutes,
  ``repayment_days`` -> days).

Every field, numeric or not, also has a ``description`` of at least five words
(``tests/test_schema_docs.py`` checks both; the docs' schema reference prints both).
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import JsonDict

# A key name's ending -> its unit; the longest matching ending wins.
SUFFIXES: dict[str, str] = {
    "_yuan_per_hour": "yuan per hour",
    "_per_person_year": "episodes per person-year",
    "_min": "minutes",
    "_yuan": "yuan",
    "_days": "days",
    "_years": "years",
    "_people": "people",
    "_per_100_yuan": "utility per 100 yuan",
}

INHERITED = "inherited"
"""The unit of the nearest enclosing key with a unit suffix."""

# Unit -> what it means (printed on the docs' reference pages).  Suffix units are included.
UNITS: dict[str, str] = {
    "minutes": "minutes of simulated time",
    "days": "days of simulated time (1,440 minutes)",
    "years": "calendar years",
    "yuan": "Chinese yuan (CNY) at the scenario's price year",
    "yuan per hour": "yuan per hour of a person's time",
    "episodes per person-year": "care-seeking episodes per resident per year",
    "share": "a fraction from 0 to 1 (a probability, a share of people or visits)",
    "ratio": "a dimensionless ratio (coefficient of variation, cost per yuan charged)",
    "weight": "a relative weight: only its size against the other weights matters",
    "per day": "a rate per day (yuan of financing cost per yuan outstanding per day)",
    "per year": "a rate per year (a discount rate)",
    "people": "a head count (residents, staff, servers, patients)",
    "units": "a number of items bought",
    "beds": "inpatient beds",
    "slots": "booked exam slots of one exam type per opening day",
    "replications": "independent runs of the same scenario",
    "seed": "an integer that fixes every random draw (no physical unit)",
    "residents": "a number of residents a value is expressed per",
    "per 1,000 residents per year": "cases or events per 1,000 residents per year",
    "as the key it sets": "the unit of the scenario key the entry draws (uncertainty)",
    "as published": "the unit of the published figure it is set beside (plausibility)",
    "utility": "a term of a logit's utility (dimensionless; only differences matter)",
    "utility per hour": "a logit's utility per hour of travel or of waiting",
    "utility per 100 yuan": "a logit's utility per 100 yuan out of pocket",
    INHERITED: "the unit of the enclosing key's suffix (minutes under _min, days under _days)",
}


def unit(name: str) -> JsonDict:
    """``json_schema_extra`` declaring a field's unit; a unit outside :data:`UNITS` is refused
    so that the vocabulary stays small and documented."""
    if name not in UNITS:
        raise ValueError(f"unknown unit {name!r}; use one of {sorted(UNITS)} or add it to UNITS")
    return {"unit": name}


def suffix_unit(key: str) -> str | None:
    """The unit a key's name carries in its suffix, or None."""
    endings = [ending for ending in SUFFIXES if key.endswith(ending)]
    return SUFFIXES[max(endings, key=len)] if endings else None


def declared_unit(key: str, field: Any) -> str | None:
    """A field's unit: the one declared on it (``unit(...)``), else its name's suffix, else
    None.  ``field`` is a pydantic ``FieldInfo``."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("unit"), str):
        return str(extra["unit"])
    return suffix_unit(key)
