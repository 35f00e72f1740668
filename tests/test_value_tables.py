"""Any negotiation's file format: categorical issues, value tables, option red lines, reservation values, discount
factors and decision rules; what the engine makes of them; and one clear line for each kind of bad input."""

import itertools
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining.cli import main
from bargaining.preferences import piecewise
from bargaining.scenario import ScenarioError, from_dict

HERE = Path(__file__).parent / "scenarios"
TABLES = HERE / "value_tables.toml"
QUOTA = HERE / "quota_veto.toml"


@pytest.fixture(scope="module")
def tables():
    return bargaining.load_scenario(TABLES)


def raw(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def test_value_tables_are_normalised_by_their_largest_value(tables):
    prefs, space = tables.preferences, tables.space
    package = {"site": "station", "height": "8 floors", "social_housing": 25.0, "green_roof": "no"}
    values = prefs.values(space.normalise(package))
    c, d, r = (tables.countries.index(code) for code in "CDR")
    np.testing.assert_allclose(values[c], [8 / 10, 10 / 10, 0.8 + 0.5 * 0.2, 0.0])  # C: ideal yes only: no = 0
    np.testing.assert_allclose(values[d], [7 / 10, 7 / 10, 0.7 - 10 / 25 * 0.7, 1.0])
    np.testing.assert_allclose(values[r][[0, 1, 3]], [10 / 10, 3 / 10, 0.0])
    assert values[r][2] == pytest.approx(1 - 15 / 40)  # single-peaked, linear, ideal 40 %
    utility = prefs.utility(space.normalise(package))
    assert utility[c] == pytest.approx(0.3 * 0.8 + 0.2 * 1.0 + 0.4 * 0.9 + 0.1 * 0.0)


def test_piecewise_values_are_flat_beyond_their_end_points(tables):
    prefs, space = tables.preferences, tables.space
    c = tables.countries.index("C")
    for housing, expected in [(0.0, 0.0), (10.0, 0.4), (30.0, 1.0), (35.0, 1.0), (40.0, 1.0)]:
        x = space.normalise({"site": "station", "height": "8 floors", "social_housing": housing, "green_roof": "yes"})
        assert prefs.values(x)[c, 2] == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6).map(lambda n: n / 10**6), st.floats(0, 1)), min_size=2, max_size=6,
                unique_by=lambda p: p[0]),
       st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=20))
def test_piecewise_is_numpys_interp(points, xs):  # (breakpoints closer than 1e-15 make a step; here >= 1e-6)
    points = sorted(points)
    px, pv = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    padded = lambda a: np.concatenate([a, [a[-1]]])  # noqa: E731  (a shorter table repeats its last point)
    np.testing.assert_allclose(piecewise(np.array(xs), padded(px), padded(pv)), np.interp(xs, px, pv), atol=1e-12)


def test_ideal_is_the_best_option_and_red_lines_exclude_options(tables):
    prefs, space = tables.preferences, tables.space
    ideal = space.natural(prefs.ideal[tables.countries.index("C")])
    assert ideal["site"] == "old mill" and ideal["height"] == "8 floors" and ideal["social_housing"] == 30.0
    base = {"site": "station", "height": "8 floors", "social_housing": 20.0, "green_roof": "yes"}
    within = lambda **change: prefs.within_red_lines(space.normalise({**base, **change})).tolist()  # noqa: E731
    assert within() == [True, True, True]
    assert within(site="park edge") == [False, True, True]  # C: ["park edge"]
    assert within(height="12 floors") == [True, True, False]  # R: ["12 floors"]
    assert within(height="3 floors") == [True, False, True]  # D: a bound, "5 floors" and up
    excess = prefs.red_line_excess(space.normalise({**base, "site": "park edge"}))
    assert excess[0].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_reservation_values_are_the_walk_away_values_and_what_no_deal_gives(tables):
    np.testing.assert_allclose(tables.initial_walk_away, [0.35, 0.3, 0.4])
    assert tables.space.status_quo is None and np.isnan(tables.status_quo_utility).all()
    stuck = tables.with_overrides({f"{c}.reservation_value": 1.0 for c in "CDR"})
    result = bargaining.run(stuck, seed=0, record=False)
    assert result.outcome == "stalemate" and result.utilities == {"C": 1.0, "D": 1.0, "R": 1.0}


