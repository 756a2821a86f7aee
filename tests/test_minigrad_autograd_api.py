"""minigrad's autograd API beyond the tutorial behaves as torch's: ``autograd.grad`` and
``create_graph``, hooks, in-place operations on results and views, ``.data``, the grad modes,
``inference_mode`` and SGD with its options.

Each case is one program, written once in torch's spelling, run on torch and on minigrad; what it
observes (values, gradients, node names, flags, and the class and text of each refusal) must be the same.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from tests.engines import minigrad
from tests.engines.minigrad_node import Node

X = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]
POSITIVE = [[0.5, 1.25, 2.0], [1.5, 0.75, 3.0]]


def _plain(value: Any) -> Any:
    """What a program observed, in plain terms that torch and minigrad share."""
    if isinstance(value, torch.Tensor):
        return np.array(value.detach().numpy(force=True))  # force: torch's zero gradients may be ZeroTensors
    if isinstance(value, minigrad.Tensor):
        return np.array(value.detach().numpy())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _observe(program: Callable[..., Any], module: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's once-per-process create_graph warning
        return _plain(program(module))


def _same(found: Any, expected: Any, where: str = "") -> None:
    __tracebackhide__ = True
    if isinstance(expected, np.ndarray):
        assert isinstance(found, np.ndarray), f"{where}: {found!r} where torch gives an array"
        assert found.shape == expected.shape, f"{where}: shape {found.shape}, torch {expected.shape}"
        assert found.dtype == expected.dtype, f"{where}: dtype {found.dtype}, torch {expected.dtype}"
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(expected, dict):
        assert found.keys() == expected.keys(), where
        for key in expected:
            _same(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), f"{where}: {found!r} vs {expected!r}"
        for index, (item, reference) in enumerate(zip(found, expected, strict=True)):
            _same(item, reference, f"{where}[{index}]")
    else:
        assert found == expected, f"{where}: minigrad {found!r}, torch {expected!r}"


def _as_torch(program: Callable[..., Any]) -> None:
    """Run ``program`` on both engines and require the same observations."""
    __tracebackhide__ = True
    _same(_observe(program, minigrad), _observe(program, torch), "observed")


def raised(action: Callable[[], Any]) -> tuple[str, str] | None:
    """The class and text of what ``action`` raised, or None."""
    try:
        action()
    except Exception as error:
        return type(error).__name__, str(error)
    return None


def attempt(action: Callable[[], Any]) -> dict[str, Any]:
    """What ``action`` returned, or the class and text of what it raised."""
    try:
        return {"returned": action()}
    except Exception as error:
        return {"raised": (type(error).__name__, str(error))}


def name(tensor: Any) -> str | None:
    return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__


def version(tensor: Any) -> int:
    return tensor._version if isinstance(tensor, torch.Tensor) else tensor._version.value


def leaf(m: Any, values: Any = X, dtype: str = "float32") -> Any:
    return m.tensor(np.array(values, dtype=dtype), requires_grad=True)


def case(identifier: str, program: Callable[..., Any]) -> Any:
    return pytest.param(program, id=identifier)


# -- autograd.grad ------------------------------------------------------------------------------------


def _weights(m: Any, shape: tuple[int, ...]) -> Any:
    return m.tensor(np.arange(1, 1 + int(np.prod(shape)), dtype=np.float32).reshape(shape) / 4)


GRAD_CASES = [
    case("one input", lambda m, x, y: m.autograd.grad((x * x * y).sum(), x)),
    case("two inputs", lambda m, x, y: m.autograd.grad((x.exp() * y).sum(), [x, y])),
    case("outputs add", lambda m, x, y: m.autograd.grad([(x * y).sum(), (x * x).sum()], x)),
    case("grad_outputs", lambda m, x, y: m.autograd.grad(x * y, (x, y), _weights(m, (2, 3)))),
    case(
        "grad_outputs list",
        lambda m, x, y: m.autograd.grad([x * y, x.sum()], [y], [_weights(m, (2, 3)), None]),
    ),
    case("non-leaf input", lambda m, x, y: m.autograd.grad(((x * 2).tanh() * y).sum(), x * 1)),
    case("an intermediate", lambda m, x, y: (lambda h: m.autograd.grad((h.sin() * y).sum(), [h, x]))(x * 3)),
    case("output is input", lambda m, x, y: m.autograd.grad(x, x, _weights(m, (2, 3)))),
    case("input twice", lambda m, x, y: m.autograd.grad((x * y).sum(), [x, x])),
    case("broadcast", lambda m, x, y: m.autograd.grad((x * y[0]).sum(), y)),
    case(
        "grad_outputs float64",
        lambda m, x, y: m.autograd.grad(x * y, x, m.tensor(np.ones((2, 3), dtype=np.float64))),
    ),
    case("allow_unused", lambda m, x, y: m.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)),
    case("materialize_grads", lambda m, x, y: m.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)),
]


def _unused_input_refusal(m: Any, x: Any, y: Any) -> Any:
    return m.autograd.grad((x * 2).sum(), [x, y])


@pytest.mark.parametrize(
    "program",
    [
        *GRAD_CASES,
        case("unused input", _unused_input_refusal),
        case("no outputs", lambda m, x, y: m.autograd.grad([], [x])),
        case("non-scalar", lambda m, x, y: m.autograd.grad(x * y, x)),
        case("wrong shape", lambda m, x, y: m.autograd.grad(x * y, x, m.tensor(np.ones(3, np.float32)))),
        case("0-d for a vector", lambda m, x, y: m.autograd.grad(x * y, x, m.tensor(np.float32(1)))),
        case("empty inputs", lambda m, x, y: m.autograd.grad((x * y).sum(), [])),
        case("input untracked", lambda m, x, y: m.autograd.grad((x * y).sum(), m.tensor(X))),
        case("input not a tensor", lambda m, x, y: m.autograd.grad((x * y).sum(), [1.0])),
        case("output untracked", lambda m, x, y: m.autograd.grad(m.tensor(X).sum(), x)),
        case("fewer grad_outputs", lambda m, x, y: m.autograd.grad([x.sum(), y.sum()], x, [None])),
        case("grad_output a number", lambda m, x, y: m.autograd.grad([x.sum()], x, [2.0])),
        case(
            "materialize, not unused",
            lambda m, x, y: m.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True),
        ),
    ],
)
def test_autograd_grad(program: Callable[..., Any]) -> None:
    """Gradients as torch returns them, .grad untouched, and torch's refusals."""

    def run(m: Any) -> Any:
        x, y = leaf(m), leaf(m, POSITIVE)
        return {"outcome": attempt(lambda: program(m, x, y)), "x.grad": x.grad}

    _as_torch(run)


