"""Each entry of targets/jax_x64.deviations (target jax-x64), shown by a minimal snippet in jax's own API.

The snippets run inside ``jax.enable_x64(True)``, JAX's scoped form of the switch the target turns on
for the whole process, so that they show float64 as the target computes it and leave the process as
they found it. Operators are called as targets/jax.py maps them. The snippets skip where jax is not
installed. If jax changes so that a snippet fails, its entry is stale: remove both. The last test
checks, in any environment, that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.deviations import assert_snippets_match


@pytest.fixture
def jax():
    jax = pytest.importorskip("jax", reason="jax is not installed here")
    with jax.enable_x64(True):
        yield jax


def grad(jax, function, x):
    """The gradient of sum(function(x)) for a float64 NumPy array x, float64 as it stays with x64 on."""
    g = np.asarray(jax.grad(lambda x: jax.numpy.sum(function(x)))(jax.numpy.asarray(np.asarray(x))))
    assert g.dtype == np.float64
    return g


# -- operators --------------------------------------------------------------------------------------------


def test_shape_ops__squeeze(jax):
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out"):
        jax.numpy.squeeze(jax.numpy.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)


def test_indexing__chunk(jax):
    pieces = jax.numpy.array_split(jax.numpy.asarray(np.arange(5.0)), 4)
    assert [len(piece) for piece in pieces] == [2, 1, 1, 1]  # torch.arange(5.).chunk(4): 2, 2, 1


# -- conventions at kinks and ties ------------------------------------------------------------------------


def test_conventions__abs_at_zero(jax):
    np.testing.assert_array_equal(grad(jax, jax.numpy.abs, [-1.5, 0.0, 2.0]), [-1, 1, 1])  # torch: [-1, 0, 1]


def test_conventions__clamp_at_bounds(jax):
    g = grad(jax, lambda x: jax.numpy.clip(x, -0.5, 0.5), [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g, [0, 0.5, 1, 0.5, 0])  # torch: [0, 1, 1, 1, 0]


def test_conventions__max_dim_ties(jax):
    g = grad(jax, lambda x: jax.numpy.max(x, axis=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: [[0, 1, 0], [1, 0, 0]]


def test_conventions__std_equal_values(jax):
    g = grad(jax, lambda x: jax.numpy.std(x, ddof=1), [2.0, 2.0, 2.0])
    assert np.isnan(g).all()  # torch: [0, 0, 0]


# -- the file and this module agree ---------------------------------------------------------------------


def test_every_entry_has_its_snippet():
    assert_snippets_match("jax_x64", globals())
