"""Score sheets in raw points (docs/formats.md, "Score sheets"): the derived weights, value tables and reservation
value; a package's utility is its total points moved and scaled to [0, 1], at the reservation value exactly at the
threshold; bad sheets are one line; a sheet survives overrides and export."""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bargaining.cli import main
from bargaining.scenario import ScenarioError, from_dict, load_scenario

#: A six-party, five-issue sheet game in the shape of Harborco (points out of 100, a threshold each, at least 5
#: of 6 with two vetoes); the numbers are made up for the tests.
OPTIONS = {"industry": ["clean", "mixed", "dirty"], "ecology": ["harm", "maintain", "improve"],
           "jobs": ["none", "some", "union"], "loan": ["0", "1", "2", "3"], "compensation": ["none", "some", "full"]}
SHEETS = {  # party -> (threshold, points per issue in the order of OPTIONS)
    "H": (53, [[0, 14, 35], [18, 10, 0], [25, 20, 0], [0, 5, 10, 20], [10, 5, 0]]),
    "U": (50, [[10, 20, 30], [0, 0, 0], [0, 30, 50], [0, 5, 10, 10], [10, 10, 0]]),
    "E": (40, [[40, 25, 0], [0, 30, 60], [0, 0, 0], [0, 0, 0, 0], [0, 0, 0]]),
    "G": (65, [[25, 25, 25], [0, 5, 10], [0, 10, 20], [-10, 5, 15, 25], [0, 10, 20]]),
    "P": (45, [[0, 10, 20], [10, 10, 10], [5, 20, 10], [25, 15, 5, 0], [45, 20, 0]]),
    "O": (30, [[0, 10, 20], [15, 10, 5], [10, 20, 30], [0, 10, 20, 30], [0, 5, 20]]),
}


def sheet_scenario(sheets=SHEETS, options=OPTIONS, rule=None) -> dict:
    countries = {code: {"score_sheet": {"threshold": threshold, "points": {
        issue: dict(zip(opts, row, strict=True)) for (issue, opts), row in zip(options.items(), points, strict=True)}}}
        for code, (threshold, points) in sheets.items()}
    return {"name": "sheets", "protocol": {"deadline_round": 10, "no_deal": "termination",
                                           **({"rule": rule} if rule else {})},
            "issues": {issue: {"kind": "categorical", "options": opts} for issue, opts in options.items()},
            "countries": countries}


def totals(raw: dict, code: str):
    """Every package of a categorical scenario (option labels) and its total points on ``code``'s sheet."""
    options = {name: issue["options"] for name, issue in raw["issues"].items()}
    points = raw["countries"][code]["score_sheet"]["points"]
    for labels in itertools.product(*options.values()):
        package = dict(zip(options, labels, strict=True))
        yield package, sum(points[issue][label] for issue, label in package.items())


def test_weights_values_and_reservation_follow_the_recipe():
    s = from_dict(sheet_scenario())
    h = s.spec.countries["H"]
    assert h.weights == pytest.approx({"industry": 35 / 108, "ecology": 18 / 108, "jobs": 25 / 108,
                                       "loan": 20 / 108, "compensation": 10 / 108})
    assert h.values["industry"] == pytest.approx({"clean": 0, "mixed": 14 / 35, "dirty": 1})
    assert h.reservation_value == pytest.approx(53 / 108)
    g = s.spec.countries["G"]  # negative points on loan: the floor -10 moves every total up by 10
    assert g.weights["loan"] == pytest.approx(35 / 110) and g.weights["industry"] == pytest.approx(25 / 110)
    assert g.values["loan"] == pytest.approx({"0": 0, "1": 15 / 35, "2": 25 / 35, "3": 1})
    assert g.values["industry"] == {"clean": 1, "mixed": 1, "dirty": 1}  # 25 points whatever the option
    assert g.reservation_value == pytest.approx((65 + 10) / 110)
    e = s.spec.countries["E"]  # an issue it does not care about: 0 on every option, weight 0
    assert e.weights["jobs"] == 0 and e.values["jobs"] == {"none": 0, "some": 0, "union": 0}


