"""minigrad's backward pass: ``Tensor.backward``, ``autograd.grad`` and ``autograd.backward``, and hooks.

One pass serves all three, as torch's engine does. It starts from the outputs' gradients and visits the
nodes in torch's order (a node runs once every node that sends it a gradient has run; of those ready,
the one made last first), summing the gradients of every path. Before a node runs, the hooks registered
on the tensor it made see that tensor's whole gradient and may replace it, and a tensor that retains its
gradient keeps it; a leaf's hooks see its gradient before it is added into ``.grad``. ``autograd.grad``
runs only the nodes that lead to its inputs and returns their gradients instead of adding them into
``.grad``.

With ``create_graph=False`` the gradients are NumPy arrays and each node's ``backward`` computes them:
nothing is recorded. With ``create_graph=True`` they are tensors, each node's ``backward_graph``
computes them with recorded operations, and grad mode is on throughout, as torch runs it, so the
gradients can be differentiated again.

Each step a broken engine (``tests/engines/broken.py``) changes is a method of the tensor:
``_seed``, ``_topological_order``, ``_input_gradients``, ``_sum_paths``, ``_unbroadcast``,
``_release``, ``_keeps_grad``, ``_accumulate``.
"""

from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from tests.engines.minigrad_node import Node, Operations, sum_to, sum_to_graph, torch_type

Tensor = Any  # a minigrad Tensor (tests/engines/minigrad.py), which inherits these methods
Gradient = Any  # a NumPy array (create_graph=False) or a tensor (create_graph=True)

_REFERENCE_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
    "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
    "to None after use to break the cycle and avoid the leak."
)
_warned: set[str] = set()  # torch gives some warnings once per process
_handles = itertools.count()


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook away (twice is harmless)."""

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        self.hooks_dict = hooks
        self.id = next(_handles)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exception: object) -> None:
        self.remove()


class _GraphRoot:
    """Where the pass starts: its edges are the outputs' nodes (or the outputs, when they are leaves)."""

    def __init__(self, edges: tuple[Any, ...]) -> None:
        self.next = edges


# -- the public functions -----------------------------------------------------------------------------


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """torch.autograd.grad: the gradients of the sum of ``outputs`` (each weighted by its grad_output)
    with respect to each of ``inputs``; no ``.grad`` changes::

        (dx,) = engine.autograd.grad(y.sum(), x)
        (d2x,) = engine.autograd.grad(engine.autograd.grad(y.sum(), x, create_graph=True)[0].sum(), x)
    """
    outputs, inputs = _tuple(outputs), _tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
            "allow_unused=False."
        )
    gradients = _gradients(outputs, grad_outputs)
    for given in inputs:
        if not isinstance(given, Operations):
            raise RuntimeError(
                f"all inputs have to be Tensors or GradientEdges, but got {type(given).__name__}"
            )
        if not given.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    keys = [given.grad_fn or given for given in inputs]  # where each input's gradient is caught
    captured: dict[Any, Gradient] = {}
    if outputs:
        retain = create_graph if retain_graph is None else retain_graph
        seeds = [out._start(gradient, create_graph) for out, gradient in zip(outputs, gradients, strict=True)]
        captured = outputs[0]._run_backward(outputs, seeds, inputs, retain, create_graph)
    results: list[Tensor | None] = []
    for index, (given, key) in enumerate(zip(inputs, keys, strict=True)):
        found = captured.get(key)
        if found is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {index} appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        if found is None:
            results.append(type(given)(np.zeros_like(given.array)) if materialize_grads else None)
        else:
            results.append(found if create_graph else type(given)(np.array(found)))
    return tuple(results)


