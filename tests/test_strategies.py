"""The strategy library: one shared determinism test for every strategy, exact sequences against scripted
opponents, Faratin's formulas at every round, Rubinstein's split, the opponent model's ranking."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

import bargaining
from bargaining import cli
from bargaining.cli.strategies import catalogue
from bargaining.model import NegotiationModel
from bargaining.strategies import STRATEGIES, Strategy, StrategyParams
from bargaining.strategies.time_dependent import polynomial_aspiration


class Scripted(Strategy, register=False):
    """Test opponent: tables ``offers[round - 1]`` (the last one after that) and never accepts."""

    name = "scripted"

    class Params(StrategyParams):
        offers: list[list[float]] = Field(min_length=1)

    def aspiration(self, agent):
        return 1.0

    def propose(self, agent, rows):
        offer = np.array(self.params.offers[min(agent.clock.round, len(self.params.offers)) - 1])
        return np.broadcast_to(offer, (agent.size, len(offer)))

    def accepts(self, agent, packages, utility):
        return np.zeros(agent.size, dtype=bool)


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setitem(STRATEGIES, "scripted", Scripted)


def pie_against_script(strategy: dict, script: list[float], **extra) -> bargaining.Result:
    """pie-split: A plays ``strategy``, B tables ``share_A`` values (fractions) from ``script``."""
    overrides = {"A.strategy": strategy, "B.strategy": {"name": "scripted", "offers": [[x] for x in script]},
                 **extra}
    return bargaining.run("pie-split", overrides, seed=0)


def offers_of(result, country):
    tabled = result.tabled[result.tabled["proposer"] == country]
    return tabled["share_A"].to_numpy() / 100.0


def aspirations(result, country):
    rounds = result.rounds[result.rounds["country"] == country]
    return rounds["aspiration"].to_numpy()


# ------------------------------------------------------------------------------------------ every strategy

@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_same_seed_same_offer_sequence(name):
    """One shared test over the registry: the same seed gives the same packages, round by round."""
    if STRATEGIES[name].classifier["two_party_only"]:
        scenario, overrides = "pie-split", {"A.strategy.name": name, "B.strategy.name": name,
                                            "noise.aspiration": 0.05}
    else:
        scenario, overrides = "nafta-2017", {f"{c}.strategy.name": name for c in ("US", "CA", "MX")}
    first = bargaining.run(scenario, overrides, seed=11)
    second = bargaining.run(scenario, overrides, seed=11)
    assert len(first.tabled) > 0
    pd.testing.assert_frame_equal(first.tabled, second.tabled)
    pd.testing.assert_frame_equal(first.rounds, second.rounds)
    assert first.to_dict() == second.to_dict()


def test_catalogue_lists_every_strategy_with_classifier(capsys):
    entries = {e["name"]: e for e in catalogue()}
    assert set(entries) == set(STRATEGIES) >= {
        "boulware", "linear", "conceder", "hard_liner", "tit_for_tat_relative", "tit_for_tat_absolute",
        "opponent_model", "rubinstein"}
    assert entries["tit_for_tat_relative"]["classifier"]["reciprocal"]
    assert entries["opponent_model"]["classifier"]["learns_opponents"]
    assert entries["boulware"]["classifier"]["time_dependent"]
    assert entries["rubinstein"]["classifier"]["two_party_only"]
    assert cli.main(["strategies"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in STRATEGIES)


def test_cli_lists_strategies_as_json_and_as_a_table(capsys):
    """``bargaining strategies --json`` is the catalogue; the table gives each strategy's set classifier
    flags and its parameter defaults, then its description on the next line."""
    assert cli.main(["strategies", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(catalogue()))
    assert cli.main(["strategies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = lines.index(next(line for line in lines if line.startswith("hard_liner ")))
    assert lines[row].split() == ["hard_liner", "time_dependent", "deadline=None"]
    assert lines[row + 1].strip().startswith("Table the ideal package and accept nothing short of it")
    tft = next(line for line in lines if line.startswith("tit_for_tat_relative "))
    assert tft.split() == ["tit_for_tat_relative", "time_dependent,", "reciprocal", "delta=1,", "first_move=0.05"]


def test_a_strategy_built_without_parameters_takes_its_defaults():
    linear, conceder = STRATEGIES["linear"](), STRATEGIES["conceder"](STRATEGIES["conceder"].Params(beta=2.0))
    assert (linear.params.beta, conceder.params.beta) == (1.0, 2.0)
    assert repr(conceder) == "Conceder(beta=2.0, deadline=None, form=polynomial, kappa=0.0)"


def test_tit_for_tat_alias():
    assert STRATEGIES["tit_for_tat"] is STRATEGIES["tit_for_tat_relative"]
    assert {e["name"]: e for e in catalogue()}["tit_for_tat"]["description"] == "alias of tit_for_tat_relative"
    a = bargaining.run("nafta-2017", {"MX.strategy.name": "tit_for_tat"}, seed=2, record=False)
    b = bargaining.run("nafta-2017", {"MX.strategy.name": "tit_for_tat_relative"}, seed=2, record=False)
    assert a.to_dict() == b.to_dict()


def test_selection_by_override_drops_old_parameters():
    scenario = bargaining.load_scenario("nafta-2017", ["MX.strategy.name=tit_for_tat_relative"])
    assert type(scenario.strategy_params("MX")).__qualname__.startswith("_Reciprocal")
    with pytest.raises(bargaining.ScenarioError, match="beta"):
        bargaining.load_scenario("nafta-2017", ["MX.strategy.name=linear", "MX.strategy.beta=0.5"])


# ------------------------------------------------------------------------------------------ time-dependent


def faratin_polynomial(t, t_max, beta, reserve, kappa=0.0):
    alpha = kappa + (1 - kappa) * (min(t, t_max) / t_max) ** (1 / beta)
    return reserve + (1 - alpha) * (1 - reserve)


def faratin_exponential(t, t_max, beta, reserve, kappa):
    alpha = math.exp((1 - min(t, t_max) / t_max) ** beta * math.log(kappa))
    return reserve + (1 - alpha) * (1 - reserve)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 50.0), min_size=2, max_size=8), st.integers(0, 12), st.integers(1, 9),
       st.sampled_from([0.0, 0.1]))
def test_polynomial_aspiration_of_betas_is_each_betas_own(betas, t, deadline, kappa):
    """A batch's betas (R,) give each replication the bits of its beta alone (Python's pow, as a single run)."""
    reserve = np.linspace(0.0, 0.5, len(betas))
    batch = polynomial_aspiration(t, deadline, np.array(betas), reserve, kappa)
    alone = [polynomial_aspiration(t, deadline, b, reserve[r : r + 1], kappa)[0] for r, b in enumerate(betas)]
    assert np.asarray(batch).tobytes() == np.array(alone).tobytes()


BLOCKED = {"A.red_lines.share_A": 60.0, "B.red_lines.share_A": 50.0}  # no deal: every round is played


@pytest.mark.parametrize("strategy, formula", [
    ({"name": "boulware"}, lambda t: faratin_polynomial(t, 9, 0.2, 0.2)),
    ({"name": "linear"}, lambda t: faratin_polynomial(t, 9, 1.0, 0.2)),
    ({"name": "conceder"}, lambda t: faratin_polynomial(t, 9, 5.0, 0.2)),
    ({"name": "conceder", "beta": 2.0, "deadline": 6}, lambda t: faratin_polynomial(t, 5, 2.0, 0.2)),
    ({"name": "time_dependent", "beta": 0.5, "kappa": 0.1}, lambda t: faratin_polynomial(t, 9, 0.5, 0.2, 0.1)),
    ({"name": "time_dependent", "form": "exponential", "beta": 0.5, "kappa": 0.05},
     lambda t: faratin_exponential(t, 9, 0.5, 0.2, 0.05)),
    ({"name": "boulware", "form": "exponential", "kappa": 0.01},
     lambda t: faratin_exponential(t, 9, 0.2, 0.2, 0.01)),
    ({"name": "opponent_model", "beta": 2.0, "deadline": 8}, lambda t: faratin_polynomial(t, 7, 2.0, 0.2)),
    ({"name": "time_dependent", "form": "exponential", "kappa": 0.1, "deadline": 2},
     lambda t: faratin_exponential(t, 1, 1.0, 0.2, 0.1)),
    ({"name": "time_dependent", "form": "exponential", "kappa": 0.1, "deadline": 1}, lambda t: 0.2),
])
def test_time_dependent_reproduces_faratin_at_every_round(strategy, formula):
    """a(t) = r + (1 - alpha(t))(1 - r), t = round - 1, t_max = deadline - 1, r = walk-away value 0.2."""
    result = bargaining.run("pie-split", {**BLOCKED, "A.strategy": strategy, "A.termination_value": 0.2}, seed=3)
    assert result.round == 10 and result.outcome != "deal"
    np.testing.assert_allclose(aspirations(result, "A"), [formula(t) for t in range(10)], rtol=0, atol=1e-12)
    # and the offer is the share worth exactly that aspiration to A (u_A = share), never past its red line
    expected = np.maximum([formula(t) for t in range(10)], 0.6)
    np.testing.assert_allclose(offers_of(result, "A"), expected, atol=1e-9)


@given(t=st.integers(0, 12), deadline=st.integers(-1, 12), beta=st.floats(0.05, 8), reserve=st.floats(0, 1),
       kappa=st.floats(0.001, 0.99), exponential=st.booleans())
def test_time_dependent_on_python_numbers_gives_the_bits_of_arrays_of_one(t, deadline, beta, reserve, kappa,
                                                                          exponential):
    """A single run's aspiration is computed on Python numbers (the walk-away value's ``.item()``): the same bits
    as on the (1,) arrays of a batch."""
    from bargaining.strategies.time_dependent import exponential_aspiration, polynomial_aspiration
    curve = exponential_aspiration if exponential else polynomial_aspiration
    single = curve(t, deadline, beta, reserve, kappa)
    assert type(single) is float
    assert np.array([single]).tobytes() == np.asarray(curve(t, deadline, beta, np.array([reserve]), kappa)).tobytes()


@pytest.mark.parametrize("name, beta", [("boulware", 0.2), ("linear", 1.0), ("conceder", 5.0)])
def test_time_dependent_against_a_script(scripted, name, beta):
    """B holds at 30 % for A: A tables Faratin's a(t) (its utility is its share) until a(t) <= 0.3, then
    accepts B's package in that round."""
    result = pie_against_script({"name": name}, [0.3])
    expected = []
    for t in range(10):
        expected.append(faratin_polynomial(t, 9, beta, 0.0))
        if expected[-1] <= 0.3 + 1e-12:
            break
    np.testing.assert_allclose(offers_of(result, "A"), expected, atol=1e-12)
    assert (result.outcome, result.round) == ("deal", len(expected))
    assert result.agreement["share_A"] == pytest.approx(30.0)


