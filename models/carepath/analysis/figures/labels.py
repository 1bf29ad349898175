"""The words a figure shows: metrics, stations, facilities, tiers, arms and levers in plain words,
in English or (optionally) Chinese.

Result tables name things as the model does (``cost_total_yuan``, ``doctor:internal``,
``north_v1_clinic``, ``reforms.recognition.items.lab.acceptance``); readers of a figure need
"Total cost", "Doctor (internal)", "North village 1 clinic", "Recognition: lab acceptance".
Metric words and units come from the metric registry; facility words from the scenario's
``name`` where it gives one, else from the id and the tier.

The charts read the active :class:`Labels` (``current()``); ``draw_all`` activates a folder's
labels (its facilities, the language) around its figures with ``using``.  A phrase with no
Chinese entry stays English, so a Chinese figure is never missing a label.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from ...inputs.metric_registry import METRICS

LANGUAGES = ("en", "zh")

TIER_WORDS = {"village": "village", "township": "township", "county": "county", "city": "city"}
ARM_WORDS = {"without": "without the reforms", "with": "with the reforms"}
STATION_WORDS = {"registration": "Registration", "cashier": "Cashier", "pharmacy": "Pharmacy"}
TEST_WORDS = dict(lab="lab", xray="X-ray", ultrasound="ultrasound", ct="CT", mri="MRI", ecg="ECG")
REFORM_WORDS = {
    "recognition": "Mutual recognition",
    "credit": "Credit billing",
    "registration_validity": "Registration validity",
    "free_clinics": "Free clinics",
    "family_doctors": "Family doctors",
    "visiting_experts": "Visiting experts",
    "primary_first": "Primary care first",
    "two_way_referral": "Two-way referral",
}
# Short words for a metric's bar where the axis already gives the unit and "saved".
SHORT_METRIC_WORDS = {
    "cost_total_yuan": "Total cost",
    "cost_medical_yuan": "Medical fees",
    "cost_travel_yuan": "Travel cost",
    "cost_with_programme_yuan": "Total cost net of the programme's cost",
    "net_cost_society_yuan": "Society",
    "net_cost_patient_yuan": "Patients",
    "wait_min": "Queueing",
    "time_to_care_min": "Onset to end of care",
    "referral_load_county": "County",
    "referral_load_city": "City",
}
# Parts of facility ids, and what they stand for.
ID_WORDS = {
    "thc": "township health centre",
    "chc": "community health centre",
    "vc": "village clinic",
    "tcm": "TCM hospital",
    **TEST_WORDS,
}
UNIT_PARTS = {"yuan": "yuan", "min": "min", "days": "days"}

# The Chinese label set: English phrase -> Chinese.  Phrases not here stay English.
ZH = {
    # tiers, arms
    "village": "村",
    "township": "乡镇",
    "county": "县",
    "city": "市",
    "Village": "村",
    "Township": "乡镇",
    "County": "县",
    "City": "市",
    "without the reforms": "无改革",
    "with the reforms": "有改革",
    # stations
    "Registration": "挂号",
    "Cashier": "收费",
    "Pharmacy": "药房",
    "Doctor": "医生",
    "exam": "检查",
    "general": "全科",
    "internal": "内科",
    "surgery": "外科",
    "paediatrics": "儿科",
    "lab": "化验",
    "X-ray": "X光",
    "ultrasound": "超声",
    # metrics (short words)
    "Total cost": "总费用",
    "Medical fees": "医疗费用",
    "Travel cost": "交通费用",
    "Total cost net of the programme's cost": "扣除项目成本后的总费用",
    "Society": "全社会",
    "Patients": "患者",
    "Queueing": "排队",
    "Onset to end of care": "从发病到诊疗结束",
    # figure titles
    "Waiting time by station": "各服务点的等候时间",
    "Cost saved by component": "按构成分列的节省费用",
    "Referral load per tier and week": "各级机构每周的转诊量",
    "Utilisation of scarce resources": "稀缺资源的利用率",
    "Saved cost, saved time and referral load": "节省的费用、时间与转诊量",
    "Net saving by perspective": "各方的净节省",
    "Headline savings of every scenario": "各情景的主要节省",
    "Care sought by travel time to the county hospital": "按到县医院路程时间分列的就诊",
    # axes and panels
    "minutes queueing per visit": "每次就诊排队分钟数",
    "utilisation of open minutes (%)": "开放时间利用率（%）",
    "yuan saved per episode (without − with)": "每次患病节省（元，无改革 − 有改革）",
    "minutes saved per episode (without − with)": "每次患病节省（分钟，无改革 − 有改革）",
    "referred arrivals per week": "每周转诊到达人数",
    "referred patients arriving per week": "每周转诊到达人数",
    "measured week": "观察周",
    "Cost components": "费用构成",
    "Total": "合计",
    "Cost saved": "节省的费用",
    "Net saving, by who gains": "净节省（按受益方）",
    "Time saved": "节省的时间",
    "Referral load": "转诊量",
    "gain": "改善",
    "loss": "恶化",
    "gain, 95% interval includes 0": "改善（95%区间含0）",
    "loss, 95% interval includes 0": "恶化（95%区间含0）",
    "no change": "无变化",
    "change (better neither way)": "变化（无优劣方向）",
    "saved": "节省",
    # equity
    "illnesses that sought care per 1,000 residents per year (without − with)": (
        "每千名居民每年寻求诊疗的患病数（无改革 − 有改革）"
    ),
    "travel time to the nearest county hospital": "到最近县医院的路程时间",
    "negative: more care sought with the reforms (better)": "负值：有改革时就诊更多（更好）",
    "positive: less care sought with the reforms (better)": "正值：有改革时就诊更少（更好）",
    "without − with": "无改革 − 有改革",
    "min": "分钟",
    "residents": "居民",
    "no county hospital": "无县医院",
}


@dataclass(frozen=True)
class Labels:
    """The words of one set of figures: the language, the facilities' names by id, and the
    font family to draw them with (None: the default, DejaVu Sans)."""

    language: str = "en"
    facilities: Mapping[str, str] = field(default_factory=dict)
    font: str | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"figure language must be one of {LANGUAGES}, got {self.language!r}")

    def text(self, english: str) -> str:
        """A fixed phrase in the set's language (English where no translation is known)."""
        return ZH.get(english, english) if self.language == "zh" else english

    def metric(self, name: str) -> str:
        """A metric's axis words, with its unit (the metric registry's label)."""
        return METRICS.get(name).label if METRICS.knows(name) else words(name)

    def metric_short(self, name: str) -> str:
        """A metric's words on a bar whose axis already says the unit."""
        if name in SHORT_METRIC_WORDS:
            return self.text(SHORT_METRIC_WORDS[name])
        return capitalised(self.metric(name))

    def tier(self, tier: str) -> str:
        return self.text(capitalised(TIER_WORDS.get(tier, words(tier))))

    def arm(self, arm: str) -> str:
        return self.text(ARM_WORDS.get(arm, words(arm)))

    def station(self, station: str) -> str:
        """``doctor:internal`` as "Doctor (internal)", ``exam:ct`` as "CT exam"."""
        kind, _, detail = station.partition(":")
        if kind == "doctor" and detail:
            return f"{self.text('Doctor')} ({self.text(words(detail))})"
        if kind == "exam" and detail:
            return f"{self.text(TEST_WORDS.get(detail, words(detail)))} {self.text('exam')}"
        return self.text(STATION_WORDS.get(station, capitalised(words(station))))

    def facility(self, facility: str) -> str:
        """The scenario's name of a facility, else its id in plain words."""
        return self.facilities.get(facility) or facility_words(facility)

    def reform(self, reform: str) -> str:
        return self.text(REFORM_WORDS.get(reform, capitalised(words(reform))))

    def key_path(self, path: str) -> str:
        """A lever's or input's key path in plain words (see :func:`key_path_words`)."""
        return key_path_words(path)


