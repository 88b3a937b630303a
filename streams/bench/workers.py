"""Real `newsmon worker` processes started from outside, for the benchmark and the test suite alike: the one
launcher (`WorkerProcess`) and the one poll-until-true helper (`wait_for`) both use.

A launched worker runs in a session of its own, with its own topic prefix, database, web port(s) and data
directory, so that many can share one broker and one database server; `stop` signals the whole session
(the children of `--workers N` too).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """A condition did not come true in time; the message says what was awaited and what was seen."""


def wait_for(what: str, check: Callable[[], T], timeout: float, on_timeout: Callable[[], str] = str,
             interval: float | Callable[[T], float] = 0.5) -> T:
    """Poll `check()` until it returns something truthy and return that; raise WaitTimeout naming `what` (and
    `on_timeout()`) once `timeout` seconds pass. `interval` may depend on the last value (poll less while far
    from done)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}\n{on_timeout()}".rstrip())
        time.sleep(interval(result) if callable(interval) else interval)


def free_ports(count: int = 1) -> int:
    """A base port with `count` consecutive free local ports (a group's workers use base..base+count-1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count < 65535 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no free local ports for the workers' web servers")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class WorkerProcess:
    """`newsmon worker [--workers N]` in its own session, with its own prefix, database, ports and data dir."""

    def __init__(self, *, bootstrap: str, prefix: str, database_url: str, workdir: Path, workers: int = 1,
                 label: str | None = None, extra_env: Mapping[str, str] | None = None):
        self.count = workers
        self.prefix = prefix
        self.database_url = database_url
        self.port = free_ports(workers)
        label = label or str(self.port)
        self.log_path = workdir / f"worker-{label}.log"
        self.env = dict(os.environ, NEWSMON_KAFKA_BOOTSTRAP=bootstrap, NEWSMON_TOPIC_PREFIX=prefix,
                        NEWSMON_DATABASE_URL=database_url, NEWSMON_WEB_PORT=str(self.port),
                        NEWSMON_DATA_DIR=str(workdir / f"faust-{label}"), NEWSMON_LOG_LEVEL="info")
        self.env.update(extra_env or {})
        self.proc: subprocess.Popen | None = None

    @property
    def ports(self) -> list[int]:
        return [self.port + i for i in range(self.count)]

    @property
    def url(self) -> str:
        """The first worker's web address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, *args: str) -> WorkerProcess:
        """Start it (extra `newsmon worker` options in `args`); returns at once, see `ready`."""
        command = [sys.executable, "-m", "streams.cli", "worker", *args]
        if self.count > 1:
            command += ["--workers", str(self.count)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(command, env=self.env, cwd=self.log_path.parent, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- worker log {self.log_path} (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def get(self, path: str, port: int | None = None) -> tuple[int, str]:
        """GET a path of one worker's web server (the first worker's by default): (status, body)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{port or self.port}{path}", timeout=5) as resp:
            return resp.status, resp.read().decode()

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def assigned(self) -> list[int]:
        """Partitions assigned to each worker (0 for one that does not answer yet); raises once it exited."""
        if self.exited() is not None:
            raise RuntimeError(f"the worker exited with {self.proc.returncode if self.proc else None}\n"
                               f"{self.log_tail()}")
        out = []
        for port in self.ports:
            try:
                out.append(len(json.loads(self.get("/health", port)[1])["assigned_partitions"]))
            except (OSError, ValueError, KeyError):
                out.append(0)
        return out

    def ready(self, timeout: float = 180, settle_s: float = 0.0,
              progress: Callable[[str], None] | None = None) -> None:
        """Until every worker has partitions and the assignment stayed the same for `settle_s` seconds (a
        group of several settles through rebalances)."""
        seen: dict[str, Any] = {"last": None, "since": time.monotonic()}

        def settled() -> bool:
            now = self.assigned()
            if progress:
                progress(f"starting {self.count} worker(s): partitions {now}")
            if now != seen["last"]:
                seen.update(last=now, since=time.monotonic())
            return all(now) and time.monotonic() - seen["since"] >= settle_s

        wait_for(f"{self.count} worker(s) to join their group", settled, timeout, self.log_tail)

    def samples(self, name: str, port: int | None = None) -> dict[str, float]:
        """Every sample of metric `name` by its line key (name{labels}), summed over the workers (or one)."""
        out: dict[str, float] = {}
        for p in [port] if port else self.ports:
            for line in self.get("/metrics", p)[1].splitlines():
                if line.startswith(name) and not line.startswith("#"):
                    key, _, value = line.rpartition(" ")
                    out[key] = out.get(key, 0.0) + float(value)
        return out

    def metric(self, name: str, port: int | None = None) -> float:
        """Sum of one metric's samples, every label set, over the workers (or one)."""
        return sum(v for k, v in self.samples(name, port).items() if k == name or k.startswith(name + "{"))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int | None:
        """Signal the worker's session; SIGKILL it if it has not exited after `timeout` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout=10)


class ResourceSampler:
    """A thread recording the peak RSS and the CPU seconds of each worker process of a `WorkerProcess` (the
    children when it runs N > 1), each with its own child processes (the NLP process) counted in (psutil)."""

    def __init__(self, worker: WorkerProcess):
        self.worker = worker
        self.peak_rss: dict[int, int] = {}
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()

    def start(self) -> ResourceSampler:
        threading.Thread(target=self._sample, daemon=True, name="bench-sampler").start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _trees(self) -> list[list[Any]]:
        """Per worker process: it and its children (its NLP process, multiprocessing's resource tracker)."""
        import psutil

        try:
            root = psutil.Process(self.worker.proc.pid)  # type: ignore[union-attr]
            workers = root.children() if self.worker.count > 1 else [root]
        except psutil.Error:
            return []
        trees = []
        for worker in workers:
            try:
                trees.append([worker, *worker.children(recursive=True)])
            except psutil.Error:
                continue
        return trees

    def _sample(self) -> None:
        """Every 0.5 s: each worker's RSS (peak kept) and CPU seconds. The process trees are listed again only
        every 5 s or when one is gone (listing children reads every process on the machine, and this thread
        shares the cores with what it measures)."""
        import psutil

        trees: list[list[Any]] = []
        listed = 0.0
        while not self._stop.is_set():
            if time.monotonic() - listed >= 5.0 or not trees:
                trees, listed = self._trees(), time.monotonic()
            for procs in trees:
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                        t = p.cpu_times()
                        self._cpu[p.pid] = t.user + t.system
                    except psutil.Error:
                        listed = 0.0  # a process went (or came): list the trees again next time
                self.peak_rss[procs[0].pid] = max(self.peak_rss.get(procs[0].pid, 0), rss)
            self._stop.wait(0.5)

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the worker processes (as last sampled, at most 0.5 s old)."""
        return sum(self._cpu.values())

    def rss_mb(self) -> list[float]:
        return [round(v / 2**20, 1) for v in self.peak_rss.values()]
