"""Each entry of targets/autograd.deviations, shown by a minimal snippet in autograd's own API.

Operators are called as targets/hips_autograd.py maps them. The snippets skip where autograd (HIPS)
is not installed. If autograd changes so that a snippet
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


# -- operators ------------------------------------------------------------------------------------------


def vjp(autograd, function, *xs, cotangent):
    """The gradients of every input, as the adapter takes them (make_vjp over all argnums)."""
    pullback, _ = autograd.make_vjp(function, argnum=tuple(range(len(xs))))(*xs)
    return pullback(cotangent)


def test_elementwise_binary__where(autograd):
    anp = autograd.numpy
    condition = np.array([False, True])
    x, y = np.array(1.0), np.array(2.0)  # 0-d, broadcast against the condition
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        vjp(autograd, lambda x, y: anp.where(condition, x, y), x, y, cotangent=np.ones(2))
    # one operand alone: its gradient keeps the result's shape (2,), not x's () as in torch
    pullback, _ = autograd.make_vjp(lambda x: anp.where(condition, x, y))(x)
    assert pullback(np.ones(2)).shape == (2,)


def reduced_gradient_dtype(autograd, reduce):
    """The dtype of the gradient of ``reduce`` over a float32 array, whose value stays float32."""
    x = np.array([[1.0, 4.0, 2.0], [3.0, 0.5, 5.0]], dtype=np.float32)
    pullback, value = autograd.make_vjp(reduce)(x)
    assert value.dtype == np.float32
    return pullback(np.ones(np.shape(value), np.float32)).dtype


def test_reductions__mean(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.mean(x, axis=1)) == np.float64


def test_reductions__amax(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.max(x, axis=(0, 1))) == np.float64


def test_reductions__amin(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.min(x, axis=-1)) == np.float64


def test_reductions__max(autograd):
    assert reduced_gradient_dtype(autograd, autograd.numpy.max) == np.float64


def test_reductions__min(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.min(x, axis=0)) == np.float64


def test_reductions__var(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.var(x, ddof=1)) == np.float64


def test_reductions__std(autograd):
    assert reduced_gradient_dtype(autograd, lambda x: autograd.numpy.std(x, axis=1, ddof=0)) == np.float64


def test_linear_algebra__mT(autograd):
    x = np.ones((2, 3, 4))
    assert autograd.numpy.matrix_transpose(x).shape == (2, 4, 3)  # the forward works
    with pytest.raises(NotImplementedError, match="VJP of matrix_transpose"):
        autograd.grad(lambda x: autograd.numpy.sum(autograd.numpy.matrix_transpose(x)))(x)


def test_shape_ops__squeeze(autograd):
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out"):
        autograd.numpy.squeeze(np.ones((2, 3)), axis=0)  # torch: x.squeeze(0) is x, shape (2, 3)


def test_shape_ops__expand(autograd):
    anp = autograd.numpy
    assert anp.broadcast_to(np.ones(3), (2, 3)).shape == (2, 3)  # the forward works
    with pytest.raises(AssertionError, match="Can't handle extra leading dims"):
        autograd.grad(lambda x: anp.sum(anp.broadcast_to(x, (2, 3))))(np.ones(3))


def test_indexing__chunk(autograd):
    pieces = autograd.numpy.array_split(np.arange(5.0), 4)
    assert [len(piece) for piece in pieces] == [2, 1, 1, 1]  # torch.arange(5.).chunk(4): 2, 2, 1


# -- conventions at kinks and ties, and extreme values ------------------------------------------------


def test_conventions__clamp_at_bounds(autograd):
    anp = autograd.numpy
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    grad = autograd.grad(lambda x: anp.sum(anp.clip(x, -0.5, 0.5)))(x)
    np.testing.assert_array_equal(grad, [0, 0, 1, 0, 0])  # torch: [0, 1, 1, 1, 0]


def test_conventions__max_dim_ties(autograd):
    anp = autograd.numpy
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    grad = autograd.grad(lambda x: anp.sum(anp.max(x, axis=1)))(x)
    np.testing.assert_array_equal(grad, [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: [[0, 1, 0], [1, 0, 0]]


def test_conventions__amax_ties(autograd):
    x = np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]], dtype=np.float32)
    grad = autograd.grad(lambda x: autograd.numpy.sum(autograd.numpy.max(x, axis=1)))(x)
    np.testing.assert_array_equal(grad, [[0, 0.5, 0.5], [1, 0, 0]])  # torch's split, but
    assert grad.dtype == np.float64  # torch: float32


def test_conventions__max_ties(autograd):
    grad = autograd.grad(autograd.numpy.max)(np.array([1.0, 3.0, 3.0, 2.0], dtype=np.float32))
    np.testing.assert_array_equal(grad, [0, 0.5, 0.5, 0])  # torch's split, but
    assert grad.dtype == np.float64  # torch: float32


def test_conventions__prod_one_zero(autograd):
    with pytest.warns(RuntimeWarning, match="invalid value encountered in divide"):
        grad = autograd.grad(autograd.numpy.prod)(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(grad, [0, np.nan, 0])  # torch: [0, 6, 0]


def test_conventions__prod_two_zeros(autograd):
    with pytest.warns(RuntimeWarning, match="invalid value encountered in divide"):
        grad = autograd.grad(autograd.numpy.prod)(np.array([0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(grad, [np.nan, 0, np.nan])  # torch: [0, 0, 0]


def test_conventions__std_equal_values(autograd):
    with pytest.warns(RuntimeWarning):  # divide by zero, invalid value
        grad = autograd.grad(lambda x: autograd.numpy.std(x, ddof=1))(np.array([2.0, 2.0, 2.0]))
    assert np.isnan(grad).all()  # torch: [0, 0, 0]


def test_numerics__var_large_offset(autograd):
    x = (10000 + np.array([0.125, 0.5, -0.25])).astype(np.float32)
    assert autograd.grad(lambda x: autograd.numpy.var(x, ddof=1))(x).dtype == np.float64  # torch: float32


def test_every_entry_has_its_snippet():
    assert_snippets_match("autograd", globals())


def test_numerics__mean_large_values(autograd):
    x = np.array([3.0e38, 3.0e38, 2.0e38], dtype=np.float32)
    with pytest.warns(RuntimeWarning, match="overflow"):  # the float32 sum overflows, as torch's does
        assert autograd.grad(lambda x: autograd.numpy.mean(x))(x).dtype == np.float64  # torch: float32


def test_conventions__where_discarded_nan_flows(autograd):
    anp = autograd.numpy
    condition = np.array([False, True, True])
    x = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    assert (
        autograd.grad(lambda x: anp.sum(anp.where(condition, x, x)))(x).dtype == np.float64
    )  # torch: float32


def test_generated_programs__scalar_programs(autograd):
    anp = autograd.numpy
    x = np.array(1.0, dtype=np.float32)
    assert autograd.grad(lambda x: anp.maximum(x, -x))(x).dtype == np.float64  # torch: float32


def test_generated_programs__vector_programs(autograd):
    anp = autograd.numpy
    x = np.array(1.0, dtype=np.float32)  # the shrunk program: v2 = maximum(x0, neg(x0))
    vjp, _ = autograd.make_vjp(lambda x: anp.maximum(x, anp.negative(x)))(x)
    assert np.asarray(vjp(np.array(0.0, dtype=np.float32))).dtype == np.float64  # torch: float32
