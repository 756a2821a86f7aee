"""Facts about each engine, checked twice: in the engine's own API with no adapter, and through the
shipped adapter. A test fails when an adapter changes a behaviour instead of translating a spelling."""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from conformance.adapter import Unsupported


def answer(call: Callable[..., Any], *args: Any) -> Any:
    try:
        return call(*args)
    except Exception as error:
        return f"raises {type(error).__name__}"


def dtype_name(array: Any) -> str:
    return np.asarray(array).dtype.name


def values(array: Any) -> list[float]:
    return np.asarray(array, dtype=np.float64).tolist()


def outcome(action: Callable[[], Any]) -> str:
    """What doing ``action`` comes to: the exception class raised, or that nothing was."""
    try:
        action()
    except Unsupported:
        return "unsupported"
    except Exception as error:
        return type(error).__name__
    return "nothing raised"


class Fact(NamedTuple):
    answer: Any
    engine: Callable[[], Any]  # asked in the engine's own API, with no adapter
    adapter: Callable[[], Any]  # asked through the shipped adapter
