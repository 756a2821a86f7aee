"""The strategies draw what the specs promise, and reject bad arguments by name."""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance.strategies import arrays, broadcast_pairs, shapes


@settings(max_examples=50)
@given(x=arrays(dtype="float32"))
def test_arrays_are_finite_bounded_and_of_the_dtype(x):
    assert x.dtype == np.float32
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 100)


def test_shapes_include_zero_dimensional_and_size_one():
    assert find(shapes(), lambda shape: len(shape) == 0) == ()
    assert find(shapes(), lambda shape: len(shape) >= 2 and int(np.prod(shape)) == 1) == (1, 1)


@settings(max_examples=30)
@given(data=st.data())
def test_broadcast_pairs_broadcast_to_the_big_shape(data):
    small, big = data.draw(broadcast_pairs(dtype="float64"))
    assert np.broadcast_shapes(small.shape, big.shape) == big.shape
    assert np.all(small * 16 == np.round(small * 16))


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: arrays(dtype="int8"), "dtype='int8'"),
        (lambda: arrays(min_value=1, max_value=0), "min_value=1"),
        (lambda: shapes(min_dims=3, max_dims=1), "min_dims=3"),
        (lambda: shapes(min_side=5, max_side=2), "min_side=5"),
    ],
)
def test_bad_arguments_name_the_argument(call, named):
    with pytest.raises(InvalidArgument, match=named):
        call()
