"""Scenarios: the file format (``schema``), cross-table checks (``checks``), dotted-path overrides
(``overrides``), loading files and bundled scenarios (``load``), and the validated ``Scenario`` (``case``).

A scenario file declares ``[calendar]``, ``[protocol]``, ``[threat]``, ``[noise]``, one ``[issues.NAME]``
table per issue and one ``[countries.CODE]`` table per country (see ``scenarios/nafta-2017.toml``). Weights in
a file must sum to 1 for each country, else the file is rejected.
"""

from ..errors import ScenarioError
from .case import Scenario, from_dict
from .checks import validation_message
from .load import bundled, load_scenario
from .overrides import apply_override, parse_override, parse_value

__all__ = ["Scenario", "ScenarioError", "apply_override", "bundled", "from_dict", "load_scenario", "parse_override",
           "parse_value", "validation_message"]
