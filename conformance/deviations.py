"""Known deviations: data the target owns, one entry a line: the spec id, how it fails, and why.

    backward_errors.non_scalar_refused  "refused is False on target*"  # returns the sum instead of raising
    dtypes.gradient_dtype[cpu-float64]  "grad of x has dtype float32*"  # a bracketed suffix narrows it

The quoted pattern is a glob (``*`` any text, ``?`` one character) over the check's one-line verdict,
as the summary prints it after ``FAILED ... :``; ``"a | b"`` lists two ways the spec fails. A listed check that fails so is a known deviation; one
that fails otherwise is a failure, shown with the entry's pattern and what happened; one that passes
fails the run so the entry is removed; an id that matches no spec is reported as stale. An entry whose
id ends in ``?`` is input-dependent: the engine deviates only on some generated inputs (say which in the
reason), so passing is allowed too.

    operators.binary_gradients[*-vjp-*]?  "grad of y differs*"  # equal 0-d inputs alias into one node

``python -m conformance.deviations pin TARGET`` runs the listed specs and writes each entry's pattern
from how it fails now; read the result before committing it.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

_ENTRY = re.compile(r'^(?P<entry>[^\s"#]+)(?:\s+"(?P<pattern>(?:[^"\\]|\\.)*)")?\s*(?:#\s*(?P<reason>.*))?$')


class DeviationsError(Exception):
    """A deviations file that cannot be read, with the line at fault."""


@dataclass(frozen=True)
class Deviation:
    spec_id: str
    parameters: str | None  # a glob over the item's parameter id, e.g. "cpu-float64"
    reason: str
    where: str  # "path:line"
    strict: bool = True  # False for an input-dependent entry (``?``): it may pass on other inputs
    pattern: str = "*"  # a glob over the failure's one-line verdict: how the spec fails

    def matches(self, spec_id: str, parameters: str) -> bool:
        if spec_id != self.spec_id:
            return False
        return self.parameters is None or fnmatch.fnmatchcase(parameters, self.parameters)

    def explains(self, message: str) -> bool:
        """Whether a failure with this verdict is the one the entry lists (one of, for ``a | b``)."""
        return any(fnmatch.fnmatchcase(message, pattern) for pattern in self.pattern.split(" | "))

    @property
    def entry(self) -> str:
        """The entry's id part as written: ``spec.id[params]?``."""
        narrowed = "" if self.parameters is None else f"[{self.parameters}]"
        return f"{self.spec_id}{narrowed}{'' if self.strict else '?'}"


def parse_deviations(path: Path, *, pinned: bool = True) -> list[Deviation]:
    """Read a deviations file; every entry needs a reason and (``pinned``) how the spec fails."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DeviationsError(f"cannot read deviations file {path}: {error.strerror}") from None
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        found = _ENTRY.match(line)
        if found is None:
            raise DeviationsError(
                f'{where}: {line!r} is not an entry; write: spec.id[params]  "how it fails"  # why'
            )
        entry, pattern, reason = found["entry"], found["pattern"], (found["reason"] or "").strip()
        if not reason:
            raise DeviationsError(
                f"{where}: entry {entry!r} has no reason; add '# what the engine does instead'"
            )
        if pattern is None and pinned:
            raise DeviationsError(
                f"{where}: entry {entry!r} does not say how the spec fails; add the verdict's pattern in "
                f'quotes after the id ("forward value = * on target*"), or run python -m '
                f"conformance.deviations pin TARGET to write it from a run"
            )
        strict = not entry.endswith("?")
        spec_id, _, rest = entry.removesuffix("?").partition("[")
        parameters = rest.removesuffix("]") if rest else None
        shown = "*" if pattern is None else pattern.replace('\\"', '"')
        entries.append(Deviation(spec_id, parameters, reason, where, strict, shown))
    return entries


_NUMBER = re.compile(r"(?<![A-Za-z_\d.])(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf)(?![A-Za-z_\d])")


def pattern_of(messages: list[str]) -> str:
    """The pattern of :func:`_pattern_of` for each kind of verdict among ``messages`` (what comes before
    "on target"), joined by `` | `` when a spec's checks fail in more than one way."""
    kinds: dict[str, list[str]] = {}
    for message in messages:
        kinds.setdefault(_NUMBER.sub("*", message.partition(" on target")[0]), []).append(message)
    if len(kinds) > 3:
        return _pattern_of(messages)
    return " | ".join(dict.fromkeys(_pattern_of(group) for group in kinds.values()))


