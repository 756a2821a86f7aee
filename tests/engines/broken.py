"""Engines that each carry one realistic bug, derived from minigrad; the suite must catch every one.

Each is a zero-argument factory returning an adapter, so ``pytest
--target=tests.engines.broken:accumulation_overwrites`` runs the suite against it. A factory's body
overrides one method of one minigrad part; ``@caught_by`` names the specs that must fail on it, and
``tests/test_broken_engines.py`` requires exactly those to fail in their families. A bug that no spec
catches yet says so with ``gap=``; its ``@caught_by`` then names the spec proposed to catch it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from targets.torchlike import TorchLikeAdapter, adapter_for_module
from tests.engines.minigrad import (
    SGD,
    DivBackward0,
    MeanBackward0,
    Node,
    NoGrad,
    PowBackward0,
    SubBackward0,
    Tensor,
    make_engine,
)

Parts = dict[str, Any]  # keyword arguments of minigrad.make_engine


@dataclass(frozen=True)
class BrokenEngine:
    name: str  # the factory's name: --target=tests.engines.broken:NAME
    bug: str  # what is wrong, in a sentence
    caught_by: frozenset[str]  # spec ids that must fail on it
    gap: str = ""  # when no spec catches it yet: what is missing


ENGINES: dict[str, BrokenEngine] = {}


def caught_by(
    *spec_ids: str, gap: str = ""
) -> Callable[[Callable[[], Parts]], Callable[[], TorchLikeAdapter]]:
    """Register a bug: the decorated function returns the engine parts that carry it."""

    def register(parts: Callable[[], Parts]) -> Callable[[], TorchLikeAdapter]:
        name = parts.__name__
        ENGINES[name] = BrokenEngine(name, " ".join((parts.__doc__ or "").split()), frozenset(spec_ids), gap)

        @functools.wraps(parts)
        def factory() -> TorchLikeAdapter:
            return adapter_for_module(make_engine(f"minigrad[{name}]", **parts()))

        return factory

    return register


def _tensor(**methods: Any) -> Parts:
    return {"tensor_type": type("Tensor", (Tensor,), methods)}


def _no_grad(**methods: Any) -> Parts:
    return {"no_grad_type": type("NoGrad", (NoGrad,), methods)}


def _sgd(**methods: Any) -> Parts:
    return {"sgd_type": type("SGD", (SGD,), methods)}


def _node(original: type[Node], backward: Callable[..., Any]) -> Parts:
    """Engine parts in which ``original`` computes ``backward`` instead; it keeps torch's node name."""
    variant = type(original.__name__, (original,), {"backward": backward})

    def apply(self: Tensor, node_type: type[Node], *operands: Any) -> Tensor:
        return Tensor._apply(self, variant if node_type is original else node_type, *operands)

    return _tensor(_apply=apply)


# -- accumulation, zeroing, where .grad lives -------------------------------------------------------


@caught_by(
    "accumulation.repeated_backward_adds",
    "accumulation.accumulates_over_generated_inputs",
    "accumulation.two_graphs_add",
    "retain_graph.retain_graph_allows_second_pass_that_adds",
)
def accumulation_overwrites() -> Parts:
    """Backward assigns .grad instead of adding into it, so only the last pass counts."""

    def overwrite(self: Tensor, grad: np.ndarray) -> None:
        self.grad = type(self)(np.array(grad))

    return _tensor(_accumulate=overwrite)


@caught_by("accumulation.zero_resets")
def zero_does_nothing() -> Parts:
    """grad.zero_() returns the tensor unchanged."""
    return _tensor(zero_=lambda self: self)


@caught_by("leaf_grad.grad_none_before_backward")
def leaf_grad_zeros_before_backward() -> Parts:
    """A tensor gets .grad of zeros when it starts requiring grad, as micrograd's Value does, not None."""

    def requires_grad_(self: Tensor, flag: bool = True) -> Tensor:
        Tensor.requires_grad_(self, flag)
        self.grad = type(self)(np.zeros_like(self.array)) if flag else None
        return self

    return _tensor(requires_grad_=requires_grad_)


