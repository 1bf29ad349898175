"""Where a patient goes first, and whether an illness seeks formal care at all.

Facility choice is a multinomial logit over the facilities a zone can reach.  A facility's
utility for a condition::

    V = constant[condition, tier] + travel_per_hour * travel hours
        + cost_per_100_yuan * expected out of pocket / 100
        + wait_per_hour * expected wait hours + capability * (the tier manages the condition)

The expected out of pocket is the first visit's charges the patient pays after reimbursement
(registration, consultation, the tests the tier orders by their chances, drugs) plus the fares
there and back.  The expected wait is the signal patients can know (``WaitSignal``).  A patient
short of cash leaves out the facilities whose expected out of pocket passes their cash, unless
their credit line covers it there.

Whether an illness seeks care at once is a logit too: ``shift + severity[condition] +
access``, where access is the logsum of the patient's own choice set less the condition's mean
logsum over residents with full choice; so distance, price, waits and cash all weigh on it.
Of the illnesses not seeking care at once a share seek it some days later; the others forgo it.

The constants are never typed in: :func:`fit` finds the alternative-specific constants that make
the without arm's population-weighted first-contact shares those of the file, and the shift
that makes its share of illnesses consulting a doctor ``consulted_share``.  It is re-runnable
and deterministic; ``ChoiceModel.of(world)`` fits once per scenario.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..inputs.care_seeking import Choice, Seeking
from ..system.world import TIER_RANK, World, ZonePlan

TIER_COUNT = len(TIER_RANK)
_TOLERANCE = 1e-10


@dataclass(frozen=True)
class ZoneOptions:
    """The facilities a zone reaches, and what each costs a patient of each condition."""

    facilities: tuple[int, ...]
    ranks: np.ndarray  # tier rank of each
    travel_min: np.ndarray
    oop_yuan: np.ndarray  # [condition, facility]: expected out of pocket, fares included
    static: np.ndarray  # [condition, facility]: travel, cost and capability utility


def expected_out_of_pocket(world: World, condition: int, facility: int, fare_yuan: float) -> float:
    """The first visit's charges the patient pays after reimbursement, plus fares both ways."""
    plan, cond = world.facilities[facility], world.conditions[condition]
    rate = world.scenario.economics.reimbursement.rate
    tier = plan.tier
    charges = plan.registration_fee_yuan * (1 - rate(tier, "registration"))
    charges += plan.consultation_fee_yuan * (1 - rate(tier, "consultation"))
    for test, by_rank in cond.tests.items():
        if test in plan.exams and test in plan.test_fee_yuan:
            chance = by_rank.get(plan.rank, 0.0)
            charges += chance * plan.test_fee_yuan[test] * (1 - rate(tier, f"test:{test}"))
    charges += cond.drug_fee_yuan * (1 - rate(tier, "drugs"))
    return charges + 2 * fare_yuan


def _zone_options(world: World, zone: ZonePlan, choice: Choice) -> ZoneOptions:
    facilities = tuple(sorted(zone.travel))
    ranks = np.array([world.facilities[f].rank for f in facilities])
    travel_min = np.array([zone.travel[f][0] for f in facilities])
    oop = np.array(
        [
            [expected_out_of_pocket(world, c.index, f, zone.travel[f][1]) for f in facilities]
            for c in world.conditions
        ]
    )
    lowest = np.array([c.lowest_rank for c in world.conditions])
    capable = (ranks[None, :] >= lowest[:, None]).astype(float)
    static = (
        choice.travel_per_hour * travel_min[None, :] / 60.0
        + choice.cost_per_100_yuan * oop / 100.0
        + choice.capability * capable
    )
    return ZoneOptions(facilities, ranks, travel_min, oop, static)