def test_preset_ranges_are_checked():
    with pytest.raises(bargaining.ScenarioError):
        bargaining.load_scenario("pie-split", ["A.strategy.name=boulware", "A.strategy.beta=2"])
    with pytest.raises(bargaining.ScenarioError):
        bargaining.load_scenario("pie-split", ["A.strategy.name=conceder", "A.strategy.beta=0.5"])


# ------------------------------------------------------------------------------------------ scripted opponents


def test_hard_liner_holds_its_opening_until_the_deadline(scripted):
    result = pie_against_script({"name": "hard_liner"}, [0.1], **{"A.termination_value": 0.2})
    np.testing.assert_allclose(offers_of(result, "A"), [1.0] * 9 + [0.2])
    assert result.outcome != "deal"


def test_hard_liner_accepts_its_walk_away_at_the_deadline(scripted):
    result = pie_against_script({"name": "hard_liner", "deadline": 4}, [0.1, 0.2, 0.3, 0.3],
                                **{"A.termination_value": 0.25})
    np.testing.assert_allclose(offers_of(result, "A"), [1.0, 1.0, 1.0, 0.25])
    assert (result.outcome, result.round, result.agreement["share_A"]) == ("deal", 4, 30.0)


def test_absolute_tit_for_tat_exact_sequence(scripted):
    """B's offers gain A 0.1 utility a round; A opens nicely (0.05 in round 2), then mirrors 0.1 a round,
    and accepts B's 0.6 in round 6 when its aspiration is 0.55."""
    result = pie_against_script({"name": "tit_for_tat_absolute"}, [0.1 * r for r in range(1, 10)])
    np.testing.assert_allclose(offers_of(result, "A"), [1.0, 0.95, 0.85, 0.75, 0.65, 0.55], atol=1e-12)
    assert (result.outcome, result.round, result.agreement["share_A"]) == ("deal", 6, pytest.approx(60.0))


