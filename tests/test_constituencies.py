"""Domestic politics (issue 4): constituencies, ratification, events, and the core invariants with them on."""

import dataclasses
import inspect
import json
from collections import Counter
from importlib import resources

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bargaining
from bargaining import domestic
from bargaining.domestic import zone
from bargaining.domestic.shocks import Shock, excess_one, excess_past
from bargaining.model import NegotiationModel
from bargaining.scenario import ScenarioError

QUIET = {"noise.aspiration": 0.0, "noise.belief": 0.0}


def outcomes(scenario, overrides=None, seeds=range(20)) -> Counter:
    scenario = scenario.with_overrides(overrides)
    return Counter(bargaining.run(scenario, seed=s, record=False).outcome for s in seeds)


def model_run(scenario, overrides=None, seed=0) -> NegotiationModel:
    model = NegotiationModel(scenario.with_overrides(overrides), rng=seed, record=False)
    model.run()
    return model


# ------------------------------------------------------------------------------------------ the bundle


def test_nafta_has_every_constituency_and_sources(nafta):
    kinds = {(c.code, c.kind) for c in NegotiationModel(nafta, rng=0).constituencies}
    assert kinds == {("US", "congress"), ("US", "lobby"), ("US", "auto_workers"), ("MX", "election"),
                     ("CA", "audience_costs"), ("MX", "audience_costs")}
    for path in ("countries.US.congress.threshold", "countries.US.lobby.rate", "countries.MX.election.round",
                 "countries.CA.audience_costs.set_points.auto_rvc", "events.0.belief_shift"):
        assert nafta.sources[path].startswith(("assumption: ", "00")), path


def test_default_nafta_still_ends_in_deals_that_everyone_ratifies(nafta):
    """Over 200 seeds the default ends in a deal at least 97 % of the time (about 99 %: now and then Congress
    rejects the text, ``ratification_failed``), and every deal is ratified by all three."""
    batch = bargaining.run_batch(nafta, range(200))
    deals = batch.outcome == "deal"
    assert deals.mean() >= 0.97 and set(batch.outcome[~deals]) <= {"ratification_failed"}
    assert batch.ratified[deals].all()


# ------------------------------------------------------------------------------------------ ratification


def test_congress_threshold_above_anything_signed_fails_ratification_and_lowering_it_restores_deals(nafta):
    failed = outcomes(nafta, {"US.congress.threshold": 1.0})
    assert failed == {"ratification_failed": 20}
    r = bargaining.run(nafta, {"US.congress.threshold": 1.0}, seed=3)
    assert r.ratified == {"US": False, "CA": True, "MX": True}
    assert r.agreement is None and r.utilities == pytest.approx(  # NAFTA continues unchanged
        dict(zip(nafta.countries, NegotiationModel(nafta).status_quo_utility, strict=True)))
    assert outcomes(nafta, {"US.congress.threshold": 0.0}) == {"deal": 20}


def test_congress_pressure_is_how_far_the_executive_offer_falls_short_of_the_win_set(nafta):
    """Congress' pressure at the start of a round is max(threshold - u_Congress(last U.S. offer), 0); 0 in
    round 1, before the executive has tabled anything."""
    model = NegotiationModel(nafta.with_overrides({"US.congress.threshold": 0.8}), rng=0, record=False)
    congress = next(c for c in model.constituencies if c.kind == "congress")
    pressures, expected = [], []
    us = model.countries[0]
    while model.outcome is None:
        offered, offer = us.offered[0], us.offer[0].copy()  # what the U.S. tabled last round, if anything
        model.step()
        pressures.append(float(np.broadcast_to(congress.pressure, (1,))[0]))
        expected.append(max(0.8 - congress.utility(offer), 0.0) if offered else 0.0)
    assert pressures == pytest.approx(expected) and pressures[0] == 0.0 and max(pressures) > 0.0


@pytest.mark.parametrize("read_every", [1, 3, 100])
def test_congress_pressure_read_late_is_the_pressure_of_each_round(nafta, read_every):
    """Congress computes its pressure when read: read every round, every third, or only at the end (a batch whose
    replications end apart, so some keep theirs while others move), it is the round's max(threshold - u_Congress(the
    U.S. offer of the round before), 0) where the U.S. offered in a live replication, else the one before."""
    apart = {"US.congress.threshold": 0.8, "noise.aspiration": 0.1}  # replications end in rounds 6, 7 and 8
    model = NegotiationModel(nafta.with_overrides(apart), seeds=range(12), record=False)
    congress = next(c for c in model.constituencies if c.kind == "congress")
    us, expected = model.countries[0], np.zeros(12)
    while model.live.any():
        offered, offer, live = us.offered.copy(), us.offer.copy(), model.live.copy()
        model.step()
        expected = np.where(live & offered, np.maximum(0.8 - congress.utility(offer), 0.0), expected)
        if model.round % read_every == 0:
            assert np.array_equal(np.broadcast_to(congress.pressure, (12,)), expected)
    assert np.array_equal(np.broadcast_to(congress.pressure, (12,)), expected) and expected.max() > 0.0


@pytest.mark.parametrize("compact_min", [64, 4])
def test_every_pressure_read_late_is_the_pressure_read_each_round(nafta, compact_min):
    """Every constituency computes its pressure when read: a batch whose replications end apart (cut to its live
    rows or not) gives the same pressures, to the bit, read each round or once at the end."""
    def run(read_each_round):
        apart = {"US.congress.threshold": 0.8, "noise.aspiration": 0.1}  # replications end in rounds 6, 7 and 8
        model = NegotiationModel(nafta.with_overrides(apart), seeds=range(12), record=False)
        model.compact_min = compact_min  # 4: cut to the 5 live rows after round 7
        seen = []
        while model.live.any():
            model.step()
            if read_each_round:
                seen = [np.array(c.pressure) for c in model.constituencies]
        return seen if read_each_round else [np.array(c.pressure) for c in model.constituencies]
    each, late = run(True), run(False)
    assert len(each) == 6 and all(np.array_equal(a, b) for a, b in zip(each, late, strict=True))


