"""Each entry of targets/dezero.deviations, shown by a minimal snippet in dezero's own API.

The snippets need dezero 0.0.13 on numpy<1.24 (tox env ``dezero``); elsewhere they skip. The last
test checks, in any environment, that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)

# dezero 0.0.13 uses np.int, deprecated in numpy 1.20 and gone in 1.24: it warns on import
pytestmark = pytest.mark.filterwarnings("ignore:`np.int` is a deprecated alias:DeprecationWarning")


@pytest.fixture
def dezero():
    return pytest.importorskip(
        "dezero", reason="dezero is not installed here; it runs in its own env (numpy<1.24, tox -e dezero)"
    )


def mean(F, z):
    """dezero has no mean; the adapter spells it sum / size."""
    return F.sum(z) / np.array(z.size, dtype=z.dtype)


def check_zero_d_float32_promoted(dezero, program):
    """program(x) on a 0-d float32 x gives a float64 value and x.grad; on a 1-d x both stay float32."""
    for data, dtype in [(np.array(0.5, np.float32), "float64"), (np.array([0.5], np.float32), "float32")]:
        x = dezero.Variable(data)
        out = program(x)
        assert out.dtype == dtype
        assert x.grad.dtype == dtype


# -- a 0-d float32 x times a Python number is float64 ------------------------------------------------


def test_accumulation__accumulates_over_generated_inputs(dezero):
    F = dezero.functions

    def program(x):
        z = F.sum(2 * (2 * x + 2) ** 2)
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def test_higher_order__second_derivative(dezero):
    F = dezero.functions

    def program(x):  # the second derivative of sum(x**3), through backward(create_graph=True)
        F.sum(x**3).backward(create_graph=True)
        g = x.grad
        x.cleargrad()
        out = F.sum(g)
        out.backward()
        return out

    check_zero_d_float32_promoted(dezero, program)


def test_higher_order__hessian_vector_product(dezero):
    F = dezero.functions
    x = dezero.Variable(np.array([0.5, -1.0], np.float32))
    w = dezero.Variable(np.array([2.0, 1.0], np.float32))
    s = F.sum(x * x)
    assert s.ndim == 0 and s.dtype == np.float32
    f = s**2
    assert f.dtype == np.float32
    f.backward(create_graph=True)  # Pow's gradient, c * x ** (c - 1) * gy: the 0-d c promotes it
    g = x.grad
    assert g.dtype == np.float64
    x.cleargrad()
    out = F.sum(g * w)
    out.backward()
    assert out.dtype == np.float64 and x.grad.dtype == np.float64
    expected = 4 * 1.25 * w.data + 8 * x.data * np.sum(x.data * w.data)  # H w = 4 s w + 8 x <x, w>
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_operators__binary_gradients(dezero):
    for data, dtype in [(np.array(0.5, np.float32), "float64"), (np.array([0.5], np.float32), "float32")]:
        x, y = dezero.Variable(data), dezero.Variable(np.asarray(data + 1, dtype=np.float32))
        assert (2 - x * y).dtype == dtype
        assert (2 / y + x).dtype == dtype
        assert (x**3 + y**0.5).dtype == dtype
        assert (x - y).dtype == "float32"  # no Python number: no promotion


def test_accumulation__two_graphs_add(dezero):
    F = dezero.functions

    def program(x):
        F.sum(2 * (2 * x + 2) ** 2).backward()
        z = mean(F, 2 * (2 * x + 2) ** 2)
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def test_dtypes__gradient_dtype_matches_input(dezero):
    def program(x):
        z1 = mean(dezero.functions, 2 * (2 * x + 2) ** 2)
        z1.backward()
        return z1

    check_zero_d_float32_promoted(dezero, program)


def test_dtypes__vjp_dtype_matches_input(dezero):
    def program(x):
        z1 = mean(dezero.functions, 2 * (2 * x + 2) ** 2)
        z1.grad = dezero.Variable(np.array(1.0, z1.dtype))  # backward(v) is spelled by seeding out.grad
        z1.backward()
        return z1

    check_zero_d_float32_promoted(dezero, program)


def test_graph_structure__shared_subexpression(dezero):
    def program(x):
        y = 2 * x
        z = dezero.functions.sum(y * y + y)
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def test_graph_structure__tensor_used_several_times(dezero):
    def program(x):
        z = dezero.functions.sum(x * x + 3 * x)
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def test_retain_graph__retain_graph_allows_second_pass_that_adds(dezero):
    def program(x):
        z1 = mean(dezero.functions, 2 * (2 * x + 2) ** 2)
        z1.backward()
        z1.backward()
        return z1

    check_zero_d_float32_promoted(dezero, program)


def test_scalar_backward__mean_gradient(dezero):
    def program(x):
        z1 = mean(dezero.functions, 2 * (2 * x + 2) ** 2)
        z1.backward()
        return z1

    check_zero_d_float32_promoted(dezero, program)


def test_scalar_backward__sum_gradient(dezero):
    def program(x):
        z2 = dezero.functions.sum(2 * (2 * x + 2) ** 2)
        z2.backward()
        return z2

    check_zero_d_float32_promoted(dezero, program)


def test_vector_backward__ones_equals_sum(dezero):
    def program(x):
        z = 2 * (2 * x + 2) ** 2
        z.grad = dezero.Variable(np.ones_like(x.data))
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def test_vector_backward__random_v(dezero):
    def program(x):
        z = 2 * (2 * x + 2) ** 2
        z.grad = dezero.Variable(np.full_like(x.data, -1.25))
        z.backward()
        return z

    check_zero_d_float32_promoted(dezero, program)


def backward_of(program):
    """program(x) and x.grad, backward() seeding ones, as the suite's vjp does with a cotangent."""

    def run(x):
        out = program(x)
        out.backward()
        return out

    return run


