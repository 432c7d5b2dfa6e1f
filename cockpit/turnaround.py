"""Sign-off turnaround: how long each signature took from the moment it was asked for.

The request time of a signature depends on its sign-off point: the first history row of
the requirement's review round, the submission of the plan version, the first history
row of the acceptance's signing round.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.signoffs.models import SignOff
from requests_app.lifecycle import REVIEW_STAGE
from requests_app.models import Requirement
from reviews_app.lifecycle import ACCEPTANCE_STAGE
from reviews_app.models import Acceptance, AcceptanceStatus
from tasks_app.lifecycle import PLAN_STAGE
from tasks_app.models import Plan, PlanVersion

from .scope import scoped, sees_everything

STAGE_LABELS = {
    REVIEW_STAGE: _("需求评审"),
    PLAN_STAGE: _("方案审批"),
    ACCEPTANCE_STAGE: _("成果验收"),
}


def acceptance_signing_since(acceptance: str, round_: str):
    """When the acceptance named by the outer field `acceptance` entered the signing
    round named by `round_`: the first history row of that round in 签字中."""
    return (
        Acceptance.history.model.objects.filter(
            id=OuterRef(acceptance), round=OuterRef(round_), status=AcceptanceStatus.SIGNING
        )
        .order_by()
        .values("id")
        .annotate(first=Min("history_date"))
        .values("first")[:1]
    )


def signoff_hours(
    user: User, start: datetime.date, end: datetime.date, department: Department | None
) -> Iterator[tuple[int | None, str, float]]:
    """(department id, stage, hours from request to signature) of every signature given
    in the period on an object of a requirement in scope."""
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    until = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    )
    signoffs = SignOff.objects.filter(signed_at__gte=since, signed_at__lt=until)
    if department is not None:
        signoffs = signoffs.filter(department=department)
    review_started = (
        Requirement.history.model.objects.filter(
            id=OuterRef("object_id"), review_round=OuterRef("round")
        )
        .order_by()
        .values("id")
        .annotate(first=Min("history_date"))
        .values("first")[:1]
    )
    plan_submitted = PlanVersion.objects.filter(
        plan=OuterRef("object_id"), version=OuterRef("round")
    ).values("submitted_at")[:1]
    signing_started = acceptance_signing_since("object_id", "round")
    points = [
        (REVIEW_STAGE, Requirement, scoped(Requirement.objects, user, "pk"), review_started),
        (PLAN_STAGE, Plan, scoped(Plan.objects, user), plan_submitted),
        (ACCEPTANCE_STAGE, Acceptance, scoped(Acceptance.objects, user), signing_started),
    ]
    for stage, model, targets, requested in points:
        of_stage = signoffs.filter(
            stage=stage, content_type=ContentType.objects.get_for_model(model)
        )
        if not sees_everything(user):
            of_stage = of_stage.filter(object_id__in=targets.values("pk"))
        rows = of_stage.annotate(requested_at=Subquery(requested)).values_list(
            "department_id", "requested_at", "signed_at"
        )
        for dept_id, requested_at, signed_at in rows:
            if requested_at is None:
                continue
            hours = max((signed_at - requested_at).total_seconds(), 0) / 3600
            yield dept_id, stage, hours
