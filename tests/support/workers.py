"""The worker launcher and the poll-until-true helper, as the bench uses them (streams/bench/workers.py)."""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streams.bench.workers import WaitTimeout, WorkerProcess, free_ports, wait_for

ROOT = Path(__file__).resolve().parents[2]
NEWSMON = str(Path(sys.executable).with_name("newsmon"))  # the command a user runs, from this venv


def free_port() -> int:
    return free_ports(1)


__all__ = ["NEWSMON", "ROOT", "WaitTimeout", "WorkerProcess", "free_port", "run_until_idle", "wait_for",
           "wait_for_async"]


async def wait_for_async(what: str, check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.005) -> Any:
    """`wait_for` inside an event loop: poll `check()` (a plain or an async function) without blocking the loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


async def run_until_idle(turns: int = 50) -> None:
    """Let every ready task run until it blocks again: a fixed number of event-loop turns, no wall-clock time.
    What a test needs before asserting that something has NOT happened."""
    for _ in range(turns):
        await asyncio.sleep(0)
