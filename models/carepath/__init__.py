"""carepath: discrete-event models of patient flows through a tiered health system.

The planner's entry points::

    import carepath
    scenario = carepath.load_scenario("scenarios/demo_county.yaml")
    result = carepath.run(scenario, replications=5)
    result.summary        # mean and 95% CI per arm, and of the paired difference
    result.save("out")    # out/<scenario>/: the files `carepath run --out out` writes
    more = carepath.with_lever(scenario, "reforms.credit.enrolment", 0.5)
    sweep = carepath.run_sweep(scenario, {"reforms.credit.enrolment": [0, 0.5, 1]})
    uncertain = carepath.psa(scenario, samples=16)   # needs the file's uncertainty: block
    uncertain.tables["psa.csv"]
"""

from . import reforms as _reforms  # noqa: F401  (registers the built-in reforms)
from .execution.batch import RunResult, run
from .execution.quick import quick
from .inputs.levers import with_lever, with_levers
from .inputs.loading import ScenarioError
from .inputs.scenario_file import load_scenario
from .workflows.psa import PsaResult, psa
from .workflows.sweep import SweepResult, run_sweep

__version__ = "0.2.0"
__all__ = [
    "PsaResult",
    "RunResult",
    "ScenarioError",
    "SweepResult",
    "load_scenario",
    "psa",
    "quick",
    "run",
    "run_sweep",
    "with_lever",
    "with_levers",
    "__version__",
]
