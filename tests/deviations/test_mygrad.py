"""Every entry of targets/mygrad.deviations, shown in mygrad's own API, one test per entry.

Each test is named after its spec id (``accumulation.two_graphs_add`` -> ``test_accumulation__two_graphs_add``)
and asserts what the entry's reason says mygrad does. When one fails, mygrad (or NumPy, for the float32
entries) has changed: check the spec and remove the entry.
"""

import warnings

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

mg = pytest.importorskip("mygrad")

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def test_every_entry_has_its_snippet():
    assert_snippets_match("mygrad", globals())


# -- NumPy 2 promotes float32 with a Python scalar to float64 (with NumPy < 2 these fail: the entries
# are then wrong, as the spec run will say too) ----------------------------------------------------


def test_dtypes__gradient_dtype_matches_input():
    x = mg.tensor(X)
    z1 = mg.mean(2 * (2 * x + 2) ** 2)
    z1.backward()
    assert z1.dtype == np.float64
    assert x.grad.dtype == np.float32  # the gradient alone is cast back


def test_dtypes__vjp_dtype_matches_input():
    x = mg.tensor(X)
    assert mg.mean(2 * (2 * x + 2) ** 2).dtype == np.float64


def test_graph_structure__tensor_used_several_times():
    x = mg.tensor(X)
    assert mg.sum(x * x + 3 * x).dtype == np.float64


def test_graph_structure__shared_subexpression():
    x = mg.tensor(X)
    assert (2 * x).dtype == np.float64


def test_scalar_backward__mean_gradient():
    assert mg.mean(2 * (2 * mg.tensor(X) + 2) ** 2).dtype == np.float64


def test_scalar_backward__sum_gradient():
    assert mg.sum(2 * (2 * mg.tensor(X) + 2) ** 2).dtype == np.float64


def test_vector_backward__ones_equals_sum():
    assert (2 * (2 * mg.tensor(X) + 2) ** 2).dtype == np.float64


def test_vector_backward__random_v():
    assert (2 * (2 * mg.tensor(X) + 2) ** 2).dtype == np.float64


def test_leaf_grad__retain_grad_populates_non_leaf():
    x = mg.tensor(X)
    y = 2 * x
    mg.sum(y * y).backward()
    assert y.grad.dtype == np.float64
    np.testing.assert_allclose(y.grad, 4 * X, rtol=1e-6)


def test_elementwise_unary__pow():
    x = mg.tensor(X)
    assert mg.power(x, 3).dtype == np.float64
    assert (x**0.5).dtype == np.float64


def test_elementwise_unary__clamp():
    x = mg.tensor(X)
    assert mg.clip(x, -1.03125, 0.53125).dtype == np.float64
    assert mg.clip(x, -1.03125, None).dtype == np.float64


def test_float32_is_kept_without_python_scalars():
    """Why float32 is declared: with no Python scalar involved mygrad computes in float32."""
    x = mg.tensor(X)
    assert mg.sum(x * mg.tensor(X)).dtype == np.float32


# -- the rest ------------------------------------------------------------------------------------


def test_accumulation__repeated_backward_adds():
    weights = mg.tensor(np.ones(3, dtype=np.float32))
    seen = []
    for _ in range(3):
        mg.sum(weights * 3).backward()
        seen.append(weights.grad.copy())
    np.testing.assert_array_equal(seen, np.full((3, 3), 3.0))


def test_accumulation__accumulates_over_generated_inputs():
    x = mg.tensor(X)
    for _ in range(2):
        mg.sum(2 * (2 * x + 2) ** 2).backward()
    np.testing.assert_allclose(x.grad, 16 * (X + 1), rtol=1e-6)


def test_accumulation__zero_resets():
    weights = mg.tensor(np.ones(3, dtype=np.float32))
    mg.sum(weights * 3).backward()
    weights.null_grad()  # mygrad's reset; it has no grad.zero_()
    assert weights.grad is None  # torch: grad.zero_() leaves [0., 0., 0.]


def test_accumulation__two_graphs_add():
    x = mg.tensor(X)
    mg.sum(2 * (2 * x + 2) ** 2).backward()
    mg.mean(2 * (2 * x + 2) ** 2).backward()
    np.testing.assert_allclose(x.grad, 16 * (X + 1) / 3, rtol=1e-6)


def non_scalar_backward_sums():
    x = mg.tensor(X)
    (2 * (2 * x + 2) ** 2).backward()
    np.testing.assert_allclose(x.grad, 16 * (X + 1), rtol=1e-6)


