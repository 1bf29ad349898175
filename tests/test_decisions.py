"""The journey's decision points: how two mechanisms' answers combine, in rank order whatever
the order of registration, and the registry refusing what would make results depend on it.

Two stand-in mechanisms answer each point that may have several owners; each notes that it was
asked, so the tests see who was asked as well as what came out.
"""

from __future__ import annotations

import pytest

from carepath.behaviour.mechanisms.decisions import Decisions, switched_on
from carepath.cli import main
from carepath.inputs.arms import Arm
from carepath.inputs.reform_registry import DECISION_POINTS, REFORMS, PatientDraws, Reform
from carepath.inputs.schema import ReformSwitch, Scenario
from carepath.system.site import PRIORITY_NORMAL, PRIORITY_REFERRED
from carepath.system.world import World
from conftest import REPO, tiny_data


class Answers:
    """A stand-in mechanism giving fixed answers, noting each question asked."""

    def __init__(self, name: str, **answers) -> None:
        self.name = name
        self.answers = answers
        self.asked: list[str] = []

    def _answer(self, point: str, *args):
        self.asked.append(point)
        value = self.answers[point]
        return value(*args) if callable(value) else value

    def first_contact(self, patient, chosen):
        return self._answer("first_contact", chosen)

    def priority(self, kind):
        return self._answer("priority")

    def green_channel_at(self, plan):
        return self._answer("green_channel_at")

    def registration_due(self, patient, site, now):
        return self._answer("registration_due")

    def pays_at_cashier(self, patient, site, fee_yuan, now):
        return self._answer("pays_at_cashier")

    def pays_deposit(self, patient, site, deposit_yuan, now):
        return self._answer("pays_deposit")

    def recognises(self, patient, site, test, leg, now):
        return self._answer("recognises")

    def expert_session_min(self, patient, site, now):
        start = self._answer("expert_session_min")
        return None if start is None else (self, start)


def decisions(first: Answers, second: Answers) -> Decisions:
    return Decisions({first.name: first, second.name: second})


# (point, the call, the first's answer, the second's, the combined answer, asked the second?)
CASES = [
    # fold: each gets the answer so far
    (
        "first_contact",
        lambda d: d.first_contact(None, 0),
        lambda c: c + 1,
        lambda c: c * 10,
        10,
        True,
    ),
    # first answer that is not neutral
    (
        "priority",
        lambda d: d.priority("x"),
        PRIORITY_NORMAL,
        PRIORITY_REFERRED,
        PRIORITY_REFERRED,
        True,
    ),
    (
        "priority",
        lambda d: d.priority("x"),
        PRIORITY_REFERRED,
        PRIORITY_NORMAL,
        PRIORITY_REFERRED,
        False,
    ),
    ("registration_due", lambda d: d.registration_due(None, None, 0), False, True, False, False),
    ("registration_due", lambda d: d.registration_due(None, None, 0), True, False, False, True),
    ("registration_due", lambda d: d.registration_due(None, None, 0), True, True, True, True),
    ("pays_at_cashier", lambda d: d.pays_at_cashier(None, None, 5, 0), False, True, False, False),
    ("pays_at_cashier", lambda d: d.pays_at_cashier(None, None, 5, 0), True, True, True, True),
    ("pays_deposit", lambda d: d.pays_deposit(None, None, 500, 0), True, False, True, False),
    ("pays_deposit", lambda d: d.pays_deposit(None, None, 500, 0), False, False, False, True),
    ("recognises", lambda d: d.recognises(None, None, "lab", 0, 0), True, False, True, False),
    ("recognises", lambda d: d.recognises(None, None, "lab", 0, 0), False, True, True, True),
    ("recognises", lambda d: d.recognises(None, None, "lab", 0, 0), False, False, False, True),
    (
        "expert_session_min",
        lambda d: d.expert_session_min(None, None, 0)[1],
        60.0,
        30.0,
        60.0,
        False,
    ),
    (
        "expert_session_min",
        lambda d: d.expert_session_min(None, None, 0)[1],
        None,
        30.0,
        30.0,
        True,
    ),
    # any
    ("green_channel_at", lambda d: d.green_channel_at(None), False, True, True, True),
    ("green_channel_at", lambda d: d.green_channel_at(None), False, False, False, True),
]


@pytest.mark.parametrize(("point", "ask", "first", "second", "combined", "asks_second"), CASES)
def test_two_answers_combine_by_the_points_rule(point, ask, first, second, combined, asks_second):
    a, b = Answers("a", **{point: first}), Answers("b", **{point: second})
    assert ask(decisions(a, b)) == combined
    assert a.asked == [point]
    assert b.asked == ([point] if asks_second else [])


