"""`newsmon worker [--workers N]`: run the Faust worker (enrich + persist agents, metrics and ingest web)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer

from streams.settings import Settings, get_settings

STOP_GRACE_S = 30.0


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(code)


def _check_ports(settings: Settings, workers: int) -> None:
    """Every web port this command will serve on can be bound, before a topic is created or a model loads."""
    from streams.worker.ports import PortUnavailable, ensure_bindable

    last = settings.web_port + workers - 1
    hint = f" (--workers {workers} serves on NEWSMON_WEB_PORT={settings.web_port}..{last})" if workers > 1 else ""
    try:
        for i in range(workers):
            ensure_bindable(settings.web_host, settings.web_port + i, hint=hint)
    except PortUnavailable as exc:
        raise _fail(str(exc)) from None


def _prepare(settings: Settings) -> None:
    """Broker reachable and topics present, else a clear error (before any model loads)."""
    from streams.kafka.admin import ensure_topics
    from streams.kafka.clients import KafkaConfigError, KafkaUnavailable

    try:
        created = ensure_topics(settings)
    except (KafkaUnavailable, KafkaConfigError) as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # the port answers but Kafka does not (still starting, wrong service)
        raise _fail(f"could not create/check topics on {settings.kafka_bootstrap}: {exc}. Is the broker up? "
                    "Start it with `make up`.") from None
    for name in created:
        typer.echo(f"created topic {name}")


def run_one(settings: Settings) -> None:
    """This process is one worker: assemble it (streams/worker/bootstrap.py) and run Faust until stopped."""
    import faust

    from streams.worker import bootstrap

    try:
        app, runtime = bootstrap.assemble(settings)
    except Exception as exc:
        raise _fail(f"worker could not start: {type(exc).__name__}: {exc}") from None
    base = f"http://{settings.web_host}:{settings.web_port}"
    typer.echo(f"newsmon worker: group {settings.group_id}, broker {settings.kafka_bootstrap}\n"
               f"  metrics: {base}/metrics   health: {base}/health   ingest: POST {base}/articles")
    worker = faust.Worker(app, loglevel=settings.log_level.upper(), quiet=True)
    try:
        worker.execute_from_commandline()
    finally:
        runtime.close()


def run_many(settings: Settings, count: int) -> int:
    """N child workers in one consumer group, web ports web_port..web_port+N-1; stopped together."""
    children: list[subprocess.Popen] = []
    for i in range(count):
        env = dict(os.environ, NEWSMON_WEB_PORT=str(settings.web_port + i),
                   NEWSMON_DATA_DIR=os.path.join(settings.data_dir, f"worker-{i}"))
        children.append(subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env))
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exited: list[int] = []  # the codes of the children that ended on their own
    try:
        while not stopping and all(c.poll() is None for c in children):
            time.sleep(0.5)
    finally:
        if not stopping:
            dead = [i for i, c in enumerate(children) if c.poll() is not None]
            exited = [children[i].returncode for i in dead]
            typer.secho(f"worker {dead} exited; stopping the others", fg="red", err=True)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if stopping:
        return 0
    # A child's own code when it gave one (71: the dead-letter brake; 70: its NLP process kept dying).
    return next((code for code in exited if code > 0), 1)


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=32,
                                             help="Worker processes in one consumer group "
                                                  "(web ports web_port+i).")] = 1,
    ) -> None:
        """Run the streaming worker: enrich articles, publish alerts, persist, serve /metrics."""
        settings = get_settings()
        _check_ports(settings, workers)
        _prepare(settings)
        if workers == 1:
            run_one(settings)
        else:
            typer.echo(f"starting {workers} workers in group {settings.group_id}; metrics on "
                       + ", ".join(f"http://{settings.web_host}:{settings.web_port + i}/metrics"
                                   for i in range(workers)))
            raise typer.Exit(run_many(settings, workers))
