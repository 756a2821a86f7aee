"""The one comparison helper: it owns every tolerance and writes every disagreement message.

Order of checks: shape, then dtype, then values, each gradient on its own. A fast vectorised check
runs first; the index-by-index explanation is built only when it fails.

Tolerances, per dtype, in one place:

* values (forward results): ``torch.testing.assert_close``'s defaults;
* gradients: the same ``atol`` and ten times the ``rtol``. A gradient passes through several more
  roundings than the forward value (the chain rule multiplies each node's local derivative), and
  engines order those products differently; ten float32 ulps of relative error (1.3e-5) is still far
  below any real bug the suite looks for (a wrong factor, a missing term, a lost accumulation);
* the numerical oracle: relative to the summed magnitudes of the inner product, 1e-4 for float32
  and 1e-6 for float64 (the central difference itself is exact for the tutorial's quadratics; what
  remains is the target's own rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


VALUE_TOLERANCES: dict[str, Tolerance] = {
    "float16": Tolerance(rtol=1e-3, atol=1e-5),
    "bfloat16": Tolerance(rtol=1.6e-2, atol=1e-5),
    "float32": Tolerance(rtol=1.3e-6, atol=1e-5),
    "float64": Tolerance(rtol=1e-7, atol=1e-7),
}
GRADIENT_RTOL_ALLOWANCE = 10.0
ORACLE_RTOL: dict[str, float] = {"float16": 1e-2, "bfloat16": 1e-1, "float32": 1e-4, "float64": 1e-6}


def tolerance(dtype: Any, *, gradient: bool = False) -> Tolerance:
    """The tolerance for a dtype; ``tolerance("float32", gradient=True)`` is the gradient allowance."""
    name = np.dtype(dtype).name if np.dtype(dtype).kind == "f" else "float64"
    base = VALUE_TOLERANCES.get(name, VALUE_TOLERANCES["float64"])
    if not gradient:
        return base
    return Tolerance(rtol=base.rtol * GRADIENT_RTOL_ALLOWANCE, atol=base.atol)


class Disagreement(AssertionError):
    """The target and the reference (or an oracle) differ. ``headline`` is the one-line verdict."""

    def __init__(self, headline: str, details: str = "") -> None:
        super().__init__(headline if not details else f"{headline}\n{details}")
        self.headline = headline
        self.details = details


@dataclass(frozen=True)
class Raised:
    """An exception an engine raised where the spec asked it to refuse something."""

    error: BaseException

    def __str__(self) -> str:
        text = str(self.error).strip().splitlines()
        first = text[0][:120] if text else ""
        return f"{type(self.error).__name__}({first!r})"


def builtin_class(error: BaseException) -> type[BaseException]:
    """The most derived builtin class of an exception: RuntimeError for torch's errors."""
    for cls in type(error).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return BaseException


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=6, separator=", ")
        return f"array of shape {value.shape}"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value) if isinstance(value, Raised) else repr(value)


def _same_shape_and_dtype(
    a: np.ndarray, e: np.ndarray, *, what: str, target: str, against: str, check_dtype: bool
) -> None:
    __tracebackhide__ = True
    if a.shape != e.shape:
        raise Disagreement(f"{what} has shape {a.shape} on target {target!r}, but {against} gives {e.shape}")
    if check_dtype and a.dtype != e.dtype:
        raise Disagreement(f"{what} has dtype {a.dtype} on target {target!r}, but {against} gives {e.dtype}")


def _first_difference(close: np.ndarray) -> tuple[np.ndarray, tuple[int, ...], str]:
    """Every differing index, the first one, and how a message names it (`` [1, 0]``, or nothing at 0-d)."""
    bad = np.argwhere(~close) if close.ndim else np.zeros((1, 0), dtype=int)
    index = tuple(int(i) for i in bad[0])
    return bad, index, f" {list(index)}" if index else ""