def backward(
    tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """torch.autograd.backward: ``tensors[i].backward(grad_tensors[i])`` for all of them in one pass."""
    tensors = _tuple(tensors)
    gradients = _gradients(tensors, grad_tensors)
    seeds = [out._start(gradient, create_graph) for out, gradient in zip(tensors, gradients, strict=True)]
    if create_graph and "create_graph" not in _warned:
        _warned.add("create_graph")
        warnings.warn(_REFERENCE_CYCLE, UserWarning, stacklevel=3)
    retain = create_graph if retain_graph is None else retain_graph
    tensors[0]._run_backward(tensors, seeds, None, retain, create_graph)


def _tuple(tensors: Any) -> tuple[Any, ...]:
    return (tensors,) if isinstance(tensors, Operations) else tuple(tensors)


def _gradients(outputs: tuple[Tensor, ...], given: Any) -> list[Tensor | None]:
    """The gradient given for each output, checked as torch checks them before the pass."""
    gradients = (None,) * len(outputs) if given is None else _tuple(given)
    for index, (out, gradient) in enumerate(zip(outputs, gradients, strict=False)):
        if gradient is not None and not isinstance(gradient, Operations):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(gradient).__name__}")
        if gradient is not None and gradient.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of torch.Size({list(gradient.shape)}) "
                f"and output[{index}] has a shape of torch.Size({list(out.shape)})."
            )
    if len(gradients) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(gradients)} gradients")
    for index, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
    return list(gradients[: len(outputs)])


# -- the tensor's methods -------------------------------------------------------------------------------