def test_backward_errors__non_scalar_refused():
    non_scalar_backward_sums()


def test_backward_errors__non_scalar_error_class():
    non_scalar_backward_sums()


def test_backward_errors__non_scalar_vjp_refused():
    non_scalar_backward_sums()  # mygrad has no functional API: the adapter's vjp is this backward()


def default_tensor_backward_fills_grad():
    x = mg.tensor(X)  # mygrad's default: a float tensor is tracked
    assert x.constant is False
    mg.mean(2 * (2 * x + 2) ** 2).backward()  # torch: RuntimeError, x does not require grad
    np.testing.assert_allclose(x.grad, 16 * (X + 1) / 3, rtol=1e-5)
    c = mg.tensor(X, constant=True)
    mg.mean(2 * (2 * c + 2) ** 2).backward()  # of constant tensors, it returns without raising
    assert c.grad is None


def test_backward_errors__untracked_refused():
    default_tensor_backward_fills_grad()


def test_backward_errors__untracked_error_class():
    default_tensor_backward_fills_grad()


def test_detach__detach_shares_writes():
    x = mg.tensor(X)
    y = mg.astensor(x, constant=True)
    assert np.shares_memory(x.data, y.data)
    y += 1
    assert not np.shares_memory(x.data, y.data)
    np.testing.assert_array_equal(y.data, X + 1)
    np.testing.assert_array_equal(x.data, X)


def test_dtypes__integer_requires_grad_error_class():
    with pytest.raises(ValueError, match="Integer-valued tensors must be treated as constants"):
        mg.tensor(np.array([1, 2, 3]), constant=False)


def test_graph_nodes__untracked_results_carry_no_node():
    y = 2 * mg.tensor(X) + 2  # mygrad's default tensor is tracked
    assert not y.constant
    assert y.creator is not None
    y = 2 * mg.tensor(X, constant=True) + 2
    assert y.constant
    assert y.creator is not None  # a result of constant tensors keeps a creator too


def leaf_augmented_assignment_allowed():
    x = mg.tensor(X)
    leaf = x
    x += 1
    assert x is leaf
    assert type(x.creator).__name__ == "Add"
    np.testing.assert_allclose(x.data, X + 1)


def test_inplace__leaf_inplace_refused():
    leaf_augmented_assignment_allowed()


def test_inplace__leaf_inplace_error_class():
    leaf_augmented_assignment_allowed()


def test_inplace__refused_leaf_change_leaves_values():
    leaf_augmented_assignment_allowed()


def saved_tensor_modified_uses_recorded_graph():
    x = mg.tensor(X)
    y = 2 * x + 2
    z = y**2
    y += 1
    mg.sum(z).backward()
    np.testing.assert_allclose(z.data, (2 * X + 2) ** 2, rtol=1e-6)
    np.testing.assert_allclose(x.grad, 4 * (2 * X + 2), rtol=1e-6)


def test_inplace__saved_tensor_modified_refused():
    saved_tensor_modified_uses_recorded_graph()


def test_inplace__saved_tensor_modified_error_class():
    saved_tensor_modified_uses_recorded_graph()


def test_leaf_grad__non_leaf_grad_unpopulated():
    x = mg.tensor(X)
    y = 2 * x
    mg.sum(y * y).backward()
    np.testing.assert_allclose(y.grad, 4 * X, rtol=1e-6)


def test_leaf_grad__non_leaf_grad_read_warns():
    y = 2 * mg.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns: .grad of a non-leaf is not populated
        assert y.grad is None


def test_no_grad__results_untracked_inside():
    x = mg.tensor(X)
    with mg.no_autodiff:
        y = x + 2
    assert y.creator is None
    assert not y.constant


def second_backward_returns_silently():
    x = mg.tensor(X)
    z1 = mg.mean(2 * (2 * x + 2) ** 2)
    z1.backward()
    assert z1.creator is None  # the graph is cleared
    z1.backward()
    np.testing.assert_allclose(x.grad, 16 * (X + 1) / 3, rtol=1e-6)


def test_retain_graph__second_backward_refused():
    second_backward_returns_silently()


def test_retain_graph__second_backward_error_class():
    second_backward_returns_silently()


def test_detach__inplace_change_through_detached_refused():
    x = mg.tensor(X)
    y = x * x
    detached = mg.astensor(x, constant=True)
    detached += 1.0
    mg.sum(y).backward()  # no error
    assert not np.shares_memory(x.data, detached.data)
    np.testing.assert_allclose(x.grad, 2 * X)