def test_elementwise_unary__clamp(dezero):
    F = dezero.functions
    check_zero_d_float32_promoted(dezero, backward_of(lambda x: F.clip(x, -1.03125, 0.53125)))


def test_elementwise_unary__pow(dezero):
    F = dezero.functions
    check_zero_d_float32_promoted(dezero, backward_of(lambda x: F.pow(x, 3)))
    x = dezero.Variable(np.array(0.5, np.float32))
    F.pow(x, 0.5).backward()
    assert x.grad.dtype == "float64"  # the value stays float32, the gradient does not


def test_elementwise_unary__relu(dezero):
    check_zero_d_float32_promoted(dezero, backward_of(dezero.functions.relu))


def test_elementwise_unary__sigmoid(dezero):
    check_zero_d_float32_promoted(dezero, backward_of(dezero.functions.sigmoid))


def test_elementwise_unary__tanh(dezero):
    x = dezero.Variable(np.array(0.5, np.float32))
    y = dezero.functions.tanh(x)
    y.backward()
    assert (y.dtype, x.grad.dtype) == ("float32", "float64")


# -- every Variable is tracked, and backward() seeds ones ----------------------------------------------


def non_scalar_backward(dezero):
    x = dezero.Variable(X.copy())
    (2 * (2 * x + 2) ** 2).backward()  # torch: RuntimeError, grad can be implicitly created only for scalars
    return x


def test_backward_errors__non_scalar_refused(dezero):
    np.testing.assert_allclose(non_scalar_backward(dezero).grad.data, 16 * (X + 1), rtol=1e-6)


def test_backward_errors__non_scalar_error_class(dezero):
    assert non_scalar_backward(dezero).grad is not None  # reached: nothing was raised


def test_backward_errors__non_scalar_vjp_refused(dezero):
    # dezero has no functional API: the adapter's vjp is this backward()
    np.testing.assert_allclose(non_scalar_backward(dezero).grad.data, 16 * (X + 1), rtol=1e-6)


