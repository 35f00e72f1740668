"""A student in a class: join with the class code and a free seat, read the briefs, play the seat.

The page follows the table live: when another student moves, or the instructor or the round's clock ends a
round, it redraws (``common.use_changes``). The seat key shown at the top brings the student back to the seat
after a reload or from another browser.
"""

from __future__ import annotations

import solara

from ..classroom.briefs import confidential_brief, public_brief
from ..classroom.debrief import score_seat
from ..classroom.table import ANSWER, PROPOSE, ClassroomError
from .common import PackageEditor, PackageTable, Text, service, shown, use_changes
from .seat import AnswerView, ScoreView, TranscriptView, transcript_rows


@solara.component
def JoinClass(initial_code: str = ""):
    """The join form, then the seat."""
    code, set_code = solara.use_state(initial_code)
    name, set_name = solara.use_state("")
    key, set_key = solara.use_state("")
    seated, set_seated = solara.use_state(None)  # (class code, seat key) once seated
    found, set_found = solara.use_state(None)  # the class code found
    message, set_message = solara.use_state("")
    use_changes()
    svc = service()
    if seated is not None:
        SeatPage(*seated)
        return

    def attempt(fn):
        try:
            fn()
            set_message("")
        except ClassroomError as exc:
            set_message(str(exc))

    def find():
        set_found(svc.open_class(code).code)

    def take(number: int, country: str):
        seat = svc.join(found, number, country, name)
        set_seated((found, seat.key))

    def back():
        settings = svc.find_class(code)
        set_seated((settings.code, svc.seat(settings.code, key).key))

    solara.Title("bargaining: join a class")
    Text("## Join a class\nType the class code your instructor gives you and your name, then take a free seat.")
    with solara.Row():
        solara.InputText("Class code", value=code, on_value=set_code)
        solara.InputText("Your name", value=name, on_value=set_name)
        solara.Button("Find the class", color="primary", on_click=lambda: attempt(find))
    if message:
        solara.Error(message)
    if found is not None:
        try:
            settings = svc.open_class(found)
            free = svc.free_seats(found)
        except ClassroomError as exc:
            solara.Error(str(exc))
            return
        labels = {c: settings.scenario.spec.countries[c].label or c for c in settings.scenario.countries}
        Text(f"### {settings.title}\nScenario **{settings.scenario.name}**; students play "
             f"{', '.join(labels[c] for c in settings.students)}; the computer plays the others.")
        if not free:
            solara.Warning("Every seat is taken: ask your instructor.")
        with solara.Row(style="flex-wrap: wrap"):
            for number, country in free:
                solara.Button(f"Table {number}: {country} ({labels[country]})",
                              on_click=lambda n=number, c=country: attempt(lambda: take(n, c)))
    with solara.Details("Back to your seat (after a reload, or from another browser)"):
        with solara.Row():
            solara.InputText("Seat key", value=key, on_value=set_key)
            solara.Button("Back to my seat", on_click=lambda: attempt(back))


@solara.component
def SeatPage(code: str, key: str):
    """A student's seat at a class table."""
    svc = service()
    settings = svc.find_class(code)
    seat = svc.seat(code, key)
    table = svc.table(code, seat.table)
    use_changes(every_second=settings.round_seconds is not None and not table.over)
    scenario, country = settings.scenario, seat.country
    label = scenario.spec.countries[country].label or country
    solara.Title(f"bargaining: {country} at table {seat.table}")
    Text(f"## Table {seat.table}: you are {label} ({country})\nClass **{settings.code}**, {seat.student}. "
         f"Your seat key is `{seat.key}`: keep it to come back to this seat.")
    with solara.Details("Public brief"):
        Text(public_brief(scenario))
    with solara.Details("Your confidential brief"):
        Text(confidential_brief(scenario, country))
    if settings.closed:
        solara.Warning(f"Class {settings.code} is closed.")
    if table.over:
        ScoreView(score_seat(table, country))
    else:
        me = table.model.countries[scenario.countries.index(country)]
        left = svc.seconds_left(code, seat.table)
        clock = f" **{left:.0f} s** left in this round." if left is not None else ""
        Text(f"### Round {table.round}{scenario.dated(max(table.round, 1))}, deadline round "
             f"{scenario.spec.protocol.deadline_round}\nYour walk-away value now: **{me.walk_away[0]:.3f}**.{clock}")
        request = table.request(country)
        if request is None:
            waiting = sorted({r.country for r in table.pending})
            solara.Info(f"Waiting for {', '.join(waiting)}." if waiting else "Waiting.")
        elif settings.closed:
            pass
        elif request.kind == ANSWER:
            Answer(code, key, request, settings).key(f"answer-{request.point}")
        else:
            Propose(code, key, request, settings).key(f"propose-{request.point}")
    Text("### What has been tabled (latest first)")
    TranscriptView(transcript_rows(table, country, show_others=not settings.hide_utilities),
                   show_others=not settings.hide_utilities)


@solara.component
def Answer(code, key, request, settings):
    message, set_message = solara.use_state("")

    def answer(accept: bool):
        try:
            service().move(code, key, ANSWER, accept, request.point)
        except ClassroomError as exc:
            set_message(str(exc))

    AnswerView(settings.scenario, request, show_others=not settings.hide_utilities, show_hint=not settings.hide_hint)
    if message:
        solara.Error(message)
    with solara.Row():
        solara.Button("Accept", color="success", on_click=lambda: answer(True))
        solara.Button("Reject", color="error", on_click=lambda: answer(False))


@solara.component
def Propose(code, key, request, settings):
    """The seat's turn: the package editor, starting from the simulated negotiator's package (from the seat's
    ideal package when the instructor hides the hint), as the controls show it (``common.shown``)."""
    scenario, country = settings.scenario, request.country
    ideal = scenario.space.natural(scenario.preferences.ideal[scenario.countries.index(country)])
    package, set_package = solara.use_state(shown(scenario, ideal if settings.hide_hint else request.hint))
    message, set_message = solara.use_state("")

    def table_it():
        try:
            service().move(code, key, PROPOSE, package, request.point)
        except ClassroomError as exc:
            set_message(str(exc))

    Text("### Your turn: build a package and table it")
    PackageEditor(scenario, country, package, set_package)
    utility = dict(zip(scenario.countries, scenario.preferences.utility(scenario.space.normalise(package)),
                       strict=True))
    if settings.hide_utilities:
        Text(f"Worth to you: **{utility[country]:.3f}**")
    else:
        Text("Worth: " + ", ".join(f"{c} **{u:.3f}**" for c, u in utility.items()))
    if message:
        solara.Error(message)
    with solara.Row():
        solara.Button("Table this package", color="primary", on_click=table_it)
        if not settings.hide_hint:
            solara.Button("Use the simulated negotiator's package",
                          on_click=lambda: set_package(shown(scenario, request.hint)))
    if not settings.hide_hint:
        with solara.Details("The simulated negotiator's package"):
            PackageTable(scenario, request.hint, country)
