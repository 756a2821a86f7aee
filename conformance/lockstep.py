"""Lock-step sessions: one autograd session run on torch and on the target, one step at a time.

A step is one line of code against the engine (``t2 = ag.op("tanh", t0)``, ``ag.backward(ag.sum(t2))``);
it runs on torch, then on the target, and after it every observation the session names (values,
``.grad``, flags) is compared. A step that only one engine refuses is a disagreement; a step both
refuse is recorded as refused and the session goes on. The lines run so far are the repro: on a
failure the message prints them as one standalone program, runnable on torch and on the target with
:func:`conformance.repro.compare_program`. A hypothesis state machine (``specs/sessions.py``) draws
the steps and shrinks a failing session to the fewest.

Where float32 values differ by more than the tolerance, torch replays the session in float64 and the
target passes if it is no further from that than torch's own float32 result (as
:meth:`conformance.runner.Conformance.gradients` judges).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from conformance.adapter import Unsupported
from conformance.calls import compile_program
from conformance.compare import Disagreement, Raised, assert_no_further, assert_same
from conformance.guard import Snapshot, TargetEscaped, bounded_output, contained
from conformance.runner import Conformance, Engine, NotARefusal, read_back
from conformance.snippets import snippet_for_program


class Lockstep:
    """A session on both engines: ``session.step('t1 = ag.op("exp", t0)')``, ``session.check({...})``."""

    def __init__(self, conform: Conformance, *, dtype: str) -> None:
        self.conform = conform
        self.dtype = dtype
        self.inputs: dict[str, np.ndarray] = {}
        self.lines: list[str] = []
        self.open: list[str] = []  # contexts entered and not left, innermost last
        self._snapshot = Snapshot.take()
        self._engines = {
            "torch": Engine(conform.reference, conform.reference_device),
            "target": Engine(conform.target, conform.device, judged=True),
        }
        self._spaces: dict[str, dict[str, Any]] = {
            side: {"ag": e, "np": np} for side, e in self._engines.items()
        }

    # -- building the session ---------------------------------------------------------------------

    def input(self, array: np.ndarray) -> str:
        """Register an input array; its name (``arg0``, ...) is how lines refer to it."""
        name = f"arg{len(self.inputs)}"
        self.inputs[name] = np.asarray(array, dtype=self.dtype)
        for space in self._spaces.values():
            space[name] = self.inputs[name].copy()
        return name

    def step(self, expression: str, *, assign: str | None = None, leaving: bool = False) -> bool:
        """Run ``[assign =] expression`` on torch, then on the target; True when both refused it.

        ``leaving`` runs the target first: a context is left in the reverse order it was entered, so
        that two engines sharing one global mode (torch as the target) each restore what it found."""
        __tracebackhide__ = True
        line = expression if assign is None else f"{assign} = {expression}"
        code = compile(expression, "<session step>", "eval")
        order = ["target", "torch"] if leaving else ["torch", "target"]
        raised: dict[str, Raised | None] = {}
        for side in order:
            raised[side] = self._run(side, code, assign, line)
        both = raised["torch"] is not None and raised["target"] is not None
        if (raised["torch"] is None) != (raised["target"] is None):
            # the session's repro ends in this step, observed as a refusal: ag.raises(lambda: ...)
            key = f"step {len(self.lines) + 1}, `{line}`"
            observed = {key: f"ag.raises(lambda: {expression})"}
            try:
                assert_same(raised["target"], raised["torch"], what=key, target=self.conform.target.name)
            except Disagreement as error:
                raise Disagreement(error.headline, self._context(observed)) from None
        self.lines.append(f"ag.raises(lambda: {expression})  # refused by both" if both else line)
        return both

    def check(self, observations: Mapping[str, str]) -> None:
        """Evaluate each observation (``{"t0.grad": "ag.grad(t0)"}``) on both engines and compare."""
        __tracebackhide__ = True
        target = self._observe("target", observations)
        reference = self._observe("torch", observations)
        after = f"after step {len(self.lines)}, `{self.lines[-1]}`" if self.lines else "before any step"
        for key in observations:
            try:
                assert_same(target[key], reference[key], what=key, target=self.conform.target.name)
            except Disagreement as error:
                if not self._rounds_coarser() or not _numeric(target[key], reference[key]):
                    raise Disagreement(f"{error.headline} ({after})", self._context(observations)) from None
                exact = self._replay_in_float64(observations)
                try:
                    assert_no_further(
                        target[key], reference[key], exact[key], what=key, target=self.conform.target.name
                    )
                except Disagreement as wider:
                    raise Disagreement(f"{wider.headline} ({after})", self._context(observations)) from None

    def on_reference(self, expression: str) -> Any:
        """``expression`` read on torch: what the session draws its next step from."""
        return read_back(self._engines["torch"].adapter, eval(expression, self._spaces["torch"]))

    def close(self, then: Sequence[str] = ()) -> None:
        """Leave every context still open (on both engines, target first), run the lines of ``then``
        (``ag.set_grad_enabled(True)``), then require the process's global flags (grad mode, default
        dtype, ...) to be as the session found them. (Namespaces are not compared here: torch's own
        first optimizer step imports modules that rebind functions; the target's runs in every other
        spec are guarded whole.)"""
        __tracebackhide__ = True
        while self.open:
            self.step(f"{self.open[-1]}.__exit__(None, None, None)", leaving=True)
            self.open.pop()
        for line in then:
            self.step(line)
        changed = self._snapshot.flag_changes()
        if changed:
            raise Disagreement(
                f"the session left the process's global state changed: {'; '.join(changed)}",
                self._context({}),
            )

    # -- the parts --------------------------------------------------------------------------------

    def _run(self, side: str, code: Any, assign: str | None, line: str) -> Raised | None:
        __tracebackhide__ = True
        engine, space = self._engines[side], self._spaces[side]
        where = "torch (the reference)" if side == "torch" else f"target {self.conform.target.name!r}"

        def act() -> None:
            value = eval(code, space)  # the suite's own generated line
            if assign is not None:
                space[assign] = value

        try:
            if side == "torch":
                return engine.raises(act)
            # torch ran this step first (or, leaving a context, runs it next): a correct target finds
            # the process's flags as this step leaves them, and leaves them so
            flags = Snapshot.of_flags()
            with contained(where), bounded_output():
                raised = engine.raises(act)
            changed = flags.flag_changes()
            if changed:
                raise Disagreement(
                    f"step {len(self.lines) + 1}, `{line}`, changed the process's global state on {where}: "
                    + "; ".join(changed),
                    self._context({}),
                )
            return raised
        except Unsupported as error:
            error.in_program = True  # torch ran the step already: the session cannot go on in lock-step
            raise
        except NotARefusal as error:
            raise Disagreement(
                f"at step {len(self.lines) + 1}, `{line}`, {where} raised {error}", self._context({})
            ) from None
        except TargetEscaped as error:
            raise Disagreement(str(error), self._context({})) from None

    def _observe(self, side: str, observations: Mapping[str, str]) -> dict[str, Any]:
        __tracebackhide__ = True
        engine, space = self._engines[side], self._spaces[side]
        read: dict[str, Any] = {}
        for key, expression in observations.items():
            try:
                value = eval(expression, space)  # the suite's own generated expression
                read[key] = read_back(engine.adapter, value)
            except Unsupported:
                raise
            except Exception as error:
                if side == "torch":
                    raise
                raise Disagreement(
                    f"after step {len(self.lines)}, reading {key} on target {self.conform.target.name!r} "
                    f"raised {Raised(error)}",
                    self._context(observations),
                ) from error
        return read

    def _rounds_coarser(self) -> bool:
        return np.dtype(self.dtype).itemsize < 8

    def _replay_in_float64(self, observations: Mapping[str, str]) -> dict[str, Any]:
        engine = Engine(self.conform.reference, self.conform.reference_device)
        space: dict[str, Any] = {"ag": engine, "np": np}
        space.update({name: value.astype(np.float64) for name, value in self.inputs.items()})
        # from the grad mode the session began in, whatever contexts the live session has open now
        with engine.grad_enabled(True):
            try:
                for line in self.lines:
                    exec(compile(line, "<session replay>", "exec"), space)
                return {key: read_back(engine.adapter, eval(e, space)) for key, e in observations.items()}
            finally:
                for line in self._leave_lines():
                    exec(compile(line, "<session replay>", "exec"), space)

    def _leave_lines(self) -> list[str]:
        return [f"{context}.__exit__(None, None, None)" for context in reversed(self.open)]

    def program(self, observations: Mapping[str, str]) -> str:
        """The session so far as one program: its lines, the contexts left open closed, and the
        observations returned."""
        body = [*self.lines, *self._leave_lines()]
        result = ", ".join(f"{key!r}: {expression}" for key, expression in observations.items())
        arguments = "".join(f", {name}" for name in self.inputs)
        lines = [
            f"def program(ag{arguments}):",
            *(f"    {line}" for line in body),
            f"    return {{{result}}}",
        ]
        return "\n".join(lines) + "\n"

    def _context(self, observations: Mapping[str, str]) -> str:
        program = compile_program(self.program(observations))
        snippet = snippet_for_program(
            self.conform.target_spelling, program, list(self.inputs.values()), device=self.conform.device
        )
        spec = self.conform.spec
        origin = f"{spec.id} ({spec.origin})" if spec else "(no spec)"
        lines = [f"  spec: {origin}, device {self.conform.device}, a session of {len(self.lines)} steps"]
        lines.append("  reproduce:")
        lines.extend(f"    {line}" for line in snippet.splitlines())
        return "\n".join(lines)


def _numeric(*values: Any) -> bool:
    return all(isinstance(v, np.ndarray) and v.dtype.kind == "f" for v in values)
