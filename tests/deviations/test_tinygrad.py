"""Every entry of targets/tinygrad.deviations, shown in tinygrad's own API, one test per entry.

Each test is named after its spec id (``accumulation.two_graphs_add`` -> ``test_accumulation__two_graphs_add``)
and asserts what the entry's reason says tinygrad does. When one fails, tinygrad has changed: check the
spec and remove the entry. Needs ``clang`` on PATH for tinygrad's CPU device.
"""

import warnings

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

tinygrad = pytest.importorskip("tinygrad")
optim = pytest.importorskip("tinygrad.nn.optim")
Tensor = tinygrad.Tensor

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def test_every_entry_has_its_snippet():
    assert_snippets_match("tinygrad", globals())


def zero_d(value=0.5, dtype=np.float32):
    """A 0-d leaf as the suite makes it: from a NumPy 0-d array, on the CPU."""
    return Tensor(np.array(value, dtype=dtype), device="CPU")


# -- a 0-d leaf is a device-less CONST that backward() skips --------------------------------------


def test_accumulation__accumulates_over_generated_inputs():
    x = zero_d()
    for _ in range(2):
        (2 * (2 * x + 2) ** 2).sum().backward()
    assert x.device is None
    assert x.grad is None


def test_accumulation__two_graphs_add():
    x = zero_d()
    (2 * (2 * x + 2) ** 2).sum().backward()
    (2 * (2 * x + 2) ** 2).mean().backward()
    assert x.grad is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes__gradient_dtype_matches_input(dtype):
    x = zero_d(dtype=dtype)
    (2 * (2 * x + 2) ** 2).mean().backward()
    assert x.grad is None


def test_graph_structure__tensor_used_several_times():
    x = zero_d()
    out = (x * x + 3 * x).sum()
    out.backward()
    assert x.grad is None
    assert out.gradient(x)[0].numpy() == pytest.approx(2 * 0.5 + 3)  # the functional route conforms


def test_graph_structure__shared_subexpression():
    x = zero_d()
    y = 2 * x
    (y * y + y).sum().backward()
    assert x.grad is None


def test_graph_structure__broadcast_gradient_reduced():
    small, big = zero_d(), Tensor(X, device="CPU")
    (small * big).sum().backward()
    assert small.grad is None
    assert big.grad is not None


def test_retain_graph__retain_graph_allows_second_pass_that_adds():
    x = zero_d()
    z1 = (2 * (2 * x + 2) ** 2).mean()
    z1.backward()
    z1.backward()
    assert x.grad is None


def test_scalar_backward__mean_gradient():
    x = zero_d()
    (2 * (2 * x + 2) ** 2).mean().backward()
    assert x.grad is None


def test_scalar_backward__sum_gradient():
    x = zero_d()
    (2 * (2 * x + 2) ** 2).sum().backward()
    assert x.grad is None


def test_vector_backward__ones_equals_sum():
    x = zero_d()
    (2 * (2 * x + 2) ** 2).backward(zero_d(1.0))
    assert x.grad is None


def test_vector_backward__random_v():
    x = zero_d()
    (2 * (2 * x + 2) ** 2).backward(zero_d(0.7))
    assert x.grad is None


def backward_skips_zero_d(program, *values):
    """backward(v) through an operator leaves the 0-d leaves' .grad None; gradient() differentiates them."""
    leaves = [zero_d(value) for value in values]
    out = program(*leaves)
    out.backward(Tensor.ones(*out.shape, device="CPU"))
    assert all(leaf.grad is None for leaf in leaves)
    assert all(g is not None for g in out.gradient(*leaves, gradient=Tensor.ones(*out.shape, device="CPU")))


def test_elementwise_unary__neg():
    backward_skips_zero_d(lambda x: x.neg(), 0.5)


def test_elementwise_unary__abs():
    backward_skips_zero_d(lambda x: x.abs(), 0.5)


def test_elementwise_unary__exp():
    backward_skips_zero_d(lambda x: x.exp(), 0.5)


def test_elementwise_unary__log():
    backward_skips_zero_d(lambda x: x.log(), 0.5)


def test_elementwise_unary__sqrt():
    backward_skips_zero_d(lambda x: x.sqrt(), 0.5)


def test_elementwise_unary__sin():
    backward_skips_zero_d(lambda x: x.sin(), 0.5)


def test_elementwise_unary__cos():
    backward_skips_zero_d(lambda x: x.cos(), 0.5)


