"""Shared by the subscriber commands (alerts, replay): user-facing errors instead of tracebacks."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape

from streams.cli.timeparse import TimeFormatError
from streams.kafka.clients import KafkaConfigError, KafkaUnavailable
from streams.kafka.reader import ReadStalled, TopicMissing

# Progress, warnings and errors go to stderr, so stdout carries only the data (e.g. `--json` lines).
err = Console(stderr=True)

USER_ERRORS = (KafkaConfigError, KafkaUnavailable, ReadStalled, TopicMissing, TimeFormatError)


class CommandError(Exception):
    """A problem the user can fix; its message says what went wrong and what to do."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` on stderr (unwrapped, so it can be grepped) and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


@contextlib.contextmanager
def ctrl_c_sets(stop: threading.Event) -> Iterator[None]:
    """While inside: the first Ctrl-C (SIGINT) or SIGTERM only sets `stop`, so a followed feed ends between two
    polls and closes its consumer cleanly; a second Ctrl-C interrupts at once. Handlers are restored after."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        # not through rich: the signal may land while the main thread is inside err.print, and a nested
        # print there raises (seen as `alerts --follow` exiting 1 on Ctrl-C while it printed a skip line)
        os.write(2, b"stopping...\n")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def user_errors(interrupt_code: int = 0) -> Iterator[None]:
    """Turn the errors a user can act on into one red line and exit status 1; Ctrl-C exits without a
    traceback (status 0 where Ctrl-C is the normal way to stop, as for a followed feed)."""
    try:
        yield
    except (CommandError, *USER_ERRORS) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        err.print("stopped", style="dim")
        raise typer.Exit(interrupt_code) from None

