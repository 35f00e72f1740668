"""Role briefs from any scenario: the public brief and each seat's confidential brief."""

import pytest

import bargaining
from bargaining.classroom.briefs import confidential_brief, public_brief
from bargaining.scenario import bundled


@pytest.mark.parametrize("name", list(bundled()))
def test_the_public_brief_names_every_issue_its_options_and_the_calendar(name):
    scenario = bargaining.load_scenario(name)
    text = public_brief(scenario)
    p = scenario.spec.protocol
    for issue in scenario.space:
        assert f"**{issue.label or issue.name}** (`{issue.name}`)" in text
        for level in issue.levels or ():
            assert f"'{level}'" in text
    assert f"The deadline is round {p.deadline_round} ({scenario.month(p.deadline_round)})" in text
    assert f"talks end in round {p.horizon_round}" in text
    assert all(c.label in text for c in scenario.spec.countries.values())


@pytest.mark.parametrize("name", list(bundled()))
def test_every_confidential_brief_gives_the_seat_its_numbers_and_sources(name):
    scenario = bargaining.load_scenario(name)
    for row, code in enumerate(scenario.countries):
        text = confidential_brief(scenario, code)
        country = scenario.spec.countries[code]
        assert f"**{scenario.initial_walk_away[row]:.2f}**" in text  # the walk-away value at the start
        for issue in country.red_lines:
            label = scenario.space.issues[scenario.space.index(issue)].label
            assert f"**{label}**: " in text.split("## Your red lines")[1]
        for path, source in scenario.sources.items():
            if path.startswith(f"countries.{code}.") and path.split(".")[2] in ("red_lines", "termination_value",
                                                                                "weights", "ideal", "belief"):
                assert source in text, path
        others = [c for c in scenario.countries if c != code]
        assert not any(f"Confidential brief: {scenario.spec.countries[c].label}" in text for c in others)


def test_red_lines_and_walk_away_values_in_plain_words():
    nafta = bargaining.load_scenario("nafta-2017")
    canada = confidential_brief(nafta, "CA")
    assert "**U.S.-specific auto content**: no more than 0.0 %." in canada
    assert "**Dispute settlement (Chapter 19 panels)**: you cannot accept 'eliminated'." in canada
    assert "**Sunset clause**: you cannot accept 'ends after 5 years unless renewed'." in canada
    assert "chance that United States really withdraws at 40%" in canada
    assert canada.index("Dispute settlement") < canada.index("U.S.-specific") < canada.index("Auto regional")
    us = confidential_brief(nafta, "US")
    assert "your threat is real" in us and "Your legislature must ratify" in us
    assert "None: every package is open to you" in us
    pie = confidential_brief(bargaining.load_scenario("pie-split"), "B")
    assert "Talks that end without a deal leave you **0.00**." in pie and "status quo" not in pie
    assert "you want 0 %" in pie
