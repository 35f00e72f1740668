"""The field's formats: Genius XML and GeniusWeb JSON folders read into the table form, and written back.

Utilities are checked against references written here, independently of the package: Genius's own definition
computed from the XML (weighted sum of evaluation / max per issue, EvaluatorDiscrete / EvaluatorInteger /
EvaluatorReal arithmetic), and the table form's (value / max per issue, piecewise-linear for continuous issues).
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bargaining.cli.main import main
from bargaining.errors import ScenarioError
from bargaining.scenario import genius, geniusweb, load_scenario
from bargaining.scenario.export import export_files
from bargaining.scenario.tables import party_codes, tabulate

DATA = Path(__file__).parent / "data"
SCENARIOS = Path(__file__).parent / "scenarios"
HARBOUR, ALLOTMENT = DATA / "genius" / "harbour", DATA / "geniusweb" / "allotment"


# ------------------------------------------------------------------------------------------ references

def table_utility(raw: dict, code: str, outcome: dict) -> float:
    """The table form's utility: sum_k w_k v_k(x_k) / max v_k (piecewise linear for continuous issues)."""
    c, total = raw["countries"][code], 0.0
    for name, w in c["weights"].items():
        t = c["values"][name]
        if isinstance(t, dict):
            total += w * t[outcome[name]] / max(t.values())
        else:
            xs, vs = zip(*t, strict=True)
            total += w * float(np.interp(outcome[name], xs, vs)) / max(vs)
    return total


def genius_utility(profile: Path, outcome: dict) -> float:
    """Genius's utility of an outcome, read from the profile XML: weight x evaluation / max for discrete issues,
    clip(offset + slope (v - lowerbound)) for integer and clip(parameter1 x + parameter0) for real issues, each
    divided by its maximum over the issue's range (the convention; equal to Genius's own when the maximum is 1)."""
    root = ET.parse(profile).getroot()
    weights = {w.get("index"): float(w.get("value")) for w in root.iter("weight")}
    clip = lambda e: min(max(e, 0.0), 1.0)  # noqa: E731
    total = 0.0
    for issue in root.iter("issue"):
        x, kind, ev = outcome[issue.get("name")], issue.get("type"), issue.find("evaluator")
        if kind == "discrete":
            evals = {i.get("value"): float(i.get("evaluation")) for i in issue.iter("item")}
        elif kind == "integer":
            lo, hi = int(issue.get("lowerbound")), int(issue.get("upperbound"))
            offset, slope = float(ev.get("offset")), float(ev.get("slope"))
            evals = {str(v): clip(offset + slope * (v - lo)) for v in range(lo, hi + 1)}
        else:
            p0, p1, r = float(ev.get("parameter0")), float(ev.get("parameter1")), issue.find("range")
            ends = [float(r.get("lowerbound")), float(r.get("upperbound"))]
            evals = {x: clip(p1 * x + p0), **{b: clip(p1 * b + p0) for b in ends}}  # linear: max at an end
        total += weights[issue.get("index")] * evals[x] / max(evals.values())
    return total


def outcomes(raw: dict, real_points: int = 9):
    """Every outcome of the discrete issues, with a few points (bounds included) on each continuous one."""
    axes = {}
    for name, issue in raw["issues"].items():
        if issue["kind"] == "continuous":
            axes[name] = list(np.linspace(*issue["bounds"], real_points))
        else:
            axes[name] = issue.get("options") or issue["levels"]
    for combo in itertools.product(*axes.values()):
        yield dict(zip(axes, combo, strict=True))


# ------------------------------------------------------------------------------------------ Genius


