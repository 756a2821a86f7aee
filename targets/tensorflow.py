"""TensorFlow: tape-based, so it offers the functional core and the few stateful capabilities that
need no tape around the program.

What is differentiated is decided by a ``tf.GradientTape`` that records operations while a function
runs, and ``tape.gradient(out, xs, output_gradients=v)`` returns the vector-Jacobian product. That is
``vjp``. Mapped besides:

* requires_grad: ``tensor(x, requires_grad=True)`` is a ``tf.Variable(x)``, trainable by default, which a
  tape watches by itself; ``tensor(x)`` is ``tf.constant(x)``. The flag is read back by asking a tape
  whether it watches the tensor when the tensor is read inside it (``tape.watched_variables()``): a
  tf.Tensor, made or computed, is never watched by itself, and outside a tape nothing is recorded.
* detach is ``tf.stop_gradient``; add_ is a variable's ``assign_add`` (a tf.Tensor is immutable: there
  is nothing to change in place, so that is unsupported).
* vjp of vjp (``vjp_nested``): a ``tf.GradientTape`` opened inside the function that ``vjp``'s tape
  records; its ``tape.gradient`` is recorded by the outer tape, TensorFlow's way to higher derivatives.

Not declared, because a spec's program runs outside any tape and the tape model cannot express them
without the adapter wrapping the program in a tape of its own (a context that is not the engine's
default): backward and backward(v) (``tape.gradient`` needs the tape that recorded ``out``), and with
them ``.grad``, retain_graph (its spelling is ``GradientTape(persistent=True)``, which allows a second
``tape.gradient``), retain_grad and zeroing a ``.grad`` (no tensor keeps one); no_grad
(``tape.stop_recording()`` pauses one tape, inside its block: with no tape there is nothing to stop);
the SGD optimizer (``tf.keras.optimizers.SGD`` steps with ``apply_gradients(zip(grads, variables))``,
the gradients coming from a tape, since no variable stores its own); autograd.grad and create_graph
(``tape.gradient`` too needs the tape that recorded the outputs); in-place operations on results (a
tf.Tensor is immutable). Absent from TensorFlow itself: hooks, grad modes, inference_mode,
requires_grad_ (``trainable`` is fixed when a variable is made), graph nodes (an eager tensor carries
none), detach_, and asking whether two tensors share storage.

Operators are TensorFlow's own (``reduce_sum`` for sum, ``axis``/``keepdims`` for ``dim``/``keepdim``),
and ``tf.experimental.numpy``'s, TensorFlow's NumPy API, where only it has the form torch's takes: clip
with one bound, var with a ddof, matmul of vectors, swapaxes, ravel. There is no std with a correction
and no flatten of some dims only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported

_DEVICES = {"cpu": "/CPU:0", "cuda": "/GPU:0"}


def _split_sizes(length: int, split_size_or_sections: int | Sequence[int]) -> list[int]:
    """torch.split's piece size as the list of sizes tf.split takes (an int there counts pieces)."""
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        return [size] * (length // size) + ([length % size] if length % size else [])
    return list(split_size_or_sections)


def _broadcast_shape(shape: Sequence[int], sizes: Sequence[int]) -> tuple[int, ...]:
    """torch.expand's sizes with each -1 (keep that dim) spelled out, as broadcast_to takes them."""
    new = len(sizes) - len(shape)
    return tuple(shape[i - new] if size == -1 else size for i, size in enumerate(sizes))


def _all_dims(dim: int | tuple[int, ...]) -> int | tuple[int, ...] | None:
    return None if dim == () else dim  # amax's dim=() reduces every dim, as axis=None does


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    ndim = max(x.shape.rank, 1)
    if (start_dim % ndim, end_dim % ndim) != (0, ndim - 1):
        raise Unsupported("flatten of some dims only (TensorFlow has tnp.ravel, which flattens all)")
    return tnp.ravel(x)


def _var(x: Tensor, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Tensor:
    # tnp.var fails to cast its result unless the dtype is named, when ddof is not 0
    return tnp.var(x, axis=dim, ddof=correction, keepdims=keepdim, dtype=x.dtype)


def _std(x: Tensor, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Tensor:
    if correction != 0:
        raise Unsupported("std with a correction (reduce_std and tnp.std take no ddof)")
    return tf.math.reduce_std(x, axis=dim, keepdims=keepdim)


def _getitem(x: Tensor, index: Any) -> Tensor:
    if isinstance(index, tf.Tensor) and index.dtype.is_integer:
        return tf.gather(x, index)  # x[index] takes no integer tensor; gather is its indexing by one
    return x[index]


OPERATORS: Mapping[str, Callable[..., Tensor]] = {
    # element-wise, one operand
    "neg": tf.negative,
    "abs": tf.abs,
    "exp": tf.exp,
    "log": tf.math.log,
    "sqrt": tf.sqrt,
    "sin": tf.sin,
    "cos": tf.cos,
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
    "reciprocal": tf.math.reciprocal,
    "pow": tf.pow,
    "clamp": lambda x, min=None, max=None: tnp.clip(x, min, max),  # clip_by_value needs both bounds
    # element-wise, two operands (broadcasting)
    "add": tf.add,
    "sub": tf.subtract,
    "mul": tf.multiply,
    "div": tf.divide,
    "maximum": tf.maximum,
    "minimum": tf.minimum,
    "where": tf.where,
    # reductions
    "sum": lambda x, dim=None, keepdim=False: tf.reduce_sum(x, axis=dim, keepdims=keepdim),
    "mean": lambda x, dim=None, keepdim=False: tf.reduce_mean(x, axis=dim, keepdims=keepdim),
    "amax": lambda x, dim=(), keepdim=False: tf.reduce_max(x, axis=_all_dims(dim), keepdims=keepdim),
    "amin": lambda x, dim=(), keepdim=False: tf.reduce_min(x, axis=_all_dims(dim), keepdims=keepdim),
    "max": lambda x, dim=None, keepdim=False: tf.reduce_max(x, axis=dim, keepdims=keepdim),
    "min": lambda x, dim=None, keepdim=False: tf.reduce_min(x, axis=dim, keepdims=keepdim),
    "prod": lambda x, dim=None, keepdim=False: tf.reduce_prod(x, axis=dim, keepdims=keepdim),
    "var": _var,
    "std": _std,
    "logsumexp": lambda x, dim, keepdim=False: tf.reduce_logsumexp(x, axis=dim, keepdims=keepdim),
    "softmax": lambda x, dim: tf.nn.softmax(x, axis=dim),
    "log_softmax": lambda x, dim: tf.nn.log_softmax(x, axis=dim),
    # linear algebra
    "matmul": tnp.matmul,  # tf.linalg.matmul takes no 1-D operand; tnp.matmul has every form
    "mm": tf.linalg.matmul,
    "t": tf.transpose,  # no t of its own: reversing the dims of a 0-, 1- or 2-D tensor is t()
    "transpose": tnp.swapaxes,
    "permute": tf.transpose,
    "mT": tf.linalg.matrix_transpose,
    # shapes
    "reshape": tf.reshape,
    "view": tf.reshape,  # no views: reshape of a contiguous tensor is view
    "flatten": _flatten,
    "squeeze": lambda x, dim=None: tf.squeeze(x, axis=dim),
    "unsqueeze": tf.expand_dims,
    "expand": lambda x, sizes: tf.broadcast_to(x, _broadcast_shape(x.shape, sizes)),
    # indexing, joining, splitting
    "getitem": _getitem,
    "cat": lambda tensors, dim=0: tf.concat(tensors, axis=dim),
    "stack": lambda tensors, dim=0: tf.stack(tensors, axis=dim),
    "split": lambda x, split_size_or_sections, dim=0: tuple(
        tf.split(x, _split_sizes(x.shape[dim], split_size_or_sections), axis=dim)
    ),
    "chunk": lambda x, chunks, dim=0: tuple(tf.split(x, chunks, axis=dim)),
}


class TensorflowAdapter(BaseAdapter):
    name: ClassVar[str] = "tensorflow"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # tape.gradient(out, xs, output_gradients=v)
            Capability.NESTED_VJP,  # a tape inside the tape of vjp: the outer one records the inner gradient
            Capability.VJP_OUTPUTS,  # tape.gradient([outs], xs, output_gradients=[vs])
            Capability.TRACKING,  # a trainable tf.Variable, which a tape watches by itself
            Capability.DETACH,  # tf.stop_gradient
            Capability.INPLACE,  # tf.Variable.assign_add
            Capability.INTEGER_TENSORS,
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("tensorflow.deviations")
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = OPERATORS

    def version(self) -> str:
        return str(tf.__version__)

    def devices(self) -> dict[str, str | None]:
        # tf.device("/GPU:0") falls back to the CPU without a word, so ask whether there is one
        gpu = None if tf.config.list_physical_devices("GPU") else "TensorFlow sees no GPU"
        return {"cpu": None, "cuda": gpu}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        with tf.device(_DEVICES[device]):
            return tf.Variable(data) if requires_grad else tf.constant(data)

    def requires_grad(self, tensor: Tensor) -> bool:
        with tf.GradientTape() as tape:
            tf.identity(tensor)  # reading a trainable variable inside a tape is what makes it watch it
        return any(watched is tensor for watched in tape.watched_variables())

    def detach(self, tensor: Tensor) -> Tensor:
        return tf.stop_gradient(tensor)

    def add_(self, tensor: Tensor, number: float) -> None:
        if not isinstance(tensor, tf.Variable):
            raise Unsupported("in-place change of a tf.Tensor (immutable: only a tf.Variable has assign_add)")
        # assign_add takes a value of the variable's shape (it broadcasts nothing): the number, spelled so
        tensor.assign_add(tf.fill(tensor.shape, tf.constant(number, dtype=tensor.dtype)))

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor.numpy(), copy=True)

    def sum(self, tensor: Tensor) -> Tensor:
        return tf.reduce_sum(tensor)  # spelled reduce_sum

    def mean(self, tensor: Tensor) -> Tensor:
        return tf.reduce_mean(tensor)  # spelled reduce_mean

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        leaves = [self.tensor(primal, device=device) for primal in primals]
        with tf.GradientTape() as tape:
            tape.watch(leaves)
            out = function(*leaves)
        gradient = None if cotangent is None else self.tensor(cotangent, device=device)
        grads = tape.gradient(out, leaves, output_gradients=gradient)
        # a gather's gradient comes as IndexedSlices, TensorFlow's sparse form: read it as a tensor
        return out, [None if g is None else tf.convert_to_tensor(g) for g in grads]

    def vjp_outputs(
        self,
        function: Callable[..., Sequence[Tensor]],
        primals: Sequence[np.ndarray],
        cotangents: Sequence[np.ndarray],
        *,
        device: str,
    ) -> tuple[list[Tensor], list[Tensor | None]]:
        leaves = [self.tensor(primal, device=device) for primal in primals]
        with tf.GradientTape() as tape:
            tape.watch(leaves)
            outs = list(function(*leaves))
        seeds = [self.tensor(c, device=device) for c in cotangents]
        grads = tape.gradient(outs, leaves, output_gradients=seeds)
        return outs, [None if g is None else tf.convert_to_tensor(g) for g in grads]

    def vjp_nested(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[Tensor],
        cotangent: Tensor | None,
    ) -> tuple[Tensor, list[Tensor | None]]:
        # TensorFlow's higher derivatives: a tape opened inside another one's recording, whose
        # tape.gradient the outer tape records in turn
        with tf.GradientTape() as tape:
            tape.watch(primals)
            out = function(*primals)
        grads = tape.gradient(out, primals, output_gradients=cotangent)
        return out, [None if g is None else tf.convert_to_tensor(g) for g in grads]
