"""Runs a spec's program on the reference and on the target, and compares what each observed.

A spec receives a :class:`Conformance` as its ``conform`` argument, one per device the target offers.
A program is written once, against :class:`Engine` (spelled ``ag``), and runs on both engines::

    conform.gradients(lambda ag, x: ag.mean(2 * (2 * x + 2) ** 2), x=x, via=via,
                      expect=lambda x: [tutorial_mean_gradient(x)])

    def program(ag):
        x = ag.tensor(np.ones(3), requires_grad=True)
        return {"x.requires_grad": ag.requires_grad(x)}
    conform.observe(program, expect={"x.requires_grad": True})

Programs return observations: arrays, flags, names, ``ag.raises(...)`` results, and the engine's own
tensors, which are read back through the adapter. Read a tensor with ``ag.numpy`` when the program
changes it later (``.grad`` is zeroed in place): ``ag.numpy`` takes a snapshot (a copy).
"""

from __future__ import annotations

import copy
import inspect
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from hypothesis import event, reject

from conformance.adapter import Adapter, BaseAdapter, Capability, Tensor, Unsupported
from conformance.calls import compile_program
from conformance.catalogue import CASES, OPERATORS
from conformance.compare import (
    ORACLE_RTOL,
    Disagreement,
    Raised,
    assert_close,
    assert_no_further,
    assert_same,
    tolerance,
)
from conformance.deviations import Deviation
from conformance.guard import (
    StateChanged,
    TargetEscaped,
    bounded_output,
    changed_inputs,
    contained,
    guarded,
)
from conformance.snippets import snippet_for_gradients, snippet_for_program
from conformance.spec import Spec
from reference.oracles import directional_derivative, inner_product

VIA_BACKWARD = "backward"
VIA_VJP = "vjp"
VIA_GRAD = "grad"  # autograd.grad: the gradients returned, no .grad touched
_VIA_NEEDS = {VIA_BACKWARD: Capability.BACKWARD, VIA_VJP: Capability.VJP, VIA_GRAD: Capability.AUTOGRAD_GRAD}
_PLAIN = (np.ndarray, np.generic, bool, int, float, str, type(None), Raised)


class Engine:
    """An adapter bound to one device, as a spec program sees it.

    ``ag.tensor(data, requires_grad=True)`` makes a tensor on that device; every other adapter
    method is reachable as ``ag.<method>``; ``ag.raises`` and ``ag.refuses`` observe refusals.
    """

    def __init__(self, adapter: Adapter, device: str, *, judged: bool = False) -> None:
        self.adapter = adapter
        self.device = device
        self.judged = judged  # the target: its errors must be refusals of the engine to count as one
        self._operators: dict[str, Callable[..., Tensor]] = {}

    def tensor(self, data: Any, *, requires_grad: bool = False) -> Tensor:
        data = data if isinstance(data, np.ndarray) else np.asarray(data)
        return self.adapter.tensor(data, device=self.device, requires_grad=requires_grad)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        """A snapshot of the tensor's values: a copy, so later in-place changes do not reach it."""
        return np.array(self.adapter.numpy(tensor), copy=True)

    def raises(self, action: Callable[[], Any]) -> Raised | None:
        """The exception ``action()`` raises, or None when the engine lets it through.

        On the target, only the engine refusing counts: NotImplementedError (a stub), RecursionError
        (a backward that never ends) and an AttributeError or TypeError raised by the adapter's own code
        or by a container it holds are not refusals, and fail the check as :class:`NotARefusal`."""
        try:
            action()
        except Exception as error:
            if self.judged:
                why = not_a_refusal(error, self.adapter)
                if why:
                    raise NotARefusal(why) from error
            return Raised(error)
        return None

    def refuses(self, action: Callable[[], Any]) -> bool:
        return self.raises(action) is not None

    def op(self, name: str, *args: Any, **kwargs: Any) -> Tensor:
        """The catalogue operator ``name`` (:mod:`conformance.catalogue`) in the engine's own spelling:
        ``ag.op("sum", x, dim=1)``. An operator the adapter does not offer is unsupported."""
        found = self._operators.get(name)
        if found is None:
            operator = getattr(self.adapter, "operator", None)
            found = operator(name) if operator is not None else None
            if found is None:
                raise Unsupported(f"operator {name}")
            self._operators[name] = found
        return found(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.adapter, name)
        setattr(self, name, found)  # looked up once: benchmarks call ag.mean, ag.backward per round
        return found