def test_a_genius_folder_becomes_the_table_form():
    raw, sources = genius.read(HARBOUR)
    assert list(raw["countries"]) == ["ferry", "fishers", "port"]  # file names less the common harbour_ prefix
    assert raw["issues"] == {"berth": {"kind": "categorical", "options": ["north", "south", "shared"]},
                             "night shifts": {"kind": "ordinal", "levels": ["0", "1", "2", "3", "4"]},
                             "fee": {"kind": "continuous", "bounds": [10.0, 30.0]}}
    ferry, fishers, port = raw["countries"].values()
    assert ferry["values"]["berth"] == {"north": 8.0, "south": 2.0, "shared": 5.0}  # as written; / max by the engine
    assert ferry["values"]["night shifts"] == {"0": 1.0, "1": 0.75, "2": 0.5, "3": 0.25, "4": 0.0}
    assert fishers["values"]["night shifts"] == {"0": 0.0, "1": 0.5, "2": 1.0, "3": 1.0, "4": 1.0}  # clipped at 1
    assert fishers["values"]["fee"] == [[10.0, 1.0], [12.5, 1.0], [25.0, 0.0], [30.0, 0.0]]  # corners of the clip
    assert port["values"]["fee"] == [[10.0, 0.0], [30.0, 1.0]]
    assert (ferry["reservation_value"], ferry["discount"]) == (0.3, 0.9)
    assert (fishers["reservation_value"], fishers["discount"]) == (0.25, 1.0)  # no discount_factor: 1
    assert (port["reservation_value"], "termination_value" in port) == (0.0, False)  # no reservation: 0
    assert raw["protocol"] == {"name": "alternating_offers", "deadline_round": 20, "horizon_round": 20,
                               "random_order": True, "no_deal": "termination"}
    assert "threat" not in raw and all("status_quo" not in i for i in raw["issues"].values())
    assert sources["countries.ferry.discount"] == "Genius: harbour_ferry.xml"


def test_imported_utilities_are_the_ones_genius_defines_on_every_outcome():
    raw, _ = genius.read(HARBOUR)
    profiles = dict(zip(raw["countries"], sorted(HARBOUR.glob("harbour_[!d]*.xml")), strict=True))
    n = 0
    for outcome in outcomes(raw, real_points=41):
        for code, profile in profiles.items():
            assert table_utility(raw, code, outcome) == pytest.approx(genius_utility(profile, outcome), abs=1e-12)
            n += 1
    assert n == 3 * 5 * 41 * 3


@st.composite
def genius_folders(draw):
    """A Genius folder's files (domain + 2-4 profiles) with discrete, integer and real issues."""
    n_issues, n_parties = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    kinds = [draw(st.sampled_from(["discrete", "integer", "real"])) for _ in range(n_issues)]
    sizes = [draw(st.integers(2, 4)) for _ in kinds]
    evaluation = st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 3))
    domain = ET.Element("negotiation_template")
    obj = ET.SubElement(ET.SubElement(domain, "utility_space"), "objective", index="0", name="gen")
    profiles = [ET.Element("utility_space") for _ in range(n_parties)]
    pobjs = [ET.SubElement(p, "objective", index="0", name="gen") for p in profiles]
    for k, (kind, size) in enumerate(zip(kinds, sizes, strict=True), start=1):
        attrs = {"index": str(k), "name": f"issue {k}", "type": kind, "etype": kind}
        bounds = {"lowerbound": "2", "upperbound": str(2 + size)} if kind == "integer" else {}
        element = ET.SubElement(obj, "issue", attrs, **bounds)
        if kind == "discrete":
            for j in range(size):
                ET.SubElement(element, "item", index=str(j + 1), value=f"v{j}")
        if kind == "real":
            ET.SubElement(element, "range", lowerbound="0", upperbound=str(size))
        for p in pobjs:
            pe = ET.SubElement(p, "issue", attrs, **bounds)
            if kind == "discrete":
                evals = [draw(evaluation) for _ in range(size)]
                evals[draw(st.integers(0, size - 1))] += 1  # at least one positive
                for j, e in enumerate(evals):
                    ET.SubElement(pe, "item", index=str(j + 1), value=f"v{j}", evaluation=repr(e))
            elif kind == "integer":  # reaches 1 somewhere (the convention and Genius then agree), may clip
                slope = draw(st.sampled_from([-0.5, -0.25, 0.25, 0.5, 1.0]))
                ET.SubElement(pe, "evaluator", ftype="linear", slope=repr(slope),
                              offset=repr(1.0 if slope < 0 else draw(st.sampled_from([0.0, 0.25]))))
            else:
                ET.SubElement(pe, "range", lowerbound="0", upperbound=str(size))
                slope = draw(st.sampled_from([-0.5, -0.2, 0.2, 0.5])) / size * 2
                ET.SubElement(pe, "evaluator", ftype="linear", parameter1=repr(slope),
                              parameter0=repr(1.0 if slope < 0 else 0.0))
    for p, pobj in zip(profiles, pobjs, strict=True):
        ws = [draw(st.integers(1, 9)) for _ in kinds]
        for k, w in enumerate(ws, start=1):
            ET.SubElement(pobj, "weight", index=str(k), value=repr(w / sum(ws)))
        ET.SubElement(p, "reservation", value=repr(draw(st.floats(0, 1).map(lambda x: round(x, 4)))))
    files = {"gen_domain.xml": domain}
    files.update({f"gen_party{n}.xml": p for n, p in enumerate(profiles)})
    return {name: ET.tostring(e, encoding="unicode") for name, e in files.items()}


