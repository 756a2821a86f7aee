"""The catalogue's operators in float64 NumPy: the forward pass the finite-difference oracle runs.

Independent of torch on purpose, so a wrong reference is caught rather than copied. Each function takes
the catalogue's arguments (torch's, see ``conformance/catalogue.py``) on NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray


def _axis(dim: Any) -> Any:
    return None if dim is None or dim == () else dim


def _reduce(function: Callable[..., Array]) -> Callable[..., Array]:
    def reduce(x: Array, dim: Any = None, keepdim: bool = False) -> Array:
        return np.asarray(function(x, axis=_axis(dim), keepdims=keepdim))

    return reduce


def _amax_default(function: Callable[..., Array]) -> Callable[..., Array]:
    def reduce(x: Array, dim: Any = (), keepdim: bool = False) -> Array:
        return np.asarray(function(x, axis=_axis(dim), keepdims=keepdim))

    return reduce


def _var(x: Array, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Array:
    return np.asarray(np.var(x, axis=_axis(dim), ddof=correction, keepdims=keepdim))


def _std(x: Array, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Array:
    return np.sqrt(_var(x, dim, correction, keepdim))


def _logsumexp(x: Array, dim: Any, keepdim: bool = False) -> Array:
    top = np.max(x, axis=dim, keepdims=True)
    found = np.log(np.sum(np.exp(x - top), axis=dim, keepdims=True)) + top
    return found if keepdim else np.squeeze(found, axis=dim)


def _softmax(x: Array, dim: int) -> Array:
    shifted = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return shifted / np.sum(shifted, axis=dim, keepdims=True)


def _log_softmax(x: Array, dim: int) -> Array:
    return x - _logsumexp(x, dim, keepdim=True)


def _flatten(x: Array, start_dim: int = 0, end_dim: int = -1) -> Array:
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape((*x.shape[:start], -1, *x.shape[end + 1 :]))


def _squeeze(x: Array, dim: int | None = None) -> Array:
    if dim is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=dim) if x.ndim and x.shape[dim] == 1 else x


def _expand(x: Array, sizes: tuple[int, ...]) -> Array:
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if size == -1 else size for i, size in enumerate(sizes))
    return np.broadcast_to(x, shape)


def _split(x: Array, split_size_or_sections: Any, dim: int = 0) -> tuple[Array, ...]:
    extent = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        points = list(range(split_size_or_sections, extent, split_size_or_sections))
    else:
        points = list(np.cumsum(split_size_or_sections)[:-1])
    return tuple(np.split(x, points, axis=dim))


def _chunk(x: Array, chunks: int, dim: int = 0) -> tuple[Array, ...]:
    size = -(-x.shape[dim] // chunks)
    return _split(x, size, dim)


def _max(function: Callable[..., Array]) -> Callable[..., Array]:
    def reduce(x: Array, dim: int | None = None, keepdim: bool = False) -> Array:
        return np.asarray(function(x, axis=dim, keepdims=keepdim))

    return reduce


def _transpose(x: Array, dim0: int, dim1: int) -> Array:
    return np.swapaxes(x, dim0, dim1)


def _clamp(x: Array, min: float | None = None, max: float | None = None) -> Array:
    return np.clip(x, min, max)


OPERATORS: dict[str, Callable[..., Any]] = {
    "neg": np.negative,
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0),
    "reciprocal": np.reciprocal,
    "pow": np.power,
    "clamp": _clamp,
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "where": np.where,
    "sum": _reduce(np.sum),
    "mean": _reduce(np.mean),
    "amax": _amax_default(np.max),
    "amin": _amax_default(np.min),
    "max": _max(np.max),
    "min": _max(np.min),
    "prod": _reduce(np.prod),
    "var": _var,
    "std": _std,
    "logsumexp": _logsumexp,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "matmul": np.matmul,
    "mm": np.matmul,
    "t": lambda x: x.T,
    "transpose": _transpose,
    "permute": np.transpose,
    "mT": lambda x: np.swapaxes(x, -1, -2),
    "reshape": np.reshape,
    "view": np.reshape,
    "flatten": _flatten,
    "squeeze": _squeeze,
    "unsqueeze": np.expand_dims,
    "expand": _expand,
    "getitem": lambda x, index: x[index],
    "cat": lambda tensors, dim=0: np.concatenate(tensors, axis=dim),
    "stack": lambda tensors, dim=0: np.stack(tensors, axis=dim),
    "split": _split,
    "chunk": _chunk,
}