@pytest.mark.parametrize(
    "program",
    [
        case("second pass refused", lambda m, out, x: m.autograd.grad(out, x)),
        case("retain_graph", lambda m, out, x: m.autograd.grad(out, x, retain_graph=True)),
        case("create_graph retains", lambda m, out, x: m.autograd.grad(out, x, create_graph=True)),
        case("backward after", lambda m, out, x: out.backward()),
    ],
)
def test_second_pass_over_a_graph(program: Callable[..., Any]) -> None:
    def run(m: Any) -> Any:
        x = leaf(m)
        out = (x.exp() * x).sum()
        first = raised(lambda: program(m, out, x))
        return {"first": first, "second": raised(lambda: m.autograd.grad(out, x)), "x.grad": x.grad}

    _as_torch(run)


def test_retained_tensors_get_grad_from_autograd_grad() -> None:
    """torch stores .grad of a retain_grad()'d tensor that autograd.grad passes through, leaves none."""

    def run(m: Any) -> Any:
        x, w = leaf(m), leaf(m, POSITIVE)
        y = x * 2
        y.retain_grad()
        unrelated = w * 3
        unrelated.retain_grad()
        (grad,) = m.autograd.grad((y * y).sum() + unrelated.sum(), x)
        return {"grad": grad, "y.grad": y.grad, "x.grad": x.grad, "unrelated.grad": unrelated.grad}

    _as_torch(run)


# -- create_graph ---------------------------------------------------------------------------------------

DOUBLE = {
    "neg": (lambda m, x: -x, X),
    "abs": (lambda m, x: m.abs(x), X),
    "exp": (lambda m, x: m.exp(x), X),
    "log": (lambda m, x: m.log(x), POSITIVE),
    "sqrt": (lambda m, x: m.sqrt(x), POSITIVE),
    "sin": (lambda m, x: m.sin(x), X),
    "cos": (lambda m, x: m.cos(x), X),
    "tanh": (lambda m, x: m.tanh(x), X),
    "sigmoid": (lambda m, x: m.sigmoid(x), X),
    "relu": (lambda m, x: m.relu(x), X),
    "reciprocal": (lambda m, x: m.reciprocal(x), X),
    "pow 3": (lambda m, x: x**3, X),
    "pow 1": (lambda m, x: x**1, X),
    "pow 0": (lambda m, x: x**0, X),
    "pow -1.5": (lambda m, x: m.pow(x, -1.5), POSITIVE),
    "pow tensor": (lambda m, x: m.pow(x, x), POSITIVE),
    "2**x": (lambda m, x: 2**x, X),
    "clamp": (lambda m, x: m.clamp(x, -1.0, 1.0) * x, X),
    "add": (lambda m, x: x + x * x, X),
    "sub": (lambda m, x: x - x * x, X),
    "1-x": (lambda m, x: 1 - x * x, X),
    "mul": (lambda m, x: x * x, X),
    "div": (lambda m, x: x / (x * x + 1), X),
    "2/x": (lambda m, x: 2 / x, POSITIVE),
    "maximum": (lambda m, x: m.maximum(x * x, x), X),
    "minimum": (lambda m, x: m.minimum(x * x, x.exp()), X),
    "where": (lambda m, x: m.where(x > 0, x * x, x.exp()), X),
    "sum": (lambda m, x: m.sum(x * x), X),
    "sum dim": (lambda m, x: m.sum(x * x, 1), X),
    "mean": (lambda m, x: m.mean(x * x), X),
    "mean dim keepdim": (lambda m, x: m.mean(x * x, 0, keepdim=True), X),
    "matmul": (lambda m, x: m.matmul(x, x.t()), X),
    "matrix·vector": (lambda m, x: m.matmul(x * x, x[0]), X),
    "vector·matrix": (lambda m, x: m.matmul(x[:, 0], x * x), X),
    "mm": (lambda m, x: m.mm(x.t(), x), X),
    "t": (lambda m, x: x.t() * x.t(), X),
    "transpose": (lambda m, x: m.transpose(x * x, 0, 1) * x.t(), X),
    "permute": (lambda m, x: m.permute(x * x, (1, 0)), X),
    "mT": (lambda m, x: x.mT * x.mT, X),
    "reshape": (lambda m, x: (x * x).reshape(3, 2), X),
    "view": (lambda m, x: x.view(-1) * x.view(-1), X),
    "flatten": (lambda m, x: m.flatten(x * x), X),
    "squeeze": (lambda m, x: m.squeeze(x[None] * x), X),
    "unsqueeze": (lambda m, x: m.unsqueeze(x, 1) * x[:, None], X),
    "expand": (lambda m, x: x[0].expand(4, 3) * x[1], X),
    "x[1:]": (lambda m, x: x[:, 1:] * x[:, :2], X),
    "x[::2]": (lambda m, x: x[:, ::2] ** 2, X),
    "x[1]": (lambda m, x: x[1] * x[0], X),
    "x[index]": (lambda m, x: x[m.tensor(np.array([1, 1, 0]))] ** 2, X),
    "x[mask]": (lambda m, x: x[x > 0] ** 2, X),
    "broadcast": (lambda m, x: x * x[0], X),
    "amax": (lambda m, x: m.amax(x * x, 1), X),
    "max": (lambda m, x: m.max(x * x), X),
    "max dim": (lambda m, x: m.max(x * x, 1).values, X),
    "prod": (lambda m, x: m.prod(x), X),
    "prod zero": (lambda m, x: m.prod(x * m.tensor(np.array([1.0, 0.0, 1.0], np.float32)), 1), X),
    "var": (lambda m, x: m.var(x, 1), X),
    "std": (lambda m, x: m.std(x), X),
    "logsumexp": (lambda m, x: m.logsumexp(x, 1), X),
    "softmax": (lambda m, x: m.softmax(x, 1), X),
    "log_softmax": (lambda m, x: m.log_softmax(x, 0), X),
    "cat": (lambda m, x: m.cat([x, x * x]), X),
    "stack": (lambda m, x: m.stack([x, x.exp()]), X),
    "split": (lambda m, x: m.split(x * x, 2, dim=1)[1], X),
    "clone": (lambda m, x: (x * x).clone(), X),
    "mul_": (lambda m, x: (x * x).mul_(x.sin()), X),
    "setitem": (lambda m, x: _assigned(x * x, (0, slice(1, None)), x[1, :2].exp()), X),
    "mul_ through a view": (lambda m, x: _through_view(x * x, lambda y: y[:, 1:], x[:, :2]), X),
    "copy_ into a transposed view": (lambda m, x: _copied_into(x.sin(), lambda y: y.t()[1], x[:, 0] ** 2), X),
    "a view after its base changed": (lambda m, x: _view_after_change(x * x, x.cos()), X),
    "y[index] = value": (
        lambda m, x: _assigned(x * x, (slice(None), m.tensor(np.array([2, 0]))), x[:, :1] * 3),
        X,
    ),
}


