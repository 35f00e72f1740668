"""Protocols: single_text (Raiffa's mediator) and bilateral_first (sign in pairs, accede later)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining import cli
from bargaining.protocols import PROTOCOLS

BLOCK = {"CA.red_lines.auto_rvc": 65.0, "US.red_lines.auto_rvc": 75.0}  # no package both accept


def check_invariants(scenario, result):
    """Every signatory gets at least its walk-away value; no signatory's red line is crossed; those left
    out get their termination value."""
    if result.package is None:
        assert result.signatories is None
        return
    prefs = scenario.preferences
    within = prefs.within_red_lines(result.package)
    for n, code in enumerate(scenario.countries):
        if code in result.signatories:
            assert within[n], code
            assert result.utilities[code] >= result.walk_away[code] - 1e-9, code
            assert result.utilities[code] == pytest.approx(float(prefs.utility(result.package)[n]))
        else:
            assert result.utilities[code] == pytest.approx(float(prefs.termination[n]))


def test_registry_and_validation():
    assert set(PROTOCOLS) >= {"alternating_offers", "single_text", "bilateral_first"}
    with pytest.raises(bargaining.ScenarioError, match="single_text"):
        bargaining.load_scenario("nafta-2017", ["protocol.name=single_txt"])


@pytest.mark.parametrize("protocol", ["alternating_offers", "single_text", "bilateral_first"])
@pytest.mark.parametrize("overrides", [{}, BLOCK, {"US.termination_value": 0.05}])
def test_outcome_invariants(protocol, overrides):
    scenario = bargaining.load_scenario("nafta-2017", {**overrides, "protocol.name": protocol})
    for seed in range(8):
        result = bargaining.run(scenario, seed=seed, record=False)
        assert result.outcome in ("deal", "bilateral", "withdrawal", "stalemate", "ratification_failed")
        if result.outcome == "deal":
            assert result.signatories == list(scenario.countries)
        check_invariants(scenario, result)


# ------------------------------------------------------------------------------------------ bilateral_first

def test_bilateral_first_yields_bilateral_where_canada_blocks_a_three_way_deal():
    blocked = bargaining.load_scenario("nafta-2017", BLOCK)
    three_way = [bargaining.run(blocked, seed=s, record=False) for s in range(10)]
    assert {r.outcome for r in three_way} == {"withdrawal"}
    scenario = blocked.with_overrides({"protocol.name": "bilateral_first"})
    for seed in range(10):
        result = bargaining.run(scenario, seed=seed)
        assert result.outcome == "bilateral"
        assert result.signatories == ["US", "MX"]
        assert result.utilities["CA"] == pytest.approx(0.45)  # left out: its termination value
        assert result.agreement["auto_rvc"] >= 75.0 - 1e-9  # the U.S. red line holds, Canada's is crossed
        # signed from the deadline round; Canada may accede until the notice expires
        assert result.notice_round == 8 and result.round == 8 + 6
        assert result.tabled["round"].max() == 8
        check_invariants(scenario, result)


def test_bilateral_first_accession_later_gives_a_deal_of_all():
    """Canada holds out past the deadline (hard-liner until round 10): the U.S. and Mexico sign in round
    8, Canada accedes to the signed text, unchanged, in round 10."""
    scenario = bargaining.load_scenario("nafta-2017", {"protocol.name": "bilateral_first",
                                                       "CA.strategy": {"name": "hard_liner", "deadline": 10}})
    for seed in range(5):
        result = bargaining.run(scenario, seed=seed)
        assert (result.outcome, result.round, result.signatories) == ("deal", 10, ["US", "CA", "MX"])
        assert result.tabled["round"].max() == 8  # nothing tabled after the signing
        signed = result.tabled[result.tabled["round"] == 8]
        assert any(np.allclose(scenario.space.normalise(row[scenario.space.names].to_dict()), result.package)
                   for _, row in signed.iterrows())
        check_invariants(scenario, result)


def test_bilateral_first_is_alternating_offers_before_the_deadline():
    base = bargaining.load_scenario("nafta-2017")
    early = 0
    for seed in range(10):
        a = bargaining.run(base, seed=seed, record=False)
        b = bargaining.run(base.with_overrides({"protocol.name": "bilateral_first"}), seed=seed, record=False)
        if a.outcome == "deal" and a.round < base.spec.protocol.deadline_round:
            early += 1
            assert b.to_dict() == a.to_dict()
    assert early > 0


def test_pairs_without_the_threatener_do_not_sign():
    """Only the country able to end NAFTA can replace it: with the U.S. red line blocking both partners,
    Canada and Mexico alone never sign."""
    scenario = bargaining.load_scenario("nafta-2017", {"protocol.name": "bilateral_first",
                                                       "US.red_lines.auto_rvc": 80.0,
                                                       "MX.red_lines.auto_rvc": 70.0,
                                                       "CA.red_lines.auto_rvc": 65.0})
    for seed in range(5):
        result = bargaining.run(scenario, seed=seed, record=False)
        assert result.outcome == "withdrawal"


def test_run_json_reports_signatories(capsys):
    code = cli.main(["run", "nafta-2017", "--json", "--seed", "1", "--set", "protocol.name=bilateral_first",
                     "--set", "CA.red_lines.auto_rvc=65", "--set", "US.red_lines.auto_rvc=75"])
    assert code == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert info["outcome"] == "bilateral" and info["signatories"] == ["US", "MX"]
    assert info["pareto_distance"] is None and info["nash_distance"] is None


# ------------------------------------------------------------------------------------------ single_text

def test_single_text_on_the_pie_is_the_middle_agreed_when_aspirations_reach_it():
    """Two linear concessors' positions always average to 50 %; the text is agreed in round 6, the first
    round their aspiration 1 - (r - 1)/9 falls to 0.5 or below."""
    result = bargaining.run("pie-split", {"protocol.name": "single_text"}, seed=0)
    assert (result.outcome, result.round, result.signatories) == ("deal", 6, ["A", "B"])
    assert result.agreement["share_A"] == pytest.approx(50.0)
    texts = result.tabled[result.tabled["proposer"] == "mediator"]
    assert len(texts) == 6 and np.allclose(texts["share_A"], 50.0)


def test_single_text_revises_from_objections_only():
    """A party that accepted the last text stands on it: only objectors table positions; the text is the
    average of positions, kept inside every red line and snapped to levels."""
    scenario = bargaining.load_scenario("nafta-2017", {"protocol.name": "single_text"})
    result = bargaining.run(scenario, seed=4)
    space, prefs = scenario.space, scenario.preferences
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    texts = result.tabled[result.tabled["proposer"] == "mediator"]
    assert list(texts["round"]) == list(range(1, result.round + 1))
    for _, row in texts.iterrows():
        x = space.normalise(row[space.names].to_dict())
        assert np.all(x >= lo - 1e-9) and np.all(x <= hi + 1e-9)
        assert np.allclose(space.snap(x), x)
    positions = result.tabled[(result.tabled["proposer"] != "mediator") & (result.tabled["round"] == 1)]
    assert sorted(positions["proposer"]) == ["CA", "MX", "US"]
    assert result.outcome == "deal"
    check_invariants(scenario, result)


def test_single_text_round_two_averages_objectors_with_the_text():
    scenario = bargaining.load_scenario("pie-split", {"protocol.name": "single_text",
                                                      "A.strategy.name": "hard_liner",
                                                      "B.strategy.name": "conceder"})
    model = bargaining.NegotiationModel(scenario, rng=0)
    model.step()  # A at 1, B at its conceder offer: both object to the average
    first = model.protocol.text[0].copy()  # replication 0 (a single run)
    assert first[0] == pytest.approx((1.0 + model.countries[1].offer[0, 0]) / 2)
    objections = {a.code for a in model.countries if model.protocol.objections[0, a.row]}
    model.step()
    positions = [a.offer[0, 0] if a.code in objections else first[0] for a in model.countries]
    assert model.protocol.text[0, 0] == pytest.approx(np.mean(positions))


def test_run_summary_names_signatories_and_the_one_left_out(capsys):
    assert cli.main(["run", "nafta-2017", "--set", "protocol.name=bilateral_first",
                     "--set", "CA.red_lines.auto_rvc=65", "--set", "US.red_lines.auto_rvc=75"]) == 0
    out = capsys.readouterr().out
    assert "BILATERAL" in out and "Signed by US, MX; left out, with its termination value: CA." in out


def test_single_text_first_draft_is_the_average_opening_inside_every_red_line():
    """Round 1: every party states its opening package; the mediator's draft is their average issue by
    issue, pulled inside the red lines (the U.S. will not go below 80 % regional content, so the average,
    70 %, is raised to 80 %; Canada's and Mexico's 0 % U.S. content holds) and snapped to levels (sunset:
    the average 1/3 of the way up is nearest "periodic review"). The auto workers are kept out (start round
    30) so that the U.S. red line is the scenario's."""
    scenario = bargaining.load_scenario("nafta-2017", {"protocol.name": "single_text", "noise.aspiration": 0.0,
                                                       "US.red_lines.auto_rvc": 80.0,
                                                       "US.auto_workers.start_round": 30})
    result = bargaining.run(scenario, seed=0)
    first = result.tabled[result.tabled["round"] == 1].set_index("proposer")
    assert list(first.index) == ["US", "CA", "MX", "mediator"]
    draft = first.loc["mediator"]
    assert draft["auto_rvc"] == pytest.approx(80.0) and draft["us_content"] == 0.0
    assert draft["de_minimis"] == pytest.approx((800 + 20 + 50) / 3)
    assert draft["digital_trade"] == pytest.approx((100 + 90 + 100) / 3)
    assert (draft["sunset"], draft["dispute_settlement"], draft["procurement"]) == (
        "periodic review", "weakened panels", "partly capped")


