"""Engines with one realistic bug each in the autograd API beyond the tutorial, derived from minigrad.

autograd.grad, create_graph, hooks, in-place operations on results and views, ``.data``, gradient
ownership, the grad modes, inference_mode and SGD's options. Each is a zero-argument factory, so
``pytest --target=tests.engines.broken_api:hook_result_ignored`` runs the suite against it; ``@caught_by``
names the specs that must fail on it (``tests/test_broken_engines.py`` requires exactly those to fail in
their families). A bug in ``autograd.grad`` itself replaces the module's function (``grad=`` in the
parts): it is a module-level function in minigrad, as in torch.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from targets.torchlike import TorchLikeAdapter, adapter_for_module
from tests.engines import minigrad_autograd
from tests.engines.broken import ENGINES, BrokenEngine, Parts, _sgd, _tensor
from tests.engines.minigrad import SGD, EnableGrad, InferenceMode, SetGradEnabled, Tensor, make_engine
from tests.engines.minigrad_autograd import RemovableHandle, _Pass, _tuple
from tests.engines.minigrad_ops import SinBackward0


def caught_by(*spec_ids: str) -> Callable[[Callable[[], Parts]], Callable[[], TorchLikeAdapter]]:
    """As ``broken.caught_by``; the parts may also hold ``grad``, the module's autograd.grad."""

    def register(parts: Callable[[], Parts]) -> Callable[[], TorchLikeAdapter]:
        name = parts.__name__
        ENGINES[name] = BrokenEngine(name, " ".join((parts.__doc__ or "").split()), frozenset(spec_ids))

        @functools.wraps(parts)
        def factory() -> TorchLikeAdapter:
            given = dict(parts())
            grad = given.pop("grad", None)
            engine = make_engine(f"minigrad[{name}]", **given)
            if grad is not None:
                engine.autograd = types.SimpleNamespace(grad=grad, backward=engine.autograd.backward)
            return adapter_for_module(engine)

        return factory

    return register


# -- autograd.grad -------------------------------------------------------------------------------------


@caught_by(
    "autograd_grad.leaves_grad_untouched",
    "autograd_grad.existing_grad_unchanged",
    "higher_order.create_graph_leaves_grad_untouched",
    # the backward route's inner autograd.grad leaves its gradient in .grad, which backward adds to
    "higher_order.second_derivative",
    "higher_order.mixed_partials",
    "higher_order.hessian_vector_product",
    "higher_order.gradient_penalty",
)
def grad_accumulates_into_grad() -> Parts:
    """autograd.grad also adds what it returns into each leaf input's .grad, as an engine that builds it
    on backward does."""

    def grad(outputs: Any, inputs: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        results = minigrad_autograd.grad(outputs, inputs, *args, **kwargs)
        for given, found in zip(_tuple(inputs), results, strict=True):
            if found is not None and given.is_leaf:
                given._accumulate(np.array(found.array))
        return results

    return {"grad": grad}


@caught_by(
    "higher_order.create_graph_gradient_requires_grad",
    "higher_order.create_graph_leaves_grad_untouched",
    "higher_order.second_derivative",
    "higher_order.mixed_partials",
    "higher_order.hessian_vector_product",
    "higher_order.gradient_penalty",
)
def create_graph_ignored() -> Parts:
    """autograd.grad(create_graph=True) returns plain gradients, as if create_graph were False."""

    def grad(
        outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: Any = None, **kwargs: Any
    ) -> Any:
        kwargs["create_graph"] = False
        return minigrad_autograd.grad(outputs, inputs, grad_outputs, retain_graph, **kwargs)

    return {"grad": grad}


@caught_by("autograd_grad.several_outputs_add_up", "autograd_grad.several_outputs_vjp")
def several_outputs_last_pass_wins() -> Parts:
    """autograd.grad over several outputs runs one pass per output and keeps the last pass's gradients
    instead of adding them up."""

    def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, *args: Any, **kwargs: Any) -> Any:
        outputs = _tuple(outputs)
        seeds = [None] * len(outputs) if grad_outputs is None else list(_tuple(grad_outputs))
        kwargs.setdefault("retain_graph", True)
        results: Any = None
        for output, seed in zip(outputs, seeds, strict=True):
            results = minigrad_autograd.grad(
                [output], inputs, None if seed is None else [seed], *args, **kwargs
            )
        return results

    return {"grad": grad}


