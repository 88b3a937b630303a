"""`newsmon worker --workers N` hands on the exit code of the child that ended first (71 when its dead-letter
brake stopped it), after stopping the others, so a supervisor sees why the group ended."""

from __future__ import annotations

import signal
import subprocess

from streams.cli import worker as worker_cli
from streams.settings import Settings


class FakeChild:
    """A child process that ends on its own with `code` after `polls` polls, or when signalled (0)."""

    def __init__(self, code: int | None, polls: int):
        self.code, self.polls, self.returncode = code, polls, None
        self.signalled = False

    def poll(self):
        if self.returncode is None and self.code is not None:
            self.polls -= 1
            if self.polls <= 0:
                self.returncode = self.code
        return self.returncode

    def send_signal(self, sig):
        self.signalled = sig == signal.SIGTERM
        self.returncode = 0

    def wait(self, timeout=None):
        return self.returncode

    def kill(self):
        self.returncode = -9


def test_the_first_child_that_ends_gives_the_groups_exit_code(monkeypatch, tmp_path):
    children = iter([FakeChild(None, 0), FakeChild(71, 2)])
    made: list[FakeChild] = []

    def popen(*args, **kwargs):
        made.append(next(children))
        return made[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(worker_cli.time, "sleep", lambda s: None)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = worker_cli.run_many(Settings(data_dir=str(tmp_path)), 2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert code == 71
    assert made[0].signalled  # the other child was stopped