def test_utility_is_total_points_over_the_best_total_and_the_threshold_is_the_reservation_value():
    raw = sheet_scenario()
    s = from_dict(raw)
    for row, code in enumerate(s.countries):
        packages, points = zip(*totals(raw, code), strict=True)
        utility = s.preferences.utility(np.array([s.space.normalise(p) for p in packages]))[:, row]
        threshold, sheet = SHEETS[code]
        floor = sum(min(0, *p) for p in sheet)
        span = sum(max(p) - min(0, *p) for p in sheet)
        np.testing.assert_allclose(utility, (np.array(points) - floor) / span, atol=1e-12)
        assert ((utility >= s.initial_walk_away[row] - 1e-12) == (np.array(points) >= threshold)).all()


def test_show_counts_the_packages_that_pass_the_rule_on_the_sheets(capsys, tmp_path):
    """``show --json``'s zone counts are the sheets': packages at least 5 of 6 (H and U among them) score at their
    threshold, and packages all six do."""
    raw = sheet_scenario(rule={"at_least": 5, "veto": ["H", "U"]})
    s = from_dict(raw)
    scored = {code: [total >= SHEETS[code][0] for _, total in totals(raw, code)] for code in s.countries}
    yes = np.array([scored[c] for c in s.countries]).T
    passing = int(s.rule.passes(yes).sum())
    assert 0 < int(yes.all(axis=1).sum()) < passing  # the rule matters here
    path = _write(raw, tmp_path)
    assert main(["show", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["packages"] == {"total": 3 * 3 * 3 * 4 * 3, "passing": 324, "zone": passing,
                                "zone_unanimity": int(yes.all(axis=1).sum())}
    assert info["countries"]["H"]["score_sheet"]["threshold"] == 53


def _write(raw: dict, folder: Path) -> Path:
    path = folder / "sheets.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


# ------------------------------------------------------------------------------------------ generated sheets

@st.composite
def sheet_games(draw):
    """2-3 parties, 1-3 categorical issues of 2-4 options, integer points in [-20, 40] (often 0 on a whole issue),
    a threshold anywhere from below the worst total to the best."""
    issues = {f"i{k}": [f"o{j}" for j in range(draw(st.integers(2, 4)))] for k in range(draw(st.integers(1, 3)))}
    sheets = {}
    for code in ("A", "B", "C")[:draw(st.integers(2, 3))]:
        rows = [draw(st.one_of(st.just([0] * len(o)),
                               st.lists(st.integers(-20, 40), min_size=len(o), max_size=len(o))))
                for o in issues.values()]
        if all(len(set(r)) == 1 for r in rows):
            rows[0] = [0] * (len(rows[0]) - 1) + [draw(st.integers(1, 40))]  # points that differ somewhere
        best, worst = sum(max(r) for r in rows), sum(min(r) for r in rows)
        sheets[code] = (draw(st.integers(worst - 5, best)), rows)
    return sheet_scenario(sheets, issues)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet_games())
def test_any_sheet_scores_every_package_by_its_points(raw):
    s = from_dict(raw)
    for row, code in enumerate(s.countries):
        c = s.spec.countries[code]
        assert sum(c.weights.values()) == pytest.approx(1.0)
        assert 0 <= c.reservation_value <= 1 + 1e-12
        packages, points = zip(*totals(raw, code), strict=True)
        utility = s.preferences.utility(np.array([s.space.normalise(p) for p in packages]))[:, row]
        points = np.array(points, dtype=float)
        # an affine image of the points: same order, same differences scaled by one positive number
        low, high = points.min(), points.max()
        np.testing.assert_allclose(utility[points == high], utility.max(), atol=1e-12)
        if high > low:
            scale = (utility.max() - utility.min()) / (high - low)
            np.testing.assert_allclose(utility - utility.min(), scale * (points - low), atol=1e-9)
        threshold = raw["countries"][code]["score_sheet"]["threshold"]
        accepts = utility >= s.initial_walk_away[row] - 1e-9
        assert (accepts == (points >= threshold - 1e-9)).all()


BAD = [
    ("an issue without points", lambda r: r["countries"]["H"]["score_sheet"]["points"].pop("jobs"),
     "countries.H.score_sheet.points.jobs: required but missing (an issue H does not care about: 0 points on every "
     "option)"),
    ("an unknown issue", lambda r: r["countries"]["H"]["score_sheet"]["points"].update(port={"a": 1}),
     "countries.H.score_sheet.points.port: unknown issue; expected one of ['compensation', 'ecology', 'industry', "
     "'jobs', 'loan']"),
    ("an option without points", lambda r: r["countries"]["U"]["score_sheet"]["points"]["loan"].pop("2"),
     "countries.U.score_sheet.points.loan: expected a value for every option of loan, found none for '2'"),
    ("an unknown option", lambda r: r["countries"]["U"]["score_sheet"]["points"]["loan"].update({"9": 3}),
     "countries.U.score_sheet.points.loan.9: unknown option; expected one of ['0', '1', '2', '3']"),
    ("a threshold above the best total", lambda r: r["countries"]["H"]["score_sheet"].update(threshold=120),
     "countries.H.score_sheet.threshold: expected at most 108 points (the best total of the sheet), found 120"),
    ("the same points everywhere", lambda r: r["countries"]["E"]["score_sheet"].update(
        points={i: dict.fromkeys(o, 5) for i, o in OPTIONS.items()}),
     "countries.E.score_sheet.points: expected points that differ between options on at least one issue, found "
     "the same points everywhere"),
    ("weights beside the sheet", lambda r: r["countries"]["H"].update(weights={"industry": 1.0}),
     "countries.H: expected no weights beside a score_sheet (its points give the weights and values, its threshold "
     "the reservation value), found both"),
    ("a reservation value beside a threshold", lambda r: r["countries"]["H"].update(reservation_value=0.5),
     "countries.H: expected no reservation_value beside a score_sheet (its points give the weights and values, its "
     "threshold the reservation value), found both"),
    ("points that are not numbers", lambda r: r["countries"]["H"]["score_sheet"]["points"]["jobs"].update(some="x"),
     "countries.H.score_sheet.points.jobs.some: expected a valid number, found 'x'"),
    ("an empty table", lambda r: r["countries"]["H"]["score_sheet"]["points"].update(jobs={}),
     "countries.H.score_sheet.points.jobs: expected a value for every option of jobs, found none for 'none'"),
    ("totals beyond floating point", lambda r: r["countries"]["H"]["score_sheet"]["points"].update(
        jobs={"none": 0, "some": 1.7e308, "union": 0}, loan={"0": 0, "1": 1.7e308, "2": 0, "3": 0}),
     "countries.H.score_sheet.points: expected points whose totals are finite numbers, found totals beyond "
     "1.8e308"),
    ("a threshold with a threatener", lambda r: r.update(threat={"country": "H"}),
     "countries.H.score_sheet.threshold: expected none: with a threatener (H) walk-away values come from the "
     "threat (termination_value, belief), found 0.49074074074074076"),
    ("no weights and no sheet", lambda r: r["countries"].update(E={"reservation_value": 0.3}),
     "countries.E.weights: required but missing (or give a score_sheet)"),
]


@pytest.mark.parametrize("label, edit, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_sheet_is_one_clear_line_and_exit_2(capsys, tmp_path, label, edit, message):
    raw = sheet_scenario()
    edit(raw)
    with pytest.raises(ScenarioError) as err:
        from_dict(raw, "case.toml")
    assert str(err.value) == f"case.toml: {message}"
    path = _write(raw, tmp_path)
    assert main(["show", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"error: {path}: {message}\n"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(SHEETS)), st.sampled_from(list(OPTIONS)),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3), st.booleans(), st.none()))
