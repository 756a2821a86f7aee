"""The comparison helper rejects wrong values, shapes, dtypes and refusals, with readable messages."""

import numpy as np
import pytest

from conformance.compare import Disagreement, Raised, assert_close, assert_same, tolerance


def test_equal_arrays_pass():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert_close(x.copy(), x, what="grad of x", target="mine")


def test_wrong_value_names_index_target_and_reference():
    want = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    got = want.copy()
    got[2] = 0.51
    with pytest.raises(Disagreement) as caught:
        assert_close(got, want, what="grad of x", target="mine", gradient=True)
    message = caught.value.headline
    assert message.startswith("grad of x [2] = 0.51 on target 'mine', but torch gives 0.5")
    assert "atol" in message and "rtol" in message
    assert "1 of 3 elements differ" in caught.value.details


def test_wrong_shape_is_reported_before_values():
    with pytest.raises(Disagreement, match=r"has shape \(3, 1\) on target 'mine', but torch gives \(3,\)"):
        assert_close(np.zeros((3, 1)), np.zeros(3), what="grad of x", target="mine")


def test_wrong_dtype_is_reported():
    with pytest.raises(Disagreement, match="has dtype float64 on target 'mine', but torch gives float32"):
        assert_close(np.zeros(3, np.float64), np.zeros(3, np.float32), what="grad of x", target="mine")


def test_dtype_check_can_be_turned_off_for_closed_forms():
    assert_close(np.ones(3, np.float32), np.ones(3, np.float64), what="x", target="t", check_dtype=False)


def test_zero_dimensional_mismatch_has_no_index():
    with pytest.raises(Disagreement) as caught:
        assert_close(np.float32(2.0), np.float32(1.0), what="forward value", target="mine")
    assert caught.value.headline.startswith("forward value = 2 on target 'mine'")


def test_gradient_tolerance_is_looser_than_value_tolerance():
    value, gradient = tolerance("float32"), tolerance("float32", gradient=True)
    assert gradient.rtol == 10 * value.rtol and gradient.atol == value.atol
    almost = np.float32(1.0) * (1 + 5e-6)
    assert_close(np.float32(almost), np.float32(1.0), what="g", target="t", gradient=True)
    with pytest.raises(Disagreement):
        assert_close(np.float32(almost + 1e-4), np.float32(1.0), what="g", target="t", gradient=True)


def test_tolerance_follows_the_less_precise_dtype():
    nearly = np.float32(1.0 + 2e-6)
    assert_close(nearly, np.float64(1.0), what="x", target="t", check_dtype=False, gradient=True)


def test_float64_is_held_tighter_than_float32():
    with pytest.raises(Disagreement):
        assert_close(np.float64(1.0 + 1e-5), np.float64(1.0), what="x", target="t")


def test_flags_and_names_compare_exactly():
    assert_same({"y": True, "name": "AddBackward0"}, {"y": True, "name": "AddBackward0"}, what="", target="t")
    with pytest.raises(Disagreement, match=r"y\.requires_grad is False on target 't', but torch gives True"):
        assert_same({"y.requires_grad": False}, {"y.requires_grad": True}, what="", target="t")


def test_none_against_an_array_is_a_disagreement():
    with pytest.raises(Disagreement, match=r"x\.grad is None on target 't'"):
        assert_same({"x.grad": None}, {"x.grad": np.zeros(3)}, what="", target="t")


def test_lists_compare_item_by_item():
    with pytest.raises(Disagreement, match="grads #2"):
        assert_same(
            {"grads": [np.ones(2), np.ones(2)]}, {"grads": [np.ones(2), np.zeros(2)]}, what="", target="t"
        )


def test_error_class_matches_builtin_base_of_reference():
    class EngineError(RuntimeError):
        pass

    assert_same(Raised(EngineError("no")), Raised(RuntimeError("no")), what="error", target="t")
    with pytest.raises(
        Disagreement, match=r"raised ValueError\('no'\) on target 't', but torch raises RuntimeError"
    ):
        assert_same(Raised(ValueError("no")), Raised(RuntimeError("no")), what="error", target="t")


def test_no_error_where_reference_raises_is_a_disagreement():
    with pytest.raises(Disagreement, match=r"returned None on target 't', but torch: raised RuntimeError"):
        assert_same(None, Raised(RuntimeError("boom")), what="error", target="t")


def test_helpers_hide_their_own_frames():
    assert "__tracebackhide__" in assert_close.__code__.co_varnames
    assert "__tracebackhide__" in assert_same.__code__.co_varnames
