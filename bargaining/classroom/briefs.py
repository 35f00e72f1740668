"""Role briefs from any scenario: one public brief for everyone, one confidential brief per seat.

The public brief says what every negotiator knows: the parties, the issues (what each means, its range or
options, the status quo if there is one), who must agree (the decision rule: unanimity, or a quota with veto
parties), the calendar (the first round, the deadline, when talks end, what no deal leaves), the threat of
withdrawal and how a round runs. A seat's confidential brief says what only that seat knows, in plain
words: its priorities (its weights, ranked), its ideal package, what each option is worth to it where it
values an issue by a table (its score sheet), its red lines, its vote under a quota rule, what the status quo
and the end of the agreement (or its reservation value) are worth to it and hence its walk-away value, and the
domestic pressure it faces, each with the source the scenario cites for it (``Scenario.sources``).

Briefs are Markdown-like text: ``## heading``, ``- item`` and ``**bold**`` (the app renders them; they read
as plain text too).
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from ..scenario.checks import value_table

ROUND_RULES = {
    "alternating_offers": "Each round every party in turn tables a full package (a value on every issue); the "
                          "others accept or reject it. The first package {agreed} is the agreement.",
    "single_text": "A mediator drafts one text. Each round the parties that objected to the last draft state "
                   "what they would accept now; the mediator redrafts and asks everyone to accept. The text "
                   "is agreed when {agreed}.",
    "bilateral_first": "As alternating offers: each party in turn tables a package, the others accept or "
                       "reject. From the deadline on, two parties may sign without the third, who may accede "
                       "to the signed text later or be left out.",
}


def step_of(issue) -> float:
    """A sensible step for a continuous issue's control: about a hundredth of its range, rounded to 1, 2 or 5
    times a power of ten (0.5 points on a 50-85 % range, US$ 10 on 0-800)."""
    lo, hi = issue.bounds
    raw = (hi - lo) / 100
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12))


def on_step(issue, value: float) -> float:
    """A continuous issue's value as its control shows it: rounded to ``step_of`` from the lower bound, as the
    browser's slider rounds it (Vuetify's ``VSlider.roundValue``), so what a student sees is what is tabled."""
    step = step_of(issue)
    lo, hi = issue.bounds
    decimals = max(0, -int(np.floor(np.log10(step))))
    offset = lo % step
    x = np.floor((float(value) - offset) / step + 0.5) * step + offset  # JavaScript's Math.round
    return float(round(min(x, hi), decimals))


def format_value(issue, value, quote: bool = True) -> str:
    """A natural value with its unit, to the issue's step (``65.5 %``, ``US$ 40``), or a level label (quoted)."""
    if isinstance(value, str):
        return f"'{value}'" if quote else value
    decimals = max(0, -int(np.floor(np.log10(step_of(issue)))))
    number = f"{value:,.{decimals}f}"
    if issue.unit in ("US$", "$", "C$", "€", "£"):
        return f"{issue.unit} {number}"
    return f"{number} {issue.unit}".strip()


def ideal(scenario: Scenario, country: str) -> dict:
    """A country's ideal package {issue: value or label}: its ``ideal`` entries, or the best option or point of
    its value tables (``Preferences.ideal``)."""
    return scenario.space.natural(scenario.preferences.ideal[scenario.countries.index(country)])


def refused(scenario: Scenario, country: str, k: int) -> list[str]:
    """The levels or options of discrete issue ``k`` that a country's red lines exclude (a bound or a list)."""
    prefs, issue, row = scenario.preferences, scenario.space.issues[k], scenario.countries.index(country)
    out = []
    for n, (level, x) in enumerate(zip(issue.levels, scenario.space.positions(k), strict=True)):
        outside = not prefs.lo[row, k] - 1e-9 <= x <= prefs.hi[row, k] + 1e-9
        if outside or (prefs.excluded is not None and prefs.excluded.mask[row, k, n]):
            out.append(level)
    return out