def test_elementwise_unary__tanh():
    backward_skips_zero_d(lambda x: x.tanh(), 0.5)


def test_elementwise_unary__sigmoid():
    backward_skips_zero_d(lambda x: x.sigmoid(), 0.5)


def test_elementwise_unary__relu():
    backward_skips_zero_d(lambda x: x.relu(), 0.5)


def test_elementwise_unary__reciprocal():
    backward_skips_zero_d(lambda x: x.reciprocal(), 0.5)


def test_elementwise_unary__pow():
    backward_skips_zero_d(lambda x: x.pow(3), 0.5)


def test_elementwise_unary__clamp():
    backward_skips_zero_d(lambda x: x.clamp(-1.0, 1.0), 0.5)


def test_elementwise_binary__add():
    backward_skips_zero_d(lambda x, y: x.add(y), 0.5, 1.5)


def test_elementwise_binary__sub():
    backward_skips_zero_d(lambda x, y: x.sub(y), 0.5, 1.5)


def test_elementwise_binary__mul():
    backward_skips_zero_d(lambda x, y: x.mul(y), 0.5, 1.5)


def test_elementwise_binary__div():
    backward_skips_zero_d(lambda x, y: x.div(y), 0.5, 1.5)


def test_elementwise_binary__pow():
    backward_skips_zero_d(lambda x, y: x.pow(y), 0.5, 1.5)


def test_elementwise_binary__maximum():
    backward_skips_zero_d(lambda x, y: x.maximum(y), 0.5, 1.5)


def test_elementwise_binary__minimum():
    backward_skips_zero_d(lambda x, y: x.minimum(y), 0.5, 1.5)


def test_elementwise_binary__where():
    condition = Tensor(np.array(True), device="CPU")
    backward_skips_zero_d(lambda x, y: condition.where(x, y), 0.5, 1.5)


def test_reductions__sum():
    backward_skips_zero_d(lambda x: x.sum(), 0.5)


def test_reductions__mean():
    backward_skips_zero_d(lambda x: x.mean(), 0.5)


def test_reductions__amax():
    backward_skips_zero_d(lambda x: x.max(), 0.5)


def test_reductions__amin():
    backward_skips_zero_d(lambda x: x.min(), 0.5)


def test_reductions__max():
    backward_skips_zero_d(lambda x: x.max(), 0.5)


def test_reductions__min():
    backward_skips_zero_d(lambda x: x.min(), 0.5)


def test_reductions__prod():
    backward_skips_zero_d(lambda x: x.prod(), 0.5)


def test_shape_ops__flatten():
    backward_skips_zero_d(lambda x: x.flatten(), 0.5)


def test_shape_ops__unsqueeze():
    backward_skips_zero_d(lambda x: x.unsqueeze(0), 0.5)


def test_generated_programs__vector_programs():
    x0 = zero_d(0.0)
    x0.backward(Tensor(np.array(0.0, dtype=np.float32), device="CPU"))  # program: return x0
    assert x0.grad is None  # torch: 0


# -- the rest ------------------------------------------------------------------------------------


def test_backward_errors__non_scalar_error_class():
    z = 2 * (2 * Tensor(X) + 2) ** 2
    with pytest.raises(AssertionError) as error:
        z.backward()
    assert not isinstance(error.value, RuntimeError)


def untracked_backward_returns():
    x = Tensor(X)  # no requires_grad exists: this is the plainest tensor tinygrad has
    (2 * (2 * x + 2) ** 2).mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), 16 * (X + 1) / 3, rtol=1e-5)


def test_backward_errors__untracked_refused():
    untracked_backward_returns()


def test_backward_errors__untracked_error_class():
    untracked_backward_returns()


def test_detach__detach_shares_writes():
    x = Tensor(X)
    y = x.detach()
    y.assign(y + 1)
    np.testing.assert_array_equal(x.numpy(), X)  # the write is pending on y
    y.realize()
    np.testing.assert_array_equal(x.numpy(), X + 1)  # the storage is shared, after all


def leaf_assign_allowed():
    x = Tensor(X)
    x.assign(x + 1)
    np.testing.assert_array_equal(x.numpy(), X + 1)


def test_inplace__leaf_inplace_refused():
    leaf_assign_allowed()


def test_inplace__leaf_inplace_error_class():
    leaf_assign_allowed()


def test_inplace__refused_leaf_change_leaves_values():
    leaf_assign_allowed()