def test_every_point_with_several_possible_owners_has_a_case():
    several = {p for p, point in DECISION_POINTS.items() if point.combine != "single"}
    assert several == {case[0] for case in CASES}


def test_with_no_mechanism_every_answer_is_neutral():
    none = Decisions({})
    assert none.first_contact(None, 3) == 3
    assert none.priority("referral_up") == PRIORITY_NORMAL
    assert none.green_channel_at(None) is False
    assert none.registration_due(None, None, 0) is True
    assert none.pays_at_cashier(None, None, 5, 0) is True
    assert none.pays_deposit(None, None, 500, 0) is False
    assert none.recognises(None, None, "lab", 0, 0) is False
    assert none.expert_session_min(None, None, 0) is None
    assert none.reads_remotely(None, "lab") is False


class Off(ReformSwitch):
    pass


class Sends(Answers):
    """Moves every patient one facility on: a fold whose order shows."""

    def __init__(self, build) -> None:
        super().__init__(build.config.source, first_contact=lambda c: c + 1)


class Doubles(Answers):
    def __init__(self, build) -> None:
        super().__init__(build.config.source, first_contact=lambda c: c * 2)


def test_the_fold_order_is_the_rank_not_the_order_of_registration():
    late = Reform("late_double", rank=901, config=Off, mechanism=Doubles)
    early = Reform("early_send", rank=900, config=Off, mechanism=Sends)
    with REFORMS.registered(late), REFORMS.registered(early):  # registered late first
        assert REFORMS.names()[-2:] == ("early_send", "late_double")
        data = tiny_data(
            reforms={
                "late_double": {"enabled": True, "source": "late"},
                "early_send": {"enabled": True, "source": "early"},
            }
        )
        world = World.build(Scenario.model_validate(data))
        arm = Arm("with", ("late_double", "early_send"))
        assert [r.name for r in switched_on(world, arm)] == ["early_send", "late_double"]
        decide = Decisions.build(None, world, None, arm, None)
        assert decide.first_contact(None, 1) == (1 + 1) * 2  # sent on, then doubled


def test_the_built_in_reforms_and_their_order():
    assert REFORMS.names() == (
        "recognition",
        "credit",
        "registration_validity",
        "free_clinics",
        "family_doctors",
        "visiting_experts",
        "primary_first",
        "two_way_referral",
    )


class Needs(ReformSwitch):
    level: float  # no default: a scenario that does not name the reform would be invalid


class NearHome:
    def seen_near_home(self, patient):
        return None
        yield


def test_a_second_owner_of_a_single_owner_point_is_refused():
    assert [r.name for r in REFORMS.owners("seen_near_home")] == ["free_clinics"]
    rival = Reform("house_calls", rank=950, config=Off, mechanism=NearHome)
    with pytest.raises(
        ValueError, match="'seen_near_home' has a single owner, already 'free_clinics'"
    ):
        REFORMS.register(rival)
    assert "house_calls" not in REFORMS


@pytest.mark.parametrize(
    ("reform", "message"),
    [
        (Reform("credit", rank=951, config=Off, mechanism=object), "registered twice"),
        (Reform("tied", rank=20, config=Off, mechanism=object), "rank 20 is 'credit'"),
        (
            Reform(
                "clash",
                rank=952,
                config=Off,
                mechanism=object,
                draws=PatientDraws("credit", ("x",)),
            ),
            "stream 'credit' belongs to 'credit' with another layout",
        ),
        (Reform("Bad-Name", rank=953, config=Off, mechanism=object), "lower-case"),
        (Reform("needs", rank=954, config=Needs, mechanism=object), "valid switched off"),
    ],
)
def test_the_registry_refuses_clashes(reform, message):
    before = REFORMS.names()
    with pytest.raises(ValueError, match=message):
        REFORMS.register(reform)
    assert REFORMS.names() == before


def test_docs_name_every_decision_point_and_reform():
    text = (REPO / "docs" / "reforms.md").read_text(encoding="utf-8")
    for name in (*DECISION_POINTS, *REFORMS.names()):
        assert f"| `{name}` |" in text, name


def test_the_reforms_command_lists_each_reform_with_its_section_and_points(capsys):
    assert main(["reforms"]) == 0
    out = capsys.readouterr().out
    assert out.count(" (rank ") == len(REFORMS.names())
    assert "registration_validity (rank 30): one registration valid" in out
    assert "  reforms.registration_validity: enabled, source, facilities, days" in out
    assert (
        "  answers: pays_at_cashier, pays_deposit, credit_offered; own streams: patients:credit; "
        "output tables: credit.csv" in out
    )