def worth(scenario: Scenario, country: str, k: int) -> str:
    """What issue ``k`` is worth to a country that values it by a table (1 its best), in words: ``'north basin'
    1.00, 'south basin' 0.60, ...`` or ``0 %: 0.00, 20 %: 0.80, 30 %: 1.00``; empty for a single-peaked issue."""
    issue, c = scenario.space.issues[k], scenario.spec.countries[country]
    if issue.name not in c.values and issue.kind != "categorical":
        return ""
    if issue.discrete:  # a table, or a categorical issue with an ideal option only (worth 1, the others 0)
        values = scenario.preferences.values(_at(scenario, k))[:, scenario.countries.index(country), k]
        return ", ".join(f"'{level}' {v:.2f}" for level, v in zip(issue.levels, values, strict=True))
    points, values = value_table(issue, c.values[issue.name])
    return ", ".join(f"{format_value(issue, issue.natural(x))}: {v:.2f}" for x, v in zip(points, values, strict=True)) \
        + " (in proportion in between)"


def _at(scenario: Scenario, k: int) -> np.ndarray:
    """Packages (n, K) at each option of discrete issue ``k`` (the other issues at 0: only issue k is read)."""
    positions = scenario.space.positions(k)
    x = np.zeros((len(positions), len(scenario.space)))
    x[:, k] = positions
    return x


def rule_words(scenario: Scenario) -> str:
    """The decision rule in words: who must accept a package for it to be agreed, who holds a veto."""
    rule, spec = scenario.rule, scenario.spec
    if rule.unanimous:
        return "Every party must accept: a package is agreed only when all accept it (each party holds a veto)."
    vetoes = [f"{spec.countries[scenario.countries[v]].label or scenario.countries[v]} ({scenario.countries[v]})"
              for v in rule.veto]
    among = f", {' and '.join(vetoes)} among them ({'each holds' if len(vetoes) > 1 else 'it holds'} a veto)" \
        if vetoes else ""
    return (f"A package is agreed when at least {rule.at_least} of the {rule.parties} parties accept it{among}. "
            "An agreed package binds every party, those that rejected it included.")


def _range(issue) -> str:
    if issue.is_ordinal:
        return "options, in order: " + " < ".join(f"'{level}'" for level in issue.levels)
    if issue.discrete:
        return "options: " + ", ".join(f"'{option}'" for option in issue.levels)
    lo, hi = issue.bounds
    return f"from {format_value(issue, lo)} to {format_value(issue, hi)}"


def _sources(scenario: Scenario, *paths: str) -> str:
    """The sources the scenario cites for these parameters, as one italic aside (empty without any)."""
    found = list(dict.fromkeys(scenario.sources[p] for p in paths if p in scenario.sources))
    return f" *Sources: {'; '.join(found)}*" if len(found) > 1 else f" *Source: {found[0]}*" if found else ""


def public_brief(scenario: Scenario) -> str:
    """What every negotiator knows (see the module docstring)."""
    spec, space = scenario.spec, scenario.space
    parties = ", ".join(f"{c.label or code} ({code})" for code, c in spec.countries.items())
    lines = [f"## {scenario.name}: public brief", spec.description.strip(), "", f"**Parties**: {parties}.", ""]
    lines.append("## The issues")
    for issue in space:
        today = "" if issue.status_quo is None else f"; today (the status quo): {format_value(issue, issue.status_quo)}"
        lines.append(f"- **{issue.label or issue.name}** (`{issue.name}`): {_range(issue)}{today}.")
    lines += ["", "## Who must agree", f"- {rule_words(scenario)}" + _sources(scenario, "protocol.rule")]
    p, cal = spec.protocol, spec.calendar
    lines += ["", "## The calendar"]
    if cal is not None:
        every = "every month" if cal.months_per_round == 1 else f"every {cal.months_per_round:g} months"
        lines.append(f"- Round 1 is {scenario.month(1)}; one round {every}.")
    lines.append(f"- The deadline is round {p.deadline_round}{scenario.dated(p.deadline_round)}.")
    threat = spec.threat
    if threat.country is not None:
        who = spec.countries[threat.country].label or threat.country
        lines.append(f"- {who} may withdraw from the agreement. If the deadline passes without a deal and "
                     f"withdrawing is worth more to {who} than the status quo, it gives notice; the withdrawal "
                     f"takes effect {threat.notice_rounds} rounds later unless a deal comes first.")
        if threat.belief_erosion > 0:
            lines.append(f"- A deadline passed without a notice makes the threat look like a bluff: the others' "
                         f"belief in it falls by {threat.belief_erosion:.0%} a round.")
    lines.append(f"- Without a deal the talks end in round {p.horizon_round}{scenario.dated(p.horizon_round)} "
                 f"and {_no_deal(scenario)}.")
    agreed = "all accept" if scenario.rule.unanimous else "enough parties accept (see who must agree)"
    lines += ["", "## How a round runs", ROUND_RULES.get(p.name, f"Protocol `{p.name}`.").format(agreed=agreed),
              "Who tables first is drawn anew each round." if p.random_order else "The order is fixed.",
              "A party whose time runs out in a round tables nothing and rejects what it is asked."]
    return "\n".join(lines)


