"""Standalone snippets that reproduce a failure: the program the spec ran (its own source), the exact
inputs (as hypothesis found them), and one call of :mod:`conformance.repro` that runs it on torch and on
the target and prints both side by side::

    import numpy as np
    from conformance.repro import compare_gradients
    x = np.array([0.5, -1.0], dtype=np.float32)
    compare_gradients("mine", lambda ag, x: ag.mean(2 * (2 * x + 2) ** 2), via="backward", x=x)
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def source_of(function: Callable[..., Any]) -> str:
    """The source of a function or lambda, dedented; a lambda is cut out of the line it sits in; a
    program compiled from text (:func:`conformance.calls.compile_program`) is that text."""
    written = getattr(function, "__source__", None)
    if written is not None:
        return str(written)
    try:
        lines, _ = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return f"{getattr(function, '__name__', 'program')} = ...  # source not available"
    text = textwrap.dedent("".join(lines))
    if function.__name__ != "<lambda>":
        return text.rstrip()
    try:
        tree = ast.parse(text)
    except SyntaxError:  # the lambda sits inside a statement that began on an earlier line
        return text.strip()
    wanted = list(function.__code__.co_varnames[: function.__code__.co_argcount])
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and [a.arg for a in node.args.args] == wanted:
            segment = ast.get_source_segment(text, node)
            if segment:
                return " ".join(segment.split())
    return text.strip()


def _array_literal(value: Any) -> str:
    if isinstance(value, np.ndarray):
        body = np.array2string(value, separator=", ", precision=9, threshold=10**6, max_line_width=10**6)
        return f"np.array({body}, dtype=np.{value.dtype.name})"
    return repr(value)


def _header(call: str, inputs: Mapping[str, Any]) -> list[str]:
    # annotations are never evaluated: a named program's `ag: Any` needs no import to run
    lines = [
        "from __future__ import annotations",
        "import numpy as np",
        f"from conformance.repro import {call}",
    ]
    lines += [f"{name} = {_array_literal(value)}" for name, value in inputs.items()]
    return lines


def snippet_for_gradients(
    target: str,
    function: Callable[..., Any],
    inputs: Mapping[str, np.ndarray],
    *,
    cotangent: np.ndarray | None,
    via: str,
    device: str,
) -> str:
    named = dict(inputs, **({} if cotangent is None else {"v": cotangent}))
    source = source_of(function)
    lines = _header("compare_gradients", named)
    is_lambda = function.__name__ == "<lambda>"
    if not is_lambda:
        lines.append(source)
    arguments = ", ".join(f"{name}={name}" for name in inputs)
    extra = "" if cotangent is None else ", cotangent=v"
    program = source if is_lambda else function.__name__
    lines.append(
        f"compare_gradients({target!r}, {program}, via={via!r}{extra}, device={device!r}, {arguments})"
    )
    return "\n".join(lines)


def snippet_for_program(target: str, program: Callable[..., Any], args: Sequence[Any], *, device: str) -> str:
    program = getattr(program, "__wrapped__", program)
    named = {f"arg{number}": value for number, value in enumerate(args)}
    lines = _header("compare_program", named)
    source = source_of(program)
    is_lambda = program.__name__ == "<lambda>"
    if not is_lambda:
        lines.append(source)
    call_args = "".join(f", {name}" for name in named)
    lines.append(
        f"compare_program({target!r}, {source if is_lambda else program.__name__}{call_args}, device={device!r})"
    )
    return "\n".join(lines)
