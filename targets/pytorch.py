"""PyTorch as a target: the reference engine run through the same adapter as any other."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from conformance.adapter import Tensor
from targets.torchlike import TorchLikeAdapter


class TorchAdapter(TorchLikeAdapter):
    name: ClassVar[str] = "torch"
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("torch.deviations")

    def __init__(self) -> None:
        super().__init__(torch)

    def devices(self) -> dict[str, str | None]:
        cuda = (
            None
            if torch.cuda.is_available()
            else "CUDA is not available (torch.cuda.is_available() is False)"
        )
        return {"cpu": None, "cuda": cuda}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        return torch.tensor(data, requires_grad=requires_grad, device=_device(device))

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return tensor.numpy(force=True)  # force: detach and move to the CPU in one call

    def synchronize(self, device: str) -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize(device)


@functools.cache
def _device(name: str) -> torch.device:
    return torch.device(name)  # parsed once: a device string is parsed on every torch.tensor call