def _no_deal(scenario: Scenario) -> str:
    """What talks ending without a deal leave, in words (no threat carried out)."""
    countries = scenario.spec.countries.values()
    alternatives = any(c.reservation_value is not None for c in countries)
    if not scenario.no_deal_termination.all():
        return "the status quo stays" + (", except for the parties with an alternative of their own, who take "
                                         "it (their reservation value)" if alternatives else "")
    if alternatives:
        return ("each party takes its alternative to this deal (its reservation value, in its confidential brief)"
                if all(c.reservation_value is not None for c in countries) else
                "each party takes its alternative (its reservation value) or, without one, its no-agreement value")
    return "nobody keeps anything (each party gets its no-agreement value)"


def confidential_brief(scenario: Scenario, country: str) -> str:
    """What only ``country`` knows, in plain words, with the sources (see the module docstring).

    Raises:
        KeyError: If ``country`` is not a party of the scenario.
    """
    spec, space, prefs = scenario.spec, scenario.space, scenario.preferences
    c = spec.countries[country]
    row = scenario.countries.index(country)
    base = f"countries.{country}"
    scale = "your score sheet gives what each option is worth to you" if c.values else "0 the far end of every issue"
    lines = [f"## Confidential brief: {c.label or country} ({country})",
             f"Your utility runs from 0 to 1: 1 is your ideal package, {scale}. Keep this brief to yourself.", "",
             "## Your priorities"]
    weights, best = prefs.weights[row], ideal(scenario, country)
    for k in np.argsort(-weights, kind="stable"):
        if weights[k] <= 0:
            continue
        issue = space.issues[k]
        table = worth(scenario, country, k)
        table = f" Worth to you (1 your best): {table}." if table else ""
        table_sources = [path for path in scenario.sources if path.startswith(f"{base}.values.{issue.name}")]
        lines.append(f"- **{issue.label or issue.name}**: {weights[k]:.0%} of what is at stake for you; you "
                     f"want {format_value(issue, best[issue.name])}.{table}"
                     + _sources(scenario, f"{base}.weights.{issue.name}", f"{base}.ideal.{issue.name}",
                                *table_sources))
    ignored = [space.issues[k].label or space.issues[k].name for k in range(len(space)) if weights[k] <= 0]
    if ignored:
        lines.append(f"- You do not care about: {', '.join(ignored)}.")
    lines += ["", "## Your red lines"]
    if not c.red_lines:
        lines.append("- None: every package is open to you, if it is worth enough.")
    for name in c.red_lines:
        lines.append(f"- {_red_line(scenario, country, space.index(name))}"
                     + _sources(scenario, f"{base}.red_lines.{name}"))
    rule = scenario.rule
    if not rule.unanimous:
        lines += ["", "## Your vote", "- You hold a veto: no package passes without your yes." if row in rule.veto
                  else f"- Your yes is not needed: a package can pass without you ({rule.describe(scenario.countries)}"
                  "), and it then binds you too. Win over enough of the others."]
    status_quo = float(scenario.status_quo_utility[row])
    walk_away = float(scenario.initial_walk_away[row])
    threat = spec.threat.country
    lines += ["", "## If there is no deal"]
    if threat is None and c.reservation_value is not None:
        lines.append(f"- Your reservation value is **{c.reservation_value:.2f}**: what you get elsewhere if this "
                     "negotiation ends without a deal (your best alternative)."
                     + _sources(scenario, f"{base}.reservation_value"))
    elif threat is None and scenario.no_deal_termination[row]:
        lines.append(f"- Talks that end without a deal leave you **{c.termination_value:.2f}**."
                     + _sources(scenario, f"{base}.termination_value"))
    else:
        lines.append(f"- The status quo is worth **{status_quo:.2f}** to you; the end of the agreement "
                     f"**{c.termination_value:.2f}**." + _sources(scenario, f"{base}.termination_value"))
    if threat == country:
        lines.append(f"- You can withdraw: your walk-away value is the better of the two, **{walk_away:.2f}**. "
                     + ("Withdrawing beats the status quo for you, so your threat is real."
                        if c.termination_value > status_quo else
                        "Withdrawing is worse for you than the status quo: your threat is a bluff."))
    elif threat is not None:
        belief = c.belief or 0.0
        lines.append(f"- You put the chance that {spec.countries[threat].label or threat} really withdraws at "
                     f"{belief:.0%}, so your walk-away value at the start is **{walk_away:.2f}** (a mix of the "
                     f"two). A notice of withdrawal would lower it to {c.termination_value:.2f}."
                     + _sources(scenario, f"{base}.belief"))
    else:
        lines.append(f"- Your walk-away value is **{walk_away:.2f}**: never accept a package worth less.")
    lines.append("- Never accept a package worth less to you than your walk-away value: walking away is better.")
    domestic = _domestic(space, c)
    if domestic:
        lines += ["", "## At home", *domestic]
    return "\n".join(lines)


