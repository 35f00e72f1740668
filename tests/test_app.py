"""The app's model and controls, without a browser (the browser test is test_app_browser.py)."""

import os

import ipywidgets
import pytest
import solara

import bargaining
from bargaining.app import ExplorerModel, OffersPlot, UtilitiesPlot, controls
from bargaining.cli import main


@pytest.mark.parametrize("name", ["nafta-2017", "pie-split"])
def test_every_control_is_a_valid_override(name):
    """Each slider's key is an override path, and its default value reproduces the scenario."""
    scenario = bargaining.load_scenario(name)
    params = controls(scenario)
    sliders = {k: v["value"] for k, v in params.items() if isinstance(v, dict) and k != "rng"}
    assert "protocol.deadline_round" in sliders
    assert all(f"{c}.termination_value" in sliders for c in scenario.countries)
    if name == "nafta-2017":
        assert {"CA.belief", "MX.belief", "US.strategy.beta", "CA.red_lines.us_content",
                "CA.red_lines.sunset"} <= set(sliders)
    overridden = scenario.with_overrides(sliders)
    assert overridden.spec == scenario.spec


def test_explorer_model_applies_sliders_and_stops_at_its_outcome():
    """Same seed, same overrides: the explorer reaches the outcome bargaining.run reaches, then stops."""
    overrides = {"US.termination_value": 0.05, "protocol.deadline_round": 10}
    model = ExplorerModel("nafta-2017", rng="7", **overrides)
    assert model.deadline_round == 10 and model.preferences.termination[0] == 0.05
    assert not model.threat_credible
    steps = 0
    while model.running:
        model.step()
        steps += 1
        assert steps < 100
    expected = bargaining.run("nafta-2017", overrides=overrides, seed=7, record=False)
    assert (model.outcome, model.round) == (expected.outcome, expected.round)
    model.step()  # Step after the outcome changes nothing
    assert model.round == expected.round


def test_app_command_refuses_a_bad_port(capsys):
    assert main(["app", "--port", "70000"]) == 2
    assert capsys.readouterr().err == "error: --port: expected a port number in 1..65535, found 70000\n"


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

    from bargaining.app_cli import QUIET, command

    assert "--no-check-version" in command("127.0.0.1", 8765)
    check = "from solara.server import settings; print(settings.telemetry.mixpanel_enable)"
    out = subprocess.run([sys.executable, "-c", check], env={**os.environ, **QUIET}, capture_output=True, text=True,
                         check=True).stdout
    assert out == "False\n"


def test_rejected_slider_values_are_reported_not_raised():
    model = ExplorerModel("nafta-2017", rng=0, **{"protocol.deadline_round": 99})
    assert model.error.startswith("settings not applied: nafta-2017: protocol.horizon_round")
    assert model.deadline_round == 8  # the scenario as calibrated


@solara.component
def LivePlots(model):
    OffersPlot(model)
    UtilitiesPlot(model)


def test_live_plots_render_as_png_images():
    """The explorer's live plots (matplotlib Figures, no pyplot) render through solara.FigureMatplotlib."""
    model = ExplorerModel("nafta-2017", rng=0)
    model.step()
    _, rc = solara.render(LivePlots(model), handle_error=False)
    images = rc.find(ipywidgets.Image).widgets
    assert [image.format for image in images] == ["png", "png"]
    assert all(bytes(image.value[:4]) == b"\x89PNG" and len(image.value) > 10_000 for image in images)