def write(folder: Path, files: dict[str, str]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=genius_folders())
def test_import_gives_genius_utilities_on_generated_domains(files, tmp_path):
    folder = write(tmp_path / "gen", files)
    raw, _ = genius.read(folder)
    for outcome in outcomes(raw):
        for code, name in zip(raw["countries"], sorted(f for f in files if "party" in f), strict=True):
            assert table_utility(raw, code, outcome) == pytest.approx(genius_utility(folder / name, outcome),
                                                                      abs=1e-12)


@st.composite
def table_scenarios(draw):
    """A scenario in the table form: 1-4 categorical or ordinal (integer or named levels) issues, 2-4 parties."""
    issues = {}
    for k in range(draw(st.integers(1, 4))):
        size = draw(st.integers(2, 5))
        kind = draw(st.sampled_from(["categorical", "ordinal", "integer"]))
        if kind == "integer":
            start = draw(st.integers(-3, 5))
            issues[f"i{k}"] = {"kind": "ordinal", "levels": [str(start + j) for j in range(size)]}
        else:
            issues[f"i{k}"] = {"kind": kind, ("options" if kind == "categorical" else "levels"):
                               [f"o {j}" for j in range(size)]}
    value = st.floats(0, 5, allow_nan=False).map(lambda x: round(x, 4))
    countries = {}
    for n in range(draw(st.integers(2, 4))):
        values = {}
        for name, issue in issues.items():
            labels = issue.get("options") or issue["levels"]
            if draw(st.booleans()) and labels[0].lstrip("-").isdigit():  # linear in the integer: Genius integer
                a, b = draw(st.sampled_from([(0.0, 1.0), (1.0, -1.0), (0.5, 0.5)]))
                values[name] = {lv: a + b * j / (len(labels) - 1) for j, lv in enumerate(labels)}
            else:
                values[name] = {lv: draw(value) for lv in labels}
                values[name][labels[draw(st.integers(0, len(labels) - 1))]] += 1
        ws = [draw(st.integers(1, 9)) for _ in issues]
        countries[f"P{n}"] = {"weights": {name: w / sum(ws) for name, w in zip(issues, ws, strict=True)},
                              "values": values, "reservation_value": draw(st.floats(0, 1).map(lambda x: round(x, 3))),
                              "discount": draw(st.sampled_from([1.0, 0.9]))}
    return {"name": "gen", "issues": issues, "countries": countries}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=table_scenarios())
