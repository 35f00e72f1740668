"""masks: the shortcuts a batch of one takes give numpy's reductions' answers, in a batch of one or of many."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bargaining.masks import columns, distinct, every, some

masks = st.integers(1, 5).flatmap(lambda r: arrays(bool, (r, 3)))


@given(masks)
def test_masks_answer_as_numpy_reductions(mask):
    assert some(mask[:, 0]) is bool(mask[:, 0].any())
    assert every(mask[:, 0]) is bool(mask[:, 0].all())
    assert columns(mask).tolist() == mask.any(axis=0).tolist()


@given(st.integers(1, 12).flatmap(lambda bound: st.tuples(st.just(bound), arrays(int, st.integers(1, 40),
                                                                                  elements=st.integers(0, bound - 1)))))
def test_distinct_groups_are_numpys_unique(case):
    bound, values = case
    want, inverse = np.unique(values, return_inverse=True)
    got, which = distinct(values, bound)
    assert got.tolist() == want.tolist() and which.tolist() == inverse.reshape(-1).tolist()
