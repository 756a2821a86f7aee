"""Each entry of targets/paddle.deviations, shown by a minimal snippet in paddle's own API.

The snippets need paddlepaddle 3.3.1 (tox env ``paddle``); elsewhere they skip. The last test checks,
in any environment, that every entry has its snippet here and every snippet its entry.
"""

from __future__ import annotations

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


def test_every_entry_has_its_snippet():
    assert_snippets_match("paddle", globals())
