"""The NegMAS bridge (bargaining.negmas, the extra bargaining[negmas]): NegMAS and ANAC agents at bargaining's
table, bargaining's strategies in NegMAS, a mixed tournament, utilities that agree on Genius domains. Without
the extra: tests/test_negmas_missing.py."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bargaining
from bargaining import cli
from bargaining.experiment import tournament
from bargaining.scenario import load_scenario
from bargaining.scenario.export import export_files
from bargaining.strategies.time_dependent import polynomial_aspiration

DATA = Path(__file__).parent / "data"
HARBOUR = DATA / "genius" / "harbour"


negmas = pytest.importorskip("negmas", reason="the extra bargaining[negmas] is not installed")
from negmas.inout import Scenario as NegmasScenario  # noqa: E402
from negmas.sao import SAOMechanism, SAONegotiator  # noqa: E402
from negmas_genius_agents import Atlas3, HardHeaded  # noqa: E402

from bargaining.errors import ScenarioError, UsageError  # noqa: E402
from bargaining.negmas import agent_names, negotiator, negotiator_class  # noqa: E402


def test_names_list_the_anac_agents_and_negmas_own(capsys):
    names = agent_names()
    assert {"Atlas3", "HardHeaded", "ParsCat", "AgentGG", "AspirationNegotiator", "NaiveTitForTatNegotiator"} \
        <= set(names)
    assert cli.main(["strategies", "--negmas"]) == 0
    assert "negmas:Atlas3" in capsys.readouterr().out.split()
    with pytest.raises(ScenarioError, match="negmas:Nope: expected a NegMAS negotiator"):
        load_scenario("pie-split", {"A.strategy.name": "negmas:Nope"})


# ----------------------------------------------------------------------------------- NegMAS agents at a seat
ANAC = ["ferry.strategy.name=negmas:Atlas3", "port.strategy.name=negmas:Caduceus"]  # both draw random numbers


def test_anac_agents_at_the_table_exact_seeded_and_in_any_batch():
    seeds = [5, 3, 7]
    singles = [bargaining.run(str(HARBOUR), ANAC, seed=s, record=False) for s in seeds]
    assert [(r.outcome, r.round) for r in singles] == [("deal", 18), ("deal", 17), ("deal", 18)]
    assert [round(r.utilities["ferry"], 4) for r in singles] == [0.5, 0.3125, 0.3625]
    batch = bargaining.run_batch(str(HARBOUR), seeds=[7, *seeds, 11], overrides=ANAC)
    for n, single in enumerate(singles, start=1):
        again = batch.result(n)
        assert (again.outcome, again.round, again.utilities, again.agreement) == \
            (single.outcome, single.round, single.utilities, single.agreement)
    case = load_scenario(str(HARBOUR), dict(a.split("=") for a in ANAC))
    for r in singles:  # a deal gives every party its walk-away value and crosses no red line
        assert all(r.utilities[c] >= r.walk_away[c] - 1e-9 for c in case.countries)
        assert case.preferences.within_red_lines(r.package).all()


class Recorder(SAONegotiator):
    """Records what it is shown; offers its best outcome, accepts nothing."""

    seen: list = []

    def propose(self, state, dest=None):
        Recorder.seen.append(("propose", state.step, state.relative_time, self.nmi.state.relative_time,
                              self.nmi._mechanism.relative_time, self.nmi.n_steps, self.ufun.reserved_value))
        return self.ufun.best()

    def respond(self, state, source=None):
        Recorder.seen.append(("respond", state.step, source, state.current_offer))
        from negmas.sao import ResponseType
        return ResponseType.REJECT_OFFER


def test_a_seat_sees_bargainings_rounds_offers_and_walk_away_value():
    Recorder.seen = []
    result = bargaining.run("pie-split", {"A.strategy.name": "negmas:test_negmas.Recorder",
                                          "B.strategy.name": "hard_liner"}, seed=0)
    assert (result.outcome, result.round, result.utilities) == ("deal", 10, {"A": 1.0, "B": 0.0})  # B's deadline
    proposals = [s for s in Recorder.seen if s[0] == "propose"]
    assert [s[1] for s in proposals] == list(range(10))  # round t is step t - 1
    assert [s[2] for s in proposals] == pytest.approx([t / 11 for t in range(1, 11)])  # deadline 10: t / 11
    assert all(s[2] == s[3] == pytest.approx(s[4]) and s[5] == 10 and s[6] == 0.0 for s in proposals)  # walk-away 0
    answers = [s for s in Recorder.seen if s[0] == "respond"]
    assert [s[1] for s in answers] == list(range(9)) and {s[2] for s in answers} == {"B"}
    assert {s[3] for s in answers} == {(0.0,)}  # the hard-liner's 0 % share for A, shown on A's 11-point grid
    tabled = result.tabled[result.tabled["proposer"] == "A"]
    assert (tabled["share_A"] == 100.0).all()  # its best outcome, tabled as bargaining's package


def test_red_lines_bound_what_a_seat_may_offer():
    case = load_scenario("uk-eu-2020", {"UK.strategy.name": "negmas:HardHeaded", "EU.strategy.name": "negmas:Atlas3"})
    for seed in range(3):
        result = bargaining.run(case, seed=seed)
        packages = np.array([case.space.normalise(row[case.space.names].to_dict())
                             for _, row in result.tabled.iterrows()])
        proposer = np.array([case.countries.index(p) for p in result.tabled["proposer"]])
        inside = case.preferences.within_red_lines(packages)
        assert inside[np.arange(len(packages)), proposer].all()  # each within its own red lines


def test_an_outcome_space_too_large_for_the_agents_is_one_clear_error():
    with pytest.raises(ScenarioError, match=r"US.strategy.points: negmas:HardHeaded would enumerate \d+ outcomes"):
        bargaining.run("nafta-2017", {"US.strategy.name": "negmas:HardHeaded"}, seed=0)
    small = bargaining.run("nafta-2017", {"US.strategy.name": "negmas:HardHeaded", "US.strategy.points": 3}, seed=0)
    assert small.outcome in {"deal", "withdrawal", "stalemate", "bilateral"}


# ------------------------------------------------------------------------------- bargaining's strategies in NegMAS
@pytest.fixture(scope="module")
def harbour_in_negmas():
    return NegmasScenario.from_genius_folder(HARBOUR).discretize(11)  # ANAC agents enumerate the outcomes


def _boulware_against_hardheaded(s):
    m = SAOMechanism(outcome_space=s.outcome_space, n_steps=20)
    ours = negotiator("boulware", {"beta": 0.5}, name="ours")
    m.add(ours, ufun=s.ufuns[1])
    m.add(HardHeaded(name="hh"), ufun=s.ufuns[2])
    return m, ours, m.run()


def test_a_bargaining_strategy_plays_in_a_negmas_mechanism(harbour_in_negmas):
    m, ours, state = _boulware_against_hardheaded(harbour_in_negmas)
    assert state.agreement is not None
    assert _boulware_against_hardheaded(harbour_in_negmas)[2].agreement == state.agreement  # both deterministic
    view, ufun = ours.view, harbour_in_negmas.ufuns[1]
    assert ufun(state.agreement) >= ufun.reserved_value
    mine = [(step, offer) for step, who, offer in m.extended_trace if who == ours.id]
    assert len(mine) >= 5
    for step, offer in mine:  # Faratin's curve on its rescaled utility: round step + 1 of 20
        assert view.scale(float(ufun(offer))) >= polynomial_aspiration(step, 19, 0.5, view.walk_away[0]) - 1e-9
    assert view.scale(float(ufun(mine[0][1]))) == pytest.approx(1.0)  # it opens with its best outcome


def test_strategies_that_need_the_others_preferences_are_refused():
    with pytest.raises(UsageError, match="opponent_model.*needs the others' preferences"):
        negotiator("opponent_model")
    with pytest.raises(UsageError, match="expected one of"):
        negotiator("nope")


def test_bargaining_strategies_in_a_negmas_tournament(harbour_in_negmas):
    from negmas.tournaments.neg import cartesian_tournament

    two = NegmasScenario.from_genius_folder(HARBOUR)  # a bilateral view of the harbour: ferry and port
    two = type(two)(outcome_space=harbour_in_negmas.outcome_space, ufuns=(harbour_in_negmas.ufuns[1],
                                                                          harbour_in_negmas.ufuns[2]))
    results = cartesian_tournament(
        competitors=[negotiator_class(), negotiator_class(), Atlas3], scenarios=[two], n_repetitions=1,
        competitor_params=[{"strategy": "boulware"}, {"strategy": "conceder"}, {}], n_steps=20, njobs=-1,
        verbosity=0, path=None)
    scores = results.final_scores
    assert len(scores) == 3 and scores["score"].notna().all()
    assert any("boulware" in s for s in scores["strategy"]) and "Atlas3" in set(scores["strategy"])


# ------------------------------------------------------------------------------------------- mixed tournament
def test_mixed_tournament_on_a_genius_domain_with_two_anac_agents(tmp_path, capsys):
    out = tmp_path / "mixed"
    args = ["tournament", str(HARBOUR), "--strategies", "boulware", "--negmas-agents", "Atlas3,HardHeaded",
            "--seeds", "1", "--out", str(out), "--no-progress"]
    assert cli.main(args) == 0
    table = pd.read_csv(out / tournament.STANDINGS)
    assert set(table["strategy"]) == {"boulware", "negmas:Atlas3", "negmas:HardHeaded"}
    assert set(table["country"]) == {"ferry", "fishers", "port"} and (table["runs"] == 9).all()  # 3^3 / 3
    assert (out / tournament.FIGURE).stat().st_size > 0
    runs = bargaining.experiment.store.read_runs(out)
    assert len(runs) == 27 and runs["error"].isna().all()
    # resumable: the second call runs nothing and gives the same standings
    assert cli.main([*args, "--resume"]) == 0
    assert pd.read_csv(out / tournament.STANDINGS).equals(table)
    # each row is a real, seeded run: the same as a direct run with its assignment and seed
    row = runs[(runs["ferry.strategy.name"] == "negmas:Atlas3") & (runs["port.strategy.name"] == "boulware")].iloc[0]
    direct = bargaining.run(str(HARBOUR), {f"{c}.strategy.name": row[f"{c}.strategy.name"]
                                           for c in ("ferry", "fishers", "port")}, seed=int(row["seed"]), record=False)
    assert (row["outcome"], row["round"], row["utility.ferry"]) == \
        (direct.outcome, direct.round, direct.utilities["ferry"])


# ------------------------------------------------------------------------------------------ utilities agree
def _genius_folders(tmp_path) -> list[Path]:
    folders = [HARBOUR]
    sources = ["nafta-2017", "pie-split", "port-expansion", "uk-eu-2020", str(Path(__file__).parent / "scenarios" /
                                                                            "quota_veto.toml"), str(HARBOUR),
               str(DATA / "geniusweb" / "allotment")]
    for n, source in enumerate(sources):
        case = load_scenario(source)
        files, _ = export_files(case.raw, "genius", dict(zip(case.countries, case.initial_walk_away, strict=True)))
        folder = tmp_path / f"{n}-{case.name}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        folders.append(folder)
    return folders


def _package(space, outcome) -> np.ndarray:
    return space.normalise({i.name: (str(v) if i.discrete else float(v)) for i, v in zip(space.issues, outcome,
                                                                                          strict=True)})


def _genius_rule(ufun, issues, outcome) -> float:
    """Genius's utility (EvaluatorDiscrete: evaluation / max evaluation; every evaluation within [0, 1]) from
    NegMAS's weights and value functions, which keep the raw evaluations."""
    total = 0.0
    for k, (w, f, issue) in enumerate(zip(ufun.weights, ufun.values, issues, strict=True)):
        v = f(outcome[k])
        if issue.is_discrete() and not issue.is_numeric():
            v = v / max(f(x) for x in issue.all)
        total += w * min(max(v, 0.0), 1.0)
    return total


