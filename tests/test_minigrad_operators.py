"""minigrad computes every catalogue operator as torch does: value, gradient, dtype and node name.

Each case runs once on torch and once on minigrad, the same program on the same random inputs (float32
and float64), backward with the same random cotangent, and compares the result, each input's gradient
and its dtype, and the result's node name. The conventions at kinks and ties are cases too, on the exact
points torch fixes. Then the engine itself: views share storage and the version counter, an in-place
change of a saved tensor is refused, no_grad records nothing, Python numbers do not promote.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from conformance.catalogue import OPERATORS
from targets.torchlike import adapter_for_module
from tests.engines import minigrad

RNG_SEED = 20240613


@dataclass(frozen=True)
class Case:
    program: Callable[..., Any]  # (module, *tensors) -> tensor, torch's spelling
    shapes: tuple[tuple[int, ...], ...] = ((3, 4),)
    domain: str = "any"  # "any", "positive" (0.5..2), "away from 0" (|x| >= 0.25)
    values: tuple[Any, ...] | None = None  # fixed inputs instead of random ones
    constant: tuple[int, ...] = ()  # inputs that do not require grad


def _case(identifier: str, program: Callable[..., Any], *shapes: tuple[int, ...], **options: Any) -> Any:
    return pytest.param(Case(program, shapes or ((3, 4),), **options), id=identifier)


def _fixed(identifier: str, program: Callable[..., Any], *values: Any) -> Any:
    return pytest.param(Case(program, values=values), id=identifier)


def _index(module: Any, values: list[Any]) -> Any:
    return module.tensor(np.array(values))


POS = {"domain": "positive"}
NONZERO = {"domain": "away from 0"}
M22, BATCH, V = (2, 2), (2, 3, 4), (4,)

CASES = [
    # element-wise functions
    *(_case(name, lambda m, x, n=name: getattr(m, n)(x)) for name in ("neg", "exp", "sin", "cos", "tanh")),
    *(_case(name, lambda m, x, n=name: getattr(x, n)()) for name in ("sigmoid", "neg", "exp", "tanh")),
    _case("abs", lambda m, x: m.abs(x), **NONZERO),
    _case("relu", lambda m, x: m.relu(x), **NONZERO),
    _case("reciprocal", lambda m, x: m.reciprocal(x), **NONZERO),
    _case("log", lambda m, x: m.log(x), **POS),
    _case("sqrt", lambda m, x: m.sqrt(x), **POS),
    _case("pow 3", lambda m, x: m.pow(x, 3)),
    _case("pow 2.0", lambda m, x: m.pow(x, 2.0)),
    _case("pow -1.5", lambda m, x: m.pow(x, -1.5), **POS),
    _case("x**0.5", lambda m, x: x**0.5, **POS),
    _case("pow 0", lambda m, x: m.pow(x, 0)),
    _case("2**x", lambda m, x: 2**x),
    _case("pow(2, x)", lambda m, x: m.pow(2.0, x)),
    _case("pow tensor", lambda m, x, y: m.pow(x, y), (3, 4), (4,), **POS),
    _case("clamp min", lambda m, x: m.clamp(x, min=-0.3)),
    _case("clamp max", lambda m, x: m.clamp(x, max=0.3)),
    _case("clamp both", lambda m, x: x.clamp(-0.3, 0.4)),
    _case("clamp tensors", lambda m, x, lo, hi: m.clamp(x, min=lo, max=hi), (3, 4), (4,), (3, 1)),
    # arithmetic and binary functions, broadcasting
    *(
        _case(f"{name} broadcast", lambda m, x, y, n=name: getattr(m, n)(x, y), (3, 1, 4), (2, 1), **NONZERO)
        for name in ("add", "sub", "mul", "div", "maximum", "minimum")
    ),
    _case("mul same shape", lambda m, x, y: x.mul(y), (3, 4), (3, 4)),
    _case("x-2", lambda m, x: x - 2),
    _case("2-x", lambda m, x: 2 - x),
    _case("x/2", lambda m, x: x / 2),
    _case("2/x", lambda m, x: 2 / x, **NONZERO),
    _case("where", lambda m, x, y: m.where(x > y, x, y), (3, 4), (4,)),
    _case("where scalar", lambda m, x: m.where(x > 0, x, 0.5)),
    _case("max(x, y)", lambda m, x, y: m.max(x, y), (3, 4), (3, 4)),
    # reductions
    _case("sum()", lambda m, x: m.sum(x), BATCH),
    _case("x.sum()", lambda m, x: x.sum(), BATCH),
    _case("sum(dim=None)", lambda m, x: m.sum(x, dim=None), BATCH),
    _case("sum(1)", lambda m, x: m.sum(x, 1), BATCH),
    _case("sum(-1, keepdim)", lambda m, x: m.sum(x, dim=-1, keepdim=True), BATCH),
    _case("sum((0, 2))", lambda m, x: m.sum(x, (0, 2)), BATCH),
    _case("sum(()) of 0-d", lambda m, x: m.sum(x, ()), ()),
    _case("mean()", lambda m, x: m.mean(x), BATCH),
    _case("mean(1)", lambda m, x: x.mean(1), BATCH),
    _case("mean((0, -1), keepdim)", lambda m, x: m.mean(x, (0, -1), keepdim=True), BATCH),
    _case("amax()", lambda m, x: m.amax(x), BATCH),
    _case("amax(1)", lambda m, x: m.amax(x, 1), BATCH),
    _case("amin((0, 2), keepdim)", lambda m, x: m.amin(x, (0, 2), keepdim=True), BATCH),
    _case("max()", lambda m, x: m.max(x), BATCH),
    _case("min()", lambda m, x: x.min(), BATCH),
    _case("max(1)", lambda m, x: m.max(x, 1).values, BATCH),
    _case("max(-1, keepdim)", lambda m, x: m.max(x, -1, keepdim=True).values, BATCH),
    _case("min(0)", lambda m, x: m.min(x, dim=0).values, BATCH),
    _case("max(0) of 0-d", lambda m, x: m.max(x, 0).values, ()),
    _case("prod()", lambda m, x: m.prod(x), BATCH, **NONZERO),
    _case("prod(1)", lambda m, x: m.prod(x, 1), BATCH, **NONZERO),
    _case("prod(-1, keepdim)", lambda m, x: m.prod(x, -1, keepdim=True), BATCH, **NONZERO),
    _case("var()", lambda m, x: m.var(x), BATCH),
    _case("var(1)", lambda m, x: m.var(x, 1), BATCH),
    _case(
        "var((0, 2), correction=0, keepdim)", lambda m, x: m.var(x, (0, 2), correction=0, keepdim=True), BATCH
    ),
    _case("var(keepdim)", lambda m, x: m.var(x, keepdim=True), BATCH),
    _case("std()", lambda m, x: m.std(x), BATCH),
    _case("std(-1, correction=0)", lambda m, x: x.std(-1, correction=0), BATCH),
    _case("logsumexp(1)", lambda m, x: m.logsumexp(x, 1), BATCH),
    _case("logsumexp((0, 2), keepdim)", lambda m, x: m.logsumexp(x, (0, 2), keepdim=True), BATCH),
    _case("softmax(1)", lambda m, x: m.softmax(x, 1), BATCH),
    _case("softmax(-1)", lambda m, x: x.softmax(-1), BATCH),
    _case("log_softmax(0)", lambda m, x: m.log_softmax(x, 0), BATCH),
    _case("softmax of 0-d", lambda m, x: m.softmax(x, 0), ()),
    # matrix products
    _case("vector·vector", lambda m, a, b: m.matmul(a, b), V, V),
    _case("matrix·vector", lambda m, a, b: m.matmul(a, b), (3, 4), V),
    _case("vector·matrix", lambda m, a, b: m.matmul(a, b), V, (4, 3)),
    _case("matrix·matrix", lambda m, a, b: a @ b, (3, 4), (4, 2)),
    _case("batch·matrix", lambda m, a, b: m.matmul(a, b), BATCH, (4, 2)),
    _case("batch·vector", lambda m, a, b: m.matmul(a, b), BATCH, V),
    _case("vector·batch", lambda m, a, b: m.matmul(a, b), (3,), BATCH),
    _case("batch·batch", lambda m, a, b: m.matmul(a, b), BATCH, (2, 4, 5)),
    _case("broadcast batch", lambda m, a, b: m.matmul(a, b), (2, 1, 3, 4), (5, 4, 2)),
    _case("matrix·batch", lambda m, a, b: m.matmul(a, b), (3, 4), (2, 4, 5)),
    _case("row·batch", lambda m, a, b: m.matmul(a, b), (1, 4), (2, 4, 5)),
    _case("matrix·batch, a constant", lambda m, a, b: m.matmul(a, b), (3, 4), (2, 4, 5), constant=(0,)),
    _case("batch·matrix, b constant", lambda m, a, b: m.matmul(a, b), BATCH, (4, 2), constant=(1,)),
    _case("mm", lambda m, a, b: m.mm(a, b), (3, 4), (4, 2)),
    # views
    _case("t 0-d", lambda m, x: x.t(), ()),
    _case("t 1-d", lambda m, x: m.t(x), V),
    _case("t", lambda m, x: x.t()),
    _case("transpose", lambda m, x: m.transpose(x, 0, -1), BATCH),
    _case("permute", lambda m, x: m.permute(x, (2, 0, 1)), BATCH),
    _case("x.permute", lambda m, x: x.permute(1, 2, 0), BATCH),
    _case("mT", lambda m, x: x.mT, BATCH),
    _case("reshape", lambda m, x: m.reshape(x, (4, -1)), BATCH),
    _case("x.reshape", lambda m, x: x.reshape(2, 12), BATCH),
    _case("reshape transposed", lambda m, x: x.t().reshape(-1)),
    _case("reshape transposed, viewable", lambda m, x: x.t().reshape(4, 1, 3)),
    _case("reshape sliced, viewable", lambda m, x: x[:, 1:].reshape(3, 3)),
    _case("reshape stepped", lambda m, x: x[::2].reshape(-1), (5, 3)),
    _case("view", lambda m, x: x.view((6, 4)), BATCH),
    _case("view -1", lambda m, x: x.view(-1), BATCH),
    _case("flatten", lambda m, x: m.flatten(x), BATCH),
    _case("flatten 1..2", lambda m, x: m.flatten(x, 1, 2), BATCH),
    _case("flatten 0..-2", lambda m, x: m.flatten(x, start_dim=0, end_dim=-2), BATCH),
    _case("flatten 1..1", lambda m, x: m.flatten(x, 1, 1), BATCH),
    _case("flatten transposed", lambda m, x: m.flatten(x.mT), BATCH),
    _case("flatten 0-d", lambda m, x: m.flatten(x), ()),
    _case("squeeze", lambda m, x: m.squeeze(x), (3, 1, 4, 1)),
    _case("squeeze(1)", lambda m, x: m.squeeze(x, 1), (3, 1, 4, 1)),
    _case("squeeze(0) keeps", lambda m, x: m.squeeze(x, 0), (3, 1, 4, 1)),
    _case("squeeze((1, -1))", lambda m, x: m.squeeze(x, (1, -1)), (3, 1, 4, 1)),
    _case("unsqueeze", lambda m, x: m.unsqueeze(x, 1)),
    _case("unsqueeze -1", lambda m, x: m.unsqueeze(x, -1)),
    _case("expand", lambda m, x: x.expand(2, 3, 5, -1), (3, 1, 4)),
    _case("expand tuple", lambda m, x: x.expand((3, 4)), (1, 4)),
    # indexing
    _case("x[1]", lambda m, x: x[1], BATCH),
    _case("x[-1]", lambda m, x: x[-1], BATCH),
    _case("x[1:]", lambda m, x: x[1:]),
    _case("x[:]", lambda m, x: x[:]),
    _case("x[...]", lambda m, x: x[...]),
    _case("x[:, :]", lambda m, x: x[:, :]),
    _case("x[0:100, :]", lambda m, x: x[0:100, :]),
    _case("x[-3:, :]", lambda m, x: x[-3:, :]),
    _case("x[::2]", lambda m, x: x[::2], (5, 3)),
    _case("x[1::3]", lambda m, x: x[1::3], (7,)),
    _case("x[-4:-1:2]", lambda m, x: x[-4:-1:2], (6, 2)),
    _case("x[:, 1]", lambda m, x: x[:, 1]),
    _case("x[1, 1:3]", lambda m, x: x[1, 1:3]),
    _case("x[1:3, 1]", lambda m, x: x[1:3, 1]),
    _case("x[1, 2]", lambda m, x: x[1, 2]),
    _case("x[None]", lambda m, x: x[None]),
    _case("x[None, 1]", lambda m, x: x[None, 1]),
    _case("x[..., 1]", lambda m, x: x[..., 1], BATCH),
    _case("x[..., None]", lambda m, x: x[..., None]),
    _case("x[1:1]", lambda m, x: x[1:1]),
    _case("x[index], repeated", lambda m, x: x[_index(m, [0, 2, 0, -1, 0])]),
    _case("x[:, index]", lambda m, x: x[:, _index(m, [3, 1, 3])]),
    _case("x[1, index]", lambda m, x: x[1, _index(m, [3, 3])]),
    _case("x[index, 1:]", lambda m, x: x[_index(m, [2, 2]), 1:]),
    _case("x[list]", lambda m, x: x[[0, 2, 2]]),
    _case("x[mask]", lambda m, x: x[x > 0]),
    _case("x[row mask]", lambda m, x: x[_index(m, [True, False, True])]),
    _case("x[:, column mask]", lambda m, x: x[:, _index(m, [True, False, True, True])]),
    # joins
    _case("cat", lambda m, x, y: m.cat([x, y]), (2, 4), (3, 4)),
    _case("cat -1", lambda m, x, y, z: m.cat([x, y, z], dim=-1), (3, 1), (3, 4), (3, 2)),
    _case("stack", lambda m, x, y: m.stack([x, y]), (3, 4), (3, 4)),
    _case("stack -1", lambda m, x, y: m.stack((x, y), dim=-1), (3, 4), (3, 4)),
    _case("split", lambda m, x: _weighted(m.split(x, 2)), (5, 3)),
    _case("split sections", lambda m, x: _weighted(m.split(x, [1, 3, 0], dim=1)), (3, 4)),
    _case("x.split", lambda m, x: x.split(2, dim=-1)[1], (3, 5)),
    _case("chunk", lambda m, x: _weighted(m.chunk(x, 3)), (5, 3)),
    _case("chunk dim", lambda m, x: _weighted(m.chunk(x, 2, dim=1)), (3, 5)),
    # conventions at kinks and ties, and extreme values
    _fixed("relu at 0", lambda m, x: m.relu(x), [-1.0, 0.0, 0.0, 2.0]),
    _fixed("abs at 0", lambda m, x: m.abs(x), [-1.5, 0.0, 2.0]),
    _fixed("clamp at bounds", lambda m, x: m.clamp(x, -0.5, 0.5), [-1.0, -0.5, 0.0, 0.5, 1.0]),
    _fixed("clamp min > max", lambda m, x: m.clamp(x, 0.5, -0.5), [-1.0, 0.0, 1.0]),
    _fixed("max ties", lambda m, x: m.max(x), [1.0, 3.0, 3.0, 2.0]),
    _fixed("max nan", lambda m, x: m.max(x), [1.0, np.nan, 3.0, np.nan]),
    _fixed("amax ties", lambda m, x: m.amax(x, 1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
    _fixed("max dim ties", lambda m, x: m.max(x, 1).values, [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
    _fixed("min dim ties", lambda m, x: m.min(x, 1, keepdim=True).values, [[1.0, 1.0], [0.0, 0.0]]),
    _fixed("maximum ties", lambda m, x, y: m.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
    _fixed("minimum ties", lambda m, x, y: m.minimum(x, y), [1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
    _fixed("maximum nan", lambda m, x, y: m.maximum(x, y), [np.nan, 2.0], [1.0, np.nan]),
    _fixed("sqrt at 0", lambda m, x: m.sqrt(x), [0.0, 1.0, 4.0]),
    _fixed("prod one zero", lambda m, x: m.prod(x), [2.0, 0.0, 3.0]),
    _fixed("prod two zeros", lambda m, x: m.prod(x), [0.0, 2.0, 0.0]),
    _fixed("prod dim zeros", lambda m, x: m.prod(x, 1), [[2.0, 0.0, 3.0], [0.0, 2.0, 0.0]]),
    _fixed("where nonfinite", lambda m, x, y: m.where(x > 1.5, x, y), [1.0, 2.0, 3.0], [np.inf, 1.0, np.nan]),
    _fixed("where discarded log", lambda m, x: m.where(x > 0, m.log(x), x), [0.0, 1.0, 2.0]),
    _fixed("where discarded sqrt", lambda m, x: m.where(x > 0, m.sqrt(x), x), [-1.0, 0.0, 4.0]),
    _fixed("std equal", lambda m, x: m.std(x), [2.0, 2.0, 2.0]),
    _fixed("std dim equal", lambda m, x: m.std(x, 1), [[2.0, 2.0], [1.0, 3.0]]),
    _fixed("var of one", lambda m, x: m.var(x), [5.0]),
    _fixed("var correction 2 of 2", lambda m, x: m.var(x, 0, correction=2), [5.0, 6.0]),
    _fixed("log at 0", lambda m, x: m.log(x), [0.0, 1.0, 2.0]),
    _fixed("reciprocal at 0", lambda m, x: m.reciprocal(x), [0.0, 2.0]),
    _fixed("sigmoid large", lambda m, x: m.sigmoid(x), [-100.0, -30.0, 30.0, 100.0]),
    _fixed("softmax large", lambda m, x: m.softmax(x, 1), [[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),
    _fixed(
        "logsumexp large",
        lambda m, x: m.logsumexp(x, 1),
        [[1000.0, 1000.0, 990.0], [-1000.0, -1001.0, -1002.0]],
    ),
    _fixed("logsumexp inf", lambda m, x: m.logsumexp(x, 0), [-np.inf, -np.inf]),
    _fixed(
        "var large offset", lambda m, x: m.var(x), (10000.0 + np.array([0.125, 0.5, -0.25, 0.375])).tolist()
    ),
    _fixed("pow 0**y", lambda m, x, y: m.pow(x, y), [0.0, 0.0, 2.0], [2.0, 0.0, -1.0]),
    _fixed("pow(0, x)", lambda m, x: m.pow(0.0, x), [2.0, 0.0, -1.0]),
]


def _weighted(pieces: tuple[Any, ...]) -> Any:
    """A sum of the pieces with weights 1, 2, 3, ...: each piece's gradient differs."""
    total = pieces[0].sum()
    for weight, piece in enumerate(pieces[1:], start=2):
        total = total + weight * piece.sum()
    return total