def _red_line(scenario: Scenario, country: str, k: int) -> str:
    """A country's red line on issue k in words: the options it refuses, or its bound."""
    issue, row = scenario.space.issues[k], scenario.countries.index(country)
    label = issue.label or issue.name
    if issue.discrete:
        out = [f"'{level}'" for level in refused(scenario, country, k)]
        return f"**{label}**: you cannot accept {' or '.join(out)}." if out else \
            f"**{label}**: '{scenario.spec.countries[country].red_lines[issue.name]}'."
    lo, hi = scenario.preferences.lo[row, k], scenario.preferences.hi[row, k]
    if hi < 1.0:
        return f"**{label}**: no more than {format_value(issue, issue.natural(hi))}."
    return f"**{label}**: no less than {format_value(issue, issue.natural(lo))}."


def _domestic(space, c) -> list[str]:
    """The domestic pressure on a seat, one line each."""
    def targets(values: dict) -> str:
        return ", ".join(f"{space.issues[space.index(k)].label or k} {format_value(space.issues[space.index(k)], v)}"
                         for k, v in values.items())

    out = []
    if c.congress is not None:
        out.append(f"- Your legislature must ratify the deal: it approves only a package worth at least "
                   f"{c.congress.threshold:.2f} to it (it has its own view of each issue).")
    if c.lobby is not None:
        out.append(f"- Business lobbies you against ending the agreement from round {c.lobby.start_round}: the "
                   "end of the agreement looks worse to you every round.")
    if c.auto_workers is not None:
        out.append(f"- Unions push you, from round {c.auto_workers.start_round}, toward "
                   f"{targets(c.auto_workers.demands)}.")
    if c.election is not None:
        out.append(f"- An election in round {c.election.round}"
                   + (f", after {c.election.campaign_rounds} rounds of campaign in which you cannot be seen to "
                      "concede" if c.election.campaign_rounds else "") + ".")
    if c.audience_costs is not None:
        out.append(f"- Conceding past what your public expects ({targets(c.audience_costs.set_points)}) costs "
                   "you support at home.")
    return out
