"""Finding a target by name: built-ins, installed adapters, ``module:Class`` paths, torch-like modules.

Every way a name can fail raises :class:`TargetError` with one sentence that names the problem and
the fix; the plugin turns it into a usage error with no traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from conformance.adapter import Adapter, missing_methods

ENTRY_POINT_GROUP = "autograd_conformance.targets"


class TargetError(Exception):
    """A target that cannot be used, with the reason and the choices."""


@dataclass(frozen=True)
class TargetChoice:
    name: str
    source: str  # "module:Class" or the entry point's value
    origin: str  # "built-in" or "entry point (distribution)"


def target_choices() -> list[TargetChoice]:
    """Every target that can be named without a path: built-ins first, then installed adapters."""
    from targets import BUILTIN

    choices = [TargetChoice(name, path, "built-in") for name, path in BUILTIN.items()]
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in BUILTIN:
            distribution = point.dist.name if point.dist else "?"
            choices.append(TargetChoice(point.name, point.value, f"entry point ({distribution})"))
    return choices


def _choices_sentence() -> str:
    names = ", ".join(choice.name for choice in target_choices())
    return (
        f"Choose one of: {names} (pytest --list-targets), or name module:AdapterClass, "
        "or a module with a torch-like API."
    )


def resolve_target(name: str) -> Adapter:
    """The adapter for ``name``: ``resolve_target("torch")``, ``resolve_target("pkg.mod:MyAdapter")``."""
    if not name or not name.strip():
        raise TargetError(f"--target is empty. {_choices_sentence()}")
    for choice in target_choices():
        if choice.name == name:
            return _load_path(name, choice.source)
    if ":" in name:
        return _load_path(name, name)
    return _load_torch_like(name)


def _import(target: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        missing = (getattr(error, "name", None) or module_name).split(".")[0]
        raise TargetError(
            f"target {target!r} could not be loaded: {type(error).__name__}: {error}. "
            f"Install the engine (pip install {missing}) or choose another target. "
            f"{_choices_sentence()}"
        ) from None
    except Exception as error:
        raise TargetError(
            f"target {target!r} failed while importing {module_name}: {type(error).__name__}: {error}"
        ) from None


def _load_path(target: str, path: str) -> Adapter:
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise TargetError(f"target {target!r}: {path!r} is not of the form module:AdapterClass")
    module = _import(target, module_name)
    factory = getattr(module, attribute, None)
    if factory is None:
        raise TargetError(f"target {target!r}: module {module_name} has no attribute {attribute!r}")
    try:
        adapter = factory() if callable(factory) else factory
    except Exception as error:
        raise TargetError(
            f"target {target!r}: creating {path} raised {type(error).__name__}: {error}"
        ) from None
    return _checked(target, path, adapter)


def _load_torch_like(target: str) -> Adapter:
    from targets.torchlike import adapter_for_module, is_torch_like

    if importlib.util.find_spec(target.split(".")[0]) is None:
        raise TargetError(
            f"unknown target {target!r}: no built-in target, installed adapter or module has that name. "
            f"{_choices_sentence()}"
        )
    module = _import(target, target)
    if not is_torch_like(module):
        raise TargetError(
            f"target {target!r}: module {target} has no torch-like API (tensor(), no_grad()), so it "
            f"needs an adapter; name it as module:AdapterClass. {_choices_sentence()}"
        )
    return adapter_for_module(module)


def _checked(target: str, path: str, adapter: Any) -> Adapter:
    missing = missing_methods(adapter)
    if missing:
        raise TargetError(
            f"target {target!r}: adapter {path} lacks the required method(s) {', '.join(missing)}; "
            "subclass conformance.adapter.BaseAdapter and implement them"
        )
    for attribute in ("name", "capabilities", "dtypes"):
        if not hasattr(adapter, attribute):
            raise TargetError(
                f"target {target!r}: adapter {path} has no {attribute!r} attribute; "
                "subclass conformance.adapter.BaseAdapter"
            )
    return adapter  # type: ignore[no-any-return]


if __name__ == "__main__":  # python -m conformance.resolve NAME: exit 1 with the reason if unusable
    import sys

    try:
        resolve_target(sys.argv[1])
    except TargetError as error:
        sys.exit(str(error))
