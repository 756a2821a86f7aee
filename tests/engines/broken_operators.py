"""Engines that each carry one realistic bug in an operator or in the walk of the graph; the suite must
catch every one.

Registered as those of ``tests/engines/broken.py`` are, in the same ``ENGINES`` and with the same
``@caught_by``: ``pytest --target=tests.engines.broken_operators:relu_gradient_one_at_zero`` runs the
suite against one. Each overrides one method of minigrad: a node's ``backward`` (sometimes with what the
node saves, where the bug needs the input it should not use), or one step of the tensor's backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.engines.broken import Parts, caught_by
from tests.engines.minigrad import Node, Tensor
from tests.engines.minigrad_ops import (
    ClampBackward1,
    ExpBackward0,
    Grads,
    LogBackward0,
    MaximumBackward0,
    MulBackward0,
    ReluBackward0,
    SigmoidBackward0,
    SqrtBackward0,
    TanhBackward0,
)
from tests.engines.minigrad_reductions import (
    AmaxBackward0,
    MeanBackward1,
    ProdBackward0,
    SoftmaxBackward0,
    SumBackward1,
    VarBackward0,
    VectorMatrixBackward,
)
from tests.engines.minigrad_shapes import (
    CatBackward0,
    IndexBackward0,
    PermuteBackward0,
    SliceBackward0,
    TransposeBackward0,
)


def _variant(original: type[Node], *, subclasses: bool = False, **attributes: Any) -> Parts:
    """Engine parts in which ``original`` (and, with ``subclasses``, every node type derived from it, as
    prod's dim form is) has ``attributes`` instead; each keeps torch's node name."""
    variants: dict[type[Node], type[Node]] = {}

    def replace(node_type: type[Node]) -> type[Node]:
        if node_type is original or (subclasses and issubclass(node_type, original)):
            if node_type not in variants:
                variants[node_type] = type(node_type.__name__, (node_type,), attributes)
            return variants[node_type]
        return node_type

    def apply(self: Tensor, node_type: type[Node], *operands: Any, **options: Any) -> Tensor:
        return Tensor._apply(self, replace(node_type), *operands, **options)

    return _tensor(_apply=apply)


def _tensor(**methods: Any) -> Parts:
    return {"tensor_type": type("Tensor", (Tensor,), methods)}


def _from_input(original: type[Node], backward: Any) -> Parts:
    """``original`` saves its input rather than its result, and ``backward`` computes from it."""
    return _variant(original, backward=backward, saves=(0,), saves_output=False)


# -- element-wise derivatives -----------------------------------------------------------------------------


@caught_by("elementwise_unary.tanh")
def tanh_gradient_from_input() -> Parts:
    """tanh's gradient is computed as 1 - x**2 from the input, where it is 1 - tanh(x)**2 of the output."""
    return _from_input(TanhBackward0, lambda self, grad: (grad * (1 - self.saved[0] ** 2),))


@caught_by("elementwise_unary.sigmoid", "numerics.sigmoid_large")
def sigmoid_gradient_from_input() -> Parts:
    """sigmoid's gradient is computed as (1 - x) * x from the input instead of s * (1 - s) of the output."""
    return _from_input(SigmoidBackward0, lambda self, grad: (grad * (1 - self.saved[0]) * self.saved[0],))


@caught_by("elementwise_unary.exp")
def exp_gradient_is_input() -> Parts:
    """exp's backward multiplies by its input x instead of by its output exp(x)."""
    return _from_input(ExpBackward0, lambda self, grad: (grad * self.saved[0],))


@caught_by("elementwise_unary.log", "numerics.log_at_zero")
def log_gradient_squares_input() -> Parts:
    """log's backward divides by x**2 instead of x (the derivative of 1/x, one step too far)."""
    return _variant(LogBackward0, backward=lambda self, grad: (grad / self.saved[0] ** 2,))


@caught_by("elementwise_unary.sqrt")
def sqrt_gradient_missing_half() -> Parts:
    """sqrt's backward is grad / sqrt(x): the factor 1/2 of 1/(2 sqrt(x)) is forgotten."""
    return _variant(SqrtBackward0, backward=lambda self, grad: (grad / self.saved[0],))


@caught_by("conventions.relu_at_zero")
def relu_gradient_one_at_zero() -> Parts:
    """relu's backward passes the gradient where x >= 0, so relu'(0) = 1; torch defines it as 0."""
    return _from_input(ReluBackward0, lambda self, grad: (np.where(self.saved[0] >= 0, grad, 0 * grad),))


@caught_by("conventions.clamp_at_bounds")
def clamp_excludes_bounds() -> Parts:
    """clamp passes the gradient only strictly inside (min, max); torch passes it at the bounds too."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        low, high = self.options["min"], self.options["max"]
        inside = (x > (-np.inf if low is None else low)) & (x < (np.inf if high is None else high))
        return (np.where(inside, grad, 0 * grad),)

    return _variant(ClampBackward1, backward=backward)


@caught_by("conventions.maximum_ties")
def maximum_ties_to_first() -> Parts:
    """maximum(x, y) with x == y sends the whole gradient to x (x >= y wins) instead of half to each."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        x, y = self.saved
        return np.where(x >= y, grad, 0 * grad), np.where(x >= y, 0 * grad, grad)

    return _variant(MaximumBackward0, backward=backward)


@caught_by("elementwise_binary.mul")
def mul_second_operand_not_reduced() -> Parts:
    """mul records its output's shape for its second operand, so a broadcast y gets a gradient of the
    broadcast shape, never summed back to y's own."""

    def init(self: Node, inputs: tuple[Tensor, ...], output: Tensor, options: Any = None) -> None:
        MulBackward0.__init__(self, inputs, output, options)
        self.shapes = (self.shapes[0], output.shape)

    return _variant(MulBackward0, __init__=init)


# -- reductions ----------------------------------------------------------------------------------------------


@caught_by("reductions.sum")
def sum_dim_not_restored() -> Parts:
    """sum(x, dim)'s backward broadcasts the gradient without putting the reduced dim back first, so
    with keepdim=False it lines up with the wrong dims (or fails to broadcast)."""
    return _variant(SumBackward1, backward=lambda self, grad: (np.broadcast_to(grad, self.shapes[0]),))


@caught_by("reductions.mean")
def mean_dim_divides_by_every_element() -> Parts:
    """mean(x, dim)'s backward divides by the number of all elements, not by the reduced dims' size."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        shape, dim = self.shapes[0], self.options["dim"]
        restored = grad if self.options["keepdim"] else np.expand_dims(grad, dim)
        return (np.broadcast_to(restored / np.prod(shape, dtype=int), shape),)

    return _variant(MeanBackward1, backward=backward)


@caught_by("conventions.amax_ties")
def amax_ties_to_first() -> Parts:
    """amax gives the whole gradient to the first tied maximum, as argmax does, not an even share."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        x = self.saved[0]
        dim, keepdim = self.options["dim"], self.options["keepdim"]
        grad = grad if keepdim else np.expand_dims(grad, dim)
        moved = np.moveaxis(x, dim, tuple(range(-len(dim), 0)))
        flat = moved.reshape(*moved.shape[: moved.ndim - len(dim)], -1)
        first = np.zeros_like(flat)
        np.put_along_axis(first, np.argmax(flat, axis=-1)[..., np.newaxis], 1, axis=-1)
        one_hot = np.moveaxis(first.reshape(moved.shape), tuple(range(-len(dim), 0)), dim)
        return (grad * one_hot,)

    return _variant(AmaxBackward0, backward=backward)


@caught_by("conventions.prod_one_zero", "conventions.prod_two_zeros")
def prod_gradient_divides_by_input() -> Parts:
    """prod's gradient is computed as prod / x, which is nan or inf where x is 0."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        x, result = self.saved
        dim, keepdim = self.options.get("dim"), self.options.get("keepdim", False)
        if dim is not None and not keepdim:
            grad, result = np.expand_dims(grad, dim), np.expand_dims(result, dim)
        return (grad * result / x,)

    return _variant(ProdBackward0, subclasses=True, backward=backward)


@caught_by("reductions.var")
def var_gradient_ignores_correction() -> Parts:
    """var's backward divides by n, whatever the correction: the gradient of the biased variance."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        dim, keepdim = self.options["dim"], self.options["keepdim"]
        if dim is None:
            return (2.0 / x.size * grad * (x - x.mean()),)
        grad = grad if keepdim else np.expand_dims(grad, dim)
        count = np.prod([x.shape[d] for d in dim], dtype=int)
        return (2.0 / count * grad * (x - x.mean(axis=dim, keepdims=True)),)

    return _variant(VarBackward0, backward=backward)


@caught_by("reductions.softmax")
def softmax_gradient_missing_subtraction() -> Parts:
    """softmax's backward is s * grad: the term - s * sum(grad * s) of the Jacobian is left out."""
    return _variant(SoftmaxBackward0, backward=lambda self, grad: (self.saved[0] * grad,))


# -- matrix products, views, indexing ----------------------------------------------------------------------


@caught_by("linear_algebra.matmul")
def vector_matrix_gradient_reshaped() -> Parts:
    """vector @ matrix sends b the outer product grad ⊗ a reshaped to b's shape, where it should be
    a ⊗ grad: a reshape where a transpose was needed."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        a, b = self.saved
        return grad @ b.T, np.outer(grad, a).reshape(b.shape)

    return _variant(VectorMatrixBackward, backward=backward)


@caught_by("linear_algebra.transpose", "linear_algebra.mT")
def transpose_gradient_not_transposed() -> Parts:
    """transpose's backward returns the gradient as it came, not transposed back to the input's dims."""
    return _variant(TransposeBackward0, backward=lambda self, grad: (grad,))


@caught_by("linear_algebra.permute")
def permute_gradient_not_inverted() -> Parts:
    """permute's backward permutes the gradient by dims again instead of by their inverse: right only for
    a permutation that is its own inverse."""
    return _variant(PermuteBackward0, backward=lambda self, grad: (np.transpose(grad, self.options["dims"]),))


@caught_by("indexing.integer_arrays")
def index_gradient_overwrites_repeats() -> Parts:
    """x[index]'s backward assigns the gradient into place, so an index repeated keeps one gradient
    instead of their sum (assignment where np.add.at is needed)."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        result[self.options["index"]] = grad
        return (result,)

    return _variant(IndexBackward0, backward=backward)


@caught_by("indexing.basic_slices")
def slice_gradient_ignores_step() -> Parts:
    """x[a:b:k]'s backward writes the gradient into k-less consecutive positions from a."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        dim, start = self.options["dim"], self.options["start"]
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        result[(slice(None),) * dim + (slice(start, start + grad.shape[dim]),)] = grad
        return (result,)

    return _variant(SliceBackward0, backward=backward)


@caught_by("indexing.cat")
def cat_gradient_wrong_offsets() -> Parts:
    """cat's backward splits the gradient at offsets summed from the sizes of the inputs after each one,
    not before: right only when every input has the same extent."""

    def backward(self: Node, grad: np.ndarray) -> Grads:
        dim = self.options["dim"]
        offsets = np.cumsum([shape[dim] for shape in self.shapes[1:]])
        return tuple(np.split(grad, offsets, axis=dim))

    return _variant(CatBackward0, backward=backward)


# -- the walk of the graph -------------------------------------------------------------------------------------


@caught_by("generated_programs.scalar_programs", "generated_programs.vector_programs")
def not_topological() -> Parts:
    """Backward visits the nodes depth first from the root, each when first reached: a node reached along
    two paths runs before the second path has delivered its gradient, which is then lost."""

    def preorder(root: Node) -> list[Node]:
        order: list[Node] = []
        seen: set[Node] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                order.append(node)
                stack.extend(edge for edge in reversed(node.next) if isinstance(edge, Node))
        return order

    return _tensor(_topological_order=staticmethod(preorder))


@caught_by("generated_programs.scalar_programs", "generated_programs.vector_programs")
def shared_inputs_overwrite() -> Parts:
    """A node's gradients are collected in a dict keyed by input, so an input the node uses twice (x * x,
    cat([x, x])) keeps the last one instead of their sum."""

    def input_gradients(self: Tensor, node: Node, grad: np.ndarray) -> list[tuple[Any, np.ndarray]]:
        return list(dict(Tensor._input_gradients(self, node, grad)).items())

    return _tensor(_input_gradients=input_gradients)
