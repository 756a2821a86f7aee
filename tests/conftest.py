"""Shared set-up for the suite's own tests."""

# pytester's in-process runs drop the modules a run imported. torch's C extension cannot be loaded
# twice in one process, and torch.optim's step() imports torch._dynamo, which cannot either: both
# are imported once here, before any run, and stay.
import torch
import torch._dynamo  # noqa: F401
