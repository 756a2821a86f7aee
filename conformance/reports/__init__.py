"""What a run says: the terminal summary, the JSON report, spec ids in JUnit XML, and the Markdown and
HTML matrix rendered from reports (``python -m conformance.reports.render``), plus the README's
generated tables (``python -m conformance.reports.readme``). Imports the core only; imported by the
plugin only.
"""
