"""A torch target whose gradients are 1.5 times torch's and that lacks node names: the report tests
run it (as ``myadapters:Scaled``) to get failures, deviations and unsupported specs in one run."""

from conformance.adapter import Capability
from targets.pytorch import TorchAdapter


class Scaled(TorchAdapter):
    name = "scaled"
    deviations = None
    capabilities = TorchAdapter.capabilities - {Capability.NODE_NAMES}

    def grad(self, tensor):
        grad = super().grad(tensor)
        return None if grad is None else grad * 1.5
