"""A single run's ``maximum`` and ``minimum`` of Python numbers are numpy's, bit for bit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bargaining.scalars import maximum, minimum

numbers = st.floats() | st.sampled_from([0.0, -0.0, float("nan"), -float("nan")])


@settings(max_examples=300, deadline=None)
@given(numbers, numbers)
def test_maximum_and_minimum_of_two_numbers_are_numpys_bit_for_bit(a, b):
    """The second of -0.0 and 0.0, a NaN of either operand (and its sign), on arrays of one as of many."""
    for mine, numpys in ((maximum, np.maximum), (minimum, np.minimum)):
        for size in (1, 5):
            expected = numpys(np.full(size, a), np.full(size, b))[0]
            assert np.float64(mine(a, b)).tobytes() == expected.tobytes()
