"""Facts about each engine, checked twice: in the engine's own API with no adapter, and through the
shipped adapter. A test fails when an adapter changes a behaviour instead of translating a spelling."""

from collections.abc import Callable
from typing import Any

import numpy as np


def answer(call: Callable[..., Any], *args: Any) -> Any:
    try:
        return call(*args)
    except Exception as error:
        return f"raises {type(error).__name__}"


def dtype_name(array: Any) -> str:
    return np.asarray(array).dtype.name


def values(array: Any) -> list[float]:
    return np.asarray(array, dtype=np.float64).tolist()