def test_an_anticipating_executive_tables_only_what_congress_ratifies(nafta):
    """With ``ratification.anticipate`` the U.S. tables, round after round, only packages its own Congress
    would ratify (threshold 0.75, above what its Boulware path offers)."""
    for seed in range(3):
        model = NegotiationModel(nafta.with_overrides({"US.congress.threshold": 0.75,
                                                       "ratification.anticipate": True}), rng=seed)
        model.run()
        congress = next(c for c in model.constituencies if c.kind == "congress")
        tabled = [x for _, who, x in model.records.tabled if who == "US"]
        assert len(tabled) == model.round and all(congress.ratifies(x[None, :])[0] for x in tabled)
    plain = NegotiationModel(nafta.with_overrides({"US.congress.threshold": 0.75}), rng=0)
    plain.run()
    us_tabled = [x for _, who, x in plain.records.tabled if who == "US"]
    assert not all(congress.ratifies(x[None, :])[0] for x in us_tabled)  # not without it


def test_domestic_records_have_one_row_per_round_and_constituency(nafta, pie):
    r = bargaining.run(nafta, seed=0)
    assert list(r.domestic.columns) == ["round", "country", "kind", "pressure"]
    assert list(r.domestic.index) == list(range(len(r.domestic))) == list(range(6 * r.round))
    empty = bargaining.run(pie, seed=0).domestic  # no constituencies
    assert empty.empty and list(empty.columns) == ["round", "country", "kind", "pressure"]


def test_shocks_keep_termination_values_and_beliefs_within_0_and_1(nafta):
    scenario = nafta.with_overrides({**QUIET, "events": [
        {"round": 1, "country": "CA", "termination_shift": 0.9, "belief_shift": 0.9},
        {"round": 2, "country": "MX", "termination_shift": -0.9, "belief_shift": -0.9}]})
    model = NegotiationModel(scenario, rng=0, record=False)
    model.step()
    assert model.preferences.termination[1] == 1.0 and model.countries[1].belief[0] == 1.0
    model.step()
    assert model.preferences.termination[2] == 0.0 and model.countries[2].belief[0] == 0.0


def test_ratification_is_congress_utility_against_its_threshold(nafta):
    """The win-set boundary, exactly: a deal Congress values at u ratifies at threshold u, fails just above."""
    model = model_run(nafta, {"US.congress.threshold": 0.0}, seed=5)
    congress = next(c for c in model.constituencies if c.kind == "congress")
    u = float(congress.utility(model.agreement.package[0]))
    spec = nafta.spec.countries["US"].congress
    ideal = nafta.space.normalise({i.name: spec.ideal.get(i.name, i.status_quo) for i in nafta.space})
    x = model.agreement.package[0]
    by_hand = sum(spec.weights[i.name] * (1 - abs(x[k] - ideal[k]) / max(ideal[k], 1 - ideal[k]))
                  for k, i in enumerate(nafta.space))
    assert u == pytest.approx(by_hand)
    assert model_run(nafta, {"US.congress.threshold": u}, seed=5).outcome == "deal"
    assert model_run(nafta, {"US.congress.threshold": u + 1e-6}, seed=5).outcome == "ratification_failed"


def test_talks_resume_after_a_failed_ratification_and_the_executive_then_anticipates_congress(nafta):
    model = model_run(nafta, {"US.congress.threshold": 1.0, "ratification.on_failure": "resume"}, seed=2)
    assert model.outcome in ("withdrawal", "stalemate")  # nothing Congress would ratify is ever signed
    assert model.failed_ratifications[0][2][0].tolist() == [True, False, False]  # vetoed by the U.S. only
    us = model.countries[0]
    assert us.anticipates[0] and not model.countries[1].anticipates[0]
    assert model.ratified[0].tolist() == [False, False, False]
    # A threshold Congress can meet: the deal after the failure is one it ratifies.
    found = False
    for seed in range(30):
        m = model_run(nafta, {"US.congress.threshold": 0.75, "ratification.on_failure": "resume"}, seed=seed)
        if m.failed_ratifications and m.outcome == "deal":
            congress = next(c for c in m.constituencies if c.kind == "congress")
            assert congress.ratifies(m.agreement.package)[0]
            found = True
    assert found


def test_anticipating_governments_never_sign_what_they_cannot_ratify(nafta):
    counts = outcomes(nafta, {"US.congress.threshold": 0.75, "ratification.anticipate": True}, seeds=range(15))
    assert "ratification_failed" not in counts


# ------------------------------------------------------------------------------------------ lobby


def test_lobby_lowers_the_termination_value_at_its_rate_down_to_its_floor(nafta):
    model = NegotiationModel(nafta.with_overrides({"US.lobby.rate": 0.03, "US.lobby.floor": 0.05}), rng=0)
    path = []
    for _ in range(7):
        model.step()
        path.append(float(model.preferences.termination[0]))
    assert path == pytest.approx([0.12, 0.12, 0.12, 0.09, 0.06, 0.05, 0.05])  # rounds 1-3 before the lobby
    lobby = next(c for c in model.constituencies if c.kind == "lobby")
    assert lobby.pressure == pytest.approx(0.07)


def test_a_higher_lobby_rate_lowers_the_withdrawal_rate(nafta):
    """With a U.S. termination value well above the status quo the threat ends in withdrawals; lobbying
    that lowers it faster makes withdrawal rarer (a small sweep)."""
    withdrawals = [outcomes(nafta, {"US.termination_value": 0.7, "US.lobby.rate": rate})["withdrawal"]
                   for rate in (0.0, 0.01, 0.02, 0.04)]
    assert withdrawals[0] >= 15 and withdrawals[-1] == 0
    assert all(a >= b for a, b in zip(withdrawals, withdrawals[1:], strict=False))


# ------------------------------------------------------------------------------------------ auto workers


