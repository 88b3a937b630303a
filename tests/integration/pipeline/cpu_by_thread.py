"""Where one worker's CPU goes: CPU seconds per thread of one worker (and of its NLP child, with
NEWSMON_NLP_EXECUTOR=process), of the broker, of PostgreSQL and of this script, while the worker takes the
bench's N generated articles (stage c's workload of `newsmon bench`).

    .venv/bin/python -m tests.integration.pipeline.cpu_by_thread [N]

Threads are listed by their CPU seconds, most first, with their thread ids; the NLP thread (or child) is the
one with the most. Prints figures and asserts nothing. Needs `make up` (the local broker and PostgreSQL).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil

from streams.bench import pipeline as bp
from streams.bench.inprocess import build_corpus


def thread_cpu(pid: int) -> dict[str, float]:
    """"pid/thread id" -> CPU seconds (user + system) so far."""
    try:
        return {f"{pid}/{t.id}": t.user_time + t.system_time for t in psutil.Process(pid).threads()}
    except psutil.Error:  # gone meanwhile
        return {}


def services_cpu() -> dict[str, float]:
    """CPU seconds so far of the broker (a java process running kafka.Kafka) and of PostgreSQL."""
    out: dict[str, float] = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            key = ("broker" if "kafka.Kafka" in cmd else "postgresql" if "postgres" in (proc.info["name"] or "")
                   else None)
            if key:
                times = proc.cpu_times()
                out[key] = out.get(key, 0.0) + times.user + times.system
        except psutil.Error:
            continue
    return out


def worker_threads(root: int) -> dict[str, float]:
    pids = [root] + [child.pid for child in psutil.Process(root).children(recursive=True)]
    return {tid: cpu for pid in pids for tid, cpu in thread_cpu(pid).items()}


def main(n: int) -> None:
    run = bp.PipelineRun(articles=build_corpus(n), bootstrap=os.environ.get("NEWSMON_KAFKA_BOOTSTRAP",
                                                                              "127.0.0.1:9092"),
                         workdir=Path(os.environ.get("TMPDIR", "/tmp")), progress=lambda *_: None)
    bp.check_services(run)
    with bp.fresh_database(run, "cpu") as url:
        group = bp.WorkerGroup(run, 1, url, "cpu").start()
        try:
            group.ready(300, settle_s=3)
            before, services0, own0 = worker_threads(group.proc.pid), services_cpu(), time.process_time()
            t0 = time.monotonic()
            bp.publish(run, bp._articles_topic(group), run.articles)
            bp.wait_persisted(run, group, [a.id for a in run.articles])
            wall = time.monotonic() - t0
            after, services1, own1 = worker_threads(group.proc.pid), services_cpu(), time.process_time()
            print(f"{n} articles persisted in {wall:.2f} s (NEWSMON_NLP_EXECUTOR="
                  f"{os.environ.get('NEWSMON_NLP_EXECUTOR', 'process')}); worker stage seconds "
                  f"{group.stage_seconds()}")
            spent = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
            for tid, cpu in sorted(spent.items(), key=lambda kv: -kv[1]):
                if cpu >= 0.01:
                    pid, _, task = tid.partition("/")
                    note = "  (main thread: the event loop)" if pid == task else ""
                    print(f"  worker thread {tid:>14}: {cpu:6.2f} CPU s{note}")
            print(f"  worker total         : {sum(spent.values()):6.2f} CPU s")
            for name in sorted(services1):
                print(f"  {name:<21}: {services1[name] - services0.get(name, 0.0):6.2f} CPU s")
            print(f"  this script          : {own1 - own0:6.2f} CPU s")
        finally:
            group.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