def _inputs(case: Case, dtype: str, rng: np.random.Generator) -> list[np.ndarray]:
    if case.values is not None:
        return [np.array(value, dtype=dtype) for value in case.values]
    drawn = []
    for shape in case.shapes:
        x = rng.uniform(-2, 2, size=shape)
        if case.domain == "positive":
            x = np.abs(x) / 1.5 + 0.5
        elif case.domain == "away from 0":
            x = np.where(x < 0, np.minimum(x, -0.25), np.maximum(x, 0.25))
        drawn.append(np.asarray(x, dtype=dtype))
    return drawn


def _run(module: Any, case: Case, inputs: list[np.ndarray], cotangent: Any) -> dict[str, Any]:
    leaves = [module.tensor(x, requires_grad=i not in case.constant) for i, x in enumerate(inputs)]
    out = case.program(module, *leaves)
    seed = cotangent(out.shape, out.dtype)
    out.backward(module.tensor(seed))
    return {
        "value": np.array(out.detach().numpy()),
        "grads": [None if leaf.grad is None else np.array(leaf.grad.numpy()) for leaf in leaves],
        "name": None if out.grad_fn is None else type(out.grad_fn).__name__,
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES)
def test_operator_matches_torch(case: Case, dtype: str) -> None:
    rng = np.random.default_rng(RNG_SEED)
    inputs = _inputs(case, dtype, rng)
    seeds: list[np.ndarray] = []

    def cotangent(shape: tuple[int, ...], result_dtype: Any) -> np.ndarray:
        if not seeds:  # drawn once, on torch's run, and given to minigrad's as it is
            seeds.append(rng.uniform(-2, 2, size=tuple(shape)).astype(dtype))
        return seeds[0]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns of var with no degrees of freedom
        expected = _run(torch, case, inputs, cotangent)
    found = _run(minigrad, case, inputs, cotangent)

    tolerance = {"rtol": 2e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}
    assert found["name"] == expected["name"]
    assert found["value"].shape == expected["value"].shape
    assert found["value"].dtype == expected["value"].dtype
    np.testing.assert_allclose(found["value"], expected["value"], **tolerance)
    for index, (grad, torch_grad) in enumerate(zip(found["grads"], expected["grads"], strict=True)):
        if torch_grad is None:
            assert grad is None, f"input {index} got a gradient; torch gives none"
            continue
        assert grad is not None, f"input {index} got no gradient"
        assert (grad.shape, grad.dtype) == (torch_grad.shape, torch_grad.dtype), f"input {index}"
        np.testing.assert_allclose(grad, torch_grad, **tolerance, err_msg=f"gradient of input {index}")


