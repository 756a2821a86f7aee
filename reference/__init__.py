"""The reference: PyTorch itself, and oracles that do not depend on it."""