def test_auto_workers_raise_the_executive_floor_toward_their_demand(nafta):
    model = NegotiationModel(nafta.with_overrides({**QUIET, "US.termination_value": 0.9}), rng=0)
    auto_rvc = nafta.space.issues[nafta.space.index("auto_rvc")]
    floors = []
    for _ in range(9):
        model.step()
        if model.outcome:
            break
        floors.append(auto_rvc.natural(model.preferences.lo[0, 0]))
    assert floors[:3] == pytest.approx([62.5 + 1.75, 62.5 + 3.5, 62.5 + 5.25])  # 5 % of 50-85 a round
    assert max(floors) == pytest.approx(75.0)  # stops at the union's demand
    # Every deal of the default respects the floor reached by its round.
    for seed in range(20):
        m = model_run(nafta, seed=seed)
        floor = min(62.5 + 1.75 * m.round, 75.0)
        assert auto_rvc.natural(m.agreement.package[0, 0]) >= floor - 1e-6


def test_auto_workers_move_the_floor_toward_a_demand_below_the_status_quo(nafta):
    """The rule is "from ``start_round``, toward the union's demand by ``rate`` of the range a round",
    whichever side of the status quo the demand lies on. Canadian auto workers from round 2, rate 1 %,
    demanding a de minimis of US$24 (status quo 40, range 0-800: US$8 a round) and 2 % of the digital
    trade text (status quo 0, range 0-100: 1 point a round). Canada's limit on de minimis falls 40 -> 32 ->
    24 and stays at the demand; since Canada's ideal (20) lies below it, it is an upper bound. Its floor on
    digital trade rises 0 -> 1 -> 2 (a lower bound: its ideal is 90). Pressure: the mean share of the way
    from the status quo to the demands."""
    scenario = nafta.with_overrides({**QUIET, "US.termination_value": 0.9, "CA.auto_workers.rate": 0.01,
                                     "CA.auto_workers.start_round": 2,
                                     "CA.auto_workers.demands": {"de_minimis": 24.0, "digital_trade": 2.0}})
    model = NegotiationModel(scenario, rng=0, record=False)
    space = nafta.space
    de_minimis, digital = space.index("de_minimis"), space.index("digital_trade")
    workers = next(c for c in model.constituencies if c.kind == "auto_workers" and c.code == "CA")
    limits, floors, pressure = [], [], []
    for _ in range(4):
        model.step()
        p = model.preferences
        limits.append(space.issues[de_minimis].natural(p.hi[1, de_minimis]))
        floors.append(space.issues[digital].natural(p.lo[1, digital]))
        assert p.lo[1, de_minimis] == 0.0 and p.hi[1, digital] == 1.0
        pressure.append(workers.pressure)
    assert limits == pytest.approx([800.0, 32.0, 24.0, 24.0])  # round 1: no red line yet
    assert floors == pytest.approx([0.0, 1.0, 2.0, 2.0])
    assert pressure == pytest.approx([0.0, 0.5, 1.0, 1.0])


def test_auto_workers_never_loosen_the_executives_own_red_line(nafta):
    """A U.S. executive that will not go below 85 % regional content keeps that red line while the union's
    floor rises from 62.5 % toward 75 %: the auto workers can only raise the floor."""
    model = NegotiationModel(nafta.with_overrides({"US.red_lines.auto_rvc": 85.0}), rng=0, record=False)
    model.step()
    assert nafta.space.issues[0].natural(model.preferences.lo[0, 0]) == pytest.approx(85.0)


# ------------------------------------------------------------------------------------------ election


def test_an_election_after_the_talks_changes_nothing(nafta):
    late = nafta.with_overrides({"MX.election.round": 30, "MX.election.campaign_rounds": 0})
    for seed in range(8):
        a, b = bargaining.run(nafta, seed=seed, record=False), bargaining.run(late, seed=seed, record=False)
        assert a.to_dict() | {"beliefs": None} == b.to_dict() | {"beliefs": None}


def test_a_mexican_election_changes_the_outcome_distribution_as_configured(nafta):
    """A new government elected in round 3 that will not go past 70 % regional content, while the U.S.
    auto workers push the U.S. floor to 75 %: once the floors cross, no package is acceptable to both."""
    hardline = {"MX.election.round": 3, "MX.election.campaign_rounds": 0, "MX.election.red_lines.auto_rvc": 70.0}
    before, after = outcomes(nafta), outcomes(nafta, hardline)
    assert before == {"deal": 20}
    assert after["deal"] < 10 and after["withdrawal"] + after["stalemate"] > 10
    auto_rvc = nafta.space.issues[0]
    for seed in range(20):
        m = model_run(nafta, hardline, seed=seed)
        if m.outcome == "deal":  # a deal struck before the floors crossed
            assert auto_rvc.natural(m.agreement.package[0, 0]) <= 70.0 + 1e-6 and m.round < 6
    # A patient new government (Boulware, reaching its walk-away value only in round 20) holds out:
    # the deals come later and are better for Mexico.
    patient = {"MX.election.round": 2, "MX.election.campaign_rounds": 0, "MX.election.strategy.deadline": 20,
               "MX.election.strategy.beta": 0.5}
    default, holding_out = ([bargaining.run(nafta, o, seed=s, record=False) for s in range(20)] for o in ({}, patient))
    assert all(r.outcome == "deal" for r in holding_out)
    assert np.mean([r.round for r in holding_out]) > np.mean([r.round for r in default]) + 0.5
    assert np.mean([r.utilities["MX"] for r in holding_out]) > np.mean([r.utilities["MX"] for r in default]) + 0.01


