"""Random autograd sessions, run in lock-step on torch and on the target.

Beyond the tutorial. A hypothesis state machine draws a session step by step: make leaves, apply
catalogue operators and arithmetic, backward (with and without a gradient, retaining the graph or
not), autograd.grad (also with create_graph=True, its gradient joining the session as a tensor),
hooks registered and removed, zero a gradient; and in the stateful sessions also detach and detach_,
requires_grad_, enter and leave no_grad, set_grad_enabled, in-place arithmetic (on a tensor, through a
view, by index assignment, through .data), one-off SGD steps, and optimizers with momentum that live on
across steps (stepped alone, zeroed, or in a training step: zero_grad, backward, step). Each step runs on torch
and on the target (:mod:`conformance.lockstep`); after every step the values of every tensor, the
.grad of every leaf, the requires_grad flags, leaf-ness and the presence of a node are compared, and so
is whether the step was refused. Steps the target does not declare are never drawn for it. A failing
session shrinks to the fewest steps and prints them as one standalone program.

Two specs, so that a deviation in the stateful steps leaves the backward sessions measured. Values
stay bounded (sin, tanh, sigmoid, neg, small factors), so that float32 rounding never decides.
"""

from hypothesis import reject, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.adapter import Capability
from conformance.lockstep import Lockstep
from conformance.runner import discarding_unsupported_forms
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays

SHAPES = [(), (3,), (2, 3)]
UNARY = ["neg", "sin", "tanh", "sigmoid"]
STEPS = 16  # steps per session
SESSIONS_PER_EXAMPLE = 5  # sessions per example of the hypothesis profile: a bug may need a rare order


