"""Interactive explorer on Mesa's SolaraViz, and the classroom seat in the browser.

    bargaining app [--port 8765]      # serves both pages on http://127.0.0.1:8765
    solara run bargaining.app          # the same, through solara directly

Two pages:

* **Explore**: pick a scenario; sliders for the main parameters (each country's termination value,
  the partners' belief that the threat is real, the deadline, each strategy's beta, each red line) are
  applied as scenario overrides when you press Reset; Step / Play advance the rounds; live matplotlib
  plots show each country's offers per issue and its aspiration, walk-away value and offers' utility.
* **Classroom**: take one country's seat (``bargaining.classroom``): build a package with the issue
  controls, table it, accept or reject the others' packages, and get scored at the end.
"""

from __future__ import annotations

import html
import re
from typing import Any

import solara
from mesa.visualization import SolaraViz

from . import classroom
from . import teaching_plots as tp
from .model import NegotiationModel
from .scenario import Scenario, ScenarioError, bundled, load_scenario

DEFAULT_SCENARIO = "nafta-2017"


class ExplorerModel(NegotiationModel):
    """A NegotiationModel built from a scenario name and slider values (dotted-path overrides).

    SolaraViz rebuilds the model with keyword arguments on Reset, so every slider is a keyword whose
    name is its override path (``US.termination_value``). The model stops (``running = False``) at its
    outcome, which greys out Step and Play.

    Args:
        scenario_name: Bundled scenario name or path to a TOML file.
        rng: Seed.
        scenario: Ignored (Mesa's own experiment scenario, which SolaraViz passes on Reset).
        **overrides: Override path -> value.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng: Any = 0, scenario: Any = None,
                 **overrides: Any):
        self.error: str | None = None
        try:
            case = load_scenario(scenario_name, {k: v for k, v in overrides.items() if v is not None})
        except ScenarioError as exc:  # a combination of slider values the scenario rejects
            self.error = f"settings not applied: {exc}"
            case = load_scenario(scenario_name)
        super().__init__(case, rng=_seed(rng), record=True)

    def step(self) -> None:
        if self.outcome is None:  # NegotiationModel.step sets running = False at the outcome
            super().step()


def _seed(value) -> int | None:
    """Seed from a text box: an int, or None when empty."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def controls(scenario: Scenario) -> dict[str, dict]:
    """SolaraViz ``model_params`` for a scenario: a seed box and a slider per main parameter."""
    spec = scenario.spec
    params: dict[str, Any] = {
        "scenario_name": scenario.origin,
        "rng": {"type": "InputText", "value": "0", "label": "Seed"},
        "protocol.deadline_round": {"type": "SliderInt", "value": spec.protocol.deadline_round,
                                    "min": 1, "max": spec.protocol.horizon_round, "step": 1,
                                    "label": "Deadline round"},
    }
    threat = spec.threat.country
    for code, country in spec.countries.items():
        key = "termination_value" if country.reservation_value is None else "reservation_value"
        params[f"{code}.{key}"] = {
            "type": "SliderFloat", "value": getattr(country, key), "min": 0.0, "max": 1.0, "step": 0.01,
            "label": f"{code} {key.replace('_', ' ')}"}
        if threat and code != threat:
            params[f"{code}.belief"] = {
                "type": "SliderFloat", "value": country.belief or 0.0, "min": 0.0, "max": 1.0, "step": 0.05,
                "label": f"{code} belief in threat"}
        if "beta" in country.strategy.params:
            params[f"{code}.strategy.beta"] = {
                "type": "SliderFloat", "value": float(country.strategy.params["beta"]), "min": 0.1, "max": 5.0,
                "step": 0.1, "label": f"{code} beta"}
        for name, bound in country.red_lines.items():
            if isinstance(bound, list):  # unacceptable options: no slider
                continue
            issue = scenario.space.issues[scenario.space.index(name)]
            key = f"{code}.red_lines.{name}"
            if issue.discrete:
                params[key] = {"type": "Select", "value": bound, "values": list(issue.levels),
                               "label": f"{code} red line {name}"}
            else:
                lo, hi = issue.bounds
                params[key] = {"type": "SliderFloat", "value": float(bound), "min": lo, "max": hi,
                               "step": (hi - lo) / 100, "label": f"{code} red line {name}"}
    return params


