"""The clock of the talks (docs/model.md, "The clock and the threat"): notice, erosion and the end of talks."""

import pytest

from bargaining.clock import Clock, Tick
from bargaining.outcomes import Outcome


def at(round_: int, **kwargs) -> Clock:
    clock = Clock(deadline_round=8, horizon_round=12, notice_rounds=6, threatened=True, **kwargs)
    clock.round = round_
    return clock


def test_before_the_deadline_nothing_happens_and_talks_run_to_the_horizon():
    clock = at(7)
    assert clock.last_round(credible=True) == 12
    assert clock.end_round(credible=True) is Tick.NONE and clock.notice_round is None
    assert clock.expired() is None


def test_a_credible_threat_gives_notice_at_the_end_of_the_deadline_round():
    clock = at(8)
    assert clock.last_round(credible=True) == 8 + 6  # the notice this round's end will bring
    assert clock.end_round(credible=True) is Tick.NOTICE and clock.notice_round == 8
    assert clock.expired() is None
    clock.round = 13
    assert clock.expired() is None and clock.end_round(credible=True) is Tick.NONE  # one notice only
    clock.round = 14
    assert clock.expired() is Outcome.WITHDRAWAL


def test_without_a_credible_threat_beliefs_erode_and_talks_end_at_the_horizon():
    clock = at(8)
    assert clock.last_round(credible=False) == 12
    assert clock.end_round(credible=False) is Tick.EROSION and clock.notice_round is None
    clock.round = 11
    assert clock.expired() is None
    clock.round = 12
    assert clock.expired() is Outcome.STALEMATE


def test_with_no_threatener_nothing_erodes():
    clock = Clock(deadline_round=3, horizon_round=5, notice_rounds=6, threatened=False, round=4)
    assert clock.end_round(credible=True) is Tick.NONE
    assert clock.last_round(credible=True) == 5


@pytest.mark.parametrize("notice_rounds", [0, 1, 6])
def test_a_notice_takes_effect_notice_rounds_later(notice_rounds):
    clock = Clock(deadline_round=2, horizon_round=30, notice_rounds=notice_rounds, threatened=True, round=2)
    clock.end_round(credible=True)
    clock.round = 2 + notice_rounds
    assert clock.expired() is Outcome.WITHDRAWAL
    if notice_rounds:
        clock.round -= 1
        assert clock.expired() is None
