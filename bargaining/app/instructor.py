"""The instructor's page (behind the token ``bargaining app`` prints): create a class, watch every table, end a
round, close the class, debrief it."""

from __future__ import annotations

import solara

from ..classroom.debrief import class_figure, debrief_rows
from ..classroom.table import ClassroomError
from ..scenario import bundled, load_scenario
from .common import HtmlTable, Text, service, use_changes, utilities_text
from .seat import transcript_rows


@solara.component
def Instructor(initial_token: str = ""):
    token, set_token = solara.use_state(initial_token)
    typed, set_typed = solara.use_state("")
    selected, set_selected = solara.use_state(None)
    svc = service()
    use_changes()  # (before any early return: hooks run in the same order at every render)
    solara.Title("bargaining: instructor")
    try:
        svc.check_token(token)
    except ClassroomError as exc:
        Text("## Instructor\nType the instructor token that `bargaining app` printed when it started.")
        with solara.Row():
            solara.InputText("Instructor token", value=typed, on_value=set_typed, password=True)
            solara.Button("Open", color="primary", on_click=lambda: set_token(typed))
        if token:
            solara.Error(str(exc))
        return
    classes = svc.classes()
    with solara.Sidebar():
        CreateClass(token, set_selected)
    if not classes:
        Text("## Instructor\nNo class yet: create one (left).")
        return
    codes = [c.code for c in classes][::-1]
    code = selected if selected in codes else codes[0]
    solara.Select("Class", value=code, values=codes, on_value=set_selected)
    ClassView(token, code)


@solara.component
def CreateClass(token: str, on_created):
    name, set_name = solara.use_state("nafta-2017")
    scenario = solara.use_memo(lambda: load_scenario(name), [name])
    students, set_students = solara.use_state(list(scenario.countries))
    tables, set_tables = solara.use_state(1)
    seed, set_seed = solara.use_state(0)
    seconds, set_seconds = solara.use_state(0)
    hide_utilities, set_hide_utilities = solara.use_state(False)
    hide_hint, set_hide_hint = solara.use_state(False)
    title, set_title = solara.use_state("")
    message, set_message = solara.use_state("")
    chosen = [c for c in students if c in scenario.countries]

    def create():
        try:
            c = service().create_class(token, name, chosen, tables=tables, seed=seed,
                                       round_seconds=seconds or None, hide_utilities=hide_utilities,
                                       hide_hint=hide_hint, title=title)
            set_message("")
            on_created(c.code)
        except ClassroomError as exc:
            set_message(str(exc))

    def pick(new):
        set_name(new)
        set_students(list(load_scenario(new).countries))

    with solara.Card("New class"):
        solara.Select("Scenario", value=name, values=list(bundled()), on_value=pick)
        Text("Seats for students (the computer plays the others):")
        solara.ToggleButtonsMultiple(value=chosen, values=list(scenario.countries), on_value=set_students)
        solara.InputInt("Tables", value=tables, on_value=set_tables)
        solara.InputInt("Seed (the same at every table)", value=seed, on_value=set_seed)
        solara.InputInt("Seconds per round (0: no clock)", value=seconds, on_value=set_seconds)
        solara.Checkbox(label="Hide the other countries' utilities", value=hide_utilities,
                        on_value=set_hide_utilities)
        solara.Checkbox(label="Hide the simulated negotiator's hint", value=hide_hint, on_value=set_hide_hint)
        solara.InputText("Title (optional)", value=title, on_value=set_title)
        solara.Button("Create the class", color="primary", on_click=create)
        if message:
            solara.Error(message)


