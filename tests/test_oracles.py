"""The independent oracles catch wrong gradients on their own, with no engine involved."""

import numpy as np
import pytest

from conformance.programs import broadcast_product, tutorial_mean, tutorial_z
from reference.oracles import (
    directional_derivative,
    inner_product,
    reduce_to_shape,
    tutorial_mean_gradient,
    tutorial_sum_gradient,
    tutorial_vector_gradient,
)

X = np.array([0.2254, 0.4946, 0.0936])


def test_closed_forms_match_the_tutorial_numbers():
    np.testing.assert_allclose(tutorial_mean_gradient(X), 16 * (X + 1) / 3)
    np.testing.assert_allclose(tutorial_sum_gradient(X), 16 * (X + 1))
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(tutorial_vector_gradient(X, v), 16 * (X + 1) * v)


@pytest.mark.parametrize("factor", [1.0, 3.0 / 2.0, 0.5])
def test_directional_derivative_accepts_the_right_gradient_only(factor):
    rng = np.random.default_rng(1)
    direction = rng.standard_normal(X.shape)
    numeric = directional_derivative(tutorial_mean, [X], None, [direction])
    analytic = inner_product([factor * tutorial_mean_gradient(X)], [direction])
    agrees = abs(numeric - analytic) <= 1e-6 * abs(numeric)
    assert agrees == (factor == 1.0)


def test_directional_derivative_weights_by_the_cotangent():
    direction = np.ones(3)
    v = np.array([1.0, 0.0, 2.0])
    numeric = directional_derivative(tutorial_z, [X], v, [direction])
    assert numeric == pytest.approx(inner_product([tutorial_vector_gradient(X, v)], [direction]), rel=1e-8)
    assert numeric != pytest.approx(inner_product([tutorial_sum_gradient(X)], [direction]), rel=1e-3)


def test_missing_gradient_counts_as_zero():
    assert inner_product([None, np.ones(2)], [np.ones(3), np.ones(2)]) == 2.0


def test_reduce_to_shape_sums_broadcast_axes():
    big = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(reduce_to_shape(big, ()), 15.0)
    np.testing.assert_array_equal(reduce_to_shape(big, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(reduce_to_shape(big, (2, 1)), [[3.0], [12.0]])
    np.testing.assert_array_equal(reduce_to_shape(big, (2, 3)), big)


def test_broadcast_oracle_agrees_with_reduction():
    small, big = np.array([1.0, 2.0, 3.0]), np.arange(6.0).reshape(2, 3)
    d_small, d_big = np.ones(3), np.zeros((2, 3))
    numeric = directional_derivative(broadcast_product, [small, big], None, [d_small, d_big])
    assert numeric == pytest.approx(reduce_to_shape(big, (3,)).sum())
