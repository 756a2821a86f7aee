"""Regenerate the README's spec table from the registry: ``python -m conformance.readme [--check]``.

The table between the ``specs:start`` and ``specs:end`` markers is never edited by hand; ``--check``
exits 1 when it is stale, which the suite's own tests use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.spec import TUTORIAL_CELLS, all_specs

START, END = "<!-- specs:start -->", "<!-- specs:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def spec_table() -> str:
    specs = all_specs()
    lines = ["| family | spec | origin | behaviour |", "|---|---|---|---|"]
    for found in specs:
        name = found.id.partition(".")[2]
        lines.append(f"| {found.family} | `{name}` | {found.origin} | {found.doc} |")
    covered = sorted({cell for found in specs for cell in found.cells} & set(TUTORIAL_CELLS))
    lines.append("")
    lines.append(
        f"{len(specs)} specs in {len({found.family for found in specs})} families; tutorial cells covered: "
        f"{len(covered)} of {len(TUTORIAL_CELLS)}."
    )
    return "\n".join(lines)


def updated(text: str) -> str:
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    return f"{head}{START}\n{spec_table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is stale; change nothing")
    parser.add_argument(
        "--readme", type=Path, default=README, help="the README to update (default: the repo's)"
    )
    options = parser.parse_args(argv)
    text = options.readme.read_text(encoding="utf-8")
    fresh = updated(text)
    if options.check:
        if fresh != text:
            print(
                f"{options.readme}: the spec table is stale; run python -m conformance.readme",
                file=sys.stderr,
            )
            return 1
        return 0
    options.readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
