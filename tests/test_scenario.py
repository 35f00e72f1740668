"""Scenario files and overrides: validation, sources, and clear messages for bad input."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining.cli import main
from bargaining.scenario import ScenarioError, parse_value

NAFTA = Path(bargaining.__file__).parent / "scenarios" / "nafta-2017.toml"


def test_nafta_calibration_cites_sources(nafta):
    spec = nafta.spec
    assert spec.issues["auto_rvc"].status_quo == 62.5
    assert spec.countries["US"].ideal["auto_rvc"] == 85.0
    assert spec.countries["US"].ideal["us_content"] == 50.0
    assert spec.protocol.deadline_round == 8 and nafta.month(8) == "2018-03"
    assert spec.threat.notice_rounds == 6
    assert {"auto_rvc", "us_content", "sunset", "dispute_settlement", "procurement", "de_minimis",
            "digital_trade", "customs"} <= set(spec.issues)
    # Every number in the file has a source: a seed file or an assumption with a reason.
    for path, source in nafta.sources.items():
        assert source.startswith("assumption: ") or source[:3].isdigit() and ".txt" in source, path
    assert nafta.sources["countries.US.ideal.auto_rvc"].startswith("001_ba0a4e4282be4849.txt")
    assert len(nafta.sources) >= 50


def test_overrides_reach_every_kind_of_parameter(nafta):
    s = nafta.with_overrides(["US.termination_value=0.6", "CA.red_lines.us_content=10",
                              "MX.strategy.beta=2", "protocol.deadline_round=10",
                              'CA.red_lines.procurement="partly capped"'])
    assert s.spec.countries["US"].termination_value == 0.6
    assert s.spec.countries["CA"].red_lines["us_content"] == 10
    assert s.strategy_params("MX").beta == 2
    assert s.spec.protocol.deadline_round == 10
    assert s.preferences.hi[1, s.space.index("procurement")] == 0.5
    assert nafta.spec.countries["US"].termination_value == 0.12  # the original is untouched


def test_weight_override_rescales_the_others(nafta):
    s = nafta.with_overrides({"CA.weights.dispute_settlement": 0.5})
    w = s.spec.countries["CA"].weights
    assert w["dispute_settlement"] == 0.5
    assert sum(w.values()) == pytest.approx(1.0)
    old = nafta.spec.countries["CA"].weights
    assert w["us_content"] / w["auto_rvc"] == pytest.approx(old["us_content"] / old["auto_rvc"])


def test_an_override_never_changes_the_table_it_was_given(nafta):
    """A whole table given as an override is copied: a later override along it (here one weight, which rescales
    the others) changes the scenario, not the caller's dict (a table of parameter sets reuses its values)."""
    table = dict(nafta.spec.countries["CA"].weights)
    given = dict(table)
    s = nafta.with_overrides({"CA.weights": given, "CA.weights.customs": 0.5})
    assert given == table
    assert s.spec.countries["CA"].weights["customs"] == 0.5


def test_weight_override_spreads_evenly_when_the_other_weights_are_all_zero(nafta):
    """Rescaling the others proportionally needs something to scale: when every other weight is 0 (here
    after putting all of Canada's weight on customs), lowering a weight to 0.3 shares the remaining 0.7
    equally among the other seven issues, and the weights again sum to 1."""
    s = nafta.with_overrides(["CA.weights.customs=1.0", "CA.weights.customs=0.3"])
    w = s.spec.countries["CA"].weights
    assert w["customs"] == 0.3
    assert {k: v for k, v in w.items() if k != "customs"} == pytest.approx(
        {k: 0.7 / 7 for k in nafta.space.names if k != "customs"})
    assert sum(w.values()) == pytest.approx(1.0)
    assert s.preferences.weights[1].tolist() == pytest.approx([0.1] * 7 + [0.3])


def test_strategy_name_override_drops_old_parameters(nafta, monkeypatch):
    from bargaining.strategies import STRATEGIES, Strategy

    class Stubborn(Strategy, register=False):
        name = "stubborn_for_test"

        def aspiration(self, agent):
            return 1.0

    monkeypatch.setitem(STRATEGIES, Stubborn.name, Stubborn)
    same = nafta.with_overrides(["MX.strategy.name=time_dependent"])
    assert same.strategy_params("MX").deadline == 12  # same strategy: parameters kept
    other = nafta.with_overrides(["MX.strategy.name=stubborn_for_test"])
    assert other.spec.countries["MX"].strategy.params == {}


