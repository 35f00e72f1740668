"""bargaining: a Mesa simulation of multi-party, multi-issue trade bargaining (NAFTA 2017-18).

The one entry point::

    import bargaining
    scenario = bargaining.load_scenario("nafta-2017")
    result = bargaining.run(scenario, overrides=["US.termination_value=0.6"], seed=7)
    result.outcome, result.agreement, result.utilities
"""

from .model import NegotiationModel
from .scenario import Scenario, ScenarioError, load_scenario
from .simulate import Result, run

__all__ = ["NegotiationModel", "Result", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
