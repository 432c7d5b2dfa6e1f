"""The dependency rule of docs/architecture.md, checked on the source.

collab (platform) <- requests_app <- meetings, documents, tasks_app <- risks_app, reviews_app

A module may import (or name in a string such as a model reference "app.Model") only
apps on a lower level; the platform under collab/ names no register app at all, except
the project wiring (urls.py, api_urls.py, settings.py). Tests and migrations are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "collab"
LEVELS = {
    "requests_app": 1,
    "meetings": 2,
    "documents": 2,
    "tasks_app": 2,
    "risks_app": 3,
    "reviews_app": 3,
    "cockpit": 4,
}
PROJECT_WIRING = {"collab/urls.py", "collab/api_urls.py", "collab/settings.py"}


def product_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative in PROJECT_WIRING:
            continue
        yield path


def level_of(package: str) -> int:
    return 0 if package == PLATFORM else LEVELS[package]


def named_app(text: str) -> str | None:
    """The register app a dotted name or a string names: "requests_app.models",
    "requests_app.Requirement", "requests_app"."""
    head = text.split(".", 1)[0]
    return head if head in LEVELS else None


def references(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, register app, what) for every import and every string naming an app."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if app := named_app(alias.name):
                    yield node.lineno, app, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if app := named_app(node.module):
                yield node.lineno, app, f"from {node.module} import ..."
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value.strip()
            if " " not in value and "\n" not in value and (app := named_app(value)):
                yield node.lineno, app, f"string {value!r}"


def violations(package: str, source: str, name: str = "<source>") -> list[str]:
    """References from `package` that point to its own level or above (its own app
    excepted)."""
    own = level_of(package)
    found = []
    for line, app, what in references(source):
        if app == package:
            continue
        if LEVELS[app] >= own:
            found.append(f"{name}:{line}: {package} -> {app}: {what}")
    return found


def package_violations(package: str) -> list[str]:
    found = []
    for path in product_files(package):
        relative = path.relative_to(ROOT).as_posix()
        found.extend(violations(package, path.read_text(encoding="utf-8"), relative))
    return found


def test_the_checker_sees_imports_and_model_references():
    source = (
        "import requests_app.models\n"
        "from tasks_app.services import task_create\n"
        "def f():\n"
        "    from reviews_app import services\n"
        "FK = 'requests_app.Requirement'\n"
        "APPS = ('risks_app', 'meetings')\n"
        "DOC = 'Mentions requests_app in a sentence.'\n"
        "from . import local\n"
    )
    found = violations(PLATFORM, source)
    assert [entry.split(": ", 1)[1] for entry in found] == [
        "collab -> requests_app: import requests_app.models",
        "collab -> tasks_app: from tasks_app.services import ...",
        "collab -> reviews_app: from reviews_app import ...",
        "collab -> requests_app: string 'requests_app.Requirement'",
        "collab -> risks_app: string 'risks_app'",
        "collab -> meetings: string 'meetings'",
    ]
    assert violations("risks_app", "from tasks_app.models import Task\n") == []
    assert violations("tasks_app", "from meetings.models import Meeting\n") == [
        "<source>:1: tasks_app -> meetings: from meetings.models import ..."
    ]
    assert violations("requests_app", "FK = 'reviews_app.Acceptance'\n") == [
        "<source>:1: requests_app -> reviews_app: string 'reviews_app.Acceptance'"
    ]


def test_platform_names_no_register_app():
    assert package_violations(PLATFORM) == []


@pytest.mark.parametrize("package", sorted(LEVELS))
def test_register_app_depends_only_on_lower_levels(package):
    assert package_violations(package) == []


def catches_import_errors(source: str) -> list[int]:
    """Lines of `except` clauses that catch ImportError or ModuleNotFoundError."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        names = {getattr(n, "id", getattr(n, "attr", "")) for n in caught}
        if names & {"ImportError", "ModuleNotFoundError"}:
            lines.append(node.lineno)
    return lines


def test_wiring_never_swallows_a_broken_import():
    """AppConfig.ready() and the alerts, hooks and lifecycle modules import plainly: a
    broken module stops the process at start instead of silently dropping its rules."""
    assert catches_import_errors("try:\n    import x\nexcept ImportError:\n    pass\n") == [3]
    found = []
    for package in [PLATFORM, *LEVELS]:
        for path in product_files(package):
            if path.name in ("apps.py", "alerts.py", "events.py", "hooks.py", "lifecycle.py"):
                for line in catches_import_errors(path.read_text(encoding="utf-8")):
                    found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == []


def test_extension_points_refuse_a_second_registration():
    """Registering again (a second ready(), a copied key) fails loudly and changes nothing."""
    from django.core.exceptions import ImproperlyConfigured

    import tasks_app.alerts
    from collab.notifications import alerts
    from collab.spreadsheets import registry
    from meetings import hooks
    from meetings.models import MeetingKind

    scans, sections = dict(alerts.SCANS), list(alerts.DIGEST_SECTIONS)
    with pytest.raises(ImproperlyConfigured, match="task_due_soon"):
        alerts.register_alerts(tasks_app.alerts)
    assert scans == alerts.SCANS and sections == alerts.DIGEST_SECTIONS

    tasks_sheet = registry.get_sheet("tasks")
    with pytest.raises(ImproperlyConfigured, match="'tasks' registered twice"):
        registry.register_sheet(type(tasks_sheet)())
    assert registry.get_sheet("tasks") is tasks_sheet
    assert registry.scope_sheet().key == "requirements"

    converters = hooks.action_item_converters()
    with pytest.raises(ImproperlyConfigured, match="'task' registered twice"):
        hooks.register_action_item_converter("task", "任务", converters[0].convert)
    assert hooks.action_item_converters() == converters
    providers = hooks.agenda_providers(MeetingKind.WEEKLY)
    with pytest.raises(ImproperlyConfigured, match="'tracker'"):
        hooks.register_agenda_provider(MeetingKind.WEEKLY, "tracker", providers[0])
    assert hooks.agenda_providers(MeetingKind.WEEKLY) == providers


@pytest.mark.parametrize("module", ["meetings.alerts", "risks_app.hooks"])
def test_a_broken_wiring_module_stops_the_start(module):
    """The import fails (as a syntax error or a missing name would): django.setup() ends
    with that error instead of starting without the module's scans, sheet or hooks."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, django\n"
        f"sys.modules[{module!r}] = None  # any later import of it raises ImportError\n"
        "django.setup()\n"
        "print('started')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "collab.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert f"import of {module} halted" in result.stderr
