"""Shapley attribution of a saving among reforms, against values worked out by hand."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from carepath.analysis.shapley import coalitions, interaction, shapley_parts, solo_parts

A, B, C = "recognition", "credit", "registration_validity"
REFORMS = (A, B, C)


def table(**by_name: float) -> dict[frozenset[str], float]:
    """A value table from names: ``none`` is no reform, ``ab`` is {A, B}..."""
    letters = {"a": A, "b": B, "c": C}
    return {
        frozenset() if name == "none" else frozenset(letters[x] for x in name): value
        for name, value in by_name.items()
    }


# Solos 10, 20, 30; pairs add +4 (AB), -6 (AC), +2 (BC) beyond their solos; the three together
# add +12 beyond the pairs and solos (a three-way interaction).
V = table(none=0, a=10, b=20, c=30, ab=34, ac=34, bc=52, abc=10 + 20 + 30 + 4 - 6 + 2 + 12)


def test_each_shapley_part_is_the_hand_computed_value() -> None:
    parts = shapley_parts(V, REFORMS)
    # By hand: a reform's part is its solo, half of each pairwise interaction it is in and a
    # third of the three-way one (the weights 1/3, 1/6, 1/6, 1/3 over its marginal contributions).
    assert parts[A] == pytest.approx(10 + 4 / 2 - 6 / 2 + 12 / 3, rel=1e-15)  # 13
    assert parts[B] == pytest.approx(20 + 4 / 2 + 2 / 2 + 12 / 3, rel=1e-15)  # 27
    assert parts[C] == pytest.approx(30 - 6 / 2 + 2 / 2 + 12 / 3, rel=1e-15)  # 32
    # ...and from the definition written out for A: 1/3 (v(a) - v()) + 1/6 (v(ab) - v(b))
    # + 1/6 (v(ac) - v(c)) + 1/3 (v(abc) - v(bc))
    by_definition = (10 - 0) / 3 + (34 - 20) / 6 + (34 - 30) / 6 + (72 - 52) / 3
    assert parts[A] == pytest.approx(by_definition, rel=1e-15)
    whole = V[frozenset(REFORMS)]
    assert math.isclose(sum(parts.values()), whole, rel_tol=1e-12)


def test_solos_and_the_interaction() -> None:
    assert solo_parts(V, REFORMS) == {A: 10, B: 20, C: 30}
    assert interaction(V, REFORMS) == 72 - 60


def test_the_parts_sum_to_the_whole_for_any_table_and_average_over_orders() -> None:
    rng = random.Random(5)
    for k in range(1, 6):
        names = [f"r{i}" for i in range(k)]
        values = {s: rng.uniform(-50, 50) for s in coalitions(names)}
        values[frozenset()] = 0.0
        parts = shapley_parts(values, names)
        assert math.isclose(
            sum(parts.values()), values[frozenset(names)], rel_tol=1e-12, abs_tol=1e-12
        )
        # the Shapley value is the mean marginal contribution over every order of switching on
        orders = list(itertools.permutations(names))
        for name in names:
            mean = 0.0
            for order in orders:
                before = frozenset(order[: order.index(name)])
                mean += values[before | {name}] - values[before]
            assert parts[name] == pytest.approx(mean / len(orders), rel=1e-12, abs=1e-12)


def test_a_reform_that_changes_nothing_gets_exactly_zero() -> None:
    values = {}
    base = {frozenset(): 0.0, frozenset({A}): 5.0, frozenset({B}): 7.0, frozenset({A, B}): 11.0}
    for s in coalitions(REFORMS):  # C adds nothing anywhere: v(S + C) = v(S)
        values[s] = base[s - {C}]
    parts = shapley_parts(values, REFORMS)
    assert parts[C] == 0.0
    assert solo_parts(values, REFORMS)[C] == 0.0