def test_the_same_package_has_the_same_utility_in_both_tools(tmp_path):
    for folder in _genius_folders(tmp_path):
        case = load_scenario(str(folder))
        theirs = NegmasScenario.from_genius_folder(folder, ignore_discount=True)
        assert [u.name.split("_")[-1] for u in theirs.ufuns] == list(case.countries) or folder == HARBOUR
        outcomes = list(theirs.outcome_space.enumerate_or_sample(levels=7, max_cardinality=float("inf")))[:3000]
        ours = case.preferences.utility(np.array([_package(case.space, o) for o in outcomes]))
        for n, ufun in enumerate(theirs.ufuns):
            negmas_u = np.array([float(ufun(o)) for o in outcomes])
            if folder == HARBOUR:  # evaluations outside [0, 1]: NegMAS keeps them raw, Genius (and bargaining) not
                assert not np.allclose(negmas_u, ours[:, n]) or n == 0
                negmas_u = np.array([_genius_rule(ufun, theirs.outcome_space.issues, o) for o in outcomes])
            np.testing.assert_allclose(negmas_u, ours[:, n], rtol=0, atol=1e-12, err_msg=f"{folder.name} {n}")
            assert ufun.reserved_value == pytest.approx(case.preferences.termination[n], abs=1e-12) \
                or folder == HARBOUR