def test_no_concessions_in_campaign_season(nafta):
    scenario = nafta.with_overrides({**QUIET, "MX.election.round": 6, "MX.election.campaign_rounds": 2,
                                     "US.termination_value": 0.9})
    r = bargaining.run(scenario, seed=0)
    mx = r.rounds[r.rounds.country == "MX"].set_index("round")["aspiration"]
    assert mx[4] == pytest.approx(mx[3]) and mx[5] == pytest.approx(mx[3])  # held in rounds 4-5
    assert mx[3] < mx[2]  # conceding before the campaign
    pressure = r.domestic[r.domestic.kind == "election"].set_index("round")["pressure"]
    assert pressure.loc[[3, 4, 5, 6]].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_the_election_lifts_the_campaign_floor(nafta):
    """The campaign freezes the aspiration only until the election: from the election round on the new
    government concedes along its own strategy, exactly as it would have without a campaign (a linear
    concession to round 16; the campaign changes neither its walk-away value nor its strategy)."""
    base = {**QUIET, "MX.election.round": 6, "US.termination_value": 0.9}
    with_campaign = bargaining.run(nafta, {**base, "MX.election.campaign_rounds": 2}, seed=0)
    without = bargaining.run(nafta, {**base, "MX.election.campaign_rounds": 0}, seed=0)
    assert with_campaign.round == without.round == 14  # withdrawal: every round is played in both runs
    held, free = (r.rounds[r.rounds.country == "MX"].set_index("round")["aspiration"] for r in (with_campaign, without))
    assert held[4] == held[5] == held[3] > free[4]  # the campaign floor: rounds 4-5 hold round 3's aspiration
    assert held.loc[6:].tolist() == pytest.approx(free.loc[6:].tolist(), abs=1e-12)
    assert held[7] < held[3]  # below the campaign floor once the election is held


def test_a_campaign_longer_than_the_rounds_before_the_election_starts_in_round_1(nafta):
    """A campaign of 5 rounds before an election in round 3 starts with the talks: Mexico holds its opening
    aspiration, 1, through rounds 1-2, whatever the day-to-day noise (which, without a campaign, takes
    round 1's aspiration below 1 for some of these seeds)."""
    for seed in range(5):
        r = bargaining.run(nafta, {"MX.election.round": 3, "MX.election.campaign_rounds": 5}, seed=seed)
        mx = r.rounds[r.rounds.country == "MX"].set_index("round")["aspiration"]
        assert mx[1] == mx[2] == 1.0, seed
        pressure = r.domestic[r.domestic.kind == "election"].set_index("round")["pressure"]
        assert pressure.loc[[1, 2, 3]].tolist() == [1.0, 1.0, 0.0]


def test_the_new_government_brings_its_positions_red_lines_termination_value_and_strategy(nafta):
    """At the election round, and not before, Mexico's new government takes office with what
    ``[countries.MX.election]`` gives it: a new ideal point, red lines that replace the old ones (here one
    relaxed, sunset, and one new below the ideal, digital trade), a new termination value and a new
    strategy (time-dependent when the table names none). Its partners' beliefs are untouched."""
    scenario = nafta.with_overrides({**QUIET, "US.termination_value": 0.9, "MX.election.round": 4,
                                     "MX.election.campaign_rounds": 0, "MX.election.ideal.de_minimis": 100.0,
                                     "MX.election.termination_value": 0.2,
                                     "MX.election.red_lines.digital_trade": 60.0,
                                     "MX.election.red_lines.sunset": "ends after 5 years unless renewed",
                                     "MX.election.strategy": {"deadline": 20, "beta": 2.0}})
    space = nafta.space
    de_minimis, digital, sunset = (space.index(i) for i in ("de_minimis", "digital_trade", "sunset"))
    model = NegotiationModel(scenario, rng=0, record=False)
    mx = model.countries[2]
    for _ in range(3):
        model.step()
    p = model.preferences
    assert (p.ideal[2, de_minimis], p.termination[2], p.lo[2, digital], p.hi[2, sunset]) == (
        pytest.approx(50 / 800), 0.35, 0.0, 0.5)
    model.step()  # round 4: the election
    p = model.preferences
    assert space.issues[de_minimis].natural(p.ideal[2, de_minimis]) == pytest.approx(100.0)
    assert p.termination[2] == 0.2
    assert space.issues[digital].natural(p.lo[2, digital]) == pytest.approx(60.0) and p.hi[2, digital] == 1.0
    assert space.issues[sunset].natural(p.hi[2, sunset]) == "ends after 5 years unless renewed"
    assert mx.strategy.name == "time_dependent" and (mx.strategy.params.deadline, mx.strategy.params.beta) == (20, 2.0)
    assert mx.belief[0] == pytest.approx(0.5 + 0.1)  # the scenario belief and the round-4 event only
    assert model.countries[1].belief[0] == pytest.approx(0.4 + 0.1)


# ------------------------------------------------------------------------------------------ audience costs


def test_audience_costs_erode_support_then_harden_set_points_into_red_lines(nafta):
    scenario = nafta.with_overrides({**QUIET, "CA.audience_costs.cost": 0.5, "CA.audience_costs.floor": 0.7,
                                     "US.termination_value": 0.9})
    model = NegotiationModel(scenario, rng=0, record=False)
    audience = next(c for c in model.constituencies if c.kind == "audience_costs" and c.code == "CA")
    ca = model.countries[1]
    support = 1.0
    while model.outcome is None and not audience.hardened[0]:
        offered, offer = ca.offered[0], ca.offer.copy()  # what Canada tabled last round, if anything
        model.step()
        if offered:
            support = max(support - 0.5 * audience.excess(offer)[0], 0.0)
        assert audience.support[0] == pytest.approx(support)
        assert audience.pressure[0] == pytest.approx(1.0 - support)
    assert audience.hardened[0] and audience.support[0] < 0.7
    rvc = nafta.space.issues[0]
    assert rvc.natural(model.preferences.hi[1, 0]) == pytest.approx(75.0)  # the set point is now a red line
    assert model.preferences.hi[1, nafta.space.index("procurement")] == 0.0  # "open"
    assert nafta.preferences.hi[1, 0] == 1.0  # the scenario's own preferences are untouched


def test_audience_costs_ratification_rule(nafta):
    model = NegotiationModel(nafta, rng=0)
    audience = next(c for c in model.constituencies if c.kind == "audience_costs" and c.code == "CA")
    x = nafta.space.status_quo.copy()[None, :]  # a batch of one package
    assert audience.ratifies(x)[0]
    x[0, 0] = nafta.space.issues[0].normalise(85.0)  # 10 points past the 75 % set point: 10/35 of the range
    assert audience.excess(x)[0] == pytest.approx(10 / 35)
    audience.support[0] = 0.5 + 0.3 * 10 / 35 + 1e-9
    assert audience.ratifies(x)[0]
    audience.support[0] = 0.5 + 0.3 * 10 / 35 - 1e-6
    assert not audience.ratifies(x)[0]


