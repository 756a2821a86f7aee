"""The two calls a repro snippet makes: run its program on torch and on the target, print both.

The snippets themselves are written by :mod:`conformance.snippets`; a printed one reads::

    import numpy as np
    from conformance.repro import compare_gradients
    x = np.array([0.5, -1.0], dtype=np.float32)
    compare_gradients("mine", lambda ag, x: ag.mean(2 * (2 * x + 2) ** 2), via="backward", x=x)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _conformance(target: str, device: str) -> Any:
    from conformance.resolve import resolve_target
    from conformance.runner import Conformance
    from reference.pytorch import reference_adapter, reference_device

    adapter = resolve_target(target)
    return Conformance(adapter, reference_adapter(), device=device, reference_device=reference_device(device))


def _report(action: Callable[[], Any], target: str) -> bool:
    from conformance.compare import Disagreement

    try:
        action()
    except Disagreement as error:
        print(f"DIFFERS: {error.headline}")
        if error.details:
            print(error.details.split("\n  spec:")[0])
        return False
    print(f"target {target!r} agrees with torch")
    return True


def compare_gradients(
    target: str,
    function: Callable[..., Any],
    *,
    via: str = "backward",
    cotangent: np.ndarray | None = None,
    device: str = "cpu",
    **inputs: np.ndarray,
) -> bool:
    """Differentiate ``function(ag, **inputs)`` on torch and on ``target``; print how they compare."""
    conform = _conformance(target, device)
    return _report(lambda: conform.gradients(function, via=via, cotangent=cotangent, **inputs), target)


def compare_program(target: str, program: Callable[..., Any], *args: Any, device: str = "cpu") -> bool:
    """Run ``program(ag, *args)`` on torch and on ``target``; print how the observations compare."""
    conform = _conformance(target, device)
    return _report(lambda: conform.observe(program, *args), target)
