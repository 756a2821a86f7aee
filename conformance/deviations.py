"""Known deviations: data the target owns, one spec id a line with ``# reason``.

    backward_errors.non_scalar_refused   # returns the sum instead of raising
    dtypes.gradient_dtype[cpu-float64]   # a bracketed suffix narrows the entry to matching items

A listed spec that fails is a known deviation; one that passes fails the run so the entry is removed;
an id that matches no spec is reported as stale. An entry that ends in ``?`` is input-dependent: the
engine deviates only on some generated inputs (say which in the reason), so passing is allowed too.

    operators.binary_gradients[*-vjp-*]?  # equal 0-d inputs alias into one node, when drawn
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path


class DeviationsError(Exception):
    """A deviations file that cannot be read, with the line at fault."""


@dataclass(frozen=True)
class Deviation:
    spec_id: str
    parameters: str | None  # a glob over the item's parameter id, e.g. "cpu-float64"
    reason: str
    where: str  # "path:line"
    strict: bool = True  # False for an input-dependent entry (``?``): it may pass on other inputs

    def matches(self, spec_id: str, parameters: str) -> bool:
        if spec_id != self.spec_id:
            return False
        return self.parameters is None or fnmatch.fnmatchcase(parameters, self.parameters)


def parse_deviations(path: Path) -> list[Deviation]:
    """Read a deviations file; every entry needs a reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DeviationsError(f"cannot read deviations file {path}: {error.strerror}") from None
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry, _, reason = line.partition("#")
        entry, reason = entry.strip(), reason.strip()
        where = f"{path}:{number}"
        if not reason:
            raise DeviationsError(
                f"{where}: entry {entry!r} has no reason; add '# what the engine does instead'"
            )
        if " " in entry:
            raise DeviationsError(f"{where}: {entry!r} is not one spec id; write one id a line")
        strict = not entry.endswith("?")
        spec_id, _, rest = entry.removesuffix("?").partition("[")
        parameters = rest.removesuffix("]") if rest else None
        entries.append(Deviation(spec_id, parameters, reason, where, strict))
    return entries
