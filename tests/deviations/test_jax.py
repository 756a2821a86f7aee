"""Each entry of targets/jax.deviations, shown by a minimal snippet in jax's own API, with its defaults.

Operators are called as targets/jax.py maps them. The snippets skip where jax is not installed, and
where something has turned jax_enable_x64 on, since target jax runs without it. If jax changes so that
a snippet fails, its entry is stale: remove both. The last test checks, in any environment, that every
entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.deviations import assert_snippets_match


@pytest.fixture
def jax():
    jax = pytest.importorskip("jax", reason="jax is not installed here")
    if jax.config.jax_enable_x64:
        pytest.skip("jax_enable_x64 is on in this process; these snippets show jax's defaults")
    return jax


def grad(jax, function, x):
    """The gradient of sum(function(x)) for a float64 NumPy array x: float32, as jax computes it."""
    g = np.asarray(jax.grad(lambda x: jax.numpy.sum(function(x)))(jax.numpy.asarray(np.asarray(x))))
    assert g.dtype == np.float32  # the float64 entries: float64 in, float32 out
    return g


# -- float64 computed in float32 --------------------------------------------------------------------------
# jnp.asarray of a float64 array is float32, with no warning, while jax_enable_x64 is off. Each program is
# its spec's in miniature; its value and its gradient on a float64 NumPy array are float32.

X64 = np.array([[0.25, 0.5, 0.75], [1.0, 1.25, 1.5]])
MASK = np.array([[True, False, True], [False, True, True]])

FLOAT64_PROGRAMS = {
    "tensors.round_trip": lambda jax, jnp, x: x,
    "scalar_backward.mean_gradient": lambda jax, jnp, x: jnp.mean(2 * (2 * x + 2) ** 2),
    "scalar_backward.sum_gradient": lambda jax, jnp, x: jnp.sum(2 * (2 * x + 2) ** 2),
    "vector_backward.ones_equals_sum": lambda jax, jnp, x: 2 * (2 * x + 2) ** 2,
    "vector_backward.random_v": lambda jax, jnp, x: 2 * (2 * x + 2) ** 2,
    "dtypes.vjp_dtype_matches_input": lambda jax, jnp, x: jnp.mean(2 * (2 * x + 2) ** 2),
    "graph_structure.tensor_used_several_times": lambda jax, jnp, x: x * x + 3 * x,
    "graph_structure.shared_subexpression": lambda jax, jnp, x: (2 * x) * (2 * x) + 2 * x,
    "graph_structure.broadcast_gradient_reduced": lambda jax, jnp, x: x[0, 0] * x,
    "operators.binary_gradients": lambda jax, jnp, x: x / (x + 1),
    "elementwise_unary.neg": lambda jax, jnp, x: jnp.negative(x),
    "elementwise_unary.abs": lambda jax, jnp, x: jnp.abs(x),
    "elementwise_unary.exp": lambda jax, jnp, x: jnp.exp(x),
    "elementwise_unary.log": lambda jax, jnp, x: jnp.log(x),
    "elementwise_unary.sqrt": lambda jax, jnp, x: jnp.sqrt(x),
    "elementwise_unary.sin": lambda jax, jnp, x: jnp.sin(x),
    "elementwise_unary.cos": lambda jax, jnp, x: jnp.cos(x),
    "elementwise_unary.tanh": lambda jax, jnp, x: jnp.tanh(x),
    "elementwise_unary.sigmoid": lambda jax, jnp, x: jax.nn.sigmoid(x),
    "elementwise_unary.relu": lambda jax, jnp, x: jax.nn.relu(x),
    "elementwise_unary.reciprocal": lambda jax, jnp, x: jnp.reciprocal(x),
    "elementwise_unary.pow": lambda jax, jnp, x: jnp.power(x, 3),
    "elementwise_unary.clamp": lambda jax, jnp, x: jnp.clip(x, min=0.5, max=1.25),
    "elementwise_binary.add": lambda jax, jnp, x: jnp.add(x, x[0]),
    "elementwise_binary.sub": lambda jax, jnp, x: jnp.subtract(x, x[0]),
    "elementwise_binary.mul": lambda jax, jnp, x: jnp.multiply(x, x[0]),
    "elementwise_binary.div": lambda jax, jnp, x: jnp.divide(x, x[0]),
    "elementwise_binary.pow": lambda jax, jnp, x: jnp.power(x, x[0]),
    "elementwise_binary.maximum": lambda jax, jnp, x: jnp.maximum(x, x[0]),
    "elementwise_binary.minimum": lambda jax, jnp, x: jnp.minimum(x, x[0]),
    "elementwise_binary.where": lambda jax, jnp, x: jnp.where(MASK, x, 2 * x),
    "reductions.sum": lambda jax, jnp, x: jnp.sum(x, axis=1),
    "reductions.mean": lambda jax, jnp, x: jnp.mean(x, axis=1),
    "reductions.amax": lambda jax, jnp, x: jnp.max(x, axis=1),
    "reductions.amin": lambda jax, jnp, x: jnp.min(x, axis=1),
    "reductions.max": lambda jax, jnp, x: jnp.max(x, axis=1),
    "reductions.min": lambda jax, jnp, x: jnp.min(x, axis=1),
    "reductions.prod": lambda jax, jnp, x: jnp.prod(x, axis=1),
    "reductions.var": lambda jax, jnp, x: jnp.var(x, axis=1, ddof=1),
    "reductions.std": lambda jax, jnp, x: jnp.std(x, axis=1, ddof=1),
    "reductions.logsumexp": lambda jax, jnp, x: jax.scipy.special.logsumexp(x, axis=1),
    "reductions.softmax": lambda jax, jnp, x: jax.nn.softmax(x, axis=1),
    "reductions.log_softmax": lambda jax, jnp, x: jax.nn.log_softmax(x, axis=1),
    "linear_algebra.matmul": lambda jax, jnp, x: jnp.matmul(x, x.T),
    "linear_algebra.mm": lambda jax, jnp, x: jnp.matmul(x, x.T),
    "linear_algebra.t": lambda jax, jnp, x: jnp.transpose(x),
    "linear_algebra.transpose": lambda jax, jnp, x: jnp.swapaxes(x, 0, 1),
    "linear_algebra.permute": lambda jax, jnp, x: jnp.transpose(x, (1, 0)),
    "linear_algebra.mT": lambda jax, jnp, x: jnp.matrix_transpose(x),
    "shape_ops.reshape": lambda jax, jnp, x: jnp.reshape(x, (3, 2)),
    "shape_ops.view": lambda jax, jnp, x: jnp.reshape(x, (6,)),
    "shape_ops.flatten": lambda jax, jnp, x: jax.lax.collapse(x, 0, 2),
    "shape_ops.unsqueeze": lambda jax, jnp, x: jnp.expand_dims(x, 0),
    "shape_ops.expand": lambda jax, jnp, x: jnp.broadcast_to(x, (4, 2, 3)),
    "indexing.basic_slices": lambda jax, jnp, x: x[:, ::2],
    "indexing.integer_arrays": lambda jax, jnp, x: x[np.array([0, 0, 1])],
    "indexing.boolean_masks": lambda jax, jnp, x: x[MASK],
    "indexing.cat": lambda jax, jnp, x: jnp.concatenate([x, x], axis=0),
    "indexing.stack": lambda jax, jnp, x: jnp.stack([x, x], axis=0),
    "indexing.split": lambda jax, jnp, x: jnp.split(x, [1], axis=0)[0],
    "conventions.relu_at_zero": lambda jax, jnp, x: jax.nn.relu(x - 0.25),
    "conventions.sqrt_at_zero": lambda jax, jnp, x: jnp.sqrt(x - 0.25),
    "conventions.max_ties": lambda jax, jnp, x: jnp.max(jnp.ones_like(x) * x[0, 0], axis=1),
    "conventions.amax_ties": lambda jax, jnp, x: jnp.max(jnp.ones_like(x) * x[0, 0]),
    "conventions.maximum_ties": lambda jax, jnp, x: jnp.maximum(x, x),
    "conventions.prod_one_zero": lambda jax, jnp, x: jnp.prod(x - 0.25),
    "conventions.prod_two_zeros": lambda jax, jnp, x: jnp.prod(x - 0.25) * jnp.prod(x - 1.0),
    "conventions.where_nonfinite_branch": lambda jax, jnp, x: jnp.where(MASK, x, jnp.inf),
    "conventions.where_discarded_nan_flows": lambda jax, jnp, x: jnp.where(MASK, x, jnp.log(x - 1.0)),
    "numerics.sigmoid_large": lambda jax, jnp, x: jax.nn.sigmoid(100 * x),
    "numerics.softmax_large": lambda jax, jnp, x: jax.nn.softmax(1000 * x, axis=1),
    "numerics.logsumexp_large": lambda jax, jnp, x: jax.scipy.special.logsumexp(1000 * x, axis=1),
    "numerics.log_at_zero": lambda jax, jnp, x: jnp.log(x - 0.25),
    "numerics.var_large_offset": lambda jax, jnp, x: jnp.var(10000 + x, ddof=1),
    "numerics.mean_large_values": lambda jax, jnp, x: jnp.mean(1e38 * x),
    "autograd_grad.several_outputs_vjp": lambda jax, jnp, x: jax.vjp(lambda t: (t * x, jnp.exp(t)), x)[0][1],
    # a gradient inside the program: the snippet's vjp of it is a second derivative
    "higher_order.second_derivative": lambda jax, jnp, x: jax.grad(lambda t: jnp.sum(jnp.exp(t)))(x),
    "higher_order.mixed_partials": lambda jax, jnp, x: jax.grad(lambda t: jnp.sum(t * t * x[0, 0]))(x),
    "higher_order.hessian_vector_product": lambda jax, jnp, x: jax.grad(lambda t: jnp.sum(t * t) ** 2)(x) * x,
    "higher_order.gradient_penalty": lambda jax, jnp, x: jnp.sqrt(
        jnp.sum(jax.grad(lambda t: jnp.sum(t**3))(x) ** 2)
    ),
}


def float32_on_float64(program):
    def snippet(jax):
        x = jax.numpy.asarray(X64)
        value, pullback = jax.vjp(lambda x: program(jax, jax.numpy, x), x)
        assert (x.dtype, value.dtype, pullback(jax.numpy.ones_like(value))[0].dtype) == (np.float32,) * 3

    snippet.__doc__ = "A float64 input is computed in float32: the value and its gradient are float32."
    return snippet


for _spec_id, _program in FLOAT64_PROGRAMS.items():
    globals()[f"test_{_spec_id.replace('.', '__', 1)}"] = float32_on_float64(_program)


# -- operators --------------------------------------------------------------------------------------------


def test_shape_ops__squeeze(jax):
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out"):
        jax.numpy.squeeze(jax.numpy.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)
    assert jax.numpy.squeeze(jax.numpy.asarray(np.ones((2, 1))), axis=1).dtype == np.float32  # float64 in


def test_indexing__chunk(jax):
    pieces = jax.numpy.array_split(jax.numpy.asarray(np.arange(5.0)), 4)  # a float64 NumPy array
    assert [len(piece) for piece in pieces] == [2, 1, 1, 1]  # torch.arange(5.).chunk(4): 2, 2, 1
    assert pieces[0].dtype == np.float32


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
    assert_snippets_match("jax", globals())
