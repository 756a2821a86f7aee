"""TensorFlow: tape-based, so it offers the functional core and none of the stateful capabilities.

A TensorFlow tensor carries no requires_grad flag, no graph node and no ``.grad``: what is
differentiated is decided by a ``tf.GradientTape`` that watches tensors while a function runs, and
``tape.gradient(out, xs, output_gradients=v)`` returns the vector-Jacobian product. That is ``vjp``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import tensorflow as tf

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported

_DEVICES = {"cpu": "/CPU:0", "cuda": "/GPU:0"}


class TensorflowAdapter(BaseAdapter):
    name: ClassVar[str] = "tensorflow"
    # Not declared: every stateful capability. There is no flag to set or read (a tf.Variable's
    # trainable is fixed at creation and results carry nothing), no backward or .grad (the tape
    # returns gradients), no graph nodes in eager mode, and no no_grad outside a tape
    # (tape.stop_recording()). tf.stop_gradient is detach, but every detach spec also needs one of
    # those. tf.Variable changes only through assign, and the optimizer is keras's apply_gradients.
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.VJP, Capability.INTEGER_TENSORS})
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("tensorflow.deviations")

    def version(self) -> str:
        return str(tf.__version__)

    def devices(self) -> dict[str, str | None]:
        # tf.device("/GPU:0") falls back to the CPU without a word, so ask whether there is one
        gpu = None if tf.config.list_physical_devices("GPU") else "TensorFlow sees no GPU"
        return {"cpu": None, "cuda": gpu}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            raise Unsupported(Capability.TRACKING.value)  # a tape, not the tensor, decides
        with tf.device(_DEVICES[device]):
            return tf.constant(data)

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
        return out, list(tape.gradient(out, leaves, output_gradients=gradient))
