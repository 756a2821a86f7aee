"""What the benchmarks time: each numeric spec program at a size, on one engine, by the specs' own path.

A :class:`Workload` is a program with the inputs it gets at ``n`` elements: a program from
:mod:`conformance.programs`, or one form of a catalogue operator (:mod:`conformance.benchmarks.operators`);
a :class:`Case` is a workload at a size on the target or on the reference. :func:`timed_call`
returns the function pytest-benchmark times: the spec path (``Engine``, the adapter, the program,
``backward`` or ``vjp``), then the value and gradients read back to NumPy as the specs read them, then,
on a device other than the CPU, ``adapter.synchronize(device)``. Reading back is part of the round
because lazy engines compute only when asked for a value; the synchronisation is because
pytest-benchmark does not wait for a device (on the CPU the read-back has already waited)::

    run = timed_call(case)
    run()  # forward, backward, read back, synchronise a CUDA device
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from conformance import programs
from conformance.adapter import Adapter, Capability
from conformance.runner import VIA_BACKWARD, VIA_VJP, Engine
from reference.oracles import forward_shape

TARGET, REFERENCE = "target", "reference"
SUITE, DIRECT = "suite", "direct"
OVERHEAD_PROGRAM = "tutorial_mean"


def _vector(size: int, dtype: str) -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(0).standard_normal(size).astype(dtype)}


def matrix_shape(size: int) -> tuple[int, int]:
    """``size`` elements as rows x columns, rows the largest divisor up to the square root: 3 -> (1, 3),
    10_000 -> (100, 100), 1_000_000 -> (1000, 1000)."""
    rows = max(d for d in range(1, int(size**0.5) + 1) if size % d == 0)
    return rows, size // rows


def _broadcast(size: int, dtype: str) -> dict[str, np.ndarray]:
    # small has big's columns and is broadcast down its rows
    rows, columns = matrix_shape(size)
    rng = np.random.default_rng(0)
    return {
        "small": rng.standard_normal(columns).astype(dtype),
        "big": rng.standard_normal((rows, columns)).astype(dtype),
    }


def _weights(size: int, dtype: str) -> dict[str, np.ndarray]:
    return {"weights": np.ones(size, dtype=dtype)}  # In [17]: weights = torch.ones(3, requires_grad=True)


Program = tuple[Callable[..., Any], dict[str, np.ndarray]]
"""A function ``program(ag, *tensors)`` and its inputs, by name in its parameter order."""


@dataclass(frozen=True)
class Workload:
    """A program and its inputs at ``n`` elements: ``program(n, dtype)`` gives both."""

    name: str
    family: str  # the behaviour it stands for, as the report groups it
    program: Callable[[int, str], Program]
    cotangent: bool = False  # a non-scalar output, differentiated with backward(v) / vjp(v)
    passes: int = 1  # backward passes through fresh graphs into the same leaves
    operator: str | None = None  # the catalogue operator it times, if it times one
    form: str = ""  # how it calls that operator, as the report shows it


def spec_program(
    function: Callable[..., Any], inputs: Callable[[int, str], dict[str, np.ndarray]]
) -> Callable[[int, str], Program]:
    """A spec program, the same at every size, with the inputs it gets at a size."""
    return lambda size, dtype: (function, inputs(size, dtype))


WORKLOADS = (
    Workload("tutorial_mean", "scalar backward", spec_program(programs.tutorial_mean, _vector)),
    Workload("tutorial_sum", "scalar backward", spec_program(programs.tutorial_sum, _vector)),
    Workload("tutorial_z", "vector backward", spec_program(programs.tutorial_z, _vector), cotangent=True),
    Workload("weighted_sum", "accumulation", spec_program(programs.weighted_sum, _weights), passes=3),
    Workload("broadcast_product", "broadcasting", spec_program(programs.broadcast_product, _broadcast)),
    Workload("shared_use", "shared subexpressions", spec_program(programs.shared_use, _vector)),
    Workload(
        "shared_subexpression",
        "shared subexpressions",
        spec_program(programs.shared_subexpression, _vector),
    ),
)


def route_for(adapter: Adapter, workload: Workload) -> str | None:
    """``backward`` when the engine has the stateful route for this workload, else ``vjp``, else None."""
    if workload.passes > 1:
        return VIA_BACKWARD if Capability.BACKWARD in adapter.capabilities else None
    stateful = Capability.BACKWARD_GRADIENT if workload.cotangent else Capability.BACKWARD
    if stateful in adapter.capabilities:
        return VIA_BACKWARD
    return VIA_VJP if Capability.VJP in adapter.capabilities else None


@dataclass(frozen=True, repr=False)
class Case:
    """One workload at one size on one engine: a benchmark, one of a group's two entries."""

    workload: Workload
    size: int
    role: str  # TARGET or REFERENCE
    adapter: Adapter
    device: str  # the device this engine runs on
    target_device: str  # the target's device, which names the group
    dtype: str
    route: str | None  # None: the target cannot run this workload
    target: str  # the target's name, on both entries of a group

    @property
    def id(self) -> str:
        return f"{self.workload.name}-{self.size}-{self.target_device}-{self.role}"

    def __repr__(self) -> str:  # what pytest-benchmark's JSON shows as the parameter
        return self.id

    @property
    def group(self) -> str:
        where = "" if self.target_device == "cpu" else f"-{self.target_device}"
        if self.workload.operator is not None:
            return f"op[{self.workload.operator}-{self.size}{where}]"
        return f"{self.workload.name}[{self.size}{where}]"

    @property
    def sweep(self) -> tuple[str, ...]:
        """What a too-slow size ends: this engine's sweep of this workload on this device."""
        return (self.role, self.workload.name, self.target_device)

    @property
    def extra_info(self) -> dict[str, Any]:
        if self.workload.operator is None:
            what = {"program": self.workload.name}
        else:
            what = {"operator": self.workload.operator, "form": self.workload.form}
        return {
            "role": self.role,
            "target": self.target,
            "engine": self.adapter.name,
            "engine_version": self.adapter.version(),
            **what,
            "family": self.workload.family,
            "size": self.size,
            "dtype": self.dtype,
            "device": self.device,
            "route": self.route,
        }