# ------------------------------------------------------------------------------------------ components

def OffersPlot(model: ExplorerModel):
    return solara.FigureMatplotlib(tp.offers_figure(model), format="png")


def UtilitiesPlot(model: ExplorerModel):
    return solara.FigureMatplotlib(tp.utilities_figure(model), format="png")


def Status(model: ExplorerModel):
    """The round, the walk-away values, and the outcome when there is one."""
    threat = ""
    if model.threatener is not None:
        code = model.case.countries[model.threatener]
        threat = (f"; {code}'s threat {'credible' if model.threat_credible else 'not credible'} (termination "
                  f"value {model.preferences.termination[model.threatener]:.2f} vs u(status quo) "
                  f"{model.status_quo_utility[model.threatener]:.2f})")
    lines = [f"**Round {model.round}** ({model.case.month(max(model.round, 1))}), "
             f"deadline round {model.deadline_round}{threat}. Strategy beta < 1: Boulware, > 1: Conceder."]
    if model.error:
        lines.insert(0, f"**Error**: {model.error}")
    if model.notice_round is not None:
        lines.append(f"Notice of withdrawal given in round {model.notice_round}.")
    lines.append("Walk-away values: " + ", ".join(f"{a.code} {a.walk_away:.2f}" for a in model.countries))
    if model.outcome is not None:
        u = model.outcome_utilities()
        lines.append(f"**Outcome: {model.outcome}** in round {model.round}: " +
                     ", ".join(f"{c} {v:.2f}" for c, v in zip(model.case.countries, u, strict=True)))
        if model.agreement is not None:
            deal = model.space.natural(model.agreement.package)
            lines.append("Agreed: " + "; ".join(f"{k} = {_fmt(v)}" for k, v in deal.items()))
    return Text("\n\n".join(lines))


def Text(markdown: str):
    """Light markup (``**bold**``, ``## heading``, ``- item``, a ``` block) as HTML. solara.Markdown
    would load KaTeX from a CDN, which an offline server does not have."""
    out, pre = [], False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            out.append("</pre>" if pre else "<pre>")
            pre = not pre
            continue
        line = html.escape(line)
        if not pre:
            line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
            heading = re.match(r"(#+) (.*)", line)
            if heading:
                n = len(heading.group(1)) + 1
                line = f"<h{n}>{heading.group(2)}</h{n}>"
            elif line.startswith("- "):
                line = f"&bull; {line[2:]}<br>"
            elif line:
                line = f"<p>{line}</p>"
        out.append(line)
    return solara.HTML(tag="div", unsafe_innerHTML="\n".join(out))


def _fmt(value) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


@solara.component
def Explore():
    """Scenario picker + SolaraViz (remounted when the scenario changes, so its sliders follow)."""
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    scenario = solara.use_memo(lambda: load_scenario(name), [name])
    model = solara.use_memo(lambda: ExplorerModel(name), [name])
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("Scenario", value=name, values=list(bundled()), on_value=set_name)
    SolaraViz(model, components=[Status, OffersPlot, UtilitiesPlot], model_params=controls(scenario),
              name=f"bargaining: {name}", play_interval=400).key(f"viz-{name}")


# ------------------------------------------------------------------------------------------ classroom

