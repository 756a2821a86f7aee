"""Spec ids in pytest's JUnit XML.

:class:`JunitSpecNames` renames each spec's ``<testcase>`` in ``--junitxml`` output to its spec id
(``name="accumulation.repeated_backward_adds[cpu]"``, ``classname="accumulation"``), so dashboards
list specs rather than file paths.
"""

from __future__ import annotations

from typing import Any

import pytest


class JunitSpecNames:
    """Names each spec's JUnit ``<testcase>`` by its spec id, with the family as the classname.

    pytest's junitxml keeps attributes set on a test case's reporter before it records the report
    (the way ``record_xml_attribute`` works), so this sets them first, from the ``spec_id`` user
    property the conformance plugin gives every spec item; that property travels with the report,
    so it works under xdist too.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        spec_id = next((value for name, value in report.user_properties if name == "spec_id"), None)
        if spec_id is None:
            return
        xml = _junit_xml(self.config)
        if xml is None:
            return
        family = str(spec_id).partition(".")[0]
        _, bracket, parameters = report.nodeid.partition("[")
        reporter = xml.node_reporter(report)
        reporter.add_attribute("classname", f"{xml.prefix}.{family}" if xml.prefix else family)
        reporter.add_attribute("name", f"{spec_id}{bracket}{parameters}")


def _junit_xml(config: pytest.Config) -> Any:
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pytest moved it: the names stay pytest's own, and a test says so
        return None
    return config.stash.get(xml_key, None)