def cases(
    target: Adapter,
    reference: Adapter,
    sizes: tuple[int, ...],
    devices: dict[str, str],
    target_name: str,
    workloads: Sequence[Workload] = WORKLOADS,
) -> list[Case]:
    """Every benchmark of a session, in sweep order: workload, device, size ascending, target first.

    ``devices`` maps each target device to the reference's device for it. Both entries of a group use
    the target's route and dtype, so the reference runs the very same calls.
    """
    dtype = "float32" if "float32" in target.dtypes else target.dtypes[0]
    found = []
    for workload in workloads:
        route = route_for(target, workload)
        for device, reference_device in devices.items():
            for size in sorted(sizes):
                for role, adapter, where in (
                    (TARGET, target, device),
                    (REFERENCE, reference, reference_device),
                ):
                    found.append(
                        Case(workload, size, role, adapter, where, device, dtype, route, target_name)
                    )
    return found


def timed_call(case: Case) -> Callable[[], None]:
    """One round of ``case``: the spec path, the read-back, the device synchronised."""
    adapter, device, workload = case.adapter, case.device, case.workload
    ag = Engine(adapter, device)
    function, inputs = workload.program(case.size, case.dtype)
    values = list(inputs.values())  # in the program's parameter order
    cotangent = None
    if workload.cotangent:  # of the output's shape, from a NumPy forward pass
        shape = forward_shape(function, inputs)
        cotangent = np.random.default_rng(1).standard_normal(shape).astype(case.dtype)
    # Everything a round calls is looked up here, once, and the program is called positionally: at
    # 1,000 elements torch's own work evicts the interpreter's caches, so each lookup, loop and
    # keyword call in a round costs several times what it costs alone (see README, Benchmarks).
    read, synchronize = adapter.numpy, adapter.synchronize
    waits = device != "cpu"  # on the CPU, reading every output back has already waited for the work

    if case.route != VIA_BACKWARD:

        def by_vjp() -> None:
            out, grads = adapter.vjp(lambda *leaves: function(ag, *leaves), values, cotangent, device=device)
            read(out)
            for grad in grads:
                if grad is not None:
                    read(grad)
            if waits:
                synchronize(device)

        return by_vjp

    stateful: Any = adapter  # the stateful methods are optional, so not in the Protocol
    tensor, backward, grad_of = stateful.tensor, stateful.backward, stateful.grad
    passes = range(workload.passes)  # In [17]: passes through fresh graphs into the same leaves

    def by_backward() -> None:
        leaves = []
        for value in values:  # a loop, not a comprehension: a comprehension is a frame of its own
            leaves.append(tensor(value, device=device, requires_grad=True))
        for _ in passes:
            out = function(ag, *leaves)
            backward(out, None if cotangent is None else tensor(cotangent, device=device))
            read(out)
            for leaf in leaves:
                grad = grad_of(leaf)
                if grad is not None:
                    read(grad)
        if waits:
            synchronize(device)

    return by_backward


