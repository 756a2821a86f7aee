"""Facts about TensorFlow, each asked twice: in TensorFlow's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, TensorFlow's answer, and two programs that ask it: one in TensorFlow
alone (``tf.GradientTape``, ``tf.Variable``, keras), one through ``targets.tensorflow.TensorflowAdapter``.
Both must give that answer. An adapter translates how a question is spelled, never what the engine
answers: where the tape model cannot be asked a question without a tape the adapter would have to add,
the adapter must say unsupported. Needs tensorflow-cpu (tox env ``tensorflow``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from conformance.adapter import Unsupported

tf = pytest.importorskip(
    "tensorflow", reason="tensorflow is not installed here; it runs in its own env (tox -e tensorflow)"
)

from targets.tensorflow import TensorflowAdapter  # noqa: E402  # imports tensorflow
from tests.facts import Fact  # noqa: E402

W = np.ones(3, dtype=np.float32)
ag = TensorflowAdapter()


def tensor(data: np.ndarray, *, requires_grad: bool = False) -> Any:
    return ag.tensor(data, device="cpu", requires_grad=requires_grad)


def offered(action: Callable[[], Any]) -> bool:
    """False when the adapter says TensorFlow cannot be asked (Unsupported), else True."""
    try:
        action()
    except Unsupported:
        return False
    return True


def differentiated_by_a_tape(source: Any, program: Callable[[Any], Any]) -> bool:
    """Whether a tape opened around ``program`` gives ``source`` a gradient without being told to watch it."""
    with tf.GradientTape() as tape:
        out = program(source)
    return tape.gradient(out, source) is not None


def engine_gradient(program: Callable[[Any], Any]) -> Any:
    x = tf.constant(W)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = program(x)
    return tape.gradient(out, x).numpy()


def adapter_gradient(program: Callable[[Any], Any]) -> Any:
    _, (grad,) = ag.vjp(program, [W], None, device="cpu")
    return ag.numpy(grad)


def engine_result_of_variable() -> bool:
    v = tf.Variable(W)
    y = 2 * v  # outside any tape
    with tf.GradientTape() as tape:
        pass
    return tape.gradient(y, v) is not None


def engine_assign_add() -> list[float]:
    v = tf.Variable(W)
    v.assign_add(tf.fill(v.shape, 1.0))  # assign_add(1.0) refuses: it needs the variable's shape
    return v.numpy().tolist()


def adapter_assign_add() -> list[float]:
    v = tensor(W, requires_grad=True)
    ag.add_(v, 1.0)
    return ag.numpy(v).tolist()


X = np.array([0.5, -1.0, 2.0], dtype=np.float32)


def engine_nested_tapes() -> list[float]:
    x = tf.constant(X)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            out = tf.reduce_sum(x**3)
        g = inner.gradient(out, x)  # recorded by the outer tape
        total = tf.reduce_sum(g)
    return outer.gradient(total, x).numpy().tolist()


def adapter_nested_vjp() -> list[float]:
    def first(x: Any) -> Any:
        _, (g,) = ag.vjp_nested(lambda t: ag.sum(t**3), [x], None)
        return ag.sum(g)

    _, (grad,) = ag.vjp(first, [X], None, device="cpu")
    return ag.numpy(grad).tolist()


def engine_several_outputs() -> Any:
    """tape.gradient of a list of targets with a list of output_gradients: the vjps added up."""
    x = tf.constant(np.array([0.5, -1.0, 2.0], np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        outs = [x * x, 3 * x]
    (g,) = tape.gradient(
        outs, [x], output_gradients=[tf.constant(np.array([1.0, 2.0, -1.0], np.float32)), tf.ones(3)]
    )
    return g.numpy().tolist()


def adapter_several_outputs() -> Any:
    x = np.array([0.5, -1.0, 2.0], np.float32)
    _, (g,) = ag.vjp_outputs(
        lambda t: (t * t, 3 * t),
        [x],
        [np.array([1.0, 2.0, -1.0], np.float32), np.ones(3, np.float32)],
        device="cpu",
    )
    return ag.numpy(g).tolist()


FACTS = {
    "a tape watches a tensor made with the default (tf.constant) unasked": Fact(
        False,
        lambda: differentiated_by_a_tape(tf.constant(W), lambda x: x * x),
        lambda: ag.requires_grad(tensor(W)),
    ),
    "a tape watches a tf.Variable made with the default (trainable) unasked": Fact(
        True,
        lambda: differentiated_by_a_tape(tf.Variable(W), lambda x: x * x),
        lambda: ag.requires_grad(tensor(W, requires_grad=True)),
    ),
    "a result computed outside a tape can be differentiated": Fact(
        False,
        engine_result_of_variable,
        lambda: ag.requires_grad(2 * tensor(W, requires_grad=True)),
    ),
    "an int64 tf.Variable is trainable and watched": Fact(
        True,
        lambda: tf.Variable(np.arange(3)).trainable,
        lambda: ag.requires_grad(tensor(np.arange(3), requires_grad=True)),
    ),
    "the gradient of a 3-element x * 3 with no output_gradients is": Fact(
        [3.0, 3.0, 3.0],
        lambda: engine_gradient(lambda x: x * 3).tolist(),
        lambda: adapter_gradient(lambda x: x * 3).tolist(),
    ),
    "the gradient of sum(x * x) for a float32 x is": Fact(
        "float32",
        lambda: str(engine_gradient(lambda x: tf.reduce_sum(x * x)).dtype),
        lambda: str(adapter_gradient(lambda x: ag.sum(x * x)).dtype),
    ),
    "stop_gradient makes sum(stop_gradient(x) * x) differentiate to": Fact(
        [1.0, 1.0, 1.0],
        lambda: engine_gradient(lambda x: tf.reduce_sum(tf.stop_gradient(x) * x)).tolist(),
        lambda: adapter_gradient(lambda x: ag.sum(ag.detach(x) * x)).tolist(),
    ),
    "assign_add(1) changes a variable in place to": Fact(
        [2.0, 2.0, 2.0], engine_assign_add, adapter_assign_add
    ),
    "a tf.Tensor can be changed in place": Fact(
        False,
        lambda: hasattr(tf.constant(W), "assign_add"),
        lambda: offered(lambda: ag.add_(tensor(W), 1.0)),
    ),
    "a tensor has backward() and .grad": Fact(
        False,
        lambda: hasattr(tf.constant(W), "backward") or hasattr(tf.Variable(W), "grad"),
        lambda: offered(lambda: ag.backward(ag.sum(tensor(W, requires_grad=True)))),
    ),
    "there is a no_grad context that needs no tape": Fact(
        False,
        lambda: hasattr(tf, "no_grad"),  # its no_grad is tape.stop_recording(), a method of one tape
        lambda: offered(ag.no_grad),
    ),
    "an optimizer steps from gradients the variables keep (torch's step())": Fact(
        False,
        lambda: hasattr(tf.keras.optimizers.SGD, "step") or hasattr(tf.Variable(W), "grad"),
        lambda: offered(lambda: ag.sgd([tensor(W, requires_grad=True)], 0.01)),
    ),
    "a tape inside a tape differentiates the inner gradient of sum(x**3) to": Fact(
        [3.0, -6.0, 12.0], engine_nested_tapes, adapter_nested_vjp
    ),
    "gradients can be returned for a result computed outside a tape (autograd.grad)": Fact(
        False,
        engine_result_of_variable,
        lambda: offered(lambda: ag.grad_of([ag.sum(tensor(W, requires_grad=True))], [])),
    ),
    "there is a global grad mode, a tensor hook or an inference mode": Fact(
        False,
        lambda: (
            any(hasattr(tf, name) for name in ("set_grad_enabled", "inference_mode"))
            or hasattr(tf.Variable(W), "register_hook")
        ),
        lambda: (
            offered(lambda: ag.set_grad_enabled(True))
            or offered(lambda: ag.register_hook(tensor(W, requires_grad=True), lambda g: g))
            or offered(ag.inference_mode)
        ),
    ),
    "the vjp of outputs (x * x, 3 * x) with cotangents (v, ones) is 2xv + 3": Fact(
        [4.0, -1.0, -1.0], engine_several_outputs, adapter_several_outputs
    ),
}


@pytest.mark.parametrize("fact", FACTS)
def test_adapter_answers_as_tensorflow_does(fact: str) -> None:
    answer, engine, adapter = FACTS[fact]
    by_engine = engine()
    assert by_engine == answer, f"TensorFlow itself now answers {by_engine!r}: update the fact"
    by_adapter = adapter()
    assert by_adapter == by_engine, (
        f"through the adapter: {by_adapter!r}, but TensorFlow answers {by_engine!r}: "
        "the adapter changes a behaviour"
    )
