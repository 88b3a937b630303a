"""A real Prometheus for the observability tests, scraping a worker with the project's config and rules, on a
free port of its own and stopped by its pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.deploy import PROMETHEUS_DIR, ROOT, binary
from tests.support.workers import WaitTimeout, wait_for

PROMETHEUS_SH = ROOT / "deploy" / "local" / "prometheus.sh"


def http_get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local test URL
        return response.read()


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen, grace: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; only this process."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def prometheus_config(worker_port: int, prometheus_port: int, scrape_interval: str = "1s",
                      feeds_port: int | None = None) -> dict:
    """The project's deploy/prometheus/prometheus.yml with this test's targets and a short interval (the feed
    poller's job dropped when no `feeds_port` is given)."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval=scrape_interval, evaluation_interval=scrape_interval)
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    targets = {"newsmon-worker": f"127.0.0.1:{worker_port}", "prometheus": f"127.0.0.1:{prometheus_port}",
               "newsmon-feeds": f"127.0.0.1:{feeds_port}"}
    if feeds_port is None:
        config["scrape_configs"] = [j for j in config["scrape_configs"] if j["job_name"] != "newsmon-feeds"]
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    return config


@dataclass
class Prometheus:
    url: str
    stop: callable  # type: ignore[valid-type]
    log: Path

    def query(self, expr: str, at: float | None = None) -> dict:
        """/api/v1/query; returns the whole answer (status, data or error)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            return json.loads(http_get(url, timeout=30))
        except urllib.error.HTTPError as exc:  # 400 on a parse error: the body says why
            return json.loads(exc.read() or b"{}") or {"status": "error", "error": str(exc)}

    def api(self, path: str) -> dict:
        return json.loads(http_get(f"{self.url}{path}", timeout=30))


def start_prometheus(config: dict, workdir: Path, port: int, timeout: float = 60.0) -> Prometheus:
    """Start Prometheus on `config`: through deploy/local/prometheus.sh when the project has it (the
    contract: PROMETHEUS_CONFIG, PROMETHEUS_PORT, PROMETHEUS_DATA_DIR in the environment; `start` returns
    once /-/ready answers, `stop` stops the instance of that data dir), else the installed `prometheus`
    binary directly. Neither installs anything: `make test` runs `deploy/local/prometheus.sh install`."""
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    check = subprocess.run([binary("promtool"), "check", "config", str(config_path)], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    data_dir = workdir / "data"
    log = workdir / "prometheus.log"
    if PROMETHEUS_SH.exists():
        log = data_dir / "prometheus.log"  # where the script writes it
        env = {**os.environ, "PROMETHEUS_CONFIG": str(config_path), "PROMETHEUS_PORT": str(port),
               "PROMETHEUS_DATA_DIR": str(data_dir)}
        started = subprocess.run(["bash", str(PROMETHEUS_SH), "start"], env=env, capture_output=True,
                                 text=True, timeout=timeout + 30)
        if started.returncode != 0:
            pytest.fail(f"deploy/local/prometheus.sh start failed ({started.returncode}):\n"
                        f"{started.stdout}\n{started.stderr}", pytrace=False)

        def stopper() -> None:
            subprocess.run(["bash", str(PROMETHEUS_SH), "stop"], env=env, capture_output=True, timeout=60)
    else:
        out = log.open("wb")
        proc = subprocess.Popen(
            [binary("prometheus"), f"--config.file={config_path}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h"],
            stdout=out, stderr=subprocess.STDOUT)

        def stopper() -> None:
            stop(proc, grace=15)
    prometheus = Prometheus(url=f"http://127.0.0.1:{port}", stop=stopper, log=log)

    def ready() -> bool:
        try:
            http_get(f"{prometheus.url}/-/ready", timeout=2)
            return True
        except (urllib.error.URLError, OSError):
            return False

    try:
        wait_for(f"Prometheus to become ready on port {port}", ready, timeout, lambda: tail(log))
    except WaitTimeout as exc:
        stopper()
        pytest.fail(str(exc), pytrace=False)
    return prometheus
