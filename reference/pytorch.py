"""PyTorch as the reference: every spec runs here with the target's inputs, dtype and device."""

from __future__ import annotations

from targets.pytorch import TorchAdapter


def reference_adapter() -> TorchAdapter:
    return TorchAdapter()


def reference_device(device: str) -> str:
    """The reference runs on the target's device when torch has it, else on the CPU."""
    reasons = TorchAdapter().devices()
    return device if reasons.get(device, "unknown") is None else "cpu"
