"""Who pays: each measured episode's money by perspective, and society's cost from resource use.

A charge is a transfer from a payer to a facility: the insurance fund pays its reimbursement
share (by tier and item), the patient the rest, drawn on a credit line or paid at the window.
The lender advances what is drawn, finances the interest-free float and loses what defaults.
Every item of care delivered, charged or waived, uses resources worth its unit cost
(``inputs.economics``).  The programme pays its staff time at wage rates and its capital.

Cohort accounting: every cost an episode with onset in the measured period causes counts,
whenever it falls (the drain included; a default is known at the first draw, the float's
financing counts to repayment).  Programme costs that no episode causes (a free clinic's
team, an expert's session) count per day of the measured period, as its capital does.

Society's cost is computed from resource use, not by adding up the payers: resources at unit
cost, fares, the programme's resources, the float's financing, and the patients' and
companions' time valued.  The transfers (fees, reimbursement, credit draws, repayments,
defaults, waivers) cancel there, which ``tests/test_money.py`` checks to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import repeat
from operator import itemgetter, mul

from ..inputs.economics import OUTSIDE_TIER, Economics
from ..inputs.metric_registry import PERSPECTIVES, net_cost_name
from ..observation.records import HOME, NO_FACILITY
from ..system.world import World
from .credit_ledger import credit_terms, lender_cost
from .episodes import EndedEpisodes, Episode
from .exact import ExactSum
from .outreach_costs import OutreachTally
from .window import measured_window

MIN_PER_HOUR = 60.0


def time_away_min(episode: Episode) -> float:
    """Minutes the patient spent away from home for care (each outing from leaving home to
    coming back: travel, queues, service, waiting for results) plus minutes with outreach
    teams (a free clinic in the village, a family doctor at home).  An outing still open at the
    end of the run is left out."""
    outings, left = [], None
    trips = episode.trips
    if len(trips) > 1:  # in the order travelled, whatever order the rows were folded in
        trips = sorted(trips, key=_DEPARTURE)
    for _, origin, destination, travel_min, _, depart_min in trips:
        if origin == HOME:
            left = depart_min
        if destination == HOME and left is not None:
            outings.append(depart_min + travel_min - left)
            left = None
    outings += episode.outreach_min
    return math.fsum(outings)


_DEPARTURE = itemgetter(5)  # TripRow.depart_min


class _Prices(dict[tuple[int, str], tuple[float, float | None]]):
    """By (facility, item) charged: the fund's reimbursement rate, and the item's unit cost if
    the scenario gives one (else it is the fee times the cost-to-charge ratio); each looked up
    at its first charge."""

    def __init__(self, economics: Economics, tier: Callable[[int], str]) -> None:
        super().__init__()
        self.economics = economics
        self.tier = tier

    def __missing__(self, key: tuple[int, str]) -> tuple[float, float | None]:
        facility, item = key
        tier, economics = self.tier(facility), self.economics
        price = self[key] = (
            economics.reimbursement.rate(tier, item),
            economics.given_unit_cost(item, tier),
        )
        return price


class MoneyTally:
    """The perspectives' sums over the measured episodes of one arm, and the programme's
    calendar costs, for ``net_cost_<perspective>_yuan`` (``metrics.compute``)."""

    def __init__(self, world: World, outreach: OutreachTally, reforms_on: tuple[str, ...]) -> None:
        economics = world.scenario.economics
        self.economics = economics
        self.tier = [f.tier for f in world.facilities]
        # A waived registration is its registration and consultation items.
        self.registration = [
            (f.registration_fee_yuan, f.consultation_fee_yuan) for f in world.facilities
        ]
        self.outreach = outreach
        self.terms, self.financing_borne_by = credit_terms(world)
        self.time_yuan_per_min = (
            economics.time_value_yuan_per_hour
            * (1.0 + economics.companions_per_patient)
            / MIN_PER_HOUR
        )
        start, end = measured_window(world)
        days = (end - start) / 1440.0
        self.capital_yuan = economics.capital_yuan_per_day(reforms_on) * days
        self.sums = {
            key: ExactSum()
            for key in (
                "charged",
                "reimbursed",
                "resource",
                "travel",
                "defaulted",
                "financing",
                "staff",
                "staff_days",
                "time_min",
            )
        }
        self.home_follow_ups = 0
        self.prices = _Prices(economics, self._tier)

    def _tier(self, facility: int) -> str:
        return OUTSIDE_TIER if facility == NO_FACILITY else self.tier[facility]

    def add(self, episode: Episode) -> None:
        """Fold one measured episode's money, whenever it fell."""
        self.add_ended(EndedEpisodes([episode]))

    def add_ended(self, ended: EndedEpisodes) -> None:
        """Fold measured episodes' money, whenever it fell, a column at a time."""
        sums = self.sums
        self._add_charges(ended)
        sums["resource"].extend(
            [cost for facility, _ in ended.waived for cost in self._waived_cost(facility)]
        )
        sums["travel"].extend(ended.travel_yuan)
        for episode in ended.on_credit:
            financing, defaulted = lender_cost(
                episode.patient, episode.draws, episode.account, self.terms
            )
            sums["financing"].add(financing)
            sums["defaulted"].add(defaulted)
        prices = self.outreach.prices
        for role, staff_days in ended.staff:
            sums["staff"].add(staff_days * prices.get(role, 0.0))
            sums["staff_days"].add(staff_days)
            self.home_follow_ups += role == "family_doctor"
        sums["time_min"].extend([time_away_min(episode) for episode in ended.episodes])

    def _add_charges(self, ended: EndedEpisodes) -> None:
        """What was charged, what the fund reimbursed and the resources used, a column at a
        time."""
        fees, prices = ended.fees_yuan, self.prices
        self.sums["charged"].extend(fees)
        priced = [prices[facility, item] for facility, item, _ in ended.charges]
        self.sums["reimbursed"].extend(map(mul, fees, map(itemgetter(0), priced)))
        unit_costs = list(map(itemgetter(1), priced))
        cost_to_charge = self.economics.cost_to_charge
        if unit_costs.count(None) == len(unit_costs):  # none fixed: each is its fee's share
            self.sums["resource"].extend(map(mul, fees, repeat(cost_to_charge)))
            return
        self.sums["resource"].extend(
            [
                fee_yuan * cost_to_charge if unit_cost is None else unit_cost
                for fee_yuan, unit_cost in zip(fees, unit_costs, strict=True)
            ]
        )

    def _waived_cost(self, facility: int) -> tuple[float, float]:
        """The resources of a waived registration: its registration and consultation items."""
        tier = self._tier(facility)
        registration_yuan, consultation_yuan = self.registration[facility]
        unit_cost = self.economics.unit_cost
        return (
            unit_cost("registration", tier, registration_yuan),
            unit_cost("consultation", tier, consultation_yuan),
        )

    def programme_yuan(self) -> float:
        """Staff time the measured episodes caused, the calendar's staff time in the measured
        period, and the capital's equivalent annual cost per day of it."""
        return self.sums["staff"].value + self.outreach.calendar_cost_yuan.value + self.capital_yuan

    def totals(self) -> dict[str, float]:
        """Each perspective's net cost over the measured episodes (yuan), society's computed
        from resource use, and what society's is made of."""
        value = {key: total.value for key, total in self.sums.items()}
        charged, financing = value["charged"], value["financing"]
        patient_pays = charged - value["reimbursed"]
        programme = self.programme_yuan()
        time_value = value["time_min"] * self.time_yuan_per_min
        borne = {"lender": 0.0, "facility": 0.0, "programme": 0.0}
        borne[self.financing_borne_by] = financing
        net = {
            "patient": patient_pays + value["travel"] - value["defaulted"],
            "insurance_fund": value["reimbursed"],
            "facility": value["resource"] - charged + borne["facility"],
            "programme": programme + borne["programme"],
            "lender": value["defaulted"] + borne["lender"],
            "society": value["resource"] + value["travel"] + programme + financing + time_value,
        }
        assert tuple(net) == PERSPECTIVES
        return {
            **{net_cost_name(p): amount for p, amount in net.items()},
            "resource_cost_yuan": value["resource"],
            "time_away_min": value["time_min"],
            "time_value_yuan": time_value,
        }

    def metrics(self, episodes: int) -> dict[str, float]:
        """Per measured episode (the counts as they are)."""
        per = 1.0 / episodes if episodes else 0.0
        values = {name: amount * per for name, amount in self.totals().items()}
        values["home_follow_ups"] = float(self.home_follow_ups)
        values["programme_staff_days"] = (
            self.sums["staff_days"].value + self.outreach.calendar_staff_days.value
        )
        return values