def _pattern_of(messages: list[str]) -> str:
    """A readable glob that every one of ``messages`` matches: numbers and bracketed values become
    ``*``; what the messages share at the start (cut before a parenthesis: the values side by side) and
    at the end (after a final parenthesis is dropped) is kept, with ``*`` between."""
    general = [_NUMBER.sub("*", re.sub(r"\[[^\]]*\]", "*", message)) for message in messages]
    prefix = _shared(general)
    prefix = prefix[: prefix.find("(")] if "(" in prefix else prefix
    if len(general) == 1:
        return _tidy(prefix if prefix == general[0] else prefix.rstrip() + "*")
    ends = [re.sub(r"\s*\([^()]*\)$", "", message) for message in general]
    suffix = _shared([end[::-1] for end in ends])[::-1]
    suffix = suffix[suffix.rfind(")") + 1 :] if ")" in suffix else suffix
    if len(prefix) + len(suffix) > min(len(end) for end in ends):
        suffix = ""  # the messages are all one text: the prefix holds it
    if not suffix.strip():
        return _tidy(f"{prefix.rstrip()}*")
    tail = "" if all(message.endswith(suffix) for message in general) else "*"  # a dropped parenthesis
    return _tidy(f"{prefix}*{suffix}{tail}")


def _shared(texts: list[str]) -> str:
    common = texts[0]
    for other in texts[1:]:
        length = 0
        while length < min(len(common), len(other)) and common[length] == other[length]:
            length += 1
        common = common[:length]
    return common


def _tidy(pattern: str) -> str:
    pattern = re.sub(r"\*+", "*", pattern).replace('"', "?")
    return pattern if pattern.strip("* ") else "*"


def pin(target: str, path: Path | None, pytest_args: list[str]) -> int:
    """Run the specs that ``path`` (the target's deviations file) lists, and write into each entry the
    pattern of how its checks fail now. Entries whose checks all passed are reported, not changed."""
    import json
    import subprocess
    import sys
    import tempfile

    from conformance.resolve import resolve_target
    from conformance.spec import spec_id_of_nodeid

    path = path or getattr(resolve_target(target), "deviations", None)
    if path is None or not Path(path).is_file():
        print(f"no deviations file for target {target!r}; give one with --deviations", file=sys.stderr)
        return 2
    path = Path(path)
    entries = parse_deviations(path, pinned=False)
    base = [sys.executable, "-m", "pytest", f"--target={target}", "-p", "no:cacheprovider", *pytest_args]
    families = sorted({f"conformance/specs/{entry.spec_id.partition('.')[0]}.py" for entry in entries})
    collected = subprocess.run(
        [*base, "--collect-only", "-q", *families], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    selections = [  # only the listed checks: an entry narrowed to float64 runs no float32 check
        nodeid
        for nodeid in collected
        if "::test_" in nodeid
        and any(
            entry.matches(spec_id_of_nodeid(nodeid), nodeid.partition("[")[2].removesuffix("]"))
            for entry in entries
        )
    ]
    with tempfile.TemporaryDirectory() as scratch:
        loose = Path(scratch) / "loose.deviations"
        loose.write_text("\n".join(f'{e.entry}  "*"  # {e.reason}' for e in entries) + "\n", encoding="utf-8")
        report = Path(scratch) / "report.json"
        command = [*base, f"--deviations={loose}", f"--conformance-report={report}", "-q", *selections]
        print(f"running the {len(selections)} listed checks of {target}", file=sys.stderr)
        subprocess.run(command, check=False)
        checks = [
            (spec["id"], check)
            for spec in json.loads(report.read_text(encoding="utf-8"))["specs"]
            for check in spec["checks"]
        ]
    lines = path.read_text(encoding="utf-8").splitlines()
    for entry in entries:
        messages = [
            check["message"]
            for spec_id, check in checks
            if entry.matches(spec_id, check["parameters"]) and check["outcome"] in ("deviation", "failed")
        ]
        number = int(entry.where.rpartition(":")[2]) - 1
        if not messages:
            print(f"{entry.where}: {entry.entry} did not fail in this run; left as it is", file=sys.stderr)
            continue
        pattern = pattern_of(messages)
        lines[number] = f'{entry.entry}  "{pattern}"  # {entry.reason}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"pinned {path}; read the patterns before committing them", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m conformance.deviations",
        description="pin TARGET: write into each entry of the target's deviations file how its spec fails now.",
    )
    parser.add_argument("command", choices=["pin"])
    parser.add_argument("target")
    parser.add_argument("--deviations", type=Path, default=None, help="the file (default: the target's own)")
    options, rest = parser.parse_known_args(argv)
    return pin(options.target, options.deviations, rest)


if __name__ == "__main__":
    raise SystemExit(main())
