"""Settings come from environment variables; production settings pass Django's deploy check."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets 15 passwords; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SETTINGS_MODULES = (
    "collab/settings.py",
    "collab/identity/env.py",
    "collab/ops/env.py",
    "collab/spreadsheets/env.py",
)


def settings_variables() -> set[str]:
    """Every environment variable the settings read."""
    source = "".join((ROOT / module).read_text() for module in SETTINGS_MODULES)
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


SETTINGS_VARIABLES = settings_variables() | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def clean_env(**variables: str) -> dict[str, str]:
    """The current environment without any settings variable, plus `variables`.

    ENV_FILE points at a missing file so a developer's own .env does not interfere."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(ENV_FILE=str(ROOT / "var" / "no-such.env"), PYTHONUNBUFFERED="1")
    env.update(variables)
    return env


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW_SETTINGS = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DATABASE": {k: str(v) for k, v in settings.DATABASES["default"].items()
                 if k in ("ENGINE", "NAME", "HOST", "PORT", "USER")},
    "CACHE": settings.CACHES["default"],
    "BROKER": settings.CELERY_BROKER_URL,
    "BROKER_OPTIONS": getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "TIME_ZONE": settings.TIME_ZONE,
    "CELERY_TIMEZONE": settings.CELERY_TIMEZONE,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "LANGUAGES": [code for code, _ in settings.LANGUAGES],
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
}))
"""


def show_settings(**variables: str) -> dict:
    result = run_python(SHOW_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "collab.example.com",
        "DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'deploy-check.sqlite3'}",
        **extra,
    }


def test_deploy_check_reports_nothing_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**production_env()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_check_does_complain_about_an_insecure_setup():
    """The check above is meaningful: switching off HTTPS redirects makes it fail."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**production_env(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_secret_key_has_no_default_when_debug_is_off():
    result = run_python(
        SHOW_SETTINGS,
        DEBUG="0",
        ALLOWED_HOSTS="collab.example.com",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_empty_secret_key_is_refused_too():
    result = run_python(SHOW_SETTINGS, DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_allows_no_host_by_default():
    values = show_settings(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64))
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == []


def test_development_defaults_need_no_server():
    values = show_settings(DEBUG="1")
    assert values["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE"]["NAME"] == str(ROOT / "db.sqlite3")
    assert values["BROKER"] == "filesystem://"
    broker_dir = ROOT / "var" / "broker"
    assert values["BROKER_OPTIONS"]["data_folder_in"] == str(broker_dir / "out")
    assert values["BROKER_OPTIONS"]["data_folder_out"] == str(broker_dir / "out")
    assert values["BROKER_OPTIONS"]["processed_folder"] == str(broker_dir / "processed")
    assert values["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_database_broker_and_cache_follow_the_environment():
    values = show_settings(
        DEBUG="1",
        DATABASE_URL="postgres://collab:pw@db.internal:5433/collab",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        REDIS_URL="redis://cache.internal:6379/1",
    )
    assert values["DATABASE"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE"]["NAME"] == "collab"
    assert values["DATABASE"]["HOST"] == "db.internal"
    assert values["DATABASE"]["PORT"] == "5433"
    assert values["BROKER"] == "redis://cache.internal:6379/0"
    assert "data_folder_in" not in values["BROKER_OPTIONS"]
    assert values["CACHE"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }


def test_time_zone_and_languages():
    values = show_settings(DEBUG="1")
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["CELERY_TIMEZONE"] == "Asia/Shanghai"
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert values["LANGUAGES"] == ["zh-hans", "en"]
    # The running test process agrees.
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_env_file_fills_in_missing_variables_only(tmp_path):
    env_file = tmp_path / "collab.env"
    env_file.write_text("DEBUG=1\nTIME_ZONE=UTC\nREDIS_URL=redis://from-file:6379/3\n")
    values = show_settings(ENV_FILE=str(env_file), TIME_ZONE="Asia/Shanghai")
    assert values["DEBUG"] is True
    assert values["TIME_ZONE"] == "Asia/Shanghai"  # the real environment wins
    assert values["CACHE"]["LOCATION"] == "redis://from-file:6379/3"


@pytest.mark.django_db
def test_requirement_list_is_chinese_by_default(client, org):
    client.force_login(org["users"]["director"])
    response = client.get(reverse("requirements:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "需求编号" in page
    assert 'lang="zh-hans"' in page


@pytest.mark.django_db
def test_requirement_list_in_english(client, org):
    client.force_login(org["users"]["director"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("requirements:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Requirement number" in page
    assert "需求编号" not in page
    assert 'lang="en"' in page


@pytest.mark.django_db
def test_language_switch_through_set_language(client, org):
    client.force_login(org["users"]["mkt_staff"])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/requirements/"})
    assert response.status_code == 302
    page = client.get(reverse("requirements:list")).content.decode()
    assert "Requirement number" in page


def test_env_example_lists_every_variable_settings_reads():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    variables = settings_variables()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"} <= variables
    missing = sorted(variables - listed)
    assert missing == [], f"document these settings variables in .env.example: {missing}"


def test_readme_names_every_variable_settings_reads():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in readme)
    assert missing == [], f"name these settings variables in README.md (Configuration): {missing}"