def _assigned(y: Any, index: Any, value: Any) -> Any:
    y[index] = value
    return y


def _through_view(y: Any, view: Callable[[Any], Any], factor: Any) -> Any:
    view(y).mul_(factor)
    return y * y


def _copied_into(y: Any, view: Callable[[Any], Any], source: Any) -> Any:
    view(y).copy_(source)
    return y


def _view_after_change(y: Any, factor: Any) -> Any:
    v = y[1:]
    y.mul_(factor)
    return v * v


@pytest.mark.parametrize("operation", DOUBLE.values(), ids=DOUBLE.keys())
def test_second_derivative(operation: tuple[Callable[..., Any], Any]) -> None:
    """grad(f(x) · w, x, create_graph=True) is recorded where torch's is; differentiating it again, and
    twice again, gives torch's values."""
    function, values = operation

    def run(m: Any) -> Any:
        x = leaf(m, values, "float64")
        out = function(m, x)
        (grad,) = m.autograd.grad(
            out, x, m.tensor(np.linspace(0.5, 2.0, out.numel()).reshape(out.shape)), create_graph=True
        )
        observed = {"grad": grad, "requires_grad": grad.requires_grad, "has node": grad.grad_fn is not None}
        if grad.requires_grad:
            (second,) = m.autograd.grad((grad * grad).sum(), x, create_graph=True, allow_unused=True)
            observed["second"] = second
            if second is not None and second.requires_grad:
                observed["third"] = m.autograd.grad(second.sum(), x, allow_unused=True)
        return observed

    _as_torch(run)


def mixed_partials(m: Any, x: Any, y: Any) -> Any:
    (dx,) = m.autograd.grad((x * x * y.sin()).sum(), x, create_graph=True)
    return m.autograd.grad(dx.sum(), y)


def hessian_vector_product(m: Any, x: Any, y: Any) -> Any:
    (dx,) = m.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    return m.autograd.grad(dx, x, y)


def gradient_penalty(m: Any, x: Any, y: Any) -> Any:
    (dx,) = m.autograd.grad((x * y).tanh().sum(), x, create_graph=True)
    m.sqrt((dx * dx).sum()).backward()
    return x.grad, y.grad


def backward_create_graph(m: Any, x: Any, y: Any) -> Any:
    """.grad is recorded (CopyBackwards, then AddBackward0 as passes add up) and can be differentiated."""
    (x * x * y).sum().backward(create_graph=True)
    first = [x.grad, name(x.grad), x.grad.requires_grad]
    (x * x).sum().backward(create_graph=True)
    return first, [x.grad, name(x.grad)], m.autograd.grad(x.grad.sum(), [x, y])


def create_graph_then_plain_backward(m: Any, x: Any, y: Any) -> Any:
    (x * x).sum().backward(create_graph=True)
    grad = x.grad
    (x * x).sum().backward()
    return x.grad, name(x.grad), x.grad is grad


def grad_outputs_that_require_grad(m: Any, x: Any, y: Any) -> Any:
    (dx,) = m.autograd.grad(x * 2, x, y, create_graph=True)
    return dx.requires_grad, m.autograd.grad(dx.sum(), y)


def retained_grad_under_create_graph(m: Any, x: Any, y: Any) -> Any:
    h = x * y
    h.retain_grad()
    (h * h).sum().backward(create_graph=True)
    return h.grad, name(h.grad), m.autograd.grad(h.grad.sum(), y)


def hook_under_create_graph(m: Any, x: Any, y: Any) -> Any:
    x.register_hook(lambda g: g * y)
    (dx,) = m.autograd.grad((x * x).sum(), x, create_graph=True)
    return dx, m.autograd.grad(dx.sum(), y)


@pytest.mark.parametrize(
    "program",
    [
        mixed_partials,
        hessian_vector_product,
        gradient_penalty,
        backward_create_graph,
        create_graph_then_plain_backward,
        grad_outputs_that_require_grad,
        retained_grad_under_create_graph,
        hook_under_create_graph,
    ],
)
def test_higher_derivatives(program: Callable[..., Any]) -> None:
    _as_torch(lambda m: program(m, leaf(m, X, "float64"), leaf(m, POSITIVE, "float64")))


class _NoDoubleBackward(Node):
    """A node with only an array formula: what a node without ``backward_graph`` does."""

    forward = staticmethod(np.square)
    saves = (0,)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (2 * grad * self.saved[0],)


def test_missing_double_backward_is_refused_naming_the_node() -> None:
    """As torch's NotImplemented node: the first gradient is recorded, differentiating it is refused with
    torch's "derivative for ... is not implemented" (a minigrad-only node: torch has no such operation)."""
    x = leaf(minigrad)
    (grad,) = minigrad.autograd.grad(x._apply(_NoDoubleBackward, x).sum(), x, create_graph=True)
    assert type(grad.grad_fn).__name__ == "NotImplemented"
    np.testing.assert_allclose(grad.numpy(), 2 * np.array(X, dtype=np.float32))
    error = raised(lambda: minigrad.autograd.grad(grad.sum(), x))
    assert error == ("RuntimeError", "derivative for _NoDoubleBackward is not implemented")


def test_backward_with_create_graph_warns_once_per_process() -> None:
    """torch's warning (TORCH_WARN_ONCE, so it is checked here on minigrad alone, with torch's text)."""
    from tests.engines import minigrad_autograd

    minigrad_autograd._warned.discard("create_graph")
    x = leaf(minigrad)
    with pytest.warns(
        UserWarning, match=r"^Using backward\(\) with create_graph=True will create a reference"
    ):
        (x * 2).sum().backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x * 2).sum().backward(create_graph=True)