@caught_by("leaf_grad.non_leaf_grad_unpopulated")
def non_leaf_grad_populated() -> Parts:
    """Every non-leaf keeps its gradient in .grad, asked or not."""
    return _tensor(_keeps_grad=lambda self: True)


@caught_by("leaf_grad.retain_grad_populates_non_leaf")
def retain_grad_ignored() -> Parts:
    """retain_grad() does nothing, so a non-leaf's .grad stays None."""
    return _tensor(retain_grad=lambda self: None)


# -- backward: where it starts, what it refuses, how it walks the graph -----------------------------


@caught_by(
    "backward_errors.non_scalar_refused",
    "backward_errors.non_scalar_error_class",
    "backward_errors.non_scalar_vjp_refused",  # the default vjp goes through the same backward
)
def non_scalar_backward_sums() -> Parts:
    """backward() on a non-scalar with no gradient starts from ones: it silently sums."""
    return _tensor(
        _seed=lambda self, gradient: np.ones_like(self.array) if gradient is None else gradient.array
    )


@caught_by("backward_errors.non_scalar_error_class")
def non_scalar_backward_value_error() -> Parts:
    """backward() on a non-scalar with no gradient is refused, but with ValueError, not RuntimeError."""

    def seed(self: Tensor, gradient: Tensor | None) -> np.ndarray:
        if gradient is None and self.array.size != 1:
            raise ValueError("grad can be implicitly created only for scalar outputs")
        return Tensor._seed(self, gradient)

    return _tensor(_seed=seed)


