"""minigrad, the correct engine the broken ones derive from, passes every spec with no adapter code."""

import numpy as np
import pytest

# pytester's in-process runs drop the modules a run imported first. torch's optimizer step imports
# torch._dynamo (some 800 modules, C++ operator registrations among them, which cannot be made twice),
# so it is imported here, at collection, before any run: the runs keep it and stay fast.
import torch._dynamo  # noqa: F401

from conformance.spec import all_specs
from targets.torchlike import is_torch_like
from tests.engines import minigrad, run_specs


def test_minigrad_passes_every_spec(pytester: pytest.Pytester) -> None:
    outcome = run_specs(pytester, "tests.engines.minigrad")
    assert not outcome.failed, f"minigrad fails specs:\n{outcome.explain(outcome.failed)}"
    assert not outcome.skipped, (
        f"specs unsupported or skipped on minigrad:\n{outcome.explain(outcome.skipped)}"
    )
    missing = {spec.id for spec in all_specs()} - outcome.passed
    assert not missing, f"specs that never ran on minigrad: {sorted(missing)}"
    assert outcome.exit_code == 0


def test_minigrad_is_a_torch_like_module() -> None:
    assert is_torch_like(minigrad)
    assert callable(minigrad.optim.SGD)


def test_engines_keep_their_own_grad_mode() -> None:
    first, second = minigrad.make_engine("first"), minigrad.make_engine("second")
    x = second.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with first.no_grad():
        assert (x * 2).requires_grad, "no_grad of one engine switched off tracking in another"
        assert not (first.tensor(np.ones(2), requires_grad=True) * 2).requires_grad
    assert (first.tensor(np.ones(2), requires_grad=True) * 2).requires_grad, "tracking not restored"