def test_export_then_import_gives_identical_utilities_on_every_outcome(raw, tmp_path):
    for fmt, module in (("genius", genius), ("geniusweb", geniusweb)):
        files, _ = export_files(raw, fmt)
        back, _ = module.read(write(tmp_path / fmt, files))
        codes = dict(zip(raw["countries"], back["countries"], strict=True))  # P0.. -> P0.. (file name order)
        assert codes == {c: c for c in raw["countries"]}
        for outcome in outcomes(raw):
            for code in raw["countries"]:
                assert table_utility(back, code, outcome) == pytest.approx(table_utility(raw, code, outcome),
                                                                           abs=1e-12)
        for code, c in raw["countries"].items():
            r = back["countries"][code]["reservation_value"]
            if fmt == "genius":
                assert r == c["reservation_value"] and back["countries"][code]["discount"] == c["discount"]
            else:  # GeniusWeb keeps a bid: the best one not above the value, found exactly (checked by brute force)
                below = [u for o in outcomes(raw) if (u := table_utility(raw, code, o)) <= c["reservation_value"]
                         + 1e-12]
                assert r == pytest.approx(max(below, default=0.0), abs=1e-12)


def test_genius_integer_and_real_issues_are_written_back_as_integer_and_real(tmp_path):
    raw, _ = genius.read(HARBOUR)
    files, _ = export_files(raw, "genius")
    domain = ET.fromstring(files["harbour_domain.xml"])
    kinds = {i.get("name"): i.get("type") for i in domain.iter("issue")}
    assert kinds == {"berth": "discrete", "night shifts": "discrete", "fee": "discrete"}  # clipped: not linear
    ferry_only = {**raw, "countries": {c: raw["countries"][c] for c in ("ferry", "port")}}
    domain = ET.fromstring(export_files(ferry_only, "genius")[0]["harbour_domain.xml"])
    assert {i.get("name"): i.get("type") for i in domain.iter("issue")} == \
        {"berth": "discrete", "night shifts": "integer", "fee": "real"}
    back, _ = genius.read(write(tmp_path / "h", export_files(ferry_only, "genius")[0]))
    for outcome in outcomes(ferry_only, real_points=21):
        for code in ferry_only["countries"]:
            assert table_utility(back, code, outcome) == pytest.approx(table_utility(ferry_only, code, outcome),
                                                                       abs=1e-12)


# ------------------------------------------------------------------------------------------ GeniusWeb


def test_a_geniusweb_folder_becomes_the_table_form():
    raw, _ = geniusweb.read(ALLOTMENT)
    assert list(raw["countries"]) == ["council", "gardener"]
    assert raw["issues"]["rent"] == {"kind": "ordinal", "levels": ["20", "25", "30", "35", "40"]}
    gardener = raw["countries"]["gardener"]
    assert gardener["values"]["rent"] == {"20": 1.0, "25": 0.75, "30": 0.5, "35": 0.25, "40": 0.0}
    # the reservation bid (on the hill, 35, barrel): 0.5 * 0.1 + 0.3 * 0.25 + 0.2 * 0.5
    assert gardener["reservation_value"] == pytest.approx(0.225, abs=1e-15)
    assert raw["countries"]["council"]["reservation_value"] == 0.0  # reservationBid null


def test_geniusweb_type_names_discreteutils_and_numberutils_are_read(tmp_path):
    """GeniusWeb writes value set utilities under their JSON type names (as its competition profiles do)."""
    folder = Path(shutil.copytree(ALLOTMENT, tmp_path / "allotment"))
    for f in folder.glob("*.json"):
        f.write_text(f.read_text().replace("DiscreteValueSetUtilities", "discreteutils")
                     .replace("NumberValueSetUtilities", "numberutils"))
    assert geniusweb.read(folder) == geniusweb.read(ALLOTMENT)


def test_geniusweb_number_ranges_are_written_back_as_ranges(tmp_path):
    raw, _ = geniusweb.read(ALLOTMENT)
    files, notes = export_files(raw, "geniusweb")
    domain = json.loads(files["allotment_domain.json"])
    assert domain["issuesValues"]["rent"] == {"range": {"low": 20, "high": 40, "step": 5}}
    profile = json.loads(files["allotment_gardener.json"])["LinearAdditiveUtilitySpace"]
    assert profile["issueUtilities"]["rent"] == {"numberutils": {
        "lowValue": 20, "lowUtility": 1.0, "highValue": 40, "highUtility": 0.0}}
    back, _ = geniusweb.read(write(tmp_path / "a", files))
    assert back["countries"]["gardener"]["reservation_value"] == pytest.approx(0.225, abs=1e-12)
    assert notes == []


