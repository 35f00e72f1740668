"""What the app's pages share: light markup, HTML tables, the package editor and viewer, the class service.

The class service (``bargaining.classroom.service``) is one per server process: every browser connected
to the app sees the same classes. ``bargaining app`` passes the store's path and the instructor's token in
the environment (``BARGAINING_DB``, ``BARGAINING_TOKEN``); without them (``solara run bargaining.app``)
the store is the default one and a token is drawn and printed.
"""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import solara

from ..classroom.briefs import format_value, ideal, on_step, refused, step_of
from ..classroom.service import ClassService, new_token
from ..classroom.store import default_path

_service: ClassService | None = None
_service_lock = threading.Lock()


def service() -> ClassService:
    """The process's class service, made on first use (its round clock ticks in a daemon thread)."""
    global _service
    with _service_lock:
        if _service is None:
            token = os.environ.get("BARGAINING_TOKEN") or new_token()
            if not os.environ.get("BARGAINING_TOKEN"):
                print(f"bargaining app: instructor token {token}", flush=True)
            _service = ClassService(os.environ.get("BARGAINING_DB") or default_path(), token)
            _service.run_clock(threading.Event())
        return _service


def use_changes(every_second: bool = False) -> int:
    """Re-render the calling component whenever the class service changes (another student moved, the
    instructor ended a round), and once a second if ``every_second`` (a round's clock is running).

    A component redraws its children only when their arguments change: a component that reads the service
    calls this itself, or passes what it read (or the returned counter) down."""
    tick, set_tick = solara.use_state(0)
    svc = service()

    def follow(cancel: threading.Event):
        version = svc.version
        while not cancel.is_set():
            new = svc.wait(version, 1.0)
            if new != version or every_second:
                version = new
                set_tick(lambda t: t + 1)

    solara.use_thread(follow, dependencies=[every_second])
    return tick


# ------------------------------------------------------------------------------------------ text

def Text(markdown: str):
    """Light markup (``**bold**``, ``*italic*``, ``## heading``, ``- item``, ``` blocks, `` `code` ``) as
    HTML. solara.Markdown would load KaTeX from a CDN, which an offline server does not have."""
    out, pre = [], False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            out.append("</pre>" if pre else "<pre>")
            pre = not pre
            continue
        line = html.escape(line)
        if not pre:
            line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
            line = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", line)
            line = re.sub(r"`(.+?)`", r"<code>\1</code>", line)
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


TABLE_STYLE = ("border-collapse:collapse;font-size:14px;margin:6px 0",
               "border-bottom:1px solid #ccc;padding:3px 10px;text-align:left;vertical-align:top")


def table_html(header: list[str], rows: list[list[Any]], classes: str = "") -> str:
    """An HTML table (every cell escaped)."""
    style, cell = TABLE_STYLE
    head = "".join(f"<th style='{cell}'>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='{cell}'>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table class='{classes}' style='{style}'><tr>{head}</tr>{body}</table>"


def HtmlTable(header: list[str], rows: list[list[Any]], classes: str = ""):
    return solara.HTML(tag="div", unsafe_innerHTML=table_html(header, rows, classes))


def utilities_text(utilities: dict[str, float], walk_away: dict[str, float] | None = None) -> str:
    """``US 0.45 (walk-away 0.10), CA ...``."""
    return ", ".join(f"{c} {u:.2f}" + (f" (walk-away {walk_away[c]:.2f})" if walk_away else "")
                     for c, u in utilities.items())


# ------------------------------------------------------------------------------------------ packages

@solara.component
def PackageEditor(scenario, country: str, package: dict[str, Any], on_package: Callable[[dict], None]):
    """One control per issue in natural units or level labels, each with its value (unit, sensible
    precision) and, beside it, the status quo (if any), the seat's ideal and its red line."""
    spec, best = scenario.spec.countries[country], ideal(scenario, country)
    prefs, row = scenario.preferences, scenario.countries.index(country)
    for k, issue in enumerate(scenario.space):
        value = package[issue.name]

        def set_value(v, name=issue.name):
            on_package({**package, name: v})

        red = ""
        if issue.name in spec.red_lines:
            lo, hi = prefs.lo[row, k], prefs.hi[row, k]
            if issue.discrete:
                red = "red line: not " + " or ".join(f"'{level}'" for level in refused(scenario, country, k))
            else:
                red = f"red line: {'at most' if hi < 1 else 'at least'} " \
                      f"{format_value(issue, issue.natural(hi if hi < 1 else lo))}"
        notes = ([] if issue.status_quo is None else [f"status quo {format_value(issue, issue.status_quo)}"]) \
            + [f"your ideal {format_value(issue, best[issue.name])}"] + ([red] if red else [])
        with solara.Column(gap="0px", classes=["issue-control"]):
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"<b>{html.escape(issue.label or issue.name)}</b>: <span class='issue-value'>"
                f"{html.escape(format_value(issue, value, quote=False))}</span>"
                f"<br><span style='color:#555;font-size:13px'>{html.escape(' · '.join(notes))}</span>"))
            if issue.discrete:
                solara.ToggleButtonsSingle(value=value, values=list(issue.levels), on_value=set_value, dense=True)
            else:
                lo, hi = issue.bounds
                solara.SliderFloat("", value=float(value), min=lo, max=hi, step=step_of(issue), on_value=set_value,
                                   thumb_label=False)


def shown(scenario, package: dict[str, Any]) -> dict[str, Any]:
    """A package as the editor's controls show it (continuous values on their sliders' steps, ``on_step``)."""
    return {i.name: package[i.name] if i.discrete else on_step(i, package[i.name]) for i in scenario.space}


def package_rows(scenario, package: dict[str, Any], country: str | None = None) -> list[list[str]]:
    """Rows issue | value | status quo (where the scenario has one) (| the seat's ideal) for a package table."""
    status_quo, best = scenario.space.status_quo is not None, country and ideal(scenario, country)
    rows = []
    for issue in scenario.space:
        row = [issue.label or issue.name, format_value(issue, package[issue.name], quote=False)]
        if status_quo:
            row.append(format_value(issue, issue.status_quo, quote=False))
        if country is not None:
            row.append(format_value(issue, best[issue.name], quote=False))
        rows.append(row)
    return rows


def PackageTable(scenario, package: dict[str, Any], country: str | None = None):
    """A package as a table: each issue's value with units, beside the status quo and the seat's ideal."""
    header = ["issue", "on the table"] + (["status quo"] if scenario.space.status_quo is not None else []) \
        + (["your ideal"] if country else [])
    return HtmlTable(header, package_rows(scenario, package, country), classes="package")
