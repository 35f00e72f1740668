"""masks: the shortcuts a batch of one takes give numpy's reductions' answers, in a batch of one or of many."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bargaining.masks import columns, distinct, distinct_rows, every, some

masks = st.integers(1, 5).flatmap(lambda r: arrays(bool, (r, 3)))


@given(masks)
def test_masks_answer_as_numpy_reductions(mask):
    assert some(mask[:, 0]) is bool(mask[:, 0].any())
    assert every(mask[:, 0]) is bool(mask[:, 0].all())
    assert columns(mask).tolist() == mask.any(axis=0).tolist()


@given(st.integers(1, 12).flatmap(lambda bound: st.tuples(st.just(bound), arrays(int, st.integers(0, 80),
                                                                                  elements=st.integers(0, bound - 1)))))
def test_distinct_groups_are_numpys_unique(case):
    bound, values = case
    want, inverse = np.unique(values, return_inverse=True)
    got, which = distinct(values, bound)
    assert got.tolist() == want.tolist() and which.tolist() == inverse.reshape(-1).tolist()
    assert got.dtype == which.dtype == np.intp


# rows of keys as ``Shock.parts`` and ``parameter_sets`` build them: groups beside floats' bits (negative ones too:
# -0.0 apart from 0.0), few distinct values so rows repeat
keys = st.tuples(st.integers(0, 30), st.integers(1, 4)).flatmap(lambda shape: st.one_of(
    arrays(np.int64, shape, elements=st.integers(-2, 2)),
    arrays(np.float64, shape, elements=st.sampled_from([-1.5, -0.0, 0.0, 0.25, 3.0])).map(lambda a: a.view(np.int64)),
    arrays(np.int64, shape, elements=st.integers(-2**63, 2**63 - 1))))


@given(keys)
def test_distinct_rows_are_numpys_unique_of_rows(rows):
    want, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    got, start, which = distinct_rows(rows)
    assert got.shape == want.shape and got.tolist() == want.tolist()
    assert start.tolist() == first.tolist() and which.tolist() == inverse.reshape(-1).tolist()