def saved_tensor_modified_uses_old_value():
    x = Tensor(X)
    y = 2 * x + 2
    z = y**2
    y.assign(y + 1)
    z.sum().backward()
    np.testing.assert_allclose(z.numpy(), (2 * X + 2) ** 2, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 4 * (2 * X + 2), rtol=1e-6)


def test_inplace__saved_tensor_modified_refused():
    saved_tensor_modified_uses_old_value()


def test_inplace__saved_tensor_modified_error_class():
    saved_tensor_modified_uses_old_value()


def test_leaf_grad__non_leaf_grad_unpopulated():
    x = Tensor(X)
    y = 2 * x
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 4 * X, rtol=1e-6)


def test_leaf_grad__non_leaf_grad_read_warns():
    x = Tensor(X)  # tinygrad tracks what backward reaches: no flag to set
    y = 2 * x
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert y.grad is None
    assert seen == []


def bare_tensor_accepted():
    optimizer = optim.SGD(Tensor(np.ones(3, dtype=np.float32)), lr=0.01)
    assert [p.shape for p in optimizer.params] == [(), (), ()]


def step_raises_with_training_off(weights):
    optimizer = optim.SGD([weights], lr=0.01)
    (2 * (2 * weights + 2) ** 2).mean().backward()
    with pytest.raises(RuntimeError, match="TRAINING must be enabled"):
        optimizer.step()  # torch: weights -= lr * grad, in any mode


def test_optimizer__step_subtracts_learning_rate_times_grad():
    weights = Tensor(np.ones(3, dtype=np.float32), device="CPU")
    optimizer = optim.SGD([weights], lr=0.01)
    (weights * 3).sum().backward()
    with pytest.raises(RuntimeError, match="TRAINING must be enabled"):
        optimizer.step()
    with tinygrad.Context(TRAINING=1):  # the step itself is torch's, once training mode is on
        optimizer.step()
    np.testing.assert_allclose(weights.numpy(), 0.97)


def test_optimizer__step_updates_in_place():
    step_raises_with_training_off(Tensor(X, device="CPU"))


def test_optimizer__step_over_generated_inputs():
    step_raises_with_training_off(Tensor(X, device="CPU"))


def test_optimizer__bare_tensor_rejected():
    bare_tensor_accepted()


def test_optimizer__bare_tensor_error_class():
    bare_tensor_accepted()


def second_backward_adds():
    x = Tensor(X)
    z1 = (2 * (2 * x + 2) ** 2).mean()
    z1.backward()
    z1.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 16 * (X + 1) / 3, rtol=1e-5)


def test_retain_graph__second_backward_refused():
    second_backward_adds()


def test_retain_graph__second_backward_error_class():
    second_backward_adds()


def test_scalar_backward__single_element_backward():
    x = Tensor(np.array([0.5], dtype=np.float32))
    with pytest.raises(AssertionError, match="scalar"):
        (2 * (2 * x + 2) ** 2).backward()


def change_through_detached_goes_unnoticed():
    x = Tensor(X, device="CPU")
    y = x * x
    detached = x.detach()
    detached.assign(detached + 1)
    y.sum().backward()  # raises nothing
    np.testing.assert_allclose(x.grad.numpy(), 2 * X, rtol=1e-6)  # the gradient of the old x


def test_detach__inplace_change_through_detached_refused():
    change_through_detached_goes_unnoticed()


def test_detach__inplace_change_through_detached_error_class():
    change_through_detached_goes_unnoticed()


def test_operators__binary_gradients():
    x, y = zero_d(1.0), zero_d(1.0)
    (x - y).backward(Tensor(np.array(1.0, dtype=np.float32), device="CPU"))
    assert x.grad is None  # the backward route: a 0-d leaf is a device-less CONST
    x, y = zero_d(1.0), zero_d(1.0)
    gx, gy = (x / y).gradient(x, y, gradient=Tensor(np.array(1.0, dtype=np.float32), device="CPU"))
    assert gx.numpy() == 0.0 and gy.numpy() == 0.0  # x and y became one node: d(x/x)/dx = 0, not 1
    x, y = zero_d(1.0), zero_d(2.0)
    gx, _ = (x / y).gradient(x, y, gradient=Tensor(np.array(1.0, dtype=np.float32), device="CPU"))
    assert gx.numpy() == 0.5  # distinct values stay distinct nodes


