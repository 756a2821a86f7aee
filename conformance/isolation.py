"""Each check in a process of its own, with a time limit: a target that hangs, crashes or exits fails
the check it was running, and the run goes on.

``--isolation=fork`` (the default where the platform can fork) runs every spec check in a forked child:
the child runs pytest's own protocol for the item and sends the reports back through a pipe, serialized
the way pytest-xdist sends them; the parent reports them. When the child does not send them (a signal,
``os._exit`` with any status, an abort, or the hard deadline), the parent reports the check as failed
with the cause. What the target did to the process (patched functions, threads left running, memory) dies
with the child. ``--isolation=none`` runs checks in the pytest process, as plain pytest does.

``--check-timeout=SECONDS`` limits each check's call: at the limit the check is interrupted (SIGALRM
raises :class:`CheckTimedOut`, which hypothesis does not catch, so it neither shrinks nor re-runs the
hang), and fails with "timed out after N s". A target stuck in C code never returns to Python to be
interrupted; in a forked child the parent kills it a grace period later.

Why not pytest-forked and pytest-timeout: pytest-forked (1.7.5) waits for its child without a deadline,
builds crash reports outside pytest's hooks (so the verdict and the JSON report never see them) and ends
the whole run when a child raises KeyboardInterrupt; pytest-timeout's signal method raises pytest's
``Failed``, which hypothesis catches and then re-runs the hanging example while shrinking, with no second
alarm, and its thread method ends the process (with the child, the parent would be killed).
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest
from _pytest.runner import CallInfo, runtestprotocol

FORK = "fork"
NONE = "none"
GRACE = 15.0  # at most this long past the time limit (and no longer than the limit) the parent waits
# before it kills a child stuck in native code
SECONDS_PER_EXAMPLE = 15.0  # the default time limit: this much per example of the hypothesis profile
MINIMUM_TIMEOUT = 60.0
_CHILD_FAILED = 70  # the child's own exit status when it could not send its reports


class CheckTimedOut(BaseException):
    """Raised in the main thread when a check outlives its time limit. A BaseException, so that
    neither hypothesis nor a spec's ``ag.raises`` takes it for the engine's own error."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


class ProcessEnded(Exception):
    """The check's process ended before it reported: the target crashed or exited it."""


class _Tainted:
    """Set when a target changed the process's global state: the forked child leaves after that check."""

    changed = False


TAINTED = _Tainted()


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "waitpid")


