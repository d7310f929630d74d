"""docker/: the compose files follow the Compose Specification schema and describe the deployment we document."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[3] / "docker"
COMPOSE_FILES = ("compose.yaml", "compose.workers.yaml")
ONE_SHOT = {"migrate"}  # runs to completion before the others start; a health check means nothing there


def load(name: str) -> dict:
    return yaml.safe_load((DOCKER / name).read_text())


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((DOCKER / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_file_validates_against_the_compose_specification(validator, name):
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(load(name))]
    assert errors == []


def test_the_schema_rejects_what_compose_would_reject(validator):
    broken = load("compose.yaml")
    broken["services"]["web"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["worker-cpu"]["ports"] = "8000"
    assert len(list(validator.iter_errors(broken))) == 2


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_long_running_service_has_a_health_check(name):
    for service_name, service in load(name)["services"].items():
        if service_name in ONE_SHOT:
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), service_name


def test_main_compose_has_every_role():
    services = load("compose.yaml")["services"]
    assert {"postgres", "redis", "web", "worker-cpu", "worker-gpu", "beat", "migrate"} <= set(services)
    assert "gunicorn" in " ".join(json.loads(_cmd_of_image()))
    assert services["web"]["ports"] == ["${RB_HTTP_PORT:-8000}:8000"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for service in ("web", "worker-cpu", "worker-gpu", "beat"):
        assert services[service]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_workers_consume_their_queue_and_the_gpu_worker_reserves_a_gpu(name):
    services = load(name)["services"]
    cpu, gpu = services["worker-cpu"]["command"], services["worker-gpu"]["command"]
    assert cpu[cpu.index("-Q") + 1] == "cpu" and gpu[gpu.index("-Q") + 1] == "gpu"
    assert cpu[cpu.index("-n") + 1] == "cpu@%h" and gpu[gpu.index("-n") + 1] == "gpu@%h"
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"] and devices[0]["driver"] == "nvidia"
    assert services["worker-gpu"]["build"]["args"]["TORCH_FLAVOUR"] == "cuda"
    assert services["worker-cpu"]["build"]["args"]["TORCH_FLAVOUR"] == "cpu"
    assert services["worker-gpu"]["profiles"] == ["gpu"], "a host without GPU starts the rest"


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_caches_live_on_named_volumes_shared_by_the_workers(name):
    compose = load(name)
    for service in ("worker-cpu", "worker-gpu"):
        mounts = dict(v.split(":")[:2][::-1] for v in compose["services"][service]["volumes"] if ":" in v)
        assert mounts["/data/datasets"] == "datasets"
        assert mounts["/data/artifacts"] == "artifacts"
        assert mounts["/data/cache"] == "embeddings"
        env = compose["services"][service]["environment"]
        assert env["RB_ARTIFACT_URL"].endswith("file:///data/artifacts}") and env["RB_CACHE_DIR"] == "/data/cache"
    assert {"datasets", "artifacts", "embeddings"} <= set(compose["volumes"])


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_secrets_come_from_the_environment(name):
    text = (DOCKER / name).read_text()
    compose = yaml.safe_load(text)
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|PASSWORD", key):
                assert str(value).startswith("${"), key
            assert not re.search(r"://[^:/@]*:(?!\$\{)[^@]+@", str(value)), f"{key}: literal password in a URL"
        env = service.get("environment") or {}
        if "SECRET_KEY" in env:
            assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "required, never defaulted"
    assert not (DOCKER / ".env").exists() or ".env" in (DOCKER.parent / ".gitignore").read_text()


def _cmd_of_image() -> str:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*?\])\s*$", dockerfile, re.M | re.S).group(1)
    return cmd.replace("\\\n", "")


def test_dockerfile_builds_cpu_torch_by_default_with_a_cuda_variant_and_bakes_no_secret():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^ARG TORCH_FLAVOUR=cpu$", dockerfile, re.M)
    assert re.search(r"^ARG TORCH_VERSION=2\.13\.0$", dockerfile, re.M)
    assert "--index-url https://download.pytorch.org/whl/cpu" in dockerfile
    assert "cuda)" in dockerfile
    env_block = " ".join(re.findall(r"^ENV (.*?)(?<!\\)$", dockerfile, re.M | re.S))
    assert "SECRET_KEY" not in env_block and "PASSWORD" not in env_block
    requirements = (DOCKER.parent / "requirements.txt").read_text()
    assert "torch==2.13.0" in requirements.split()