class AutogradMethods(Operations):
    """backward, hooks and the steps of the pass, as methods of the tensor."""

    grad_mode: Any
    grad_fn: Node | None
    _grad: Any
    _grad_fn: Node | None
    _retains_grad: bool
    _hooks: dict[int, Callable[..., Any]] | None = None  # a leaf's own; a result's are its node's
    pass_type: ClassVar[type[_Pass]]  # what runs one backward pass: _Pass, set below it

    def backward(
        self, gradient: Tensor | None = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        if gradient is None and not create_graph and self.requires_grad:  # the common case, kept quick
            self._run_backward((self,), (self._seed(None),), None, bool(retain_graph), False)
        else:
            backward(self, gradient, retain_graph, create_graph)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """``hook(grad)`` runs when this tensor's gradient is known; what it returns (unless None)
        replaces the gradient. A leaf keeps its hooks, a result's go to the node that made it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn
        if node is None:
            hooks = self._hooks = self._hooks if self._hooks is not None else {}
        else:
            hooks = node.tensor_hooks = node.tensor_hooks if node.tensor_hooks is not None else {}
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # -- the pass ------------------------------------------------------------------------------------

    def _start(self, gradient: Tensor | None, create_graph: bool) -> Gradient:
        """Where the pass starts for this output: ``_seed``'s array, or under ``create_graph`` the
        given gradient itself, so that the result depends on it."""
        seed = self._seed(gradient)
        if not create_graph:
            return seed
        return gradient if gradient is not None and seed is gradient.array else type(self)(seed)

    def _seed(self, gradient: Tensor | None) -> np.ndarray:
        """The gradient backward starts from: ``gradient`` (in this tensor's dtype, as torch casts it), or
        1 for a single-valued result."""
        if gradient is None:
            if self.array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            return np.ones_like(self.array)
        seed = np.asarray(gradient.array if isinstance(gradient, Operations) else gradient)
        if seed.shape != self.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of torch.Size({list(seed.shape)}) and "
                f"output[0] has a shape of torch.Size({list(self.shape)})."
            )
        return seed if seed.dtype == self.dtype else seed.astype(self.dtype)

    def _run_backward(
        self,
        outputs: Sequence[Tensor],
        seeds: Sequence[Gradient],
        inputs: Sequence[Tensor] | None,
        retain_graph: bool,
        create_graph: bool,
    ) -> dict[Any, Gradient]:
        """One pass; with ``inputs``, the gradients caught for them (by their node, or the leaf)."""
        mode = self.grad_mode
        previous, mode.enabled = mode.enabled, create_graph  # torch runs backward in this grad mode
        try:
            with np.errstate(all="ignore"):  # torch gives inf and nan without a warning
                return self.pass_type(self, create_graph, inputs).run(outputs, seeds, retain_graph)
        finally:
            mode.enabled = previous

    @staticmethod
    def _topological_order(root: Any) -> list[Any]:
        """Every node reachable from ``root``, each before the nodes it sends gradients to, in torch's
        order: the one made last first. A node sends gradients only to nodes made before it (its inputs
        were there first), so that order is topological, and it is the order torch's engine runs them in:
        of the nodes whose every sender has run, it takes the one made last."""
        reached: set[Node] = set()
        stack = [root]
        while stack:
            for edge in stack.pop().next:
                if isinstance(edge, Node) and edge not in reached:
                    reached.add(edge)
                    stack.append(edge)
        return [root, *sorted(reached, key=operator.attrgetter("sequence_nr"), reverse=True)]

    def _input_gradients(self, node: Node, grad: np.ndarray) -> list[tuple[Node | Tensor, np.ndarray]]:
        """Where ``node`` sends gradients: (an input's node or leaf, its gradient in its shape) per input
        that wants one; an input used twice by the node appears twice."""
        grads = node.backward(grad)
        return [
            (edge, self._unbroadcast(input_grad, shape))
            for edge, shape, input_grad in zip(node.next, node.shapes, grads, strict=True)
            if edge is not None
        ]

    def _input_gradients_graph(self, node: Node, grad: Tensor) -> list[tuple[Node | Tensor, Tensor]]:
        """:meth:`_input_gradients` with recorded operations (``create_graph=True``)."""
        grads = node.backward_graph(grad)
        return [
            (edge, input_grad if input_grad.shape == shape else sum_to_graph(input_grad, shape))
            for edge, shape, input_grad in zip(node.next, node.shapes, grads, strict=True)
            if edge is not None
        ]

    @staticmethod
    def _sum_paths(earlier: Gradient | None, grad: Gradient) -> Gradient:
        """A tensor reached along several paths gets the sum of their gradients."""
        return grad if earlier is None else earlier + grad

    _unbroadcast = staticmethod(sum_to)  # a broadcast input's gradient summed back to its shape

    @staticmethod
    def _release(order: Iterable[Node]) -> None:
        for node in order:
            node.release()

    def _keeps_grad(self) -> bool:
        """Whether a non-leaf keeps its gradient in .grad: only after retain_grad()."""
        return self._retains_grad

    def _accumulate(self, grad: np.ndarray) -> None:
        """torch's AccumulateGrad: the first gradient becomes .grad, later ones add into it."""
        if self._grad is None:
            self._grad = type(self)(np.array(grad))  # a copy: grad may be a read-only broadcast view
        else:
            self._grad.array += grad

    def _accumulate_graph(self, grad: Tensor) -> None:
        """AccumulateGrad under ``create_graph``: a recorded copy (CopyBackwards), then recorded sums."""
        if self._grad is None:
            self._grad = type(self)(np.empty_like(grad.array)).copy_(grad)
        else:
            self._grad = self._grad + grad

    def _retain(self, grad: np.ndarray) -> None:
        """retain_grad's .grad: a copy, then a new sum each pass (torch adds out of place here)."""
        self._grad = type(self)(np.array(grad) if self._grad is None else self._grad.array + grad)

    def _retain_graph(self, grad: Tensor) -> None:
        """retain_grad's .grad under ``create_graph``: a recorded clone, then recorded sums."""
        self._grad = grad.clone() if self._grad is None else self._grad + grad


class _Pass:
    """One backward pass from ``outputs``; with ``inputs``, only towards them (``autograd.grad``)."""

    def __init__(self, tensor: AutogradMethods, graph: bool, inputs: Sequence[Tensor] | None) -> None:
        self.tensor = tensor  # whose methods run the steps
        self.graph = graph
        self.inputs = inputs
        self.input_nodes: set[Node] = set()
        self.input_leaves: set[Tensor] = set()
        for given in inputs or ():
            node = given.grad_fn
            self.input_nodes.add(node) if node is not None else self.input_leaves.add(given)
        self.captured: dict[Any, Gradient] = {}

    def run(
        self, outputs: Sequence[Tensor], seeds: Sequence[Gradient], retain_graph: bool
    ) -> dict[Any, Gradient]:
        tensor, graph, input_nodes = self.tensor, self.graph, self.input_nodes
        edges = tuple(out.grad_fn or out for out in outputs)
        start = _GraphRoot(edges)
        order = tensor._topological_order(start)
        order = order[1:] if order[0] is start else [node for node in order if node is not start]
        pending: dict[Any, Gradient] = {}
        for edge, seed in zip(edges, seeds, strict=True):
            pending[edge] = tensor._sum_paths(pending.get(edge), seed)
        complete = self._complete_leaves(order)
        arriving, running = self._wanted(order)
        step = tensor._input_gradients_graph if graph else tensor._input_gradients
        for index, node in enumerate(order):
            grad = pending.pop(node, None)
            if grad is not None and (arriving is None or node in arriving):
                # the node's whole gradient is in: the hooks of the tensor it made, then retain_grad
                if node.tensor_hooks:
                    grad = self._call_hooks(node.tensor_hooks, grad)
                output = node.output()
                if output is not None and output._grad_fn is node and output._keeps_grad():
                    if graph:
                        output._retain_graph(grad)
                    else:
                        output._retain(grad)
                if input_nodes and node in input_nodes:
                    self.captured[node] = grad
                if running is None or node in running:
                    for edge, input_grad in step(node, grad):
                        pending[edge] = tensor._sum_paths(pending.get(edge), input_grad)
                    if not retain_graph:  # as torch's engine: a node lets its saved tensors go once it
                        tensor._release([node])  # has run, so a pass that fails later freed what ran
            if index in complete:
                for leaf in complete[index]:
                    self._reach_leaf(leaf, pending.pop(leaf, None))
        for leaf in [edge for edge in pending if not isinstance(edge, Node)]:  # outputs that are leaves
            self._reach_leaf(leaf, pending.pop(leaf))
        if not retain_graph:
            tensor._release(order if running is None else [node for node in order if node in running])
        return self.captured

    @staticmethod
    def _complete_leaves(order: list[Node]) -> dict[int, list[Tensor]]:
        """The leaves whose gradient is complete once the node at each place in ``order`` has run."""
        last_sender: dict[Tensor, int] = {}
        for index, node in enumerate(order):
            for edge in node.next:
                if edge is not None and not isinstance(edge, Node):
                    last_sender[edge] = index
        complete: dict[int, list[Tensor]] = {}
        for leaf, index in last_sender.items():
            complete.setdefault(index, []).append(leaf)
        return complete

    def _wanted(self, order: list[Node]) -> tuple[set[Node] | None, set[Node] | None]:
        """For autograd.grad, the nodes a gradient arrives at (whose hooks run) and the nodes that run:
        those that lead to an input, and the inputs' own nodes. None for backward: all of them."""
        if self.inputs is None:
            return None, None
        running: set[Node] = set()
        targets = self.input_nodes | self.input_leaves
        for node in reversed(order):
            if any(edge is not None and (edge in running or edge in targets) for edge in node.next):
                running.add(node)
        return running | self.input_nodes, running

    def _reach_leaf(self, leaf: Tensor, grad: Gradient | None) -> None:
        """A leaf's whole gradient is in: its hooks, then into .grad (or caught, for autograd.grad)."""
        if grad is None or (self.inputs is not None and leaf not in self.input_leaves):
            return
        if leaf._hooks:
            grad = self._call_hooks(leaf._hooks, grad)
        if self.inputs is not None:
            self.captured[leaf] = grad
        elif leaf._grad_fn is not None:
            raise RuntimeError("leaf variable has been moved into the graph interior")
        elif not leaf.requires_grad:
            return  # it stopped requiring grad since the graph was made: torch adds nothing then
        elif self.graph:
            leaf._accumulate_graph(grad)
        else:
            leaf._accumulate(grad)

    def _call_hooks(self, hooks: dict[int, Callable[..., Any]], grad: Gradient) -> Gradient:
        """Each hook in the order registered; a returned tensor replaces the gradient, as torch checks it."""
        value = grad if self.graph else type(self.tensor)(np.array(grad))  # type: ignore[call-arg]
        for hook in list(hooks.values()):
            result = hook(value)
            if result is None:
                continue
            name = getattr(hook, "__name__", type(hook).__name__)
            if not isinstance(result, Operations):
                raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
            if result.shape != value.shape:
                raise RuntimeError(f"hook '{name}' has changed the size of value")
            if result.dtype != value.dtype:
                raise RuntimeError(
                    f"hook '{name}' has changed the type of value (was {torch_type(value.dtype)} got "
                    f"{torch_type(result.dtype)})"
                )
            value = result
        return value if self.graph else value.array


AutogradMethods.pass_type = _Pass  # a variant engine's tensor may run its own kind of pass
