"""What counts as the engine refusing: an error raised by the adapter's own code (its classes' files and
the private helper modules beside them) is an adapter bug, not a refusal."""

import pytest


def test_an_error_in_a_private_helper_module_beside_the_adapter_is_the_adapters():
    pytest.importorskip("jax", reason="the example adapter is jax's")
    from conformance.runner import not_a_refusal
    from targets import _numpy_like
    from targets.jax import JaxAdapter

    try:
        _numpy_like.broadcast_shape(None, (2,))  # the helper's own TypeError, as an adapter bug would be
    except TypeError as error:
        assert "adapter's own code" in not_a_refusal(error, JaxAdapter())
    else:
        raise AssertionError("broadcast_shape(None, ...) raised nothing")
