"""The production docker-compose.yml: valid for docker-compose, one Django definition shared
by web, worker and beat, and an environment that passes Django's deploy check."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
DJANGO_SERVICES = ("migrate", "web", "worker", "beat")
COMPOSE_SECRET = "compose-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"


def compose(*args: str, **variables: str) -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    require("docker-compose", executable is not None, "apt-get install -y docker-compose")
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update(variables)
    return subprocess.run(
        [
            executable,
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config() -> dict:
    result = compose("config", SECRET_KEY=COMPOSE_SECRET, ALLOWED_HOSTS="collab.example.com")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def test_compose_file_is_valid():
    result = compose("config", "-q", SECRET_KEY=COMPOSE_SECRET)
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret_key():
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_web_worker_beat_share_one_definition(config):
    services = config["services"]
    first = services["web"]
    for name in DJANGO_SERVICES:
        service = services[name]
        assert service["image"] == first["image"], name
        assert service["environment"] == first["environment"], name
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name  # noqa: S108
        assert service["cap_drop"] == ["ALL"], name
    # One image, built once: only the first service to run builds it.
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    assert services["migrate"]["build"]["dockerfile"] == "Dockerfile"
    source = (ROOT / "docker-compose.yml").read_text()
    anchors = re.findall(r"&([\w-]+)", source)
    assert anchors, "the shared definition is an anchor"
    for anchor in anchors:
        assert f"*{anchor}" in source, f"anchor &{anchor} is never used"
    assert re.search(r"x-django: &django\n  image:", source)
    environment = first["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["SECRET_KEY"] == COMPOSE_SECRET
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_services_run_the_right_programs(config):
    services = config["services"]
    web = command_text(services["web"])
    assert web == "gunicorn --config python:collab.ops.gunicorn collab.wsgi:application"
    worker = command_text(services["worker"])
    assert worker.startswith("celery -A collab worker")
    assert worker.endswith("-Q scans,notify,robot-dingtalk,robot-feishu,robot-wecom,celery")
    assert command_text(services["beat"]).startswith("celery -A collab beat")
    assert command_text(services["migrate"]) == "python manage.py migrate --noinput"
    # Exactly one beat: two would schedule every alert twice.
    beats = [name for name, s in services.items() if "beat" in command_text(s).split()]
    assert beats == ["beat"]


def test_web_healthcheck_asks_readyz(config):
    test = " ".join(config["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in test
    assert "urlopen" in test  # raises on 503, so an unready server is unhealthy


def test_everything_waits_for_healthy_stores_and_finished_migrations(config):
    services = config["services"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_compose_environment_passes_the_deploy_check(config):
    """Django's deploy check with exactly the variables the containers get."""
    environment = {
        key: str(value)
        for key, value in config["services"]["web"]["environment"].items()
        if value is not None
    }
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(environment, ENV_FILE=str(ROOT / "var" / "no-such.env"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_containers_can_receive_every_setting(config):
    """Each variable settings.py reads is set or passed through for the Django services,
    except those that only make sense on a developer's machine or in tests."""
    from tests.platform.test_settings import settings_variables

    local_only = {"ENV_FILE", "TEST_DATABASE_NAME", "STATIC_ROOT"}
    environment = config["services"]["web"]["environment"]
    missing = sorted(settings_variables() - local_only - set(environment))
    assert missing == [], f"pass these through in docker-compose.yml (x-django): {missing}"
