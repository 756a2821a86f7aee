"""The spec model: every behaviour is a pytest test function registered with :func:`spec`.

A spec's id is ``family.name``: the family is its module under ``conformance/specs/``, the name is the
function's without ``test_``. It names the tutorial cell it comes from, or says it goes beyond the
tutorial, and its docstring states the behaviour in a sentence or two::

    @spec("In [17]", needs=[Capability.BACKWARD])
    def test_repeated_backward_adds(conform):
        \"\"\"Three backward passes through fresh graphs add into .grad: 3, 6, 9.\"\"\"
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from conformance.adapter import Capability

BEYOND_TUTORIAL = "beyond the tutorial"
SPECS_PACKAGE = "conformance.specs"
TUTORIAL_CELLS = tuple(range(1, 20))
"""The tutorial's cells, In [1] .. In [19]: every one is covered by at least one spec."""

_CELL = re.compile(r"In \[(\d+)\]")
_REGISTRY: dict[str, Spec] = {}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Spec:
    id: str
    family: str
    cell: str  # "In [17]", "In [3], In [4]" or BEYOND_TUTORIAL
    doc: str
    needs: frozenset[Capability] = frozenset()
    operator: str | None = None  # the catalogue operator the spec measures, by torch name

    @property
    def cells(self) -> tuple[int, ...]:
        """The tutorial cell numbers this spec covers; empty beyond the tutorial."""
        return tuple(int(number) for number in _CELL.findall(self.cell))

    @property
    def origin(self) -> str:
        return self.cell if self.cell == BEYOND_TUTORIAL else f"tutorial {self.cell}"


def spec(cell: str, *, needs: Iterable[Capability] = (), operator: str | None = None) -> Callable[[F], F]:
    """Register a test function as a spec; put it above ``@given`` and ``@parametrize``.

    ``cell`` is ``"In [N]"`` (one or more, comma-separated) or ``BEYOND_TUTORIAL``; ``needs`` lists the
    capabilities without which the spec is reported unsupported; ``operator`` names the catalogue
    operator the spec measures (``conformance.catalogue``), shown beside it in lists and reports.
    """
    needs = frozenset(needs)
    if cell != BEYOND_TUTORIAL and (
        not _CELL.findall(cell) or any(int(n) not in TUTORIAL_CELLS for n in _CELL.findall(cell))
    ):
        raise ValueError(
            f"cell={cell!r} names no tutorial cell; write 'In [N]' with N in 1..19, or BEYOND_TUTORIAL"
        )
    for capability in needs:
        if not isinstance(capability, Capability):
            raise TypeError(f"needs={sorted(map(str, needs))} holds {capability!r}, not a Capability")

    def register(function: F) -> F:
        family = function.__module__.rsplit(".", 1)[-1]
        name = function.__name__.removeprefix("test_")
        doc = " ".join((function.__doc__ or "").split())
        if not doc:
            raise ValueError(f"spec {family}.{name} has no docstring; state the behaviour it checks")
        registered = Spec(
            id=f"{family}.{name}", family=family, cell=cell, doc=doc, needs=needs, operator=operator
        )
        known = _REGISTRY.get(registered.id)
        if known is not None and known != registered:
            raise ValueError(f"spec id {registered.id} is registered twice")
        _REGISTRY[registered.id] = registered
        function.__conformance_spec__ = registered  # type: ignore[attr-defined]
        return pytest.mark.conformance_needs(*needs)(function)  # type: ignore[no-any-return]

    return register


def over_dtypes() -> pytest.MarkDecorator:
    """Parametrize ``dtype`` over float32 and float64; a dtype the target lacks is unsupported."""
    return pytest.mark.parametrize("dtype", ["float32", "float64"])


def over_routes(*, with_gradient: bool = False) -> pytest.MarkDecorator:
    """Parametrize ``via`` over the stateful route (backward and .grad) and the functional one (vjp).

    ``with_gradient=True`` is for an explicit cotangent: the stateful route then needs backward(v).
    """
    stateful = Capability.BACKWARD_GRADIENT if with_gradient else Capability.BACKWARD
    return pytest.mark.parametrize(
        "via",
        [
            pytest.param("backward", marks=pytest.mark.conformance_needs(stateful)),
            pytest.param("vjp", marks=pytest.mark.conformance_needs(Capability.VJP)),
        ],
    )


def over_higher_order_routes() -> pytest.MarkDecorator:
    """Parametrize ``via`` over the three routes to a second derivative: ``backward``, autograd.grad
    with create_graph=True and then backward (torch's way); ``backward_create_graph``,
    backward(create_graph=True), the differentiable ``.grad`` read, ``.grad`` set to None and backward
    again (dezero's way, and torch's too); and ``vjp``, a vjp of a vjp (jax's way)."""
    return pytest.mark.parametrize(
        "via",
        [
            pytest.param(
                "backward",
                marks=pytest.mark.conformance_needs(
                    Capability.BACKWARD, Capability.AUTOGRAD_GRAD, Capability.CREATE_GRAPH
                ),
            ),
            pytest.param(
                "backward_create_graph",
                marks=pytest.mark.conformance_needs(Capability.BACKWARD, Capability.BACKWARD_CREATE_GRAPH),
            ),
            pytest.param("vjp", marks=pytest.mark.conformance_needs(Capability.VJP, Capability.NESTED_VJP)),
        ],
    )


def spec_of(function: Any) -> Spec | None:
    return getattr(function, "__conformance_spec__", None)


def all_specs() -> list[Spec]:
    """Every spec, imported from ``conformance/specs/``, sorted by family and then id."""
    package = importlib.import_module(SPECS_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{SPECS_PACKAGE}.{module.name}")
    return sorted(_REGISTRY.values(), key=lambda s: (s.family, s.id))


def specs_directory() -> str:
    package = importlib.import_module(SPECS_PACKAGE)
    return str(next(iter(package.__path__)))


def spec_id_of_nodeid(nodeid: str) -> str:
    """``.../specs/accumulation.py::test_zero_resets[cpu]`` -> ``accumulation.zero_resets``."""
    path, _, test = nodeid.partition("::")
    return f"{Path(path).stem}.{test.partition('[')[0].removeprefix('test_')}"
