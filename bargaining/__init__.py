"""bargaining: a Mesa simulation of multi-party, multi-issue trade bargaining (NAFTA 2017-18).

The one entry point::

    import bargaining
    scenario = bargaining.load_scenario("nafta-2017")
    result = bargaining.run(scenario, overrides=["US.termination_value=0.6"], seed=7)
    result.outcome, result.agreement, result.utilities
    batch = bargaining.run_batch(scenario, seeds=range(1000))  # 1,000 runs at once, each as run() would give
    batch.outcome, batch.utilities
"""

from .model import NegotiationModel
from .scenario import Scenario, ScenarioError, load_scenario
from .simulate import Replications, Result, run, run_batch

__all__ = ["NegotiationModel", "Replications", "Result", "Scenario", "ScenarioError", "load_scenario", "run",
           "run_batch"]
__version__ = "0.1.0"