# ------------------------------------------------------------------------------------------ export of a scenario


@pytest.mark.parametrize("name", ["nafta-2017", "port-expansion", str(SCENARIOS / "value_tables.toml")])
def test_exported_tables_are_the_engines_values_at_every_option(name):
    """Every kind of value (single-peaked on every kind of issue, value tables, piecewise linear) is exported as
    the engine's own value at every option or level written."""
    scenario = load_scenario(name)
    walk_away = dict(zip(scenario.countries, scenario.initial_walk_away, strict=True))
    tables, _ = tabulate(scenario.raw, walk_away)
    prefs, space = scenario.preferences, scenario.space
    for k, issue in enumerate(space):
        exported = tables["issues"][issue.name]
        for n, code in enumerate(scenario.countries):
            t = tables["countries"][code]["values"][issue.name]
            if exported["kind"] == "continuous":  # every country linear on it: a real issue
                lo, hi = issue.bounds
                xs = np.linspace(lo, hi, 7)
                got = np.interp(xs, [p[0] for p in t], [p[1] for p in t])
            else:
                labels = exported.get("levels") or exported["options"]
                xs = [float(x) if issue.kind == "continuous" else x for x in labels]
                got = [t[lv] for lv in labels]
            x = np.tile(space.status_quo, (len(xs), 1)) if space.status_quo is not None else np.zeros((len(xs),
                                                                                                      len(space)))
            x[:, k] = [issue.normalise(v) for v in xs]
            assert np.allclose(got, prefs.values(x)[:, n, k], rtol=0, atol=1e-12), (issue.name, code)


def test_nafta_exported_tables_keep_reservation_values_weights_and_exact_points():
    scenario = load_scenario("nafta-2017")
    walk_away = dict(zip(scenario.countries, scenario.initial_walk_away, strict=True))
    tables, notes = tabulate(scenario.raw, walk_away)
    for code in scenario.countries:
        assert tables["countries"][code]["reservation_value"] == walk_away[code]
        assert tables["countries"][code]["weights"] == scenario.raw["countries"][code]["weights"]
    auto = tables["issues"]["auto_rvc"]["levels"]
    assert {"62.5", "85", "50"} <= set(auto)  # status quo and ideals keep their exact values
    assert any("threat" in note for note in notes) and any("CA: red lines" in note for note in notes)


def test_nafta_toml_export_runs_exactly_as_the_bundled_file(tmp_path, capsys):
    assert main(["export", "nafta-2017", "--format", "toml", "--out", str(tmp_path)]) == 0
    path = tmp_path / "nafta-2017.toml"
    text = path.read_text()
    assert 'status_quo = {value = 62.5, source = "004_a6f33110be75da2a.txt' in text
    exported, bundled = load_scenario(path), load_scenario("nafta-2017")
    assert exported.raw == bundled.raw and exported.sources == bundled.sources
    from bargaining.simulate import run
    for seed in range(3):
        assert run(exported, seed=seed).to_dict() == run(bundled, seed=seed).to_dict()


def test_party_codes_are_file_names_less_what_they_share():
    assert party_codes(["laptop_buyer_utility", "laptop_seller_utility"]) == ["buyer", "seller"]
    assert party_codes(["party1_utility", "party2_utility", "party3_utility"]) == ["party1", "party2", "party3"]
    assert party_codes(["nafta-2017_US", "nafta-2017_USA"]) == ["US", "USA"]
    assert party_codes(["a", "b"]) == ["a", "b"]


# ------------------------------------------------------------------------------------------ bad input


def genius_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HARBOUR, tmp_path / "harbour"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


