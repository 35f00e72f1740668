"""The front ends on every kind of scenario: categorical issues, value tables, option red lines, reservation values,
no status quo and quota rules with vetoes (issue 10). Briefs, the explorer, a class, figures, show/run, sweeps and
calibration, on every bundled scenario, the test scenarios and imported Genius and GeniusWeb folders."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import bargaining
from bargaining import sampled
from bargaining.app import ExplorerModel, controls
from bargaining.app.charts import offers_chart
from bargaining.app.explore import status_lines
from bargaining.calibration.observations import load_observations
from bargaining.calibration.score import demand_scale
from bargaining.classroom import Table
from bargaining.classroom.briefs import confidential_brief, format_value, public_brief
from bargaining.classroom.debrief import debrief_rows, score_seat
from bargaining.classroom.export import export_class
from bargaining.classroom.service import ClassService
from bargaining.cli import main
from bargaining.errors import UsageError
from bargaining.experiment.tables import with_supporters
from bargaining.figures import run as plots
from bargaining.figures import teaching as tp
from bargaining.scenario import bundled

TESTS = Path(__file__).parent
SCENARIOS = [*bundled(), str(TESTS / "scenarios/value_tables.toml"), str(TESTS / "scenarios/quota_veto.toml"),
             str(TESTS / "data/genius/harbour"), str(TESTS / "data/geniusweb/allotment")]
IDS = [Path(s).stem for s in SCENARIOS]
TOKEN = "instructor-token"


@pytest.fixture(scope="module", params=SCENARIOS, ids=IDS)
def scenario(request):
    return bargaining.load_scenario(request.param)


def section(text: str, heading: str) -> str:
    """The lines of a brief under ``## heading``, up to the next heading."""
    return text.split(f"## {heading}\n")[1].split("\n## ")[0]


# ------------------------------------------------------------------------------------------ briefs

def test_the_public_brief_states_every_option_the_rule_and_what_no_deal_leaves(scenario):
    text = public_brief(scenario)
    for issue in scenario.space:
        line = next(x for x in text.splitlines() if f"(`{issue.name}`)" in x)
        assert all(f"'{level}'" in line for level in issue.levels or ())
        assert ("today (the status quo)" in line) == (issue.status_quo is not None)
    rule, who = scenario.rule, section(text, "Who must agree")
    if rule.unanimous:
        assert "Every party must accept" in who
    else:
        assert f"at least {rule.at_least} of the {rule.parties} parties accept it" in who
        for v in rule.veto:
            code = scenario.countries[v]
            assert f"{scenario.spec.countries[code].label or code} ({code})" in who
        assert "holds a veto" in who and "binds every party" in who
        assert "all accept" not in section(text, "How a round runs")
    calendar = section(text, "The calendar")
    if all(c.reservation_value is not None for c in scenario.spec.countries.values()):
        assert "each party takes its alternative to this deal (its reservation value" in calendar
    if not scenario.no_deal_termination.any():
        assert "the status quo stays" in calendar


def test_each_confidential_brief_gives_the_score_sheet_red_lines_vote_and_walk_away(scenario):
    space, rule = scenario.space, scenario.rule
    for row, code in enumerate(scenario.countries):
        c = scenario.spec.countries[code]
        text = confidential_brief(scenario, code)
        assert f"**{scenario.initial_walk_away[row]:.2f}**" in text
        if c.reservation_value is not None:
            assert f"Your reservation value is **{c.reservation_value:.2f}**" in text
        priorities = section(text, "Your priorities")
        for k, issue in enumerate(space):
            if scenario.preferences.weights[row, k] <= 0:
                continue
            line = next(x for x in priorities.splitlines() if x.startswith(f"- **{issue.label or issue.name}**:"))
            best = issue.natural(scenario.preferences.ideal[row, k])
            assert f"you want {format_value(issue, best)}." in line
            table = c.values.get(issue.name)
            if issue.discrete and (table is not None or issue.kind == "categorical"):
                # What each option is worth, straight from the score sheet (normalised by its best value), or
                # 1 for the ideal option of a categorical issue valued without a table.
                worth = {o: table[o] / max(table.values()) for o in issue.levels} if table is not None else \
                    {o: float(o == c.ideal[issue.name]) for o in issue.levels}
                assert all(f"'{o}' {v:.2f}" in line for o, v in worth.items()), line
            elif table is not None:  # a continuous issue's piecewise-linear table: its points
                assert all(f"{format_value(issue, x)}: " in line for x, _ in table)
        red = section(text, "Your red lines")
        for name, bound in c.red_lines.items():
            issue = space.issues[space.index(name)]
            line = next(x for x in red.splitlines() if x.startswith(f"- **{issue.label or name}**: "))
            if isinstance(bound, list):
                assert all(f"'{option}'" in line for option in bound)
        if rule.unanimous:
            assert "## Your vote" not in text
        else:
            vote = section(text, "Your vote")
            assert ("You hold a veto" in vote) == (row in rule.veto)
            assert ("Your yes is not needed" in vote) == (row not in rule.veto)
        for path, source in scenario.sources.items():
            if path.startswith(f"countries.{code}.") and path.split(".")[2] in ("reservation_value", "values"):
                assert source in text, path