def write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def nafta_text(old, new):
    text = NAFTA.read_text()
    assert old in text
    return text.replace(old, new, 1)


BAD_FILES = {
    "malformed TOML": ("name = \"x\"\n[protocol\n", "not valid TOML"),
    "weights not summing to 1": (
        ('auto_rvc = { value = 0.25, source = "003', 'auto_rvc = { value = 0.35, source = "003'),
        "countries.US.weights: expected weights summing to 1, found a sum of 1.1"),
    "ideal outside bounds": (
        ('auto_rvc = { value = 85.0, source = "001', 'auto_rvc = { value = 95.0, source = "001'),
        "countries.US.ideal.auto_rvc: expected a number in [50, 85], found 95.0"),
    "unknown ordinal level": (
        ('sunset = { value = "none", source = "003_f02f829b3b9ade45.txt: the U.S.',
         'sunset = { value = "never", source = "003_f02f829b3b9ade45.txt: the U.S.'),
        "countries.CA.ideal.sunset: expected one of ['none', 'periodic review'"),
    "non-numeric termination value": (
        ('termination_value = { value = 0.45', 'termination_value = { value = "high"'),
        "countries.CA.termination_value: expected a valid number"),
    "unknown key": (("shape = \"linear\"", "shpe = \"linear\""), "countries.US.shpe: unknown key"),
    "missing ideal": (('customs = { value = 100.0, source = "003_f02f829b3b9ade45.txt: progress on \'streamlining '
                       'customs procedures\'" }\n\n[countries.MX.weights]', '[countries.MX.weights]'),
                      "countries.MX.ideal.customs: required but missing"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_scenario_file_gives_one_clear_message(case, tmp_path, capsys):
    content, expected = BAD_FILES[case]
    text = content if isinstance(content, str) else nafta_text(*content)
    path = write(tmp_path, text)
    assert main(["run", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ")
    assert expected in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("override, expected", [
    ("US.foo=1", "unknown override path 'US.foo': 'foo' is not a key of countries.US; expected one of"),
    ("XX.termination_value=1", "unknown override path 'XX.termination_value': 'XX' is not a key of the top level"),
    ("CA.weights.tariffs=0.2", "'tariffs' is not a key of countries.CA.weights"),
    ("MX.strategy.gamma=2", "'gamma' is not a key of countries.MX.strategy; expected one of"),
    ("US.termination_value=abc", "countries.US.termination_value: expected a valid number"),
    ("US.termination_value=1.5", "countries.US.termination_value: expected less than or equal to 1, found 1.5"),
    ("MX.strategy.beta=-1", "countries.MX.strategy.beta: expected greater than 0, found -1"),
    ("protocol.deadline_round=0", "protocol.deadline_round: expected greater than or equal to 1, found 0"),
    ("US.ideal.sunset=forever", "countries.US.ideal.sunset: expected one of"),
    ("termination_value", "expected PATH=VALUE"),
])
def test_bad_override_gives_one_clear_message(override, expected, capsys):
    assert main(["run", "nafta-2017", "--set", override]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err


def test_unknown_scenario_name(capsys):
    assert main(["show", "nafta-2019"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nafta-2019': expected a bundled scenario (nafta-2017, pie-split" in err


def test_missing_file(capsys):
    assert main(["run", "no/such/file.toml"]) == 2
    assert "no/such/file.toml: no such scenario file" in capsys.readouterr().err


def test_cli_exit_code_and_no_traceback_in_a_real_process(tmp_path):
    plot = tmp_path / "fig.png"
    proc = subprocess.run([sys.executable, "-m", "bargaining.cli", "run", "nafta-2017", "--set", "US.nope=1",
                           "--plot", str(plot)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert not plot.exists()  # nothing half-written


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from(["US.termination_value", "CA.belief", "MX.strategy.beta", "protocol.deadline_round",
                             "CA.weights.sunset", "US.ideal.auto_rvc", "CA.red_lines.sunset", "noise.aspiration"]),
       value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-5, 50),
                       st.text(max_size=8), st.booleans()))
def test_any_override_value_is_accepted_or_rejected_cleanly(nafta, path, value):
    try:
        s = nafta.with_overrides({path: value})
    except ScenarioError as exc:
        assert str(exc).startswith("nafta-2017: ")
        return
    bargaining.run(s, seed=0, record=False)


def test_parse_value_reads_toml_literals():
    assert parse_value("0.6") == 0.6 and parse_value("10") == 10 and parse_value("true") is True
    assert parse_value('"periodic review"') == "periodic review"
    assert parse_value("tit_for_tat") == "tit_for_tat"


def test_talks_end_at_the_deadline_unless_the_file_gives_a_horizon(tmp_path):
    """``protocol.horizon_round`` defaults to the deadline round (a role play's last round is its deadline)."""
    text = (Path(__file__).parent / "scenarios/quota_veto.toml").read_text()
    assert "horizon_round = 12\n" in text
    without = bargaining.load_scenario(write(tmp_path, text.replace("horizon_round = 12\n", ""), "plain.toml"))
    assert without.spec.protocol.horizon_round == without.spec.protocol.deadline_round == 8
    assert without.with_overrides(["protocol.deadline_round=10"]).spec.protocol.horizon_round == 10
    assert bargaining.load_scenario(write(tmp_path, text, "given.toml")).spec.protocol.horizon_round == 12
    stalemate = bargaining.run(without, overrides=["P.reservation_value=0.99"], seed=0, record=False)
    assert stalemate.outcome == "stalemate" and stalemate.round == 8


# ------------------------------------------------------------------------------------------ strategies' domains

TWO_PARTY = "P cannot play rubinstein: classified two_party_only (defined for two countries), found 6 countries"


def test_a_two_party_strategy_is_refused_at_a_larger_table_by_set_file_and_sweep(tmp_path, capsys):
    """``rubinstein`` (classified two-party only) on six parties: one line naming the party, the strategy and why,
    exit 2, whether the scenario file, ``--set`` or a sweep's level asks for it."""
    quota = Path(__file__).parent / "scenarios" / "quota_veto.toml"
    assert main(["run", str(quota), "--set", "P.strategy.name=rubinstein"]) == 2
    assert capsys.readouterr().err == f"error: {quota}: countries.P.strategy.name: {TWO_PARTY}\n"
    path = write(tmp_path, quota.read_text().replace('[countries.P]\n', '[countries.P]\nstrategy = { name = '
                                                     '"rubinstein" }\n'))
    assert main(["show", path]) == 2
    assert capsys.readouterr().err == f"error: {path}: countries.P.strategy.name: {TWO_PARTY}\n"
    from bargaining.experiment.spec import ExperimentError
    from bargaining.experiment.spec import from_dict as experiment
    with pytest.raises(ExperimentError, match=re.escape(f"parameters.P.strategy.name = 'rubinstein': {quota}: "
                                                        f"countries.P.strategy.name: {TWO_PARTY}")):
        experiment({"name": "x", "scenario": str(quota),
                    "parameters": {"P.strategy.name": {"levels": ["linear", "rubinstein"]}}})
    with pytest.raises(ScenarioError, match="countries.MX.election.strategy.name: MX cannot play rubinstein"):
        bargaining.load_scenario("nafta-2017", ["MX.election.strategy.name=rubinstein"])
    assert bargaining.run("pie-split", {"A.strategy.name": "rubinstein"}, seed=1).outcome  # two parties: fine


def test_every_domain_a_classifier_can_limit_is_checked():
    """Each classifier key of ``DOMAINS`` is a classifier key; every registered strategy with one set is refused on
    a scenario outside it (nafta-2017: three countries)."""
    from bargaining.scenario.checks import DOMAINS
    from bargaining.strategies import STRATEGIES
    from bargaining.strategies.base import CLASSIFIER
    assert set(DOMAINS) <= set(CLASSIFIER)
    limited = [name for name, cls in STRATEGIES.items() if any(cls.classifier.get(key) for key in DOMAINS)]
    assert "rubinstein" in limited
    for name in limited:
        with pytest.raises(ScenarioError, match=f"countries.US.strategy.name: US cannot play {name}"):
            bargaining.load_scenario("nafta-2017", [f"US.strategy.name={name}"])


def test_default_noise_is_0_and_seeds_then_differ_only_by_the_proposer_order():
    """README, "Noise": without ``[noise]`` port-expansion ends in one and the same deal whatever the seed; with
    ``noise.aspiration`` the deals spread."""
    from bargaining.scenario.schema import NoiseSpec
    assert NoiseSpec().aspiration == 0 and NoiseSpec().belief == 0
    quiet = bargaining.run_batch("port-expansion", range(100))
    noisy = bargaining.run_batch("port-expansion", range(100), {"noise.aspiration": 0.05})
    distinct = lambda r: len({tuple(p.round(9)) for p in r.package[r.signed]})  # noqa: E731
    assert quiet.signed.all() and distinct(quiet) == 1
    assert distinct(noisy) > 1
