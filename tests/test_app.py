"""The app's model, controls and charts, without a browser (the browser tests: test_app_browser.py,
test_classroom_browser.py)."""

import math
import os
from importlib import resources

import ipyvuetify
import pytest
import solara

import bargaining
from bargaining.app import ExplorerModel, controls
from bargaining.app.charts import offers_chart, utilities_chart
from bargaining.app.common import shown
from bargaining.classroom.briefs import format_value, on_step, step_of
from bargaining.cli import main


@pytest.mark.parametrize("name", ["nafta-2017", "pie-split"])
def test_every_control_is_a_valid_override(name):
    """Each control's path is an override path, and its default value reproduces the scenario."""
    scenario = bargaining.load_scenario(name)
    values = {c.path: c.value for c in controls(scenario)}
    assert "protocol.deadline_round" in values
    assert all(f"{c}.termination_value" in values for c in scenario.countries)
    if name == "nafta-2017":
        assert {"CA.belief", "MX.belief", "US.strategy.beta", "CA.red_lines.us_content",
                "CA.red_lines.sunset"} <= set(values)
    assert scenario.with_overrides(values).spec == scenario.spec


def test_controls_show_their_values_with_units():
    by_path = {c.path: c for c in controls(bargaining.load_scenario("nafta-2017"))}
    assert by_path["CA.red_lines.us_content"].show(12.34) == "12.3 %"
    assert by_path["US.termination_value"].show(0.12) == "0.12"
    assert by_path["protocol.deadline_round"].show(8) == "8"
    assert by_path["CA.red_lines.sunset"].show("periodic review") == "periodic review"


def test_values_are_shown_at_the_step_their_slider_moves_by():
    space = bargaining.load_scenario("nafta-2017").space
    rvc, de_minimis, digital = (space.issues[space.index(n)] for n in ("auto_rvc", "de_minimis", "digital_trade"))
    assert (step_of(rvc), step_of(de_minimis), step_of(digital)) == (0.5, 10.0, 1.0)
    assert format_value(rvc, 64.88009917) == "64.9 %" and format_value(de_minimis, 50.6) == "US$ 51"
    assert on_step(rvc, 64.88009917) == 65.0 and on_step(rvc, 64.74) == 64.5 and on_step(rvc, 64.75) == 65.0
    assert on_step(de_minimis, 45.0) == 50.0 and on_step(digital, 100.0) == 100.0
    hint = {"auto_rvc": 64.88, "us_content": 0.0, "sunset": "none", "dispute_settlement": "binational panels",
            "procurement": "open", "de_minimis": 50.6, "digital_trade": 99.7, "customs": 100.0}
    assert shown(bargaining.load_scenario("nafta-2017"), hint) == {**hint, "auto_rvc": 65.0, "de_minimis": 50.0,
                                                                    "digital_trade": 100.0}


def test_explorer_model_applies_controls_and_stops_at_its_outcome():
    """Same seed, same overrides: the explorer reaches the outcome bargaining.run reaches, then stops."""
    overrides = {"US.termination_value": 0.05, "protocol.deadline_round": 10}
    model = ExplorerModel("nafta-2017", rng="7", **overrides)
    assert model.deadline_round == 10 and model.preferences.termination[0] == 0.05
    assert not model.threat_credible[0]
    steps = 0
    while model.running:
        model.step()
        steps += 1
        assert steps < 100
    expected = bargaining.run("nafta-2017", overrides=overrides, seed=7)
    assert (model.outcome, model.round) == (expected.outcome, expected.round)
    model.step()  # Step after the outcome changes nothing
    assert model.round == expected.round
    # The charts' history is the run's per-round record.
    rounds = expected.rounds.set_index(["round", "country"])
    for row in model.history:
        assert row[2] == pytest.approx(rounds.loc[(row[0], row[1]), "aspiration"])
        assert row[5] == pytest.approx(rounds.loc[(row[0], row[1]), "auto_rvc"], nan_ok=True)