class Session(RuleBasedStateMachine):
    """One session; :func:`run_session` binds the spec's ``conform``, dtype and which steps it draws."""

    conform = None
    dtype = "float32"
    stateful = False  # the stateful steps as well as the backward ones

    tensors = Bundle("tensors")
    leaves = Bundle("leaves")

    def __init__(self):
        super().__init__()
        self.session = Lockstep(self.conform, dtype=self.dtype)
        self.names = []  # every tensor made, in order
        self.leaf_names = []
        self.results = []  # names of autograd.grad results
        self.uses = {}  # name -> the leaves it was computed from, so that gradients are mostly taken
        # with respect to inputs the output uses (an unused one is refused by both and shows nothing)
        self.hooks = []  # handles of hooks not removed
        # tensors in-place steps (and detach_, requires_grad_) leave alone: gradients taken with
        # autograd.grad and what shares their storage, which torch returns as one element expanded
        # (stride 0), so that writing into one is a question of torch's memory layout (refused by add_,
        # spread to every element by index assignment), not of autograd
        self.left_alone = set()
        self.optimizers = []
        self.mode_switched = False
        self.shape = None

    # -- what the target has --------------------------------------------------------------------------

    def has(self, *capabilities):
        return all(c in self.conform.target.capabilities for c in capabilities)

    def new_name(self, prefix="t"):
        return f"{prefix}{len(self.names) + len(self.results)}"

    def run(self, expression, *, assign=None, leaving=False):
        with discarding_unsupported_forms():  # a step the target lacks (an SGD option) ends the session
            return self.session.step(expression, assign=assign, leaving=leaving)

    def made(self, name, refused, *sources):
        """The new tensor's name, or None when both engines refused to make it: the step then adds
        nothing to the bundle (``multiple()``) and the session goes on; discarding the session would
        throw away most of those that reach autograd.grad with an input the output does not use."""
        if refused:
            return None
        self.names.append(name)
        self.uses[name] = frozenset().union(*(self.uses.get(source, ()) for source in sources))
        return name

    def inputs_for(self, data, outputs, *, max_size):
        """Leaves to differentiate ``outputs`` with respect to: mostly leaves they use, now and then any."""
        used = sorted(frozenset().union(*(self.uses.get(output, ()) for output in outputs)))
        pool = used if used and data.draw(st.booleans(), label="inputs from the used leaves") else None
        return data.draw(
            st.lists(st.sampled_from(pool or self.leaf_names), min_size=1, max_size=max_size, unique=True),
            label="inputs",
        )

    # -- the steps ------------------------------------------------------------------------------------

    @initialize(targets=(leaves, tensors), data=st.data())
    def first_leaf(self, data):
        """Every session starts from a leaf that requires grad, so that its steps have a graph to act on."""
        return self.leaf(data, True)

    @rule(targets=(leaves, tensors), data=st.data(), requires_grad=st.sampled_from([True, True, False]))
    def leaf(self, data, requires_grad):
        if self.shape is None:
            self.shape = data.draw(st.sampled_from(SHAPES), label="shape")
        values = data.draw(
            arrays(dtype=self.dtype, shape=self.shape, min_value=-2, max_value=2), label="values"
        )
        argument, name = self.session.input(values), self.new_name()
        refused = self.run(f"ag.tensor({argument}, requires_grad={requires_grad})", assign=name)
        if self.made(name, refused) is None:
            return multiple()
        self.uses[name] = frozenset([name])
        self.leaf_names.append(name)
        return name

    @rule(target=tensors, t=tensors, data=st.data())
    def unary(self, t, data):
        offered = [op for op in UNARY if self.conform.offers(op)]
        if not offered:
            return reject()
        op, name = data.draw(st.sampled_from(offered), label="operator"), self.new_name()
        return self.made(name, self.run(f'ag.op("{op}", {t})', assign=name), t) or multiple()

    @rule(target=tensors, a=tensors, b=tensors, op=st.sampled_from(["+", "-", "*"]))
    def binary(self, a, b, op):
        name = self.new_name()
        return self.made(name, self.run(f"{a} {op} {b}", assign=name), a, b) or multiple()

    @rule(target=tensors, t=tensors, factor=st.sampled_from([0.5, 2.0, -1.0]))
    def scale(self, t, factor):
        name = self.new_name()
        return self.made(name, self.run(f"{t} * {factor}", assign=name), t) or multiple()

    @precondition(lambda self: self.has(Capability.BACKWARD))
    @rule(t=tensors, data=st.data())
    def backward(self, t, data):
        retain = self.has(Capability.RETAIN_GRAPH) and data.draw(st.booleans(), label="retain_graph")
        if self.has(Capability.BACKWARD_GRADIENT) and data.draw(st.booleans(), label="with a gradient"):
            # now and then a v of another shape with as many elements, which must be refused
            shape = data.draw(st.sampled_from([self.shape, self.shape, self.shape, self.shape[::-1], (-1,)]))
            values = data.draw(
                arrays(dtype=self.dtype, shape=self.shape, min_value=-2, max_value=2), label="v"
            )
            v = self.session.input(values.reshape(shape))
            self.run(f"ag.backward({t}, ag.tensor({v}), retain_graph={retain})")
        else:
            self.run(f"ag.backward(ag.sum({t}), retain_graph={retain})")

    @precondition(lambda self: self.has(Capability.AUTOGRAD_GRAD) and bool(self.leaf_names))
    @rule(t=tensors, other=st.none() | tensors, data=st.data())
    def autograd_grad(self, t, other, data):
        """autograd.grad of sum(t), or of [sum(t), sum(other)] whose gradients add up."""
        inputs = self.inputs_for(data, [t, other], max_size=3)
        retain = self.has(Capability.RETAIN_GRAPH) and data.draw(st.booleans(), label="retain_graph")
        name = f"g{len(self.results)}"
        listed = ", ".join(inputs)
        outputs = ", ".join(f"ag.sum({output})" for output in (t, other) if output is not None)
        refused = self.run(
            f"ag.grad_of([{outputs}], [{listed}], retain_graph={retain}, allow_unused=True)", assign=name
        )
        if not refused:
            self.results.append(name)

    @precondition(lambda self: self.has(Capability.CREATE_GRAPH) and bool(self.leaf_names))
    @rule(target=tensors, t=tensors, data=st.data())
    def differentiable_gradient(self, t, data):
        """A gradient taken with create_graph=True joins the session as a tensor: later steps compute
        with it and differentiate through it."""
        (leaf,), name = self.inputs_for(data, [t], max_size=1), self.new_name()
        refused = self.run(f"ag.grad_of([ag.sum({t})], [{leaf}], create_graph=True)[0]", assign=name)
        self.left_alone.add(name)
        return self.made(name, refused, t) or multiple()

    @precondition(lambda self: self.has(Capability.HOOKS))
    @rule(t=tensors, factor=st.sampled_from([2.0, -1.0]))
    def hook(self, t, factor):
        name = f"h{len(self.hooks)}"
        if not self.run(f"ag.register_hook({t}, lambda g: g * {factor})", assign=name):
            self.hooks.append(name)

    @precondition(lambda self: self.has(Capability.HOOKS) and bool(self.hooks))
    @rule(data=st.data())
    def remove_hook(self, data):
        handle = data.draw(st.sampled_from(self.hooks), label="hook")
        self.hooks.remove(handle)
        self.run(f"ag.remove_hook({handle})")

    @precondition(lambda self: self.has(Capability.ZERO_GRAD))
    @rule(leaf=leaves)
    def zero_grad(self, leaf):
        if self.session.on_reference(f"ag.grad({leaf})") is not None:
            self.run(f"ag.zero_grad_of({leaf})")

    # -- the stateful steps ---------------------------------------------------------------------------

    @precondition(lambda self: self.stateful and self.has(Capability.DETACH))
    @rule(target=tensors, t=tensors)
    def detach(self, t):
        name = self.new_name()
        if t in self.left_alone:
            self.left_alone.add(name)  # it shares the gradient's storage
        return self.made(name, self.run(f"ag.detach({t})", assign=name)) or multiple()

    @precondition(lambda self: self.stateful and self.has(Capability.DETACH_INPLACE))
    @rule(t=tensors)
    def detach_(self, t):
        if t not in self.left_alone:
            self.run(f"ag.detach_({t})")

    @precondition(lambda self: self.stateful and self.has(Capability.SET_REQUIRES_GRAD))
    @rule(t=tensors, flag=st.booleans())
    def requires_grad_(self, t, flag):
        if t not in self.left_alone:
            self.run(f"ag.requires_grad_({t}, {flag})")

    @precondition(lambda self: self.stateful and self.has(Capability.NO_GRAD) and len(self.session.open) < 2)
    @rule(data=st.data())
    def enter_no_grad(self, data):
        """Enter a grad-mode block: no_grad, and where the target has them enable_grad and
        set_grad_enabled(False). Not inference_mode: what torch does with inference tensors outside it
        turns on the operation's spelling (t.data.add_ allowed, t.data[0] = 5 refused; -t of an
        inference leaf untracked), which grad_modes.inference_* measure where it is autograd's."""
        kinds = ["ag.no_grad()"]
        if self.has(Capability.GRAD_MODES):
            kinds += ["ag.enable_grad()", "ag.grad_enabled(False)"]
        context = data.draw(st.sampled_from(kinds), label="block")
        name = f"c{len(self.session.open)}"
        self.run(context, assign=name)
        self.run(f"{name}.__enter__()")
        self.session.open.append(name)

    @precondition(lambda self: self.stateful and bool(self.session.open))
    @rule()
    def leave_no_grad(self):
        self.run(f"{self.session.open[-1]}.__exit__(None, None, None)", leaving=True)
        self.session.open.pop()

    @precondition(lambda self: self.stateful and self.has(Capability.INPLACE))
    @rule(t=tensors, number=st.sampled_from([1.0, -0.5]))
    def add_(self, t, number):
        if t not in self.left_alone:
            self.run(f"ag.add_({t}, {number})")

    @precondition(lambda self: self.stateful and self.has(Capability.INPLACE_OPS))
    @rule(t=tensors, number=st.sampled_from([0.5, -1.0]))
    def mul_(self, t, number):
        if t not in self.left_alone:
            self.run(f"ag.mul_({t}, {number})")

    @precondition(lambda self: self.stateful and self.has(Capability.SGD) and bool(self.leaf_names))
    @rule(data=st.data())
    def sgd_step(self, data):
        params = data.draw(st.lists(st.sampled_from(self.leaf_names), min_size=1, max_size=3, unique=True))
        self.run(f"ag.step(ag.sgd([{', '.join(params)}], 0.1))")

    @precondition(lambda self: self.stateful and self.has(Capability.SGD_OPTIONS) and bool(self.leaf_names))
    @rule(data=st.data(), momentum=st.sampled_from([0.0, 0.5, 0.9]))
    def momentum_optimizer(self, data, momentum):
        """An optimizer that lives on across steps (its momentum buffers are session state), with options
        drawn; one the target's SGD lacks discards the session."""
        params = data.draw(st.lists(st.sampled_from(self.leaf_names), min_size=1, max_size=3, unique=True))
        options = {"momentum": momentum}
        if momentum and data.draw(st.booleans(), label="nesterov"):
            options["nesterov"] = True
        elif momentum:
            options["dampening"] = data.draw(st.sampled_from([0.0, 0.5]), label="dampening")
        options["weight_decay"] = data.draw(st.sampled_from([0.0, 0.1]), label="weight_decay")
        options["maximize"] = data.draw(st.booleans(), label="maximize")
        name = f"opt{len(self.optimizers)}"
        written = ", ".join(f"{key}={value}" for key, value in options.items() if value)
        if not self.run(f"ag.sgd([{', '.join(params)}], 0.1{', ' if written else ''}{written})", assign=name):
            self.optimizers.append(name)

    @precondition(lambda self: self.stateful and bool(self.optimizers))
    @rule(data=st.data(), action=st.sampled_from(["step", "zero_grad", "zero_grad to zeros"]))
    def optimizer_step(self, data, action):
        optimizer = data.draw(st.sampled_from(self.optimizers), label="optimizer")
        line = {
            "step": f"ag.step({optimizer})",
            "zero_grad": f"ag.zero_grad({optimizer})",
            "zero_grad to zeros": f"ag.zero_grad({optimizer}, set_to_none=False)",
        }[action]
        self.run(line)

    @precondition(lambda self: self.stateful and bool(self.optimizers) and self.has(Capability.BACKWARD))
    @rule(t=tensors, data=st.data())
    def training_step(self, t, data):
        """A training loop's step on an optimizer that lives on: zero_grad(), backward of sum(t), step();
        two in a row are where momentum, dampening, nesterov and weight decay show."""
        optimizer = data.draw(st.sampled_from(self.optimizers), label="optimizer")
        self.run(f"ag.zero_grad({optimizer})")
        self.run(f"ag.backward(ag.sum({t}))")
        self.run(f"ag.step({optimizer})")

    # only outside no_grad blocks: torch as the target shares torch's one grad mode with the reference,
    # and a switch inside two interleaved blocks would make each block restore the other's mode
    @precondition(lambda self: self.stateful and self.has(Capability.GRAD_MODES) and not self.session.open)
    @rule(flag=st.booleans())
    def set_grad_enabled(self, flag):
        self.mode_switched = True
        self.run(f"ag.set_grad_enabled({flag})")

    @precondition(lambda self: self.stateful and self.has(Capability.INPLACE_OPS))
    @rule(t=tensors, where=st.sampled_from(["0", "slice(1, None)", "slice(None, None, 2)"]))
    def mul_through_view(self, t, where):
        """An in-place change through a view of t: t's values and gradients change as torch's do."""
        if t not in self.left_alone:
            self.run(f'ag.mul_(ag.op("getitem", {t}, {where}), 2.0)')

    @precondition(lambda self: self.stateful and self.has(Capability.INPLACE_OPS))
    @rule(t=tensors, value=st.sampled_from([0.0, 1.5]))
    def index_assignment(self, t, value):
        if t not in self.left_alone:
            self.run(f"ag.setitem({t}, 0, {value})")

    @precondition(lambda self: self.stateful and self.has(Capability.INPLACE_OPS))
    @rule(t=tensors)
    def data_edit(self, t):
        """An edit through .data: not tracked, not caught at backward."""
        if t not in self.left_alone:
            self.run(f"ag.mul_(ag.data_of({t}), 0.5)")

    # -- after every step -------------------------------------------------------------------------

    @invariant()
    def agree(self):
        self.session.check(self.observations())

    def observations(self):
        seen = {}
        for name in self.names:
            seen[name] = f"ag.numpy({name})"
            if self.has(Capability.TRACKING):
                seen[f"{name}.requires_grad"] = f"ag.requires_grad({name})"
            if self.has(Capability.GRAPH_NODES):
                seen[f"{name}.is_leaf"] = f"ag.is_leaf({name})"
                seen[f"{name} has a node"] = f"ag.has_node({name})"
        if self.has(Capability.BACKWARD):
            seen.update({f"{leaf}.grad": f"ag.grad({leaf})" for leaf in self.leaf_names})
        seen.update({name: name for name in self.results})
        return seen

    def teardown(self):
        self.session.close(["ag.set_grad_enabled(True)"] if self.mode_switched else [])


def run_session(conform, dtype, *, stateful):
    """Run sessions of the machine against ``conform``'s target, as many as the profile's examples."""
    machine = type(
        "Session",
        (Session,),
        {"conform": conform, "dtype": dtype, "stateful": stateful, "__module__": __name__},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            settings.default,
            stateful_step_count=STEPS,
            max_examples=SESSIONS_PER_EXAMPLE * settings.default.max_examples,
        ),
    )


@spec(BEYOND_TUTORIAL, needs=[Capability.TRACKING, Capability.BACKWARD])
@over_dtypes()
def test_backward_sessions(conform, dtype):
    """Random sessions of leaves, operators, backward (with a gradient, retain_graph), autograd.grad and
    zeroing agree with torch after every step: values, .grad, flags, nodes and refusals."""
    run_session(conform, dtype, stateful=False)


@spec(BEYOND_TUTORIAL, needs=[Capability.TRACKING, Capability.BACKWARD])
@over_dtypes()
def test_stateful_sessions(conform, dtype):
    """The backward sessions plus detach, detach_, requires_grad_, no_grad blocks, in-place arithmetic
    and SGD steps, in any order: after every step the target agrees with torch."""
    run_session(conform, dtype, stateful=True)
