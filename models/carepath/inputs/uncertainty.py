"""The ``uncertainty:`` block of a scenario file: inputs whose value is not known, each with a
distribution and its source.

::

    uncertainty:
      # key path (as a sweep's levers) -> a scipy.stats distribution and where it comes from
      reforms.recognition.items.lab.acceptance:
        {dist: triangular, low: 0.7, mode: 0.85, high: 0.95, source: assumption}   # assumption
      tests.ct.fee_yuan.county:
        {dist: uniform, low: 110, high: 160, source: ecns_2017}
      # a multiplier of the file's values at several keys at once (one draw for all of them)
      tiers.county.service_min.consultation.mean:
        dist: lognormal
        mean: 1.0
        cv: 0.2
        scale: true
        also: [tiers.city.service_min.consultation.mean]
        source: assumption

``carepath run`` runs the file's own values and reads nothing here; ``carepath psa`` draws the
inputs (``workflows.psa``).  Each distribution names its parameters in the file's words
(``low``/``mode``/``high``, ``mean``/``cv``) and is turned into a frozen ``scipy.stats``
distribution here, the one place that knows the mapping.  Only the shape is checked here;
whether the file's values lie in each range and whether the range's ends give valid scenarios
is checked once the scenario is sound (:func:`uncertainty_problems`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from .keypath import checked_path
from .numbers import NUMBER
from .units import unit

Family = Literal["uniform", "triangular", "beta", "normal", "lognormal", "gamma"]

# The parameters each family takes, required then optional (in the file's words).
PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),  # on [low, high], default [0, 1]
    "normal": (("mean", "sd"), ("low", "high")),  # truncated to [low, high] when given
    "lognormal": (("mean", "cv"), ()),
    "gamma": (("mean", "cv"), ()),
}
_ALL = sorted({p for required, optional in PARAMETERS.values() for p in (*required, *optional)})
# The quantiles a range's ends are taken at when the distribution has no finite end.
TAIL = 1e-6
# The largest size of a parameter: beyond every bound of the scenario (the ends of each range are
# then checked against the bounds of the keys they set, inputs.uncertain_inputs).
MAX_PARAMETER = 10**12

# A parameter: a number, never a boolean (finite and within MAX_PARAMETER: checked below).
Parameter = Annotated[float, NUMBER] | None


def _parameter(description: str, unit_name: str = "as the key it sets") -> Any:
    """A distribution's parameter, absent unless its family takes it: ends, mode, mean and sd
    are in the unit of the key the entry sets, shapes and cv are ratios."""
    return Field(None, description=description, json_schema_extra=unit(unit_name))


class Uncertain(BaseModel):
    """One uncertain input: a distribution over the value at a key path (or a multiplier of the
    file's values, ``scale: true``), the same draw set at the ``also`` paths, and its source."""

    # The rules of every scenario section (schema.Strict), which imports this module.
    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Family = Field(description="the distribution family the value is drawn from")
    low: Parameter = _parameter(
        "the range's low end (uniform, triangular; optional for beta, normal)"
    )
    high: Parameter = _parameter(
        "the range's high end (uniform, triangular; optional for beta, normal)"
    )
    mode: Parameter = _parameter("the most likely value of a triangular distribution")
    mean: Parameter = _parameter("the mean of a normal, lognormal or gamma distribution")
    sd: Parameter = _parameter("the standard deviation of a normal distribution")
    cv: Parameter = _parameter(
        "the coefficient of variation of a lognormal or gamma distribution", "ratio"
    )
    a: Parameter = _parameter("the first shape parameter of a beta distribution", "ratio")
    b: Parameter = _parameter("the second shape parameter of a beta distribution", "ratio")
    source: str = Field(
        min_length=1,
        description="'assumption' or ids under sources, '; '-split, the range comes from",
    )
    scale: bool = Field(False, description="the draw multiplies the file's value at each path")
    integer: bool = Field(False, description="round each value set to a whole number (counts)")
    also: list[Annotated[str, AfterValidator(checked_path)]] = Field(
        default_factory=list, description="other key paths set from the same draw as this one"
    )

    @model_validator(mode="after")
    def _parameters(self) -> Uncertain:
        required, optional = PARAMETERS[self.dist]
        given = {p for p in _ALL if getattr(self, p) is not None}
        missing = [p for p in required if p not in given]
        extra = sorted(given - set(required) - set(optional))
        if missing or extra:
            takes = ", ".join(required) + (
                f" (and optionally {', '.join(optional)})" * bool(optional)
            )
            raise ValueError(f"{self.dist} takes {takes}; got {', '.join(sorted(given)) or 'none'}")
        bad = [p for p in sorted(given) if not math.isfinite(getattr(self, p))]
        if bad:
            raise ValueError(f"{', '.join(bad)} must be finite numbers")
        huge = [p for p in sorted(given) if abs(getattr(self, p)) > MAX_PARAMETER]
        if huge:
            raise ValueError(f"{', '.join(huge)} must be at most {MAX_PARAMETER:.0e} in size")
        _check_shape(self)
        return self

    def frozen(self) -> Any:
        """The ``scipy.stats`` distribution (frozen) this entry describes."""
        return _frozen(self)

    def ppf(self, quantiles: Any) -> Any:
        """The values at ``quantiles`` (numbers in [0, 1])."""
        return self.frozen().ppf(quantiles)

    def ends(self) -> tuple[float, float]:
        """The range's ends: the support's, or the ``TAIL`` quantiles where it is infinite."""
        low, high = (float(v) for v in self.frozen().support())
        if not math.isfinite(low):
            low = float(self.ppf(TAIL))
        if not math.isfinite(high):
            high = float(self.ppf(1 - TAIL))
        return low, high

    def paths(self, key: str) -> list[str]:
        """Every key path this input sets: its own key, then ``also``."""
        return [key, *self.also]

    def is_assumption(self) -> bool:
        return self.source.strip().lower().startswith("assumption")

    def source_ids(self) -> list[str]:
        """The source ids it names (none for an assumption)."""
        if self.is_assumption():
            return []
        return [part.strip() for part in self.source.split(";") if part.strip()]


def _check_shape(entry: Uncertain) -> None:
    p = entry
    if p.low is not None and p.high is not None and not p.low < p.high:
        raise ValueError(f"low must be below high, got {p.low} and {p.high}")
    low, mode, high = p.low, p.mode, p.high  # mode: triangular only
    if low is not None and mode is not None and high is not None and not low <= mode <= high:
        raise ValueError(f"mode must lie between low and high, got {p.mode}")
    for name in ("sd", "cv", "a", "b"):
        value = getattr(p, name)
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    if p.dist in ("lognormal", "gamma") and p.mean is not None and p.mean <= 0:
        raise ValueError(f"mean must be > 0 for {p.dist}, got {p.mean}")


def _frozen(p: Uncertain) -> Any:
    def given(name: str, default: float | None = None) -> float:
        value = getattr(p, name)
        chosen = default if value is None else value
        assert chosen is not None, name  # the validator checked what each family needs
        return float(chosen)

    if p.dist == "uniform":
        return stats.uniform(loc=given("low"), scale=given("high") - given("low"))
    if p.dist == "triangular":
        low, width = given("low"), given("high") - given("low")
        return stats.triang(c=(given("mode") - low) / width, loc=low, scale=width)
    if p.dist == "beta":
        low, high = given("low", 0.0), given("high", 1.0)
        return stats.beta(given("a"), given("b"), loc=low, scale=high - low)
    if p.dist == "normal":
        mean, sd = given("mean"), given("sd")
        low, high = given("low", -math.inf), given("high", math.inf)
        return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    mean, cv = given("mean"), given("cv")
    if p.dist == "lognormal":
        sigma = math.sqrt(math.log1p(cv * cv))
        return stats.lognorm(s=sigma, scale=mean / math.sqrt(1 + cv * cv))
    return stats.gamma(a=1 / (cv * cv), scale=mean * cv * cv)  # gamma with this mean and cv


Uncertainty = dict[Annotated[str, AfterValidator(checked_path)], Uncertain]