def test_detach__inplace_change_through_detached_error_class():
    x = mg.tensor(X)
    y = x * x
    detached = mg.astensor(x, constant=True)
    detached += 1.0
    mg.sum(y).backward()  # raises nothing, so there is no RuntimeError either
    np.testing.assert_array_equal(x.data, X)


def test_no_grad__nested_blocks():
    x = mg.tensor(X)
    with mg.no_autodiff:
        with mg.no_autodiff:
            pass
        assert (x + 2).constant is False  # tracking is back inside the outer block


def test_operators__binary_gradients():
    x, y = mg.tensor(X), mg.tensor(X + 1)
    assert (2 - x * y).dtype == np.float64
    assert (2 / y + x).dtype == np.float64
    assert (x**3 + y**0.5).dtype == np.float64
    assert (x - y).dtype == np.float32  # without a Python scalar float32 stays


def test_conventions__amax_ties():
    x = mg.tensor(np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]]))
    mg.amax(x).backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [0, 0, 0]])  # torch: 1/3 to each of the three 3s
    x = mg.tensor(np.array([[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]]))
    mg.amin(x, axis=-1).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, [[1, 0, 0], [0, 1, 0]])  # torch: 0.5 to each tie


def test_conventions__max_ties():
    x = mg.tensor(np.array([1.0, 3.0, 3.0, 2.0]))
    mg.max(x).backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 0, 0])  # torch: 0.5 to each 3
    x = mg.tensor(np.array([[1.0, 3.0], [1.0, 2.0]]))
    mg.min(x).backward()
    np.testing.assert_array_equal(x.grad, [[1, 0], [0, 0]])


def test_conventions__maximum_ties():
    x, y = mg.tensor(np.array([1.0, 2.0, 3.0])), mg.tensor(np.array([1.0, 0.0, 3.0]))
    mg.maximum(x, y).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [0, 1, 0])  # torch: 0.5 at the ties 1 and 3
    np.testing.assert_array_equal(y.grad, [0, 0, 0])
    x, y = mg.tensor(np.array([1.0, 2.0, 3.0])), mg.tensor(np.array([1.0, 0.0, 3.0]))
    mg.minimum(x, y).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [0, 0, 0])
    np.testing.assert_array_equal(y.grad, [0, 1, 0])


def test_conventions__clamp_at_bounds():
    x = mg.tensor(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]))
    mg.clip(x, -0.5, 0.5).backward(np.ones(5))
    np.testing.assert_array_equal(x.grad, [0, 0, 1, 0, 0])  # torch: 1 at the bounds -0.5 and 0.5 too


def test_conventions__std_equal_values():
    x = mg.tensor(np.array([2.0, 2.0, 2.0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        mg.std(x, ddof=1).backward()
    assert np.isnan(x.grad).all()  # torch: 0


def where_with_tensor_condition_recurses():
    condition = mg.tensor(np.array([True, False, True]), constant=True)
    with pytest.raises(RecursionError):
        mg.where(condition, mg.tensor(X), mg.tensor(X + 1))
    mg.where(condition.data, mg.tensor(X), mg.tensor(X + 1))  # a NumPy condition works


def test_elementwise_binary__where():
    where_with_tensor_condition_recurses()


def test_conventions__where_nonfinite_branch():
    where_with_tensor_condition_recurses()


def test_conventions__where_discarded_nan_flows():
    where_with_tensor_condition_recurses()


def test_shape_ops__squeeze():
    x = mg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="size not equal to one"):
        mg.squeeze(x, axis=0)  # torch.squeeze(x, 0) returns x unchanged


# -- mygrad tracks a float tensor by default (torch's default is requires_grad=False) ----------------


def test_tracking__created_without_requires_grad_is_untracked():
    assert mg.tensor(X).constant is False  # torch.tensor(x).requires_grad is False
    assert mg.tensor(np.array([1, 2, 3])).constant is True  # an integer tensor is constant by default


def test_tracking__results_of_untracked_tensors_are_untracked():
    y = 2 * mg.tensor(X) + 2
    assert y.constant is False  # torch: False


# -- in-place operations on results and views, and backward(v) of another shape ------------------------

Z = np.array([1.0, 2.0, 3.0], dtype=np.float32)
M = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)


def test_inplace__intermediate_mul_scales_gradient():
    x = mg.tensor(Z)
    y = x * 2
    y *= 3
    mg.sum(y).backward()
    assert y.dtype == np.float64  # NumPy 2: float32 times a Python scalar; torch: float32
    np.testing.assert_array_equal(y, 6 * Z)  # the values and the gradient are torch's
    np.testing.assert_array_equal(x.grad, [6.0, 6.0, 6.0])


def test_inplace__index_assignment_cuts_gradient():
    x = mg.tensor(Z)
    y = x * 2
    y[0] = 7.0
    mg.sum(y).backward()
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [7.0, 4.0, 6.0])
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 2.0])


