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
    """The gradient of function for a float64 NumPy array x: float32, as mx.array makes x float32."""
    g = np.array(mx.grad(function)(mx.array(np.asarray(x))))
    assert g.dtype == np.float32  # the float64 entries: float64 in, float32 out
    return g


# -- float64 made float32 -------------------------------------------------------------------------------
# mx.array of a float64 NumPy array is float32 (MLX's default float type). Each program is its spec's in
# miniature; its value and its gradient on a float64 NumPy array are float32.

X64 = np.array([[0.25, 0.5, 0.75], [1.0, 1.25, 1.5]])
MASK = np.array([[True, False, True], [False, True, True]])

FLOAT64_PROGRAMS = {
    "tensors.round_trip": lambda mx, x: x,
    "scalar_backward.mean_gradient": lambda mx, x: mx.mean(2 * (2 * x + 2) ** 2),
    "scalar_backward.sum_gradient": lambda mx, x: mx.sum(2 * (2 * x + 2) ** 2),
    "vector_backward.ones_equals_sum": lambda mx, x: 2 * (2 * x + 2) ** 2,
    "vector_backward.random_v": lambda mx, x: 2 * (2 * x + 2) ** 2,
    "dtypes.vjp_dtype_matches_input": lambda mx, x: mx.mean(2 * (2 * x + 2) ** 2),
    "graph_structure.tensor_used_several_times": lambda mx, x: x * x + 3 * x,
    "graph_structure.shared_subexpression": lambda mx, x: (2 * x) * (2 * x) + 2 * x,
    "graph_structure.broadcast_gradient_reduced": lambda mx, x: x[0, 0] * x,
    "operators.binary_gradients": lambda mx, x: x / (x + 1),
    "elementwise_unary.neg": lambda mx, x: mx.negative(x),
    "elementwise_unary.abs": lambda mx, x: mx.abs(x),
    "elementwise_unary.exp": lambda mx, x: mx.exp(x),
    "elementwise_unary.log": lambda mx, x: mx.log(x),
    "elementwise_unary.sqrt": lambda mx, x: mx.sqrt(x),
    "elementwise_unary.sin": lambda mx, x: mx.sin(x),
    "elementwise_unary.cos": lambda mx, x: mx.cos(x),
    "elementwise_unary.tanh": lambda mx, x: mx.tanh(x),
    "elementwise_unary.sigmoid": lambda mx, x: mx.sigmoid(x),
    "elementwise_unary.relu": lambda mx, x: mx.maximum(x, 0),  # mlx.nn.relu is mx.maximum(x, 0)
    "elementwise_unary.reciprocal": lambda mx, x: mx.reciprocal(x),
    "elementwise_unary.pow": lambda mx, x: mx.power(x, 3),
    "elementwise_unary.clamp": lambda mx, x: mx.clip(x, 0.5, 1.25),
    "elementwise_binary.add": lambda mx, x: mx.add(x, x[0]),
    "elementwise_binary.sub": lambda mx, x: mx.subtract(x, x[0]),
    "elementwise_binary.mul": lambda mx, x: mx.multiply(x, x[0]),
    "elementwise_binary.div": lambda mx, x: mx.divide(x, x[0]),
    "elementwise_binary.pow": lambda mx, x: mx.power(x, x[0]),
    "elementwise_binary.maximum": lambda mx, x: mx.maximum(x, x[0]),
    "elementwise_binary.minimum": lambda mx, x: mx.minimum(x, x[0]),
    "elementwise_binary.where": lambda mx, x: mx.where(mx.array(MASK), x, 2 * x),
    "reductions.sum": lambda mx, x: mx.sum(x, axis=1),
    "reductions.mean": lambda mx, x: mx.mean(x, axis=1),
    "reductions.amax": lambda mx, x: mx.max(x, axis=1),
    "reductions.amin": lambda mx, x: mx.min(x, axis=1),
    "reductions.max": lambda mx, x: mx.max(x, axis=1),
    "reductions.min": lambda mx, x: mx.min(x, axis=1),
    "reductions.prod": lambda mx, x: mx.prod(x, axis=1),
    "reductions.var": lambda mx, x: mx.var(x, axis=1, ddof=1),
    "reductions.std": lambda mx, x: mx.std(x, axis=1, ddof=1),
    "reductions.logsumexp": lambda mx, x: mx.logsumexp(x, axis=1),
    "reductions.softmax": lambda mx, x: mx.softmax(x, axis=1),
    "reductions.log_softmax": lambda mx, x: x - mx.logsumexp(x, axis=1, keepdims=True),  # mlx.nn's
    "linear_algebra.matmul": lambda mx, x: mx.matmul(x, x.T),
    "linear_algebra.mm": lambda mx, x: mx.matmul(x, x.T),
    "linear_algebra.t": lambda mx, x: mx.transpose(x),
    "linear_algebra.transpose": lambda mx, x: mx.swapaxes(x, 0, 1),
    "linear_algebra.permute": lambda mx, x: mx.transpose(x, (1, 0)),
    "linear_algebra.mT": lambda mx, x: mx.matrix_transpose(x),
    "shape_ops.reshape": lambda mx, x: mx.reshape(x, (3, 2)),
    "shape_ops.view": lambda mx, x: mx.reshape(x, (6,)),
    "shape_ops.flatten": lambda mx, x: mx.flatten(x, 0, -1),
    "shape_ops.unsqueeze": lambda mx, x: mx.expand_dims(x, 0),
    "shape_ops.expand": lambda mx, x: mx.broadcast_to(x, (4, 2, 3)),
    "indexing.basic_slices": lambda mx, x: x[:, ::2],
    "indexing.integer_arrays": lambda mx, x: x[mx.array([0, 0, 1])],
    "indexing.cat": lambda mx, x: mx.concatenate([x, x], axis=0),
    "indexing.stack": lambda mx, x: mx.stack([x, x], axis=0),
    "indexing.split": lambda mx, x: mx.split(x, [1], axis=0)[0],
    "conventions.abs_at_zero": lambda mx, x: mx.abs(x - 0.25),
    "conventions.relu_at_zero": lambda mx, x: mx.maximum(x - 0.25, 0),
    "conventions.sqrt_at_zero": lambda mx, x: mx.sqrt(x - 0.25),
    "conventions.max_ties": lambda mx, x: mx.max(mx.ones_like(x) * x[0, 0], axis=1),
    "conventions.amax_ties": lambda mx, x: mx.max(mx.ones_like(x) * x[0, 0]),
    "conventions.prod_one_zero": lambda mx, x: mx.prod(x - 0.25),
    "conventions.prod_two_zeros": lambda mx, x: mx.prod(x - 0.25) * mx.prod(x - 1.0),
    "conventions.where_nonfinite_branch": lambda mx, x: mx.where(mx.array(MASK), x, float("inf")),
    "conventions.where_discarded_nan_flows": lambda mx, x: mx.where(mx.array(MASK), x, mx.log(x - 1.0)),
    "numerics.sigmoid_large": lambda mx, x: mx.sigmoid(100 * x),
    "numerics.softmax_large": lambda mx, x: mx.softmax(1000 * x, axis=1),
    "numerics.logsumexp_large": lambda mx, x: mx.logsumexp(1000 * x, axis=1),
    "numerics.log_at_zero": lambda mx, x: mx.log(x - 0.25),
    "numerics.var_large_offset": lambda mx, x: mx.var(10000 + x, ddof=1),
    "numerics.mean_large_values": lambda mx, x: mx.mean(1e38 * x),
    # a gradient inside the program: the snippet's vjp of it is a second derivative
    "autograd_grad.several_outputs_vjp": lambda mx, x: mx.vjp(lambda t: [t * x, mx.exp(t)], [x], [x, x])[0][
        1
    ],
    "higher_order.second_derivative": lambda mx, x: mx.grad(lambda t: mx.sum(mx.exp(t)))(x),
    "higher_order.mixed_partials": lambda mx, x: mx.grad(lambda t: mx.sum(t * t * x[0, 0]))(x),
    "higher_order.hessian_vector_product": lambda mx, x: mx.grad(lambda t: mx.sum(t * t) ** 2)(x) * x,
    "higher_order.gradient_penalty": lambda mx, x: mx.sqrt(mx.sum(mx.grad(lambda t: mx.sum(t**3))(x) ** 2)),
}