def test_relative_tit_for_tat_exact_sequence(scripted):
    """B cuts what it asks of A, 1 - u_A, from 0.9 to 0.8 to 0.7...; A cuts its demand above its
    walk-away value (0) in the same proportion."""
    result = pie_against_script({"name": "tit_for_tat_relative"}, [0.1 * r for r in range(1, 10)])
    expected = [1.0, 0.95]
    for r in range(3, 7):
        expected.append(expected[-1] * (1 - 0.1 * (r - 1)) / (1 - 0.1 * (r - 2)))
    np.testing.assert_allclose(offers_of(result, "A"), expected, atol=1e-12)
    assert (result.outcome, result.round) == ("deal", 6)


def test_relative_tit_for_tat_when_the_other_first_asked_nothing(scripted):
    """Relative tit-for-tat scales its demand by (1 - u(later offer)) / (1 - u(earlier offer)); when the
    earlier offer asked nothing of it (u = 1) the ratio is undefined and the share is 1: it neither
    concedes nor hardens. Under the single negotiating text B's offers are positions, not proposals, so
    A can see B open at A's ideal (100 %) and then hold at 90 % without a deal being struck: A opens
    nicely (0.95 in round 2) and then holds 0.95 to the end; the mediator's text, 92.5 %, never meets it."""
    result = pie_against_script({"name": "tit_for_tat_relative"}, [1.0, 0.9], **{"protocol.name": "single_text"})
    np.testing.assert_allclose(aspirations(result, "A"), [1.0] + [0.95] * 9, atol=1e-12)
    assert (result.outcome, result.round) == ("stalemate", 10)
    texts = result.tabled[result.tabled["proposer"] == "mediator"]["share_A"].tolist()
    assert texts[:3] == pytest.approx([100.0, 95.0, 92.5])


