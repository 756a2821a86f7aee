"""Each entry of targets/tensorflow.deviations, shown by a minimal snippet in TensorFlow's own API.

TensorFlow is tested on the functional core only (vjp through ``tf.GradientTape``). The snippets need
tensorflow-cpu (tox env ``tensorflow``); elsewhere they skip. The last test, which runs in any
environment, checks that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@pytest.fixture
def tf():
    return pytest.importorskip(
        "tensorflow", reason="tensorflow is not installed here; it runs in its own env (tox -e tensorflow)"
    )


def test_backward_errors__non_scalar_vjp_refused(tf):
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = 2 * (2 * x + 2) ** 2  # three elements
    grad = tape.gradient(z, x)  # torch: RuntimeError, grad can be implicitly created only for scalars
    np.testing.assert_allclose(grad.numpy(), 16 * (X + 1), rtol=1e-6)  # the gradient of sum(z)


def test_every_entry_has_its_snippet():
    assert_snippets_match("tensorflow", globals())
