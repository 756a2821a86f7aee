"""HIPS autograd as the target ``autograd``: a functional engine over plain NumPy arrays.

The module is named ``hips_autograd`` so that it never shadows the ``autograd`` package it imports.
autograd has no tensor type and no state: no requires_grad, no backward, no .grad, so every stateful
spec is reported unsupported. Spellings that differ from the protocol:

* a tensor is a plain ``numpy.ndarray`` (a copy of the data); inside a differentiated function it
  is an ``ArrayBox``, and reductions are ``autograd.numpy.sum`` / ``autograd.numpy.mean``;
* the vector-Jacobian product is ``autograd.make_vjp(f, argnum=...)(*primals)``, which returns
  ``(pullback, value)``; with no cotangent (a scalar output seeded with one) it is
  ``autograd.value_and_grad``, which refuses a non-scalar output as torch's backward() does;
* several outputs are autograd's own tuple, ``autograd.builtins.tuple((a, b))``, returned by the
  function that ``make_vjp`` differentiates and pulled back with a tuple of cotangents (a plain Python
  tuple of boxes is not traced: autograd warns "Output seems independent of input" and returns zeros);
* ``vjp_nested`` (a vjp of a vjp) is the same two calls on the boxes of an enclosing one: each call
  traces on a trace of its own, so the gradients it returns there are differentiable in turn;
* the only device is the CPU (NumPy);
* operators are ``autograd.numpy``'s and ``autograd.scipy.special``'s (expit is sigmoid), with
  ``axis``/``keepdims``/``ddof`` for torch's ``dim``/``keepdim``/``correction`` (the reductions as
  :mod:`targets._numpy_like` spells them for every NumPy-like namespace). autograd has no relu, softmax
  or log_softmax, and flattens all dims only (``ravel``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import autograd
import autograd.builtins
import autograd.numpy as anp
import autograd.scipy.special
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported
from targets._numpy_like import broadcast_shape, reductions, split_points


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    ndim = max(anp.ndim(x), 1)
    if (start_dim % ndim, end_dim % ndim) != (0, ndim - 1):
        raise Unsupported("flatten of some dims only (autograd.numpy has ravel, which flattens all)")
    return anp.ravel(x)


OPERATORS: Mapping[str, Callable[..., Tensor]] = {
    # element-wise, one operand (no relu)
    "neg": anp.negative,
    "abs": anp.abs,
    "exp": anp.exp,
    "log": anp.log,
    "sqrt": anp.sqrt,
    "sin": anp.sin,
    "cos": anp.cos,
    "tanh": anp.tanh,
    "sigmoid": autograd.scipy.special.expit,
    "reciprocal": anp.reciprocal,
    "pow": anp.power,
    "clamp": lambda x, min=None, max=None: anp.clip(x, min, max),
    # element-wise, two operands (broadcasting)
    "add": anp.add,
    "sub": anp.subtract,
    "mul": anp.multiply,
    "div": anp.divide,
    "maximum": anp.maximum,
    "minimum": anp.minimum,
    "where": anp.where,
    # reductions (no softmax or log_softmax)
    **reductions(anp, logsumexp=autograd.scipy.special.logsumexp),
    # linear algebra
    "matmul": anp.matmul,
    "mm": anp.matmul,  # no mm of its own: matmul on two 2-D arrays is mm
    "t": anp.transpose,  # no t of its own: reversing the dims of a 0-, 1- or 2-D array is t()
    "transpose": anp.swapaxes,
    "permute": anp.transpose,
    "mT": anp.matrix_transpose,
    # shapes
    "reshape": anp.reshape,
    "view": anp.reshape,  # no views: reshape of a contiguous array is view
    "flatten": _flatten,
    "squeeze": lambda x, dim=None: anp.squeeze(x, axis=dim),
    "unsqueeze": anp.expand_dims,
    "expand": lambda x, sizes: anp.broadcast_to(x, broadcast_shape(anp.shape(x), sizes)),
    # indexing, joining, splitting
    "getitem": operator.getitem,
    "cat": lambda tensors, dim=0: anp.concatenate(tensors, axis=dim),
    "stack": lambda tensors, dim=0: anp.stack(tensors, axis=dim),
    "split": lambda x, split_size_or_sections, dim=0: tuple(
        anp.split(x, split_points(anp.shape(x)[dim], split_size_or_sections), axis=dim)
    ),
    "chunk": lambda x, chunks, dim=0: tuple(anp.array_split(x, chunks, axis=dim)),
}


class AutogradAdapter(BaseAdapter):
    name: ClassVar[str] = "autograd"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # autograd.make_vjp and autograd.value_and_grad
            Capability.NESTED_VJP,  # the same, inside a function that they differentiate
            Capability.VJP_OUTPUTS,  # make_vjp of a function returning autograd.builtins.tuple
            Capability.INTEGER_TENSORS,  # int64 ndarrays (differentiating one is refused)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("autograd.deviations")
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = OPERATORS

    def version(self) -> str:
        return version("autograd")  # the package has no __version__

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            raise Unsupported(Capability.TRACKING.value)
        return np.array(data, copy=True)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # results may be NumPy scalars (np.float32): made 0-d

    def sum(self, tensor: Tensor) -> Tensor:
        return anp.sum(tensor)

    def mean(self, tensor: Tensor) -> Tensor:
        return anp.mean(tensor)

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        seed = None if cotangent is None else self.tensor(cotangent, device=device)
        return self.vjp_nested(function, xs, seed)

    def vjp_nested(
        self, function: Callable[..., Tensor], primals: Sequence[Tensor], cotangent: Tensor | None
    ) -> tuple[Tensor, list[Tensor | None]]:
        # make_vjp and value_and_grad box their inputs on a trace of their own: inside a function that
        # autograd differentiates, the gradients they return are boxes of the enclosing trace.
        # One input is differentiated as grad(f)(x) is (argnum=0). With several, argnum is a tuple,
        # and autograd then adds each gradient into zeros of its input's dtype, casting it.
        argnum = 0 if len(primals) == 1 else tuple(range(len(primals)))
        if cotangent is None:
            out, grads = autograd.value_and_grad(function, argnum=argnum)(*primals)
        else:
            pullback, out = autograd.make_vjp(function, argnum=argnum)(*primals)
            grads = pullback(cotangent)
        return out, [grads] if argnum == 0 else list(grads)

    def vjp_outputs(
        self,
        function: Callable[..., Sequence[Tensor]],
        primals: Sequence[np.ndarray],
        cotangents: Sequence[np.ndarray],
        *,
        device: str,
    ) -> tuple[list[Tensor], list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        seeds = tuple(self.tensor(c, device=device) for c in cotangents)
        argnum = 0 if len(xs) == 1 else tuple(range(len(xs)))
        several = autograd.make_vjp(
            lambda *args: autograd.builtins.tuple(tuple(function(*args))), argnum=argnum
        )
        pullback, outs = several(*xs)
        grads = pullback(seeds)
        return list(outs), [grads] if argnum == 0 else list(grads)