def float32_on_float64(program):
    def snippet(mx):
        x = mx.array(X64)
        (value,), (gradient,) = mx.vjp(lambda x: program(mx, x), [x], [mx.ones_like(program(mx, x))])
        assert (x.dtype, value.dtype, gradient.dtype) == (mx.float32,) * 3

    snippet.__doc__ = "A float64 NumPy array is made float32: the value and its gradient are float32."
    return snippet


for _spec_id, _program in FLOAT64_PROGRAMS.items():
    globals()[f"test_{_spec_id.replace('.', '__', 1)}"] = float32_on_float64(_program)


# -- integer inputs -----------------------------------------------------------------------------------


def test_dtypes__integer_vjp_refused(mx):
    g = mx.grad(lambda x: mx.sum(x * x))(mx.array(np.array([1, 2, 3])))  # torch: refused (RuntimeError)
    assert g.dtype == mx.int64
    np.testing.assert_array_equal(np.array(g), [2, 4, 6])


# -- operators --------------------------------------------------------------------------------------------


def test_shape_ops__squeeze(mx):
    with pytest.raises(ValueError, match="Cannot squeeze axis 0"):
        mx.squeeze(mx.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)
    assert mx.squeeze(mx.array(np.ones((2, 1))), axis=1).dtype == mx.float32  # float64 in


def test_indexing__chunk(mx):
    with pytest.raises(ValueError, match="equal size"):
        mx.split(mx.arange(5), 2)  # torch.arange(5).chunk(2): sizes 3 and 2
    assert mx.split(mx.array(np.arange(4.0)), 2)[0].dtype == mx.float32  # float64 in


# -- conventions at kinks and ties ------------------------------------------------------------------------


def test_conventions__clamp_at_bounds(mx):
    g = grad(mx, lambda x: mx.sum(mx.clip(x, -0.5, 0.5)), [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g, [0, 0, 1, 0, 0])  # torch: [0, 1, 1, 1, 0]


def test_conventions__max_dim_ties(mx):
    g = grad(mx, lambda x: mx.sum(mx.max(x, axis=1)), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: [[0, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_conventions__maximum_ties(mx, name):
    x, y = mx.array(np.array([1.0, 2.0, 3.0])), mx.array(np.array([1.0, 0.0, 3.0]))  # float64 in
    dx, dy = mx.grad(lambda x, y: mx.sum(getattr(mx, name)(x, y)), argnums=[0, 1])(x, y)
    assert np.array(dx)[0] == 0 and np.array(dy)[0] == 1  # the tie at [0]; torch: 0.5 each
    assert dx.dtype == dy.dtype == mx.float32


def test_conventions__std_equal_values(mx):
    g = grad(mx, lambda x: mx.std(x, ddof=1), [2.0, 2.0, 2.0])
    assert np.isnan(g).all()  # torch: [0, 0, 0]


# -- the file and this module agree ---------------------------------------------------------------------


def test_every_entry_has_its_snippet():
    assert_snippets_match("mlx", globals())