def untracked_backward(dezero):
    x = dezero.Variable(X.copy())  # there is no requires_grad=False to ask for
    mean(dezero.functions, 2 * (2 * x + 2) ** 2).backward()  # torch: RuntimeError, does not require grad
    return x


def test_backward_errors__untracked_refused(dezero):
    np.testing.assert_allclose(untracked_backward(dezero).grad.data, 16 * (X + 1) / 3, rtol=1e-6)


def test_backward_errors__untracked_error_class(dezero):
    assert untracked_backward(dezero).grad is not None  # reached: nothing was raised


def test_graph_nodes__untracked_results_carry_no_node(dezero):
    y = 2 * dezero.Variable(X.copy()) + 2
    assert y.creator is not None
    assert type(y.creator).__name__ == "Add"


def test_leaf_grad__non_leaf_grad_read_warns(dezero):
    y = 2 * dezero.Variable(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns: .grad of a non-leaf is not populated
        assert y.grad is None


# -- dezero never frees the graph ---------------------------------------------------------------------


def second_backward(dezero):
    x = dezero.Variable(X.copy())
    z1 = mean(dezero.functions, 2 * (2 * x + 2) ** 2)
    z1.backward()
    z1.backward()  # torch: RuntimeError, trying to backward through the graph a second time
    return x


def test_retain_graph__second_backward_refused(dezero):
    np.testing.assert_allclose(second_backward(dezero).grad.data, 2 * 16 * (X + 1) / 3, rtol=1e-6)


def test_retain_graph__second_backward_error_class(dezero):
    assert second_backward(dezero).grad is not None  # reached: nothing was raised


# -- cleargrad() drops the gradient ---------------------------------------------------------------------


def test_accumulation__zero_resets(dezero):
    w = dezero.Variable(np.ones(3, np.float32))
    for _ in range(3):
        dezero.functions.sum(w * 3).backward()
        np.testing.assert_array_equal(w.grad.data, np.full(3, 3.0))  # zeroing works: each pass sees 3
        w.cleargrad()  # dezero's way to reset a gradient
    assert w.grad is None  # torch's w.grad.zero_() leaves a tensor of zeros


# -- reductions and shape functions that mishandle an argument form ---------------------------------


def test_reductions__sum(dezero):
    F = dezero.functions
    x = dezero.Variable(np.ones((2, 3)))
    with pytest.raises(TypeError):
        F.sum(x, axis=(0, 1)).backward()
    F.sum(x, axis=(0, 1), keepdims=True).backward()  # with keepdims the tuple works
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))


def negative_axis_refused(reduction):
    x = np.array([[1.0, 5.0, 3.0], [2.0, 4.0, 0.0]])
    with pytest.raises(ValueError, match="cannot reshape"):
        reduction(x, -1).backward()
    with pytest.raises(ValueError, match="cannot reshape"):
        reduction(x, (0, -1)).backward()
    reduction(x, 1).backward()  # the same dim, counted from the front, works


def test_reductions__amax(dezero):
    negative_axis_refused(lambda x, axis: dezero.functions.max(dezero.Variable(x), axis=axis))


def test_reductions__amin(dezero):
    negative_axis_refused(lambda x, axis: dezero.functions.min(dezero.Variable(x), axis=axis))


def test_reductions__max(dezero):
    negative_axis_refused(lambda x, axis: dezero.functions.max(dezero.Variable(x), axis=axis))


def test_reductions__min(dezero):
    negative_axis_refused(lambda x, axis: dezero.functions.min(dezero.Variable(x), axis=axis))


def test_conventions__amax_ties(dezero):
    x = dezero.Variable(np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]]))
    dezero.functions.max(x).backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 1], [1, 0, 0]])  # torch: 1/3 each


def test_conventions__max_ties(dezero):
    x = dezero.Variable(np.array([1.0, 3.0, 3.0, 2.0]))
    dezero.functions.max(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 0])  # torch: 0.5 each