def test_audience_costs_count_concessions_past_a_set_point_on_either_side_of_the_ideal(nafta):
    """A set point below the ideal (Canada: digital trade 50 %, ideal 90 %) is passed by going lower; one
    above it (regional content 75 %, ideal 62.5 %) by going higher. Excess is in shares of the range."""
    model = NegotiationModel(nafta.with_overrides({"CA.audience_costs.set_points.digital_trade": 50.0}), rng=0)
    audience = next(c for c in model.constituencies if c.kind == "audience_costs" and c.code == "CA")
    x = nafta.space.normalise({**nafta.spec.countries["CA"].ideal, "digital_trade": 30.0})
    assert audience.excess(x[None, :])[0] == pytest.approx(0.2)
    x = nafta.space.normalise({**nafta.spec.countries["CA"].ideal, "digital_trade": 70.0, "auto_rvc": 78.5})
    assert audience.excess(x[None, :])[0] == pytest.approx(3.5 / 35)


def test_hardening_set_points_never_loosens_an_existing_red_line(nafta):
    """Set points harden into red lines by *tightening*: where the government's own red line is stricter
    than its set point (Canada will not see the panels go past "weakened"; a set point at "eliminated"),
    the stricter red line stays; where the set point is stricter (regional content 75 %), it becomes the
    red line."""
    scenario = nafta.with_overrides({**QUIET, "CA.audience_costs.cost": 0.5, "CA.audience_costs.floor": 0.7,
                                     "US.termination_value": 0.9,
                                     "CA.audience_costs.set_points.dispute_settlement": "eliminated"})
    model = NegotiationModel(scenario, rng=0, record=False)
    audience = next(c for c in model.constituencies if c.kind == "audience_costs" and c.code == "CA")
    while model.outcome is None and not audience.hardened[0]:
        model.step()
    assert audience.hardened[0]
    space = nafta.space
    dispute = space.index("dispute_settlement")
    assert space.issues[dispute].natural(model.preferences.hi[1, dispute]) == "weakened panels"  # kept
    assert space.issues[0].natural(model.preferences.hi[1, 0]) == pytest.approx(75.0)  # the set point
    assert model.preferences.lo[1, dispute] == model.preferences.lo[1, 0] == 0.0


# ------------------------------------------------------------------------------------------ events and beliefs


def test_scheduled_events_shock_beliefs_termination_values_and_positions(nafta):
    scenario = nafta.with_overrides({**QUIET, "events": [
        {"round": 2, "country": "CA", "termination_shift": -0.1},
        {"round": 3, "country": "MX", "ideal": {"auto_rvc": 70.0}},
    ]})
    model = NegotiationModel(scenario, rng=0, record=False)
    model.step()
    assert model.preferences.termination[1] == pytest.approx(0.45)
    model.step()
    assert model.preferences.termination[1] == pytest.approx(0.35)
    assert model.countries[1].walk_away[0] == pytest.approx(0.4 * 0.35 + 0.6 * model.status_quo_utility[1])
    model.step()
    assert scenario.space.issues[0].natural(model.preferences.ideal[2, 0]) == pytest.approx(70.0)
    assert model.status_quo_utility[2] == pytest.approx(model.preferences.utility(model.status_quo)[2])
    assert model.status_quo_utility[2] != pytest.approx(scenario.preferences.utility(model.status_quo)[2])


def test_belief_trajectory_events_erosion_and_notice(nafta):
    """Beliefs: +0.1 from the round-4 event (seed 003), eroded by 20 % a round past the deadline
    without withdrawal (seed 002), set to 1 by a notice."""
    r = bargaining.run(nafta, {**QUIET, "US.termination_value": 0.05, "US.red_lines.auto_rvc": 85.0,
                               "CA.red_lines.auto_rvc": 70.0}, seed=0, record=False)
    ca = r.beliefs["CA"]
    assert r.outcome == "stalemate" and r.beliefs["US"] == [None] * r.round
    assert ca[:3] == pytest.approx([0.4] * 3) and ca[3] == pytest.approx(0.5)
    assert ca[7] == pytest.approx(0.5 * 0.8) and ca[8] == pytest.approx(0.5 * 0.8**2)
    r = bargaining.run(nafta, {**QUIET, "US.termination_value": 0.9}, seed=0, record=False)
    assert r.notice_round == 8 and r.beliefs["MX"][7:] == [1.0] * (r.round - 7)


# ------------------------------------------------------------------------------------------ overrides and errors


def test_override_paths_reach_every_domestic_table(nafta):
    s = nafta.with_overrides(["US.congress.threshold=0.6", "US.lobby.rate=0.02", "MX.election.round=9",
                              "US.auto_workers.demands.auto_rvc=80", "CA.audience_costs.set_points.auto_rvc=70",
                              "CA.audience_costs.cost=0.2", "US.congress.weights.customs=0.5",
                              "ratification.on_failure=resume", 'MX.election.strategy.name="time_dependent"'])
    us, ca, mx = (s.spec.countries[c] for c in ("US", "CA", "MX"))
    assert (us.congress.threshold, us.lobby.rate, mx.election.round) == (0.6, 0.02, 9)
    assert us.auto_workers.demands == {"auto_rvc": 80} and ca.audience_costs.set_points["auto_rvc"] == 70
    assert sum(us.congress.weights.values()) == pytest.approx(1.0) and us.congress.weights["customs"] == 0.5
    assert s.spec.ratification.on_failure == "resume"
    # A table the file leaves out can be added by overrides.
    ca_lobby = nafta.with_overrides({"CA.lobby.rate": 0.01}).spec.countries["CA"].lobby
    assert ca_lobby.rate == 0.01 and ca_lobby.start_round == 1


