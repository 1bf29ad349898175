"""Visit-by-visit times inside facilities (``accounting.visit_times``): minutes on site from the
arrival to the first trip out (or an admission there), the queues of the visit's own stations at
that facility, its consultation (the first doctor row), folded into the status-quo metrics.

The timelines below are written by hand, row by row, for the demo county's facilities (a city
hospital, a county hospital, township centres, village clinics); every metric is worked out
from them in the comments.  A short run of the demo county then checks the fold against the
same rules applied to its full event log with pandas.
"""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest

from attribution import ISSUE_23_METRICS
from carepath.accounting.episodes import Episode
from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.accounting.visit_times import LONG_VISIT_MIN, VisitTimesTally
from carepath.accounting.window import measured_window
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.inputs.levers import with_levers
from carepath.inputs.metric_registry import METRICS
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.observation.records import HOME, NOT_VISITS, TABLES, EpisodeRow, Records
from carepath.system.world import World
from conftest import DEMO, only, run_patients, tiny, tiny_data

DAY = 1440.0
# In the registry's order (the metrics the tally reports, in that order).
METRIC_NAMES = tuple(name for name in METRICS.names("arm") if name in ISSUE_23_METRICS)


@pytest.fixture(scope="module")
def world() -> World:
    return World.build(load_scenario(DEMO))


def first_of(world: World, tier: str) -> int:
    return next(f.index for f in world.facilities if f.tier == tier)


def episode(
    patient: int,
    visits: list[tuple],
    stations: list[tuple],
    trips: list[tuple],
    end_min: float | None = 3 * DAY,
) -> Episode:
    """An episode with the rows written by hand: visits (facility, kind, arrive), stations
    (facility, station, arrive, start, end), trips (origin, destination, depart)."""
    made = Episode(EpisodeRow(patient, 0, 0, visits[0][2] - 60.0, end_min))
    made.visits = [(patient, *row) for row in visits]
    made.stations = [(patient, *row) for row in stations]
    made.trips = [(patient, origin, to, 30.0, 5.0, depart) for origin, to, depart in trips]
    return made


def timelines(world: World) -> list[Episode]:
    """Six patients' episodes; the visit times each adds are in the comments."""
    city, county = first_of(world, "city"), first_of(world, "county")
    township, village = first_of(world, "township"), first_of(world, "village")
    return [
        # 1: at the city hospital from 600 to the trip home at 750: 150 minutes, a long visit.
        # Queues: registration 10, the consultation 12, cashier 3, lab 4, the review at the
        # same doctor 8 (not the consultation), cashier 1, pharmacy 5: 43 minutes.  A
        # registration at the county hospital written inside the visit is not this visit's.
        episode(
            1,
            visits=[(city, "first", 600.0)],
            stations=[
                (city, "registration", 600.0, 610.0, 612.0),
                (city, "doctor:internal", 613.0, 625.0, 640.0),
                (city, "cashier", 641.0, 644.0, 645.0),
                (city, "exam:lab", 646.0, 650.0, 655.0),
                (county, "registration", 690.0, 720.0, 721.0),
                (city, "doctor:internal", 700.0, 708.0, 712.0),
                (city, "cashier", 713.0, 714.0, 715.0),
                (city, "pharmacy", 716.0, 721.0, 723.0),
            ],
            trips=[(HOME, city, 540.0), (city, HOME, 750.0)],
        ),
        # 2: the township centre from 500 to the trip up at 548 (48 minutes; queues 2, 6 at the
        # consultation of 7 minutes, 0 at the lab, 5 at the review: 13), then the city hospital
        # from 638 to 698 (60 minutes; registration 6, consultation 20, pharmacy 3: 29).
        episode(
            2,
            visits=[(township, "first", 500.0), (city, "referral_up", 638.0)],
            stations=[
                (township, "registration", 500.0, 502.0, 503.0),
                (township, "doctor:general", 503.0, 509.0, 516.0),
                (township, "exam:lab", 517.0, 517.0, 520.0),
                (township, "doctor:general", 540.0, 545.0, 548.0),
                (city, "registration", 638.0, 644.0, 645.0),
                (city, "doctor:internal", 646.0, 666.0, 676.0),
                (city, "pharmacy", 677.0, 680.0, 682.0),
            ],
            trips=[(HOME, township, 480.0), (township, city, 548.0), (city, HOME, 698.0)],
        ),
        # 3: the county hospital from 600 until the admission there at 620 (20 minutes; queues
        # 1 and 10: 11); the CT on the ward and the trip home at discharge are not the visit's.
        episode(
            3,
            visits=[(county, "first", 600.0), (county, "admission", 620.0)],
            stations=[
                (county, "registration", 600.0, 601.0, 602.0),
                (county, "doctor:surgery", 602.0, 612.0, 620.0),
                (county, "exam:ct", 700.0, 705.0, 710.0),
            ],
            trips=[(HOME, county, 570.0), (county, HOME, 620.0 + 2 * DAY)],
        ),
        # 4: the township centre from 960 until it closes at 1020 (60 minutes; queues 4, 10 at
        # the consultation of 8 minutes, 2: 16); the return next morning is no visit.
        episode(
            4,
            visits=[(township, "first", 960.0), (township, "return", DAY + 480.0)],
            stations=[
                (township, "registration", 960.0, 964.0, 965.0),
                (township, "doctor:general", 965.0, 975.0, 983.0),
                (township, "exam:lab", 984.0, 986.0, 990.0),
                (township, "registration", DAY + 480.0, DAY + 490.0, DAY + 491.0),
                (township, "doctor:general", DAY + 491.0, DAY + 500.0, DAY + 505.0),
            ],
            trips=[
                (HOME, township, 940.0),
                (township, HOME, 1020.0),
                (HOME, township, DAY + 460.0),
                (township, HOME, DAY + 510.0),
            ],
        ),
        # 5: still at the city hospital when the run stops, no trip out: the visit lasts from
        # 1360 to the end of its last row, 1480: 120 minutes, long at exactly two hours.
        # Queues: registration 15, consultation 20, CT 22: 57.
        episode(
            5,
            visits=[(city, "first", 1360.0)],
            stations=[
                (city, "registration", 1360.0, 1375.0, 1376.0),
                (city, "doctor:internal", 1377.0, 1397.0, 1407.0),
                (city, "exam:ct", 1408.0, 1430.0, 1480.0),
            ],
            trips=[(HOME, city, 1300.0)],
            end_min=None,
        ),
        # 6: a village clinic: in none of these metrics.
        episode(
            6,
            visits=[(village, "first", 500.0)],
            stations=[(village, "doctor:general", 500.0, 530.0, 540.0)],
            trips=[(HOME, village, 490.0), (village, HOME, 541.0)],
        ),
    ]


