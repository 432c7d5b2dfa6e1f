"""The production image, checked by reading the Dockerfile and .dockerignore (no
container engine runs in CI): code owned by root and read-only to the app user, only
var/ and /tmp writable, no build leftovers, no secrets in the build context."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    result = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, rest))
    return result


def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def test_build_happens_in_a_separate_stage():
    *builders, final = stages()
    assert builders, "dependencies are built in a stage of their own"
    assert any("pip install" in rest for keyword, rest in builders[0] if keyword == "RUN")
    # The runtime stage installs nothing with pip, so no build/ or *.egg-info in /app.
    assert not any("pip install" in rest for keyword, rest in final if keyword == "RUN")
    copies_from_build = [rest for keyword, rest in final if rest.startswith("--from=")]
    assert copies_from_build == ["--from=build /opt/venv /opt/venv"]


def test_code_is_owned_by_root():
    for keyword, rest in final_stage():
        if keyword in ("COPY", "ADD"):
            assert "--chown" not in rest and "--chmod" not in rest, rest
        if keyword == "RUN":
            for target in re.findall(r"chown\s+(?:-R\s+)?\S+\s+(\S+)", rest):
                assert target == "var", f"only var/ may belong to the app user: {rest}"


def test_app_files_are_not_writable_by_the_app_user():
    runs = " && ".join(rest for keyword, rest in final_stage() if keyword == "RUN")
    assert "chmod -R go-w /app" in runs
    assert runs.index("chmod -R go-w /app") < runs.index("chown -R 10001:10001 var")
    assert "mkdir -p var/media var/documents" in runs


def test_runs_as_a_numeric_unprivileged_user():
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    # Numeric, so Kubernetes' runAsNonRoot can verify it.
    assert users == ["10001:10001"]
    keywords = [keyword for keyword, _rest in final_stage()]
    assert keywords.index("USER") > max(
        index for index, keyword in enumerate(keywords) if keyword in ("RUN", "COPY")
    )


def test_runtime_writes_only_to_tmp_and_var():
    env = " ".join(rest for keyword, rest in final_stage() if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "HOME=/tmp" in env
    assert "PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus" in env
    assert "STATIC_ROOT=/app/staticfiles" in env
    runs = " ".join(rest for keyword, rest in final_stage() if keyword == "RUN")
    assert "collectstatic --noinput" in runs  # at build time, not when a container starts
    cmd = [rest for keyword, rest in final_stage() if keyword == "CMD"]
    assert cmd == [
        '["gunicorn", "--config", "python:collab.ops.gunicorn", "collab.wsgi:application"]'
    ]


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes. A pattern also
    matches everything below a matched directory."""
    result = False
    parts = path.split("/")
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        pattern = pattern.removeprefix("**/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        candidates += ["/".join(parts[i:]) for i in range(len(parts))] if "/" not in pattern else []
        if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
            result = not negate
    return result


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".env", True),
        (".env.production", True),
        (".env.local", True),
        (".env.example", False),
        (".venv/bin/python", True),
        (".git/HEAD", True),
        ("build/lib/collab/settings.py", True),
        ("collab.egg-info/PKG-INFO", True),
        ("var/documents/1/2/a.pdf", True),
        ("db.sqlite3", True),
        ("deploy/kubernetes/overlays/production/secret.env", True),
        ("collab/ops/__pycache__/health.cpython-311.pyc", True),
        ("tests/conftest.py", True),
        ("collab/settings.py", False),
        ("manage.py", False),
        ("locale/en/LC_MESSAGES/django.mo", False),
        ("static/css/app.css", False),
        ("pyproject.toml", False),
    ],
)
def test_dockerignore(path, expected):
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignored(path, patterns) is expected


@pytest.mark.slow
def test_collectstatic_of_the_image_build_succeeds(tmp_path):
    """The image's `collectstatic` (production storage: hashed, compressed, every
    reference inside CSS resolved) runs on the sources as they are in git."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SECRET_KEY": "collectstatic-during-build-only",
        "DEBUG": "0",
        "PROMETHEUS_MULTIPROC_DIR": "",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/swagger-ui-5.35.0/swagger-ui.css" in manifest