@pytest.mark.parametrize("protocol, overrides, outcome, proposer", [
    ("alternating_offers", {}, "deal", "US"), ("single_text", {}, "deal", "mediator"),
    ("bilateral_first", {}, "deal", "US"), ("bilateral_first", BLOCK, "bilateral", "US")])
def test_the_agreement_records_who_tabled_it(protocol, overrides, outcome, proposer):
    """The signed text's proposer is the party whose package was accepted (the mediator for a single text)."""
    scenario = bargaining.load_scenario("nafta-2017", {"protocol.name": protocol, **overrides})
    model = bargaining.NegotiationModel(scenario, rng=2)
    model.run()
    row = int(model.agreement.proposer[0])
    assert model.outcome == outcome and (scenario.countries[row] if row >= 0 else "mediator") == proposer
    last = model.records.tabled[-1]
    assert last[1] == proposer and np.array_equal(last[2], model.agreement.package[0])


def test_bilateral_text_closes_when_the_notice_expires_or_at_the_horizon():
    """Canada may accede until the talks would end. With notice taking effect at once (notice_rounds 0) the
    pair's text signed in the deadline round closes that same round, a bilateral agreement rather than a
    withdrawal; with a threat that is not credible, accession stays open to the horizon (round 24)."""
    at_once = bargaining.load_scenario("nafta-2017", {**BLOCK, "protocol.name": "bilateral_first",
                                                      "threat.notice_rounds": 0})
    idle = bargaining.load_scenario("nafta-2017", {**BLOCK, "protocol.name": "bilateral_first",
                                                   "US.termination_value": 0.05, "US.lobby.rate": 0.0})
    for seed in range(3):
        r = bargaining.run(at_once, seed=seed, record=False)
        assert (r.outcome, r.round, r.signatories) == ("bilateral", 8, ["US", "MX"])
        r = bargaining.run(idle, seed=seed, record=False)
        assert (r.outcome, r.round, r.notice_round, r.signatories) == ("bilateral", 24, None, ["US", "MX"])


