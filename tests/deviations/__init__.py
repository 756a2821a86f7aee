"""Snippets in each engine's own API that prove its known deviations, one test module per engine.

A snippet test is named after the spec id it proves, ``test_<family>__<name>``;
:func:`assert_snippets_match` checks that every entry has one and every one an entry.
"""

from pathlib import Path
from typing import Any

from conformance.deviations import parse_deviations

TARGETS = Path(__file__).resolve().parents[2] / "targets"


def assert_snippets_match(engine: str, namespace: dict[str, Any]) -> None:
    """Every entry of targets/<engine>.deviations has its snippet test, and every snippet its entry."""
    entries = {deviation.spec_id for deviation in parse_deviations(TARGETS / f"{engine}.deviations")}
    snippets = {
        name.removeprefix("test_").replace("__", ".", 1)
        for name, value in namespace.items()
        if name.startswith("test_") and "__" in name and callable(value)
    }
    assert sorted(entries - snippets) == [], f"{engine}.deviations entries without a snippet test"
    assert sorted(snippets - entries) == [], f"snippet tests without an entry in {engine}.deviations"
