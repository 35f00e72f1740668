"""The explorer's live charts as Apache ECharts options (``solara.FigureEcharts``): the browser draws them and
updates them in place, so a Step costs the server the model's round and a few kilobytes of JSON (the
matplotlib PNGs they replace took about a second a step on nafta-2017).

* ``offers_chart``: small multiples, one panel per issue with its own axis in natural units (level or option
  labels on ordinal and categorical issues): every country's offers over the rounds, the status quo (grey, if
  the scenario has one) and the deadline (dotted);
* ``utilities_chart``: each country's aspiration (solid), walk-away value (dashed), the utility of its own
  offer (dots) and the outcome (diamonds).

Both read ``ExplorerModel.history`` (one row per country and round). ECharts comes from solara's offline
assets (``solara-assets``), not from a CDN.
"""

from __future__ import annotations

import math

from ..figures.run import country_colours

FONT = 12
COLUMNS = 3
PANEL_HEIGHT = 150  # pixels, plus the panel's title


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _series_by_country(model, column: int) -> dict[str, list[list]]:
    """Country -> [[round, value], ...] of one column of ``model.history``."""
    out: dict[str, list[list]] = {c: [] for c in model.case.countries}
    for row in model.history:
        out[row[1]].append([row[0], _number(row[column])])
    return out


def _x_axis(model, grid: int = 0) -> dict:
    last = max(model.round, model.deadline_round)
    return {"gridIndex": grid, "type": "value", "min": 0.5, "max": last + 0.5, "minInterval": 1,
            "axisLabel": {"fontSize": FONT, "formatter": "{value}", "showMinLabel": False, "showMaxLabel": False},
            "splitLine": {"show": False}}


def _clock_marks(model) -> list[dict]:
    """The deadline (dotted) and a notice of withdrawal (dashed red) as vertical mark lines."""
    marks = [{"xAxis": model.deadline_round, "lineStyle": {"type": "dotted", "color": "#000"}}]
    if model.notice_round is not None:
        marks.append({"xAxis": model.notice_round, "lineStyle": {"type": "dashed", "color": "#c0392b"}})
    return marks


def offers_chart(model) -> tuple[dict, int]:
    """One panel per issue: each country's offers over the rounds so far. Returns (ECharts option, height
    in pixels)."""
    scenario, space = model.case, model.space
    colours = country_colours(scenario.countries)
    rows = math.ceil(len(space) / COLUMNS)
    width = 100 / COLUMNS
    titles, grids, xs, ys, series = [], [], [], [], []
    for k, issue in enumerate(space):
        row, col = divmod(k, COLUMNS)
        top = 40 + row * (PANEL_HEIGHT + 60)
        titles.append({"text": _short(issue.label or issue.name, 38), "left": f"{col * width + 1}%", "top": top,
                       "textStyle": {"fontSize": 13, "fontWeight": "normal"}})
        grids.append({"left": f"{col * width + 1}%", "width": f"{width - 3}%", "top": top + 28,
                      "height": PANEL_HEIGHT, "containLabel": True})
        xs.append(_x_axis(model, k))
        if issue.discrete:
            ys.append({"gridIndex": k, "type": "category", "data": [_short(level, 22) for level in issue.levels],
                       "axisLabel": {"fontSize": FONT}})
            status_quo = None if issue.status_quo is None else _short(issue.status_quo, 22)
        else:
            ys.append({"gridIndex": k, "type": "value", "min": issue.bounds[0], "max": issue.bounds[1],
                       "name": issue.unit, "nameGap": 6, "axisLabel": {"fontSize": FONT},
                       "nameTextStyle": {"fontSize": FONT}})
            status_quo = issue.status_quo
        data = _series_by_country(model, 5 + k)
        for n, (country, points) in enumerate(data.items()):
            if issue.discrete:
                points = [[r, None if v is None else _short(issue.levels[int(v)], 22)] for r, v in points]
            one = {"type": "line", "name": country, "xAxisIndex": k, "yAxisIndex": k, "data": points,
                   "symbolSize": 6, "color": colours[country], "connectNulls": False}
            if issue.kind == "categorical":  # unordered options: dots, as in the run figure, no lines between
                one["lineStyle"] = {"width": 0}
            if n == 0:
                marks = [] if status_quo is None else [{"yAxis": status_quo, "lineStyle": {"type": "dashed",
                                                                                            "color": "#999"}}]
                one["markLine"] = {"silent": True, "symbol": "none", "label": {"show": False},
                                   "data": [*marks, *_clock_marks(model)]}
            series.append(one)
    option = {"animation": False, "legend": {"top": 0, "textStyle": {"fontSize": 13}},
              "tooltip": {"trigger": "item"}, "title": titles, "grid": grids, "xAxis": xs, "yAxis": ys,
              "series": series}
    return option, 40 + rows * (PANEL_HEIGHT + 60)


def utilities_chart(model) -> tuple[dict, int]:
    """Aspiration (solid), walk-away value (dashed), own offer's utility (dots), outcome (diamonds). Returns
    (ECharts option, height in pixels)."""
    scenario = model.case
    colours = country_colours(scenario.countries)
    aspiration, walk_away, offers = (_series_by_country(model, c) for c in (2, 3, 4))
    series = []
    for n, country in enumerate(scenario.countries):
        c = colours[country]
        series += [
            {"type": "line", "name": country, "data": aspiration[country], "color": c, "symbol": "none",
             **({"markLine": {"silent": True, "symbol": "none", "label": {"show": False},
                              "data": _clock_marks(model)}} if n == 0 else {})},
            {"type": "line", "name": country, "data": walk_away[country], "color": c, "symbol": "none",
             "lineStyle": {"type": "dashed", "width": 1.2}},
            {"type": "scatter", "name": country, "data": offers[country], "color": c, "symbolSize": 7},
        ]
        if model.outcome is not None:
            u = float(model.outcome_utilities()[n])
            series.append({"type": "scatter", "name": country, "data": [[model.round, u]], "color": c,
                           "symbol": "diamond", "symbolSize": 16, "itemStyle": {"borderColor": "#000"}})
    option = {"animation": False, "legend": {"top": 24, "textStyle": {"fontSize": 13}},
              "title": {"text": "Aspiration (solid), walk-away value (dashed), own offer (dots), outcome (diamond)",
                        "textStyle": {"fontSize": 13, "fontWeight": "normal"}},
              "tooltip": {"trigger": "item"},
              "grid": {"left": 50, "right": 20, "top": 60, "bottom": 30},
              "xAxis": _x_axis(model), "yAxis": {"type": "value", "min": 0, "max": 1, "name": "utility",
                                                 "axisLabel": {"fontSize": FONT}},
              "series": series}
    return option, 320