# The snippet the suite printed for tinygrad's failure of operators.binary_gradients[cpu-x/y-vjp-float32],
# copied as it stood in the terminal: run as a user would, it must show the difference again.
PRINTED_REPRO = """
import numpy as np
from conformance.repro import compare_gradients
x = np.array(1., dtype=np.float32)
y = np.array(1., dtype=np.float32)
v = np.array(1., dtype=np.float32)
compare_gradients('tinygrad', lambda ag, x, y: x / y, via='vjp', cotangent=v, device='cpu', x=x, y=y)
"""


def test_repro_snippet_from_a_real_failure_reproduces():
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-c", PRINTED_REPRO], capture_output=True, text=True, check=True)
    assert shown.stdout.startswith("DIFFERS: grad of x = 0 on target 'tinygrad', but torch gives 1")


def test_conventions__max_dim_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32), device="CPU")
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0.5, 0.5, 0]])  # torch: all to one index
    x = Tensor(np.array([[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]], dtype=np.float32), device="CPU")
    x.min(axis=1, keepdim=True).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0.5, 0], [0.5, 0, 0.5]])


def test_conventions__std_equal_values():
    x = Tensor(np.array([2.0, 2.0, 2.0], dtype=np.float32), device="CPU")
    x.std().backward()
    assert np.isnan(x.grad.numpy()).all()  # torch: 0
    x = Tensor(np.array([[2.0, 2.0], [1.0, 3.0]], dtype=np.float32), device="CPU")
    x.std(axis=1).sum().backward()
    assert np.isnan(x.grad.numpy()[0]).all() and np.isfinite(x.grad.numpy()[1]).all()


def test_generated_programs__scalar_programs():
    x0 = zero_d(0.0)
    x0.backward()  # program: return x0
    assert x0.grad is None
    x0, x1 = zero_d(0.0), zero_d(0.0)
    gx0, _ = (x0 + x1.sum()).gradient(x0, x1)
    assert gx0.numpy() == 2.0  # x0 and x1 are one constant node: d(x0 + x0)/dx0


# -- autograd.grad (Tensor.gradient), higher order, in-place operations, SGD options ----------------


def unused_input_gets_zeros():
    x, y = Tensor(X, device="CPU"), Tensor(X, device="CPU")
    gx, gy = (x * x).sum().gradient(x, y)  # there is no allow_unused
    np.testing.assert_allclose(gx.numpy(), 2 * X, rtol=1e-6)
    np.testing.assert_array_equal(gy.numpy(), np.zeros(3))  # torch: raises, or None with allow_unused


def test_autograd_grad__unused_input_refused():
    unused_input_gets_zeros()


def test_autograd_grad__unused_input_error_class():
    unused_input_gets_zeros()


def test_autograd_grad__allow_unused_gives_none():
    unused_input_gets_zeros()


def test_autograd_grad__non_scalar_output_error_class():
    x = Tensor(X, device="CPU")
    with pytest.raises(AssertionError, match="scalar") as error:
        (x * x).gradient(x)
    assert not isinstance(error.value, RuntimeError)


def second_gradient_through_the_graph():
    x = Tensor(X, device="CPU")
    z = ((2 * x + 2) ** 2).sum()
    (first,) = z.gradient(x)
    (second,) = z.gradient(x)  # the lazy graph is never freed: nothing to refuse
    np.testing.assert_allclose(second.numpy(), first.numpy())


def test_autograd_grad__second_pass_refused():
    second_gradient_through_the_graph()


def test_autograd_grad__second_pass_error_class():
    second_gradient_through_the_graph()


def test_backward_errors__wrong_shape_gradient_error_class():
    z = 2 * (2 * Tensor(np.ones((2, 3), dtype=np.float32), device="CPU") + 2) ** 2
    for shape in [(3, 2), (6,), (3,), (1, 2, 3)]:
        with pytest.raises(AssertionError, match="grad shape must match tensor shape") as error:
            z.backward(Tensor(np.ones(shape, dtype=np.float32), device="CPU"))
        assert not isinstance(error.value, RuntimeError)


def test_grad_ownership__leaves_do_not_share_grad():
    x, w, v = Tensor(X, device="CPU"), Tensor(X, device="CPU"), Tensor(np.ones(3, np.float32), device="CPU")
    (x + w).backward(v)
    assert x.grad.uop is w.grad.uop is v.uop  # one lazy tensor, handed through to both leaves
    x.grad.assign(x.grad + 1)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])  # realizing it writes v's buffer
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])  # torch: w.grad stays 1
    np.testing.assert_array_equal(v.numpy(), [2.0, 2.0, 2.0])  # and so does v


