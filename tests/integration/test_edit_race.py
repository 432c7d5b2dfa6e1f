"""Of editors who save one task's edit form at the same moment, all loaded from the same
version, exactly one saves; the others are shown the conflict. PostgreSQL, real threads.

Each save that reaches the service waits there until every other editor has either
reached the service too or is waiting for the task's row lock. With the lock in place
the others are all waiting, so the first save goes on and the rest compare against it;
without the lock they would all pass the comparison and overwrite one another, which
this test forces instead of hoping a race happens."""

import threading

import pytest
from django.db import connection

from tasks_app import services
from tasks_app.models import Task
from tests.conftest import require_postgres
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.forms import form_data
from tests.tasks_app.conftest import make_task

EDITORS = 6


def lock_waiters() -> int:
    """Connections to this database now waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_of_one_version_have_one_winner(client, org, monkeypatch, settings):
    require_postgres()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    requirement = confirm_requirement(org, form_group(org, make_requirement(org)))
    task = make_task(org, requirement, "1")
    url = f"/tasks/{task.pk}/edit/"
    leader = org["users"]["mkt_head"]
    client.force_login(leader)
    loaded = form_data(client.get(url).text, "#task-form")
    history_before = task.history.count()

    arrived = threading.Condition()
    in_service = 0
    update = services.task_update

    def update_when_rivals_are_ready(**kwargs):
        nonlocal in_service
        with arrived:
            in_service += 1
            arrived.notify_all()
            for _ in range(1500):  # 30 s at most
                if in_service == EDITORS or lock_waiters() >= EDITORS - 1:
                    break
                arrived.wait(timeout=0.02)
        return update(**kwargs)

    monkeypatch.setattr(services, "task_update", update_when_rivals_are_ready)
    barrier = threading.Barrier(EDITORS)
    answers: dict[int, tuple[int, str]] = {}

    def save(index: int, editor) -> None:
        try:
            barrier.wait(timeout=30)
            response = editor.post(url, {**loaded, "name": f"编辑者{index}的名称"})
            answers[index] = (response.status_code, response.content.decode())
        finally:
            connection.close()

    editors = []
    for _ in range(EDITORS):
        editor = type(client)()
        editor.force_login(leader)
        editors.append(editor)
    threads = [threading.Thread(target=save, args=(i, e)) for i, e in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    saved = [i for i, (status, _) in answers.items() if status == 302]
    refused = [html for status, html in answers.values() if status == 200]
    assert len(saved) == 1, sorted(status for status, _ in answers.values())
    assert len(refused) == EDITORS - 1
    winner = f"编辑者{saved[0]}的名称"
    for html in refused:
        assert "未保存：您打开此页面后，该记录已被他人修改。" in html
        assert f'<td data-value="stored">{winner}</td>' in html
    assert Task.objects.get(pk=task.pk).name == winner
    assert task.history.count() == history_before + 1