def words(name: str) -> str:
    """An identifier's parts as words: ``condition_changed`` as "condition changed"."""
    return str(name).replace("_", " ").strip()


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def facility_words(facility: str, tier: str | None = None) -> str:
    """A facility id in plain words: ``north_v1_clinic`` as "North village 1 clinic",
    ``thc_01`` as "Township health centre 01"; the tier added where the words lack it."""
    parts = []
    for part in str(facility).split("_"):
        village = re.fullmatch(r"v(\d+)", part)
        parts.append(f"village {village.group(1)}" if village else ID_WORDS.get(part, part))
    text = capitalised(" ".join(parts))
    if tier and tier not in text.lower():
        text += f" ({tier})"
    return text


def facility_names(parameters: Mapping) -> dict[str, str]:
    """Each facility's words from a run's resolved parameters (its manifest): the scenario's
    ``name`` where set, else the id in plain words with its tier."""
    names = {}
    for facility in parameters.get("facilities") or []:
        fid = str(facility.get("id", ""))
        names[fid] = facility.get("name") or facility_words(fid, facility.get("tier"))
    return names


_INDEX = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>[^\]]+)\]$")


def key_path_words(path: str) -> str:
    """``reforms.recognition.items.lab.acceptance`` as "Mutual recognition: lab acceptance",
    ``tests.ct.fee_yuan.county`` as "Tests: CT fee county (yuan)", ``zones[county_town].
    episodes_per_person_year`` as "Zone county town: episodes per person year"."""
    parts = str(path).split(".")
    if parts[0] == "reforms" and len(parts) > 1:
        head, rest = REFORM_WORDS.get(parts[1], capitalised(words(parts[1]))), parts[2:]
    else:
        head, rest = _part_words(parts[0], head=True), parts[1:]
    unit = ""
    body = []
    for part in rest:
        if part == "items":  # the recognised items' mapping: its keys say enough
            continue
        found = _INDEX.match(part)
        if found:
            index = found["index"]
            index = str(int(index) + 1) if index.isdigit() else words(index)
            body.append(f"{words(found['name'])} {index}")
            continue
        stem, _, suffix = part.rpartition("_")
        if stem and suffix in UNIT_PARTS:
            unit, part = UNIT_PARTS[suffix], stem
        body.append(TEST_WORDS.get(part, words(part)))
    text = f"{head}: {' '.join(body)}" if body else head
    return f"{text} ({unit})" if unit else text


def _part_words(part: str, head: bool = False) -> str:
    found = _INDEX.match(part)
    if found:
        name = words(found["name"])
        name = name[:-1] if head and name.endswith("s") else name  # zones[x] is one zone
        return capitalised(f"{name} {words(found['index'])}")
    return capitalised(words(part))


_ACTIVE: ContextVar[Labels] = ContextVar("carepath_figure_labels", default=Labels())  # noqa: B039


def current() -> Labels:
    """The labels the charts draw with now (English, facility ids in plain words, unless
    :func:`using` set others)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def using(labels: Labels) -> Iterator[Labels]:
    """Draw the block's charts with ``labels``."""
    token = _ACTIVE.set(labels)
    try:
        yield labels
    finally:
        _ACTIVE.reset(token)