@pytest.mark.parametrize("override, message", [
    ("US.congress.threshold=2", "countries.US.congress.threshold: expected less than or equal to 1, found 2"),
    ("US.lobby.speed=0.1", "unknown override path 'US.lobby.speed': 'speed' is not a key of countries.US.lobby"),
    ("MX.election.round=0", "countries.MX.election.round: expected greater than or equal to 1, found 0"),
    ("US.auto_workers.demands.tariffs=3", "'tariffs' is not a key of countries.US.auto_workers.demands"),
    ("US.auto_workers.demands.auto_rvc=99", "countries.US.auto_workers.demands.auto_rvc: expected a number in "
     "[50, 85], found 99"),
    ("CA.audience_costs.set_points.procurement=closed", "countries.CA.audience_costs.set_points.procurement: "
     "expected one of ['open', 'partly capped', \"capped at partners' own market size\"], found 'closed'"),
    ("MX.election.strategy.beta=-1", "countries.MX.election.strategy.beta: expected greater than 0, "
     "found -1"),
    ("MX.election.strategy.name=psychic", "countries.MX.election.strategy.name: expected one of"),
    ("CA.congress.threshold=0.5", "countries.CA.congress.weights: required but missing"),
    ("ratification.on_failure=retry", "ratification.on_failure: expected 'fail' or 'resume', found 'retry'"),
    ('events=[{round=2, country="BR"}]', "events.0.country: expected one of ['CA', 'MX', 'US'], found 'BR'"),
    ('events=[{round=2, country="US", belief_shift=0.1}]', "events.0.belief_shift: US makes the threat"),
    ('events=[{round=2, country="CA", ideal={sunset="ends after 5 years unless renewed"}}]',
     "events.0.ideal.sunset: expected a value within CA's red line on sunset ('periodic review'), found 'ends"),
    ("MX.election.ideal.us_content=10", "countries.MX.election.ideal.us_content: expected a value within MX's "
     "red line on us_content (0.0), found 10"),
])
def test_bad_domestic_overrides_name_the_key_expected_and_found(nafta, override, message):
    with pytest.raises(ScenarioError) as err:
        nafta.with_overrides([override])
    assert str(err.value).startswith("nafta-2017: ") and message in str(err.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["US.congress.threshold", "US.lobby.rate", "US.lobby.floor", "MX.election.round",
                             "CA.audience_costs.cost", "CA.audience_costs.floor", "US.auto_workers.rate",
                             "MX.election.campaign_rounds", "ratification.anticipate"]),
       value=st.one_of(st.floats(allow_nan=True), st.integers(-5, 50), st.text(max_size=4), st.booleans()))
def test_any_domestic_value_is_accepted_or_rejected_with_a_clear_message(nafta, path, value):
    try:
        scenario = nafta.with_overrides({path: value})
    except ScenarioError as exc:
        assert str(exc).startswith("nafta-2017: ") and "\n" not in str(exc)
        return
    bargaining.run(scenario, seed=0, record=False)  # whatever is accepted runs


def test_bad_domestic_table_in_a_file(tmp_path, nafta):
    text = (resources.files("bargaining.scenarios") / "nafta-2017.toml").read_text()
    path = tmp_path / "bad.toml"
    path.write_text(text + '\n[countries.CA.election]\nround = 5\nideal = { sunset = "forever" }\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: countries.CA.election.ideal.sunset: expected one of"):
        bargaining.load_scenario(path)


@pytest.mark.parametrize("table, message", [
    ("[countries.CA.congress]\nthreshold = 0.5\nweights = { tariffs = 1.0 }\n",
     "countries.CA.congress.weights.tariffs: unknown issue; expected one of ['auto_rvc', 'customs', "),
    ("[countries.CA.auto_workers]\nrate = 0.1\ndemands = { tariffs = 3 }\n",
     "countries.CA.auto_workers.demands.tariffs: unknown issue; expected one of ['auto_rvc', 'customs', "),
])
def test_a_domestic_table_in_a_file_naming_an_unknown_issue(tmp_path, table, message):
    text = (resources.files("bargaining.scenarios") / "nafta-2017.toml").read_text()
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n" + table)
    with pytest.raises(ScenarioError) as err:
        bargaining.load_scenario(path)
    assert str(err.value).startswith(f"{path}: {message}")


# ------------------------------------------------------------------------------------------ invariants

@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t_us=st.floats(0.0, 1.0), threshold=st.floats(0.0, 0.8), lobby=st.floats(0.0, 0.05),
    uaw_rate=st.floats(0.01, 0.3), uaw_demand=st.floats(62.5, 85.0), election=st.integers(1, 20),
    mx_red_rvc=st.floats(62.5, 85.0), cost=st.floats(0.01, 2.0), floor=st.floats(0.0, 1.0),
    shift=st.floats(-0.3, 0.3), event_round=st.integers(1, 12), on_failure=st.sampled_from(["fail", "resume"]),
    anticipate=st.booleans(), seed=st.integers(0, 2**32 - 1),
)
def test_every_deal_with_constituencies_on_respects_walk_away_red_lines_and_ratification(
        nafta, t_us, threshold, lobby, uaw_rate, uaw_demand, election, mx_red_rvc, cost, floor, shift,
        event_round, on_failure, anticipate, seed):
    scenario = nafta.with_overrides({
        "US.termination_value": t_us, "US.congress.threshold": threshold, "US.lobby.rate": lobby,
        "US.auto_workers.rate": uaw_rate, "US.auto_workers.demands.auto_rvc": uaw_demand,
        "MX.election.round": election, "MX.election.red_lines.auto_rvc": mx_red_rvc,
        "CA.audience_costs.cost": cost, "CA.audience_costs.floor": floor,
        "ratification.on_failure": on_failure, "ratification.anticipate": anticipate,
        "events": [{"round": event_round, "country": "CA", "termination_shift": shift, "belief_shift": shift}],
    })
    model = NegotiationModel(scenario, rng=seed, record=False)
    model.run()
    assert model.outcome in {"deal", "withdrawal", "stalemate", "ratification_failed"}
    assert len(model.belief_path) == model.round
    assert all(0.0 <= b <= 1.0 for row in model.belief_path for b in row[0, 1:])  # the partners' (US: NaN)
    if model.outcome != "deal":
        assert not model.ratified[0].all()
        return
    x = model.agreement.package[0]
    utility = model.preferences.utility(x)
    for agent in model.countries:  # walk-away values and preferences of the round of the deal
        assert utility[agent.row] >= agent.walk_away[0] - 1e-9, agent.code
    assert model.preferences.within_red_lines(x).all()
    assert not domestic.vetoes(model.constituencies, x[None, :], 3)[0].any() and model.ratified[0].all()
    np.testing.assert_allclose(model.space.snap(x), x)