def test_port_expansion_briefs_in_plain_words():
    port = bargaining.load_scenario("port-expansion")
    public = public_brief(port)
    assert ("A package is agreed when at least 5 of the 6 parties accept it, Port Authority (PA) and City Council "
            "(CC) among them (each holds a veto).") in public
    ec = confidential_brief(port, "EC")
    assert ("**What is done for the wetlands**: 50% of what is at stake for you; you want 'wetland restoration'. "
            "Worth to you (1 your best): 'wetland restoration' 1.00, 'offset fund' 0.60, 'legal minimum' 0.00.") in ec
    assert "- **What is done for the wetlands**: you cannot accept 'legal minimum'." in ec
    assert "a package can pass without you (at least 5 of 6, with PA and CC)" in ec
    assert "Your reservation value is **0.72**" in ec
    homes = confidential_brief(bargaining.load_scenario(str(TESTS / "scenarios/value_tables.toml")), "C")
    assert "Worth to you (1 your best): 0.0 %: 0.00, 20.0 %: 0.80, 30.0 %: 1.00 (in proportion in between)." in homes


# ------------------------------------------------------------------------------------------ the explorer

def test_the_explorer_controls_build_and_apply_as_overrides(scenario):
    items = controls(scenario)
    values = {c.path: c.value for c in items}
    assert scenario.with_overrides(values).spec == scenario.spec
    for code, c in scenario.spec.countries.items():
        kind = "reservation_value" if c.reservation_value is not None else "termination_value"
        assert f"{code}.{kind}" in values
        for name, bound in c.red_lines.items():
            control = next(x for x in items if x.path == f"{code}.red_lines.{name}")
            assert control.many == isinstance(bound, list)
    first = next(c for c in items if c.path.endswith(("reservation_value", "termination_value")))
    changed = {**values, first.path: 0.05}
    lists = [c for c in items if c.many]
    for c in lists:
        changed[c.path] = []  # every option acceptable again
    model = ExplorerModel(scenario.origin, rng="3", **changed)
    assert model.error is None and model.preferences.termination[0] == 0.05
    if lists:
        assert model.preferences.excluded is None or model.preferences.excluded.mask.sum() < \
            scenario.preferences.excluded.mask.sum()
    while model.running:
        model.step()
    assert model.outcome is not None and f"**Outcome: {model.outcome}**" in status_lines(model)
    option, _ = offers_chart(model)
    for k, issue in enumerate(scenario.space):
        marks = [m for m in option["series"][k * len(scenario.countries)]["markLine"]["data"] if "yAxis" in m]
        assert len(marks) == (issue.status_quo is not None)
        widths = {s.get("lineStyle", {}).get("width") for s in option["series"] if s.get("yAxisIndex") == k}
        assert widths == ({0} if issue.kind == "categorical" else {None})  # categorical offers are dots


def test_the_explorer_names_a_quota_deal_s_supporters():
    model = ExplorerModel("port-expansion", rng="1")
    while model.running:
        model.step()
    text = status_lines(model)
    assert "decision rule: at least 5 of 6, with PA and CC" in text
    assert "Accepted by PA, CC, SL, DU, NA; it binds every party." in text  # seeded: EC is outvoted


# ------------------------------------------------------------------------------------------ a class

def principled(request):
    """A student who tables the simulated negotiator's package and accepts, within its red lines, whatever is
    worth its walk-away value."""
    if request.kind == "propose":
        return request.hint
    return request.within_red_lines and request.utility >= request.walk_away


def yes_of(entry) -> set[str]:
    return {c for c, a in entry.answers.items() if a} | ({entry.proposer} if entry.proposer else set())


def supporters(model) -> tuple[str, ...]:
    """Who voted for a single run's agreement, in scenario order."""
    return tuple(c for c, yes in zip(model.case.countries, model.agreement.supporters[0], strict=True) if yes)