@solara.component
def ClassView(token: str, code: str):
    """One class: its code, every table at a glance, the debrief (redrawn at every change, and every second
    for the round clocks)."""
    svc = service()
    settings = svc.find_class(code)
    clock = settings.round_seconds is not None and not settings.closed
    version = use_changes(every_second=clock)
    message, set_message = solara.use_state("")
    overview = svc.overview(code)

    def act(fn):
        try:
            fn()
            set_message("")
        except ClassroomError as exc:
            set_message(str(exc))

    state = f"closed {settings.closed}" if settings.closed else "open"
    Text(f"## {settings.title}\nJoin code: **{settings.code}** ({state}). Students open this app, tab *Join a "
         f"class* (or the link `?code={settings.code}`).\n\n"
         f"Scenario **{settings.scenario.name}**, seed {settings.seed}, {settings.tables} table(s); students in "
         f"{', '.join(settings.students)}; "
         + (f"{settings.round_seconds:g} s per round" if settings.round_seconds else "no clock")
         + (", utilities of the others hidden" if settings.hide_utilities else "")
         + (", hints hidden" if settings.hide_hint else "") + ".")
    if message:
        solara.Error(message)
    rows = []
    for row in overview:
        seats = "; ".join(f"{c}: {name or '(empty)'}" + (" ✓" if c in row["moved"] else "")
                          for c, name in row["students"].items())
        when = f"{row['round']}{settings.scenario.dated(max(row['round'], 1))}"
        rows.append([row["table"], when, seats, ", ".join(row["to_move"]) or "-",
                     row["outcome"] or "talks on",
                     utilities_text(row["utilities"], row["walk_away"]) if row["utilities"] else "-",
                     "-" if row["seconds_left"] is None else f"{row['seconds_left']:.0f} s"])
    HtmlTable(["table", "round", "students (✓ moved this round)", "to move", "outcome",
           "utility (of the outcome, or the last package) and walk-away value", "time left"], rows,
          classes="overview")
    if not settings.closed:
        with solara.Row(style="flex-wrap: wrap"):
            for row in overview:
                if row["outcome"] is None:
                    solara.Button(f"End round {row['round']} at table {row['table']}",
                                  on_click=lambda n=row["table"]: act(lambda: svc.advance(token, code, n)))
            solara.Button("Close the class", color="error", on_click=lambda: act(lambda: svc.close_class(token, code)))
    tables = svc.tables(code)
    for number, table in tables.items():
        with solara.Details(f"Table {number}: what has been tabled"):
            HtmlTable(["round", "tabled by", "package", "worth", "answers"],
                  transcript_rows(table, settings.students[0], show_others=True))
    Debrief(settings, tables, svc.names(code), version)


@solara.component
def Debrief(settings, tables, names, version: int):
    """Each finished table's students against the reference points, and the class figure."""
    rows = debrief_rows(tables, names)
    done = sum(t.over for t in tables.values())
    figure = solara.use_memo(lambda: class_figure(settings.scenario, rows) if rows else None, [done])
    Text("## Debrief")
    if not rows:
        Text("No table has finished yet.")
        return
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    quota = not settings.scenario.rule.unanimous  # a deal may bind a seat that rejected it: say whether it did
    vote = lambda r: ["-" if r["voted_for"] is None else "yes" if r["voted_for"] else "no"] if quota else []  # noqa: E731
    HtmlTable(["table", "student", "seat", "outcome", *(["accepted it"] if quota else []), "round", "utility",
               "walk-away at start", "walk-away at end", "Nash deal", "Kalai-Smorodinsky", "simulated negotiator"],
              [[r["table"], r["student"], r["country"], r["outcome"], *vote(r), r["round"], fmt(r["utility"]),
                fmt(r["walk_away_start"]), fmt(r["walk_away"]), fmt(r["nash"]), fmt(r["kalai_smorodinsky"]),
                f"{fmt(r['baseline_utility'])} ({r['baseline_outcome']})"] for r in rows], classes="debrief")
    solara.FigureMatplotlib(figure, format="png")
    Text(f"Files for the record: `bargaining class export {settings.code} --out DIR` (transcript CSV and JSON, "
         "this table, this figure).")
