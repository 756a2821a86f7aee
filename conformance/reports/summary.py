"""The conformance summary every run ends with: per family, the counts; a score; one line a failure."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from conformance.outcomes import Outcome, by_spec, counts, score
from conformance.spec import all_specs

if TYPE_CHECKING:
    from conformance.session import ConformanceSession

COLUMNS = (Outcome.PASSED, Outcome.FAILED, Outcome.DEVIATION, Outcome.UNSUPPORTED, Outcome.SKIPPED)


def summary_lines(session: ConformanceSession) -> list[str]:
    specs = by_spec(session.results)
    if not specs:
        return ["no spec ran"]
    families: dict[str, Counter[Outcome]] = {}
    for result in specs:
        families.setdefault(result.spec.family, Counter())[result.outcome] += 1
    width = max(len("family"), *(len(f) for f in families))
    header = f"{'family':<{width}}  {'specs':>5}  " + "  ".join(f"{c.value:>11}" for c in COLUMNS)
    lines = [header]
    for family, tally in families.items():
        lines.append(
            f"{family:<{width}}  {sum(tally.values()):>5}  " + "  ".join(f"{tally[c]:>11}" for c in COLUMNS)
        )
    total = counts(specs)
    lines.append(f"{'total':<{width}}  {len(specs):>5}  " + "  ".join(f"{total[c]:>11}" for c in COLUMNS))
    rate = score(total)
    supported = total[Outcome.PASSED] + total[Outcome.FAILED] + total[Outcome.DEVIATION]
    everything = len(all_specs())
    lines.append(
        "score: "
        + (
            "n/a (no spec was supported)"
            if rate is None
            else f"{rate:.1%} of the {supported} supported specs conform"
        )
        + f"; the target supports {supported} of the suite's {everything} specs ({supported / everything:.0%})"
    )
    skips = Counter(
        check.message for result in specs for check in result.checks if check.outcome is Outcome.SKIPPED
    )
    lines += [f"skipped {n} check(s): {reason}" for reason, n in skips.items()]
    for result in specs:
        for check in result.checks:
            if check.outcome is Outcome.FAILED:
                lines.append(
                    f"FAILED {result.spec.id} ({result.spec.origin}) [{check.parameters}]: {check.message}"
                )
    missing = session.missing()
    if missing:
        lines.append(
            f"INCOMPLETE: {len(missing)} of {len(session.expected)} checks did not run (the run ended early: "
            "an interrupt, a stop after failures, or a process that died); the verdict covers only the rest"
        )
        lines += [f"  not run: {nodeid}" for nodeid in missing[:10]]
        if len(missing) > 10:
            lines.append(f"  ... and {len(missing) - 10} more (the JSON report lists all)")
    for stale in session.stale_deviations():
        lines.append(f"stale deviation {stale.where}: {stale.spec_id!r} matches no spec; remove or fix it")
    lines.append(
        f"autograd conformance of {session.target.name!r}: {total[Outcome.PASSED]} specs passed, "
        f"{total[Outcome.FAILED]} failed, {total[Outcome.DEVIATION]} known deviations, "
        f"{total[Outcome.UNSUPPORTED]} unsupported"
    )
    return lines


def write_summary(terminalreporter: Any, session: ConformanceSession) -> None:
    target = session.target
    terminalreporter.write_sep("=", f"autograd conformance: {target.name} {target.version()} vs torch")
    for line in summary_lines(session):
        red = line.startswith(("FAILED", "stale", "INCOMPLETE", "  not run", "  ..."))
        terminalreporter.write_line(line, red=red)