def test_a_class_plays_port_expansion_to_a_deal_under_the_quota_and_both_vetoes(tmp_path):
    service = ClassService(tmp_path / "class.sqlite", token=TOKEN)
    port = bargaining.load_scenario("port-expansion")
    c = service.create_class(TOKEN, "port-expansion", list(port.countries), seed=2)
    keys = {seat: service.join(c.code, 1, seat, f"Student {seat}").key for seat in port.countries}
    table = service.table(c.code, 1)
    while not table.over:
        for r in list(table.pending):
            service.move(c.code, keys[r.country], r.kind, principled(r), r.point)
        table = service.table(c.code, 1)
    m, rule = table.model, port.rule
    # Seeded (seed 2): students who table the simulated negotiator's package and take anything worth their walk-away
    # value agree in round 1: the hint is already a winning coalition's package (coalition-aware offers, issue 22),
    # the coalition leaving out the environmental coalition (it was round 4 before the hint targeted a coalition).
    assert (m.outcome, m.round, supporters(m)) == ("deal", 1, ("PA", "CC", "SL", "DU", "NA"))
    tabled = [e for e in table.transcript if e.package is not None]
    last = tabled[-1]
    assert yes_of(last) == set(supporters(m)) and np.array_equal(last.package, m.agreement.package[0])
    passing = [rule.passes(np.array([code in yes_of(e) for code in port.countries])) for e in tabled]
    assert passing == [False] * (len(tabled) - 1) + [True]  # the talks end at the first package that passes
    assert len(yes_of(last)) >= 5 and {"PA", "CC"} <= yes_of(last)
    ec = score_seat(table, "EC")
    assert ec.supporters == ["PA", "CC", "SL", "DU", "NA"] and ec.voted_for is False
    assert "you rejected it, and it binds you all the same" in ec.summary()
    assert ec.utility == pytest.approx(float(port.preferences.utility(m.agreement.package[0])[4]))
    assert score_seat(table, "PA").voted_for is True
    rows = debrief_rows(service.tables(c.code), service.names(c.code))
    assert {r["country"]: r["voted_for"] for r in rows} == {s: s != "EC" for s in port.countries}
    assert {r["supporters"] for r in rows} == {"PA CC SL DU NA"}
    export_class(service.store, c.code, tmp_path / "out")
    debrief = pd.read_csv(tmp_path / "out" / "debrief.csv")
    assert list(debrief["voted_for"]) == [s != "EC" for s in port.countries]


@pytest.mark.parametrize("holdout", ["PA", "CC", "EC"])
def test_no_package_passes_without_both_veto_parties(holdout):
    """Five students accept everything; the sixth tables nothing and rejects everything. Without a veto party no
    package passes, however many accept; without any other party the first package passes."""
    port = bargaining.load_scenario("port-expansion")
    table = Table(port, 2, port.countries)
    while not table.over:
        for r in list(table.pending):
            if r.country == holdout:
                table.abstain([holdout])
            else:
                table.play(r.country, r.kind, r.hint if r.kind == "propose" else True, r.point)
    tabled = [e for e in table.transcript if e.package is not None]
    if holdout in ("PA", "CC"):
        assert table.model.outcome == "stalemate" and table.round == port.spec.protocol.horizon_round
        assert all(yes_of(e) == set(port.countries) - {holdout} for e in tabled)  # five yes, every time
    else:
        assert (table.model.outcome, table.round) == ("deal", 1)
        assert supporters(table.model) == ("PA", "CC", "SL", "DU", "NA")


# ------------------------------------------------------------------------------------------ figures

def test_the_run_figure_is_written_for_port_expansion(tmp_path, capsys):
    path = tmp_path / "port.png"
    assert main(["run", "port-expansion", "--seed", "1", "--plot", str(path)]) in (0, None)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 20_000
    assert "against, and bound by it: EC" in capsys.readouterr().out


def test_categorical_offers_are_dots_and_ordinal_offers_lines():
    quota = bargaining.load_scenario(str(TESTS / "scenarios/quota_veto.toml"))
    result = bargaining.run(quota, seed=1)
    colours = plots.country_colours(quota.countries)
    for issue in quota.space:
        ax = Figure().subplots()
        plots.offers_panel(ax, issue, result.rounds, colours)
        styles = {line.get_linestyle() for line in ax.get_lines()}
        assert styles == ({"None"} if issue.kind == "categorical" else {"-"})
        assert [t.get_text() for t in ax.get_yticklabels()] == list(issue.levels)


def test_the_zone_slice_shades_the_quota_rule_s_zone(tmp_path):
    port = bargaining.load_scenario("port-expansion")
    _, _, grid = sampled.slice_grid(port, "site", "environment")
    ok = sampled.acceptable(port, grid, port.initial_walk_away)
    quota, everyone = port.rule.passes(ok), ok.all(axis=-1)
    assert quota.sum() > everyone.sum()  # five of six, with both vetoes, leave more room than all six
    fig = tp.zone_slice(port, "site", "environment", path=tmp_path / "slice.png")
    assert f"zone of agreement: {quota.mean():.0%} of this slice" in fig.axes[0].get_title()


