"""masks: the shortcuts a batch of one takes give numpy's reductions' answers, in a batch of one or of many."""

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bargaining.masks import columns, every, some

masks = st.integers(1, 5).flatmap(lambda r: arrays(bool, (r, 3)))


@given(masks)
def test_masks_answer_as_numpy_reductions(mask):
    assert some(mask[:, 0]) is bool(mask[:, 0].any())
    assert every(mask[:, 0]) is bool(mask[:, 0].all())
    assert columns(mask).tolist() == mask.any(axis=0).tolist()
