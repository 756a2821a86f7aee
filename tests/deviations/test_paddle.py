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


def test_every_entry_has_its_snippet():
    assert_snippets_match("paddle", globals())
