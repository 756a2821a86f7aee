"""Each entry of targets/autograd.deviations, shown by a minimal snippet in autograd's own API.

The snippets skip where autograd (HIPS) is not installed. If autograd changes so that a snippet
fails, its entry is stale: remove both. The last test checks, in any environment, that every entry
has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)  # the tutorial's x, In [2]


@pytest.fixture
def autograd():
    return pytest.importorskip("autograd", reason="autograd (HIPS) is not installed here")


def tutorial_mean(anp):
    return lambda x: anp.mean(2 * (2 * x + 2) ** 2)


# -- the gradient of anp.mean over a float32 array is float64 ------------------------------------------


def test_dtypes__vjp_dtype_matches_input(autograd):
    f = tutorial_mean(autograd.numpy)
    value, grad = autograd.value_and_grad(f)(X)
    assert value.dtype == np.float32
    assert grad.dtype == np.float64  # torch: float32, the input's dtype
    assert autograd.grad(f)(np.array(0.5, np.float32)).dtype == np.float32  # 0-d keeps float32


def test_scalar_backward__mean_gradient(autograd):
    x = np.ones((2, 3), dtype=np.float32)
    grad = autograd.grad(tutorial_mean(autograd.numpy))(x)
    assert grad.dtype == np.float64  # torch: float32
    np.testing.assert_allclose(grad, 16 * (x + 1) / x.size, rtol=1e-6)  # only the dtype is off


# -- the file and this module agree ---------------------------------------------------------------------


def test_every_entry_has_its_snippet():
    assert_snippets_match("autograd", globals())