def test_without_a_threat_any_pair_may_sign():
    """With no country able to end the agreement (no threat), Canada and Mexico may sign without the U.S.;
    the U.S. is left out, with its termination value (lobbied down to 0.015 by round 24), to the horizon."""
    scenario = bargaining.load_scenario("nafta-2017", {**BLOCK, "protocol.name": "bilateral_first",
                                                       "threat.country": None})
    r = bargaining.run(scenario, seed=0, record=False)
    assert (r.outcome, r.round, r.signatories) == ("bilateral", 24, ["CA", "MX"])
    assert r.utilities["US"] == pytest.approx(0.12 - 0.005 * (24 - 3))


@given(st.permutations(range(4)), st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=3))
@settings(deadline=None, max_examples=40)
def test_a_single_runs_order_and_passes_are_the_batchs(order, yes):
    """A batch of one looks each proposer's rows up (``Protocol._order``) and reads its one row of answers
    (``NegotiationModel.passes``): what fancy indexing and the reduction give a batch."""
    from bargaining.model import NegotiationModel
    protocol = PROTOCOLS["alternating_offers"](type("Four", (), {"countries": range(4), "space": (), "size": 1})())
    single = type("One", (), {"proposer_order": lambda self: np.array([order])})()
    batch = type("Two", (), {"proposer_order": lambda self: np.array([order, order])})()
    (_, own1, others1), (_, own2, others2) = protocol._order(single), protocol._order(batch)
    for p in range(4):
        assert own1[p].tolist() == own2[p][:1].tolist() and others1[p].tolist() == others2[p][:1].tolist()
    yes, model = np.array(yes), NegotiationModel(bargaining.load_scenario("pie-split"), rng=1, record=False)
    assert [model.passes(yes[r:r + 1]).item() for r in range(len(yes))] == model.passes(yes).tolist()
