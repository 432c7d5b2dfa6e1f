"""/metrics: access control, request metrics, and Collab's own metrics moving after a
request, a delivery, an alert scan and a background export."""

import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import require_redis


def scrape(client, **headers) -> dict[tuple, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_metrics_need_the_token_or_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = "metrics-token-123"
    settings.METRICS_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    outside = {"REMOTE_ADDR": "192.0.2.10"}
    assert client.get("/metrics", **outside).status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside)
    assert wrong.status_code == 403
    assert b"collab_" not in wrong.content
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-123", **outside)
    assert right.status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 200


@pytest.mark.django_db
def test_without_a_token_only_the_allowed_networks_get_metrics(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    denied = client.get("/metrics", REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION="Bearer ")
    assert denied.status_code == 403


@pytest.mark.django_db
def test_request_metrics_move_after_a_request(client):
    before = scrape(client)
    assert client.get("/login/").status_code == 200
    after = scrape(client)
    name = "django_http_requests_total_by_view_transport_method_total"
    labels = {"view": "login", "transport": "http", "method": "GET"}
    assert value(after, name, **labels) == value(before, name, **labels) + 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, view="login", method="GET") == (
        value(before, latency, view="login", method="GET") + 1
    )


@pytest.mark.django_db
def test_queue_depth_per_queue_from_the_broker(client, settings, celery_broker):
    """Messages published to Redis show up under their queue's name."""
    url = require_redis()
    import redis
    from kombu import Connection

    redis.Redis.from_url(url).delete("scans", "notify")
    with Connection(url) as conn:
        queue = conn.SimpleQueue("scans")
        for number in range(3):
            queue.put({"n": number})
        queue.close()
    celery_broker(url)
    try:
        samples = scrape(client)
    finally:
        redis.Redis.from_url(url).delete("scans")
    assert value(samples, "collab_celery_broker_up") == 1
    assert value(samples, "collab_celery_queue_messages", queue="scans") == 3
    assert value(samples, "collab_celery_queue_messages", queue="notify") == 0
    for queue in settings.COLLAB_CELERY_QUEUES:
        assert ("collab_celery_queue_messages", (("queue", queue),)) in samples


@pytest.mark.django_db
def test_deliveries_by_state_and_channel_move_after_a_delivery(
    client, org, django_capture_on_commit_callbacks
):
    from collab.notifications.models import Delivery
    from collab.notifications.services import AlertSpec, alerts_raise
    from collab.notifications.tasks import deliver_inbox

    user = org["users"]["tec_head"]
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=False):
        alerts_raise(
            specs=[
                AlertSpec(
                    kind="task_due_soon",
                    target=user,
                    due_on=timezone.localdate() + datetime.timedelta(days=1),
                    recipients=[user],
                    message="明天到期",
                    robots=False,
                )
            ]
        )
    delivery = Delivery.objects.get(channel="inbox", recipient=user)
    queued = scrape(client)
    metric = "collab_deliveries"
    assert value(queued, metric, state=delivery.status, channel="inbox") == (
        value(before, metric, state=delivery.status, channel="inbox") + 1
    )
    deliver_inbox.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    sent = scrape(client)
    assert value(sent, metric, state="sent", channel="inbox") == (
        value(queued, metric, state="sent", channel="inbox") + 1
    )
    assert value(sent, metric, state="pending", channel="inbox") == value(
        before, metric, state="pending", channel="inbox"
    )


@pytest.mark.django_db
def test_alert_scan_duration_moves_after_a_scan(client, org):
    from collab.notifications.tasks import run_alert_scans

    name = "collab_alert_scan_duration_seconds_count"
    before = value(scrape(client), name, outcome="success")
    result = run_alert_scans.apply()
    assert result.successful()
    after = scrape(client)
    assert value(after, name, outcome="success") == before + 1
    assert value(after, "collab_alert_scan_duration_seconds_sum", outcome="success") > 0


@pytest.mark.django_db
def test_export_job_duration_moves_after_an_export(
    client, seed, settings, tmp_path, django_capture_on_commit_callbacks
):
    from collab.spreadsheets.exports import export_start
    from collab.spreadsheets.tasks import export_task

    settings.MEDIA_ROOT = str(tmp_path)
    name = "collab_spreadsheet_job_duration_seconds_count"
    before = value(scrape(client), name, job="export", outcome="done")
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(
            actor=seed["users"]["director"], register="tasks", params={}, file_format="xlsx"
        )
    assert export_task.apply(args=[job.pk]).get() == "done"
    assert value(scrape(client), name, job="export", outcome="done") == before + 1
