"""Benchmarks as a view over the spec programs: their options (``plugin``), the timed workloads
(``cases``, ``timed_programs``), and the report and plots made from ``--benchmark-json`` files
(``python -m conformance.benchmarks.report``). Imports the core only; imported by the plugin only.
"""
