"""docker-compose.yml and the observability files agree: the paths it mounts and the config it names exist,
and the data sources reach the services it defines with the credentials it gives them."""

from __future__ import annotations

from pathlib import PurePosixPath

import yaml

from tests.support.deploy import GRAFANA_DIR, PROMETHEUS_DIR, ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _mounts(service: str) -> dict[str, str]:
    """container path -> host path (relative to the repository) of a service's bind mounts."""
    out = {}
    for volume in SERVICES[service].get("volumes", []):
        host, container = volume.split(":")[:2]
        if host.startswith("./"):
            out[container] = host[2:]
    return out


def test_prometheus_runs_the_compose_config_with_its_rules():
    mounts = _mounts("prometheus")
    config_flag = next(a for a in SERVICES["prometheus"]["command"] if a.startswith("--config.file="))
    config_path = PurePosixPath(config_flag.split("=", 1)[1])
    host_dir = mounts[str(config_path.parent)]
    assert (ROOT / host_dir).resolve() == PROMETHEUS_DIR
    config = yaml.safe_load((PROMETHEUS_DIR / config_path.name).read_text())
    worker = {j["job_name"]: j for j in config["scrape_configs"]}["newsmon-worker"]
    (target,) = worker["static_configs"][0]["targets"]
    host, port = target.split(":")
    assert host in SERVICES, f"{target} is not a compose service"
    assert SERVICES[host]["environment"]["NEWSMON_WEB_PORT"] == port


def test_grafana_mounts_provisioning_and_the_dashboards_folder_the_provider_reads():
    mounts = _mounts("grafana")
    assert (ROOT / mounts["/etc/grafana/provisioning"]).resolve() == GRAFANA_DIR / "provisioning"
    provider = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "newsmon.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert (ROOT / mounts[path]).resolve() == GRAFANA_DIR / "dashboards"


def test_datasources_reach_compose_services_with_their_credentials():
    doc = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "newsmon.yml").read_text())
    sources = {ds["uid"]: ds for ds in doc["datasources"]}
    prom_host = sources["newsmon-prometheus"]["url"].split("://")[1].split(":")[0]
    assert prom_host in SERVICES
    pg = sources["newsmon-postgres"]
    pg_host = pg["url"].split(":")[0]
    pg_env = SERVICES[pg_host]["environment"]
    assert pg["user"] == pg_env["POSTGRES_USER"]
    assert pg["jsonData"]["database"] == pg_env["POSTGRES_DB"]
    # The password reaches Grafana through its environment, from the same variable as PostgreSQL's.
    password_var = pg["secureJsonData"]["password"].strip("${}")
    assert SERVICES["grafana"]["environment"][password_var] == pg_env["POSTGRES_PASSWORD"]