BAD_GENIUS = {
    "no domain file": (lambda d: (d / "harbour_domain.xml").unlink(),
                       "domain file: expected one XML file without <weight> elements (the domain), found 0"),
    "two domain files": (lambda d: shutil.copy(d / "harbour_domain.xml", d / "other_domain.xml"),
                         "domain file: expected one XML file without <weight> elements (the domain), found 2: "
                         "harbour_domain.xml, other_domain.xml"),
    "unknown issue": (lambda d: edit(d / "harbour_port.xml", 'name="berth"', 'name="quay"'),
                      "harbour_port.xml: issues: expected the domain's issues ['berth', 'fee', 'night shifts'], "
                      "found ['fee', 'night shifts', 'quay']"),
    "unknown option": (lambda d: edit(d / "harbour_port.xml", 'value="south"', 'value="east"'),
                       "harbour_port.xml: issue 'berth': expected the domain's options ['north', 'shared', 'south'], "
                       "found ['east', 'north', 'shared']"),
    "negative weight": (lambda d: edit(d / "harbour_port.xml", 'value="0.2"/>', 'value="-0.2"/>'),
                        "harbour_port.xml: weights.berth: expected a weight >= 0, found -0.2"),
    "negative evaluation": (lambda d: edit(d / "harbour_ferry.xml", 'evaluation="2"', 'evaluation="-2"'),
                            "harbour_ferry.xml: issue 'berth'.south: expected an evaluation >= 0, found -2"),
    "missing evaluation": (lambda d: edit(d / "harbour_ferry.xml", ' evaluation="2"', ''),
                           "harbour_ferry.xml: issue 'berth'.south: expected an evaluation, found none"),
    "reservation out of range": (lambda d: edit(d / "harbour_ferry.xml", 'reservation value="0.3"',
                                                'reservation value="1.3"'),
                                 "harbour_ferry.xml: reservation: expected a value in [0, 1], found 1.3"),
    "integer bounds differ": (lambda d: edit(d / "harbour_ferry.xml", 'upperbound="4"', 'upperbound="5"'),
                              "harbour_ferry.xml: issue 'night shifts': expected the domain's bounds 0..4"),
    "not XML": (lambda d: (d / "harbour_port.xml").write_text("<utility_space>"),
                "harbour_port.xml: xml: expected a well-formed XML file"),
    "nonlinear profile": (lambda d: (d / "harbour_port.xml").write_text('<utility_space type="nonlinear"/>'),
                          "harbour_port.xml: utility_space: expected a linear additive profile, found a nonlinear"),
}


@pytest.mark.parametrize("case", BAD_GENIUS)
def test_bad_genius_folders_fail_with_one_line_naming_file_key_expected_found(case, tmp_path, capsys):
    spoil, message = BAD_GENIUS[case]
    folder = genius_copy(tmp_path)
    spoil(folder)
    with pytest.raises(ScenarioError) as err:
        genius.read(folder)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert main(["show", str(folder)]) == 2  # the command line: the same line, exit 2, no traceback
    out = capsys.readouterr()
    assert out.err.startswith("error: ") and message in out.err and "Traceback" not in out.err


def test_a_genius_folders_pareto_file_is_skipped(tmp_path):
    """ANAC 2014 folders keep the Pareto frontier in pareto.xml, lines of utilities, not XML."""
    folder = genius_copy(tmp_path)
    (folder / "pareto.xml").write_text("\n0.6, 1.0\n1.0, 0.5\n")
    assert genius.read(folder)[0] == genius.read(HARBOUR)[0]


