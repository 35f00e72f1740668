"""The negotiation model end to end: exact seeded runs, the threat mechanics and the invariants."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bargaining
from bargaining.model import NegotiationModel


def test_exact_seeded_run(nafta):
    """Seed 7 of nafta-2017: who tabled what when, and the deal (a regression anchor)."""
    r = bargaining.run(nafta, seed=7)
    assert (r.outcome, r.round, r.month) == ("deal", 7, "2018-02")
    assert r.tabled[["round", "proposer"]].values.tolist()[:6] == [
        [1, "CA"], [1, "MX"], [1, "US"], [2, "MX"], [2, "CA"], [2, "US"]]
    assert r.agreement == {
        "auto_rvc": pytest.approx(84.2489178), "us_content": 0.0, "sunset": "none",
        "dispute_settlement": "binational panels", "procurement": "open", "de_minimis": pytest.approx(50.0),
        "digital_trade": 100.0, "customs": 100.0}
    assert r.utilities == pytest.approx({"US": 0.4477601, "CA": 0.8441952, "MX": 0.9033381})


def test_same_seed_same_result_and_seeds_differ(nafta):
    a, b = bargaining.run(nafta, seed=11), bargaining.run(nafta, seed=11)
    assert a.to_dict() == b.to_dict()
    assert a.rounds.equals(b.rounds) and a.tabled.equals(b.tabled)
    results = {str(bargaining.run(nafta, seed=s, record=False).to_dict()["agreement"]) for s in range(10)}
    assert len(results) > 1


def test_recording_does_not_change_the_run(nafta):
    for seed in range(5):
        assert bargaining.run(nafta, seed=seed).to_dict() == bargaining.run(nafta, seed=seed, record=False).to_dict()


def test_opening_offers_are_the_ideal_packages(nafta):
    r = bargaining.run(nafta, {"noise.aspiration": 0}, seed=1)
    first = r.tabled[r.tabled["round"] == 1].set_index("proposer")
    for code in nafta.countries:
        assert first.loc[code][nafta.space.names].to_dict() == nafta.spec.countries[code].ideal
        assert first.loc[code][f"u_{code}"] == pytest.approx(1.0)


def test_credible_threat_without_zone_of_agreement_ends_in_withdrawal(nafta):
    r = bargaining.run(nafta, {"US.termination_value": 0.9}, seed=3)
    assert r.outcome == "withdrawal"
    assert r.notice_round == 8  # the deadline round
    assert r.round == 8 + 6  # six rounds of notice (Art. 2205)
    lobbied = 0.9 - nafta.spec.countries["US"].lobby.rate * (14 - 4 + 1)  # business lobby, rounds 4-14
    assert r.utilities == pytest.approx({c: nafta.spec.countries[c].termination_value if c != "US" else lobbied
                                         for c in nafta.countries})
    assert r.walk_away["CA"] == pytest.approx(0.45)  # belief 1 after the notice


def test_incredible_threat_without_zone_of_agreement_is_a_stalemate(nafta):
    overrides = {"US.termination_value": 0.05, "US.red_lines.auto_rvc": 85.0, "CA.red_lines.auto_rvc": 70.0}
    r = bargaining.run(nafta, overrides, seed=3)
    assert (r.outcome, r.round, r.notice_round) == ("stalemate", 24, None)
    u_sq = nafta.preferences.utility(nafta.space.status_quo)
    assert list(r.utilities.values()) == pytest.approx(list(u_sq))
    # Past the deadline, beliefs erode by 20 % a round: by round 24 the partners barely believe the threat.
    beliefs = r.rounds[r.rounds.country == "CA"].set_index("round")["belief"]
    assert beliefs[9] == pytest.approx(beliefs[8] * 0.8)
    assert beliefs[24] == pytest.approx(beliefs[7] * 0.8**17)


def test_a_threat_exactly_at_the_credibility_boundary_is_not_credible(nafta):
    """Credible means withdrawing *beats* the status quo: t_US > u_US(x_sq). At t_US = u_US(x_sq) exactly
    the U.S. gains nothing by withdrawing, so no notice is given at the deadline; the partners' beliefs
    erode instead and talks without a zone of agreement run to the horizon. The smallest step above it is
    credible: notice at the deadline round, withdrawal six rounds later. (No lobbying, so the termination
    value stays where it is set.)"""
    u_sq = float(nafta.preferences.utility(nafta.space.status_quo)[0])
    apart = {"US.lobby.rate": 0.0, "US.red_lines.auto_rvc": 85.0, "CA.red_lines.auto_rvc": 70.0}
    at = nafta.with_overrides({**apart, "US.termination_value": u_sq})
    above = nafta.with_overrides({**apart, "US.termination_value": float(np.nextafter(u_sq, 1.0))})
    assert not NegotiationModel(at).threat_credible[0] and NegotiationModel(above).threat_credible[0]
    r = bargaining.run(at, seed=3, record=False)
    assert (r.outcome, r.round, r.notice_round) == ("stalemate", 24, None)
    assert r.beliefs["CA"][8] == pytest.approx(r.beliefs["CA"][7] * 0.8)  # eroding, not set to 1
    r = bargaining.run(above, seed=3, record=False)
    assert (r.outcome, r.round, r.notice_round) == ("withdrawal", 14, 8)


def test_a_failed_ratification_after_a_notice_of_withdrawal_leaves_the_termination_values(nafta):
    """A signed package that fails ratification leaves the status quo, unless notice of withdrawal was
    already given: then NAFTA ends and every country gets its termination value. Deadline round 1 (every
    country at its walk-away value at once, notice at the end of round 1) and a Congress that ratifies
    nothing: the seeds whose deal is signed in round 1 get the status quo, those signed after the
    notice the termination values (the lobby starts in round 4, so the U.S. value is still 0.12)."""
    overrides = {"US.congress.threshold": 1.0, "protocol.deadline_round": 1}
    u_sq = dict(zip(nafta.countries, nafta.preferences.utility(nafta.space.status_quo).tolist(), strict=True))
    termination = {c: nafta.spec.countries[c].termination_value for c in nafta.countries}
    seen = set()
    for seed in range(8):
        r = bargaining.run(nafta, overrides, seed=seed, record=False)
        assert r.outcome == "ratification_failed" and r.agreement is None
        assert r.round < 4  # before the lobby moves the U.S. termination value
        noticed = r.notice_round is not None
        assert r.utilities == pytest.approx(termination if noticed else u_sq), seed
        seen.add((noticed, r.round))
    assert {(False, 1), (True, 2)} <= seen  # both cases happen


def test_termination_value_shifts_outcomes_toward_withdrawal(nafta):
    def withdrawals(t):
        return sum(bargaining.run(nafta, {"US.termination_value": t}, seed=s, record=False).outcome == "withdrawal"
                   for s in range(40))

    u_sq_us = float(nafta.preferences.utility(nafta.space.status_quo)[0])
    assert withdrawals(u_sq_us - 0.01) == 0
    shares = [withdrawals(t) for t in (0.3, 0.7, 0.8)]
    assert shares[0] == 0 and shares[0] <= shares[1] <= shares[2] and shares[2] >= 35


@pytest.mark.parametrize("t", [0.0, 0.05, 0.09])
def test_no_withdrawal_when_termination_is_below_status_quo(nafta, t):
    for seed in range(25):
        assert bargaining.run(nafta, {"US.termination_value": t}, seed=seed, record=False).outcome != "withdrawal"


def check_deal_invariants(scenario, seed):
    model = NegotiationModel(scenario, rng=seed, record=False)
    model.run()
    if model.outcome != "deal":
        return model.outcome
    x = model.agreement.package[0]
    utility = model.preferences.utility(x)
    for agent in model.countries:
        assert utility[agent.row] >= agent.walk_away[0] - 1e-9, agent.code
    assert model.preferences.within_red_lines(x).all()
    np.testing.assert_allclose(model.space.snap(x), x)
    return model.outcome


weight = st.floats(0.01, 1.0)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t_us=st.floats(0.0, 1.0), t_ca=st.floats(0.0, 0.9), t_mx=st.floats(0.0, 0.9),
    belief=st.floats(0.0, 1.0), beta=st.floats(0.1, 5.0), deadline=st.integers(1, 12),
    ca_weight=weight, us_ideal=st.floats(62.5, 85.0), ca_red_rvc=st.floats(62.5, 85.0),
    us_red_content=st.floats(0.0, 50.0), shape=st.sampled_from(["linear", "quadratic"]),
    mx_red_dispute=st.sampled_from(["binational panels", "weakened panels", "eliminated"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_deal_respects_walk_away_values_and_red_lines(
        nafta, t_us, t_ca, t_mx, belief, beta, deadline, ca_weight, us_ideal, ca_red_rvc, us_red_content,
        shape, mx_red_dispute, seed):
    scenario = nafta.with_overrides({
        "US.termination_value": t_us, "CA.termination_value": t_ca, "MX.termination_value": t_mx,
        "CA.belief": belief, "US.strategy.beta": beta, "protocol.deadline_round": deadline,
        "CA.weights.dispute_settlement": ca_weight, "US.ideal.auto_rvc": us_ideal,
        "CA.red_lines.auto_rvc": ca_red_rvc, "US.red_lines.us_content": us_red_content,
        "MX.red_lines.dispute_settlement": mx_red_dispute, "MX.shape": shape,
    })
    assert check_deal_invariants(scenario, seed) in {"deal", "withdrawal", "stalemate", "ratification_failed"}


def test_invariants_over_many_seeds_of_the_default(nafta):
    outcomes = [check_deal_invariants(nafta, seed) for seed in range(60)]
    assert outcomes.count("deal") >= 55


def test_pie_split_with_linear_concession(pie):
    """A proposes first each round; both concede linearly to 0 by round 10; A's aspiration in round 6 is
    1 - 5/9, which B (aspiring to the same) accepts."""
    r = bargaining.run(pie, seed=0)
    assert (r.outcome, r.round) == ("deal", 6)
    assert r.agreement["share_A"] == pytest.approx(100 * (1 - 5 / 9))
    assert r.utilities["B"] == pytest.approx(5 / 9)


def test_pie_split_without_agreement_leaves_nothing(pie):
    r = bargaining.run(pie, {"A.red_lines.share_A": 70.0, "B.red_lines.share_A": 30.0}, seed=0)
    assert (r.outcome, r.round) == ("stalemate", 10)
    assert r.utilities == {"A": 0.0, "B": 0.0}


class _EveryRound(NegotiationModel):
    """Recomputes every walk-away value every round, whatever moved."""

    def step(self) -> None:
        self._moved = True
        super().step()


@pytest.mark.parametrize("seed", range(8))
def test_walk_away_values_recomputed_only_when_they_may_move_are_those_recomputed_every_round(nafta, seed):
    """Shocks that move only red lines (auto workers, hardened set points) leave walk-away values as they are."""
    lazy, eager = NegotiationModel(nafta, rng=seed).run(), _EveryRound(nafta, rng=seed).run()
    assert lazy.records.rounds(lazy).equals(eager.records.rounds(eager))
    assert lazy.final_walk_away.tobytes() == eager.final_walk_away.tobytes()


numbers = st.one_of(st.floats(-2, 2), st.sampled_from([0.0, -0.0, 1.0, float("nan")]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(aspiration=numbers, noise=st.one_of(st.none(), st.floats(-0.2, 0.2)), walk_away=st.floats(0, 1.2),
       floor=st.sampled_from([0.0, 0.5]), utility=st.floats(0, 1))
def test_a_single_runs_aspiration_and_answer_on_python_numbers_are_the_arrays(nafta, aspiration, noise, walk_away,
                                                                             floor, utility):
    """``begin_round`` of a single run whose strategy gives a Python number, and ``accepts``' one comparison for a
    strategy that accepts at its aspiration, give the bits of the array path and of ``Strategy.accepts``."""
    model = NegotiationModel(nafta, rng=1, record=False)
    agent = model.countries[1]
    agent.walk_away, agent.aspiration_floor = np.array([walk_away]), np.array([floor])
    agent.strategy.aspiration = lambda _agent: aspiration
    agent.begin_round(None if noise is None else np.array([noise]))
    single, least = agent.aspiration, agent._least
    agent.strategy.aspiration = lambda _agent: np.array([aspiration])  # an array: the general path
    agent.begin_round(None if noise is None else np.array([noise]))
    assert single.tobytes() == agent.aspiration.tobytes() and least.tobytes() == agent._least.tobytes()
    packages, u, inside = np.zeros((1, len(nafta.space))), np.array([utility]), np.array([True])
    general = inside & (u >= agent._floor) & bargaining.strategies.Strategy.accepts(agent.strategy, agent, packages, u)
    assert agent.accepts(packages, u, inside).tolist() == general.tolist()


def _mesa_state(model):
    schedule = model._default_schedule
    return model.steps, model.time, model.running, schedule.execution_count, schedule.next_scheduled_time, \
        len(model._event_list)


@pytest.mark.parametrize("by_hand", [0, 2])
def test_run_leaves_mesa_where_stepping_leaves_it(nafta, by_hand):
    """``run`` steps the rounds itself when nothing else is scheduled: the same rounds, and steps, time, the
    default schedule and the event list where Mesa's ``step`` leaves them (a step after it, too)."""
    run, stepped = NegotiationModel(nafta, rng=5, record=False), NegotiationModel(nafta, rng=5, record=False)
    for _ in range(by_hand):
        run.step()
    run.run()
    while stepped.live.any():
        stepped.step()
    assert _mesa_state(run) == _mesa_state(stepped) and run.steps == run.ended[0] > by_hand
    np.testing.assert_array_equal(np.array(run.belief_path), np.array(stepped.belief_path))
    run.step(), stepped.step()
    assert _mesa_state(run) == _mesa_state(stepped)