def default_timeout(max_examples: int) -> float:
    return max(MINIMUM_TIMEOUT, SECONDS_PER_EXAMPLE * max_examples)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CheckTimedOut` in the main thread after ``seconds`` (None or 0: no limit)."""
    if (
        not seconds
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "SIGALRM")
    ):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise CheckTimedOut(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def probe(ask: Callable[[], Any]) -> Any:
    """``ask()`` answered in a forked child, so that this process never starts the target's engine:
    an engine that starts threads when first used (jax's XLA backend, tensorflow) is not safe to fork
    after that, and the checks' workers are forked from here. The answer must pickle."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            try:
                answer: tuple[bool, Any] = (True, ask())
            except Exception as error:
                answer = (False, error)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(answer))
        except BaseException:
            status = _CHILD_FAILED
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    code = _kill(pid)
    if not data:
        raise ProcessEnded(_cause(code, False, None, 0.0))
    answered, value = pickle.loads(data)
    if not answered:
        raise value
    return value


def warm_up() -> None:
    """Do in the parent, once, what each child would otherwise do first and throw away: torch's lazy
    imports on a first backward and optimizer step (torch.fx's symbolic shapes, torch._dynamo: 0.6 s),
    and hypothesis's first run (it registers its PRNG with a full gc.collect: 0.25 s)."""
    import torch
    import torch._dynamo
    from hypothesis import given, settings
    from hypothesis import strategies as st

    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    (x * x).sum().backward()
    torch.optim.SGD([x], lr=0.1).step()

    @settings(max_examples=1, database=None)
    @given(st.integers())
    def first_run(number: int) -> None:
        pass

    first_run()


class ForkedWorker:
    """A forked child that runs the isolated checks in the order pytest runs them, sending each check's
    reports back as one line of JSON. When it dies, the check it was running fails with the cause, and
    the next check starts in a new child forked from this clean process. A child also leaves after a
    check whose target changed the process's global state (:data:`TAINTED`), so no later check runs in
    a process a target changed. One child for many checks keeps the cost low: forking one for every
    check costs some 75 ms a check (copy-on-write faults, first-run work of hypothesis), forking one only
    after a crash costs nothing measurable."""

    def __init__(self, items: list[pytest.Item], isolated: Callable[[pytest.Item], bool]) -> None:
        self.items = items
        self.isolated = isolated
        self.position = {id(item): index for index, item in enumerate(items)}
        self.pid: int | None = None
        self.pipe: int | None = None
        self.buffer = b""
        self.warm = False

    def run(self, item: pytest.Item, timeout: float | None) -> list[pytest.TestReport]:
        if self.pid is None:
            self._start(item)
        started = time.monotonic()
        deadline = None if not timeout else started + timeout + min(GRACE, timeout)
        line, killed = self._next_line(deadline)
        if line is not None:
            frame = json.loads(line)
            if frame["nodeid"] == item.nodeid:
                if frame["last"]:
                    self.stop()
                config = item.config
                return [
                    _with_tuples(config.hook.pytest_report_from_serializable(config=config, data=data))
                    for data in frame["reports"]
                ]
            self.stop()  # out of step with pytest's order (it never is): start again at this item
            return self.run(item, timeout)
        code = self.stop()
        return _ended(item, _cause(code, killed, timeout, time.monotonic() - started))

    def stop(self) -> int:
        """End the child (if it still runs) and return its exit code."""
        code = 0
        if self.pid is not None:
            code = _kill(self.pid)
        if self.pipe is not None:
            os.close(self.pipe)
        self.pid, self.pipe, self.buffer = None, None, b""
        return code

    def _start(self, first: pytest.Item) -> None:
        if not self.warm:
            warm_up()
            self.warm = True
        read_end, write_end = os.pipe()
        gc.freeze()  # the child's collections then leave the parent's objects alone: less copy-on-write
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            self._serve(first, write_end)
        os.close(write_end)
        self.pid, self.pipe = pid, read_end

    def _serve(self, first: pytest.Item, pipe: int) -> NoReturn:
        """The child: run the isolated checks from ``first`` on, send each one's reports, and leave
        without running anything a target registered (atexit handlers, non-daemon threads)."""
        status = 0
        try:
            _after_fork()
            config = first.config
            queue = [item for item in self.items[self.position[id(first)] :] if self.isolated(item)]
            with os.fdopen(pipe, "wb") as out:
                for number, item in enumerate(queue):
                    following = queue[number + 1] if number + 1 < len(queue) else None
                    reports = runtestprotocol(item, log=False, nextitem=following)
                    last = following is None or TAINTED.changed
                    frame = {
                        "nodeid": item.nodeid,
                        "last": last,
                        "reports": [
                            config.hook.pytest_report_to_serializable(config=config, report=report)
                            for report in reports
                        ],
                    }
                    out.write(json.dumps(frame).encode() + b"\n")
                    out.flush()
                    if last:
                        break
        except BaseException:
            status = _CHILD_FAILED
        os._exit(status)

    def _next_line(self, deadline: float | None) -> tuple[bytes | None, bool]:
        """The child's next line, or None when it ended first or (True) was killed at the deadline."""
        assert self.pipe is not None
        while b"\n" not in self.buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.pipe], [], [], wait)
            if not ready:
                return None, True
            chunk = os.read(self.pipe, 1 << 20)
            if not chunk:
                return None, False
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line, False


def _after_fork() -> None:
    """In a forked child, keep torch off OpenMP's thread team: GNU OpenMP is not fork-safe, and a child
    of a process that ran a parallel region waits forever on the first one of its own. One thread gives
    the same results (reductions may round apart; the comparisons judge that against float64)."""
    import torch

    torch.set_num_threads(1)


def _kill(pid: int) -> int:
    """Kill the child unless it has ended, reap it, and return its exit code (-N: killed by signal N)."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            time.sleep(0.05)  # it may be exiting on its own: give it a moment to say how
            done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            return -signal.SIGKILL
        return os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        return 0


def _cause(code: int, killed: bool, timeout: float | None, elapsed: float) -> str:
    if killed:
        return (
            f"timed out after {timeout:g} s, and the target never returned to Python to be interrupted "
            f"(stuck in native code): its process was killed after {elapsed:.0f} s"
        )
    if code < 0:
        number = -code
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "an unknown signal"
        return f"the process running this check was killed by signal {number} ({name}): the target crashed it"
    if code == _CHILD_FAILED:
        return (
            "the process running this check could not send its result (the target broke pytest's own state)"
        )
    return (
        f"the process running this check exited with status {code} before the check finished: "
        f"the target ended it (os._exit or exit in native code)"
    )


def _ended(item: pytest.Item, cause: str) -> list[pytest.TestReport]:
    """A failed call and a passed teardown, made by the item's hooks so every plugin sees them."""
    _drain_capture(item.config)

    def end() -> None:
        raise ProcessEnded(cause)

    call = CallInfo.from_call(end, when="call")
    failed = item.ihook.pytest_runtest_makereport(item=item, call=call)
    teardown = item.ihook.pytest_runtest_makereport(
        item=item, call=CallInfo.from_call(lambda: None, when="teardown")
    )
    return [failed, teardown]


def _drain_capture(config: pytest.Config) -> None:
    """Drop what the dead child wrote into pytest's capture file, so it is not shown as the next
    check's output (a crash dump is also on the terminal: faulthandler writes there)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None and capture.is_globally_capturing():
        capture.read_global_capture()


def _with_tuples(report: pytest.TestReport) -> pytest.TestReport:
    """A skip's longrepr is a (path, line, reason) tuple; JSON carried it as a list, which pytest's
    verbose terminal report asserts against (execnet, xdist's transport, keeps tuples)."""
    if isinstance(report.longrepr, list):
        report.longrepr = tuple(report.longrepr)  # type: ignore[assignment]
    return report
