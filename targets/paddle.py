"""PaddlePaddle: a torch-like engine whose tracking flag is inverted (``stop_gradient``).

Tensors are untracked by default; ``to_tensor(data, stop_gradient=False)`` is torch's
``tensor(data, requires_grad=True)``. Paddle's graph nodes have their own names (ScaleGradNode, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import paddle

from conformance.adapter import Capability, Tensor
from targets.torchlike import TorchLikeAdapter


class PaddleAdapter(TorchLikeAdapter):
    name: ClassVar[str] = "paddle"
    module_name: ClassVar[str] = "paddle"
    capabilities: ClassVar[frozenset[Capability]] = TorchLikeAdapter.capabilities - {Capability.NODE_NAMES}
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("paddle.deviations")

    def devices(self) -> dict[str, str | None]:
        cuda = None if paddle.is_compiled_with_cuda() else "this paddlepaddle is not compiled with CUDA"
        return {"cpu": None, "cuda": cuda}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        place = device.replace("cuda", "gpu")  # paddle names the CUDA device gpu
        return paddle.to_tensor(data, stop_gradient=not requires_grad, place=place)

    def requires_grad(self, tensor: Tensor) -> bool:
        return not tensor.stop_gradient  # stop_gradient is requires_grad inverted

    def requires_grad_(self, tensor: Tensor, flag: bool) -> Tensor:
        tensor.stop_gradient = not flag
        return tensor

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.clear_grad()  # paddle refuses grad.zero_() on a leaf's grad; clear_grad() zeroes it

    def retain_grad(self, tensor: Tensor) -> None:
        tensor.retain_grads()  # spelled in the plural

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(a.data_ptr() == b.data_ptr())

    def add_(self, tensor: Tensor, number: float) -> None:
        # paddle's add_ takes a tensor, not a Python number
        tensor.add_(paddle.to_tensor(number, dtype=tensor.dtype, place=tensor.place))

    def sgd(self, params: list[Tensor], lr: float) -> paddle.optimizer.SGD:
        return paddle.optimizer.SGD(learning_rate=lr, parameters=params)