def test_create_graph_false_records_nothing() -> None:
    x = leaf(minigrad)
    (grad,) = minigrad.autograd.grad((x.exp() * x).sum(), x)
    assert not grad.requires_grad and grad.grad_fn is None
    (x * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


# -- hooks ------------------------------------------------------------------------------------------------


def _calls(m: Any, setup: Callable[..., Any], finish: Callable[..., Any]) -> Any:
    """Run ``setup(m, x, record)`` to register hooks that log into ``record``, then ``finish(m, x)``."""
    x = leaf(m)
    record: list[Any] = []
    setup(m, x, record)
    outcome = attempt(lambda: finish(m, x))
    return {"calls": record, "outcome": outcome, "x.grad": x.grad}


def _log(record: list[Any], label: str, result: Callable[[Any], Any] = lambda g: None) -> Callable[..., Any]:
    def hook(grad: Any) -> Any:
        record.append((label, np.array(grad.detach().numpy())))
        return result(grad)

    return hook


HOOKS = [
    case(
        "leaf hook replaces",
        lambda m, x, record: x.register_hook(_log(record, "x", lambda g: g * 3)),
    ),
    case("leaf hook returns None", lambda m, x, record: x.register_hook(_log(record, "x"))),
    case(
        "several, in order",
        lambda m, x, record: [
            x.register_hook(_log(record, "first")),
            x.register_hook(_log(record, "second", lambda g: g + 1)),
            x.register_hook(_log(record, "third", lambda g: g * 2)),
        ],
    ),
    case(
        "removed",
        lambda m, x, record: [
            x.register_hook(_log(record, "kept", lambda g: g * 2)),
            x.register_hook(_log(record, "removed", lambda g: g * 100)).remove(),
        ],
    ),
    case("in-place in the hook", lambda m, x, record: x.register_hook(lambda g: g.mul_(5))),
    case("wrong shape", lambda m, x, record: x.register_hook(lambda g: g.sum())),
    case("wrong dtype", lambda m, x, record: x.register_hook(lambda g: m.tensor(np.ones((2, 3))))),
    case("not a tensor", lambda m, x, record: x.register_hook(lambda g: 3.0)),
]


@pytest.mark.parametrize("setup", HOOKS)
@pytest.mark.parametrize(
    "finish",
    [
        case("backward", lambda m, x: (x * x).sum().backward()),
        case("backward twice", lambda m, x: [(x * 3).sum().backward() for _ in range(2)]),
        case("autograd.grad", lambda m, x: m.autograd.grad((x * x).sum(), x)),
    ],
)
def test_leaf_hooks(setup: Callable[..., Any], finish: Callable[..., Any]) -> None:
    _as_torch(lambda m: _calls(m, setup, finish))


def _result_hooks(m: Any) -> Any:
    x, record = leaf(m), []
    y = x * 2
    y.register_hook(_log(record, "y first"))
    y.register_hook(_log(record, "y", lambda g: g * 10))
    y.retain_grad()
    z = y * y + y  # y's gradient is the sum of three paths, and its hooks see it once
    z.register_hook(_log(record, "z", lambda g: g + 1))
    x.register_hook(_log(record, "x"))
    z.sum().backward()
    return {"calls": record, "x.grad": x.grad, "y.grad": y.grad}


def _hook_then_inplace(m: Any) -> Any:
    """A hook registered before an in-place change sees the gradient of the old value; retain_grad follows
    the tensor."""
    x, record = leaf(m), []
    y = x * 2
    y.register_hook(_log(record, "before", lambda g: g * 10))
    y.retain_grad()
    y.mul_(3)
    y.register_hook(_log(record, "after"))
    (y * y).sum().backward()
    return {"calls": record, "x.grad": x.grad, "y.grad": y.grad, "name": name(y)}


def _hooks_off_the_path(m: Any) -> Any:
    """autograd.grad runs only the hooks of tensors on the way to its inputs."""
    x, w, record = leaf(m), leaf(m, POSITIVE), []
    u = w * 3
    u.register_hook(_log(record, "u"))
    y = x * 2
    y.register_hook(_log(record, "y"))
    w.register_hook(_log(record, "w"))
    grads = m.autograd.grad((y * u).sum(), x)
    return {"calls": record, "grads": grads}


@pytest.mark.parametrize(
    "program",
    [
        case("result hooks", _result_hooks),
        case("hook then in-place", _hook_then_inplace),
        case("hooks off the path", _hooks_off_the_path),
        case("refused without grad", lambda m: raised(lambda: m.tensor(X).register_hook(lambda g: g))),
        case("refused on a detached", lambda m: raised(lambda: leaf(m).detach().register_hook(lambda g: g))),
        case("allowed under no_grad", lambda m: _under_no_grad(m, lambda: leaf(m).register_hook(print))),
        case("a leaf as the root", lambda m: _root_hook(leaf(m, 2.0), lambda x: x)),
        case("a result as the root", lambda m: _root_hook(leaf(m, 2.0), lambda x: x * 3)),
    ],
)
def test_hooks(program: Callable[..., Any]) -> None:
    _as_torch(program)


def _root_hook(x: Any, function: Callable[[Any], Any]) -> Any:
    out = function(x)
    out.register_hook(lambda g: g * 5)
    out.backward()
    return x.grad


def _under_no_grad(m: Any, action: Callable[[], Any]) -> Any:
    with m.no_grad():
        return raised(action)


# -- in-place operations -------------------------------------------------------------------------------


def _other(m: Any) -> Any:
    return m.tensor(np.array([[2.0, 3.0, 4.0]], dtype=np.float32))


INPLACE = [
    case("mul_ number", lambda m, y, w: y.mul_(3)),
    case("mul_ tensor", lambda m, y, w: y.mul_(_other(m))),
    case("mul_ tracked", lambda m, y, w: y.mul_(w)),
    case("add_ number", lambda m, y, w: y.add_(1)),
    case("add_ tracked", lambda m, y, w: y.add_(w[0])),
    case("sub_", lambda m, y, w: y.sub_(w)),
    case("div_", lambda m, y, w: y.div_(w)),
    case("zero_", lambda m, y, w: y.zero_()),
    case("fill_ number", lambda m, y, w: y.fill_(2.0)),
    case("fill_ tracked 0-d", lambda m, y, w: y.fill_(w[0, 1])),
    case("copy_ tracked", lambda m, y, w: y.copy_(w[1] * 5)),
    case("+=", lambda m, y, w: y.__iadd__(w)),
    case("*=", lambda m, y, w: y.__imul__(2)),
    case("y[0] = 5", lambda m, y, w: y.__setitem__(0, 5.0)),
    case("y[0, 1:] = 9", lambda m, y, w: y.__setitem__((0, slice(1, None)), 9.0)),
    case("y[:] = 7", lambda m, y, w: y.__setitem__(slice(None), 7.0)),
    case("y[...] = w[0, 0]", lambda m, y, w: y.__setitem__(Ellipsis, w[0, 0])),
    case("y[:] = w", lambda m, y, w: y.__setitem__(slice(None), w * 1)),
    case("y[1] = w[0]", lambda m, y, w: y.__setitem__(1, w[0] * 3)),
    case("y[:, 1] = w[:, 2]", lambda m, y, w: y.__setitem__((slice(None), 1), w[:, 2])),
    case("y[None] = 1", lambda m, y, w: y.__setitem__(None, 1.0)),
    case("y[::2] broadcast", lambda m, y, w: y.__setitem__((slice(None), slice(None, None, 2)), w[:1, :1])),
    case("y[index] = w", lambda m, y, w: y.__setitem__(m.tensor(np.array([1])), w[:1])),
    case("y[mask] = 0", lambda m, y, w: y.__setitem__(y > 1, 0.0)),
    case("y[1, index] = 3", lambda m, y, w: y.__setitem__((1, m.tensor(np.array([0, 2]))), 3.0)),
    case("y[0] = 3 (an int)", lambda m, y, w: y.__setitem__(0, 3)),
    case("exp then mul_", lambda m, y, w: y.exp().mul_(2)),
]


@pytest.mark.parametrize("operation", INPLACE)
def test_inplace_on_a_result(operation: Callable[..., Any]) -> None:
    """The tensor's grad_fn becomes the operation's own node, and the gradient goes through it."""

    def run(m: Any) -> Any:
        x, w = leaf(m), leaf(m, POSITIVE)
        y = x * 2
        returned = operation(m, y, w)
        (y * _weights(m, (2, 3))).sum().backward()
        return {
            "y": y,
            "name": name(y),
            "returns self": returned is y,
            "version": version(y),
            "x.grad": x.grad,
            "w.grad": w.grad,
        }

    _as_torch(run)


VIEWS = [
    case("y[1:]", lambda y: y[1:]),
    case("y[:, 1:]", lambda y: y[:, 1:]),
    case("y[:, ::2]", lambda y: y[:, ::2]),
    case("y[1]", lambda y: y[1]),
    case("y[:, 0]", lambda y: y[:, 0]),
    case("y.t()", lambda y: y.t()),
    case("y.transpose(0, 1)", lambda y: y.transpose(0, 1)),
    case("y[1:][:, 1:]", lambda y: y[1:][:, 1:]),
    case("y.view(-1)", lambda y: y.view(-1)),
    case("y.reshape(3, 2)", lambda y: y.reshape(3, 2)),
    case("y[None]", lambda y: y[None]),
    case("y.unsqueeze(1)", lambda y: y.unsqueeze(1)),
    case("y.t()[::2]", lambda y: y.t()[::2]),
]

ON_VIEWS = [
    case("mul_ 3", lambda m, v, w: v.mul_(3)),
    case("mul_ tracked", lambda m, v, w: v.mul_(w.sum())),
    case("add_ 10", lambda m, v, w: v.add_(10)),
    case("zero_", lambda m, v, w: v.zero_()),
    case("setitem", lambda m, v, w: v.__setitem__(0, w[0, 0] * 7)),
    case("exp_ of the view", lambda m, v, w: v.copy_(v.exp())),
]


@pytest.mark.parametrize("change", ON_VIEWS)
@pytest.mark.parametrize("make_view", VIEWS)
def test_inplace_through_a_view(make_view: Callable[..., Any], change: Callable[..., Any]) -> None:
    """An in-place change of a view is one of its base: the base's grad_fn becomes CopySlices, the view's
    an AsStridedBackward0, and both gradients are torch's."""

    def run(m: Any) -> Any:
        x, w = leaf(m), leaf(m, POSITIVE)
        y = x * 2
        v = make_view(y)
        before = name(v)
        change(m, v, w)
        out = (y * _weights(m, (2, 3))).sum() + (v * _weights(m, tuple(v.shape))).sum() * 100
        out.backward()
        return {
            "y": y,
            "v": v,
            "names": (before, name(v), name(y)),
            "versions": (version(y), version(v)),
            "x.grad": x.grad,
            "w.grad": w.grad,
            "v._base is y": v._base is y,
        }

    _as_torch(run)


@pytest.mark.parametrize("make_view", VIEWS)
@pytest.mark.parametrize(
    "change",
    [
        case("base mul_", lambda m, y: y.mul_(3)),
        case("base setitem", lambda m, y: y.__setitem__((slice(None), 0), 5.0)),
        case("base add_ under no_grad", lambda m, y: _under_no_grad(m, lambda: y.add_(1))),
        case("through detach()", lambda m, y: y.detach().mul_(2)),
    ],
)
def test_view_after_its_base_changed(make_view: Callable[..., Any], change: Callable[..., Any]) -> None:
    """A view whose base changed in place gets its grad_fn anew (AsStridedBackward0), as torch's."""

    def run(m: Any) -> Any:
        x = leaf(m)
        y = x * 2
        v = make_view(y)
        change(m, y)
        out = (v * _weights(m, tuple(v.shape))).sum() * 10 + (y * _weights(m, (2, 3))).sum()
        observed = {"v": v, "names": (name(v), name(y)), "versions": (version(v), version(y))}
        observed["backward"] = attempt(out.backward)
        observed["x.grad"] = x.grad
        return observed

    _as_torch(run)


def _plain_base_made_tracked(m: Any) -> Any:
    x = leaf(m)
    b = m.tensor(np.zeros((2, 3), dtype=np.float32))
    v = b[1:]
    b[0] = x[0] * 5
    observed = {"b": (name(b), b.requires_grad, b.is_leaf), "v": (name(v), v.requires_grad)}
    (b.sum() + v.sum()).backward()
    return {**observed, "x.grad": x.grad}


def _tracked_mul_of_a_plain_leaf(m: Any) -> Any:
    x = leaf(m)
    z = m.tensor(np.ones((2, 3), dtype=np.float32))
    z.mul_(x)
    z.sum().backward()
    return {"name": name(z), "is_leaf": z.is_leaf, "x.grad": x.grad}


def _saved_then_changed(change: Callable[..., Any]) -> Callable[[Any], Any]:
    def run(m: Any) -> Any:
        x = leaf(m)
        out = change(m, x)
        return {"backward": attempt(out.backward), "x.grad": x.grad}

    return run


def _leaf_changed_under_no_grad(m: Any, x: Any) -> Any:
    out = (x * x).sum()
    with m.no_grad():
        x.mul_(2)
    return out


def _then(out: Any, change: Callable[[], Any]) -> Any:
    change()
    return out


SAVED = [
    case("a saved leaf", _leaf_changed_under_no_grad),
    case(
        "a saved constant",
        lambda m, x: (lambda c: _then((x * c).sum(), lambda: c.add_(1)))(m.tensor(X)),
    ),
    case("a saved result", lambda m, x: (lambda y: _then((y * y).sum(), lambda: y.mul_(2)))(x * 2)),
    case("an output saved by its node", lambda m, x: (lambda y: _then(y.sum(), lambda: y.add_(1)))(x.exp())),
    case("0-d", lambda m, x: (lambda y: _then(y * y, lambda: y.add_(1)))((x * 2).sum())),
    case(
        "an unneeded factor",
        lambda m, x: (lambda y: _then((y * m.tensor(X)).sum(), lambda: y.mul_(5)))(x * 2),
    ),
    case(
        "a view, its base changed",
        lambda m, x: (lambda y: (lambda v: _then((v * v).sum(), lambda: y.mul_(2)))(y[1:]))(x * 2),
    ),
    case(
        "a base, its view changed",
        lambda m, x: (lambda y: _then((y * y).sum(), lambda: y[1:].mul_(2)))(x * 2),
    ),
    case("through .data", lambda m, x: (lambda y: _then(y, lambda: x.data.mul_(2)))((x * x).sum())),
]


@pytest.mark.parametrize("change", SAVED)
def test_saved_tensor_changed_in_place(change: Callable[..., Any]) -> None:
    """Backward refuses (with torch's message) when a tensor a node saved and needs was changed in place
    since; a change torch does not see (.data, a factor whose gradient is not wanted) goes through."""
    _as_torch(_saved_then_changed(change))


REFUSED = [
    case("leaf mul_", lambda m, x: x.mul_(2)),
    case("leaf zero_", lambda m, x: x.zero_()),
    case("leaf setitem", lambda m, x: x.__setitem__(0, 1.0)),
    case("leaf [:] =", lambda m, x: x.__setitem__(slice(None), 1.0)),
    case("leaf +=", lambda m, x: x.__iadd__(1)),
    case("view of a leaf", lambda m, x: x[1:].mul_(2)),
    case("transposed leaf", lambda m, x: x.t().add_(1)),
    case("view of a view of a leaf", lambda m, x: x[1:][:, :1].zero_()),
    case("split piece", lambda m, x: (x * 2).split(1)[1].mul_(2)),
    case("chunk piece's view", lambda m, x: (x * 2).chunk(2)[0][:, 1:].mul_(2)),
    case("split of a plain tensor", lambda m, x: m.tensor(X).split(1)[0].mul_(x[:1])),
    case("view made under no_grad", lambda m, x: _made_under_no_grad(m, x * 2).mul_(2)),
    case("expanded", lambda m, x: (x * 2)[0].expand(2, 3).mul_(2)),
    case("broadcast to more", lambda m, x: (x * 2)[0].mul_(x)),
    case("int by a float", lambda m, x: m.tensor(np.array([1, 2])).mul_(1.5)),
    case("setitem wrong shape", lambda m, x: (x * 2).__setitem__(0, m.tensor(np.ones(2, np.float32)))),
    case("setitem a list", lambda m, x: (x * 2).__setitem__(0, [1.0, 2.0, 3.0])),
    case("setitem out of range", lambda m, x: (x * 2).__setitem__(5, 1.0)),
    case("fill_ with a vector", lambda m, x: (x * 2).fill_(x[0])),
]


@pytest.mark.parametrize("program", REFUSED)
def test_inplace_refused(program: Callable[..., Any]) -> None:
    def run(m: Any) -> Any:
        x = leaf(m)
        outcome = raised(lambda: program(m, x))
        return {"raised": outcome, "x": x, "version": version(x)}

    _as_torch(run)


def _made_under_no_grad(m: Any, tensor: Any) -> Any:
    with m.no_grad():
        return tensor[1:]


def _piece_changed_under_no_grad(m: Any) -> Any:
    x = leaf(m)
    y = x * 2
    a, b = y.split(1)
    with m.no_grad():
        a.mul_(2)
    return {"a.grad_fn": raised(lambda: a.grad_fn), "b.grad_fn": raised(lambda: b.grad_fn), "y": name(y)}


def _view_under_no_grad_changed(m: Any) -> Any:
    x = leaf(m)
    y = x * 2
    with m.no_grad():
        v = y[1:]
        v.mul_(2)
    (y * _weights(m, (2, 3))).sum().backward()
    return {"v.grad_fn": raised(lambda: v.grad_fn), "x.grad": x.grad}


def _leaf_inplace_under_no_grad(m: Any) -> Any:
    x = leaf(m)
    with m.no_grad():
        x.mul_(2)
        x[0] = 1.0
        x[1:].add_(3)
        x.t().mul_(2)
    return {"x": x, "version": version(x), "leaf": x.is_leaf, "requires_grad": x.requires_grad}


@pytest.mark.parametrize(
    "program",
    [
        case("plain base made tracked", _plain_base_made_tracked),
        case("tracked mul_ of a plain leaf", _tracked_mul_of_a_plain_leaf),
        case("split piece changed under no_grad", _piece_changed_under_no_grad),
        case("view made and changed under no_grad", _view_under_no_grad_changed),
        case("leaf changed under no_grad", _leaf_inplace_under_no_grad),
    ],
)
def test_inplace_cases(program: Callable[..., Any]) -> None:
    _as_torch(program)


def test_versions_are_shared_by_views_and_bumped_once_per_change() -> None:
    def run(m: Any) -> Any:
        x = leaf(m)
        y = x * 2
        views = [y[1:], y.t(), y.view(-1), y.detach()]
        y.mul_(2)
        views[0][0] = 1.0
        views[1].add_(1)
        views[3].zero_()
        return [version(t) for t in (y, *views)] + [version(y.data), version(x)]

    _as_torch(run)


# -- .data -----------------------------------------------------------------------------------------------


def _what_data_is(tensor: Any) -> Any:
    data = tensor.data
    return [data.requires_grad, data.is_leaf, name(data), version(data), data._base is None, data]


def _data_changed(m: Any) -> Any:
    """The storage is shared, the version counter is not."""
    x = leaf(m)
    data = x.data
    data.add_(1)
    return [x, data, version(x), version(data), version(x.data)]


def _data_change_goes_unnoticed(m: Any) -> Any:
    x = leaf(m)
    y = (x * x).sum()
    x.data.mul_(2)
    y.backward()
    return {"x": x, "x.grad": x.grad, "version": version(x)}


def _data_set(m: Any) -> Any:
    x = leaf(m)
    y = (x * x).sum()
    x.data = m.tensor(np.full((2, 3), 5.0, dtype=np.float32))
    y.backward()
    return {"x": x, "x.grad": x.grad, "version": version(x), "requires_grad": x.requires_grad}


@pytest.mark.parametrize(
    "program",
    [
        case("of a leaf", lambda m: _what_data_is(leaf(m))),
        case("of a result", lambda m: _what_data_is(leaf(m) * 2)),
        case("of a view", lambda m: _what_data_is((leaf(m) * 2)[1:])),
        case("a change through it", _data_changed),
        case("a change goes unnoticed", _data_change_goes_unnoticed),
        case("set", _data_set),
        case("set to a list", lambda m: raised(lambda: setattr(leaf(m), "data", [1.0]))),
    ],
)
def test_data(program: Callable[..., Any]) -> None:
    _as_torch(program)


def test_data_shares_the_storage() -> None:
    x = leaf(minigrad)
    assert x.data.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


# -- grad modes --------------------------------------------------------------------------------------------


def _modes(m: Any) -> Any:
    x = leaf(m)
    seen = []

    def tracked() -> Any:
        return [m.is_grad_enabled(), (x * 2).requires_grad]

    seen.append(tracked())
    m.set_grad_enabled(False)  # as a function: at once
    seen.append(tracked())
    m.set_grad_enabled(True)
    with m.set_grad_enabled(False):
        seen.append(tracked())
        with m.enable_grad():
            seen.append(tracked())
        seen.append(tracked())
    seen.append(tracked())
    with m.no_grad():
        with m.set_grad_enabled(True):
            seen.append(tracked())
        seen.append(tracked())
    context = m.set_grad_enabled(False)  # made, not entered: already off
    seen.append(tracked())
    with context:
        seen.append(tracked())
    seen.append(tracked())
    try:
        with m.set_grad_enabled(False):
            raise ValueError
    except ValueError:
        seen.append(tracked())

    @m.no_grad()
    def untracked() -> Any:
        return tracked()

    @m.enable_grad()
    def forced() -> Any:
        return tracked()

    seen.append(untracked())
    with m.no_grad():
        seen.append(forced())
    seen.append(raised(lambda: m.set_grad_enabled(1)))
    return seen


def test_grad_modes() -> None:
    _as_torch(_modes)


def test_engines_keep_their_own_grad_modes() -> None:
    first, second = minigrad.make_engine("first"), minigrad.make_engine("second")
    x = second.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    first.set_grad_enabled(False)
    try:
        assert not first.is_grad_enabled() and second.is_grad_enabled()
        assert (x * 2).requires_grad
        with first.inference_mode():
            assert not second.tensor([1.0]).is_inference()
    finally:
        first.set_grad_enabled(True)


# -- inference mode ---------------------------------------------------------------------------------------


def _inference(m: Any) -> Any:
    x = leaf(m)
    with m.inference_mode():
        made = m.tensor(X)
        result = x * 2
        inside = {
            "grad enabled": m.is_grad_enabled(),
            "made": made.is_inference(),
            "result": [result.is_inference(), result.requires_grad, name(result)],
            "view": made[1:].is_inference(),
            "inplace on a normal tensor": raised(lambda: m.tensor(X).add_(1)),
        }
        with m.enable_grad():
            inside["under enable_grad"] = [m.is_grad_enabled(), (x * 2).requires_grad, (x * 2).is_inference()]
        with m.inference_mode(False):
            inside["inference_mode(False)"] = [m.is_grad_enabled(), m.tensor(X).is_inference()]
        tracked = m.tensor(X, requires_grad=True)
    outside = {
        "grad enabled": m.is_grad_enabled(),
        "x": x.is_inference(),
        "made + leaf": attempt(lambda: [(made + x).requires_grad, name(made + x)]),
        "made * leaf": raised(lambda: made * x),
        "leaf * made": raised(lambda: x * made),
        "made * 2": (made * 2).is_inference(),
        "view": made.t().is_inference(),
        "detach": made.detach().is_inference(),
        "data": made.data.is_inference(),
        "copy": m.tensor(made.numpy()).is_inference(),
        "add_": raised(lambda: made.add_(1)),
        "mul_": raised(lambda: made.mul_(2)),
        "setitem": raised(lambda: made.__setitem__(0, 1.0)),
        "zero_": raised(lambda: made.zero_()),
        "add_ under no_grad": _under_no_grad(m, lambda: made.add_(1)),
        "requires_grad_": raised(lambda: made.requires_grad_()),
        "made with requires_grad": [tracked.requires_grad, tracked.is_inference(), name(tracked * 2)],
        "tracked mul_": raised(lambda: tracked.mul_(2)),
    }
    return {"inside": inside, "outside": outside}


def test_inference_mode() -> None:
    _as_torch(_inference)


# -- SGD ----------------------------------------------------------------------------------------------------

SGD_OPTIONS = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.5},
    {"momentum": 0.9, "nesterov": True},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"momentum": 0.9, "weight_decay": 0.1, "maximize": True},
    {"momentum": 0.5, "dampening": 0.25, "weight_decay": 0.2},
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda options: ", ".join(options) or "plain")
@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
def test_sgd_steps(options: dict[str, Any], groups: bool) -> None:
    """Three steps, with a second group that sets its own lr and momentum; a parameter without a gradient
    is left alone."""

    def run(m: Any) -> Any:
        p, q, idle = leaf(m, X), leaf(m, [0.5, -1.5]), leaf(m, [1.0])
        params: Any = [p, q, idle]
        if groups:
            params = [{"params": [p, idle]}, {"params": q, "lr": 0.01, "momentum": 0.5}]
        optimizer = m.optim.SGD(params, lr=0.1, **options)
        values = []
        for _ in range(3):
            optimizer.zero_grad()
            ((p * p * _weights(m, (2, 3))).sum() + (q**3).sum()).backward()
            optimizer.step()
            values.append([p, q, idle])
        buffer = optimizer.state[p].get("momentum_buffer")
        return {"values": values, "buffer": buffer, "version": version(p), "idle.grad": idle.grad}

    _as_torch(run)


