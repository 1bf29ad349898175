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
    variant = carepath.run(more, replications=5)
    carepath.compare(result, variant)   # baseline and variant side by side, change = b - a
    carepath.lever_run(scenario, {"credit_enrolment": 0.8})  # both runs, then compare
    carepath.lever_panel("demo_county_credit")  # the same with sliders (needs ipywidgets)
"""

from . import reforms as _reforms  # noqa: F401  (registers the built-in reforms)
from .analysis.compare import compare
from .execution.batch import RunResult, run
from .execution.quick import quick
from .inputs.levers import with_lever, with_levers
from .inputs.loading import ScenarioError
from .inputs.planner_levers import PLANNER_LEVERS
from .inputs.scenario_file import load_scenario
from .workflows.lever_panel import lever_run, planner_table
from .workflows.lever_widgets import lever_panel
from .workflows.psa import PsaResult, psa
from .workflows.sweep import SweepResult, run_sweep

__version__ = "0.2.0"
__all__ = [
    "PLANNER_LEVERS",
    "PsaResult",
    "RunResult",
    "ScenarioError",
    "SweepResult",
    "compare",
    "lever_panel",
    "lever_run",
    "load_scenario",
    "planner_table",
    "psa",
    "quick",
    "run",
    "run_sweep",
    "with_lever",
    "with_levers",
    "__version__",
]
