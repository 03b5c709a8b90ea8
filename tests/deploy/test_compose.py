"""docker-compose.yml, read as YAML (no Docker runs here): PostgreSQL, a one-off
migration the two workers wait for, the workers behind one proxy, secrets from the env
file, health checks on /healthz, PostgreSQL's data in a volume and the school config
mounted read-only. The proxy's Caddyfile is read by Caddy itself (``caddy adapt``), and
the workers it sends to are the compose file's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.proxy import CADDYFILE, caddy_binary, caddy_env
from tests.deploy.test_dockerfile import RUNTIME

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
WORKERS = ["worker-1", "worker-2"]
CONFIG_MOUNT = "./config:/config:ro"


def test_the_services_are_a_database_a_migration_two_workers_and_a_proxy() -> None:
    assert set(SERVICES) == {"db", "migrate", *WORKERS, "proxy"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["proxy"]["image"].startswith("caddy:2")


def test_the_migration_runs_once_and_the_workers_wait_for_it_to_succeed() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["policybot", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in WORKERS:
        assert SERVICES[name]["command"] == ["policybot", "serve", "--host", "0.0.0.0"]
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"}}
        assert SERVICES[name]["restart"] == "unless-stopped"


def test_the_bot_is_built_from_this_repository_and_reads_the_env_file() -> None:
    for name in ("migrate", *WORKERS):
        assert SERVICES[name]["build"] == "."
        assert SERVICES[name]["image"] == "policybot:latest"
    for name in ("db", "migrate", *WORKERS):
        assert SERVICES[name]["env_file"] == "policybot.env"
        assert "environment" not in SERVICES[name]  # secrets only from the env file
    assert (ROOT / "policybot.env.example").is_file()


def test_health_checks_ask_healthz_and_the_workers_ask_as_the_image_does() -> None:
    [image_check] = [i.arguments for i in RUNTIME if i.keyword == "HEALTHCHECK"]
    image_probe = json.loads(image_check.partition(" CMD ")[2])
    for name in WORKERS:
        assert SERVICES[name]["healthcheck"]["test"] == ["CMD", *image_probe]
    assert "http://127.0.0.1:8080/healthz" in SERVICES["proxy"]["healthcheck"]["test"]
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    assert SERVICES["proxy"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in WORKERS}


def test_postgres_data_lives_in_a_volume_and_the_config_is_mounted_read_only() -> None:
    assert SERVICES["db"]["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert "db-data" in COMPOSE["volumes"]
    for name in ("migrate", *WORKERS):
        assert SERVICES[name]["volumes"] == [CONFIG_MOUNT]
    example = (ROOT / "policybot.env.example").read_text()
    assert "\nPOLICYBOT_CONFIG=/config/" in example  # inside the read-only mount


def test_one_port_is_published_and_only_by_the_proxy() -> None:
    assert SERVICES["proxy"]["ports"] == ["8080:8080"]
    assert [name for name, service in SERVICES.items() if "ports" in service] == ["proxy"]
    assert SERVICES["proxy"]["volumes"] == ["./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"]


def test_caddy_reads_the_caddyfile_as_round_robin_over_both_workers_with_health_checks(
    tmp_path: Path,
) -> None:
    adapted = subprocess.run(
        [caddy_binary(), "adapt", "--config", CADDYFILE, "--adapter", "caddyfile"],
        env=caddy_env(tmp_path), capture_output=True, text=True, check=True, timeout=60)
    [server] = json.loads(adapted.stdout)["apps"]["http"]["servers"].values()
    assert server["listen"] == ["0.0.0.0:8080"]
    [route] = server["routes"]
    [proxy] = route["handle"]
    assert proxy["handler"] == "reverse_proxy"
    assert [u["dial"] for u in proxy["upstreams"]] == [f"{name}:8080" for name in WORKERS]
    assert proxy["load_balancing"]["selection_policy"] == {"policy": "round_robin"}
    assert proxy["load_balancing"]["try_duration"] == 5_000_000_000  # a restart: the other
    assert proxy["health_checks"]["active"]["uri"] == "/healthz"
    assert proxy["health_checks"]["active"]["expect_status"] == 200
