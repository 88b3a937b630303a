"""The worker launcher and the poll-until-true helper, as the bench uses them (streams/bench/workers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from streams.bench.workers import WaitTimeout, WorkerProcess, free_ports, wait_for

ROOT = Path(__file__).resolve().parents[2]
NEWSMON = str(Path(sys.executable).with_name("newsmon"))  # the command a user runs, from this venv


def free_port() -> int:
    return free_ports(1)


__all__ = ["NEWSMON", "ROOT", "WaitTimeout", "WorkerProcess", "free_port", "wait_for"]