def test_app_command_refuses_a_bad_port_and_store(capsys, tmp_path):
    assert main(["app", "--port", "70000"]) == 2
    assert capsys.readouterr().err == "error: --port: expected a port number in 1..65535, found 70000\n"
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    assert main(["app", "--db", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"error: --db {bad}: cannot open the class store")


def test_app_command_refuses_a_host_or_port_it_cannot_serve_on(capsys):
    import socket

    assert main(["app", "--host", "999.1.1.1"]) == 2
    assert capsys.readouterr().err.startswith("error: --host 999.1.1.1 --port 8765: cannot serve there: ")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --host 127.0.0.1 --port {port}: cannot serve there: Address already in use")
        assert err.count("\n") == 1


def test_app_turns_solaras_telemetry_and_version_check_off():
    import subprocess
    import sys

    from bargaining.cli.app import QUIET, command

    assert "--no-check-version" in command("127.0.0.1", 8765)
    check = "from solara.server import settings; print(settings.telemetry.mixpanel_enable)"
    out = subprocess.run([sys.executable, "-c", check], env={**os.environ, **QUIET}, capture_output=True, text=True,
                         check=True).stdout
    assert out == "False\n"


def test_rejected_control_values_are_reported_not_raised():
    model = ExplorerModel("nafta-2017", rng=0, **{"protocol.deadline_round": 99})
    assert model.error.startswith("settings not applied: nafta-2017: protocol.horizon_round")
    assert model.deadline_round == 8  # the scenario as calibrated


def test_the_live_charts_hold_the_model_s_offers():
    """One ECharts panel per issue, in natural units or level labels, each country's offers round by round."""
    model = ExplorerModel("nafta-2017", rng=0)
    for _ in range(3):
        model.step()
    option, height = offers_chart(model)
    assert [t["text"] for t in option["title"]][:2] == ["Auto regional value content", "U.S.-specific auto content"]
    assert option["yAxis"][2]["data"] == ["none", "periodic review", "ends after 5 years un…"]
    series = {(s["xAxisIndex"], s["name"]): s["data"] for s in option["series"]}
    expected = bargaining.run("nafta-2017", seed=0).rounds
    us = expected[(expected.country == "US") & (expected["round"] <= 3)]
    assert series[(0, "US")] == [[r, v] for r, v in zip(us["round"], us["auto_rvc"], strict=True)]
    assert all(v in option["yAxis"][2]["data"] for _, v in series[(2, "CA")])
    assert height > 300
    util, _ = utilities_chart(model)
    assert len(util["series"]) == 3 * 3 and all(not (isinstance(v, float) and math.isnan(v))
                                                for s in util["series"] for p in s["data"] for v in p)


@solara.component
def Charts(model):
    for option, height in (offers_chart(model), utilities_chart(model)):
        solara.FigureEcharts(option, attributes={"style": f"height: {height}px"})


def test_the_charts_render_as_echarts_widgets():
    model = ExplorerModel("pie-split", rng=0)
    model.step()
    _, rc = solara.render(Charts(model), handle_error=False)
    from solara.components.echarts import EchartsWidget

    widgets = rc.find(EchartsWidget).widgets
    assert len(widgets) == 2 and widgets[0].option["series"][0]["data"] == [[1, 100.0]]


def test_the_scenario_field_takes_a_file_or_folder_and_reports_a_bad_one(tmp_path):
    """A typed path that loads becomes the scenario; one that does not shows its one-line error and changes nothing."""
    from bargaining.app.explore import ScenarioPicker

    chosen = []
    _, rc = solara.render(ScenarioPicker("nafta-2017", chosen.append), handle_error=False)

    def enter(path):
        field = rc.find(ipyvuetify.TextField, label="or a .toml file, Genius or GeniusWeb folder").widget
        field.v_model = str(path)
        field.fire_event("keyup.enter", None)

    enter(tmp_path / "missing.toml")
    assert chosen == []
    assert "missing.toml: no such scenario file" in rc.find(ipyvuetify.Alert).widget.children[0]
    toml = tmp_path / "mine.toml"
    toml.write_text((resources.files("bargaining.scenarios") / "pie-split.toml").read_text())
    enter(toml)
    assert chosen == [str(toml)]
