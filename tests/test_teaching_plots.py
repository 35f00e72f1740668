"""Teaching pictures: zone-of-agreement slices and three-party views (the math under them: test_sampled.py)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import bargaining
from bargaining import sampled as sp
from bargaining.figures import teaching as tp


@pytest.fixture(scope="module")
def nafta():
    return bargaining.load_scenario("nafta-2017")


def test_zone_slice_shows_canadas_red_line(nafta, tmp_path):
    """On the auto-content slice, Canada accepts nothing with any U.S.-specific content (its red line at
    0 %, seed 003), whatever the regional content; the U.S. accepts the whole slice at the status quo of
    the other issues only where its utility clears 0.12."""
    d = nafta.initial_walk_away
    zone = nafta.zopa()
    xs, ys, grid = sp.slice_grid(nafta, "auto_rvc", "us_content", at=zone.package, n=41)
    ok = sp.acceptable(nafta, grid, d)
    ca = nafta.countries.index("CA")
    assert not ok[1:, :, ca].any()  # every row above us_content = 0 crosses Canada's red line
    u = nafta.preferences.utility(grid)
    assert np.array_equal(ok[..., 0], u[..., 0] >= d[0] - 1e-9)  # the U.S. has no red lines
    fig = tp.zone_slice(nafta, "auto_rvc", "us_content", at=zone.package, n=41, path=tmp_path / "slice.png",
                        marks={"ZOPA": zone.package})
    assert (tmp_path / "slice.png").stat().st_size > 10_000
    assert "zone of agreement" in fig.axes[0].get_title()
    plt.close(fig)


def test_ordinal_slice_and_three_party_figures(nafta, tmp_path):
    zone = nafta.zopa()
    fig = tp.zone_slice(nafta, "sunset", "dispute_settlement", at=zone.package, path=tmp_path / "ord.png")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][0] == "none"
    plt.close(fig)
    fig = tp.utility_triangle(nafta, marks={"ZOPA": zone.package}, path=tmp_path / "tri.png", log2_n=9)
    assert (tmp_path / "tri.png").stat().st_size > 10_000
    assert "feasible packages" in fig.axes[0].get_title()
    plt.close(fig)
    fig = tp.utility_cloud(nafta, path=tmp_path / "cloud.png", log2_n=9)
    assert (tmp_path / "cloud.png").exists()
    plt.close(fig)
    with pytest.raises(ValueError, match="three countries"):
        tp.utility_triangle(bargaining.load_scenario("pie-split"))
