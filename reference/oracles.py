"""Oracles that need no autograd engine: the tutorial's closed forms and a float64 numerical check.

They guard the reference itself: a spec checks torch against a closed form before it trusts torch,
and checks the target against :func:`directional_derivative`, so a target that agrees with a broken
set-up is still caught.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np


class NumpyForward:
    """Runs a spec's function forward in float64 NumPy: no graph, no gradients, no engine."""

    name = "numpy-float64"

    def tensor(self, data: Any, *, requires_grad: bool = False) -> np.ndarray:
        data = np.asarray(data)
        return data if data.dtype.kind in "biu" else data.astype(np.float64)  # indices, masks stay

    def op(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A catalogue operator in float64 NumPy (:mod:`reference.numpy_operators`)."""
        from reference.numpy_operators import OPERATORS

        return OPERATORS[name](*args, **kwargs)

    def numpy(self, tensor: np.ndarray) -> np.ndarray:
        return np.array(tensor, dtype=np.float64)

    def sum(self, tensor: np.ndarray) -> np.ndarray:
        return np.sum(tensor)

    def mean(self, tensor: np.ndarray) -> np.ndarray:
        return np.mean(tensor)

    def no_grad(self) -> nullcontext[None]:
        return nullcontext()


def forward_shape(function: Callable[..., Any], inputs: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The shape of ``function(ag, **inputs)``'s result, from a float64 NumPy forward pass."""
    with np.errstate(all="ignore"):  # inf and nan are values here, as they are in torch
        return tuple(np.shape(function(NumpyForward(), **inputs)))


def directional_derivative(
    function: Callable[..., Any],
    primals: Sequence[np.ndarray],
    cotangent: np.ndarray | None,
    directions: Sequence[np.ndarray],
    *,
    step: float = 1e-4,
) -> float:
    """<cotangent, J(primals) . directions> by central differences in float64.

    The exact vector-Jacobian product g satisfies sum_i <g_i, d_i> = <v, J d>; comparing the two is
    an inner-product check that costs two forward passes at any size. ``function(ag, *xs)`` is the
    spec's own function, run on :class:`NumpyForward`.
    """
    engine = NumpyForward()
    x = [np.asarray(p, dtype=np.float64) for p in primals]

    def central(h: float) -> np.ndarray:
        with np.errstate(all="ignore"):
            return _central(h)

    def _central(h: float) -> np.ndarray:
        plus = function(engine, *[xi + h * d for xi, d in zip(x, directions, strict=True)])
        minus = function(engine, *[xi - h * d for xi, d in zip(x, directions, strict=True)])
        return (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * h)

    # Richardson's extrapolation cancels the h**2 term of the central difference's error, so that
    # curved functions (1/x near 0, exp) are checked as tightly as the tutorial's quadratics.
    slope = (4 * central(step / 2) - central(step)) / 3
    v = np.ones_like(slope) if cotangent is None else np.asarray(cotangent, dtype=np.float64)
    return float(np.sum(v * slope))


def inner_product(gradients: Sequence[np.ndarray | None], directions: Sequence[np.ndarray]) -> float:
    """sum_i <g_i, d_i>, with a missing gradient counting as zeros."""
    return float(
        sum(
            0.0 if g is None else np.sum(np.asarray(g, dtype=np.float64) * d)
            for g, d in zip(gradients, directions, strict=True)
        )
    )


# The tutorial's closed forms, for y = 2x + 2, z = 2 y**2 (In [3] .. In [11]).


def tutorial_mean_gradient(x: np.ndarray) -> np.ndarray:
    """d mean(z) / dx = 16 (x + 1) / n, which is 16 (x + 1) / 3 for the tutorial's 3-vector (In [7])."""
    x = np.asarray(x, dtype=np.float64)
    return 16 * (x + 1) / max(x.size, 1)


def tutorial_sum_gradient(x: np.ndarray) -> np.ndarray:
    """d sum(z) / dx = 16 (x + 1) (In [9])."""
    return 16 * (np.asarray(x, dtype=np.float64) + 1)


def tutorial_vector_gradient(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The vector-Jacobian product of z with v: 16 (x + 1) * v (In [11])."""
    return tutorial_sum_gradient(x) * np.asarray(v, dtype=np.float64)


def reduce_to_shape(gradient: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to an input's shape: what autograd must do for broadcasting."""
    gradient = np.asarray(gradient, dtype=np.float64)
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    for axis, side in enumerate(shape):
        if side == 1 and gradient.shape[axis] != 1:
            gradient = gradient.sum(axis=axis, keepdims=True)
    return gradient


# Second derivatives in closed form, for the higher-order specs: d/dx of the gradient of sum(f(x)).

SECOND_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp,
    "log": lambda x: -1 / x**2,
    "sqrt": lambda x: -0.25 * x**-1.5,
    "sin": lambda x: -np.sin(x),
    "cos": lambda x: -np.cos(x),
    "tanh": lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
    "sigmoid": lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
    "reciprocal": lambda x: 2 / x**3,
    "cube": lambda x: 6 * x,  # x ** 3
}
"""f'' for smooth unary functions, in float64; ``cube`` is ``x ** 3``, pow with a scalar exponent."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def second_derivative(name: str, x: np.ndarray) -> np.ndarray:
    """f''(x) for the unary function ``name`` of :data:`SECOND_DERIVATIVES`, in float64."""
    return np.asarray(SECOND_DERIVATIVES[name](np.asarray(x, dtype=np.float64)), dtype=np.float64)


def sgd_steps(
    w: np.ndarray,
    gradient: Callable[[np.ndarray], np.ndarray],
    *,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> np.ndarray:
    """The parameters after ``steps`` steps of torch.optim.SGD as its documentation writes the
    algorithm, in float64; ``gradient(w)`` is the loss's gradient at w. The first step's momentum
    buffer is the gradient itself (no dampening)."""
    w = np.asarray(w, dtype=np.float64).copy()
    buffer = None
    for _ in range(steps):
        g = gradient(w)
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * w
        if momentum:
            buffer = g.copy() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        w = w - lr * g
    return w
