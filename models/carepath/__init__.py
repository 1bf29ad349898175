"""carepath: discrete-event models of patient flows through a tiered health system.

The planner's entry points::

    import carepath
    scenario = carepath.load_scenario("scenarios/demo_county.yaml")
    result = carepath.run(scenario, replications=5)
    result.summary        # mean and 95% CI per arm, and of the paired difference
"""

from .inputs.loading import ScenarioError
from .inputs.scenario_file import load_scenario
from .orchestration.batch import RunResult, run

__version__ = "0.1.0"
__all__ = ["RunResult", "ScenarioError", "load_scenario", "run", "__version__"]
