"""The explorer: pick a scenario, set its main parameters, step or play the rounds, watch offers and utilities.

Each control is a dotted-path override (``US.termination_value``, ``PA.reservation_value``,
``CA.red_lines.us_content``, ``EC.red_lines.environment``) applied when you press **Reset**; **Step** plays one
round, **▶** plays on until the outcome. Controls show their value
with its unit. ``ExplorerModel`` is an ordinary Mesa model (``NegotiationModel`` built from a scenario name
and override keywords), so it also runs in Mesa's own ``SolaraViz``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from ..classroom.briefs import format_value, step_of
from ..model import NegotiationModel
from ..scenario import Scenario, ScenarioError, bundled, load_scenario
from .charts import offers_chart, utilities_chart
from .common import Text

DEFAULT_SCENARIO = "nafta-2017"
PLAY_INTERVAL = 0.4  # seconds between rounds under ▶


class ExplorerModel(NegotiationModel):
    """A NegotiationModel built from a scenario name and control values (dotted-path overrides).

    The model stops (``running = False``) at its outcome. ``history`` keeps, per round and country, the
    aspiration, walk-away value, utility of its offer and offer (the charts' data; cheaper than the DataCollector).

    Args:
        scenario_name: Bundled scenario name or path to a TOML file.
        rng: Seed (an int, or text from a box: empty means a fresh seed).
        scenario: Ignored (Mesa's own experiment scenario, which SolaraViz passes on Reset).
        **overrides: Override path -> value.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng: Any = 0, scenario: Any = None,
                 **overrides: Any):
        self.error: str | None = None
        try:
            case = load_scenario(scenario_name, {k: v for k, v in overrides.items() if v is not None})
        except ScenarioError as exc:  # a combination of values the scenario rejects
            self.error = f"settings not applied: {exc}"
            case = load_scenario(scenario_name)
        super().__init__(case, rng=_seed(rng), record=False)
        self.history: list[tuple] = []

    def step(self) -> None:
        if self.outcome is not None:  # NegotiationModel.step sets running = False at the outcome
            return
        super().step()
        for a in self.countries:  # a single run: replication 0
            offered = bool(a.offered[0])
            offer = [i.numeric(v) for i, v in zip(self.space, a.offer[0], strict=True)] if offered else \
                [np.nan] * len(self.space)
            self.history.append((self.round, a.code, float(a.aspiration[0]), float(a.walk_away[0]),
                                 float(a.utility(a.offer)[0]) if offered else np.nan, *offer))


def _seed(value) -> int | None:
    """Seed from a text box: an int, or None when empty."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Control:
    """One control of the explorer: an override path, its label, and its range or options."""

    path: str
    label: str
    value: Any
    min: float = 0.0
    max: float = 1.0
    step: float = 0.01
    unit: str = ""
    options: tuple[str, ...] | None = None
    many: bool = False  # several options may be picked (a red line as a list of unacceptable options)
    issue: Any = None  # the issue, for red lines (to show the value in its units)

    def show(self, value) -> str:
        if self.many:
            return ", ".join(value) or "none"
        if self.issue is not None:
            return format_value(self.issue, value, quote=False)
        if isinstance(value, int) or self.step >= 1:
            return f"{int(value)}"
        return f"{value:.2f}"


def controls(scenario: Scenario) -> list[Control]:
    """The explorer's controls for a scenario: the deadline; per country the termination value (or its
    reservation value), the belief in the threat, the strategy's beta and each red line (a bound, a level, or the
    options it refuses)."""
    spec = scenario.spec
    out = [Control("protocol.deadline_round", "Deadline round", spec.protocol.deadline_round, 1,
                   spec.protocol.horizon_round, 1)]
    threat = spec.threat.country
    for code, country in spec.countries.items():
        if country.reservation_value is not None:
            out.append(Control(f"{code}.reservation_value", f"{code} reservation value", country.reservation_value))
        else:
            out.append(Control(f"{code}.termination_value", f"{code} termination value", country.termination_value))
        if threat and code != threat:
            out.append(Control(f"{code}.belief", f"{code} belief in the threat", country.belief or 0.0, step=0.05))
        if "beta" in country.strategy.params:
            out.append(Control(f"{code}.strategy.beta", f"{code} strategy beta (< 1 Boulware, > 1 Conceder)",
                               float(country.strategy.params["beta"]), 0.1, 5.0, 0.1))
        for name, bound in country.red_lines.items():
            issue = scenario.space.issues[scenario.space.index(name)]
            label = f"{code} red line: {issue.label or name}"
            if isinstance(bound, list):
                out.append(Control(f"{code}.red_lines.{name}", label + " (refused)", list(bound),
                                   options=tuple(issue.levels), many=True, issue=issue))
            elif issue.discrete:
                out.append(Control(f"{code}.red_lines.{name}", label, bound, options=tuple(issue.levels), issue=issue))
            else:
                out.append(Control(f"{code}.red_lines.{name}", label, float(bound), *issue.bounds, step_of(issue),
                                   issue.unit, issue=issue))
    return out


def status_lines(model: ExplorerModel) -> str:
    """The round, the threat, walk-away values, a notice, and the outcome when there is one."""
    threat = ""
    if model.threatener is not None:
        code = model.case.countries[model.threatener]
        threat = (f"; {code}'s threat {'credible' if model.threat_credible[0] else 'not credible'} (termination "
                  f"value {model.termination[0, model.threatener]:.2f} vs u(status quo) "
                  f"{model.status_quo_utility[model.threatener]:.2f})")
    rule = "" if model.rule.unanimous else f"; decision rule: {model.rule.describe(model.case.countries)}"
    lines = [f"**Round {model.round}**{model.case.dated(max(model.round, 1))}, "
             f"deadline round {model.deadline_round}{threat}{rule}."]
    if model.error:
        lines.insert(0, f"**Error**: {model.error}")
    if model.notice_round is not None:
        lines.append(f"Notice of withdrawal given in round {model.notice_round}.")
    lines.append("Walk-away values: " + ", ".join(f"{a.code} {a.walk_away[0]:.2f}" for a in model.countries))
    if model.outcome is not None:
        u = model.outcome_utilities()
        lines.append(f"**Outcome: {model.outcome}** in round {model.round}: " +
                     ", ".join(f"{c} {v:.2f}" for c, v in zip(model.case.countries, u, strict=True)))
        agreement = model.agreement
        if agreement.rows[0]:
            deal = model.space.natural(agreement.package[0])
            lines.append("Agreed: " + "; ".join(f"{i.label or i.name} {format_value(i, deal[i.name], quote=False)}"
                                               for i in model.space))
            supporters = [c for c, yes in zip(model.case.countries, agreement.supporters[0], strict=True) if yes]
            if len(supporters) < len(model.countries):
                lines.append(f"Accepted by {', '.join(supporters)}; it binds every party.")
    return "\n\n".join(lines)


@solara.component
def ControlInput(control: Control, value, on_value):
    """A control with its current value and unit always visible."""
    solara.HTML(tag="div", unsafe_innerHTML=f"{control.label}: <b class='control-value'>{control.show(value)}</b>")
    if control.many:
        solara.SelectMultiple("", values=list(value), all_values=list(control.options), on_value=on_value, dense=True)
    elif control.options is not None:
        solara.Select("", value=value, values=list(control.options), on_value=on_value, dense=True)
    elif control.step >= 1 and float(control.step).is_integer():
        solara.SliderInt("", value=int(value), min=int(control.min), max=int(control.max), step=int(control.step),
                         on_value=on_value, thumb_label=False)
    else:
        solara.SliderFloat("", value=float(value), min=control.min, max=control.max, step=control.step,
                           on_value=on_value, thumb_label=False)


@solara.component
def ScenarioPicker(name: str, set_name: Any) -> None:
    """A .toml file or a Genius or GeniusWeb folder typed in, beside the list of bundled scenarios (checked first:
    a path that does not load shows its one-line error and changes nothing)."""
    error, set_error = solara.use_state("")

    def use_path(path: str) -> None:
        path = path.strip()
        try:
            load_scenario(path)
        except ScenarioError as exc:
            set_error(str(exc))
            return
        set_error("")
        set_name(path)

    solara.InputText("or a .toml file, Genius or GeniusWeb folder", value="" if name in bundled() else name,
                     on_value=use_path, continuous_update=False)
    if error:
        solara.Error(error)


@solara.component
def Explore():
    """The explorer of one scenario at a time: picking another mounts a fresh ``ScenarioExplorer``, with its
    own model and controls (so Step and ▶ are live again, whatever the last scenario's model did)."""
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    ScenarioExplorer(name, set_name).key(f"explore-{name}")


@solara.component
def ScenarioExplorer(name: str, on_name):
    """Scenario picker, controls, Reset / ▶ / Step, the status and the two live charts."""
    scenario = solara.use_memo(lambda: load_scenario(name), [])
    items = solara.use_memo(lambda: controls(scenario), [])
    values, set_values = solara.use_state({})
    seed, set_seed = solara.use_state("0")
    model, set_model = solara.use_state(solara.use_memo(lambda: ExplorerModel(name, rng="0"), []))
    playing, set_playing = solara.use_state(False)
    _, set_tick = solara.use_state(0)
    current = {c.path: values.get(c.path, c.value) for c in items}

    def reset():
        set_playing(False)
        set_model(ExplorerModel(name, rng=seed, **values))

    def step():
        model.step()
        set_tick(lambda t: t + 1)

    def play(cancel: threading.Event):
        while playing and model.outcome is None and not cancel.is_set():
            time.sleep(PLAY_INTERVAL)
            model.step()
            set_tick(lambda t: t + 1)
        if model.outcome is not None:
            set_playing(False)

    solara.use_thread(play, dependencies=[playing, model])
    over = model.outcome is not None
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("Scenario", value=name if name in bundled() else None, values=list(bundled()),
                          on_value=on_name)
            ScenarioPicker(name, on_name)
            solara.InputText("Seed", value=seed, on_value=set_seed)
            with solara.Row():
                solara.Button("Reset", color="primary", on_click=reset)
                solara.Button("❚❚" if playing else "▶", color="primary", disabled=over,
                              on_click=lambda: set_playing(not playing))
                solara.Button("Step", color="primary", disabled=over or playing, on_click=step)
        with solara.Card("Parameters (applied on Reset)"):
            for c in items:
                ControlInput(c, current[c.path], lambda v, p=c.path: set_values({**values, p: v})).key(c.path)
    solara.Title(f"bargaining: {name}")
    Text(status_lines(model))
    for option, height in (offers_chart(model), utilities_chart(model)):
        solara.FigureEcharts(option, attributes={"style": f"height: {height}px; width: 100%"}, responsive=True)