def test_every_catalogue_operator_is_offered() -> None:
    adapter = adapter_for_module(minigrad)
    assert [name for name in OPERATORS if adapter.operator(name) is None] == []


VIEWS = [
    pytest.param(program, id=identifier)
    for identifier, program in {
        "t": lambda m, x: x.t(),
        "transpose": lambda m, x: m.transpose(x, 0, 1),
        "permute": lambda m, x: m.permute(x, (1, 0)),
        "mT": lambda m, x: x.mT,
        "view": lambda m, x: x.view(-1),
        "reshape": lambda m, x: m.reshape(x, (2, 6)),
        "reshape of transposed": lambda m, x: m.reshape(x.t(), (12,)),
        "flatten": lambda m, x: m.flatten(x),
        "expand": lambda m, x: x.expand(2, 3, 4),
        "squeeze": lambda m, x: m.squeeze(m.unsqueeze(x, 0)),
        "unsqueeze": lambda m, x: m.unsqueeze(x, 1),
        "x[1]": lambda m, x: x[1],
        "x[1:, ::2]": lambda m, x: x[1:, ::2],
        "x[None]": lambda m, x: x[None],
        "x[...]": lambda m, x: x[...],
        "x[index]": lambda m, x: x[_index(m, [0, 0])],
        "x[mask]": lambda m, x: x[x > 0],
        "split": lambda m, x: m.split(x, 2)[1],
        "chunk": lambda m, x: m.chunk(x, 2, dim=1)[0],
        "cat": lambda m, x: m.cat([x, x]),
        "stack": lambda m, x: m.stack([x, x]),
        "exp": lambda m, x: m.exp(x),
    }.items()
]