@caught_by("autograd_grad.allow_unused_gives_none")
def allow_unused_gives_zeros() -> Parts:
    """With allow_unused=True an unused input's gradient is zeros, not None."""

    def grad(outputs: Any, inputs: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        results = minigrad_autograd.grad(outputs, inputs, *args, **kwargs)
        return tuple(
            type(given)(np.zeros_like(given.array)) if found is None else found
            for given, found in zip(_tuple(inputs), results, strict=True)
        )

    return {"grad": grad}


@caught_by("autograd_grad.unused_input_refused", "autograd_grad.unused_input_error_class")
def unused_input_accepted() -> Parts:
    """An input the outputs do not reach gets None, as if allow_unused=True were always given."""

    def grad(outputs: Any, inputs: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        kwargs["allow_unused"] = True
        return minigrad_autograd.grad(outputs, inputs, *args, **kwargs)

    return {"grad": grad}


@caught_by("higher_order.second_derivative")
def sin_backward_not_differentiable() -> Parts:
    """sin's backward under create_graph multiplies by cos(x) computed from x's array: a constant, so the
    second derivative of sin misses -sin(x)."""

    def backward_graph(self: Any, grad: Any) -> tuple[Any, ...]:
        (x,) = self.saved_tensors
        return (grad * type(grad)(np.cos(x.array)),)

    variant = type("SinBackward0", (SinBackward0,), {"backward_graph": backward_graph})

    def apply(self: Tensor, node_type: Any, *operands: Any, **options: Any) -> Tensor:
        return Tensor._apply(self, variant if node_type is SinBackward0 else node_type, *operands, **options)

    return _tensor(_apply=apply)


# -- hooks -------------------------------------------------------------------------------------------------


class _HooksIgnored(_Pass):
    def _call_hooks(self, hooks: Any, grad: Any) -> Any:
        super()._call_hooks(hooks, grad)  # the hooks run, and what they return is dropped
        return grad


@caught_by(
    "hooks.leaf_hook_result_replaces_gradient",
    "hooks.intermediate_hook_result_flows_upstream",
    "hooks.hooks_run_in_registration_order",
    "hooks.removing_one_hook_keeps_the_other",
    "hooks.retained_grad_is_after_hooks",
)
def hook_result_ignored() -> Parts:
    """Hooks run, but the tensor a hook returns does not replace the gradient."""

    return _tensor(pass_type=_HooksIgnored)


class _StuckHandle(RemovableHandle):
    def remove(self) -> None:
        pass  # the hook stays


@caught_by("hooks.removed_hook_does_not_run", "hooks.removing_one_hook_keeps_the_other")
def removed_hook_still_runs() -> Parts:
    """handle.remove() leaves the hook in place: it keeps running."""

    def register_hook(self: Tensor, hook: Any) -> RemovableHandle:
        handle = Tensor.register_hook(self, hook)
        stuck = _StuckHandle.__new__(_StuckHandle)
        stuck.__dict__.update(handle.__dict__)
        return stuck

    return _tensor(register_hook=register_hook)


# -- in-place operations, .data, ownership ---------------------------------------------------------------


@caught_by("inplace.intermediate_mul_scales_gradient", "inplace.intermediate_inplace_node")
def inplace_keeps_old_node() -> Parts:
    """An in-place operation on a result changes its values but records nothing: the result keeps the
    node that made it, and its gradient misses the in-place factor."""

    def record_inplace(self: Any, node_type: Any, inputs: Any, options: Any) -> None:
        if self._base is not None:
            Tensor._record_inplace(self, node_type, inputs, options)

    return _tensor(_record_inplace=record_inplace)


@caught_by(
    "inplace.inplace_through_slice_reaches_base",
    "inplace.inplace_through_view_rebases_base",
    "inplace.assignment_through_transpose_reaches_base",
    # y[0] = 7 writes through the view y[0], as torch's index assignment does
    "inplace.index_assignment_cuts_gradient",
    "inplace.index_assignment_node",
)
def view_inplace_not_rebasing() -> Parts:
    """An in-place operation through a view records the node on the view only: the base's values change
    but its gradient does not."""

    def record_inplace(self: Any, node_type: Any, inputs: Any, options: Any) -> None:
        self._grad_fn, self._requires_grad = node_type(inputs, self, options), True

    return _tensor(_record_inplace=record_inplace)


@caught_by("inplace.data_edit_not_tracked")
def data_shares_version_counter() -> Parts:
    """x.data shares x's version counter, so an edit through it is caught at backward as a tracked
    in-place change would be."""

    def data(self: Tensor) -> Tensor:
        alias = type(self)(self.array, version=self._version)
        alias._inference = self._inference
        return alias

    return _tensor(data=property(data, Tensor.data.fset))


@caught_by(
    "grad_ownership.leaf_grad_does_not_alias_v",
    "grad_ownership.passed_through_gradient_not_aliased",
    "grad_ownership.leaves_do_not_share_grad",
)
def grad_aliases_incoming_gradient() -> Parts:
    """A leaf's first .grad is the incoming gradient array itself, not a copy: it aliases the v given to
    backward, and two leaves fed the same gradient share one."""

    def accumulate(self: Tensor, grad: np.ndarray) -> None:
        if self._grad is None:
            self._grad = type(self)(grad)
        else:
            self._grad.array += grad

    return _tensor(_accumulate=accumulate)


@caught_by(
    "higher_order.backward_create_graph_grad_has_node",
    "higher_order.second_derivative",
    "higher_order.mixed_partials",
    "higher_order.hessian_vector_product",
    "higher_order.gradient_penalty",
)
def backward_create_graph_ignored() -> Parts:
    """backward(create_graph=True) leaves a plain .grad, as if create_graph were False."""

    def backward(
        self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False
    ) -> None:
        Tensor.backward(self, gradient, retain_graph, False)

    return _tensor(backward=backward)


@caught_by("backward_errors.wrong_shape_gradient_refused", "backward_errors.wrong_shape_gradient_error_class")
def wrong_shape_gradient_reshaped() -> Parts:
    """backward(v) reshapes a v of another shape that has as many elements as the output."""

    def backward(
        self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False
    ) -> None:
        if gradient is not None and gradient.shape != self.shape and gradient.array.size == self.array.size:
            gradient = type(self)(gradient.array.reshape(self.shape))
        Tensor.backward(self, gradient, retain_graph, create_graph)

    return _tensor(backward=backward)


# -- grad modes -------------------------------------------------------------------------------------------


class _EnableGradIgnored(EnableGrad):
    def __enter__(self) -> None:
        self.previous = self.mode.enabled  # and the mode stays as it was


@caught_by("grad_modes.enable_grad_inside_no_grad")
def enable_grad_ignored() -> Parts:
    """enable_grad() inside no_grad changes nothing: results stay untracked."""
    return {"enable_grad_type": _EnableGradIgnored}


class _SetGradEnabledRestoresOnlyOn(SetGradEnabled):
    def __exit__(self, *exception: object) -> None:
        if self.previous:  # a mode that was off before the block is not put back
            self.mode.enabled = self.previous


@caught_by("grad_modes.set_grad_enabled_true_inside_no_grad")
def set_grad_enabled_restores_only_on() -> Parts:
    """Leaving a set_grad_enabled block puts grad mode back only when it was on before: after
    set_grad_enabled(True) inside no_grad, tracking stays on for the rest of the no_grad block."""
    return {"set_grad_enabled_type": _SetGradEnabledRestoresOnlyOn}


class _InferenceModeIsNoGrad(InferenceMode):
    def __enter__(self) -> None:
        self.previous = (self.mode.enabled, self.mode.inference)
        self.mode.enabled = not self.enabled  # grad off, but its tensors are ordinary ones


@caught_by(
    "grad_modes.inference_mode_results",
    "grad_modes.inference_tensor_saved_refused",
    "grad_modes.inference_tensor_saved_error_class",
    "grad_modes.inference_tensor_inplace_refused",
    "grad_modes.inference_tensor_inplace_error_class",
)
def inference_mode_is_no_grad() -> Parts:
    """inference_mode() only turns grad off: what it makes are ordinary tensors, which may later be saved
    for backward and changed in place."""
    return {"inference_mode_type": _InferenceModeIsNoGrad}


# -- the optimizer ----------------------------------------------------------------------------------------


@caught_by("optimizer.momentum_first_step_is_the_gradient", "optimizer.options_over_generated_steps")
def momentum_buffer_starts_at_zero() -> Parts:
    """The momentum buffer starts at zero and takes the dampened gradient on the first step, instead of
    being the gradient itself."""

    def update(self: SGD, param: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        if group["momentum"] != 0 and "momentum_buffer" not in self.state[param]:
            self.state[param]["momentum_buffer"] = type(param)(np.zeros_like(param.array))
        SGD._update(self, param, grad, group)

    return _sgd(_update=update)


@caught_by("optimizer.options_over_generated_steps")
def nesterov_ignored() -> Parts:
    """nesterov=True steps as plain momentum does."""

    def update(self: SGD, param: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        SGD._update(self, param, grad, {**group, "nesterov": False})

    return _sgd(_update=update)


@caught_by("optimizer.options_over_generated_steps")
def weight_decay_ignored() -> Parts:
    """weight_decay is accepted and never applied."""

    def update(self: SGD, param: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        SGD._update(self, param, grad, {**group, "weight_decay": 0})

    return _sgd(_update=update)


@caught_by("optimizer.zero_grad_keeps_zeros")
def zero_grad_always_sets_none() -> Parts:
    """zero_grad(set_to_none=False) sets .grad to None anyway."""

    def zero_grad(self: SGD, set_to_none: bool = True) -> None:
        SGD.zero_grad(self, set_to_none=True)

    return _sgd(zero_grad=zero_grad)