def three_parties(tmp_path, strategy, offers_b, offers_c, reserve=0.0):
    """A (utility = x, its share) plays ``strategy`` against two scripted parties B and C."""
    text = f"""
name = "three"
[protocol]
deadline_round = 6
horizon_round = 6
random_order = false
no_deal = "termination"
[issues.x]
kind = "continuous"
bounds = [0.0, 1.0]
status_quo = 0.5
[countries.A]
termination_value = {reserve}
ideal = {{ x = 1.0 }}
weights = {{ x = 1.0 }}
[countries.B]
termination_value = 0.0
ideal = {{ x = 0.0 }}
weights = {{ x = 1.0 }}
[countries.C]
termination_value = 0.0
ideal = {{ x = 0.0 }}
weights = {{ x = 1.0 }}
"""
    path = tmp_path / "three.toml"
    path.write_text(text)
    return bargaining.run(path, {"A.strategy": strategy,
                                 "B.strategy": {"name": "scripted", "offers": [[x] for x in offers_b]},
                                 "C.strategy": {"name": "scripted", "offers": [[x] for x in offers_c]}}, seed=0)


def test_tit_for_tat_averages_the_concessions_of_several_others(scripted, tmp_path):
    """B concedes 0.1 a round to A, C nothing. Absolute: A mirrors the mean, 0.05 a round, after its
    opening 0.05. Relative, with a walk-away value of 0.2: A cuts its demand above 0.2 by the mean of B's
    and C's shares, ((1 - u_after) / (1 - u_before) for B, 1 for C)."""
    b, c = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.1] * 6
    absolute = three_parties(tmp_path, {"name": "tit_for_tat_absolute"}, b, c)
    np.testing.assert_allclose(aspirations(absolute, "A"), [1.0, 0.95, 0.9, 0.85, 0.8, 0.75], atol=1e-12)
    relative = three_parties(tmp_path, {"name": "tit_for_tat_relative"}, b, c, reserve=0.2)
    expected = [1.0, 0.95]
    for r in range(3, 7):
        share = ((1 - b[r - 2]) / (1 - b[r - 3]) + 1.0) / 2
        expected.append(0.2 + (expected[-1] - 0.2) * share)
    np.testing.assert_allclose(aspirations(relative, "A"), expected, atol=1e-12)