BAD_GENIUSWEB = {
    "utility above 1": (lambda d: edit(d / "gardener.json", '"by the stream": 1,', '"by the stream": 1.5,'),
                        "gardener.json: issueUtilities.plot.by the stream: expected a utility in [0, 1], found 1.5"),
    "negative utility": (lambda d: edit(d / "gardener.json", '"tap": 1,', '"tap": -1,'),
                         "gardener.json: issueUtilities.water.tap: expected an evaluation >= 0, found -1"),
    "negative weight": (lambda d: edit(d / "council.json", '"plot": 0.25', '"plot": -0.25'),
                        "council.json: issueWeights.plot: expected a weight >= 0, found -0.25"),
    "missing value": (lambda d: edit(d / "council.json", '"tap": 0.3, ', ''),
                      "council.json: issueUtilities.water: expected the domain's values ['barrel', 'tap'], found "
                      "['barrel']"),
    "bad reservation bid": (lambda d: edit(d / "gardener.json", '"water": "barrel"', '"water": "well"'),
                            "gardener.json: reservationBid.water: expected one of ['tap', 'barrel'], found 'well'"),
    "two domains": (lambda d: shutil.copy(d / "allotment.json", d / "again.json"),
                    "domain file: expected one domain file (JSON with issuesValues), found 2"),
    "unsupported profile": (lambda d: (d / "council.json").write_text('{"DefaultPartialOrdering": {}}'),
                            "council.json: profile: expected a LinearAdditiveUtilitySpace object"),
}


@pytest.mark.parametrize("case", BAD_GENIUSWEB)
def test_bad_geniusweb_folders_fail_with_one_line(case, tmp_path):
    spoil, message = BAD_GENIUSWEB[case]
    folder = Path(shutil.copytree(ALLOTMENT, tmp_path / "allotment"))
    spoil(folder)
    with pytest.raises(ScenarioError) as err:
        geniusweb.read(folder)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_folder_of_neither_format_is_rejected(tmp_path, capsys):
    assert main(["show", str(tmp_path)]) == 2
    assert "expected a Genius folder (XML files) or a GeniusWeb folder (JSON files), found neither" in \
        capsys.readouterr().err


def test_export_to_an_unwritable_folder_fails_cleanly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["export", "pie-split", "--format", "genius", "--out", str(blocker / "sub")]) == 2
    assert "cannot write the files" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ end to end (engine)


