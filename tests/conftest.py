"""Shared set-up for the suite's own tests."""

# pytester's in-process runs drop the modules a run imported; torch's C extension cannot be loaded
# twice in one process, so it is imported once here, before any run, and stays.
import torch  # noqa: F401