def test_tit_for_tat_reciprocates_a_retraction_and_the_window(scripted):
    """delta = 2 mirrors the concession one offer earlier; B's retraction (0.3 -> 0.2) is mirrored."""
    result = pie_against_script({"name": "tit_for_tat_absolute", "delta": 2, "first_move": 0.0},
                                [0.1, 0.3, 0.2, 0.2, 0.2])
    # round 3: B's offers 0.1, 0.3 -> too few for delta 2; round 4: 0.1 -> 0.3 (+0.2); round 5: 0.3 -> 0.2
    np.testing.assert_allclose(offers_of(result, "A")[:6], [1.0, 1.0, 1.0, 0.8, 0.9, 0.9], atol=1e-12)


def test_tit_for_tat_against_itself_needs_the_nice_opening():
    """Without the opening concession two tit-for-tats never move; with it they trade 0.05 a round and
    meet at the middle in round 11."""
    stuck = bargaining.run("pie-split", {"A.strategy": {"name": "tit_for_tat_absolute", "first_move": 0.0},
                                         "B.strategy": {"name": "tit_for_tat_absolute", "first_move": 0.0}})
    assert stuck.outcome != "deal"
    np.testing.assert_allclose(offers_of(stuck, "A"), [1.0] * 10)
    nice = bargaining.run("pie-split", {"A.strategy.name": "tit_for_tat_absolute",
                                        "B.strategy.name": "tit_for_tat_absolute",
                                        "protocol.horizon_round": 12, "protocol.deadline_round": 12})
    np.testing.assert_allclose(offers_of(nice, "A"), [1 - 0.05 * r for r in range(11)], atol=1e-12)
    assert (nice.outcome, nice.round, nice.agreement["share_A"]) == ("deal", 11, pytest.approx(50.0))


# ------------------------------------------------------------------------------------------ Rubinstein

@pytest.mark.parametrize("d1, d2", [(0.9, 0.9), (0.9, 0.5), (0.5, 0.9), (0.95, 0.8), (0.2, 0.7)])
def test_rubinstein_first_proposer_share_and_round_one(d1, d2):
    result = bargaining.run("pie-split", {
        "A.strategy": {"name": "rubinstein", "discount": d1},
        "B.strategy": {"name": "rubinstein", "discount": d2}}, seed=0)
    assert (result.outcome, result.round) == ("deal", 1)
    assert result.utilities["A"] == pytest.approx((1 - d2) / (1 - d1 * d2), abs=1e-9)
    assert result.utilities["B"] == pytest.approx(1 - (1 - d2) / (1 - d1 * d2), abs=1e-9)


def test_rubinstein_responder_exact_sequence(scripted):
    """B (rubinstein, d_B = 0.9, d_A = 0.8) accepts from A only 0.9 * 0.2 / 0.28 = 0.642857 or more, and
    counters with its own share 0.2 / 0.28 = 0.714286."""
    result = bargaining.run("pie-split", {
        "A.strategy": {"name": "scripted", "offers": [[0.5], [0.36], [0.35]]},
        "B.strategy": {"name": "rubinstein", "discount": 0.9, "opponent_discount": 0.8}}, seed=0)
    np.testing.assert_allclose(offers_of(result, "B"), [1 - 0.2 / 0.28, 1 - 0.2 / 0.28], atol=1e-12)
    assert (result.outcome, result.round) == ("deal", 3)  # 1 - 0.36 = 0.64 < 0.642857 <= 0.65
    assert result.agreement["share_A"] == pytest.approx(35.0)