# ------------------------------------------------------------------------------------------ show, run, sweeps

def test_show_and_run_leave_out_what_a_scenario_does_not_have(capsys):
    main(["show", "port-expansion"])
    out = capsys.readouterr().out
    assert "status quo" not in out and "termination value" not in out and "reservation value" in out
    assert "Decision rule: at least 5 of 6, with PA and CC" in out
    main(["run", "port-expansion", "--seed", "1", "--set", "PA.reservation_value=0.95"])
    out = capsys.readouterr().out
    assert "STALEMATE" in out and "utility of no deal" in out and "status quo" not in out
    main(["show", "nafta-2017"])
    out = capsys.readouterr().out
    assert "u(status quo)" in out and "termination value" in out


def test_sweeps_record_who_supported_each_quota_deal():
    runs = pd.DataFrame({"supporters": ["PA,CC,SL,DU,NA", None, "PA,CC,SL,DU,EC,NA"],
                         "outcome": ["deal", "stalemate", "deal"]})
    out = with_supporters(runs, ["PA", "EC"])
    assert out["supported.PA"].tolist()[::2] == [1.0, 1.0] and out["supported.EC"].tolist()[::2] == [0.0, 1.0]
    assert out[["supported.PA", "supported.EC"]].iloc[1].isna().all()
    unanimous = pd.DataFrame({"supporters": [None, None], "outcome": ["deal", "deal"]})
    assert list(with_supporters(unanimous, ["US"]).columns) == ["supporters", "outcome"]


# ------------------------------------------------------------------------------------------ calibration

def test_observations_on_a_categorical_scenario(tmp_path):
    """Opening demands come from value tables; on a categorical issue another option is a full miss (the options
    are unordered), on an ordinal one the distance between levels; agreed facts without a status quo are refused
    at scoring with one message."""
    port = bargaining.load_scenario("port-expansion")
    (tmp_path / "obs.toml").write_text("""cutoff = "2025-06"
[[facts]]
kind = "opening"
country = "EC"
issue = "site"
date = "2025-01"
source = "invented"
quote = "invented"

[[facts]]
kind = "tabled"
country = "PA"
issue = "financing"
level = "public bonds"
date = "2025-03"
source = "invented"
quote = "invented"
""")
    obs = load_observations(tmp_path / "obs.toml", port)
    assert obs.ideals[("EC", "site")] == port.space.issues[0].normalise("south basin")
    result = bargaining.run(port, seed=1)
    offers = result.rounds.set_index(["round", "country"])
    misses = obs.misses(result)
    assert misses[0] == float(offers.loc[(1, "EC"), "site"] != 1)  # EC opens on the south basin (index 1)
    assert offers.loc[(3, "PA"), "financing"] == 1  # PA tables the private concession, listed next to the bonds
    assert misses[1] == 1.0  # another option: a full miss, not half the range as between ordered levels
    with pytest.raises(UsageError, match="issue site has no status quo"):
        demand_scale(port, port.space.issues[0])
    with_status_quo = port.with_overrides({"issues.site.status_quo": "north basin"})
    with pytest.raises(UsageError, match="issue site is categorical"):
        demand_scale(with_status_quo, with_status_quo.space.issues[0])


def test_a_scenario_without_a_calendar_numbers_its_rounds_only(capsys, tmp_path):
    """An imported domain (or a role play) has no ``[calendar]``: no invented months anywhere; dated facts are
    refused with one line. A scenario with a calendar keeps its months."""
    harbour = str(TESTS / "data/genius/harbour")
    scenario = bargaining.load_scenario(harbour)
    assert scenario.spec.calendar is None and scenario.month(3) is None and scenario.dated(3) == ""
    assert main(["run", harbour, "--seed", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["month"] is None and result["round"] >= 1
    assert main(["run", harbour, "--seed", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(f"in round {result['round']}")
    brief = public_brief(scenario)
    assert "Round 1 is" not in brief and f"The deadline is round {scenario.spec.protocol.deadline_round}.\n" in brief
    facts = tmp_path / "facts.toml"
    facts.write_text('cutoff = "2020-01"\n[[facts]]\nkind = "outcome"\noutcome = "deal"\ndate = "2020-01"\n'
                     'source = "x"\n')
    with pytest.raises(bargaining.ScenarioError, match=r"dated facts need a calendar: expected a \[calendar\]"):
        load_observations(facts, scenario)
    dated = bargaining.load_scenario("port-expansion")
    assert dated.dated(1) == f" ({dated.spec.calendar.start})"