def test_inplace__inplace_through_slice_reaches_base():
    x = mg.tensor(Z)
    y = x * 2
    view = y[1:]
    view *= 5
    mg.sum(y * y).backward()
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [2.0, 20.0, 30.0])
    np.testing.assert_array_equal(x.grad, [8.0, 400.0, 600.0])


def test_inplace__assignment_through_transpose_reaches_base():
    x = mg.tensor(M)
    y = x * 1
    y.T[0] = 0.0
    mg.sum(y).backward()
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [[0.0, 2.0], [0.0, 4.0]])
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0], [0.0, 1.0]])


def change_through_view_goes_unnoticed():
    x = mg.tensor(Z)
    y = 2 * x
    z = y**2
    view = y[0:2]
    view += 1
    mg.sum(z).backward()  # raises nothing
    np.testing.assert_array_equal(x.grad, 8 * Z)  # the gradient of the old y: 4 * 2x


def test_inplace__saved_tensor_modified_through_view_refused():
    change_through_view_goes_unnoticed()


def test_inplace__saved_tensor_modified_through_view_error_class():
    change_through_view_goes_unnoticed()


def test_inplace__data_edit_not_tracked():
    x = mg.tensor(Z)
    y = x * x
    assert not x.data.flags.writeable  # mygrad's memory guard, on by default, while x is in a graph
    with pytest.raises(ValueError, match="read-only"):
        x.data *= 2  # torch: x.data.mul_(2) changes x, untracked
    mg.sum(y).backward()
    assert x.data.flags.writeable  # released once backward has cleared the graph


def test_grad_ownership__zeroing_one_grad_keeps_the_other():
    x, w = mg.tensor(X), mg.tensor(X)
    (x * 1 + w).backward(np.array([1.0, -2.0, 0.5], dtype=np.float32))
    x.null_grad()  # mygrad's reset of a gradient
    assert x.grad is None  # torch's grad.zero_() leaves zeros
    np.testing.assert_array_equal(w.grad, [1.0, -2.0, 0.5])


OUTPUT = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)


def test_backward_errors__wrong_shape_gradient_refused():
    x = mg.tensor(OUTPUT)
    (2 * (2 * x + 2) ** 2).backward(np.ones(3, dtype=np.float32))  # torch: RuntimeError, Mismatch in shape
    assert x.grad.shape == (2, 3)  # the gradient (3,) is broadcast to the output's (2, 3)


def test_backward_errors__wrong_shape_gradient_error_class():
    for shape in [(3, 2), (6,), (1, 2, 3)]:
        z = 2 * (2 * mg.tensor(OUTPUT) + 2) ** 2
        with pytest.raises(ValueError, match="incompatible shape") as error:
            z.backward(np.ones(shape, dtype=np.float32))
        assert not isinstance(error.value, RuntimeError)


# -- sessions: each shrinks to a difference that a spec of its own measures ------------------------------


def test_sessions__backward_sessions():
    t0 = mg.tensor(np.array(0.0, dtype=np.float32))  # ag.tensor(arg0, requires_grad=True)
    mg.sum(t0).backward()
    t0.null_grad()  # ag.zero_grad_of(t0): mygrad's reset of a gradient
    assert t0.grad is None  # torch: grad.zero_() leaves 0.
    t1 = mg.tensor(np.array(0.0, dtype=np.float32))  # ag.tensor(arg1, requires_grad=False)
    assert t1.constant is False  # tracked; torch: t1.requires_grad is False


def test_sessions__stateful_sessions():
    t0 = mg.tensor(np.array(0.0, dtype=np.float32))  # ag.tensor(arg0, requires_grad=True)
    t0 *= 0.5  # ag.mul_(t0, 0.5); torch: RuntimeError, a leaf Variable that requires grad ... in-place
    assert t0.creator is not None
    test_sessions__backward_sessions()  # and the backward sessions' differences
