"""Practice: one student takes a country's seat against the simulated others (``bargaining.classroom.Classroom``),
in this browser only, nothing stored."""

from __future__ import annotations

import solara

from .. import classroom
from ..classroom.briefs import confidential_brief, public_brief
from ..scenario import bundled, load_scenario
from .common import PackageEditor, PackageTable, Text, shown
from .seat import AnswerView, ScoreView

DEFAULT_SCENARIO = "nafta-2017"


@solara.component
def Practice():
    """Pick a scenario and a seat, start, play to the end, get the score."""
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    scenario = solara.use_memo(lambda: load_scenario(name), [name])
    seat, set_seat = solara.use_state(scenario.countries[-1])
    seed, set_seed = solara.use_state(0)
    room, set_room = solara.use_state(None)
    package, set_package = solara.use_state(None)
    message, set_message = solara.use_state("")
    _, set_tick = solara.use_state(0)
    if seat not in scenario.countries:
        seat = scenario.countries[-1]

    def start():
        set_message("")
        set_room(classroom.Classroom(scenario, seat=seat, seed=seed))
        set_package(None)  # the controls start from each turn's hint (the simulated negotiator's package)

    def move(fn, *args):
        try:
            fn(*args)
            set_message("")
            set_package(None)
        except classroom.ClassroomError as exc:
            set_message(str(exc))
        set_tick(lambda t: t + 1)

    with solara.Sidebar():
        with solara.Card("Practice seat"):
            solara.Select("Scenario", value=name, values=list(bundled()), on_value=set_name)
            solara.Select("Your country", value=seat, values=list(scenario.countries), on_value=set_seat)
            solara.InputInt("Seed", value=seed, on_value=set_seed)
            solara.Button("Start the talks", color="primary", on_click=start)
    solara.Title("bargaining: practice")
    if room is None:
        Text(f"## Practice seat\nTake {seat}'s seat in **{name}** against the simulated others, "
             "then press **Start the talks**.")
        with solara.Details("Public brief"):
            Text(public_brief(scenario))
        with solara.Details(f"Confidential brief of {seat}"):
            Text(confidential_brief(scenario, seat))
        return
    request = room.request
    if message:
        solara.Error(message)
    if request is None:
        ScoreView(room.score())
        return
    Text(f"## Round {request.round}{room.scenario.dated(request.round)}, you are {request.country}\n"
         f"Your walk-away value now: **{request.walk_away:.3f}**; the simulated negotiator in your "
         f"seat would aim for {request.aspiration:.3f}.")
    if request.kind == "answer":
        AnswerView(room.scenario, request, show_others=True, show_hint=True)
        with solara.Row():
            solara.Button("Accept", color="success", on_click=lambda: move(room.answer, True))
            solara.Button("Reject", color="error", on_click=lambda: move(room.answer, False))
        return
    Text("### Your turn: build a package and table it")
    current = package or shown(room.scenario, request.hint)
    PackageEditor(room.scenario, seat, current, set_package)
    try:
        worth = room.utility(current)
        Text("Worth: " + ", ".join(f"{c} **{u:.3f}**" for c, u in worth.items()))
    except classroom.ClassroomError as exc:
        solara.Error(str(exc))
    with solara.Row():
        solara.Button("Table this package", color="primary", on_click=lambda: move(room.propose, current))
        solara.Button("Use the simulated negotiator's package",
                      on_click=lambda: set_package(shown(room.scenario, request.hint)))
    with solara.Details("The simulated negotiator's package"):
        PackageTable(room.scenario, request.hint, seat)
