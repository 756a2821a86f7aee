"""Engines that lack some forms of an operator they offer: the suite must measure the rest.

``no_keepdim_sum`` is torch whose ``sum`` refuses ``keepdim=True`` by raising ``Unsupported`` inside the
mapped call, as an adapter does for a form its engine lacks. Generated programs that draw such a sum are
discarded; the family is still measured, not reported unsupported; the operator's own spec is unsupported.
"""

from __future__ import annotations

from typing import Any

from conformance.adapter import Unsupported
from targets.pytorch import TorchAdapter


class NoKeepdimSum(TorchAdapter):
    name = "no-keepdim-sum"

    def operator(self, name: str) -> Any:
        found = super().operator(name)
        if name != "sum" or found is None:
            return found

        def sum_without_keepdim(x: Any, *args: Any, keepdim: bool = False, **kwargs: Any) -> Any:
            if keepdim:
                raise Unsupported("sum with keepdim=True")
            return found(x, *args, **kwargs)

        return sum_without_keepdim


def no_keepdim_sum() -> NoKeepdimSum:
    return NoKeepdimSum()