@pytest.mark.parametrize(
    "arguments",
    [
        case("negative lr", lambda m, p: m.optim.SGD([p], lr=-0.1)),
        case("negative momentum", lambda m, p: m.optim.SGD([p], lr=0.1, momentum=-1)),
        case("negative weight_decay", lambda m, p: m.optim.SGD([p], lr=0.1, weight_decay=-1)),
        case("nesterov without momentum", lambda m, p: m.optim.SGD([p], lr=0.1, nesterov=True)),
        case(
            "nesterov with dampening",
            lambda m, p: m.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        ),
        case("empty", lambda m, p: m.optim.SGD([], lr=0.1)),
        case("bare tensor", lambda m, p: m.optim.SGD(p, lr=0.1)),
        case("non-leaf", lambda m, p: m.optim.SGD([p * 2], lr=0.1)),
        case("in two groups", lambda m, p: m.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)),
        case("a group without params", lambda m, p: m.optim.SGD([{"lr": 0.1}], lr=0.1)),
        case("a set in a group", lambda m, p: m.optim.SGD([{"params": {p}}], lr=0.1)),
        case("not a tensor", lambda m, p: m.optim.SGD([1.0], lr=0.1)),
        case("an unknown option", lambda m, p: m.optim.SGD([p], lr=0.1, betas=1)),
        case(
            "negative dampening is accepted",
            lambda m, p: m.optim.SGD([p], lr=0.1, momentum=0.9, dampening=-0.1).defaults,
        ),
        case("defaults", lambda m, p: m.optim.SGD([p]).defaults),
        case(
            "a group's own options are not checked",
            lambda m, p: m.optim.SGD([{"params": [p], "lr": -1}], lr=0.1).param_groups[0]["lr"],
        ),
    ],
)
def test_sgd_arguments(arguments: Callable[..., Any]) -> None:
    _as_torch(lambda m: attempt(lambda: arguments(m, leaf(m))))


