"""Each entry of targets/mlx.deviations, shown by a minimal snippet in mlx's own API.

Operators are called as targets/mlx.py maps them. The snippets skip where mlx is not installed. If mlx
changes so that a snippet fails, its entry is stale: remove both. The last test checks, in any
environment, that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.deviations import assert_snippets_match


@pytest.fixture
def mx():
    return pytest.importorskip("mlx.core", reason="mlx is not installed here")


def grad(mx, function, x):
    return np.array(mx.grad(function)(mx.array(np.array(x, dtype=np.float32))))


# -- float64 computed in float32 --------------------------------------------------------------------------


def float64_matches_float32(mx, function):
    x = np.linspace(-4, 4, 1001)
    with mx.stream(mx.cpu):
        wide = np.array(function(mx.array(x, dtype=mx.float64)))
        narrow = np.array(function(mx.array(x, dtype=mx.float32)))
    assert wide.dtype == np.float64
    np.testing.assert_array_equal(wide, narrow.astype(np.float64))  # no more digits than float32's


def test_elementwise_unary__exp(mx):
    float64_matches_float32(mx, mx.exp)
    with mx.stream(mx.cpu):
        value = np.array(mx.exp(mx.array(2.1484375, dtype=mx.float64))).item()
    assert abs(value - np.exp(2.1484375)) > 9e-7  # torch: within 1e-15


def test_elementwise_unary__sin(mx):
    float64_matches_float32(mx, mx.sin)


# -- operators --------------------------------------------------------------------------------------------


def test_shape_ops__squeeze(mx):
    with pytest.raises(ValueError, match="Cannot squeeze axis 0"):
        mx.squeeze(mx.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)


def test_indexing__chunk(mx):
    with pytest.raises(ValueError, match="equal size"):
        mx.split(mx.arange(5), 2)  # torch.arange(5).chunk(2): sizes 3 and 2


# -- conventions at kinks and ties ------------------------------------------------------------------------


def test_conventions__clamp_at_bounds(mx):
    g = grad(mx, lambda x: mx.sum(mx.clip(x, -0.5, 0.5)), [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g, [0, 0, 1, 0, 0])  # torch: [0, 1, 1, 1, 0]


def test_conventions__max_dim_ties(mx):
    g = grad(mx, lambda x: mx.sum(mx.max(x, axis=1)), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: [[0, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_conventions__maximum_ties(mx, name):
    x, y = mx.array([1.0, 2.0, 3.0]), mx.array([1.0, 0.0, 3.0])
    dx, dy = mx.grad(lambda x, y: mx.sum(getattr(mx, name)(x, y)), argnums=[0, 1])(x, y)
    assert np.array(dx)[0] == 0 and np.array(dy)[0] == 1  # the tie at [0]; torch: 0.5 each


def test_conventions__std_equal_values(mx):
    g = grad(mx, lambda x: mx.std(x, ddof=1), [2.0, 2.0, 2.0])
    assert np.isnan(g).all()  # torch: [0, 0, 0]


def test_every_entry_has_its_snippet():
    assert_snippets_match("mlx", globals())