def assert_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    target: str,
    against: str = "torch",
    gradient: bool = False,
    check_dtype: bool = True,
) -> None:
    """Raise :class:`Disagreement` unless two arrays agree in shape, dtype and values.

    ``assert_close(t, r, what="grad of x", target="mine", gradient=True)`` compares a gradient with
    the gradient allowance; the message names the first differing index and how many differ.
    """
    __tracebackhide__ = True
    a, e = np.asarray(actual), np.asarray(expected)
    _same_shape_and_dtype(a, e, what=what, target=target, against=against, check_dtype=check_dtype)
    loosest = min((a.dtype, e.dtype), key=lambda d: np.finfo(d).bits if d.kind == "f" else 64)
    tol = tolerance(loosest, gradient=gradient)
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    close = np.isclose(a64, e64, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if bool(np.all(close)):
        return
    bad, index, at = _first_difference(close)
    got, want = float(a64[index]), float(e64[index])
    diff = abs(got - want)
    raise Disagreement(
        f"{what}{at} = {got:.6g} on target {target!r}, but {against} gives {want:.6g} "
        f"(|diff| {diff:.3g} > atol {tol.atol:g} + rtol {tol.rtol:g} * |{want:.6g}|)",
        f"  {len(bad)} of {max(a.size, 1)} elements differ; target {_show(a)} | {against} {_show(e)}",
    )


def assert_no_further(
    actual: Any,
    reference: Any,
    exact: Any,
    *,
    what: str,
    target: str,
    against: str = "torch",
    gradient: bool = False,
) -> None:
    """Judge a low-precision result against the float64 one: it may be as far from ``exact`` as the
    reference's own result is, plus the dtype's tolerance, and no further.

    ``assert_no_further(t32, torch32, torch64, what="grad of x", target="mine", gradient=True)``. Shape
    and dtype are checked against the reference first, as :func:`assert_close` does.
    """
    __tracebackhide__ = True
    a, r = np.asarray(actual), np.asarray(reference)
    _same_shape_and_dtype(a, r, what=what, target=target, against=against, check_dtype=True)
    a64, r64 = a.astype(np.float64), r.astype(np.float64)
    e64 = np.broadcast_to(np.asarray(exact, dtype=np.float64), a.shape)
    tol = tolerance(r.dtype, gradient=gradient)
    with np.errstate(invalid="ignore", over="ignore"):
        allowed = np.abs(r64 - e64) + tol.atol + tol.rtol * np.abs(e64)
        close = (np.abs(a64 - e64) <= allowed) | np.isclose(a64, r64, rtol=0, atol=0, equal_nan=True)
    if bool(np.all(close)):
        return
    bad, index, at = _first_difference(close)
    got, want, best = float(a64[index]), float(r64[index]), float(e64[index])
    raise Disagreement(
        f"{what}{at} = {got:.8g} on target {target!r}, but {against} gives {want:.8g} and {against} in float64 "
        f"{best:.8g}: the target is {abs(got - best):.3g} from it, {against}'s own result {abs(want - best):.3g} "
        f"(allowed: that + atol {tol.atol:g} + rtol {tol.rtol:g} * |{best:.6g}|)",
        f"  {len(bad)} of {max(a.size, 1)} elements differ; target {_show(a)} | {against} {_show(r)}",
    )


def assert_same(
    actual: Any,
    expected: Any,
    *,
    what: str,
    target: str,
    against: str = "torch",
    check_dtype: bool = True,
) -> None:
    """Compare two observations of any kind: arrays, flags, names, refusals, and nests of them.

    Arrays are compared with the gradient allowance: most observations are gradients. A
    :class:`Raised` matches another when the target's exception is an instance of the builtin
    class of the reference's (an engine may raise its own subclass of RuntimeError).
    """
    __tracebackhide__ = True
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            label = f"{what}: {key}" if what else str(key)
            assert_same(
                actual.get(key),
                expected[key],
                what=label,
                target=target,
                against=against,
                check_dtype=check_dtype,
            )
        return
    if (
        isinstance(expected, list | tuple)
        and isinstance(actual, list | tuple)
        and len(actual) == len(expected)
    ):
        for number, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(
                a, e, what=f"{what} #{number + 1}", target=target, against=against, check_dtype=check_dtype
            )
        return
    if isinstance(expected, Raised) or isinstance(actual, Raised):
        if isinstance(expected, Raised) and isinstance(actual, Raised):
            wanted = builtin_class(expected.error)
            if isinstance(actual.error, wanted):
                return
            raise Disagreement(
                f"{what} raised {actual} on target {target!r}, but {against} raises "
                f"{wanted.__name__} ({expected})"
            )
        raise Disagreement(
            f"{what}: {_describe_outcome(actual)} on target {target!r}, "
            f"but {against}: {_describe_outcome(expected)}"
        )
    if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        if actual is None or expected is None:
            raise Disagreement(
                f"{what} is {_show(actual)} on target {target!r}, but {against} gives {_show(expected)}"
            )
        assert_close(
            actual,
            expected,
            what=what,
            target=target,
            against=against,
            gradient=True,
            check_dtype=check_dtype,
        )
        return
    if isinstance(expected, float) and isinstance(actual, float | int) and not isinstance(actual, bool):
        assert_close(np.float64(actual), np.float64(expected), what=what, target=target, against=against)
        return
    if actual != expected:
        raise Disagreement(
            f"{what} is {_show(actual)} on target {target!r}, but {against} gives {_show(expected)}"
        )


def _describe_outcome(value: Any) -> str:
    return f"raised {value}" if isinstance(value, Raised) else f"returned {_show(value)}"