# City visits: 150, 60 and 120 minutes.  Hospital visits: those and the county's 20.
EXPECTED = {
    "city_consult_wait_min": (12 + 20 + 20) / 3,
    "city_registration_wait_min": (10 + 6 + 15) / 3,
    "city_cashier_wait_min": (3 + 1) / 2,
    "city_pharmacy_wait_min": (5 + 3) / 2,
    "city_long_visit_share": 2 / 3,
    "township_wait_min": (13 + 16) / 2,
    "township_consult_min": (7 + 8) / 2,
    "hospital_wait_min": (43 + 29 + 57 + 11) / 4,
    "hospital_on_site_min": (150 + 60 + 120 + 20) / 4,
}


def folded(world: World, *groups: list[Episode]) -> dict[str, float]:
    tally = VisitTimesTally(world)
    for group in groups:
        tally.add_ended(group)
    return tally.metrics()


def test_a_hand_written_timeline_gives_every_metric_exactly(world) -> None:
    assert LONG_VISIT_MIN == 120.0
    values = folded(world, timelines(world))
    assert list(values) == list(METRIC_NAMES)
    assert values == EXPECTED


def test_the_grouping_and_order_of_folds_change_nothing(world) -> None:
    together = folded(world, timelines(world))
    one_at_a_time = folded(world, *[[e] for e in timelines(world)])
    assert one_at_a_time == together == EXPECTED
    # rows within an episode come in whatever order the day's fold took them
    shuffled = timelines(world)
    rng = random.Random(3)
    for e in shuffled:
        for rows in (e.visits, e.stations, e.trips):
            rng.shuffle(rows)
    rng.shuffle(shuffled)
    assert folded(world, shuffled[:2], shuffled[2:]) == EXPECTED


def test_a_tier_without_visits_has_no_value(world) -> None:
    # only the county admission (3) and the village (6): no city or township visit
    county_only = [e for e in timelines(world) if e.patient in (3, 6)]
    values = folded(world, county_only)
    for name in METRIC_NAMES:
        if name.startswith(("city_", "township_")):
            assert math.isnan(values[name]), name
    assert values["hospital_wait_min"] == 11.0
    assert values["hospital_on_site_min"] == 20.0
    # nothing folded at all: every metric has no value
    assert all(math.isnan(v) for v in folded(world, []).values())


def test_a_world_without_a_city_hospital_has_no_city_waits() -> None:
    small = World.build(tiny())  # village clinic, township centre, county hospital
    centre, hospital = 1, 2
    assert [f.tier for f in small.facilities] == ["village", "township", "county"]
    e = episode(
        1,
        visits=[(centre, "first", 500.0), (hospital, "referral_up", 600.0)],
        stations=[
            (centre, "doctor:general", 500.0, 504.0, 509.0),
            (hospital, "registration", 600.0, 603.0, 604.0),
        ],
        trips=[(HOME, centre, 470.0), (centre, hospital, 510.0), (hospital, HOME, 650.0)],
    )
    values = folded(small, [e])
    assert all(math.isnan(values[n]) for n in METRIC_NAMES if n.startswith("city_"))
    assert (values["township_wait_min"], values["township_consult_min"]) == (4.0, 5.0)
    assert (values["hospital_wait_min"], values["hospital_on_site_min"]) == (3.0, 50.0)


