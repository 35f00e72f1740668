"""The app in the browser (solara): the explorer, a practice seat, classes of students, the instructor.

    bargaining app [--port 8765] [--host 127.0.0.1] [--db FILE]     # prints the URLs and the token

Four tabs:

* **Explore** (``explore.py``): pick a scenario, set its main parameters, step or play the rounds and watch
  the offers and utilities (Vega-Lite charts, ``charts.py``);
* **Practice** (``practice.py``): one student in one seat against the simulated others, in this browser;
* **Join a class** (``join.py``): a student joins a class with its code, takes a seat at a table and plays it
  with the other students (``bargaining.classroom``);
* **Instructor** (``instructor.py``): behind the token, create classes, watch every table, end rounds,
  close a class, debrief it.

The query string opens a tab: ``?code=ABC123`` the join form with the code filled in, ``?token=...`` the
instructor's page.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import solara

from .explore import DEFAULT_SCENARIO, Explore, ExplorerModel, controls
from .instructor import Instructor
from .join import JoinClass
from .practice import Practice

TABS = ["Explore", "Practice", "Join a class", "Instructor"]

__all__ = ["DEFAULT_SCENARIO", "ExplorerModel", "Page", "controls"]


@solara.component
def Page():
    query = parse_qs(solara.use_router().search or "")
    token, code = query.get("token", [""])[0], query.get("code", [""])[0]
    tab, set_tab = solara.use_state(3 if token else 2 if code else 0)
    with solara.AppBar():
        with solara.lab.Tabs(value=tab, on_value=set_tab, background_color="primary", dark=True):
            for name in TABS:
                solara.lab.Tab(name)
    if tab == 0:
        Explore()
    elif tab == 1:
        Practice()
    elif tab == 2:
        JoinClass(code)
    else:
        Instructor(token)