@caught_by("backward_errors.untracked_refused", "backward_errors.untracked_error_class")
def untracked_backward_does_nothing() -> Parts:
    """backward() on a result that requires no grad returns quietly."""

    def backward(self: Tensor, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if self.requires_grad:
            Tensor.backward(self, gradient, retain_graph)

    return _tensor(backward=backward)


@caught_by("vector_backward.random_v")
def backward_ignores_gradient() -> Parts:
    """backward(v) starts from ones whatever v is."""
    return _tensor(_seed=lambda self, gradient: np.ones_like(Tensor._seed(self, gradient)))


@caught_by("dtypes.gradient_dtype_matches_input", "dtypes.vjp_dtype_matches_input")
def gradient_promoted_to_float64() -> Parts:
    """backward() starts from np.ones(shape), float64, which promotes a float32 input's gradient."""

    def seed(self: Tensor, gradient: Tensor | None) -> np.ndarray:
        start = Tensor._seed(self, gradient)
        return np.ones(start.shape) if gradient is None else start

    return _tensor(_seed=seed)


@caught_by(
    "graph_structure.tensor_used_several_times",
    "graph_structure.shared_subexpression",
    "leaf_grad.non_leaf_grad_unpopulated",
    "leaf_grad.retain_grad_populates_non_leaf",
)
def shared_use_counted_once() -> Parts:
    """A tensor reached along several paths gets the last path's gradient, not their sum."""
    return _tensor(_sum_paths=staticmethod(lambda earlier, grad: grad))


@caught_by("graph_structure.broadcast_gradient_reduced")
def broadcast_gradient_not_reduced() -> Parts:
    """A broadcast input's gradient keeps the broadcast shape."""
    return _tensor(_unbroadcast=staticmethod(lambda grad, shape: grad))


@caught_by("graph_structure.broadcast_gradient_reduced")
def broadcast_reduces_leading_dimensions_only() -> Parts:
    """Broadcast gradients are summed over added leading dimensions, not over stretched size-1 ones."""
    return _tensor(
        _unbroadcast=staticmethod(lambda grad, shape: grad.sum(axis=tuple(range(grad.ndim - len(shape)))))
    )


@caught_by("retain_graph.second_backward_refused", "retain_graph.second_backward_error_class")
def graph_not_freed() -> Parts:
    """Backward never frees what the nodes saved, so a second backward is silently allowed."""
    return _tensor(_release=staticmethod(lambda order: None))


@caught_by(
    "retain_graph.retain_graph_allows_second_pass_that_adds",
    "retain_graph.second_backward_refused",
    "retain_graph.second_backward_error_class",
)
def visited_marks_persist() -> Parts:
    """The topological sort marks visited nodes on the nodes and never clears the marks, so a second
    pass through the same graph visits nothing and adds nothing."""

    def topological_order(root: Node) -> list[Node]:
        order: list[Node] = []

        def visit(node: Node) -> None:
            if not getattr(node, "visited", False):
                node.visited = True  # type: ignore[attr-defined]
                for edge in node.next:
                    if isinstance(edge, Node):
                        visit(edge)
                order.append(node)

        visit(root)
        return order[::-1]

    return _tensor(_topological_order=staticmethod(topological_order))


# -- local derivatives -------------------------------------------------------------------------------


@caught_by(
    "scalar_backward.mean_gradient",
    "scalar_backward.sum_gradient",
    "scalar_backward.tutorial_example",
    "scalar_backward.single_element_backward",
    "vector_backward.ones_equals_sum",
    "vector_backward.random_v",
)
def pow_gradient_drops_exponent() -> Parts:
    """d(x**n)/dx is computed as x**(n-1), without the factor n: x**2 differentiates to x."""

    def backward(self: Node, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        base, exponent = self.saved
        return grad * base ** (exponent - 1), None

    return _node(PowBackward0, backward)


@caught_by(
    "scalar_backward.mean_gradient",
    "scalar_backward.tutorial_example",
    "optimizer.step_over_generated_inputs",
    # the options' specs step on a mean's gradient too
    "optimizer.momentum_first_step_is_the_gradient",
    "optimizer.options_over_generated_steps",
    "optimizer.parameter_groups",
)
def mean_gradient_not_divided() -> Parts:
    """mean's gradient is the gradient of sum: the division by n is forgotten."""
    return _node(MeanBackward0, lambda self, grad: (np.broadcast_to(grad, self.shapes[0]),))


@caught_by("operators.binary_gradients")
def sub_gradient_wrong_sign() -> Parts:
    """a - b sends +grad to b instead of -grad."""
    return _node(SubBackward0, lambda self, grad: (grad, grad))


@caught_by("operators.binary_gradients")
def div_gradient_ignores_divisor() -> Parts:
    """a / b sends grad to a instead of grad / b."""

    def backward(self: Node, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved
        return grad, -grad * a / (b * b)

    return _node(DivBackward0, backward)


# -- the requires_grad flag and graph nodes -----------------------------------------------------------


@caught_by("tracking.requires_grad_false_in_place")
def requires_grad_false_ignored() -> Parts:
    """requires_grad_(False) leaves the flag on."""
    return _tensor(requires_grad_=lambda self, flag=True: Tensor.requires_grad_(self, flag) if flag else self)


@caught_by(
    "tracking.results_of_tracked_tensors_are_tracked",
    "tracking.requires_grad_true_in_place_enables_backward",
    "graph_nodes.results_carry_a_node",
    "graph_nodes.leaves_carry_no_node",
)
def tracked_only_if_all_inputs_are() -> Parts:
    """An operation records a node only when all its inputs require grad, so 2 * x is untracked."""
    return _tensor(
        _records=lambda self, inputs: self.grad_mode.enabled and all(t.requires_grad for t in inputs)
    )


@caught_by(
    "dtypes.integer_tensor_cannot_require_grad",
    "dtypes.integer_requires_grad_error_class",
    "dtypes.integer_vjp_refused",
)
def integer_requires_grad_allowed() -> Parts:
    """requires_grad=True is accepted on an int64 tensor: requires_grad_ checks nothing."""

    def requires_grad_(self: Tensor, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    return _tensor(requires_grad_=requires_grad_)


@caught_by(
    "node_names.tutorial_node_names", "node_names.power_and_sum_node_names", "node_names.operator_node_names"
)
def node_names_unsuffixed() -> Parts:
    """Nodes are named AddBackward, MulBackward, ...: torch's names without the trailing 0."""

    def apply(self: Tensor, node_type: type[Node], *operands: Any) -> Tensor:
        renamed = type(node_type.__name__.rstrip("0123456789"), (node_type,), {})
        return Tensor._apply(self, renamed, *operands)

    return _tensor(_apply=apply)


# -- detach --------------------------------------------------------------------------------------------


@caught_by(
    "detach.detach_returns_untracked",
    "detach.detach_shares_writes",
    "detach.detach_blocks_gradient",
    "detach.inplace_change_through_detached_refused",  # the leaf itself is changed in place
    "detach.inplace_change_through_detached_error_class",
)
def detach_returns_self() -> Parts:
    """detach() returns the tensor itself, still tracked."""
    return _tensor(detach=lambda self: self)


@caught_by(
    "detach.detach_shares_storage",
    "detach.detach_shares_writes",
    "detach.inplace_change_through_detached_refused",  # the change never reaches the saved tensor
    "detach.inplace_change_through_detached_error_class",
)
def detach_copies() -> Parts:
    """detach() copies the data instead of sharing the storage."""
    return _tensor(detach=lambda self: type(self)(self.array.copy()))


@caught_by("detach.detach_inplace_untracks")
def detach_inplace_does_nothing() -> Parts:
    """detach_() returns the tensor unchanged, still requiring grad."""
    return _tensor(detach_=lambda self: self)


@caught_by(
    "detach.inplace_change_through_detached_refused",
    "detach.inplace_change_through_detached_error_class",
)
def detach_has_own_version_counter() -> Parts:
    """detach() shares the storage but not the version counter: a change through the detached tensor
    goes unnoticed, and backward returns a wrong gradient."""
    return _tensor(detach=lambda self: type(self)(self.array))


# -- no_grad -------------------------------------------------------------------------------------------


@caught_by(
    "no_grad.results_untracked_inside",
    "no_grad.nested_blocks",
    "no_grad.values_from_inside_are_constants",
    "no_grad.inplace_update_of_leaf_allowed_inside",
)
def no_grad_does_not_disable() -> Parts:
    """no_grad() is a context that changes nothing."""

    def enter(self: NoGrad) -> None:
        self.previous = self.mode.enabled

    return _no_grad(__enter__=enter)


@caught_by(
    "no_grad.tracking_restored_after_exception",
    # tracking then stays off for the rest of the run, so the next spec's backward finds no graph
    "no_grad.values_from_inside_are_constants",
)
def no_grad_not_restored_after_exception() -> Parts:
    """no_grad() restores tracking only when its block ends normally, not when an exception leaves it."""

    def exit_(self: NoGrad, exception_type: object, *rest: object) -> None:
        if exception_type is None:
            self.mode.enabled = self.previous

    return _no_grad(__exit__=exit_)


@caught_by("no_grad.nested_blocks")
def no_grad_exit_enables_tracking() -> Parts:
    """Leaving a no_grad block turns tracking on, even inside an outer no_grad block."""

    def exit_(self: NoGrad, *exception: object) -> None:
        self.mode.enabled = True

    return _no_grad(__exit__=exit_)


# -- in place ------------------------------------------------------------------------------------------


@caught_by(
    "inplace.leaf_inplace_refused",
    "inplace.leaf_inplace_error_class",
    "inplace.refused_leaf_change_leaves_values",
)
def leaf_inplace_allowed() -> Parts:
    """add_ on a leaf that requires grad is allowed outside no_grad."""
    return _tensor(_check_inplace=lambda self: None)


@caught_by(
    "inplace.saved_tensor_modified_refused",
    "inplace.saved_tensor_modified_error_class",
    "inplace.saved_tensor_modified_through_view_refused",
    "inplace.saved_tensor_modified_through_view_error_class",
)
def inplace_keeps_version() -> Parts:
    """In-place changes do not bump the version counter, so a changed saved tensor gives a wrong grad."""
    return _tensor(_modified=lambda self: None)


# -- the optimizer -------------------------------------------------------------------------------------


@caught_by(
    "optimizer.step_subtracts_learning_rate_times_grad",
    "optimizer.step_over_generated_inputs",
    "optimizer.step_updates_in_place",
    "optimizer.momentum_first_step_is_the_gradient",
    "optimizer.options_over_generated_steps",
    "optimizer.parameter_groups",
)
def sgd_step_adds() -> Parts:
    """SGD.step does p += lr * grad: gradient ascent."""

    def step(self: SGD) -> None:
        for param in self.params:
            param.array += self.lr * param.grad.array

    return _sgd(step=step)


@caught_by(
    "optimizer.step_subtracts_learning_rate_times_grad",
    "optimizer.step_over_generated_inputs",
    "optimizer.step_updates_in_place",
    "optimizer.momentum_first_step_is_the_gradient",
    "optimizer.options_over_generated_steps",
    "optimizer.parameter_groups",
)
def sgd_ignores_learning_rate() -> Parts:
    """SGD.step does p -= grad, as if lr were 1."""

    def step(self: SGD) -> None:
        for param in self.params:
            param.array -= param.grad.array

    return _sgd(step=step)


@caught_by("optimizer.bare_tensor_rejected", "optimizer.bare_tensor_error_class")
def sgd_accepts_bare_tensor() -> Parts:
    """SGD(weights, lr) wraps a bare tensor in a list instead of refusing it."""

    def init(self: SGD, params: Any, lr: float, **options: Any) -> None:
        SGD.__init__(self, [params] if isinstance(params, Tensor) else params, lr, **options)

    return _sgd(__init__=init)


@caught_by("optimizer.zero_grad_sets_none")
def zero_grad_zeroes() -> Parts:
    """zero_grad() zeroes .grad in place instead of setting it to None (torch's default before 2.0)."""

    def zero_grad(self: SGD, set_to_none: bool = True) -> None:
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()

    return _sgd(zero_grad=zero_grad)


@caught_by(
    "optimizer.step_updates_in_place",
    "optimizer.options_over_generated_steps",
    "optimizer.parameter_groups",
)
def sgd_step_rebinds_data() -> Parts:
    """SGD.step binds each parameter to a new array instead of updating its storage in place."""

    def step(self: SGD) -> None:
        for param in self.params:
            param.array = param.array - self.lr * param.grad.array

    return _sgd(step=step)


# -- found unmeasured by an audit ------------------------------------------------------------------


@caught_by(
    "dtypes.integer_tensor_cannot_require_grad",
    "dtypes.integer_requires_grad_error_class",
    "dtypes.integer_vjp_refused",
)
def integer_gradient_zeros() -> Parts:
    """An int64 tensor may require grad and is given a gradient of zeros, as jax.vjp answers an integer
    input with float0 zeros, so a vjp over it returns zeros instead of being refused."""

    def requires_grad_(self: Tensor, flag: bool = True) -> Tensor:
        if self.dtype.kind in "fc":
            return Tensor.requires_grad_(self, flag)
        self.requires_grad = flag
        return self

    def accumulate(self: Tensor, grad: np.ndarray) -> None:
        Tensor._accumulate(self, grad if self.dtype.kind in "fc" else np.zeros_like(self.array))

    return _tensor(requires_grad_=requires_grad_, _accumulate=accumulate)


def _grad_reads(read: Callable[[Tensor], Tensor | None]) -> Parts:
    """Engine parts whose .grad reads as ``read`` says; backward still writes it."""

    def write(self: Tensor, value: Tensor | None) -> None:
        self._grad = value

    return _tensor(grad=property(read, write))


@caught_by("leaf_grad.non_leaf_grad_read_warns")
def non_leaf_grad_read_silent() -> Parts:
    """.grad is a plain attribute: reading it on a non-leaf gives None without torch's warning."""
    return _grad_reads(lambda self: self._grad)


@caught_by("leaf_grad.non_leaf_grad_read_warns", "leaf_grad.non_leaf_grad_unpopulated")
def non_leaf_grad_reads_zeros() -> Parts:
    """A non-leaf's unpopulated .grad reads as zeros, as micrograd's Value.grad starts at 0, not None."""

    def read(self: Tensor) -> Tensor | None:
        if self._grad is None and not self.is_leaf and not self._retains_grad:
            return type(self)(np.zeros_like(self.array))
        return self._grad

    return _grad_reads(read)
