"""The clock of the talks (docs/model.md, "The clock and the threat"): notice, erosion and the end of talks, per
replication of a batch."""

import numpy as np
import pytest

from bargaining.clock import NO_NOTICE, Clock

YES, NO = np.array([True]), np.array([False])


def at(round_: int, **kwargs) -> Clock:
    clock = Clock(deadline_round=8, horizon_round=12, notice_rounds=6, threatened=True, **kwargs)
    clock.round = round_
    return clock


def ended(clock: Clock) -> tuple[bool, bool]:
    """(withdrawal, stalemate) of a clock of one replication, as ``expired`` and its shortcut ``expired_one`` agree."""
    withdrawal, stalemate = clock.expired()
    assert clock.expired_one() == (bool(withdrawal[0]), bool(stalemate[0]))
    return bool(withdrawal[0]), bool(stalemate[0])


def test_before_the_deadline_nothing_happens_and_talks_run_to_the_horizon():
    clock = at(7)
    assert clock.last_round(YES)[0] == 12
    assert clock.end_round(YES, YES) == (NO, NO) and clock.notice_round[0] == NO_NOTICE
    assert ended(clock) == (False, False)


def test_a_credible_threat_gives_notice_at_the_end_of_the_deadline_round():
    clock = at(8)
    assert clock.last_round(YES)[0] == 8 + 6  # the notice this round's end will bring
    assert clock.end_round(YES, YES) == (YES, NO) and clock.notice_round[0] == 8
    assert ended(clock) == (False, False)
    clock.round = 13
    assert ended(clock) == (False, False) and clock.end_round(YES, YES) == (NO, NO)  # one notice only
    clock.round = 14
    assert ended(clock) == (True, False)


def test_without_a_credible_threat_beliefs_erode_and_talks_end_at_the_horizon():
    clock = at(8)
    assert clock.last_round(NO)[0] == 12
    assert clock.end_round(NO, YES) == (NO, YES) and clock.notice_round[0] == NO_NOTICE
    clock.round = 11
    assert ended(clock) == (False, False)
    clock.round = 12
    assert ended(clock) == (False, True)


def test_with_no_threatener_nothing_erodes():
    clock = Clock(deadline_round=3, horizon_round=5, notice_rounds=6, threatened=False, round=4)
    assert clock.end_round(YES, YES) == (NO, NO)
    assert clock.last_round(YES)[0] == 5


@pytest.mark.parametrize("notice_rounds", [0, 1, 6])
def test_a_notice_takes_effect_notice_rounds_later(notice_rounds):
    clock = Clock(deadline_round=2, horizon_round=30, notice_rounds=notice_rounds, threatened=True, round=2)
    clock.end_round(YES, YES)
    clock.round = 2 + notice_rounds
    assert ended(clock) == (True, False)
    if notice_rounds:
        clock.round -= 1
        assert ended(clock) == (False, False)


def test_each_replication_keeps_its_own_notice_and_only_the_rows_asked_advance():
    clock = Clock(deadline_round=2, horizon_round=30, notice_rounds=3, threatened=True, size=4, round=2)
    credible = np.array([True, False, True, True])
    rows = np.array([True, True, True, False])
    notice, erosion = clock.end_round(credible, rows)
    assert notice.tolist() == [True, False, True, False] and erosion.tolist() == [False, True, False, False]
    assert clock.notice_round.tolist() == [2, NO_NOTICE, 2, NO_NOTICE]
    assert clock.last_round(credible).tolist() == [5, 30, 5, 5]  # the last row's notice is due this round
    clock.round = 5
    assert clock.expired()[0].tolist() == [True, False, True, False]


@pytest.mark.parametrize("threatened", [True, False])
@pytest.mark.parametrize("notice", [NO_NOTICE, 8, 9])
@pytest.mark.parametrize("round_", [7, 8, 9, 10])
@pytest.mark.parametrize("credible", [True, False])
def test_a_single_replications_end_of_round_is_the_batchs(threatened, notice, round_, credible):
    """``end_round_one`` (a batch of one, Python bools) gives what ``end_round`` gives its live replication, and
    leaves the same notice."""
    clocks = [Clock(deadline_round=8, horizon_round=12, notice_rounds=6, threatened=threatened) for _ in range(2)]
    for clock in clocks:
        clock.round, clock.notice_round = round_, np.array([notice])
    notice_due, erosion = clocks[0].end_round(np.array([credible]), YES)
    assert clocks[1].end_round_one(credible) == (bool(notice_due[0]), bool(erosion[0]))
    assert clocks[1].notice_round.tolist() == clocks[0].notice_round.tolist()
