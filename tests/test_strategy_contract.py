"""One contract for every registered strategy (after Axelrod's shared strategy tests).

Each strategy is played against a scripted opponent through :class:`Stand`, a stand-in for the
:class:`~bargaining.views.Negotiator` view that is not the model: a strategy that works here sees only what a
negotiator may see. For every strategy:

* its classifier has every key, and is true to the code: it reads the clock iff ``time_dependent``; it asks for
  another country's strategy iff ``inspects_opponents``; what the opponent tables changes its play iff it is
  ``reciprocal`` or ``learns_opponents``;
* a fresh strategy and a reset one play exactly the same;
* its sequence against the script is exactly the recorded one (``tests/golden/strategies.json``; regenerate
  with ``python tests/test_strategy_contract.py`` only in a commit that says why the sequences change).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bargaining import offers
from bargaining.clock import Clock
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


def script(conceding: bool) -> list[np.ndarray]:
    """B's packages, round by round: its ideal throughout, or conceding toward A's ideal on price and terms
    while it holds its volume."""
    prefs = SCENARIO.preferences
    steps = np.linspace(0.0, 0.8, ROUNDS) if conceding else np.zeros(ROUNDS)
    moving = np.array([1.0, 0.0, 1.0])
    return [SCENARIO.space.snap(prefs.ideal[1] + s * moving * (prefs.ideal[0] - prefs.ideal[1])) for s in steps]


class Stand:
    """Country A at a table of two, as its strategy sees it; records what the strategy looks at."""

    code, row = "A", 0

    def __init__(self, opponent: Strategy):
        self.preferences, self.space = SCENARIO.preferences, SCENARIO.space
        self._clock = Clock(deadline_round=8, horizon_round=12, notice_rounds=0, threatened=False)
        self.walk_away, self.aspiration, self.offer = 0.3, 1.0, None
        self.opponent = opponent
        self.read_clock = self.inspected = False

    @property
    def clock(self) -> Clock:
        self.read_clock = True
        return self._clock

    def utility(self, package):
        return float(self.preferences.utility(package)[self.row])

    def concession_path(self, preferences):
        return SCENARIO.concession_path(self.row, preferences)

    def package_at(self, aspiration):
        return offers.offer(self.concession_path(self.preferences), 1.0 - aspiration)

    def strategy_of(self, code):
        self.inspected = True
        assert code == "B"
        return self.opponent


def play(strategy: Strategy, conceding: bool = True) -> tuple[list[list], Stand]:
    """Rounds of [aspiration, the package A tables, whether it accepts B's package] (to 10 decimals)."""
    stand = Stand(opponent=STRATEGIES["linear"]())
    sequence = []
    for n, package in enumerate(script(conceding), start=1):
        stand._clock.round = n
        stand.aspiration = min(max(strategy.aspiration(stand), stand.walk_away), 1.0)
        stand.offer = strategy.propose(stand)
        utility = stand.utility(package)
        strategy.observe(stand, "B", package, utility)
        sequence.append([round(stand.aspiration, 10), np.round(stand.offer, 10).tolist(),
                         bool(strategy.accepts(stand, package, utility))])
    return sequence, stand


def registered() -> list[str]:
    return sorted(name for name, cls in STRATEGIES.items() if cls.name == name)  # no aliases


@pytest.mark.parametrize("name", registered())
def test_classifier_has_every_key(name):
    classifier = STRATEGIES[name].classifier
    assert set(CLASSIFIER) <= set(classifier)
    assert all(isinstance(classifier[k], bool) for k in CLASSIFIER)


@pytest.mark.parametrize("name", registered())
def test_classifier_is_true_to_the_code(name):
    cls = STRATEGIES[name]
    conceding, stand = play(cls())
    stubborn, _ = play(cls(), conceding=False)
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
def test_exact_sequence_against_the_script(name):
    expected = json.loads(GOLDEN.read_text())[name]
    assert play(STRATEGIES[name]())[0] == expected


if __name__ == "__main__":
    lines = [f" {json.dumps(name)}: {json.dumps(play(STRATEGIES[name]())[0])}" for name in registered()]
    GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    sys.exit(0)