@pytest.mark.parametrize("set_to_none", [True, False, None])
def test_sgd_zero_grad(set_to_none: bool | None) -> None:
    def run(m: Any) -> Any:
        p = leaf(m)
        optimizer = m.optim.SGD([p], lr=0.1)
        (p * p).sum().backward()
        grad = p.grad
        optimizer.zero_grad() if set_to_none is None else optimizer.zero_grad(set_to_none=set_to_none)
        return {"grad": p.grad, "same tensor": p.grad is grad}

    _as_torch(run)


def test_sgd_warns_of_a_duplicate_parameter() -> None:
    for module in (torch, minigrad):
        p = leaf(module)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            module.optim.SGD([p, p], lr=0.1)


# -- what the conformance suite sees -------------------------------------------------------------------------


def _retained_twice(m: Any) -> Any:
    """retain_grad's .grad is a new tensor each pass (torch adds out of place there), a leaf's the same."""
    x = leaf(m)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    first_y, first_x = y.grad, x.grad
    (y * y).sum().backward()
    return {"y.grad": [first_y, y.grad, y.grad is first_y], "x.grad": [first_x, x.grad, x.grad is first_x]}


def _leaf_stops_requiring_grad(m: Any) -> Any:
    """A leaf that no longer requires grad when backward reaches it runs its hooks but keeps no .grad."""
    x, record = leaf(m), []
    x.register_hook(_log(record, "x"))
    out = (x * 3).sum()
    x.requires_grad_(False)
    out.backward()
    return {"calls": record, "x.grad": x.grad}


