"""Each entry of targets/tensorflow.deviations, shown by a minimal snippet in TensorFlow's own API.

TensorFlow is tested on the functional core (vjp through ``tf.GradientTape``) and on requires_grad as a
trainable ``tf.Variable``, detach and ``assign_add`` (see targets/tensorflow.py). The snippets need
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


def gradients(tf, function, *values):
    xs = [tf.constant(np.array(value)) for value in values]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        out = tf.reduce_sum(function(*xs))
    return [g.numpy() for g in tape.gradient(out, xs)]


# -- operators, as targets/tensorflow.py maps them -------------------------------------------------------


def test_reductions__var(tf):
    tnp = tf.experimental.numpy
    x = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    assert tnp.var(x, axis=(0, 1), ddof=0, dtype=x.dtype).numpy() == pytest.approx(2.1875)
    with pytest.raises(TypeError, match="'<' not supported between instances of 'tuple' and 'int'"):
        tnp.var(x, axis=(0, 1), ddof=1, dtype=x.dtype)  # torch.var(x, dim=(0, 1)): 2.9167


def test_shape_ops__squeeze(tf):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Can not squeeze dim"):
        tf.squeeze(tf.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)


def test_indexing__integer_arrays(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tf.gather(x, [2, 0, 2]).numpy(), [3.0, 1.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = -1 is not in \[0, 3\)"):
        tf.gather(x, [-1, 0])  # torch: x[tensor([-1, 0])] is [3., 1.]


def test_indexing__chunk(tf):
    with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divide"):
        tf.split(tf.range(5), 2)  # torch.arange(5).chunk(2): sizes 3 and 2


# -- conventions at kinks and ties -----------------------------------------------------------------------


def test_conventions__max_dim_ties(tf):
    (grad,) = gradients(tf, lambda x: tf.reduce_max(x, axis=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(grad, [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: [[0, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_conventions__maximum_ties(tf, name):
    dx, dy = gradients(tf, getattr(tf, name), [1.0, 2.0, 3.0], [1.0, 0.0, 3.0])
    assert dx[0] == 1 and dy[0] == 0  # the tie at [0]; torch: 0.5 each


# -- tracking is the tape's, not the tensor's -----------------------------------------------------------


def watched_by_a_tape(tf, tensor):
    with tf.GradientTape() as tape:
        tf.identity(tensor)  # a tape watches a trainable variable it reads
    return any(variable is tensor for variable in tape.watched_variables())


def test_tracking__results_of_tracked_tensors_are_tracked(tf):
    v = tf.Variable(X)
    assert v.trainable and watched_by_a_tape(tf, v)
    y = 2 * v + 2  # outside a tape: nothing records this
    assert not isinstance(y, tf.Variable)
    assert not watched_by_a_tape(tf, y)  # torch: y.requires_grad is True
    with tf.GradientTape() as tape:
        pass
    assert tape.gradient(y, v) is None  # y cannot be differentiated afterwards


def integer_variable_accepted(tf):
    v = tf.Variable(np.array([1, 2, 3]))  # torch: RuntimeError, only floating point tensors
    assert v.dtype == tf.int64 and v.trainable and watched_by_a_tape(tf, v)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v)
    assert tape.gradient(y, v) is None


def test_dtypes__integer_tensor_cannot_require_grad(tf):
    integer_variable_accepted(tf)


def test_dtypes__integer_requires_grad_error_class(tf):
    integer_variable_accepted(tf)


def test_dtypes__integer_vjp_refused(tf):
    x = tf.constant(np.array([1, 2, 3]))
    with tf.GradientTape() as tape:
        tape.watch(x)  # logs: the dtype of the watched tensor must be floating
        y = tf.reduce_sum(x * x)
    assert tape.gradient(y, x) is None  # torch: RuntimeError


def test_every_entry_has_its_snippet():
    assert_snippets_match("tensorflow", globals())