def test_higher_order__second_derivative():
    x = zero_d(0.0)
    (g,) = x.cos().sum().gradient(x)
    g.sum().backward()
    assert x.grad is None  # the backward route: a 0-d leaf is a device-less CONST
    x = zero_d(1.0, np.float64)
    (g,) = x.exp().sum().gradient(x)
    (h,) = g.sum().gradient(x)  # the vjp route, at x = 1: x and the seed gradient 1 are one CONST
    np.testing.assert_allclose(h.numpy(), 2 * np.e)  # exp''(1) = e: g = exp(x) * 1 was read exp(x) * x
    x = zero_d(2.0, np.float64)
    (g,) = x.exp().sum().gradient(x)
    np.testing.assert_allclose(g.sum().gradient(x)[0].numpy(), np.exp(2.0))  # another value is right


def test_higher_order__mixed_partials():
    x, y = zero_d(0.0), zero_d(0.0)
    (g,) = (x * x * y + (x * y).exp()).sum().gradient(x)
    g.sum().backward()
    assert x.grad is None  # the backward route: a 0-d leaf is a device-less CONST
    x, y = zero_d(0.0), zero_d(0.0)
    (g,) = (x * x * y + (x * y).exp()).sum().gradient(x)
    gx, _ = g.sum().gradient(x, y)
    assert gx.numpy() == 2.0  # x and y are one CONST: d/dx of x*x*x + exp(x*x) terms; torch: 2y + y**2 = 0


def test_higher_order__hessian_vector_product():
    x = np.array([[1.0, -1.5, 0.375], [1.0, -0.75, 1.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    w = np.array([[-1.5, 1.25, 2.0], [0.01, 2.0, 0.01], [0.01, 2.0, 2.0]], dtype=np.float32)
    xs, ws = Tensor(x, device="CPU"), Tensor(w, device="CPU")
    (g,) = ((xs * xs).sum() ** 2).gradient(xs)  # 4 s x, s = sum(x**2): exact in float32 here
    lazy = (g * ws).sum().numpy()
    realized = (Tensor(g.numpy(), device="CPU") * ws).sum().numpy()
    assert realized == np.float32(-3.4021912)  # the products summed, as torch sums them
    assert lazy == (4 * (xs * xs).sum() * (xs * ws).sum()).numpy() == np.float32(-3.402163)  # 4 s * sum(x w)
    exact = np.sum(g.numpy().astype(np.float64) * w)
    assert abs(lazy - exact) > 5 * abs(realized - exact)


def test_inplace__inplace_through_slice_reaches_base():
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), device="CPU")
    y = x * 2
    view = y[1:]
    view.assign(view * 5)
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0, 6.0])  # torch: [2, 20, 30]


def test_inplace__assignment_through_transpose_reaches_base():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), device="CPU")
    y = x * 1
    y.T[0] = 0.0
    np.testing.assert_array_equal(y.numpy(), [[1.0, 2.0], [3.0, 4.0]])  # torch: [[0, 2], [0, 4]]


def change_through_view_goes_unnoticed():
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), device="CPU")
    y = 2 * x
    z = y**2
    view = y[0:2]
    view.assign(view + 1)
    z.sum().backward()  # raises nothing
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 16.0, 24.0])  # 8x: the gradient of the old y


def test_inplace__saved_tensor_modified_through_view_refused():
    change_through_view_goes_unnoticed()


def test_inplace__saved_tensor_modified_through_view_error_class():
    change_through_view_goes_unnoticed()


def test_optimizer__options_over_generated_steps():
    weights = Tensor(X, device="CPU")
    optimizer = optim.SGD([weights], lr=0.01, momentum=0.9, weight_decay=0.1, nesterov=True)
    (2 * (2 * weights + 2) ** 2).mean().backward()
    with pytest.raises(RuntimeError, match="TRAINING must be enabled"):
        optimizer.step()


def nesterov_without_momentum_accepted():
    optimizer = optim.SGD([Tensor(X, device="CPU")], lr=0.01, nesterov=True)
    assert optimizer.nesterov and optimizer.momentum == 0.0


def test_optimizer__nesterov_without_momentum_refused():
    nesterov_without_momentum_accepted()


def test_optimizer__nesterov_without_momentum_error_class():
    nesterov_without_momentum_accepted()
