"""Pages and downloads of calendars: the person's subscription page, the feeds read
with the token in their URL (no login: calendar apps cannot log in), and a meeting's
.ics invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings.selectors import meeting_detail
from requests_app.selectors import requirements_visible_to

from . import feeds
from .services import calendar_feed_get, calendar_feed_regenerate, feed_owner

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes, filename: str, *, attachment: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def feed_urls(request, token: str, requirements=()) -> dict:
    return {
        "personal": request.build_absolute_uri(reverse("calendars:feed", args=[token])),
        "requirements": [
            (
                requirement,
                request.build_absolute_uri(
                    reverse("calendars:requirement_feed", args=[requirement.pk, token])
                ),
            )
            for requirement in requirements
        ],
    }


def _subscribed_requirements(user):
    return (
        requirements_visible_to(user)
        .filter(members__user=user)
        .exclude(status__in=["completed", "rejected"])
        .distinct()
        .order_by("-created_at", "-id")
    )


@login_required
def calendar_view(request):
    feed = calendar_feed_get(user=request.user)
    urls = feed_urls(request, feed.token, _subscribed_requirements(request.user))
    return render(request, "calendars/calendar.html", {"urls": urls})


@login_required
@require_POST
def regenerate_view(request):
    calendar_feed_regenerate(actor=request.user)
    messages.success(request, _("已生成新的订阅地址，旧地址已失效"))
    return redirect("calendars:page")


@require_GET
def feed_view(request, token):
    user = feed_owner(token)
    if user is None:
        raise Http404
    return _ics(feeds.user_calendar(user), "collab.ics")


@require_GET
def requirement_feed_view(request, pk, token):
    user = feed_owner(token)
    if user is None:
        raise Http404
    requirement = get_object_or_404(requirements_visible_to(user), pk=pk)
    return _ics(feeds.requirement_calendar(requirement, user), f"{requirement.number}.ics")


@login_required
@require_GET
def meeting_invitation_view(request, pk):
    meeting = get_object_or_404(
        meeting_detail(request.user).select_related("weekly_occurrence__schedule"), pk=pk
    )
    return _ics(feeds.meeting_invitation(meeting), f"meeting-{meeting.pk}.ics", attachment=True)