def test_run_keeps_the_events_a_model_schedules(nafta):
    """An event scheduled before ``run``, or by a round, runs at its time (``run`` leaves the stepping to Mesa)."""
    times = []

    class Scheduling(NegotiationModel):
        def note(self):
            times.append((self.time, self.steps))

        def step(self):
            super().step()
            if self.steps == 2:
                self.schedule_event(self.note, at=4.0)

    model = Scheduling(nafta, rng=5, record=False)
    model.schedule_event(model.note, at=1.5)
    model.run()
    plain = Scheduling(nafta, rng=5, record=False)
    plain.run()
    assert times == [(1.5, 1), (4.0, 4), (4.0, 4)] and model.steps == plain.steps > 4
    assert _mesa_state(model)[:5] == _mesa_state(plain)[:5]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(0.0, 1.0), min_size=24, max_size=24), st.integers(0, 6))
def test_vetoes_are_every_constituencys_no(nafta, numbers, rounds):
    """``domestic.vetoes`` asks only the constituencies that may say no: each country's vetoes are still the
    "or" of all its constituencies' noes."""
    from bargaining import domestic

    model = NegotiationModel(nafta, seeds=[1, 2, 3], record=False)
    for _ in range(rounds):
        model.step()
    packages = np.array(numbers).reshape(3, 8)
    expected = np.zeros((3, 3), dtype=bool)
    for c in model.constituencies:
        expected[:, c.country.row] |= ~c.ratifies(packages)
    np.testing.assert_array_equal(domestic.vetoes(model.constituencies, packages, 3), expected)