def test_any_point_either_loads_or_names_its_key(code, issue, point):
    """Any value written as one option's points: a finite number loads (and scores by it), anything else is one
    line naming that option's key."""
    raw = sheet_scenario()
    option = OPTIONS[issue][0]
    raw["countries"][code]["score_sheet"]["points"][issue][option] = point
    raw["countries"][code]["score_sheet"]["threshold"] = -1000  # reachable whatever the points
    finite = isinstance(point, int | float) and not isinstance(point, bool) and np.isfinite(point)
    if finite and abs(point) < 1e12:
        s = from_dict(raw)
        assert sum(s.spec.countries[code].weights.values()) == pytest.approx(1.0)
        return
    if finite:
        return  # huge points load too; their sums are only as exact as floating point
    with pytest.raises(ScenarioError) as err:
        from_dict(raw, "case.toml")
    assert str(err.value).startswith(f"case.toml: countries.{code}.score_sheet.points.{issue}")
    assert "\n" not in str(err.value)


def test_overrides_reach_the_sheet(tmp_path):
    path = _write(sheet_scenario(), tmp_path)
    s = load_scenario(path, ["H.score_sheet.threshold=80", "H.score_sheet.points.industry.clean=35"])
    h = s.spec.countries["H"]
    assert h.reservation_value == pytest.approx(80 / 108)
    assert h.values["industry"]["clean"] == 1.0
    with pytest.raises(ScenarioError, match="'points', 'threshold'"):
        load_scenario(path, ["H.score_sheet.bonus=3"])