@pytest.mark.parametrize("folder", [HARBOUR, ALLOTMENT], ids=["genius", "geniusweb"])
def test_show_and_run_a_folder(folder, capsys):
    """``show --json``'s Nash point against brute force in the convention: its utilities are those of its package,
    and no outcome has a larger product of gains over the reservation values (equal on the all-discrete domain)."""
    assert main(["show", str(folder), "--json"]) == 0
    nash = json.loads(capsys.readouterr().out)["nash"]
    raw, _ = (genius if folder == HARBOUR else geniusweb).read(folder)
    codes = list(raw["countries"])

    def gains(outcome):
        return [table_utility(raw, c, outcome) - raw["countries"][c]["reservation_value"] for c in codes]

    for code in codes:
        assert nash["utilities"][code] == pytest.approx(table_utility(raw, code, nash["package"]), abs=1e-9)
    best = max(np.prod(g) if min(g) >= 0 else 0.0 for g in map(gains, outcomes(raw, 401)))
    found = np.prod(gains(nash["package"]))
    assert found >= best - 1e-12
    if folder == ALLOTMENT:  # every issue discrete: brute force is exact
        assert found == pytest.approx(best, abs=1e-9)
    for seed in range(3):
        assert main(["run", str(folder), "--seed", str(seed), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["outcome"]


def test_nafta_exported_to_genius_loads_and_runs(tmp_path, capsys):
    for fmt in ("genius", "geniusweb"):
        assert main(["export", "nafta-2017", "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
        scenario = load_scenario(tmp_path / fmt)
        assert set(scenario.countries) == {"US", "CA", "MX"}
        assert main(["run", str(tmp_path / fmt), "--seed", "1"]) == 0


def test_an_experiment_accepts_a_folder_as_its_scenario():
    from bargaining.experiment.spec import from_dict as experiment
    exp = experiment({"name": "x", "scenario": "harbour",  # a folder, relative to the experiment file
                      "parameters": {"ferry.reservation_value": {"levels": [0.2, 0.4]}}}, base=HARBOUR.parent)
    assert exp.scenario.countries == ("ferry", "fishers", "port")


def test_the_command_line_entry_point_exports(tmp_path):
    out = subprocess.run([sys.executable, "-c", "from bargaining.cli import main; raise SystemExit(main())",
                          "export", "pie-split", "--format", "genius", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pie-split_A.xml", "pie-split_B.xml",
                                                          "pie-split_domain.xml"]
    raw, _ = genius.read(tmp_path)
    assert raw["issues"]["share_A"] == {"kind": "continuous", "bounds": [0.0, 100.0]}
    assert raw["countries"]["A"]["values"]["share_A"] == [[0.0, 0.0], [100.0, 1.0]]


# ------------------------------------------------------------------------------------------ the decision rule


@pytest.mark.parametrize("fmt", ["genius", "geniusweb"])
def test_export_keeps_the_decision_rule_in_a_file_bargaining_reads_back(fmt, tmp_path, capsys):
    """port-expansion passes a package with 5 of 6, PA and CC among them: exported and imported, the same packages
    pass (not the few every party accepts, as by unanimity), and the export says where the rule went."""
    assert main(["show", "port-expansion", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["export", "port-expansion", "--format", fmt, "--out", str(tmp_path)]) == 0
    notes = capsys.readouterr().out
    assert "note: decision rule (at least 5 of 6, with PA and CC): no place in " in notes
    assert "kept in bargaining-rule.toml, which bargaining reads back (other tools: unanimity)" in notes
    assert tomllib.loads((tmp_path / "bargaining-rule.toml").read_text()) == {
        "rule": {"at_least": 5, "veto": ["PA", "CC"]}}
    assert main(["show", str(tmp_path), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["rule"] == before["rule"] == {"at_least": 5, "veto": ["PA", "CC"]}
    assert after["packages"]["zone"] == before["packages"]["zone"] == 22
    assert after["packages"]["zone_unanimity"] == before["packages"]["zone_unanimity"] == 2
    scenario = load_scenario(tmp_path)
    assert "bargaining-rule.toml" in scenario.sources["protocol.rule"]
    (tmp_path / "bargaining-rule.toml").unlink()  # what other tools see: unanimity
    assert load_scenario(tmp_path).rule.unanimous
    assert main(["run", str(tmp_path), "--seed", "1"]) == 0


def test_a_unanimity_export_writes_no_rule_file_and_drops_a_stale_one(tmp_path, capsys):
    assert main(["export", "port-expansion", "--format", "genius", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "bargaining-rule.toml").is_file()
    files, notes = export_files(load_scenario("pie-split").raw, "genius")
    assert "bargaining-rule.toml" not in files and not any("decision rule" in n for n in notes)
    assert main(["export", "port-expansion", "--format", "genius", "--out", str(tmp_path),
                 "--set", "protocol.rule=\"unanimity\""]) == 0
    assert not (tmp_path / "bargaining-rule.toml").exists()
    assert load_scenario(tmp_path).rule.unanimous
    capsys.readouterr()


@pytest.mark.parametrize("text, message", [
    ("rule = { at_least = 5, veto = [\"PA\", \"XX\"] }",
     "rule.veto.1: expected one of ['CC', 'DU', 'EC', 'NA', 'PA', 'SL'] (the folder's parties), found 'XX'"),
    ("rule = { at_least = 9 }", "rule.at_least: expected at most 6 (the folder's parties), found 9"),
    ("rule = { at_least = 0 }", "rule.at_least: expected greater than or equal to 1, found 0"),
    ("rule = \"majority\"", "rule: expected \"unanimity\" or a table { at_least = K, veto = [...] }, found 'majority'"),
    ("rule = { at_least = 5 }\nquota = 3", "quota: unknown key (found 3)"),
    ("at_least = 5", "at_least: unknown key (found 5)"),
    ("rule = {", "not valid TOML"),
])
def test_a_bad_rule_file_is_one_line_naming_it(text, message, tmp_path, capsys):
    assert main(["export", "port-expansion", "--format", "genius", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    (tmp_path / "bargaining-rule.toml").write_text(text)
    assert main(["show", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"error: {tmp_path / 'bargaining-rule.toml'}: {message}")
    assert captured.err.count("\n") == 1