@solara.component
def Classroom():
    """The classroom seat: one country played by the student, the others simulated."""
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    scenario = solara.use_memo(lambda: load_scenario(name), [name])
    seat, set_seat = solara.use_state(scenario.countries[-1])
    seed, set_seed = solara.use_state(0)
    room, set_room = solara.use_state(None)
    package, set_package = solara.use_state({})
    message, set_message = solara.use_state("")
    tick, set_tick = solara.use_state(0)
    if seat not in scenario.countries:
        seat = scenario.countries[-1]

    def start():
        set_message("")
        if room is not None:
            room.close()  # stop the previous session's model thread
        new = classroom.Classroom(scenario, seat=seat, seed=seed)
        set_room(new)
        set_package({})  # the controls start from each turn's hint (the simulated negotiator's package)
        set_tick(tick + 1)

    def move(fn, *args):
        try:
            fn(*args)
            set_message("")
            set_package({})
        except classroom.ClassroomError as exc:
            set_message(str(exc))
        set_tick(tick + 1)

    with solara.Sidebar():
        with solara.Card("Classroom seat"):
            solara.Select("Scenario", value=name, values=list(bundled()), on_value=set_name)
            solara.Select("Your country", value=seat, values=list(scenario.countries), on_value=set_seat)
            solara.InputInt("Seed", value=seed, on_value=set_seed)
            solara.Button("Start the talks", color="primary", on_click=start)
    solara.Title("bargaining: classroom")
    if room is None:
        Text(f"## Classroom seat\nTake {seat}'s seat in **{name}** against the simulated others, "
                        "then press **Start the talks**.")
        return
    request = room.request
    if message:
        solara.Error(message)
    if request is None:
        score = room.score()
        Text("## Talks over\n```\n" + score.summary() + "\n```")
        return
    Text(f"## Round {request.round} ({request.month}), you are {request.country}\n"
                    f"Your walk-away value now: **{request.walk_away:.3f}**; the simulated negotiator in your "
                    f"seat would aim for {request.aspiration:.3f}.")
    if request.kind == "answer":
        crossed = f" It crosses your red lines on {', '.join(request.red_lines_crossed)}." \
            if request.red_lines_crossed else ""
        Text(f"### {request.proposer} tables a package worth **{request.utility:.3f}** to you.{crossed}\n"
                        + "\n".join(f"- {k}: {_fmt(v)}" for k, v in request.package.items()) +
                        f"\n\n(The simulated negotiator would {'accept' if request.hint else 'reject'}.)")
        with solara.Row():
            solara.Button("Accept", color="success", on_click=lambda: move(room.answer, True))
            solara.Button("Reject", color="error", on_click=lambda: move(room.answer, False))
        return
    Text("### Your turn: build a package and table it")
    current = {**request.hint, **package}
    for issue in scenario.space:
        def set_value(value, name=issue.name):
            set_package({**current, name: value})
        if issue.discrete:
            solara.Select(issue.label or issue.name, value=current[issue.name], values=list(issue.levels),
                          on_value=set_value)
        else:
            lo, hi = issue.bounds
            solara.SliderFloat(f"{issue.label or issue.name} ({issue.unit})", value=float(current[issue.name]),
                               min=lo, max=hi, step=(hi - lo) / 200, on_value=set_value)
    try:
        worth = room.utility(current)
        Text("Worth: " + ", ".join(f"{c} {u:.3f}" for c, u in worth.items()))
    except classroom.ClassroomError as exc:
        solara.Error(str(exc))
    with solara.Row():
        solara.Button("Table this package", color="primary", on_click=lambda: move(room.propose, current))
        solara.Button("Use the simulated negotiator's package", on_click=lambda: set_package(dict(request.hint)))


@solara.component
def Page():
    """Both pages as tabs."""
    tab, set_tab = solara.use_state(0)
    with solara.AppBar():
        with solara.lab.Tabs(value=tab, on_value=set_tab, background_color="primary", dark=True):
            solara.lab.Tab("Explore")
            solara.lab.Tab("Classroom")
    if tab == 0:
        Explore()
    else:
        Classroom()