class NotARefusal(Exception):
    """The target raised where torch refuses, but not as an engine refusing: the message says why."""


_INTERPRETER_TYPE_ERRORS = re.compile(
    r"object is not (callable|subscriptable|iterable)|takes \d+ positional argument|unexpected keyword "
    r"argument|missing \d+ required|'NoneType' object|has no len\(\)|unsupported operand type"
)


def not_a_refusal(error: BaseException, adapter: Adapter) -> str:
    """Why ``error`` is not the engine refusing (empty when it is)."""
    shown = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    if isinstance(error, NotImplementedError):
        return f"{shown} (NotImplementedError is a stub, not a refusal)"
    if isinstance(error, RecursionError):
        return f"{shown} (a backward or operation that recursed without end is not a refusal)"
    if not isinstance(error, AttributeError | TypeError):
        return ""
    frame = _innermost_frame(error)
    if frame is None or frame[0] not in _glue_files(adapter):
        return ""
    raised_by_glue = (
        error.name is not None
        if isinstance(error, AttributeError)
        else bool(_INTERPRETER_TYPE_ERRORS.search(str(error)))
    )
    if not raised_by_glue:
        return ""
    return (
        f"{shown}, raised by the adapter's own code at {Path(frame[0]).name}:{frame[1]}, not by the engine "
        "(an adapter error: the adapter or a container it holds failed, the engine was never asked)"
    )


def _innermost_frame(error: BaseException) -> tuple[str, int] | None:
    traceback = error.__traceback__
    if traceback is None:
        return None
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_code.co_filename, traceback.tb_lineno


def _glue_files(adapter: Adapter) -> set[str]:
    """The source files of the adapter's classes (its own code, BaseAdapter's, a base adapter's) and of
    the private helper modules beside them that they use (``targets/_numpy_like.py``)."""
    files = set()
    for cls in type(adapter).__mro__:
        module = sys.modules.get(cls.__module__)
        path = getattr(module, "__file__", None)
        if not path or cls is object:
            continue
        files.add(path)
        for value in vars(module).values():
            helper = (
                value if isinstance(value, ModuleType) else sys.modules.get(getattr(value, "__module__", ""))
            )
            found = getattr(helper, "__file__", None)
            if found and Path(found).parent == Path(path).parent and Path(found).name.startswith("_"):
                files.add(found)
    return files


