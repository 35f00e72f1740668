"""What a student at a table sees (practice or class): the package to answer, the score, the table's history."""

from __future__ import annotations

import solara

from ..classroom.briefs import format_value
from ..classroom.table import Request, Table
from .common import HtmlTable, PackageTable, Text


@solara.component
def AnswerView(scenario, request: Request, show_others: bool, show_hint: bool):
    """The package on the table: who tabled it, its worth to the seat (and to the others), the red lines it
    crosses, each issue beside the status quo and the seat's ideal."""
    if request.proposer is None:
        head = "### A signed text is open to you: accede to it?"
    else:
        head = f"### {request.proposer} tables a package worth **{request.utility:.3f}** to you"
    lines = [head, f"Your walk-away value now: **{request.walk_away:.3f}**."]
    if request.red_lines_crossed:
        lines.append("**It crosses your red lines on " + ", ".join(request.red_lines_crossed) + ".**")
    if show_others and request.utilities:
        lines.append("Worth to each country: " + ", ".join(f"{c} {u:.3f}" for c, u in request.utilities.items()))
    if show_hint:
        lines.append(f"(The simulated negotiator in your seat would {'accept' if request.hint else 'reject'}.)")
    Text("\n\n".join(lines))
    PackageTable(scenario, request.package, request.country)


@solara.component
def ScoreView(score):
    Text("## Talks over\n```\n" + score.summary() + "\n```")


def transcript_rows(table: Table, country: str, show_others: bool) -> list[list[str]]:
    """The table's history for a seat: round, who tabled, the package, its worth (to the seat, or to all),
    the answers."""
    scenario, rows = table.scenario, []
    answer_words = {True: "accept", False: "reject", None: "abstain"}
    for entry in table.transcript:
        who = entry.proposer if entry.proposer is not None else "(accession)"
        if entry.package is None:
            rows.append([entry.round, who, "(abstained: nothing tabled)", "", ""])
            continue
        natural = scenario.space.natural(entry.package)
        package = "; ".join(f"{i.name} {format_value(i, natural[i.name], quote=False)}" for i in scenario.space)
        u = dict(zip(scenario.countries, scenario.preferences.utility(entry.package), strict=True))
        worth = ", ".join(f"{c} {v:.2f}" for c, v in u.items()) if show_others else f"{u[country]:.2f}"
        answers = ", ".join(f"{c} {answer_words[a]}" for c, a in entry.answers.items())
        rows.append([entry.round, who, package, worth, answers])
    return rows


@solara.component
def TranscriptView(rows: list[list[str]], show_others: bool):
    """The rows of ``transcript_rows``, latest first (passed in, so the view redraws when they change)."""
    if rows:
        HtmlTable(["round", "tabled by", "package", "worth" + ("" if show_others else " to you"), "answers"],
                  rows[::-1], classes="transcript")
    else:
        Text("Nothing tabled yet.")
