"""micrograd as a target: Karpathy's scalar engine, a tensor being a NumPy object array of its Values.

Arithmetic on such an array is NumPy calling the Values' own operators element by element, and a sum
is NumPy adding Values. The array stays an array at 0-d, where NumPy would hand back the lone Value:
a lone Value times an array does not defer to NumPy but wraps the whole array in one Value. Each Value is made from the array's NumPy scalar, so a float32 array computes
in float32. micrograd has no requires_grad (every Value gets a .grad, 0 before backward), no
backward(v), no detach, no no_grad, no in-place arithmetic, no optimizer, no autograd.grad, no hooks,
no grad modes and no higher derivatives (a .grad is a number, not a Value); backward() exists on a
Value only, so backward() of a tensor with dims, even of one element, is unsupported: the question
cannot be put to micrograd, and the AttributeError NumPy's array would raise is not micrograd's answer.
"""

from __future__ import annotations

import operator
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from micrograd.engine import Value

from conformance.adapter import BaseAdapter, Capability, Unsupported


class _ValueArray(np.ndarray):
    """An object array of Values that NumPy keeps an array when a result is 0-d."""

    def __array_wrap__(self, array: Any, context: Any = None, return_scalar: bool = False) -> Any:
        return np.asarray(array).view(_ValueArray)


def _values(tensor: Any) -> np.ndarray:
    return np.asarray(tensor, dtype=object)


def _pow(x: Any, exponent: Any) -> Any:
    if not isinstance(exponent, int | float):
        raise Unsupported("pow with a tensor exponent (Value.__pow__ takes an int or a float)")
    return x**exponent


# The catalogue's operators (conformance.catalogue) that a Value computes and differentiates itself,
# applied by NumPy element by element; sum is NumPy adding Values, as the adapter's own sum is. Left
# out: what Value lacks (abs, exp, log, sqrt, sin, cos, tanh, sigmoid, reciprocal, maximum, minimum,
# where and every other reduction), mean (the adapter's mean is sum / size, built, not micrograd's),
# and everything NumPy's container would do itself (matmul, shape operations, indexing).
_OPERATORS: dict[str, Any] = {
    "neg": operator.neg,
    "relu": np.frompyfunc(Value.relu, 1, 1),
    "pow": _pow,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "sum": lambda x, dim=None, keepdim=False: np.sum(x, axis=dim, keepdims=keepdim),
}


_NON_SCALAR_BACKWARD = "backward() of a tensor with dims (micrograd has no tensors: backward() is Value.backward(), of one scalar)"


class MicrogradAdapter(BaseAdapter):
    name: ClassVar[str] = "micrograd"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # through Value.backward() and .grad: no functional API
            Capability.GRAPH_NODES,  # Value._prev, the children micrograd's own graph drawing walks
            Capability.BACKWARD,
            Capability.RETAIN_GRAPH,  # the graph is never freed: retain_graph=True is the only behaviour
            Capability.RETAIN_GRAD,  # every Value in the graph keeps its .grad: nothing to ask for
            Capability.ZERO_GRAD,  # spelled value.grad = 0, as micrograd's Module.zero_grad() does
            Capability.INTEGER_TENSORS,
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("micrograd.deviations")
    operators: ClassVar[dict[str, Any]] = _OPERATORS

    def version(self) -> str:
        return version("micrograd")

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Any:
        values = np.empty(data.size, dtype=object)
        values[:] = [Value(number) for number in data.flat]  # no requires_grad: every Value is tracked
        return values.reshape(data.shape).view(_ValueArray)

    def numpy(self, tensor: Any) -> np.ndarray:
        if isinstance(tensor, np.ndarray) and tensor.dtype != object:
            return tensor.copy()  # what grad() returned
        values = _values(tensor)
        return np.array([value.data for value in values.flat]).reshape(values.shape)

    def sum(self, tensor: Any) -> Any:
        return np.sum(tensor)

    def mean(self, tensor: Any) -> Any:
        # micrograd has no mean, and NumPy's divides by an np.intp count, which Value.__truediv__
        # refuses (it raises the count to the power -1); so mean is spelled sum / size
        return np.sum(tensor) / np.size(tensor)

    def is_leaf(self, tensor: Any) -> bool:
        return not self.has_node(tensor)

    def has_node(self, tensor: Any) -> bool:
        return all(value._prev for value in _values(tensor).flat)

    def backward(self, tensor: Any, gradient: Any = None, retain_graph: bool = False) -> None:
        if gradient is not None:
            raise Unsupported(Capability.BACKWARD_GRADIENT.value)
        if isinstance(tensor, np.ndarray) and tensor.ndim != 0:
            # the array is the adapter's container; micrograd has no tensors to call backward() on
            raise Unsupported(_NON_SCALAR_BACKWARD)
        value: Any = tensor[()] if isinstance(tensor, np.ndarray) else tensor
        value.backward()

    def grad(self, tensor: Any) -> np.ndarray:
        values = _values(tensor)
        return np.array([value.grad for value in values.flat]).reshape(values.shape)

    def zero_grad_of(self, tensor: Any) -> None:
        for value in _values(tensor).flat:
            value.grad = 0

    def retain_grad(self, tensor: Any) -> None:
        pass  # micrograd keeps the .grad of every Value anyway
