"""Arms: the same patients with different reforms switched on.

Every scenario has ``without`` (every reform off) and ``with`` (every reform the file switches
on).  A file may ask for more with ``arms:``: ``factorial`` runs every combination of the
switched-on reforms (at most ``MAX_FACTORIAL`` reforms), each arm named by its reforms joined
with ``+`` (``recognition+credit``); a mapping names arms of its own
(``{recognition_only: [recognition]}``).  The arms of one replication see the same patients.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .schema import Scenario

# 2^5 = 32 arms: a replication already runs 32 times the patients of one arm.
MAX_FACTORIAL = 5
FACTORIAL = "factorial"


@dataclass(frozen=True)
class Arm:
    """A named set of switched-on reform families."""

    name: str
    reforms: tuple[str, ...] = ()

    def has(self, reform: str) -> bool:
        return reform in self.reforms


WITHOUT = Arm("without")
WITH = "with"
# The arm of the rows that compare ``without`` and ``with`` patient by patient (each already a
# saving, ``without - with``): not a set of reforms, a comparison of two.
PAIRED = "paired"
RESERVED = (WITHOUT.name, WITH, PAIRED)
# A published figure's comparison of the two arms as a share of the without arm, per
# replication: (without - with) / without, so a published fall of 9.4% is +0.094 (a
# plausibility entry's ``arm``; not an arm of the tables).
RELATIVE = "relative"

Problem = tuple[tuple, str]


def arms_for(scenario: Scenario) -> tuple[Arm, ...]:
    """``without``, the file's other arms (every combination in between for ``factorial``, by
    size, then in the reforms' rank order), and ``with`` (every reform the file switches on)."""
    on = scenario.switched_on()
    between: list[Arm] = []
    if scenario.arms == FACTORIAL:
        for size in range(1, len(on)):
            between += [Arm("+".join(combo), combo) for combo in itertools.combinations(on, size)]
    elif isinstance(scenario.arms, dict):
        for name, reforms in scenario.arms.items():
            between.append(Arm(name, tuple(r for r in on if r in reforms)))
    return (WITHOUT, *between, Arm(WITH, on))


def is_factorial(scenario: Scenario) -> bool:
    return scenario.arms == FACTORIAL


def arms_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the ``arms:`` entry: too many or too few reforms for a factorial, or named
    arms that name a reform the file does not switch on, a reserved name, or the reforms of
    another arm."""
    on = scenario.switched_on()
    if not isinstance(scenario.arms, dict):
        return _factorial_problems(on) if scenario.arms == FACTORIAL else []
    problems: list[Problem] = []
    seen = {frozenset(): WITHOUT.name, frozenset(on): WITH}
    for name, reforms in scenario.arms.items():
        if name in RESERVED:
            problems.append((("arms", name), f"{name!r} is an arm every scenario has already"))
            continue
        off = [r for r in reforms if r not in on]
        for i, reform in enumerate(reforms):
            if reform in off:
                problems.append(
                    (("arms", name, i), f"{reform!r} is not a reform switched on under reforms")
                )
        chosen = frozenset(reforms)
        if not off and chosen in seen:
            problems.append((("arms", name), f"has the reforms of the {seen[chosen]!r} arm"))
        seen.setdefault(chosen, name)
    return problems


def _factorial_problems(on: tuple[str, ...]) -> list[Problem]:
    if len(on) > MAX_FACTORIAL:
        return [
            (
                ("arms",),
                f"factorial over the {len(on)} reforms switched on ({', '.join(on)}) is "
                f"{2 ** len(on)} arms; at most {MAX_FACTORIAL} reforms "
                f"({2**MAX_FACTORIAL} arms): name the arms you need instead",
            )
        ]
    if len(on) < 2:
        return [(("arms",), f"factorial needs at least 2 reforms switched on, got {len(on)}")]
    return []