def _leaf_moved_into_the_graph(m: Any) -> Any:
    x, w = leaf(m), leaf(m, POSITIVE)
    out = (x * 3).sum()
    x.requires_grad_(False)
    x.mul_(w)
    return raised(out.backward)


@pytest.mark.parametrize(
    "program",
    [
        case("retained twice", _retained_twice),
        case("leaf stops requiring grad", _leaf_stops_requiring_grad),
        case("leaf moved into the graph", _leaf_moved_into_the_graph),
        case("detach_ of a view", lambda m: raised(lambda: (leaf(m) * 2)[1:].detach_())),
        case(
            "detach_ of a result",
            lambda m: (lambda y: [y.detach_() is y, y.requires_grad, name(y)])(leaf(m) * 2),
        ),
    ],
)
def test_tensor_odds_and_ends(program: Callable[..., Any]) -> None:
    _as_torch(program)


def test_the_adapter_declares_every_capability() -> None:
    """targets.torchlike finds the API of every capability on minigrad, with no adapter code."""
    from conformance.adapter import Capability
    from targets.torchlike import CAPABILITY_API, adapter_for_module

    capabilities = adapter_for_module(minigrad).capabilities
    assert set(CAPABILITY_API) | {Capability.NESTED_VJP, Capability.SGD_OPTIONS} <= capabilities