class Conformance:
    """One spec on one device: the target, the reference, and how to compare them."""

    def __init__(
        self,
        target: Adapter,
        reference: Adapter,
        *,
        device: str,
        reference_device: str,
        spec: Spec | None = None,
        target_spelling: str | None = None,
        deviating: Sequence[Deviation] = (),
    ) -> None:
        self.target = target
        self.reference = reference
        self.device = device
        self.reference_device = reference_device
        self.spec = spec
        self.target_spelling = target_spelling or target.name
        self.deviating = tuple(deviating)  # the entries of the target's deviations file

    def __repr__(self) -> str:
        return f"{self.target.name}-{self.device}"

    def offers(self, operator: str) -> bool:
        """Whether the target has the catalogue operator (its adapter maps it)."""
        found = getattr(self.target, "operator", None)
        return found is not None and found(operator) is not None

    def conforming_operators(self, *, dtype: str | None = None, via: str | None = None) -> frozenset[str]:
        """The catalogue operators the target offers and whose own specs its deviations file does not
        list for this device, route and dtype: what generated programs compose, so they measure
        composition, not an operator again. An entry narrowed to other checks (``[*-float64]`` when
        ``dtype`` is float32) leaves the operator in."""
        context = {value for value in (self.device, dtype, via) if value}
        listed = {
            case.operator
            for case in CASES
            for entry in self.deviating
            if entry.spec_id == case.id and _applies(entry.parameters, context)
        }
        offered = frozenset(name for name in OPERATORS if name not in listed and self.offers(name))
        if not offered:
            raise Unsupported("an operator that conforms on its own to compose (each one offered is listed)")
        return offered

    # -- behaviour programs --------------------------------------------------------------------

    def observe(
        self,
        program: Callable[..., Mapping[str, Any]],
        *args: Any,
        expect: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run ``program(ag, *args)`` on both engines; every observation must agree.

        ``expect`` holds facts the tutorial states (closed forms, flags): they are checked on the
        reference first, so a broken reference is caught rather than copied.
        """
        __tracebackhide__ = True
        inputs = {f"arg{number}": value for number, value in enumerate(args)}
        repro = partial(snippet_for_program, self.target_spelling, program, args, device=self.device)
        reference = self._run(
            self.reference, self.reference_device, lambda ag: program(ag, *_copied(args)), repro, inputs
        )
        if expect is not None:
            self._check_reference(
                lambda: assert_same(
                    reference,
                    dict(expect),
                    what="",
                    target="torch",
                    against="the tutorial",
                    check_dtype=False,
                ),
                repro,
                inputs,
            )
        handed = _copied(args)
        target = self._run(
            self.target, self.device, lambda ag: program(ag, *handed), repro, inputs, handed=(args, handed)
        )
        self._explain(lambda: assert_same(target, reference, what="", target=self.target.name), repro, inputs)
        return target

    def refusal(self, program: Callable[..., Mapping[str, Any]], *args: Any) -> None:
        """Run an error program, ``program(ag, ...) -> {"error": ag.raises(...)}``, and require only
        that both engines refuse.

        The behaviour layer of an error spec: an engine that refuses with another exception class
        conforms here and differs only in the stricter ``_error_class`` spec, which calls
        :meth:`observe` on the same program and compares the classes.
        """
        __tracebackhide__ = True

        def refused(ag: Engine, *inner: Any) -> dict[str, Any]:
            return {"refused": program(ag, *inner)["error"] is not None}

        refused.__wrapped__ = program  # type: ignore[attr-defined]  # the snippet shows the program
        self.observe(refused, *args, expect={"refused": True})

    # -- gradient programs ---------------------------------------------------------------------

    def gradients(
        self,
        function: Callable[..., Tensor],
        *,
        via: str = VIA_BACKWARD,
        cotangent: np.ndarray | None = None,
        expect: Callable[..., Sequence[np.ndarray]] | None = None,
        oracle: bool = True,
        scalarize: bool = False,
        **inputs: np.ndarray,
    ) -> None:
        """Differentiate ``function(ag, **inputs)`` on both engines and compare value and gradients.

        ``via="backward"`` uses tensors that require grad, ``backward(cotangent)`` and ``.grad``;
        ``via="vjp"`` uses the adapter's vector-Jacobian product; ``via="grad"`` uses autograd.grad. ``expect(**inputs)`` gives the
        closed-form gradients, checked on the reference. The target's gradients are also checked
        against a float64 central-difference inner product, which needs no engine at all, unless
        ``oracle=False`` (at a kink, where no finite difference is the derivative).

        ``scalarize=True`` is for specs about an operator rather than about ``backward(v)``: on a target
        whose route takes no cotangent (micrograd's scalar backward), both engines differentiate
        ``sum(function(...) * v)`` instead, which has the same gradients.

        Where a float32 target and torch's float32 differ by more than the tolerance, torch runs the
        program again in float64: the target passes if it is no further from that than torch's own
        float32 result is (composite programs amplify rounding; two correct engines may round apart).
        """
        __tracebackhide__ = True
        if scalarize and cotangent is not None and not self._takes_cotangents(via):
            function, cotangent = scalarized(function, cotangent), None
        needed = _VIA_NEEDS[via]
        if cotangent is not None and via == VIA_BACKWARD:
            needed = Capability.BACKWARD_GRADIENT
        if needed not in self.target.capabilities:
            raise Unsupported(needed.value)
        described = dict(inputs, **({} if cotangent is None else {"v": cotangent}))
        repro = partial(
            snippet_for_gradients,
            self.target_spelling,
            function,
            inputs,
            cotangent=cotangent,
            via=via,
            device=self.device,
        )
        names = list(inputs)

        def differentiate(ag: Engine, given: dict[str, Any] | None = None) -> dict[str, Any]:
            given = given or _copied(described)
            v = given.pop("v", None)
            out, grads = _differentiate(ag, function, given, v, via)
            return {"value": out, **{f"grad of {name}": g for name, g in zip(names, grads, strict=True)}}

        reference = self._run(self.reference, self.reference_device, differentiate, repro, described)
        if expect is not None:
            wanted = [np.asarray(g, dtype=np.float64) for g in expect(**inputs)]

            def closed_form() -> None:
                __tracebackhide__ = True
                for name, want in zip(names, wanted, strict=True):
                    assert_close(
                        reference[f"grad of {name}"],
                        want,
                        what=f"grad of {name}",
                        target="torch",
                        against="the closed form",
                        gradient=True,
                        check_dtype=False,
                    )

            self._check_reference(closed_form, repro, described)
        handed = _copied(described)
        target = self._run(
            self.target,
            self.device,
            lambda ag: differentiate(ag, dict(handed)),
            repro,
            described,
            handed=(described, handed),
        )

        def agree() -> None:
            __tracebackhide__ = True
            try:
                _compare(target, reference, names, self.target.name)
            except Disagreement:
                if not _rounds_coarser_than_float64(inputs):
                    raise
                exact = self._run(
                    self.reference, self.reference_device, differentiate_in_float64, repro, described
                )
                _compare(target, reference, names, self.target.name, exact=exact)
            if oracle:
                self._check_oracle(
                    function,
                    inputs,
                    cotangent,
                    [target[f"grad of {n}"] for n in names],
                    [reference[f"grad of {n}"] for n in names],
                )

        def differentiate_in_float64(ag: Engine) -> dict[str, Any]:
            wide = {name: np.asarray(value, dtype=np.float64) for name, value in inputs.items()}
            v = None if cotangent is None else np.asarray(cotangent, dtype=np.float64)
            out, grads = _differentiate(ag, function, wide, v, via)
            return {"value": out, **{f"grad of {name}": g for name, g in zip(names, grads, strict=True)}}

        self._explain(agree, repro, described)

    # -- the parts ------------------------------------------------------------------------------

    def _takes_cotangents(self, via: str) -> bool:
        if via == VIA_BACKWARD or type(self.target).vjp is BaseAdapter.vjp:  # type: ignore[comparison-overlap]
            return Capability.BACKWARD_GRADIENT in self.target.capabilities  # the vjp runs backward(v)
        return True

    def _check_oracle(
        self,
        function: Callable[..., Tensor],
        inputs: Mapping[str, np.ndarray],
        cotangent: np.ndarray | None,
        grads: Sequence[np.ndarray | None],
        reference_grads: Sequence[np.ndarray | None],
    ) -> None:
        """The target's gradients against a float64 finite difference, within the dtype's oracle
        tolerance; in float32 the target may also be as far off as torch's own float32 gradients are
        (an ill-conditioned point, such as the variance of 10000 + small values)."""
        __tracebackhide__ = True
        rng = np.random.default_rng(0)
        arrays = list(inputs.values())
        directions = [rng.standard_normal(np.shape(a)) for a in arrays]
        numeric = directional_derivative(
            lambda ag, *xs: function(ag, **dict(zip(inputs, xs, strict=True))), arrays, cotangent, directions
        )
        analytic = inner_product(grads, directions)
        scale = sum(
            0.0 if g is None else float(np.sum(np.abs(np.asarray(g, np.float64) * d)))
            for g, d in zip(grads, directions, strict=True)
        )
        if not np.isfinite(numeric):
            return  # the function overflows near the point: a finite difference says nothing there
        dtype = np.asarray(arrays[0]).dtype.name
        rtol = ORACLE_RTOL.get(dtype, ORACLE_RTOL["float64"])
        # the floor is what the elementwise comparison allows each gradient element (its atol), summed
        # along d: a gradient that is 0 exactly comes out of float32 as a few ulps of its terms
        floor = tolerance(dtype, gradient=True).atol * sum(float(np.sum(np.abs(d))) for d in directions)
        allowed = rtol * max(scale, abs(numeric)) + floor
        if _rounds_coarser_than_float64(inputs):
            allowed += abs(inner_product(reference_grads, directions) - numeric)
        if not abs(numeric - analytic) <= allowed:
            raise Disagreement(
                f"gradients on target {self.target.name!r} fail the float64 finite-difference check: "
                f"<grad, d> = {analytic:.6g}, but <v, J d> = {numeric:.6g} numerically "
                f"(|diff| {abs(numeric - analytic):.3g} > {allowed:.3g}: rtol {rtol:g} * "
                f"{max(scale, abs(numeric)):.3g}, plus torch's own error in {dtype})"
            )

    def _run(
        self,
        adapter: Adapter,
        device: str,
        program: Callable[[Engine], Mapping[str, Any]],
        repro: Callable[[], str],
        inputs: Mapping[str, Any],
        *,
        handed: tuple[Any, Any] | None = None,
    ) -> dict[str, Any]:
        """Run a program on one engine and read its observations back. ``handed`` (the inputs, and the
        copies of them the program got) marks a run on the target: it runs guarded (conformance.guard),
        and must leave those copies as they were."""
        __tracebackhide__ = True
        on_target = handed is not None
        where = f"target {adapter.name!r}" if on_target else "torch (the reference)"
        engine = Engine(adapter, device, judged=on_target)
        try:
            # an engine's warning is not its refusal: where warnings are errors (this repository's
            # own tests), a NumPy RuntimeWarning would otherwise abort a program whose values are right
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                if not on_target:
                    observed = program(engine)
                    return {key: read_back(adapter, value) for key, value in observed.items()}
                with guarded(where), contained(where), bounded_output():
                    observed = program(engine)
                    read = {key: read_back(adapter, value) for key, value in observed.items()}
        except Unsupported as error:
            error.in_program = (
                True  # a form the engine lacks, met while running: see discarding_unsupported_forms
            )
            raise
        except (StateChanged, TargetEscaped) as error:
            raise Disagreement(str(error), self._context(repro, inputs)) from None
        except NotARefusal as error:
            raise Disagreement(
                f"where torch refuses, {where} raised {error}", self._context(repro, inputs)
            ) from None
        except Exception as error:
            raise Disagreement(
                f"the program raised {Raised(error)} on {where}",
                self._context(repro, inputs),
            ) from error
        assert handed is not None
        changed = changed_inputs(*handed)
        if changed:
            raise Disagreement(
                f"{where} changed the input arrays it was given ({', '.join(changed)}): torch copies the "
                "data it makes a tensor from, so the caller's arrays never change",
                self._context(repro, inputs),
            )
        return read

    def _check_reference(
        self, check: Callable[[], None], repro: Callable[[], str], inputs: Mapping[str, Any]
    ) -> None:
        __tracebackhide__ = True
        try:
            check()
        except Disagreement as error:
            raise Disagreement(
                f"the reference is broken, not the target: {error.headline}",
                self._context(repro, inputs),
            ) from None

    def _explain(
        self, check: Callable[[], None], repro: Callable[[], str], inputs: Mapping[str, Any]
    ) -> None:
        __tracebackhide__ = True
        try:
            check()
        except Disagreement as error:
            details = "\n".join(part for part in (error.details, self._context(repro, inputs)) if part)
            raise Disagreement(error.headline, details) from None

    def _context(self, repro: Callable[[], str], inputs: Mapping[str, Any]) -> str:
        origin = f"{self.spec.id} ({self.spec.origin})" if self.spec else "(no spec)"
        described = ", ".join(
            f"{name}: {value.dtype} {value.shape}" if isinstance(value, np.ndarray) else f"{name}: {value!r}"
            for name, value in inputs.items()
        )
        lines = [f"  spec: {origin}, device {self.device}" + (f", {described}" if described else "")]
        lines.append("  reproduce:")
        lines.extend(f"    {line}" for line in repro().splitlines())
        return "\n".join(lines)


_VOCABULARY = (
    {"cpu", "cuda", "gpu", "mps", "python"},
    {"backward", "vjp", "grad"},
    {"float16", "float32", "float64"},
)


@contextmanager
def discarding_unsupported_forms() -> Iterator[None]:
    """Inside a hypothesis test: a form the target declares unsupported while running a program (a
    clamp with one bound on an engine whose clip takes both, an SGD option it lacks) discards this
    example, so the others measure the rest; a capability the spec needs and the target lacks still
    makes the whole spec unsupported."""
    try:
        yield
    except Unsupported as error:
        if not error.in_program:
            raise
        event(f"unsupported on the target: {error.feature}")
        reject()


def _applies(parameters: str | None, context: set[str]) -> bool:
    """Whether an entry narrowed by ``parameters`` (a glob over check ids, ``cpu-*-vjp-float32``) can
    match a check of ``context`` (its device, route and dtype): not when it names another value."""
    if parameters is None:
        return True
    named = set(parameters.split("-"))
    return all(not (named & kind) or bool(named & kind & context) for kind in _VOCABULARY)


def scalarized(function: Callable[..., Tensor], cotangent: np.ndarray) -> Callable[..., Tensor]:
    """``sum(function(...) * v)``: a scalar whose gradients are the vjp of ``function`` with ``v``,
    written out as a program of its own when ``function`` is one (``__source__``), for the snippet."""
    source = getattr(function, "__source__", None)
    names = list(inspect.signature(function).parameters)[1:]
    if source is None:
        return lambda ag, **xs: ag.sum(function(ag, **xs) * ag.tensor(cotangent))
    arguments = ", ".join(names)
    body = np.array2string(cotangent, separator=", ", precision=9, threshold=10**6, max_line_width=10**6)
    text = (
        source.replace("def program(", "def operation(", 1)
        + f"\n\n\nv = np.array({body}, dtype=np.{cotangent.dtype.name})\n\n\n"
        + f"def program(ag, {arguments}):\n    return ag.sum(operation(ag, {arguments}) * ag.tensor(v))"
    )
    return compile_program(text)


def _copied(value: Any) -> Any:
    """A private copy of the inputs for each engine: a target that writes into the arrays it is given
    changes neither the reference's inputs nor the ones a repro snippet prints."""
    return copy.deepcopy(value)


def _rounds_coarser_than_float64(inputs: Mapping[str, np.ndarray]) -> bool:
    return any(
        np.asarray(value).dtype.kind == "f" and np.asarray(value).dtype.itemsize < 8
        for value in inputs.values()
    )


def _compare(
    target: Mapping[str, Any],
    reference: Mapping[str, Any],
    names: Sequence[str],
    target_name: str,
    *,
    exact: Mapping[str, Any] | None = None,
) -> None:
    """The value, then each gradient; with ``exact`` (torch in float64) each is judged against that."""
    __tracebackhide__ = True
    for key in ["value", *(f"grad of {name}" for name in names)]:
        what = "forward value" if key == "value" else key
        gradient = key != "value"
        if target[key] is None or reference[key] is None:
            assert_same(target[key], reference[key], what=what, target=target_name)
        elif exact is None or exact[key] is None:
            assert_close(target[key], reference[key], what=what, target=target_name, gradient=gradient)
        else:
            assert_no_further(
                target[key], reference[key], exact[key], what=what, target=target_name, gradient=gradient
            )


def _differentiate(
    ag: Engine,
    function: Callable[..., Tensor],
    inputs: Mapping[str, np.ndarray],
    cotangent: np.ndarray | None,
    via: str,
) -> tuple[Tensor, list[Tensor | None]]:
    if via == VIA_VJP:
        names = list(inputs)
        return ag.adapter.vjp(
            lambda *xs: function(ag, **dict(zip(names, xs, strict=True))),
            list(inputs.values()),
            cotangent,
            device=ag.device,
        )
    # conformance.benchmarks.cases.timed_call times the same steps, written for speed
    adapter: Any = ag.adapter  # the stateful methods are optional, so not in the Protocol
    leaves = {name: ag.tensor(value, requires_grad=True) for name, value in inputs.items()}
    out = function(ag, **leaves)
    gradient = None if cotangent is None else ag.tensor(cotangent)
    if via == VIA_GRAD:
        return out, list(
            adapter.grad_of([out], list(leaves.values()), None if gradient is None else [gradient])
        )
    adapter.backward(out, gradient)
    return out, [adapter.grad(leaf) for leaf in leaves.values()]


def read_back(adapter: Adapter, value: Any) -> Any:
    """An observation with the engine's tensors read back as NumPy arrays."""
    if isinstance(value, np.ndarray) and value.dtype == object:  # an array of scalar-engine values
        return np.array(adapter.numpy(value), copy=True)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, list | tuple):
        return [read_back(adapter, item) for item in value]
    if isinstance(value, dict):
        return {key: read_back(adapter, item) for key, item in value.items()}
    return np.array(adapter.numpy(value), copy=True)
