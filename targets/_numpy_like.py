"""torch's arguments in the spelling of a NumPy-like namespace: what the adapters of jax, HIPS autograd
and mlx share.

Each adapter passes its own namespace (``jax.numpy``, ``autograd.numpy``, ``mlx.core``) and its own
logsumexp; this module imports no engine and computes nothing itself, it only renames arguments:
torch's ``dim``/``keepdim``/``correction`` are ``axis``/``keepdims``/``ddof``, amax's ``dim=()`` (every
dim) is ``axis=None``, torch.split's piece sizes are split points, and torch.expand's ``-1`` sizes are
spelled out::

    OPERATORS = {"exp": jnp.exp, **reductions(jnp, logsumexp=jax.scipy.special.logsumexp), ...}
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


def split_points(length: int, split_size_or_sections: int | Sequence[int]) -> list[int]:
    """torch.split's piece sizes as the split points ``split`` takes: ``split_points(5, 2) == [2, 4]``."""
    if isinstance(split_size_or_sections, int):
        return list(range(split_size_or_sections, length, split_size_or_sections))
    return list(itertools.accumulate(split_size_or_sections[:-1]))


def broadcast_shape(shape: Sequence[int], sizes: Sequence[int]) -> tuple[int, ...]:
    """torch.expand's sizes with each -1 (keep that dim) spelled out, as ``broadcast_to`` takes them:
    ``broadcast_shape((2, 1), (3, -1, 4)) == (3, 2, 4)``."""
    new = len(sizes) - len(shape)
    return tuple(shape[i - new] if size == -1 else size for i, size in enumerate(sizes))


def _all_dims(dim: int | tuple[int, ...]) -> int | tuple[int, ...] | None:
    return None if dim == () else dim  # amax's dim=() reduces every dim, as axis=None does


def reductions(xp: ModuleType, *, logsumexp: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    """The catalogue's reductions by torch name, each a call of ``xp``'s own: sum, mean, amax, amin, max
    and min (with a dim: the values only), prod, var and std, and the engine's own ``logsumexp``, which
    takes ``axis``/``keepdims`` as ``xp``'s reductions do."""
    return {
        "sum": lambda x, dim=None, keepdim=False: xp.sum(x, axis=dim, keepdims=keepdim),
        "mean": lambda x, dim=None, keepdim=False: xp.mean(x, axis=dim, keepdims=keepdim),
        "amax": lambda x, dim=(), keepdim=False: xp.max(x, axis=_all_dims(dim), keepdims=keepdim),
        "amin": lambda x, dim=(), keepdim=False: xp.min(x, axis=_all_dims(dim), keepdims=keepdim),
        "max": lambda x, dim=None, keepdim=False: xp.max(x, axis=dim, keepdims=keepdim),
        "min": lambda x, dim=None, keepdim=False: xp.min(x, axis=dim, keepdims=keepdim),
        "prod": lambda x, dim=None, keepdim=False: xp.prod(x, axis=dim, keepdims=keepdim),
        "var": lambda x, dim=None, correction=1, keepdim=False: xp.var(
            x, axis=dim, ddof=correction, keepdims=keepdim
        ),
        "std": lambda x, dim=None, correction=1, keepdim=False: xp.std(
            x, axis=dim, ddof=correction, keepdims=keepdim
        ),
        "logsumexp": lambda x, dim, keepdim=False: logsumexp(x, axis=dim, keepdims=keepdim),
    }
