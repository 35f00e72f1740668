"""Role briefs from any scenario: one public brief for everyone, one confidential brief per seat.

The public brief says what every negotiator knows: the parties, the issues (what each means, its range or
options, the status quo), the calendar (the first round, the deadline, when talks end), the threat of
withdrawal and how a round runs. A seat's confidential brief says what only that seat knows, in plain
words: its priorities (its weights, ranked), its ideal package, its red lines, what the status quo and the
end of the agreement are worth to it and hence its walk-away value, and the domestic pressure it faces,
each with the source the scenario cites for it (``Scenario.sources``).

Briefs are Markdown-like text: ``## heading``, ``- item`` and ``**bold**`` (the app renders them; they read
as plain text too).
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario

ROUND_RULES = {
    "alternating_offers": "Each round every party in turn tables a full package (a value on every issue); the "
                          "others accept or reject it. The first package all accept is the agreement.",
    "single_text": "A mediator drafts one text. Each round the parties that objected to the last draft state "
                   "what they would accept now; the mediator redrafts and asks everyone to accept. The text "
                   "is agreed when all accept.",
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
        lines.append(f"- **{issue.label or issue.name}** (`{issue.name}`): {_range(issue)}; today "
                     f"(the status quo): {format_value(issue, issue.status_quo)}.")
    p, cal = spec.protocol, spec.calendar
    every = "every month" if cal.months_per_round == 1 else f"every {cal.months_per_round:g} months"
    lines += ["", "## The calendar",
              f"- Round 1 is {scenario.month(1)}; one round {every}.",
              f"- The deadline is round {p.deadline_round} ({scenario.month(p.deadline_round)})."]
    threat = spec.threat
    if threat.country is not None:
        who = spec.countries[threat.country].label or threat.country
        lines.append(f"- {who} may withdraw from the agreement. If the deadline passes without a deal and "
                     f"withdrawing is worth more to {who} than the status quo, it gives notice; the withdrawal "
                     f"takes effect {threat.notice_rounds} rounds later unless a deal comes first.")
        if threat.belief_erosion > 0:
            lines.append(f"- A deadline passed without a notice makes the threat look like a bluff: the others' "
                         f"belief in it falls by {threat.belief_erosion:.0%} a round.")
    no_deal = "nobody keeps anything (each party gets its no-agreement value)" if p.no_deal == "termination" \
        else "the status quo stays"
    lines.append(f"- Without a deal the talks end in round {p.horizon_round} ({scenario.month(p.horizon_round)}) "
                 f"and {no_deal}.")
    lines += ["", "## How a round runs", ROUND_RULES.get(p.name, f"Protocol `{p.name}`."),
              "Who tables first is drawn anew each round." if p.random_order else "The order is fixed.",
              "A party whose time runs out in a round tables nothing and rejects what it is asked."]
    return "\n".join(lines)


def confidential_brief(scenario: Scenario, country: str) -> str:
    """What only ``country`` knows, in plain words, with the sources (see the module docstring).

    Raises:
        KeyError: If ``country`` is not a party of the scenario.
    """
    spec, space, prefs = scenario.spec, scenario.space, scenario.preferences
    c = spec.countries[country]
    row = scenario.countries.index(country)
    base = f"countries.{country}"
    lines = [f"## Confidential brief: {c.label or country} ({country})",
             "Your utility runs from 0 to 1: 1 is your ideal package, 0 the far end of every issue. Keep this "
             "brief to yourself.", "", "## Your priorities"]
    weights = prefs.weights[row]
    for k in np.argsort(-weights, kind="stable"):
        if weights[k] <= 0:
            continue
        issue = space.issues[k]
        lines.append(f"- **{issue.label or issue.name}**: {weights[k]:.0%} of what is at stake for you; you "
                     f"want {format_value(issue, c.ideal[issue.name])}."
                     + _sources(scenario, f"{base}.weights.{issue.name}", f"{base}.ideal.{issue.name}"))
    ignored = [space.issues[k].label or space.issues[k].name for k in range(len(space)) if weights[k] <= 0]
    if ignored:
        lines.append(f"- You do not care about: {', '.join(ignored)}.")
    lines += ["", "## Your red lines"]
    if not c.red_lines:
        lines.append("- None: every package is open to you, if it is worth enough.")
    for name, bound in c.red_lines.items():
        k = space.index(name)
        lines.append(f"- {_red_line(space.issues[k], prefs.lo[row, k], prefs.hi[row, k], bound)}"
                     + _sources(scenario, f"{base}.red_lines.{name}"))
    status_quo = float(prefs.utility(space.status_quo)[row])
    walk_away = float(scenario.initial_walk_away[row])
    threat = spec.threat.country
    lines += ["", "## If there is no deal"]
    if threat is None and spec.protocol.no_deal == "termination":
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


def _red_line(issue, lo: float, hi: float, bound) -> str:
    """A red line in words, from the country's acceptable interval [lo, hi] (normalised)."""
    label = issue.label or issue.name
    if isinstance(bound, list):  # a set of unacceptable options
        return f"**{label}**: you cannot accept {' or '.join(repr(str(option)) for option in bound)}."
    if issue.discrete:
        allowed = [level for n, level in enumerate(issue.levels)
                   if lo - 1e-9 <= n / (len(issue.levels) - 1) <= hi + 1e-9]
        refused = [f"'{level}'" for level in issue.levels if level not in allowed]
        return f"**{label}**: you cannot accept {' or '.join(refused)}." if refused else f"**{label}**: '{bound}'."
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