@dataclass(frozen=True, repr=False)
class OverheadCase:
    """tutorial_mean at a size, by the suite's path or written directly in torch."""

    way: str  # SUITE or DIRECT
    size: int
    device: str
    reference: Adapter

    @property
    def id(self) -> str:
        return f"{OVERHEAD_PROGRAM}-{self.size}-{self.device}-{self.way}"

    def __repr__(self) -> str:
        return self.id

    @property
    def group(self) -> str:
        where = "" if self.device == "cpu" else f"-{self.device}"
        return f"overhead[{OVERHEAD_PROGRAM}-{self.size}{where}]"

    @property
    def extra_info(self) -> dict[str, Any]:
        return {
            "overhead": self.way,
            "engine": self.reference.name,
            "engine_version": self.reference.version(),
            "program": OVERHEAD_PROGRAM,
            "size": self.size,
            "dtype": "float32",
            "device": self.device,
            "route": VIA_BACKWARD,
        }


def paired_ratio(
    first: Callable[[], None],
    second: Callable[[], None],
    *,
    seconds: float,
    at_least: int = 21,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """How much longer ``first`` takes than ``second``, from rounds timed back to back in pairs.

    Pairs run for ``seconds`` (and at least ``at_least`` pairs), the order swapped each pair; returns
    the median of first/second over the pairs, its quartiles and the count::

        paired_ratio(suite, direct, seconds=1.0)  # {"ratio": 1.012, "low": 0.99, "high": 1.03, "pairs": 240}

    Two benchmarks timed one after the other see the machine in two states (other work, the heap's
    layout): at 1,000,000 elements torch against itself differs by up to 7% that way. Each pair sees
    one state, so the ratio holds where the two medians do not.
    """
    ratios: list[float] = []
    deadline = clock() + seconds
    while len(ratios) < at_least or clock() < deadline:
        swapped = len(ratios) % 2 == 1
        start = clock()
        (second if swapped else first)()
        middle = clock()
        (first if swapped else second)()
        end = clock()
        ahead, behind = middle - start, end - middle
        ratios.append(behind / ahead if swapped else ahead / behind)
    low, median, high = statistics.quantiles(ratios, n=4)
    return {"ratio": median, "low": low, "high": high, "pairs": len(ratios)}


def other_way(case: OverheadCase) -> OverheadCase:
    return replace(case, way=DIRECT if case.way == SUITE else SUITE)


def overhead_call(case: OverheadCase) -> Callable[[], None]:
    """The suite's round of tutorial_mean on torch, or the same program as a torch user writes it."""
    workload = WORKLOADS[0]
    if case.way == SUITE:
        suite = Case(
            workload, case.size, REFERENCE, case.reference, case.device, case.device, "float32", VIA_BACKWARD,
            target="torch",
        )  # fmt: skip
        return timed_call(suite)
    torch = case.reference.module  # type: ignore[attr-defined]  # the reference adapter wraps torch
    x = workload.program(case.size, "float32")[1]["x"]
    placed = {} if case.device == "cpu" else {"device": case.device}
    cuda = case.device.startswith("cuda")

    def direct() -> None:
        leaf = torch.tensor(x, requires_grad=True, **placed)
        z = (2 * (2 * leaf + 2) ** 2).mean()
        z.backward()
        z.item()
        leaf.grad.cpu().numpy()
        if cuda:
            torch.cuda.synchronize(case.device)

    return direct
