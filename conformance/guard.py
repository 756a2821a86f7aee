"""The state guard: what a target may not change in the process that the reference runs in.

Around every run of a program on the target, :func:`guarded` takes a :class:`Snapshot` of the global
state the torch reference depends on (grad mode, inference mode, default dtype, anomaly mode,
deterministic algorithms, the functions of torch and NumPy, NumPy's error state and print options) and
of the threads alive, and compares it after. A change is put back at once, so the reference never runs
in it, and fails the check with what changed (:class:`StateChanged`); under ``--isolation=fork`` the
child process then ends after that check, so nothing the guard does not know of outlives it either.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from conformance.isolation import TAINTED


class StateChanged(Exception):
    """The target changed global state that the reference depends on; the message says what."""


def _namespaces() -> dict[str, Any]:
    import torch
    import torch.autograd
    import torch.linalg
    import torch.nn.functional

    return {
        "torch": torch,
        "torch.Tensor": torch.Tensor,
        "torch.autograd": torch.autograd,
        "torch.nn.functional": torch.nn.functional,
        "torch.linalg": torch.linalg,
        "numpy": np,
        "numpy.linalg": np.linalg,
    }


def _members(namespace: Any) -> dict[str, Any]:
    return dict(vars(namespace)) if isinstance(namespace, ModuleType | type) else {}


@dataclass
class Snapshot:
    flags: dict[str, Any]
    members: dict[str, dict[str, Any]]  # namespace -> its attributes, as they were
    threads: set[threading.Thread]

    @classmethod
    def take(cls) -> Snapshot:
        return cls(
            _flags(),
            {name: _members(space) for name, space in _namespaces().items()},
            {thread for thread in threading.enumerate() if not thread.daemon},
        )

    @classmethod
    def of_flags(cls) -> Snapshot:
        """The flags alone, cheap to take around every step: for :meth:`flag_changes`."""
        return cls(_flags(), {}, set())

    def changes(self) -> list[str]:
        """What differs now, in words; restores every flag and attribute it can as it goes."""
        found = self.flag_changes()
        for name, space in _namespaces().items():
            before_members, after = self.members[name], vars(space)
            if after == before_members or not before_members:
                continue
            for attribute, value in before_members.items():
                if attribute not in after or after[attribute] is not value:
                    found.append(f"{name}.{attribute} was replaced")
                    setattr(space, attribute, value)
        started = [
            thread
            for thread in threading.enumerate()
            if not thread.daemon and thread.is_alive() and thread not in self.threads
        ]
        if started:
            names = ", ".join(thread.name for thread in started)
            found.append(
                f"a non-daemon thread is left running ({names}): the process cannot exit while it runs"
            )
        return found

    def flag_changes(self) -> list[str]:
        """The flags alone (grad mode, default dtype, ...) that differ now, restored as it goes."""
        found = []
        now = _flags()
        for name, before in self.flags.items():
            if now[name] != before:
                found.append(f"{name} was {before!r}, now {now[name]!r}")
                _restore_flag(name, before)
        return found


def _flags() -> dict[str, Any]:
    import torch

    return {
        "torch.is_grad_enabled()": torch.is_grad_enabled(),
        "torch.is_inference_mode_enabled()": torch.is_inference_mode_enabled(),
        "torch.get_default_dtype()": torch.get_default_dtype(),
        "torch.is_anomaly_enabled()": torch.is_anomaly_enabled(),
        "torch.are_deterministic_algorithms_enabled()": torch.are_deterministic_algorithms_enabled(),
        "numpy.geterr()": np.geterr(),
        "numpy.get_printoptions()": np.get_printoptions(),
    }


def _restore_flag(name: str, value: Any) -> None:
    import torch

    if name == "torch.is_grad_enabled()":
        torch.set_grad_enabled(value)
    elif name == "torch.get_default_dtype()":
        torch.set_default_dtype(value)
    elif name == "torch.is_anomaly_enabled()":
        torch.autograd.set_detect_anomaly(value)
    elif name == "torch.are_deterministic_algorithms_enabled()":
        torch.use_deterministic_algorithms(value)
    elif name == "numpy.geterr()":
        np.seterr(**value)
    elif name == "numpy.get_printoptions()":
        np.set_printoptions(**value)
    # inference mode is a thread-local context torch offers no setter for: the check fails, and under
    # --isolation=fork the child that carries it ends


@contextmanager
def guarded(where: str) -> Iterator[None]:
    """Run the body; if it changed global state, put it back and raise :class:`StateChanged` (in place
    of whatever the body raised: the change is what the check must report)."""
    before = Snapshot.take()
    try:
        yield
    finally:
        changed = before.changes()
        if changed:
            TAINTED.changed = True
            raise StateChanged(f"{where} changed the process's global state: " + "; ".join(changed))


class Interrupt:
    """Whether the person running the suite pressed Ctrl-C: a KeyboardInterrupt without it came from the
    target, and fails that check instead of ending the run."""

    requested = False

    @classmethod
    def install(cls) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum: int, frame: Any) -> None:
            cls.requested = True
            if callable(previous):
                previous(signum, frame)
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)


class TargetEscaped(Exception):
    """The target raised SystemExit or KeyboardInterrupt from inside an operation."""


@contextmanager
def contained(where: str) -> Iterator[None]:
    """Turn a SystemExit or a KeyboardInterrupt that the target raised (not a Ctrl-C) into an error of
    the check, so that it neither ends the run nor passes for a refusal."""
    try:
        yield
    except KeyboardInterrupt as error:
        if Interrupt.requested:
            raise
        raise TargetEscaped(f"{where} raised KeyboardInterrupt inside an operation") from error
    except SystemExit as error:
        raise TargetEscaped(f"{where} raised SystemExit({error.code!r}) inside an operation") from error


OUTPUT_LIMIT = 64 * 1024  # characters of a target's printed output a check keeps


class OutputBudget:
    """What a check's target may print through sys.stdout and sys.stderr: the first
    :data:`OUTPUT_LIMIT` characters pass to pytest's capture, the rest is counted and dropped."""

    kept = 0
    dropped = 0

    @classmethod
    def reset(cls) -> None:
        cls.kept = cls.dropped = 0


class _BoundedStream(io.TextIOBase):
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        room = max(0, OUTPUT_LIMIT - OutputBudget.kept)
        if room:
            self.stream.write(text[:room])
            OutputBudget.kept += min(room, len(text))
        OutputBudget.dropped += max(0, len(text) - room)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def writable(self) -> bool:
        return True


@contextmanager
def bounded_output() -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _BoundedStream(out), _BoundedStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def changed_inputs(given: Any, handed: Any, name: str = "") -> list[str]:
    """The names of inputs the target changed: ``handed`` (its copies) no longer equal ``given``."""
    if isinstance(given, np.ndarray):
        same = (
            isinstance(handed, np.ndarray)
            and handed.shape == given.shape
            and handed.dtype == given.dtype
            and np.array_equal(handed, given, equal_nan=given.dtype.kind in "fc")
        )
        return [] if same else [name or "the input"]
    if isinstance(given, dict) and isinstance(handed, dict):
        return [found for key in given for found in changed_inputs(given[key], handed.get(key), str(key))]
    if isinstance(given, list | tuple) and isinstance(handed, list | tuple) and len(given) == len(handed):
        return [
            found
            for number, (a, b) in enumerate(zip(given, handed, strict=True))
            for found in changed_inputs(a, b, f"{name}[{number}]" if name else f"arg{number}")
        ]
    try:
        return [] if bool(given == handed) else [name or "the input"]
    except Exception:
        return []
