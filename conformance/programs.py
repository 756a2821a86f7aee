"""The numeric programs the specs differentiate, named so that benchmarks time the very same code.

Each is ``function(ag, *tensors) -> tensor``, written once with the engine's own operators and the
adapter's reductions; the specs check their gradients and the benchmarks time forward plus backward.
"""

from __future__ import annotations

from typing import Any

Tensor = Any


def tutorial_z(ag: Any, x: Tensor) -> Tensor:
    """z = 2*y**2 with y = 2x + 2 (In [3], In [4]): a vector, for backward(v)."""
    return 2 * (2 * x + 2) ** 2


def tutorial_mean(ag: Any, x: Tensor) -> Tensor:
    """z1 = mean(2*(2x+2)**2) (In [5])."""
    return ag.mean(2 * (2 * x + 2) ** 2)


def tutorial_sum(ag: Any, x: Tensor) -> Tensor:
    """z2 = sum(2*(2x+2)**2) (In [8])."""
    return ag.sum(2 * (2 * x + 2) ** 2)


def shared_use(ag: Any, x: Tensor) -> Tensor:
    """sum(x*x + 3*x): x used three times."""
    return ag.sum(x * x + 3 * x)


def shared_subexpression(ag: Any, x: Tensor) -> Tensor:
    """sum(y*y + y) with y = 2x: x reached through y twice."""
    y = 2 * x
    return ag.sum(y * y + y)


def broadcast_product(ag: Any, small: Tensor, big: Tensor) -> Tensor:
    """sum(small * big) with small broadcast against big."""
    return ag.sum(small * big)


def weighted_sum(ag: Any, weights: Tensor) -> Tensor:
    """sum(weights * 3) (In [17])."""
    return ag.sum(weights * 3)
