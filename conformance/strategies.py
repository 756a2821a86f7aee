"""Every hypothesis strategy the specs draw from, named as hypothesis names its own.

Values are finite, of both signs and bounded, so that the tutorial's ``2 * (2x + 2) ** 2`` stays well
inside float32's range; NaN and infinity semantics are not what these specs measure.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = ("float32", "float64")


def _check_dtype(dtype: str) -> np.dtype:
    if dtype not in FLOAT_DTYPES:
        raise InvalidArgument(f"dtype={dtype!r} is not one of {', '.join(FLOAT_DTYPES)}")
    return np.dtype(dtype)


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d and size-1 included: ``shapes(max_dims=2)``."""
    if min_dims < 0 or max_dims < min_dims:
        raise InvalidArgument(f"min_dims={min_dims}, max_dims={max_dims}: need 0 <= min_dims <= max_dims")
    if min_side < 0 or max_side < min_side:
        raise InvalidArgument(f"min_side={min_side}, max_side={max_side}: need 0 <= min_side <= max_side")
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(
    *,
    dtype: str = "float32",
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    min_value: float = -100.0,
    max_value: float = 100.0,
    exact_sums: bool = False,
    min_magnitude: float = 0.0,
    distinct: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays of one dtype: ``arrays(dtype="float64", shape=(3,))``.

    ``exact_sums=True`` draws multiples of 1/16, whose sums are exact in float32: for specs whose
    gradient is a reduction over values of both signs, where rounding would otherwise depend on the
    order of summation rather than on the autograd behaviour under test. ``distinct=True`` draws
    distinct multiples of 1/16, so no two elements tie (max, amax, sort). ``min_magnitude`` keeps every
    element at least that far from zero (relu, abs: away from the kink, farther than a finite
    difference's step).
    """
    numpy_dtype = _check_dtype(dtype)
    if not min_value < max_value:
        raise InvalidArgument(f"min_value={min_value}, max_value={max_value}: need min_value < max_value")
    if min_magnitude < 0 or min_magnitude >= max(abs(min_value), abs(max_value)):
        raise InvalidArgument(f"min_magnitude={min_magnitude}: need 0 <= min_magnitude < the largest |value|")
    if distinct:  # ranks of drawn values, on the sixteenths: distinct by construction, and fast to draw
        first, last = int(np.ceil(min_value * 16)), int(np.floor(max_value * 16))

        def ranked(raw: np.ndarray) -> np.ndarray:
            ranks = np.argsort(np.argsort(raw, axis=None, kind="stable"), kind="stable").reshape(raw.shape)
            if ranks.size > last - first + 1:
                raise InvalidArgument(
                    f"{ranks.size} distinct sixteenths do not fit in [{min_value}, {max_value}]"
                )
            start = max(first, min(last - ranks.size + 1, -(ranks.size // 2)))
            return np.asarray((ranks + start) / 16, dtype=numpy_dtype)  # a 0-d array, not a scalar

        raw = hnp.arrays(np.int8, shapes() if shape is None else shape, elements=st.integers(-100, 100))
        return raw.map(ranked)
    if min_magnitude > 0:
        low, high = max(min_magnitude, min_value), max_value
        positive = (
            st.floats(min_value=low, max_value=high, width=32 if numpy_dtype == np.float32 else 64)
            if low < high
            else st.nothing()
        )
        low, high = max(min_magnitude, -max_value), -min_value
        negative = (
            st.floats(min_value=low, max_value=high, width=32 if numpy_dtype == np.float32 else 64).map(
                lambda value: -value
            )
            if low < high
            else st.nothing()
        )
        return hnp.arrays(numpy_dtype, shapes() if shape is None else shape, elements=positive | negative)
    if exact_sums:
        sixteenths = st.integers(
            min_value=int(np.ceil(min_value * 16)), max_value=int(np.floor(max_value * 16))
        )
        return hnp.arrays(
            numpy_dtype, shapes() if shape is None else shape, elements=sixteenths.map(lambda n: n / 16)
        )
    elements = st.floats(
        min_value=min_value,
        max_value=max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
        width=32 if numpy_dtype == np.float32 else 64,
    )
    return hnp.arrays(numpy_dtype, shapes() if shape is None else shape, elements=elements)


def broadcast_pairs(
    *, dtype: str = "float32", min_value: float = -100.0, max_value: float = 100.0
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(small, big): ``small`` broadcasts against ``big`` and has fewer elements or fewer dimensions;
    values in [min_value, max_value], multiples of 1/16."""
    _check_dtype(dtype)

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
        big_shape = draw(shapes(min_dims=1, max_dims=3, max_side=4), label="big.shape")
        small_shape = draw(
            hnp.broadcastable_shapes(big_shape, min_dims=0, max_dims=len(big_shape)), label="small.shape"
        )
        big_shape = np.broadcast_shapes(big_shape, small_shape)
        small = draw(
            arrays(dtype=dtype, shape=small_shape, min_value=min_value, max_value=max_value, exact_sums=True),
            label="small",
        )
        big = draw(
            arrays(dtype=dtype, shape=big_shape, min_value=min_value, max_value=max_value, exact_sums=True),
            label="big",
        )
        return small, big

    return pairs()


def dims(ndim: int, *, kind: str) -> st.SearchStrategy[int | tuple[int, ...]]:
    """A ``dim`` argument for an array of ``ndim`` dimensions: ``kind`` is ``"dim"`` (0 .. ndim-1),
    ``"negative dim"`` (-ndim .. -1) or ``"tuple"`` (distinct dims, some negative, in any order)."""
    if ndim < 1:
        raise InvalidArgument(f"ndim={ndim}: a dim needs at least one dimension")
    if kind == "dim":
        return st.integers(0, ndim - 1)
    if kind == "negative dim":
        return st.integers(-ndim, -1)
    if kind == "tuple":
        return st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
            lambda chosen: st.tuples(*[st.sampled_from([d, d - ndim]) for d in chosen])
        )
    raise InvalidArgument(f"kind={kind!r} is not one of 'dim', 'negative dim', 'tuple'")
