"""One contract for every registered strategy (after Axelrod's shared strategy tests).

Each strategy is played against a scripted opponent through :class:`Stand`, a stand-in for the
:class:`~bargaining.views.Negotiator` view that is not the model: a strategy that works here sees only what a
negotiator may see. For every strategy:

* its classifier has every key, and is true to the code: it reads the clock iff ``time_dependent``; it asks for
  another country's strategy iff ``inspects_opponents``; what the opponent tables changes its play iff it is
  ``reciprocal`` or ``learns_opponents``;
* a fresh strategy and a reset one play exactly the same;
* its sequence against the script is exactly the recorded one (``tests/golden/strategies.json``; regenerate
  with ``python tests/test_strategy_contract.py`` only in a commit that says why the sequences change);
* it works on every issue kind: on a table of categorical, ordinal and continuous issues valued by tables, with
  red lines that exclude options, every package it tables is a package of the space, inside its own red lines
  and worth at least its aspiration, and its classifier holds there too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bargaining import offers
from bargaining.clock import Clock
from bargaining.rules import Rule
from bargaining.scenario import from_dict
from bargaining.strategies import STRATEGIES, Strategy
from bargaining.strategies.base import CLASSIFIER

GOLDEN = Path(__file__).parent / "golden" / "strategies.json"
ROUNDS = 10
SCENARIO = from_dict({
    "name": "contract",
    "protocol": {"deadline_round": 8, "horizon_round": 12},
    "issues": {
        "price": {"kind": "continuous", "bounds": [0.0, 100.0], "status_quo": 50.0},
        "volume": {"kind": "continuous", "bounds": [0.0, 10.0], "status_quo": 5.0},
        "terms": {"kind": "ordinal", "levels": ["short", "medium", "long"], "status_quo": "medium"},
    },
    "countries": {
        "A": {"ideal": {"price": 100.0, "volume": 0.0, "terms": "long"}, "termination_value": 0.2,
              "weights": {"price": 0.2, "volume": 0.5, "terms": 0.3}, "red_lines": {"price": 30.0}},
        "B": {"ideal": {"price": 0.0, "volume": 10.0, "terms": "short"}, "termination_value": 0.2,
              "weights": {"price": 0.3, "volume": 0.5, "terms": 0.2}},
    },
})


# Every issue kind: a categorical issue and an ordinal one valued by tables (A excludes an option), a continuous
# issue with piecewise-linear values, and one with the single-peaked shape.
KINDS = from_dict({
    "name": "contract-kinds",
    "protocol": {"deadline_round": 8, "horizon_round": 12},
    "issues": {
        "site": {"kind": "categorical", "options": ["north", "south", "east", "west"]},
        "price": {"kind": "continuous", "bounds": [0.0, 100.0]},
        "terms": {"kind": "ordinal", "levels": ["short", "medium", "long"]},
        "volume": {"kind": "continuous", "bounds": [0.0, 10.0]},
    },
    "countries": {
        "A": {"values": {"site": {"north": 10, "south": 6, "east": 2, "west": 0},
                         "price": [[20.0, 0.0], [60.0, 1.0], [100.0, 0.8]],
                         "terms": {"short": 2, "medium": 10, "long": 5}},
              "ideal": {"volume": 0.0}, "reservation_value": 0.2, "red_lines": {"site": ["west"]},
              "weights": {"site": 0.3, "price": 0.2, "terms": 0.2, "volume": 0.3}},
        "B": {"values": {"site": {"north": 0, "south": 3, "east": 10, "west": 8},
                         "price": [[0.0, 1.0], [50.0, 0.5], [100.0, 0.0]],
                         "terms": {"short": 10, "medium": 3, "long": 0}},
              "ideal": {"volume": 10.0}, "reservation_value": 0.2,
              "weights": {"site": 0.3, "price": 0.3, "terms": 0.2, "volume": 0.2}},
    },
})


def script(conceding: bool, scenario=SCENARIO) -> list[np.ndarray]:
    """B's packages, round by round: its ideal throughout, or conceding toward A's ideal on every issue but volume
    while it holds its volume."""
    prefs = scenario.preferences
    steps = np.linspace(0.0, 0.8, ROUNDS) if conceding else np.zeros(ROUNDS)
    moving = np.array([name != "volume" for name in scenario.space.names], dtype=float)
    return [scenario.space.snap(prefs.ideal[1] + s * moving * (prefs.ideal[0] - prefs.ideal[1])) for s in steps]


class Stand:
    """Country A at a table of two, as its strategy sees it (a batch of one replication); records what the strategy
    looks at."""

    code, row, size, countries = "A", 0, 1, ("A", "B")
    ONE = np.array([True])
    rule = Rule.unanimity(2)

    def __init__(self, opponent: Strategy, scenario=SCENARIO):
        self.scenario = scenario
        self.preferences, self.space = scenario.preferences, scenario.space
        self._clock = Clock(deadline_round=8, horizon_round=12, notice_rounds=0, threatened=False)
        self.walk_away, self.aspiration = np.array([0.3]), np.array([1.0])
        self.offer, self.offered = np.zeros((1, len(self.space))), np.array([False])
        self.opponent = opponent
        self.read_clock = self.inspected = False

    @property
    def clock(self) -> Clock:
        self.read_clock = True
        return self._clock

    @property
    def walk_aways(self):
        return np.array([[self.walk_away[0], 0.3]])

    def groups_of(self, rows):
        yield 0, self.preferences, rows

    def per_group(self, function, packages):
        return function(self.preferences, packages)

    def preferences_of(self, rows):
        return self.preferences

    def utility(self, packages):
        return self.preferences.utility(packages)[..., self.row]

    def concession_path(self, preferences):
        return self.scenario.concession_path(self.row, preferences)

    def concession_paths(self, preferences, weights):
        return self.scenario.concession_paths(self.row, preferences, weights)

    def package_at(self, aspiration, rows):
        return offers.offer(self.concession_path(self.preferences), 1.0 - aspiration)

    def strategy_of(self, code):
        self.inspected = True
        assert code == "B"
        return self.opponent


def play(strategy: Strategy, conceding: bool = True, scenario=SCENARIO) -> tuple[list[list], Stand]:
    """Rounds of [aspiration, the package A tables, whether it accepts B's package] (to 10 decimals)."""
    stand = Stand(opponent=STRATEGIES["linear"](), scenario=scenario)
    sequence = []
    for n, package in enumerate(script(conceding, scenario), start=1):
        stand._clock.round = n
        aspiration = np.broadcast_to(strategy.aspiration(stand), (1,))
        stand.aspiration = np.minimum(np.maximum(aspiration, stand.walk_away), 1.0)
        stand.offer, stand.offered = strategy.propose(stand, Stand.ONE), Stand.ONE
        utility = stand.utility(package[None, :])
        strategy.observe(stand, np.array([1]), package[None, :], utility, Stand.ONE)
        sequence.append([round(float(stand.aspiration[0]), 10), np.round(stand.offer[0], 10).tolist(),
                         bool(strategy.accepts(stand, package[None, :], utility)[0])])
    return sequence, stand


def registered() -> list[str]:
    return sorted(name for name, cls in STRATEGIES.items() if cls.name == name)  # no aliases


@pytest.mark.parametrize("name", registered())
def test_classifier_has_every_key(name):
    classifier = STRATEGIES[name].classifier
    assert set(CLASSIFIER) <= set(classifier)
    assert all(isinstance(classifier[k], bool) for k in CLASSIFIER)


@pytest.mark.parametrize("scenario", [SCENARIO, KINDS], ids=["continuous-ordinal", "every-kind"])
@pytest.mark.parametrize("name", registered())
def test_classifier_is_true_to_the_code(name, scenario):
    cls = STRATEGIES[name]
    conceding, stand = play(cls(), scenario=scenario)
    stubborn, _ = play(cls(), conceding=False, scenario=scenario)
    assert stand.read_clock == cls.classifier["time_dependent"]
    assert stand.inspected == cls.classifier["inspects_opponents"]
    responsive = cls.classifier["reciprocal"] or cls.classifier["learns_opponents"]
    moves = lambda sequence: [move[:2] for move in sequence]  # noqa: E731
    assert (moves(conceding) != moves(stubborn)) == responsive


@pytest.mark.parametrize("name", registered())
def test_fresh_and_reset_strategies_play_the_same(name):
    strategy = STRATEGIES[name]()
    first, _ = play(strategy)
    strategy.reset()
    assert play(strategy)[0] == first
    assert play(STRATEGIES[name]())[0] == first


@pytest.mark.parametrize("name", registered())
def test_every_issue_kind(name):
    """On categorical, tabled ordinal and piecewise-linear issues, with an option A's red line excludes: every
    package is a package of the space (on its options), inside A's red lines, worth at least its aspiration."""
    sequence, stand = play(STRATEGIES[name](), scenario=KINDS)
    space, prefs = KINDS.space, KINDS.preferences
    assert prefs.tables is not None and prefs.excluded is not None
    for aspiration, package, _ in sequence:
        x = np.array(package)
        np.testing.assert_allclose(space.snap(x), x, atol=1e-9)
        assert prefs.within_red_lines(x)[0]
        assert space.natural(x)["site"] != "west"
        assert stand.utility(x) >= aspiration - 1e-9
    assert len({tuple(p) for _, p, _ in sequence}) > 1 or name == "hard_liner" or name == "rubinstein"


@pytest.mark.parametrize("name", registered())
def test_exact_sequence_against_the_script(name):
    expected = json.loads(GOLDEN.read_text())[name]
    assert play(STRATEGIES[name]())[0] == expected


if __name__ == "__main__":
    lines = [f" {json.dumps(name)}: {json.dumps(play(STRATEGIES[name]())[0])}" for name in registered()]
    GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    sys.exit(0)
