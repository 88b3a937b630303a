"""docker-compose.yml is a valid Compose file that runs what the local launchers run.

No container engine runs here, so the file is checked against the Compose specification's JSON schema
(tests/unit/compose_schema/, extracted unmodified from a published package) and against the repository.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "tests" / "unit" / "compose_schema" / "compose_spec.json"
# sha256 of compose/config/compose_spec.json in the docker-compose 1.29.2 wheel (see the README beside it)
SCHEMA_SHA256 = "0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


def _errors(validator: Draft201909Validator, doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_schema_is_the_published_file_unmodified():
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_compose_file_follows_the_compose_specification(compose, validator):
    assert _errors(validator, compose) == []


def test_schema_rejects_a_misspelt_service_key(compose, validator):
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["enviroment"] = {"X": "1"}
    assert any("enviroment" in e for e in _errors(validator, broken))


def test_runs_every_service_of_the_stack(compose):
    assert set(compose["services"]) == {"kafka", "postgres", "worker", "prometheus", "grafana", "feeds"}
    assert compose["services"]["feeds"]["profiles"] == ["feeds"]  # opt-in: it needs a source list


def test_kafka_image_is_the_version_the_local_script_runs(compose):
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_VERSION"}
    script = subprocess.run(["bash", str(ROOT / "deploy/local/kafka.sh"), "version"], env=env,
                            capture_output=True, text=True, check=True)
    image = compose["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{script.stdout.strip()}"


def _bind_sources(service: dict) -> list[str]:
    sources = []
    for volume in service.get("volumes", []):
        source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
        if source.startswith((".", "/")):
            sources.append(source)
    return sources


def test_mounted_paths_and_build_context_exist(compose):
    mounts = [(name, src) for name, svc in compose["services"].items() for src in _bind_sources(svc)]
    assert mounts, "expected the Prometheus and Grafana configuration to be mounted"
    missing = [f"{name}: {src}" for name, src in mounts if not (ROOT / src).exists()]
    assert missing == []
    assert (ROOT / compose["services"]["worker"]["build"] / "Dockerfile").is_file()


def test_prometheus_reads_a_config_from_its_mounted_folder(compose):
    prom = compose["services"]["prometheus"]
    (flag,) = [a for a in prom["command"] if a.startswith("--config.file=")]
    in_container = flag.split("=", 1)[1]
    (mount,) = [v for v in prom["volumes"] if v.startswith("./deploy/prometheus:")]
    target = mount.split(":")[1]
    assert in_container.startswith(target + "/")
    assert (ROOT / "deploy/prometheus" / in_container[len(target) + 1:]).is_file()


def test_grafana_dashboards_are_mounted_where_provisioning_looks(compose):
    paths = []
    for provider_file in (ROOT / "deploy/grafana/provisioning/dashboards").glob("*.yml"):
        for provider in yaml.safe_load(provider_file.read_text())["providers"]:
            paths.append(provider["options"]["path"])
    targets = {v.split(":")[1] for v in compose["services"]["grafana"]["volumes"] if v.startswith("./")}
    assert paths and all(p in targets for p in paths)


def test_worker_reaches_kafka_and_postgres_by_service_name(compose):
    worker = compose["services"]["worker"]
    env = worker["environment"]
    assert env["NEWSMON_KAFKA_BOOTSTRAP"] == "kafka:9092"
    database_url = env["NEWSMON_DATABASE_URL"]
    assert re.match(r"postgresql\+psycopg://newsmon:[^@]+@postgres:5432/newsmon$", database_url)
    assert env["NEWSMON_WEB_HOST"] == "0.0.0.0"
    assert set(worker["depends_on"]) == {"kafka", "postgres"}
    advertised = compose["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert "PLAINTEXT://kafka:9092" in advertised.split(",")


def test_dockerfile_copies_only_what_exists():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    copied = [p for line in lines if line.startswith("COPY ") for p in line.split()[1:-1]]
    assert copied and [p for p in copied if not (ROOT / p).exists()] == []


def test_the_dependency_layer_is_built_from_pyproject_alone():
    """Code edits must not reinstall the dependencies: everything copied before the first `pip install` is
    pyproject.toml, and the code is installed after it without dependencies."""
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    first_install = next(i for i, line in enumerate(lines) if "pip install" in line)
    before = [p for line in lines[:first_install] if line.startswith("COPY ") for p in line.split()[1:-1]]
    assert before == ["pyproject.toml"]
    code_copies = [i for i, line in enumerate(lines) if line.startswith("COPY ") and "streams/" in line]
    last_install = max(i for i, line in enumerate(lines) if "pip install" in line)
    assert code_copies and code_copies[0] < last_install and "--no-deps" in lines[last_install]
