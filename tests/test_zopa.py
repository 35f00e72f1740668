"""Zone of possible agreement: the max-min LP against closed forms and a brute-force search."""

import itertools

import numpy as np
import pytest

from bargaining.analysis import zopa as zone_of


def zopa(scenario, walk_away=None):
    return zone_of(scenario.preferences, scenario.space,
                   scenario.initial_walk_away if walk_away is None else walk_away)


def test_pie_split_closed_form(pie):
    z = zopa(pie)
    assert z.exists and z.slack == pytest.approx(0.5) and z.package == pytest.approx([0.5])
    # Walk-away values 0.3 and 0.5: the best worst-off surplus is (1 - 0.3 - 0.5) / 2.
    z = zopa(pie, walk_away=[0.3, 0.5])
    assert z.slack == pytest.approx(0.1) and z.package == pytest.approx([0.4])
    assert not zopa(pie, walk_away=[0.6, 0.5]).exists


def test_quadratic_shape_golden_ratio(pie):
    # u_A = 1 - (1 - x)^2, u_B = 1 - x: equal at 1 - x = (sqrt(5) - 1) / 2.
    z = zopa(pie.with_overrides(['A.shape="quadratic"']))
    assert z.package[0] == pytest.approx(1 - (np.sqrt(5) - 1) / 2, abs=2e-3)


def test_nafta_matches_brute_force(nafta):
    prefs, space = nafta.preferences, nafta.space
    floors = nafta.initial_walk_away
    z = zopa(nafta)
    grids = [np.linspace(0, 1, 3) if o else np.linspace(0, 1, 6) for o in space.discrete]
    xs = np.array(list(itertools.product(*grids)))
    ok = prefs.within_red_lines(xs).all(axis=1)
    brute = (prefs.utility(xs[ok]) - floors).min(axis=1).max()
    assert z.slack >= brute - 1e-9  # the LP is at least as good as any grid point
    assert z.slack - brute < 0.05  # and not much better than a 6-point grid
    assert prefs.within_red_lines(z.package).all()
    assert (prefs.utility(z.package) - floors).min() == pytest.approx(z.slack)


def test_incompatible_red_lines_leave_no_zone(nafta):
    z = zopa(nafta.with_overrides({"US.red_lines.auto_rvc": 85.0, "CA.red_lines.auto_rvc": 70.0}))
    assert not z.exists and z.package is None