def test_rubinstein_assumes_an_equally_patient_opponent_when_it_cannot_know(scripted):
    """Without ``opponent_discount``, against a party that does not play rubinstein (so has no discount to
    read), A takes the other to be as patient as itself, d_B = d_A = 0.8: it demands (1 - d) / (1 - d^2)
    = 1 / 1.8 = 0.5556 and accepts d / (1 + d) = 0.4444 or more: B's 0.40 and 0.44 are rejected, 0.45
    taken in round 3."""
    result = bargaining.run("pie-split", {
        "A.strategy": {"name": "rubinstein", "discount": 0.8},
        "B.strategy": {"name": "scripted", "offers": [[0.40], [0.44], [0.45]]}}, seed=0)
    np.testing.assert_allclose(offers_of(result, "A"), [1 / 1.8] * 3, atol=1e-12)
    assert (result.outcome, result.round) == ("deal", 3)
    assert result.agreement["share_A"] == pytest.approx(45.0)
    # Against another rubinstein player it reads that player's own discount instead (d_B = 0.5).
    both = bargaining.run("pie-split", {"A.strategy": {"name": "rubinstein", "discount": 0.8},
                                        "B.strategy": {"name": "rubinstein", "discount": 0.5}}, seed=0)
    assert both.utilities["A"] == pytest.approx(0.5 / 0.6)


# ------------------------------------------------------------------------------------------ opponent model


def learning_scenario(tmp_path, weights_b):
    """Two parties, four continuous issues; A wants 0, B wants 1 everywhere; red lines keep them apart."""
    issues = "\n".join(f"[issues.i{k}]\nkind = \"continuous\"\nbounds = [0.0, 1.0]\nstatus_quo = 0.5\n"
                       for k in range(4))
    table = lambda d: "{ " + ", ".join(f"i{k} = {v}" for k, v in enumerate(d)) + " }"  # noqa: E731
    text = f"""
name = "learning"
[protocol]
deadline_round = 10
horizon_round = 10
random_order = false
no_deal = "termination"
{issues}
[countries.A]
termination_value = 0.0
ideal = {table([0.0] * 4)}
weights = {table([0.25] * 4)}
red_lines = {table([0.5] * 4)}
strategy = {{ name = "opponent_model" }}
[countries.B]
termination_value = 0.0
ideal = {table([1.0] * 4)}
weights = {table(weights_b)}
red_lines = {table([0.6] * 4)}
strategy = {{ name = "linear" }}
"""
    path = tmp_path / "learning.toml"
    path.write_text(text)
    return bargaining.load_scenario(path)


@pytest.mark.parametrize("weights_b", [[0.1, 0.2, 0.3, 0.4], [0.4, 0.1, 0.3, 0.2], [0.05, 0.45, 0.15, 0.35]])
def test_opponent_model_ranks_fixed_weights_correctly(tmp_path, weights_b):
    model = NegotiationModel(learning_scenario(tmp_path, weights_b), rng=0, record=False)
    for _ in range(8):
        model.step()
    estimate = model.countries[0].strategy.estimate[0, 1]
    assert model.outcome is None
    assert list(np.argsort(estimate)) == list(np.argsort(weights_b))
    assert estimate.sum() == pytest.approx(1.0)


