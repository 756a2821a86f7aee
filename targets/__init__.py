"""Built-in targets: one small adapter module per engine, each importing its own engine only.

``BUILTIN`` maps a target name to ``module:Class``; nothing here is imported until it is asked for,
so a missing engine costs nothing until someone names it.
"""

BUILTIN: dict[str, str] = {
    "torch": "targets.pytorch:TorchAdapter",
}

ENGINES: dict[str, str] = {
    "torch": "torch",
}
"""The module each built-in target's engine imports as, for ``--list-targets``."""
