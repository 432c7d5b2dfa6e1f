"""Demo data for reminders: a running collaboration dated around today, so that the
worker's first scan puts a due-tomorrow reminder, a late-over-two-days alert (with its
register issue and draft special meeting) and the daily digest into the demo inboxes.

Run after `load_demo` (make demo does). Idempotent: the requirement is found by topic.
The seed's own 2024 data is finished, so it raises no alerts today.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

TOPIC = "演示：到期提醒与延迟升级"


class Command(BaseCommand):
    help = "Add a current collaboration whose tasks are due tomorrow and late, for alerts."

    @transaction.atomic
    def handle(self, *args, **options):
        from collab.accounts.demo import load as load_org
        from requests_app.models import Requirement
        from requests_app.selectors import review_slots
        from requests_app.services import (
            group_add_member,
            requirement_confirm,
            requirement_create,
            requirement_sign,
        )
        from tasks_app.services import task_create

        if Requirement.objects.filter(topic=TOPIC).exists():
            self.stdout.write("demo alerts: already present")
            return
        context: dict = {}
        load_org(context)
        users, departments = context["users"], context["departments"]
        today = timezone.localdate()
        requirement = requirement_create(
            actor=users["mkt_staff"],
            data={
                "topic": TOPIC,
                "goal": "演示提醒：明天到期的任务与延迟超过2天的任务",
                "start_date": today - datetime.timedelta(days=20),
                "end_date": today + datetime.timedelta(days=40),
                "coordinator": users["director"],
                "priority": "P1",
            },
            departments=[departments[c] for c in ("DSN", "SAL")],
        )
        director = users["director"]
        group_add_member(
            requirement=requirement, actor=director, user=users["mkt_head"], role="leader"
        )
        for username in ("dsn_liaison", "sal_liaison"):
            group_add_member(
                requirement=requirement, actor=director, user=users[username], role="liaison"
            )
        for slot in review_slots(requirement):
            requirement_sign(
                requirement=requirement,
                actor=slot.signers[0],
                decision="approve",
                department=slot.department,
            )
        requirement = requirement_confirm(requirement=requirement, actor=director)
        leader = users["mkt_head"]
        task_create(
            requirement=requirement,
            actor=leader,
            code="1.1",
            name="宣传海报定稿",
            owner_department=departments["DSN"],
            owner=users["dsn_liaison"],
            planned_start=today - datetime.timedelta(days=5),
            planned_end=today + datetime.timedelta(days=1),
        )
        task_create(
            requirement=requirement,
            actor=leader,
            code="1.2",
            name="渠道报价确认",
            owner_department=departments["SAL"],
            owner=users["sal_liaison"],
            planned_start=today - datetime.timedelta(days=10),
            planned_end=today - datetime.timedelta(days=3),
            priority="P0",
        )
        self.stdout.write(
            f"demo alerts: {requirement.number} with a task due tomorrow and one 3 days late; "
            "the worker scans on start (or run `manage.py run_alerts`)"
        )