def test_opponent_model_exact_estimates_against_a_script(scripted, tmp_path):
    """B opens at 1 everywhere, then gives up issue 0, then issue 1: each offer adds 0.2/4 to the weight of
    every issue still at its opening value, and the weights are renormalised."""
    scenario = learning_scenario(tmp_path, [0.25] * 4).with_overrides(
        {"B.strategy": {"name": "scripted", "offers": [[1, 1, 1, 1], [0.6, 1, 1, 1], [0.6, 0.6, 1, 1]]}})
    model = NegotiationModel(scenario, rng=0, record=False)
    learner = model.countries[0].strategy
    model.step()
    np.testing.assert_allclose(learner.estimate[0, 1], [0.25] * 4)
    model.step()
    second = np.array([0.25, 0.30, 0.30, 0.30]) / 1.15
    np.testing.assert_allclose(learner.estimate[0, 1], second)
    model.step()
    third = (second + [0, 0, 0.05, 0.05]) / (1 + 0.1)
    np.testing.assert_allclose(learner.estimate[0, 1], third)
    # its offers are the logrolling offers of the estimated preferences
    prefs = learner.estimated_preferences(model.countries[0])
    np.testing.assert_allclose(prefs.weights[1], third)
    np.testing.assert_allclose(prefs.weights[0], [0.25] * 4)


def test_opponent_model_concedes_where_its_estimate_says_not_where_the_truth_does(scripted, tmp_path):
    """B's true weights favour issue 0, but B gives up issues 0, 1, 2 in turn and holds issue 3: the learner
    only sees the offers, so its estimate favours issue 3: by round 5 it has conceded issue 3 up to its red
    line, and issue 0 not at all. Before any offer it assumes equal weights."""
    scenario = learning_scenario(tmp_path, [0.4, 0.3, 0.2, 0.1]).with_overrides({"B.strategy": {
        "name": "scripted", "offers": [[1, 1, 1, 1], [0.6, 1, 1, 1], [0.6, 0.6, 1, 1], [0.6, 0.6, 0.6, 1]]}})
    model = NegotiationModel(scenario, rng=0, record=False)
    learner = model.countries[0].strategy
    np.testing.assert_allclose(learner.estimated_preferences(model.countries[0]).weights[1], [0.25] * 4)
    for _ in range(5):
        model.step()
    assert np.argmax(learner.estimate[0, 1]) == 3
    offer = model.countries[0].offer[0]
    assert offer[3] == pytest.approx(0.5) and offer[0] == 0.0  # all the way to its red line on issue 3
    assert offer[3] >= offer[2] >= offer[1] >= offer[0]


def test_opponent_model_offers_trade_off_with_the_estimate(tmp_path):
    """After learning, the learner concedes first on the issue B cares about most (cheap for A, valuable
    to B): the trade-off the estimate buys."""
    model = NegotiationModel(learning_scenario(tmp_path, [0.1, 0.2, 0.3, 0.4]), rng=0, record=False)
    for _ in range(6):
        model.step()
    offer = model.countries[0].offer[0]
    assert offer[3] == max(offer) and offer[3] > offer[0]


# ------------------------------------------------------------------------------------------ bad input

PARAM_VALUES = st.one_of(st.floats(allow_nan=True), st.integers(-5, 50), st.text(max_size=6), st.booleans(),
                         st.none())


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(STRATEGIES)), key=st.sampled_from(
    ["beta", "deadline", "form", "kappa", "delta", "first_move", "learning_rate", "resolution", "discount",
     "opponent_discount"]), value=PARAM_VALUES)
def test_strategy_parameters_load_or_fail_with_a_clear_message(name, key, value):
    """Any parameter value either validates or raises ScenarioError naming the key, never anything else."""
    try:
        scenario = bargaining.load_scenario("pie-split", {"A.strategy": {"name": name, key: value}})
    except bargaining.ScenarioError as exc:
        assert key in str(exc) and "pie-split" in str(exc)
        return
    got = getattr(scenario.strategy_params("A"), key)
    # the value given is the value used; pydantic reads a numeric string ("1") as its number
    assert value is None or got == value or isinstance(value, str) and float(value) == got


def test_cli_unknown_strategy_exit_2(capsys):
    assert cli.main(["run", "nafta-2017", "--set", "MX.strategy.name=tit_for_two_tats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "tit_for_two_tats" in err and "tit_for_tat_relative" in err
    assert cli.main(["run", "pie-split", "--set", "A.strategy.name=rubinstein",
                     "--set", "A.strategy.discount=1.5"]) == 2
    assert "discount" in capsys.readouterr().err
