import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bargaining.issues import Issue, IssueSpace

RVC = Issue("auto_rvc", "continuous", 62.5, unit="%", bounds=(50.0, 85.0))
SUNSET = Issue("sunset", "ordinal", "none", levels=("none", "review", "sunset"))
SPACE = IssueSpace((RVC, SUNSET))


def test_continuous_maps_bounds_to_unit_interval():
    assert RVC.normalise(50.0) == 0.0
    assert RVC.normalise(85.0) == 1.0
    assert RVC.normalise(62.5) == pytest.approx(12.5 / 35)
    assert RVC.natural(0.5) == pytest.approx(67.5)


def test_ordinal_levels_are_evenly_spaced_and_snap():
    assert [SUNSET.normalise(level) for level in SUNSET.levels] == [0.0, 0.5, 1.0]
    assert SUNSET.natural(0.74) == "review"
    assert SUNSET.natural(0.76) == "sunset"
    np.testing.assert_allclose(SPACE.snap(np.array([0.3, 0.3])), [0.3, 0.5])
    np.testing.assert_allclose(SPACE.snap(np.array([1.2, -0.1])), [1.0, 0.0])


@pytest.mark.parametrize("value", [49.9, 85.1, "high"])
def test_continuous_out_of_range_names_bounds_and_value(value):
    with pytest.raises(ValueError, match=r"expected a number in \[50, 85\], found"):
        RVC.normalise(value)


def test_ordinal_unknown_label_lists_levels():
    with pytest.raises(ValueError, match="expected one of"):
        SUNSET.normalise("maybe")


@given(st.floats(50.0, 85.0), st.sampled_from(SUNSET.levels))
def test_natural_round_trip(rvc, sunset):
    x = SPACE.normalise({"auto_rvc": rvc, "sunset": sunset})
    back = SPACE.natural(x)
    assert back["auto_rvc"] == pytest.approx(rvc)
    assert back["sunset"] == sunset
    np.testing.assert_array_equal(SPACE.snap(x), x)


@given(st.sampled_from([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1 / 3, 2 / 3])
       | st.floats(0.0, 1.0))
def test_natural_is_naturals_of_one_position(x):
    """``natural`` computes on Python numbers what ``naturals`` computes on arrays: the same value, to the bit (the
    halfway points between levels too)."""
    five = Issue("five", "ordinal", levels=("a", "b", "c", "d", "e"))  # x * 4: halfway points at k / 8
    whole = Issue("whole", "continuous", bounds=(3, 17))  # integer bounds
    for issue in (RVC, SUNSET, five, whole):
        expected = issue.naturals(np.array([x]))[0]
        assert issue.natural(x) == expected and type(issue.natural(np.float64(x))) is type(issue.natural(x))
        if not issue.discrete:
            assert issue.natural(x).hex() == float(expected).hex()


def test_status_quo_vector():
    np.testing.assert_allclose(SPACE.status_quo, [12.5 / 35, 0.0])


def test_per_round_records_give_ordinal_offers_as_level_indices():
    """Result.rounds holds the offer on an ordinal issue as its level index (0 = first level): in round 1
    the U.S. opens at the last level of sunset, dispute settlement and procurement, Canada at the first."""
    import bargaining

    r = bargaining.run("nafta-2017", {"noise.aspiration": 0.0}, seed=0)
    first = r.rounds[r.rounds["round"] == 1].set_index("country")
    for issue in ("sunset", "dispute_settlement", "procurement"):
        assert (first.loc["US", issue], first.loc["CA", issue]) == (2.0, 0.0)
    assert SUNSET.numeric(0.5) == 1.0 and RVC.numeric(0.5) == pytest.approx(67.5)


def test_show_describes_each_issue_range(capsys):
    """``bargaining show`` lists a continuous issue's range as bounds and unit, an ordinal one as its levels
    in order."""
    from bargaining.cli import main

    assert main(["show", "nafta-2017"]) == 0
    rows = {}
    for line in capsys.readouterr().out.splitlines():  # the issue table comes first; keep its rows
        if line.strip():
            rows.setdefault(line.split()[0], line)
    assert "50–85 %" in rows["auto_rvc"] and "0–800 US$" in rows["de_minimis"]
    assert "none < periodic review < ends after 5 years unless renewed" in rows["sunset"]
    assert RVC.describe() == "50–85 %" and SUNSET.describe() == "none < review < sunset"