def test_same_seed_same_result_with_constituencies(nafta):
    overrides = {"US.termination_value": 0.7, "ratification.on_failure": "resume", "US.congress.threshold": 0.6}
    a, b = bargaining.run(nafta, overrides, seed=4), bargaining.run(nafta, overrides, seed=4)
    assert a.to_dict() == b.to_dict() and a.domestic.equals(b.domestic)
    assert bargaining.run(nafta, overrides, seed=4, record=False).to_dict() == a.to_dict()


# ------------------------------------------------------------------------------------------ CLI, records, figure


def test_run_json_has_ratified_and_the_belief_trajectory(capsys):
    from bargaining.cli import main

    assert main(["run", "nafta-2017", "--seed", "3", "--json", "--set", "US.congress.threshold=1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "ratification_failed"
    assert data["ratified"] == {"US": False, "CA": True, "MX": True}
    assert len(data["beliefs"]["CA"]) == data["round"] and data["beliefs"]["US"] == [None] * data["round"]
    assert data["beliefs"]["CA"][3] == pytest.approx(data["beliefs"]["CA"][2] + 0.1)  # the round-4 event
    assert main(["run", "nafta-2017", "--seed", "3", "--set", "US.congress.threshold=1"]) == 0
    assert "signed but not ratified by: US." in capsys.readouterr().out


def test_show_gives_the_zone_with_and_without_domestic_constraints(nafta, capsys):
    from bargaining.cli import main

    assert main(["show", "nafta-2017", "--json", "--set", "US.congress.threshold=0.95"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["zopa"] is True and data["domestic"]["zopa"] is False
    assert data["domestic"]["constituencies"]["US"]["congress"]["threshold"] == 0.95
    assert main(["show", "nafta-2017"]) == 0
    out = capsys.readouterr().out
    assert "With domestic constraints (US auto workers (auto_rvc); US Congress (threshold 0.5)" in out
    # Domestic constraints only shrink the zone; the auto workers' demand binds: 75 % regional content.
    plain, constrained = nafta.zopa(), zone.domestic_zopa(nafta)
    assert constrained.exists and constrained.slack <= plain.slack + 1e-9
    assert nafta.space.issues[0].natural(constrained.package[0]) >= 75.0 - 1e-6
    assert nafta.space.issues[0].natural(plain.package[0]) < 75.0
    # The Congress row of the constrained problem is its utility against its threshold.
    prefs, labels = zone.constrained_preferences(nafta)
    assert prefs.countries[-1] == "US Congress" and prefs.termination[-1] == 0.5 and len(labels) == 4


def test_domestic_constraints_as_rows_and_red_lines(nafta):
    """The constrained problem: set points and the union's demands become red lines of their country, each
    labelled; a Congress becomes a row whose ideal is the status quo on issues its table leaves out, whose
    weight there is 0 and whose walk-away value is its threshold."""
    scenario = nafta.with_overrides({"US.congress.ideal": {"auto_rvc": 70.0},
                                     "US.congress.weights": {"auto_rvc": 0.5, "customs": 0.5}})
    prefs, labels = zone.constrained_preferences(scenario)
    assert labels == ["US auto workers (auto_rvc)", "US Congress (threshold 0.5)",
                      "CA audience costs (auto_rvc, procurement)", "MX audience costs (auto_rvc, procurement)"]
    space = nafta.space
    expected_ideal = space.normalise({i.name: 70.0 if i.name == "auto_rvc" else i.status_quo for i in space})
    np.testing.assert_allclose(prefs.ideal[-1], expected_ideal)
    np.testing.assert_allclose(prefs.weights[-1], [0.5, 0, 0, 0, 0, 0, 0, 0.5])
    assert (prefs.countries[-1], prefs.termination[-1]) == ("US Congress", 0.5)
    assert space.issues[0].natural(prefs.lo[0, 0]) == pytest.approx(75.0)  # the union's demand
    assert space.issues[0].natural(prefs.hi[1, 0]) == pytest.approx(75.0)  # Canada's set point


def test_show_json_gives_the_domestic_tables_events_and_ratification_rule(capsys):
    from bargaining.cli import main

    assert main(["show", "nafta-2017", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["domestic"]
    assert [(e["round"], e["country"], e["belief_shift"]) for e in data["events"]] == [(4, "CA", 0.1), (4, "MX", 0.1)]
    assert data["ratification"] == {"on_failure": "fail", "anticipate": False}
    assert data["zopa"] is True and set(data["zopa_package"]) == set(bargaining.load_scenario("nafta-2017").space.names)
    # Red lines that leave no package at all: no zone and no package.
    assert main(["show", "nafta-2017", "--json", "--set", "CA.red_lines.auto_rvc=63",
                 "--set", "US.red_lines.auto_rvc=80"]) == 0
    data = json.loads(capsys.readouterr().out)["domestic"]
    assert data["zopa"] is False and data["zopa_package"] is None


def test_domestic_records_and_the_figure(nafta, tmp_path):
    from bargaining.figures.run import trajectory

    r = bargaining.run(nafta, {"US.termination_value": 0.9}, seed=1)
    assert set(r.domestic.kind) == {"congress", "lobby", "auto_workers", "election", "audience_costs"}
    lobby = r.domestic[r.domestic.kind == "lobby"].set_index("round")["pressure"]
    assert lobby[3] == 0.0 and lobby[14] == pytest.approx(0.005 * 11)
    assert r.domestic.groupby("kind").size()["audience_costs"] == 2 * r.round
    path = trajectory(nafta, r, tmp_path / "fig.png")
    assert path.stat().st_size > 20_000


def test_only_signatories_ratify_a_bilateral_agreement(nafta):
    """Canada blocks (a red line at 63 % regional content) and the U.S. and Mexico sign in a pair: Canada's
    audience costs have no say on a text it did not sign, and it is not counted as ratifying."""
    overrides = {"protocol.name": "bilateral_first", "CA.red_lines.auto_rvc": 63.0, "CA.audience_costs.cost": 50.0,
                 "CA.audience_costs.set_points.auto_rvc": 62.5}
    for seed in range(5):
        model = model_run(nafta, overrides, seed=seed)
        vetoes = domestic.vetoes(model.constituencies, model.agreement.package, 3)[0]
        assert vetoes.tolist() == [False, True, False]  # Canada's, had it signed
        assert model.outcome == "bilateral" and model.ratified[0].tolist() == [True, False, True]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.data())
def test_excess_past_set_points_is_each_ones_excess_summed_in_order_alone_or_in_a_batch(k, r, data):
    """``excess_past`` takes every set point at once: per package, it is the sum in the issues' order (from 0) of how
    far the package lies past each point on the side away from the ideal, and a package's excess is the same bits
    in a batch as alone, and as ``excess_one`` on Python numbers (a single run's)."""
    unit = st.floats(0, 1)
    issues = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=k, unique=True)))
    p = len(issues)
    ideal = np.array(data.draw(st.lists(unit, min_size=k, max_size=k)))
    points = np.array(data.draw(st.lists(st.lists(unit, min_size=p, max_size=p), min_size=r, max_size=r)))
    x = np.array(data.draw(st.lists(st.lists(unit, min_size=k, max_size=k), min_size=r, max_size=r)))
    batch = excess_past(ideal, issues, points, x)
    for i in range(r):
        alone = excess_past(ideal, issues, points[i:i + 1], x[i:i + 1])
        assert alone.tobytes() == batch[i:i + 1].tobytes()
        one = excess_one(ideal.tolist(), issues.tolist(), points[i].tolist(), x[i].tolist())
        assert np.float64(one).tobytes() == batch[i].tobytes()
        total = 0.0
        for point, issue in zip(points[i].tolist(), issues.tolist(), strict=True):
            package = x[i, issue].item()
            total += max(package - point, 0.0) if point >= ideal[issue] else max(point - package, 0.0)
        assert np.float64(total).tobytes() == batch[i].tobytes()


def first_row(value) -> np.ndarray:
    """A value with a replication axis of a batch of two as in its first replication (length 1: every one's)."""
    value = np.asarray(value)
    return value[:1] if value.ndim and len(value) == 2 else value


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), workers=st.sampled_from([0.02, 0.05, 0.4, 1.0]),
       lobby=st.sampled_from([0.0, 0.005, 0.03]), start=st.integers(1, 6), floor=st.sampled_from([0.0, 0.1, 0.115]),
       cost=st.sampled_from([0.3, 2.0, 30.0]), support=st.sampled_from([0.0, 0.5, 0.9]),
       failure=st.sampled_from(["fail", "resume"]))
