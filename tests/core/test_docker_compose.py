"""docker-compose.yml validates with the compose client (there is no engine to run it here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from bench.proxy import template_variables
from tests.conftest import REPO_ROOT


def compose_command() -> list[str]:
    """`docker compose` (v2 plugin) where installed, else Debian's docker-compose."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    found = shutil.which("docker-compose")
    assert found, "no compose client: `make test` installs Debian's docker-compose"
    return [found]


def compose_config(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*compose_command(), "config"],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_compose_file_validates_and_defines_every_service():
    result = compose_config(SECRET_KEY="compose-check")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["web"]["environment"]["SECRET_KEY"] == "compose-check"


def test_the_compose_file_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [*compose_command(), "config"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_flower_is_bound_to_loopback_only():
    services = yaml.safe_load(compose_config(SECRET_KEY="x").stdout)["services"]
    (port,) = services["flower"]["ports"]
    host_ip = port["host_ip"] if isinstance(port, dict) else port.split(":")[0]
    assert host_ip == "127.0.0.1"


def published_targets(service: dict) -> set[int]:
    return {
        int(p["target"] if isinstance(p, dict) else str(p).rsplit(":", 1)[-1])
        for p in service.get("ports") or []
    }


def test_only_the_proxy_is_published_and_the_site_trusts_exactly_its_hop():
    services = yaml.safe_load(compose_config(SECRET_KEY="x").stdout)["services"]
    assert published_targets(services["proxy"]) == {80, 443}
    for name in ("web", "worker", "beat", "db", "redis"):
        assert published_targets(services[name]) == set(), f"{name} is published"
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_gets_its_config_certificate_and_every_template_variable():
    proxy = yaml.safe_load(compose_config(SECRET_KEY="x").stdout)["services"]["proxy"]
    mounts = {
        (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
        for v in proxy["volumes"]
    }
    targets = {target for _, target in mounts}
    assert {"/etc/nginx/templates", "/etc/nginx/certs"} <= targets
    (templates,) = [source for source, target in mounts if target == "/etc/nginx/templates"]
    assert Path(templates) == REPO_ROOT / "deploy" / "nginx" / "templates"
    assert template_variables() <= set(proxy["environment"])
