"""Fixtures of the integration tier beside tests/conftest.py's services: real worker processes."""

from __future__ import annotations

import signal

import pytest

from tests.support.pipeline import MAX_TEXT_BYTES
from tests.support.workers import WorkerProcess


@pytest.fixture
def make_worker(kafka_bootstrap, unique_prefix, tmp_path):
    started: list[WorkerProcess] = []

    def make(database_url: str, *args: str) -> WorkerProcess:
        # Faust reads BROKER_SESSION_TIMEOUT from the environment: a SIGKILLed member then leaves the group
        # after 10 s instead of 60 s, so the restarted worker gets the partitions sooner.
        env = {"NEWSMON_MAX_TEXT_BYTES": str(MAX_TEXT_BYTES), "BROKER_SESSION_TIMEOUT": "10",
               "BROKER_HEARTBEAT_INTERVAL": "1"}
        worker = WorkerProcess(bootstrap=kafka_bootstrap, prefix=unique_prefix, database_url=database_url,
                               workdir=tmp_path, extra_env=env)
        started.append(worker.start(*args))
        return worker

    yield make
    for worker in started:
        worker.stop(signal.SIGKILL, timeout=10)