def target_shares(world: World) -> np.ndarray:
    """Today's first-contact shares by condition and tier, weighted by the zones' residents
    (each zone's shares over the tiers it reaches, as the fixed shares are used), each tier's
    share times its ``first_contact_odds`` before they are renormalised."""
    scenario = world.scenario
    choice = scenario.care_seeking.choice
    odds = {} if choice is None else choice.first_contact_odds
    target = np.zeros((len(world.conditions), TIER_COUNT))
    for zone_plan, zone in zip(world.zones, scenario.zones, strict=True):
        reached = {world.facilities[f].rank for f in zone_plan.travel}
        for c, cond in enumerate(scenario.conditions):
            shares = zone.first_contact.get(cond.id, cond.first_contact)
            kept = {
                TIER_RANK[t]: p * odds.get(t, 1.0)
                for t, p in shares.items()
                if p > 0 and TIER_RANK[t] in reached
            }
            total = sum(kept.values())
            for rank, p in kept.items():
                target[c, rank] += zone_plan.population * p / total
    sums = target.sum(axis=1, keepdims=True)
    return np.divide(target, sums, out=np.zeros_like(target), where=sums > 0)


class ChoiceModel:
    """The fitted choice and care-seeking model of one scenario (no random state)."""

    def __init__(self, world: World) -> None:
        care = world.scenario.care_seeking
        assert care.choice is not None  # built only when the file has a choice block
        self.world = world
        self.choice: Choice = care.choice
        self.seek: Seeking | None = care.seek
        cash = care.cash
        self.constrained_share = 0.0 if cash is None else cash.constrained_share
        self.cash_yuan = math.inf if cash is None else cash.cash_yuan
        self.options = [_zone_options(world, z, self.choice) for z in world.zones]
        names = {c.id: c.index for c in world.conditions}
        severity = np.zeros(len(world.conditions))
        if self.seek is not None:
            for name, value in self.seek.severity.items():
                severity[names[name]] = value
        self.severity = severity
        self.urgent = np.array([c.urgent for c in world.conditions])
        start = self.choice.start_wait_min
        self.start_wait_min = [start.get(f.id, start.get(f.tier, 0.0)) for f in world.facilities]
        self.constants = np.zeros((len(world.conditions), TIER_COUNT))
        self.shift = 0.0
        self.reference = np.zeros(len(world.conditions))
        self.target = target_shares(world)
        shares = np.array([c.share for c in world.scenario.conditions])
        self.episode_shares = shares / shares.sum()
        self._cached_groups: _Groups | None = None
        self._width_groups: tuple[_WidthGroup, ...] | None = None

    @classmethod
    def of(cls, world: World) -> ChoiceModel:
        """The scenario's model, fitted once and kept with the world."""
        model = world.fitted.get("choice")
        if model is None:
            model = cls(world)
            model.fit()
            world.fitted["choice"] = model
        return model

    # -- utilities ---------------------------------------------------------------------------

    def utilities(self, zone: int, condition: int, waits_min: Sequence[float]) -> np.ndarray:
        """Each reachable facility's utility, with the expected waits ``waits_min`` (by
        facility index)."""
        options = self.options[zone]
        constants = self.constants[condition, options.ranks]
        wait_h = np.array([waits_min[f] for f in options.facilities]) / 60.0
        return options.static[condition] + constants + self.choice.wait_per_hour * wait_h

    def affordable(self, zone: int, condition: int) -> np.ndarray:
        """Which reachable facilities a patient short of cash can prepay."""
        return self.options[zone].oop_yuan[condition] <= self.cash_yuan

    def day_choices(self, waits_min: Sequence[float]) -> DayChoices:
        """Every zone's and condition's choice probabilities at the expected waits
        ``waits_min``, for residents with full choice and for those short of cash (the
        facilities they can prepay)."""
        if self._width_groups is None:
            self._width_groups = _WidthGroup.all_of(self)
        return DayChoices(self, waits_min, self._width_groups)

    @staticmethod
    def logit(utilities: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, float]:
        """Choice probabilities over the allowed options, and their logsum (-inf if none)."""
        probs, logsum = _logit_rows(utilities[None, :], allowed[None, :])
        return probs[0], float(logsum[0])

    def seek_now(self, condition: int, logsum: float) -> float:
        """The chance an illness seeks care at once, given the logsum of its choice set."""
        if self.seek is None or self.urgent[condition]:
            return 1.0 if logsum > -math.inf else 0.0
        if logsum == -math.inf:
            return 0.0
        x = self.shift + self.severity[condition] + logsum - self.reference[condition]
        return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0

    # -- fitting (vectorised over every zone, condition and cash group) ------------------------

    def _groups(self) -> _Groups:
        """Residents with full choice and those short of cash, by zone and condition, with the
        starting waits (the without arm): padded arrays over the zones' options."""
        if self._cached_groups is None:
            self._cached_groups = _Groups.of(self, self.start_wait_min)
        return self._cached_groups

    def predicted_at(self, waits_min: Sequence[float]) -> tuple[np.ndarray, float]:
        """As :meth:`predicted`, with the expected waits ``waits_min`` by facility."""
        return self.predicted(_Groups.of(self, waits_min))

    def _evaluate(self, g: _Groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group: choice probabilities, logsum, and the chance of consulting."""
        utilities = g.base + self.constants[g.condition[:, None], g.ranks]
        probs, logsum = _logit_rows(utilities, g.allowed)
        any_usable = np.isfinite(logsum)
        consulted = np.where(any_usable, 1.0, 0.0)
        if self.seek is not None:
            x = self.shift + self.severity[g.condition] + logsum - self.reference[g.condition]
            now = 1.0 / (1.0 + np.exp(-np.clip(np.where(any_usable, x, 0.0), -700, 700)))
            later = now + (1.0 - now) * self.seek.delay_share
            sought = np.where(self.urgent[g.condition], 1.0, later)
            consulted = np.where(any_usable, sought, 0.0)
        return probs, logsum, consulted

    def predicted(self, g: _Groups | None = None) -> tuple[np.ndarray, float]:
        """The without arm's first-contact shares by condition and tier, among illnesses that
        consult, and its share of illnesses that consult (at the starting waits, unless ``g``
        holds others)."""
        g = self._groups() if g is None else g
        probs, _, consulted = self._evaluate(g)
        counts = np.zeros_like(self.constants)
        mass = (g.weight * consulted)[:, None] * probs
        np.add.at(counts, (np.repeat(g.condition, probs.shape[1]), g.ranks.ravel()), mass.ravel())
        sums = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
        return shares, self._overall(self._by_condition(g, consulted))

    @staticmethod
    def _by_condition(g: _Groups, consulted: np.ndarray) -> np.ndarray:
        """Each condition's chance of consulting, over its residents and cash groups."""
        n = int(g.condition.max()) + 1
        mass = np.bincount(g.condition, weights=g.weight * consulted, minlength=n)
        total = np.bincount(g.condition, weights=g.weight, minlength=n)
        return np.divide(mass, total, out=np.zeros_like(mass), where=total > 0)

    def _overall(self, by_condition: np.ndarray) -> float:
        """The share of illnesses that consult, when the illnesses' case mix is such that the
        consulting ones have the file's condition shares (:meth:`illness_shares`)."""
        if np.any(by_condition <= 0):
            return 0.0
        return float(1.0 / np.sum(self.episode_shares / by_condition))

    def consulted_by_condition(self) -> np.ndarray:
        """Each condition's chance of consulting in the without arm (at the starting waits)."""
        g = self._groups()
        _, _, consulted = self._evaluate(g)
        return self._by_condition(g, consulted)

    def illness_shares(self) -> np.ndarray:
        """The conditions' shares among illnesses: the file's shares are those of episodes that
        reach a doctor today, so a condition that consults less is commoner among illnesses
        (share / chance of consulting, normalised).  The consulting case mix, and so visits
        per resident, stay as the file has them."""
        q = self.consulted_by_condition()
        weights = np.divide(self.episode_shares, q, out=np.zeros_like(q), where=q > 0)
        return weights / weights.sum()

    def fit(self, rounds: int = 200) -> ChoiceModel:
        """Fit the constants to today's first-contact shares and the shift to the consulted
        share, alternately, until neither moves."""
        excluded = self.target <= 0
        self.constants = np.where(excluded, -np.inf, 0.0)
        for _ in range(rounds):
            before = (self.constants.copy(), self.shift)
            self._fit_constants(excluded)
            self._fit_reference()
            self._fit_shift()
            finite = ~excluded
            moved = np.max(np.abs(self.constants[finite] - before[0][finite]), initial=0.0)
            if moved < 1e-9 and abs(self.shift - before[1]) < 1e-9:
                break
        return self

    def _fit_constants(self, excluded: np.ndarray) -> None:
        """Contraction mapping: each constant moves by the log of target over predicted share,
        until the shares are the targets or stop moving (a share nobody with a choice can
        take); then only differences between tiers matter, so each condition's first kept
        tier's constant is set to 0."""
        keep = ~excluded
        previous = None
        for _ in range(10_000):
            shares, _ = self.predicted()
            if np.max(np.abs(self.target[keep] - shares[keep]), initial=0.0) < _TOLERANCE:
                break
            if previous is not None and np.max(np.abs(shares - previous)) < _TOLERANCE:
                break
            previous = shares
            ok = keep & (shares > 0)
            self.constants[ok] += np.log(self.target[ok] / shares[ok])
        first = np.argmax(keep, axis=1)
        base = self.constants[np.arange(len(self.constants)), first]
        self.constants -= np.where(keep, base[:, None], 0.0)

    def _fit_reference(self) -> None:
        """Each condition's mean logsum over residents with full choice (the zero of access)."""
        g = self._groups()
        _, logsum, _ = self._evaluate(g)
        full = g.full & np.isfinite(logsum)
        n = len(self.reference)
        sums = np.bincount(g.condition[full], weights=(g.weight * logsum)[full], minlength=n)
        weights = np.bincount(g.condition[full], weights=g.weight[full], minlength=n)
        self.reference = np.divide(sums, weights, out=np.zeros_like(sums), where=weights > 0)

    def _fit_shift(self) -> None:
        """Bisection on the shift until the without arm's consulted share is the target."""
        if self.seek is None:
            return
        target = self.seek.consulted_share
        low, high = -60.0, 60.0
        for _ in range(200):
            self.shift = (low + high) / 2
            _, consulted = self.predicted()
            if abs(consulted - target) < _TOLERANCE or high - low < 1e-12:
                return
            if consulted < target:
                low = self.shift
            else:
                high = self.shift


def _logit_rows(utilities: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: choice probabilities over the allowed options with a finite utility, and
    their logsum (-inf for a row with none)."""
    usable = allowed & np.isfinite(utilities)
    any_usable = usable.any(axis=1)
    top = np.where(any_usable, np.max(np.where(usable, utilities, -np.inf), axis=1), 0.0)
    weights = np.where(usable, np.exp(np.where(usable, utilities - top[:, None], 0.0)), 0.0)
    total = np.where(any_usable, weights.sum(axis=1), 1.0)
    logsum = np.where(any_usable, top + np.log(total), -np.inf)
    return weights / total[:, None], logsum


class _WidthGroup:
    """The zones that reach the same number of facilities, one row per zone and condition:
    computed together, each row comes out bit for bit as the zone's alone would (the logit
    works row by row)."""

    def __init__(self, model: ChoiceModel, zones: Sequence[int]) -> None:
        conditions = len(model.world.conditions)
        options = [model.options[z] for z in zones]
        self.zones = tuple(zones)
        self.static = np.concatenate([o.static for o in options])  # [zone, condition] rows
        self.condition = np.tile(np.arange(conditions), len(zones))
        self.ranks = np.repeat(np.array([o.ranks for o in options]), conditions, axis=0)
        facilities = np.array([o.facilities for o in options])
        self.facilities = np.repeat(facilities, conditions, axis=0)
        self.affordable = np.concatenate([o.oop_yuan <= model.cash_yuan for o in options])

    @classmethod
    def all_of(cls, model: ChoiceModel) -> tuple[_WidthGroup, ...]:
        """The zones grouped by how many facilities they reach (none: no group)."""
        by_width: dict[int, list[int]] = {}
        for z, options in enumerate(model.options):
            if options.facilities:
                by_width.setdefault(len(options.facilities), []).append(z)
        return tuple(cls(model, zones) for zones in by_width.values())

    def utilities(self, model: ChoiceModel, waits_min: Sequence[float]) -> np.ndarray:
        """As ``ChoiceModel.utilities`` for every row, the same operations in the same order."""
        wait_h = np.asarray(waits_min)[self.facilities] / 60.0
        constants = model.constants[self.condition[:, None], self.ranks]
        return self.static + constants + model.choice.wait_per_hour * wait_h


class DayChoices:
    """Every zone's choice probabilities and logsums at one day's expected waits, by
    condition, for residents with full choice and for those short of cash."""

    def __init__(
        self, model: ChoiceModel, waits_min: Sequence[float], groups: Sequence[_WidthGroup]
    ) -> None:
        conditions = len(model.world.conditions)
        short_too = model.constrained_share > 0
        # zone -> (probabilities, logsums, first row of its full choice, of its short of cash)
        self._rows: dict[int, tuple[np.ndarray, np.ndarray, int, int]] = {}
        for group in groups:
            utilities = group.utilities(model, waits_min)
            allowed = np.ones(utilities.shape, dtype=bool)
            if short_too:
                utilities = np.concatenate([utilities, utilities])
                allowed = np.concatenate([allowed, group.affordable])
            probs, logsum = _logit_rows(utilities, allowed)
            short_first = len(group.condition)
            for i, zone in enumerate(group.zones):
                first = i * conditions
                self._rows[zone] = (probs, logsum, first, short_first + first)

    def of(self, zone: int, condition: int, short: bool) -> tuple[np.ndarray, float]:
        """(choice probabilities, logsum) of a resident of ``zone`` with ``condition``, short
        of cash (choosing among the facilities they can prepay) or not."""
        probs, logsum, full, short_of_cash = self._rows[zone]
        row = (short_of_cash if short else full) + condition
        return probs[row], float(logsum[row])


@dataclass(frozen=True)
class _Groups:
    """Every (zone, condition, cash) group of residents as rows of padded arrays."""

    condition: np.ndarray  # [group]
    weight: np.ndarray  # [group]: residents times the condition's share
    base: np.ndarray  # [group, option]: utility without constants (-inf: padding)
    ranks: np.ndarray  # [group, option]: tier rank (0 for padding)
    allowed: np.ndarray  # [group, option]
    full: np.ndarray  # [group]: residents with full choice

    @classmethod
    def of(cls, model: ChoiceModel, waits_min: Sequence[float]) -> _Groups:
        world = model.world
        width = max(len(o.facilities) for o in model.options)
        shares = np.array([c.share for c in world.scenario.conditions])
        shares = shares / shares.sum()
        rows: list[tuple[int, float, np.ndarray, np.ndarray, np.ndarray, bool]] = []
        for z, zone in enumerate(world.zones):
            options = model.options[z]
            n = len(options.facilities)
            wait_h = np.array([waits_min[f] for f in options.facilities]) / 60.0
            ranks = np.zeros(width, dtype=int)
            ranks[:n] = options.ranks
            for c, share in enumerate(shares):
                base = np.full(width, -np.inf)
                base[:n] = options.static[c] + model.choice.wait_per_hour * wait_h
                weight = zone.population * share
                everyone = np.zeros(width, dtype=bool)
                everyone[:n] = True
                full_weight = weight * (1 - model.constrained_share)
                rows.append((c, full_weight, base, ranks, everyone, True))
                if model.constrained_share > 0:
                    poor = np.zeros(width, dtype=bool)
                    poor[:n] = model.affordable(z, c)
                    rows.append((c, weight * model.constrained_share, base, ranks, poor, False))
        return cls(
            condition=np.array([r[0] for r in rows]),
            weight=np.array([r[1] for r in rows]),
            base=np.array([r[2] for r in rows]),
            ranks=np.array([r[3] for r in rows]),
            allowed=np.array([r[4] for r in rows]),
            full=np.array([r[5] for r in rows]),
        )
