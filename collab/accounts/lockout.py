"""Login lockout (django-axes): the backend that refuses a locked-out username, and the
answer a locked-out caller gets (a page with how long to wait, or 429 JSON in the API)."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username before any password is checked.

    Authentication without a request (management commands, `Client.login` in tests) has
    no client to lock out and passes through to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def seconds_until_unlocked(username: str) -> int:
    """Seconds left of the lockout of username (0 when it is not locked)."""
    cool_off = get_cool_off()
    if not username or cool_off is None:
        return 0
    last = (
        AccessAttempt.objects.filter(username=username)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return 0
    return max(0, math.ceil((last + cool_off - timezone.now()).total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return _(
        "登录失败次数过多，该账号已被暂时锁定，请 %(minutes)d 分钟后再试，或联系管理员解锁。"
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    username = get_client_username(request, credentials) or ""
    seconds = seconds_until_unlocked(username)
    message = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after": seconds}, status=429)
    else:
        response = render(
            request,
            "registration/login.html",
            {"lockout_message": message, "username": username, "next": request.GET.get("next")},
            status=429,
        )
    response["Retry-After"] = str(max(seconds, 1))
    return response
