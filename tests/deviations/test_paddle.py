"""Each entry of targets/paddle.deviations, shown by a minimal snippet in paddle's own API.

The snippets need paddlepaddle 3.3.1 (tox env ``paddle``); elsewhere they skip. The last test checks,
in any environment, that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)

# paddle warns on import when no ccache is on PATH
pytestmark = pytest.mark.filterwarnings("ignore:No ccache found:UserWarning")


@pytest.fixture
def paddle():
    return pytest.importorskip(
        "paddle", reason="paddlepaddle is not installed here; it runs in its own env (tox -e paddle)"
    )


def non_scalar_backward(paddle):
    x = paddle.to_tensor(X, stop_gradient=False)
    (2 * (2 * x + 2) ** 2).backward()  # torch: RuntimeError, grad can be implicitly created only for scalars
    return x


def test_backward_errors__non_scalar_refused(paddle):
    np.testing.assert_allclose(non_scalar_backward(paddle).grad.numpy(), 16 * (X + 1), rtol=1e-6)


def test_backward_errors__non_scalar_error_class(paddle):
    assert non_scalar_backward(paddle).grad is not None  # reached: nothing was raised


def test_backward_errors__non_scalar_vjp_refused(paddle):
    # the adapter's vjp is this backward()
    np.testing.assert_allclose(non_scalar_backward(paddle).grad.numpy(), 16 * (X + 1), rtol=1e-6)


def untracked_backward(paddle):
    x = paddle.to_tensor(X)  # stop_gradient=True, the default
    z1 = (2 * (2 * x + 2) ** 2).mean()
    z1.backward()  # torch: RuntimeError, element 0 of tensors does not require grad
    return x, z1


def test_backward_errors__untracked_refused(paddle):
    x, z1 = untracked_backward(paddle)
    assert z1.stop_gradient
    assert x.grad is None


def test_backward_errors__untracked_error_class(paddle):
    untracked_backward(paddle)  # reached the end: nothing was raised


def integer_tensor(paddle):
    return paddle.to_tensor(np.array([1, 2, 3]), stop_gradient=False)  # torch: RuntimeError


def test_dtypes__integer_tensor_cannot_require_grad(paddle):
    xi = integer_tensor(paddle)
    assert not xi.stop_gradient
    (xi * 2).sum().backward()
    assert xi.grad.dtype == paddle.int64
    np.testing.assert_array_equal(xi.grad.numpy(), [2, 2, 2])


def test_dtypes__integer_requires_grad_error_class(paddle):
    assert integer_tensor(paddle).dtype == paddle.int64  # reached: nothing was raised


def test_graph_nodes__leaves_carry_no_node(paddle):
    x = paddle.to_tensor(X, stop_gradient=False)
    assert x.is_leaf
    assert x.grad_fn is not None
    assert x.grad_fn.name() == "GradNodeAccumulation"


def test_inplace__leaf_inplace_error_class(paddle):
    x = paddle.to_tensor(X, stop_gradient=False)
    with pytest.raises(ValueError, match="can't use inplace strategy") as refused:
        x.add_(paddle.to_tensor(1.0))
    assert not isinstance(refused.value, RuntimeError)


def test_inplace__refused_leaf_change_leaves_values(paddle):
    x = paddle.to_tensor(X, stop_gradient=False)
    with pytest.raises(ValueError):
        x.add_(paddle.to_tensor(1.0))
    np.testing.assert_allclose(x.numpy(), X + 1)


def test_retain_graph__second_backward_error_class(paddle):
    z1 = (2 * (2 * paddle.to_tensor(X, stop_gradient=False) + 2) ** 2).mean()
    z1.backward()
    with pytest.raises(SystemError, match="TensorWrappers of MeanGradNode do not exist"):
        z1.backward()


def test_dtypes__integer_vjp_refused(paddle):
    x = paddle.to_tensor(np.array([1, 2, 3]), stop_gradient=False)
    with pytest.raises(NotImplementedError, match=r"Gradient accumulation of data type \(int64_t\)"):
        (x * x).sum().backward()  # torch refuses at requires_grad=True, with RuntimeError


def test_leaf_grad__non_leaf_grad_read_warns(paddle):
    y = 2 * paddle.to_tensor(X, stop_gradient=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns: .grad of a non-leaf is not populated
        assert y.grad is None


def gradients(paddle, function, *values):
    xs = [paddle.to_tensor(np.array(value), stop_gradient=False) for value in values]
    function(*xs).sum().backward()
    return [x.grad.numpy() for x in xs]


# -- operators, as targets/paddle.py maps them -----------------------------------------------------------


def test_linear_algebra__matmul(paddle):
    a, b = np.ones((2, 1, 2, 3)), np.ones((2, 3, 4))  # (2, 1) and (2,) broadcast to batch dims (2, 2)
    assert paddle.matmul(paddle.to_tensor(a), paddle.to_tensor(b)).shape == [2, 2, 2, 4]
    with pytest.raises(ValueError, match="Input dimension size should be equal to 2"):
        gradients(paddle, paddle.matmul, a, b)
    gradients(paddle, paddle.matmul, np.ones((1, 1, 2, 3)), b)  # one side broadcast: fine


def test_indexing__chunk(paddle):
    with pytest.raises(ValueError, match="evenly divisible"):
        paddle.chunk(paddle.arange(5), 2)  # torch.arange(5).chunk(2): sizes 3 and 2


# -- conventions at kinks and ties -----------------------------------------------------------------------


def test_conventions__prod_one_zero(paddle):
    (grad,) = gradients(paddle, paddle.prod, [2.0, 0.0, 3.0])
    np.testing.assert_array_equal(grad, [0, np.nan, 0])  # torch: [0, 6, 0]


def test_conventions__prod_two_zeros(paddle):
    (grad,) = gradients(paddle, paddle.prod, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(grad, [np.nan, 0, np.nan])  # torch: [0, 0, 0]


def test_conventions__std_equal_values(paddle):
    (grad,) = gradients(paddle, paddle.std, [2.0, 2.0, 2.0])
    assert np.isnan(grad).all()  # torch: [0, 0, 0]


@pytest.mark.parametrize(
    ("name", "x"), [("max", [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), ("min", [[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]])]
)
def test_conventions__max_dim_ties(paddle, name, x):
    reduce = getattr(paddle, name)
    (grad,) = gradients(paddle, lambda x: reduce(x, axis=1), x)
    ties = [[0, 0.5, 0.5], [0.5, 0.5, 0]] if name == "max" else [[0.5, 0.5, 0], [0, 0.5, 0.5]]
    np.testing.assert_array_equal(grad, ties)  # torch: all of it to the index max/min returns


# -- paddle.grad, hooks, in-place operations on results and views, SGD options ------------------------

Z = np.array([1.0, 2.0, 3.0], dtype=np.float32)


def tracked(paddle, data=X):
    return paddle.to_tensor(data, stop_gradient=False)


def test_autograd_grad__non_scalar_output_refused(paddle):
    x = tracked(paddle)
    (g,) = paddle.grad([x * x], [x])  # torch: RuntimeError, grad can be implicitly created only for scalars
    np.testing.assert_allclose(g.numpy(), 2 * X, rtol=1e-6)  # seeded with ones: the gradient of the sum


def test_autograd_grad__non_scalar_output_error_class(paddle):
    x = tracked(paddle)
    assert paddle.grad([x * x], [x])[0] is not None  # reached: nothing was raised


def second_pass(paddle):
    x = tracked(paddle)
    z = ((2 * x + 2) ** 2).sum()
    (first,) = paddle.grad([z], [x])  # retain_graph None: torch frees the graph here
    (second,) = paddle.grad([z], [x])  # torch: RuntimeError, backward through the graph a second time
    np.testing.assert_allclose(second.numpy(), first.numpy())


def test_autograd_grad__second_pass_refused(paddle):
    second_pass(paddle)


def test_autograd_grad__second_pass_error_class(paddle):
    second_pass(paddle)


def test_autograd_grad__unused_input_error_class(paddle):
    x, y = tracked(paddle), tracked(paddle)
    with pytest.raises(ValueError, match="does not appear in the backward graph") as error:
        paddle.grad([(x * x).sum()], [x, y])
    assert not isinstance(error.value, RuntimeError)


def test_backward_errors__wrong_shape_gradient_error_class(paddle):
    for shape in [(3, 2), (6,), (3,), (1, 2, 3)]:
        z = 2 * (2 * tracked(paddle, np.ones((2, 3), dtype=np.float32)) + 2) ** 2
        with pytest.raises(AssertionError, match="shape not match") as error:
            z.backward(paddle.ones(shape))
        assert not isinstance(error.value, RuntimeError)


def test_grad_ownership__leaves_do_not_share_grad(paddle):
    x, w = tracked(paddle), tracked(paddle)
    (x + w).backward(paddle.ones([3]))
    assert not x.grad.stop_gradient and x.grad.is_leaf  # torch: x.grad requires no grad
    with pytest.raises(ValueError, match="can't use inplace strategy"):
        x.grad.add_(paddle.to_tensor(1.0))


def test_higher_order__second_derivative(paddle):
    x = tracked(paddle, np.array([0.5, 1.5], dtype=np.float32))
    with pytest.raises(RuntimeError, match="reciprocal_grad doesn't have any grad op"):
        (g,) = paddle.grad([paddle.reciprocal(x).sum()], [x], create_graph=True)
        paddle.grad([g.sum()], [x])  # float64 gets this far; float32 raises on create_graph already
    (g,) = paddle.grad([paddle.exp(x).sum()], [x], create_graph=True)  # the other functions have one
    np.testing.assert_allclose(paddle.grad([g.sum()], [x])[0].numpy(), np.exp([0.5, 1.5]), rtol=1e-6)


def test_hooks__retained_grad_is_after_hooks(paddle):
    x = tracked(paddle, Z)
    y = x * 3
    y.retain_grads()
    y.register_hook(lambda g: g * 10)  # registered after retain_grads()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0, 1.0])  # torch: 10, the gradient after hooks
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0, 30.0])


def test_inplace__inplace_through_slice_reaches_base(paddle):
    x = tracked(paddle, Z)
    y = x * 2
    y[1:].mul_(paddle.to_tensor(5.0))
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.numpy(), [2.0, 20.0, 30.0])  # the base changes, as torch's does
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 80.0, 120.0])  # torch: [8, 400, 600]


def test_inplace__assignment_through_transpose_reaches_base(paddle):
    x = tracked(paddle, np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    y = x * 1
    paddle.t(y)[0] = 0.0
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [[0.0, 2.0], [0.0, 4.0]])
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [1.0, 1.0]])  # torch: [[0, 1], [0, 1]]


def test_inplace__data_edit_not_tracked(paddle):
    x = tracked(paddle, Z)
    y = x * x
    x.data.mul_(paddle.to_tensor(2.0))  # x.data: stop_gradient, same storage, same version counter
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()  # torch: .data edits are not tracked, backward runs


def nesterov_without_momentum(paddle):
    weights = tracked(paddle)
    optimizer = paddle.optimizer.Momentum(
        learning_rate=0.01, momentum=0.0, parameters=[weights], use_nesterov=True
    )
    assert optimizer._use_nesterov  # torch: ValueError, Nesterov momentum requires a momentum


def test_optimizer__nesterov_without_momentum_refused(paddle):
    nesterov_without_momentum(paddle)


def test_optimizer__nesterov_without_momentum_error_class(paddle):
    nesterov_without_momentum(paddle)


def test_optimizer__parameter_groups(paddle):
    a = tracked(paddle)
    with pytest.raises(AttributeError, match="optimize_attr"):  # a group takes Parameters only
        paddle.optimizer.SGD(learning_rate=0.01, parameters=[{"params": [a]}])
    optimizer = paddle.optimizer.SGD(learning_rate=0.01, parameters=[a])  # a plain list takes tensors
    assert optimizer._parameter_list == [a]


def test_every_entry_has_its_snippet():
    assert_snippets_match("paddle", globals())


# -- sessions: each shrinks to a difference that a spec of its own measures ------------------------------


def test_sessions__backward_sessions(paddle):
    t0 = paddle.to_tensor(np.array(0.0, dtype=np.float32), stop_gradient=False)  # requires_grad=True
    assert t0.grad_fn is not None  # a GradNodeAccumulation node; torch: t0.grad_fn is None
    assert t0.grad_fn.name() == "GradNodeAccumulation"


def test_sessions__stateful_sessions(paddle):
    test_sessions__backward_sessions(paddle)  # the same first step