def test_a_visit_without_a_doctor_counts_its_time_but_no_consultation(world) -> None:
    township = first_of(world, "township")
    e = episode(
        1,
        visits=[(township, "first", 500.0)],
        stations=[(township, "registration", 500.0, 507.0, 508.0)],
        trips=[(HOME, township, 480.0), (township, HOME, 520.0)],
    )
    values = folded(world, [e])
    assert values["township_wait_min"] == 7.0
    assert math.isnan(values["township_consult_min"])


# -- a patient admitted at once ----------------------------------------------------------------

CENTRE, HOSPITAL = 1, 2


def _admitted_at_once():
    """The tiny world's patient admitted from the county hospital's consultation (as in
    tests/test_admissions.py): at the hospital at 600, the review ends at 632, a bed at once
    for two days, then home.  The records hold no ``admission`` arrival: the patient never
    left."""
    rule = {
        "probability": {"county": 1.0},
        "lowest_tier": "county",
        "stay_days": {"dist": "fixed", "mean": 2},
    }
    data = tiny_data(
        conditions=only(first_contact={"county": 1.0}),
        inpatient={"bed_day_yuan": {"county": 300}, "admission": {"cough": rule}},
    )
    data["facilities"][HOSPITAL]["beds"] = 2
    scenario = Scenario.model_validate(data)
    records = run_patients(scenario, [(540.0, {})])
    return World.build(scenario), records


def test_a_patient_admitted_at_once_writes_no_admission_arrival() -> None:
    _, records = _admitted_at_once()
    assert records.admissions[0][1:5] == (HOSPITAL, 632.0, 632.0, 632.0 + 2 * DAY)
    assert [v[2] for v in records.visits] == ["first"]
    assert records.trips[-1][1:3] == (HOSPITAL, HOME)
    assert records.trips[-1][5] == 632.0 + 2 * DAY


def test_a_visit_ends_where_the_stay_on_a_ward_begins() -> None:
    """Admitted at once, with no admission arrival: the visit ends where the bed was needed."""
    world, records = _admitted_at_once()
    values = tally_of(records, world).visit_times.metrics()
    assert values["hospital_on_site_min"] == 632.0 - 600.0


# -- the fold of a run against its full event log ----------------------------------------------


def _independent(world: World, records) -> dict[str, float]:
    """city_registration_wait_min and hospital_on_site_min from the full event log, by the
    rules of the module's docstring, with pandas."""
    start, end = measured_window(world)
    episodes = records.table("episodes")
    measured = set(episodes.patient[(episodes.onset_min >= start) & (episodes.onset_min < end)])
    tier = pd.Series({f.index: f.tier for f in world.facilities})
    visits = records.table("visits")
    visits = visits[visits.patient.isin(measured)]
    stations = records.table("stations")
    stations = stations[stations.patient.isin(measured)]
    trips = records.table("trips")
    admissions = records.table("admissions")
    leaving = pd.concat(
        [
            trips.rename(columns={"origin": "facility", "depart_min": "left_min"}),
            visits[visits.kind == "admission"].rename(columns={"arrive_min": "left_min"}),
            admissions.rename(columns={"listed_min": "left_min"}),
        ]
    )[["patient", "facility", "left_min"]]
    last_end = stations.groupby("patient").end_min.max()
    registration, on_site = [], []
    for row in visits[~visits.kind.isin(NOT_VISITS)].itertuples():
        if tier[row.facility] not in ("county", "city"):
            continue
        out = leaving[
            (leaving.patient == row.patient)
            & (leaving.facility == row.facility)
            & (leaving.left_min >= row.arrive_min)
        ].left_min
        left = out.min() if len(out) else max(row.arrive_min, last_end.get(row.patient, -1.0))
        on_site.append(left - row.arrive_min)
        if tier[row.facility] == "city":
            here = stations[
                (stations.patient == row.patient)
                & (stations.facility == row.facility)
                & (stations.station == "registration")
                & (stations.arrive_min >= row.arrive_min)
                & (stations.arrive_min < left)
            ]
            registration += list(here.start_min - here.arrive_min)
    assert registration and on_site  # something to compare
    return {
        "city_registration_wait_min": sum(registration) / len(registration),
        "hospital_on_site_min": sum(on_site) / len(on_site),
    }


@pytest.mark.integration
def test_a_run_folds_the_same_times_as_its_full_log() -> None:
    levers = {"simulation.horizon_days": 2, "simulation.drain_days": 20}
    world = World.build(with_levers(load_scenario(DEMO), levers))
    records = simulate(world, WITHOUT, 11, 0, full_log=True)
    metrics = compute(records.folded)
    for name, value in _independent(world, records).items():
        assert metrics[name] == pytest.approx(value, rel=0, abs=1e-9), name
    # folded at once from the full log after the run, the same numbers to the last bit as
    # folded a day at a time while it ran
    log = Records(
        **{name: list(getattr(records, name)) for name in TABLES},
        extra={name: list(rows) for name, rows in records.extra.items()},
    )
    again = tally_of(log, world).visit_times.metrics()
    for name in METRIC_NAMES:
        assert _same(again[name], metrics[name]), name


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
