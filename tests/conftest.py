import pytest

import bargaining


@pytest.fixture(scope="session")
def nafta():
    return bargaining.load_scenario("nafta-2017")


@pytest.fixture(scope="session")
def pie():
    return bargaining.load_scenario("pie-split")