def test_backward_create_graph_declared_only_where_backward_takes_it() -> None:
    """`.backward(create_graph)` in CAPABILITY_API reads the signature: a keyword of its own or **kwargs
    declares BACKWARD_CREATE_GRAPH; a backward without either, or one without a signature, does not."""
    from conformance.adapter import Capability
    from targets.torchlike import takes_keyword

    assert takes_keyword(lambda gradient=None, create_graph=False: None, "create_graph")
    assert takes_keyword(lambda gradient=None, **options: None, "create_graph")
    assert not takes_keyword(lambda gradient=None, retain_graph=False: None, "create_graph")
    assert not takes_keyword(len, "create_graph")  # a builtin: no signature to read

    class Plain(minigrad.Tensor):
        def backward(self, gradient=None, retain_graph=None):  # no create_graph
            minigrad.Tensor.backward(self, gradient, retain_graph)

    module = types.ModuleType("plain_backward")
    module.__dict__.update({k: v for k, v in vars(minigrad).items() if not k.startswith("__")})
    module.tensor = lambda data, **kwargs: Plain(data, **kwargs)
    from targets.torchlike import adapter_for_module

    assert Capability.BACKWARD_CREATE_GRAPH in adapter_for_module(minigrad).capabilities
    assert Capability.BACKWARD_CREATE_GRAPH not in adapter_for_module(module).capabilities
