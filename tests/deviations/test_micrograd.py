"""Every entry of targets/micrograd.deviations, shown in micrograd's own API, one test per entry.

Each test is named after its spec id (``leaf_grad.grad_none_before_backward`` ->
``test_leaf_grad__grad_none_before_backward``) and asserts what the entry's reason says micrograd does.
A tensor is a NumPy object array of Values, as the adapter makes it. When one fails, micrograd has
changed: check the spec and remove the entry.
"""

import warnings

import numpy as np
import pytest

from tests.deviations import assert_snippets_match

engine = pytest.importorskip("micrograd.engine")
Value = engine.Value

X = [0.2254, 0.4946, 0.0936]


def test_every_entry_has_its_snippet():
    assert_snippets_match("micrograd", globals())


def values(numbers):
    return np.array([Value(number) for number in numbers], dtype=object)


def grads_over_three_passes(*, zeroing):
    """weights.grad after each of three backward passes of sum(weights * 3), In [17] and In [18]."""
    weights = values(np.ones(3, dtype=np.float32))
    seen = []
    for _ in range(3):
        np.sum(weights * 3).backward()
        seen.append([w.grad for w in weights])
        if zeroing:
            for w in weights:
                w.grad = 0  # micrograd's zeroing, as its Module.zero_grad() does it
    return seen


def test_accumulation__repeated_backward_adds():
    seen = grads_over_three_passes(zeroing=False)
    assert seen == [[3, 3, 3], [6, 6, 6], [9, 9, 9]]
    assert all(type(grad) is int for grads in seen for grad in grads)


def test_accumulation__zero_resets():
    seen = grads_over_three_passes(zeroing=True)
    assert seen == [[3, 3, 3]] * 3  # zeroing works
    assert all(type(grad) is int for grads in seen for grad in grads)


def untracked_backward_returns():
    x = values(X)  # micrograd has no flag: this is the plainest Value there is
    np.sum(2 * (2 * x + 2) ** 2).backward()
    assert [v.grad for v in x] == pytest.approx([16 * (v + 1) for v in X])


def test_backward_errors__untracked_refused():
    untracked_backward_returns()


def test_backward_errors__untracked_error_class():
    untracked_backward_returns()


def test_graph_nodes__untracked_results_carry_no_node():
    y = 2 * values(X) + 2
    assert all(v._prev for v in y)


def test_leaf_grad__grad_none_before_backward():
    assert Value(0.5).grad == 0


def test_leaf_grad__non_leaf_grad_unpopulated():
    x = values(X)
    y = 2 * x
    np.sum(y * y).backward()
    assert [v.grad for v in y] == pytest.approx([4 * v for v in X])


def test_leaf_grad__non_leaf_grad_read_warns():
    y = 2 * values(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns and gives None: .grad of a non-leaf is not populated
        assert [v.grad for v in y] == [0, 0, 0]


def test_retain_graph__retain_graph_allows_second_pass_that_adds():
    x = Value(0.5)
    z1 = 2 * (2 * x + 2) ** 2
    z1.backward()
    first = x.grad
    z1.backward()
    assert first == pytest.approx(16 * 1.5)
    assert x.grad == pytest.approx(5 * first)  # not 2 * first: the intermediate Values' grads add in again


def second_backward_runs():
    x = Value(0.5)
    z1 = 2 * (2 * x + 2) ** 2
    z1.backward()
    z1.backward()


def test_retain_graph__second_backward_refused():
    second_backward_runs()


def test_retain_graph__second_backward_error_class():
    second_backward_runs()


def test_generated_programs__scalar_programs():
    x0, x1 = Value(np.float32(0.0)), Value(np.float32(0.0))
    (-x0 + x1).backward()  # -x0 is x0 * -1
    assert type(x0.grad) is int and x0.grad == -1  # torch: a float32 -1.0
    y = Value(np.float32(0.5))
    (y * y).backward()
    assert isinstance(y.grad, np.float32)  # a float on the way back makes it a float


def test_dtypes__integer_vjp_refused():
    x = values(np.array([1, 2, 3], dtype=np.int64))
    np.sum(x * x).backward()  # torch: RuntimeError, only floating point tensors can require gradients
    assert [v.grad for v in x] == [2, 4, 6]
    assert all(isinstance(v.grad, np.integer) for v in x)