def test_a_single_runs_domestic_politics_is_a_row_of_a_batch(nafta, seed, workers, lobby, start, floor, cost, support,
                                                             failure):
    """The shortcuts for a batch of one (the constituencies' ``act`` and ``ratifies``, ``apply``, walk-away values,
    ratification and the clock on Python numbers) give, round by round, the bits each row of a batch of two runs of
    the same seed gets: every constituency's state and pressure, termination and walk-away values, the outcome."""
    scenario = nafta.with_overrides({
        "US.auto_workers.rate": workers, "US.lobby.rate": lobby, "US.lobby.start_round": start, "US.lobby.floor": floor,
        "CA.audience_costs.cost": cost, "MX.audience_costs.cost": cost, "CA.audience_costs.floor": support,
        "ratification.on_failure": failure})
    one, two = NegotiationModel(scenario, rng=seed, record=False), NegotiationModel(scenario, seeds=[seed, seed],
                                                                                     record=False)
    while one.live[0]:
        one.step()
        two.step()
        for a, b in zip(one.constituencies, two.constituencies, strict=True):
            for name in a.per_replication:
                mine, theirs = np.asarray(getattr(a, name)), first_row(getattr(b, name))
                assert mine.shape == theirs.shape and mine.tobytes() == theirs.tobytes(), (a.kind, name)
        for a, b in zip(one.countries, two.countries, strict=True):
            assert a.walk_away.tobytes() == b.walk_away[:1].tobytes()
        assert one.termination.tobytes() == two.termination[:1].tobytes()
        assert one.belief_path[-1].tobytes() == two.belief_path[-1][:1].tobytes()
    for name in ("live", "outcomes", "ended", "final_utilities", "final_walk_away", "ratified"):
        assert getattr(one, name).tobytes() == getattr(two, name)[:1].tobytes(), name
    assert len(one.failed_ratifications) == len(two.failed_ratifications)
    assert one.clock.notice_round.tobytes() == two.clock.notice_round[:1].tobytes()


def test_a_shocks_own_init_takes_its_fields_and_their_defaults():
    """``Shock.__init__`` (written out, to set the fields at once) takes the dataclass's fields in order, with their
    defaults (a new dict for ``ideal`` and ``red_lines``), and the shock stays frozen."""
    parameters = list(inspect.signature(Shock).parameters.values())
    assert [p.name for p in parameters] == [f.name for f in dataclasses.fields(Shock)]
    bare = Shock("US")
    for f in dataclasses.fields(Shock)[1:]:
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        assert getattr(bare, f.name) == default, f.name
    assert Shock("US").ideal is not bare.ideal and Shock("US").red_lines is not bare.red_lines
    with pytest.raises(dataclasses.FrozenInstanceError):
        bare.tighten = True
    assert dataclasses.replace(bare, tighten=True) == Shock("US", tighten=True)