def test_conventions__max_dim_ties(dezero):
    x = dezero.Variable(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]))
    dezero.functions.max(x, axis=1).backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 1], [1, 1, 0]])  # torch: all to the returned index


def test_shape_ops__unsqueeze(dezero):
    x = dezero.Variable(np.ones(2))
    assert dezero.functions.expand_dims(x, -1).shape == (1, 2)  # np.expand_dims and torch: (2, 1)


def test_shape_ops__expand(dezero):
    x = dezero.Variable(np.ones((2, 1)))
    y = dezero.functions.broadcast_to(x, (2, 1))
    assert y is x
    with pytest.raises(AttributeError, match="generation"):
        y.backward()


# -- F.matmul is x.dot(W), with a backward for matrices ---------------------------------------------


def test_linear_algebra__matmul(dezero):
    F, V = dezero.functions, dezero.Variable
    with pytest.raises(ValueError, match="not aligned"):
        F.matmul(V(np.ones((2, 3))), V(np.ones(3))).backward()  # matrix·vector
    with pytest.raises(ValueError, match="not aligned"):
        F.matmul(V(np.ones(3)), V(np.ones((3, 4)))).backward()  # vector·matrix
    assert F.matmul(V(np.ones((5, 2, 3))), V(np.ones((5, 3, 4)))).shape == (5, 2, 5, 4)  # batched
    assert F.matmul(V(np.ones((5, 1, 2, 3))), V(np.ones((2, 3, 4)))).shape == (5, 1, 2, 2, 4)  # broadcast
    assert F.matmul(V(np.ones((2, 3))), V(np.ones((5, 3, 4)))).shape == (2, 5, 4)  # matrix·batched


# -- the optimizer takes its target at setup() --------------------------------------------------------


def bare_parameter_set_up(dezero):
    weights = dezero.Parameter(np.ones(3, dtype=np.float32))
    optimizer = dezero.optimizers.SGD(0.01).setup(weights)  # torch: TypeError, params must be an iterable
    dezero.functions.sum(weights * 3).backward()
    with pytest.raises(AttributeError, match="has no attribute 'params'"):
        optimizer.update()  # the bare target fails only here


def test_optimizer__bare_tensor_rejected(dezero):
    bare_parameter_set_up(dezero)


def test_optimizer__bare_tensor_error_class(dezero):
    bare_parameter_set_up(dezero)


# -- integer Variables differentiate --------------------------------------------------------------------


def test_dtypes__integer_vjp_refused(dezero):
    x = dezero.Variable(np.array([1, 2, 3], dtype=np.int64))
    dezero.functions.sum(x * x).backward()  # torch: RuntimeError, only floating point tensors
    assert x.grad.dtype == np.int64
    np.testing.assert_array_equal(x.grad.data, [2, 4, 6])


# -- backward(v) is out.grad = v; out.backward(): the seed is not checked against the output -------------

OUTPUT = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)


def seeded_backward(dezero, shape):
    x = dezero.Variable(OUTPUT.copy())
    z = 2 * (2 * x + 2) ** 2
    z.grad = dezero.Variable(np.ones(shape, dtype=np.float32))
    z.backward()
    return x


def test_backward_errors__wrong_shape_gradient_refused(dezero):
    for shape in [(3,), (1, 2, 3)]:  # torch: RuntimeError, Mismatch in shape
        assert seeded_backward(dezero, shape).grad.shape == (2, 3)  # the seed is broadcast


def test_backward_errors__wrong_shape_gradient_error_class(dezero):
    for shape in [(3, 2), (6,)]:
        with pytest.raises(ValueError, match="could not be broadcast") as error:
            seeded_backward(dezero, shape)
        assert not isinstance(error.value, RuntimeError)


# -- the file and this module agree ---------------------------------------------------------------------


def test_every_entry_has_its_snippet():
    assert_snippets_match("dezero", globals())