def test_show_json_reports_the_new_keys_only_where_used(tables, capsys):
    assert main(["show", str(TABLES), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    site = next(i for i in info["issues"] if i["name"] == "site")
    assert site == {"name": "site", "label": "", "kind": "categorical", "unit": "",
                    "options": ["riverside", "old mill", "station", "park edge"], "status_quo": None}
    c = info["countries"]["C"]
    assert c["reservation_value"] == 0.35 and c["discount"] == 0.95 and c["termination_value"] is None
    assert c["values"]["site"]["old mill"] == 10 and c["ideal"]["site"] == "old mill"
    assert "discount" not in info["countries"]["R"] and c["status_quo_utility"] is None
    assert "rule" not in info and info["zopa"] and set(info["nash"]) == {"package", "utilities"}
    assert main(["show", str(QUOTA), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == {"at_least": 5, "veto": ["P", "U"]}


def test_show_text_names_the_rule_and_the_solutions(capsys):
    assert main(["show", str(QUOTA)]) == 0
    out = capsys.readouterr().out
    assert "Decision rule: at least 5 of 6, with P and U; a package that passes binds every country." in out
    assert "Nash: industry=" in out and "Maximum welfare: " in out and "not none" in out


def test_overrides_reach_value_tables_and_the_rule():
    s = bargaining.load_scenario(QUOTA, ["E.values.industry.light=9", "protocol.rule.at_least=4"])
    assert s.spec.countries["E"].values["industry"]["light"] == 9
    assert s.rule.at_least == 4 and [s.countries[v] for v in s.rule.veto] == ["P", "U"]
    t = bargaining.load_scenario(TABLES, ["protocol.rule.at_least=2", "protocol.rule.veto=['C']"])
    assert (t.rule.at_least, t.rule.veto) == (2, (0,))


# ------------------------------------------------------------------------------------------ bad input

def _with(path: Path, edit) -> dict:
    data = raw(path)
    edit(data)
    return data


def _set(tree: dict, dotted: str, value) -> None:
    *keys, last = dotted.split(".")
    for key in keys:
        tree = tree.setdefault(key, {})
    tree[last] = value


def _drop(tree: dict, dotted: str) -> None:
    *keys, last = dotted.split(".")
    for key in keys:
        tree = tree[key]
    del tree[last]


BAD = [
    ("value table missing an option", TABLES, lambda d: _drop(d, "countries.C.values.site.station"),
     "countries.C.values.site: expected a value for every option of site, found none for 'station'"),
    ("unknown option in a value table", TABLES, lambda d: _set(d, "countries.C.values.site.harbour", 3),
     "countries.C.values.site.harbour: unknown option; expected one of ['riverside', 'old mill', 'station', "
     "'park edge']"),
    ("negative evaluation", TABLES, lambda d: _set(d, "countries.D.values.height.3 floors", -1),
     "countries.D.values.height.3 floors: expected a value >= 0, found -1.0"),
    ("every evaluation 0", TABLES, lambda d: _set(d, "countries.R.values.green_roof", {"no": 0, "yes": 0}),
     "countries.R.values.green_roof: expected at least one value > 0 at weight 0.1 (an issue R does not care "
     "about is written all 0 at weight 0), found all 0"),
    ("negative weight", TABLES, lambda d: _set(d, "countries.C.weights.site", -0.3),
     "countries.C.weights: weight of 'site': expected >= 0, found -0.3"),
    ("points not increasing", TABLES, lambda d: _set(d, "countries.C.values.social_housing", [[20, 1], [10, 0]]),
     "countries.C.values.social_housing: expected x strictly increasing, found [20.0, 10.0]"),
    ("point beyond the bounds", TABLES, lambda d: _set(d, "countries.C.values.social_housing", [[0, 0], [50, 1]]),
     "countries.C.values.social_housing.1: expected x within [0, 40], found 50.0"),
    ("table on a continuous issue", TABLES, lambda d: _set(d, "countries.C.values.social_housing", {"a": 1}),
     "countries.C.values.social_housing: expected points [[x, value], ...] with x in [0, 40], found {'a': 1.0}"),
    ("neither values nor ideal", TABLES, lambda d: _drop(d, "countries.C.values.height"),
     "countries.C.ideal.height: required but missing (or give values.height)"),
    ("quota larger than the table", QUOTA, lambda d: _set(d, "protocol.rule.at_least", 7),
     "protocol.rule.at_least: expected at most 6 (the number of countries), found 7"),
    ("unknown veto party", QUOTA, lambda d: _set(d, "protocol.rule.veto", ["P", "X"]),
     "protocol.rule.veto.1: expected one of ['E', 'F', 'G', 'P', 'T', 'U'], found 'X'"),
    ("rule neither unanimity nor a quota", QUOTA, lambda d: _set(d, "protocol.rule", "majority"),
     "protocol.rule: expected \"unanimity\" or a table { at_least = K, veto = [...] }, found 'majority'"),
    ("a bound on a categorical issue", TABLES, lambda d: _set(d, "countries.C.red_lines.site", "station"),
     "countries.C.red_lines.site: expected a list of unacceptable options (a categorical issue has no order), "
     "found 'station'"),
    ("excluding the ideal", TABLES, lambda d: _set(d, "countries.C.red_lines.site", ["old mill"]),
     "countries.C.red_lines.site: expected unacceptable options other than its ideal 'old mill', found "
     "['old mill']"),
    ("options on a continuous issue", TABLES, lambda d: _set(d, "countries.C.red_lines.social_housing", ["a"]),
     "countries.C.red_lines.social_housing: expected a bound (a number) on a continuous issue, found ['a']"),
    ("an ideal that is not the best", TABLES, lambda d: _set(d, "countries.C.ideal.site", "station"),
     "countries.C.ideal.site: expected a best option or point of values.site (or no ideal: the table's best is "
     "the ideal), found 'station'"),
    ("both walk-away values", TABLES, lambda d: _set(d, "countries.C.termination_value", 0.2),
     "countries.C.reservation_value: expected either termination_value or reservation_value, found both (0.2 "
     "and 0.35)"),
    ("no walk-away value", TABLES, lambda d: _drop(d, "countries.C.reservation_value"),
     "countries.C.termination_value: required but missing (or, without a threatener, give reservation_value)"),
    ("reservation value with a threatener", TABLES, lambda d: _set(d, "threat.country", "C"),
     "countries.C.reservation_value: expected none: with a threatener (C) walk-away values come from the threat "
     "(termination_value, belief), found 0.35"),
    ("status quo missing where no deal keeps it", TABLES,
     lambda d: (_drop(d, "countries.R.reservation_value"), _set(d, "countries.R.termination_value", 0.2)),
     "issues.site.status_quo: required but missing: no deal leaves R the status quo (protocol.no_deal); give a "
     "reservation_value or set protocol.no_deal = \"termination\" otherwise"),
    ("categorical issue with levels", TABLES, lambda d: _set(d, "issues.site.levels", ["a", "b"]),
     "issues.site: a categorical issue has options, not levels (found levels = ['a', 'b'])"),
    ("one option", TABLES, lambda d: _set(d, "issues.green_roof.options", ["yes"]),
     "issues.green_roof: a categorical issue needs at least two distinct options, found ['yes']"),
]


@pytest.mark.parametrize("label, path, edit, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path, capsys, label, path, edit, message):
    data = _with(path, edit)
    with pytest.raises(ScenarioError) as err:
        from_dict(data, "case.toml")
    assert str(err.value) == f"case.toml: {message}"
    bad = tmp_path / "bad.toml"
    bad.write_text(tomli_w.dumps(data))
    assert main(["show", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"error: {bad}: {message}\n"


def test_status_quo_is_optional_when_no_deal_means_termination():
    data = _with(TABLES, lambda d: (_drop(d, "countries.R.reservation_value"),
                                    _set(d, "countries.R.termination_value", 0.2),
                                    _set(d, "protocol.no_deal", "termination")))
    s = from_dict(data)
    np.testing.assert_allclose(s.initial_walk_away, [0.35, 0.3, 0.2])


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["riverside", "old mill", "station", "park edge"]),
                       st.floats(-5, 10, allow_nan=False), min_size=4))
def test_any_site_table_loads_or_names_its_first_fault(table):
    data = _with(TABLES, lambda d: _set(d, "countries.D.values.site", table))
    negative = [option for option in ["riverside", "old mill", "station", "park edge"] if table[option] < 0]
    if negative:
        with pytest.raises(ScenarioError, match=rf"countries\.D\.values\.site\.{negative[0]}: expected a value >= 0"):
            from_dict(data)
    elif max(table.values()) <= 0:
        with pytest.raises(ScenarioError, match=r"expected at least one value > 0"):
            from_dict(data)
    else:
        s = from_dict(data)
        d = s.countries.index("D")
        best = max(table.values())
        for option, v in table.items():
            x = s.space.normalise({"site": option, "height": "8 floors", "social_housing": 0.0, "green_roof": "no"})
            assert s.preferences.values(x)[d, 0] == pytest.approx(v / best)


# ------------------------------------------------------------------------------------------ an issue not cared about

@pytest.mark.parametrize("weights", [
    {"site": 0.45, "height": 0.35, "social_housing": 0.2, "green_roof": 0.0},
    {"site": 0.45, "height": 0.35, "social_housing": 0.2},  # left out: weight 0
])
def test_an_issue_a_country_does_not_care_about_is_all_zero_at_weight_0(weights):
    data = _with(TABLES, lambda d: (_set(d, "countries.R.values.green_roof", {"no": 0, "yes": 0}),
                                    _set(d, "countries.R.weights", weights)))
    s = from_dict(data)
    r = s.countries.index("R")
    packages = np.array([s.space.normalise({"site": "station", "height": "5 floors", "social_housing": 10.0,
                                            "green_roof": roof}) for roof in ("no", "yes")])
    u = s.preferences.utility(packages)
    assert u[0, r] == u[1, r] == pytest.approx(0.45 * 1.0 + 0.35 * 0.8 + 0.2 * np.interp(10.0, [0, 40], [0, 1]))
    assert u[0, 0] != u[1, 0]  # the others still care
    assert s.spec.countries["R"].values["green_roof"] == {"no": 0, "yes": 0}
    assert bargaining.run(s, seed=3).outcome is not None


# ------------------------------------------------------------------------------------------ packages that pass

def brute_force_counts(s) -> dict:
    """``show --json``'s ``packages`` counted package by package: the rule's winning coalitions within their red
    lines; with every member at or above its walk-away value; every country accepting."""
    space, prefs = s.space, s.preferences
    packages = np.array(list(itertools.product(*(space.positions(k) for k in range(len(space))))))
    within = np.array([prefs.within_red_lines(p) for p in packages])
    accept = within & (prefs.utility(packages) >= s.initial_walk_away - 1e-12)
    return {"total": len(packages), "passing": int(s.rule.passes(within).sum()),
            "zone": int(s.rule.passes(accept).sum()), "zone_unanimity": int(accept.all(axis=1).sum())}


@pytest.mark.parametrize("overrides", [[], ["protocol.rule.at_least=4"], ["protocol.rule=\"unanimity\""],
                                       ["U.reservation_value=0.7", "E.reservation_value=0.2"]])
def test_show_counts_the_packages_that_pass_the_rule(overrides, capsys):
    s = bargaining.load_scenario(QUOTA, overrides)
    expected = brute_force_counts(s)
    assert expected["zone"] > 0
    args = ["show", str(QUOTA), *(x for o in overrides for x in ("--set", o))]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["packages"] == expected
    assert main(args) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Packages: "))
    assert line.startswith(f"Packages: {expected['total']:,}; {expected['passing']:,} pass the rule within the red "
                           f"lines, {expected['zone']:,} in the zone of agreement")
    assert (f"{expected['zone_unanimity']:,} every country accepts" in line) == (not s.rule.unanimous)


def test_show_counts_no_packages_of_a_space_with_a_continuous_issue(capsys):
    assert main(["show", str(TABLES), "--json"]) == 0
    assert "packages" not in json.loads(capsys.readouterr().out)
