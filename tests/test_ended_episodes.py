"""A day's ended episodes folded together (``accounting.episodes.EndedEpisodes``, a column of
values at a time) add up to what folding them one at a time gives, bit for bit and in whatever
order: episodes cared for, forgone at onset, given up after a queue, found before their onset,
diagnosed, and still in care when the run ends."""

from __future__ import annotations

import math
from collections import Counter

from carepath.accounting.episodes import EndedEpisodes, Episode, EpisodeTotals
from carepath.accounting.equity import EquityTally
from carepath.accounting.exact import ExactSum
from carepath.accounting.money import MoneyTally
from carepath.accounting.outreach_costs import OutreachTally
from carepath.observation.records import HOME, EpisodeRow
from carepath.system.world import World
from conftest import tiny

CENTRE = 1


def _episodes() -> list[Episode]:
    cared = Episode(EpisodeRow(1, 0, 0, 100.0, 400.0))
    cared.stations = [
        (1, CENTRE, "registration", 110.0, 115.5, 120.0),
        (1, CENTRE, "cashier", 130.0, 137.25, 140.0),
    ]
    cared.trips = [(1, HOME, CENTRE, 30.0, 5.0, 80.0), (1, CENTRE, HOME, 30.0, 5.0, 300.0)]
    cared.charges = [(CENTRE, "registration", 1.0), (CENTRE, "drugs", 20.0)]
    cared.visits = [(1, CENTRE, "first", 110.0)]
    cared.diagnosed_min = 250.0
    found = Episode(EpisodeRow(2, 0, 0, 200.0, 500.0))  # found by a free clinic's check
    found.began_min = 150.0
    found.reached = True
    found.outreach_waits = [12.0]
    found.outreach_min = [40.0]
    forgone = Episode(EpisodeRow(3, 0, 0, 300.0, 300.0))
    forgone.seeking = ["forgone"]
    gave_up = Episode(EpisodeRow(4, 0, 0, 310.0, 900.0))
    gave_up.seeking = ["balked", "gave_up"]
    gave_up.left_waits = [45.0]
    gave_up.visits = [(4, CENTRE, "return", 320.0)]
    in_care = Episode(EpisodeRow(5, 0, 0, 320.0))  # the run ended with it in care
    in_care.seeking = ["delayed"]
    in_care.stations = [(5, CENTRE, "cashier", 330.0, 330.1, 331.0)]
    in_care.charges = [(CENTRE, "consultation", 2.0)]
    return [cared, found, forgone, gave_up, in_care]


def _state(tally: object) -> dict:
    """Every total of a tally, exact sums as the bits of their value."""
    state = {}
    for name, value in vars(tally).items():
        if isinstance(value, ExactSum):
            state[name] = value.value.hex()
        elif isinstance(value, (int, Counter, list)):
            state[name] = value if not isinstance(value, Counter) else +value
    return state


def _totals(world: World, batches: list[list[Episode]]) -> EpisodeTotals:
    totals = EpisodeTotals(world)
    for batch in batches:
        totals.add_ended(EndedEpisodes(batch))
    return totals


def test_totals_of_episodes_folded_together_are_those_folded_one_by_one():
    world = World.build(tiny())
    episodes = _episodes()
    one_by_one = _state(_totals(world, [[e] for e in episodes]))
    assert _state(_totals(world, [episodes])) == one_by_one
    assert _state(_totals(world, [episodes[::-1]])) == one_by_one
    assert _state(_totals(world, [episodes[3:], episodes[:3]])) == one_by_one


def test_totals_of_episodes_folded_together_by_hand():
    totals = _totals(World.build(tiny()), [_episodes()])
    assert (totals.episodes, totals.finished, totals.cared) == (5, 4, 2)
    # cared for: onset to end, and from the check that found it before its onset
    assert totals.time_to_care_min.value == (400.0 - 100.0) + (500.0 - 150.0)
    assert (totals.diagnosed, totals.onset_to_diagnosis_min.value) == (1, 250.0 - 100.0)
    assert totals.seeking == Counter(
        {"forgone": 1, "balked": 1, "gave_up": 1, "delayed": 1, "forgone_any": 2}
    )
    assert totals.left_wait_min.value == 45.0
    assert totals.station_wait_min.value == 5.5 + 7.25 + (330.1 - 330.0)
    assert totals.cashier_wait_min.value == 7.25 + (330.1 - 330.0)
    assert totals.outreach_wait_min.value == 12.0
    assert (totals.trips, totals.travel_min.value, totals.travel_yuan.value) == (1, 60.0, 10.0)
    assert totals.medical_yuan.value == 23.0
    assert (totals.visits, totals.return_visits, totals.referrals["first"]) == (1, 1, 1)


def test_equity_and_money_of_episodes_folded_together_are_those_folded_one_by_one():
    world = World.build(tiny())
    episodes = _episodes()
    equity_one, equity_all = EquityTally(world), EquityTally(world)
    money_one = MoneyTally(world, OutreachTally(world), ())
    money_all = MoneyTally(world, OutreachTally(world), ())
    for episode in episodes:
        equity_one.add(episode)
        money_one.add(episode)
    ended = EndedEpisodes(episodes[::-1])
    equity_all.add_ended(ended)
    money_all.add_ended(ended)
    same = [
        a == b or (math.isnan(a) and math.isnan(b))
        for row_one, row_all in zip(equity_one.rows(), equity_all.rows(), strict=True)
        for a, b in zip(row_one, row_all, strict=True)
    ]
    assert all(same)
    assert {k: v.hex() for k, v in money_all.totals().items()} == {
        k: v.hex() for k, v in money_one.totals().items()
    }
    # time away: the one outing (80 to 300 + 30) and the minutes with the outreach team
    assert money_all.sums["time_min"].value == (330.0 - 80.0) + 40.0