@pytest.mark.parametrize("fmt", ["genius", "geniusweb", "toml"])
def test_a_sheet_exports_as_its_weights_tables_and_reservation_value(fmt, tmp_path, capsys):
    path = _write(sheet_scenario(rule={"at_least": 5, "veto": ["H", "U"]}), tmp_path)
    assert main(["export", str(path), "--format", fmt, "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    back = tmp_path / "out" / "sheets.toml" if fmt == "toml" else tmp_path / "out"
    if fmt == "toml":
        assert "score_sheet" in tomllib.loads(back.read_text())["countries"]["H"]
    shown = []
    for where in (path, back):
        assert main(["show", str(where), "--json"]) == 0
        shown.append(json.loads(capsys.readouterr().out))
    first, second = shown
    assert second["rule"] == first["rule"] == {"at_least": 5, "veto": ["H", "U"]}
    if fmt != "geniusweb":  # GeniusWeb keeps a reservation bid, not a value
        assert second["packages"] == first["packages"]
    for code in SHEETS:
        assert second["countries"][code]["weights"] == pytest.approx(first["countries"][code]["weights"])


def test_a_continuous_issue_is_scored_by_points_at_values(tmp_path, capsys):
    """Points ``[[x, points], ...]`` on a continuous issue: linear in between, as value tables are."""
    raw = sheet_scenario()
    raw["issues"]["jobs"] = {"kind": "continuous", "bounds": [0.0, 4000.0]}
    for code in SHEETS:
        raw["countries"][code]["score_sheet"]["points"]["jobs"] = [[0.0, 25.0], [4000.0, 0.0]]
    raw["countries"]["U"]["score_sheet"]["points"]["jobs"] = [[0.0, -20.0], [1000.0, 30.0], [4000.0, 50.0]]
    s = from_dict(raw)
    u = s.spec.countries["U"]
    assert u.values["jobs"] == [[0.0, 0.0], [1000.0, 50 / 70], [4000.0, 1.0]]
    # spans: industry 30, ecology 0, jobs 70 (floor -20), loan 10, compensation 10; threshold 50
    assert u.weights["jobs"] == pytest.approx(70 / 120) and u.reservation_value == pytest.approx((50 + 20) / 120)
    row = s.countries.index("U")
    package = {"industry": "dirty", "ecology": "harm", "loan": "2", "compensation": "none", "jobs": 2500.0}
    total = 30 + 0 + 10 + 10 + (30 + 20 * 1500 / 3000)
    assert s.preferences.utility(s.space.normalise(package))[row] == pytest.approx((total + 20) / 120)
    raw["countries"]["U"]["score_sheet"]["points"]["jobs"][2][0] = 5000.0
    with pytest.raises(ScenarioError, match=r"^c: countries\.U\.score_sheet\.points\.jobs\.2: expected x within "
                                            r"\[0, 4000\], found 5000\.0$"):
        from_dict(raw, "c")
    path = _write(sheet_scenario(), tmp_path)
    assert main(["show", str(path)]) == 0
    assert "score sheet: threshold 53 of 108 points at best" in capsys.readouterr().out
