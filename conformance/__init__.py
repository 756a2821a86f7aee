"""autograd-conformance: the core that runs a spec on PyTorch and on a target, and compares.

Here live the spec model (``spec``), the adapter protocol (``adapter``), the runner and the one comparison
helper, outcomes, known deviations, target resolution, strategies and repro snippets; ``specs/`` holds the
specs, one module per family. The core imports only ``reference`` (torch and the oracles); ``reports/``,
``benchmarks/`` and the pytest ``plugin``, which wires them together, import the core, never the reverse.
"""
