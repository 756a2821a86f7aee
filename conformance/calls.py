"""Calls of catalogue operators, and programs of them, written out as readable, runnable code.

A spec never builds a program from closures: it builds its text, one line an operation, and compiles
that, so the program that ran is exactly the program a failure prints::

    def program(ag, x, y):
        v1 = ag.op("mul", x, y)
        return ag.op("sum", v1, dim=1)

``ag.op(name, ...)`` calls the engine's own spelling of the catalogue operator ``name``; an index or a
condition is made a tensor of the engine with ``ag.tensor(np.array(...))``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Index:
    """An int64 or bool array that the program turns into a tensor of the engine (an index, a mask)."""

    array: np.ndarray


def literal(value: Any) -> str:
    """Python source for an argument: ``slice(None, None, 2)``, ``(0, -1)``, ``ag.tensor(np.array(...))``."""
    if isinstance(value, Index):
        body = np.array2string(value.array, separator=", ", threshold=10**6, max_line_width=10**6)
        dtype = (
            "bool" if value.array.dtype.kind == "b" else f"np.{value.array.dtype.name}"
        )  # np.bool: NumPy 2 only
        return f"ag.tensor(np.array({body}, dtype={dtype}))"
    if isinstance(value, tuple):
        inner = ", ".join(literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, np.integer | np.floating):
        return repr(value.item())
    return repr(value)


@dataclass(frozen=True, eq=False)
class Call:
    """One application of a catalogue operator: its differentiable inputs and its other arguments.

    ``listed``: the tensors go in as one list (cat, stack). ``pieces``: the operator returns a tuple
    (split, chunk), which the program sums with weights 1, 2, 3, ... so each piece's gradient differs.
    """

    operator: str
    inputs: dict[str, np.ndarray]  # by name, in the order the operator takes them
    args: tuple[Any, ...] = ()  # after the tensors, positional
    before: tuple[Any, ...] = ()  # before the tensors: where's condition
    kwargs: dict[str, Any] = field(default_factory=dict)
    listed: bool = False
    pieces: bool = False

    def expression(self, tensors: Sequence[str]) -> str:
        """``ag.op("sum", x, dim=1)`` with the named tensors as operands."""
        operands = [f"[{', '.join(tensors)}]"] if self.listed else list(tensors)
        parts = [literal(arg) for arg in self.before] + operands + [literal(arg) for arg in self.args]
        parts += [f"{key}={literal(value)}" for key, value in self.kwargs.items()]
        return f'ag.op("{self.operator}", {", ".join(parts)})'

    def source(self) -> str:
        names = list(self.inputs)
        head = f"def program(ag, {', '.join(names)}):"
        if not self.pieces:
            return f"{head}\n    return {self.expression(names)}"
        return "\n".join(
            [
                head,
                f"    pieces = {self.expression(names)}",
                "    total = ag.sum(pieces[0])",
                "    for weight, piece in enumerate(pieces[1:], start=2):",
                "        total = total + weight * ag.sum(piece)",
                "    return total",
            ]
        )

    def program(self) -> Callable[..., Any]:
        return compile_program(self.source())

    def node_program(self) -> Callable[..., Any]:
        """A program that makes the inputs leaves that require grad and returns the name of the node
        of the operator's result (of its first piece, for split and chunk)."""
        names = list(self.inputs)
        result = self.expression(names) + ("[0]" if self.pieces else "")
        lines = [f"def program(ag, {', '.join(names)}):"]
        lines += [f"    {name} = ag.tensor({name}, requires_grad=True)" for name in names]
        lines.append(f'    return {{"node": ag.node_name({result})}}')
        return compile_program("\n".join(lines))

    def describe(self) -> str:
        shapes = ", ".join(f"{name}: {array.dtype} {array.shape}" for name, array in self.inputs.items())
        return f"{self.expression(list(self.inputs))} with {shapes}"


@functools.lru_cache(maxsize=4096)  # hypothesis draws the same program many times over
def compile_program(source: str) -> Callable[..., Any]:
    """The function ``program`` defined by ``source``, with its text kept in ``__source__`` for snippets."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(source, "<program>", "exec"), namespace)  # the suite's own generated text
    function = namespace["program"]
    function.__source__ = source
    return function  # type: ignore[no-any-return]
