"""What the renderers show, read out of one or more JSON reports: targets as columns, specs as rows.

Several reports merge into one matrix: each report is a column (its target), each spec a row, grouped
by family; a spec one report ran and another did not shows as *not run* in the other's column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

OUTCOME_LABELS = {
    "passed": "pass",
    "failed": "fail",
    "deviation": "deviation",
    "unsupported": "unsupported",
    "skipped": "skipped",
}
OUTCOME_MEANINGS = {
    "passed": "behaves as torch does",
    "failed": "differs from torch",
    "deviation": "differs, and the target lists it as a known deviation",
    "unsupported": "the target lacks a capability the spec needs",
    "skipped": "not run here, e.g. no CUDA device",
}
NOT_RUN = "not run"


@dataclass
class Column:
    """One report: a target on one machine."""

    label: str
    report: dict[str, Any]
    specs: dict[str, dict[str, Any]]

    @property
    def target(self) -> dict[str, Any]:
        return self.report["target"]  # type: ignore[no-any-return]

    def outcome(self, spec_id: str) -> str | None:
        found = self.specs.get(spec_id)
        return None if found is None else str(found["outcome"])


@dataclass
class Row:
    id: str
    family: str
    cell: str
    origin: str
    doc: str


@dataclass
class Failure:
    """A failed spec on one target, with every check that failed."""

    column: Column
    spec: dict[str, Any]
    checks: list[dict[str, Any]]

    @property
    def anchor(self) -> str:
        return anchor_for(self.column.label, self.spec["id"])


def anchor_for(label: str, spec_id: str) -> str:
    return "fail-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{label}-{spec_id}")


def columns_of(reports: list[dict[str, Any]]) -> list[Column]:
    """One column a report, labelled by the target's name; a repeated name gets its version or a number."""
    names = [report["target"]["name"] for report in reports]
    columns = []
    seen: set[str] = set()
    for report, name in zip(reports, names, strict=True):
        label = name
        if names.count(name) > 1:
            label = f"{name} {report['target']['version']}"
        number = 2
        base = label
        while label in seen:
            label, number = f"{base} #{number}", number + 1
        seen.add(label)
        columns.append(Column(label, report, {spec["id"]: spec for spec in report["specs"]}))
    return columns


def rows_by_family(columns: list[Column]) -> dict[str, list[Row]]:
    """Every spec any report ran, grouped by family, families and ids sorted."""
    rows: dict[str, Row] = {}
    for column in columns:
        for spec in column.report["specs"]:
            rows.setdefault(
                spec["id"], Row(spec["id"], spec["family"], spec["cell"], spec["origin"], spec.get("doc", ""))
            )
    families: dict[str, list[Row]] = {}
    for row in sorted(rows.values(), key=lambda r: (r.family, r.id)):
        families.setdefault(row.family, []).append(row)
    return families


def failures_of(columns: list[Column]) -> list[Failure]:
    return [
        Failure(column, spec, [check for check in spec["checks"] if check["outcome"] == "failed"])
        for column in columns
        for spec in column.report["specs"]
        if spec["outcome"] == "failed"
    ]


def deviations_of(columns: list[Column]) -> list[tuple[Column, dict[str, Any]]]:
    return [
        (column, spec)
        for column in columns
        for spec in column.report["specs"]
        if spec["outcome"] == "deviation"
    ]


def score_text(report: dict[str, Any]) -> str:
    score = report["summary"]["score"]
    return "n/a" if score is None else f"{score:.1%}"


def coverage_text(report: dict[str, Any]) -> str:
    """How much of the suite the score covers: ``"11 of 139 specs"``; what older reports say: ``"?"``."""
    summary = report["summary"]
    total = summary.get("total")
    return "?" if total is None else f"{summary['supported']} of {total} specs"


@dataclass(frozen=True)
class Sides:
    """A disagreement's headline cut into what differed, the target's value and the reference's."""

    subject: str
    target: str
    reference_name: str
    reference: str
    note: str


_HEADLINE = re.compile(
    r"^(?P<subject>.*?):? (?P<verb>=|is|has shape|has dtype|raised|returned) (?P<target>.*) "
    r"on target '(?P<name>[^']*)', but (?P<rest>.*)$",
    re.DOTALL,
)
_REFERENCE = re.compile(r"^(?P<against>.+?)(?P<verb>:| gives| raises) (?P<value>.*)$", re.DOTALL)
_NOTE = re.compile(r"^(?P<value>.*?) \((?P<note>\|diff\|.*)\)$", re.DOTALL)


def sides(headline: str) -> Sides | None:
    """``sides("x.grad = 24 on target 'mine', but torch gives 16 (|diff| 8 > ...)")`` gives
    subject ``x.grad``, target ``24``, reference ``16`` and the tolerance as the note; None when the
    headline is not a comparison (the program raised, the oracle check failed)."""
    found = _HEADLINE.match(headline)
    if found is None:
        return None
    reference = _REFERENCE.match(found["rest"])
    if reference is None:
        return None
    verb, subject, target = found["verb"], found["subject"], found["target"]
    if verb.startswith("has "):
        subject = f"{subject} {verb.removeprefix('has ')}"
    elif verb not in ("=", "is"):
        target = f"{verb} {target}"
    value = reference["value"]
    if reference["verb"] == " raises":
        value = f"raises {value}"
    note = ""
    noted = _NOTE.match(value)
    if noted is not None:
        value, note = noted["value"], noted["note"]
    return Sides(subject, target, reference["against"], value, note)