@pytest.mark.parametrize("program", VIEWS)
def test_views_share_storage_and_version_as_in_torch(program: Callable[..., Any]) -> None:
    """A view shares its base's storage and version counter: an in-place change of the base is one of
    the view too. Whether a result is a view at all is torch's answer."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4) - 5

    def observe(module: Any) -> tuple[bool, int]:
        base = module.tensor(x, requires_grad=True)
        result = program(module, base)
        shares = result.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
        before = result._version if module is torch else result._version.value
        with module.no_grad():
            base.add_(1.0)
        after = result._version if module is torch else result._version.value
        return shares, after - before

    assert observe(minigrad) == observe(torch)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m, x, w: (x.t(), x), id="a saved view's base"),
        pytest.param(lambda m, x, w: (x[1:], x), id="a saved slice's base"),
        pytest.param(lambda m, x, w: (m.exp(w * 1), None), id="a saved result"),
    ],
)
def test_inplace_change_of_a_saved_tensor_is_refused(change: Callable[..., Any]) -> None:
    def run(module: Any) -> str:
        x = module.tensor(np.ones((3, 3), dtype=np.float32))
        w = module.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        saved, base = change(module, x, w)
        total = (saved * w).sum() if base is not None else saved.sum()
        (base if base is not None else saved).add_(1.0)
        try:
            total.backward()
        except RuntimeError as error:
            return "modified by an inplace operation" if "inplace operation" in str(error) else str(error)
        return "no error"

    assert run(minigrad) == run(torch) == "modified by an inplace operation"


@pytest.mark.parametrize("case", CASES)
def test_no_grad_records_nothing(case: Case) -> None:
    leaves = [
        minigrad.tensor(x, requires_grad=True) for x in _inputs(case, "float32", np.random.default_rng())
    ]
    with minigrad.no_grad():
        out = case.program(minigrad, *leaves)
    assert out.grad_fn is None
    assert out.requires_grad == any(out is leaf for leaf in leaves)  # flatten(x, 1, 1) returns x itself


def test_max_along_a_dim_returns_torch_indices() -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
    for keepdim in (False, True):
        found, expected = minigrad.max(minigrad.tensor(x), 1, keepdim), torch.max(torch.tensor(x), 1, keepdim)
        assert found.indices.numpy().tolist() == expected.indices.numpy().tolist()
        assert found.indices.dtype == np.int64
        assert found.values.numpy().tolist() == expected.values.numpy().tolist()
