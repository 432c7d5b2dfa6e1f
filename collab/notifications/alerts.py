"""Alert scans run by Celery beat and `manage.py run_alerts`.

An app declares its scans in its `alerts.py` with `@alert_scan`, its daily digest sections
with `@digest_section` and the side effects of an alert kind with `@alert_hook`, and
passes the module to `register_alerts()` from its own AppConfig.ready(): the platform
never looks register apps up, and a broken alerts module stops the process at start.

A scan is a set-based query over an indexed date range that leaves out objects already
alerted for the same deadline, so its cost follows the number of alerts due, not the
size of the tables. It yields `AlertSpec`s; `run_all` raises them (exactly once, see
services.py) or, with dry_run, only lists them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .messages import language_of
from .models import Alert, AlertKind, ChannelPreference
from .services import ALERT_HOOKS, AlertSpec, alert_exists, alerts_raise, deliveries_sweep
from .workdays import DayCounter

logger = logging.getLogger(__name__)


@dataclass
class ScanContext:
    now: datetime.datetime
    today: datetime.date
    days: DayCounter

    @classmethod
    def at(cls, now: datetime.datetime | None = None) -> ScanContext:
        now = now or timezone.now()
        return cls(now=now, today=timezone.localdate(now), days=DayCounter())


@dataclass
class Scan:
    name: str
    label: str
    func: Callable[[ScanContext], Iterable[AlertSpec]]


@dataclass
class ScanResult:
    scan: str
    label: str
    specs: list[AlertSpec] = field(default_factory=list)
    raised: int = 0
    error: str = ""


SCANS: dict[str, Scan] = {}
DIGEST_SECTIONS: list[tuple[int, Callable]] = []


def alert_scan(name: str, label):
    """Declares an alert scan: (ctx) -> AlertSpecs. It runs once its module is registered."""

    def decorator(func):
        func.alert_scan = (name, label)
        return func

    return decorator


def digest_section(order: int = 100):
    """Declares a daily digest section: (ctx) -> {user_id: [lines]}."""

    def decorator(func):
        func.digest_order = order
        return func

    return decorator


def alert_hook(kind: str):
    """Declares a side effect run once when an alert of `kind` is first raised:
    (alert, target) -> note (e.g. open a risk-register issue)."""

    def decorator(func):
        func.alert_hook_kind = kind
        return func

    return decorator


def register_alerts(module: ModuleType) -> None:
    """Registers what `module` (an app's alerts.py) declares; called from the app's
    AppConfig.ready(). A scan name taken twice or a module registered twice raises, and
    then nothing of the module is registered."""
    declared = [
        func
        for func in vars(module).values()
        if callable(func) and getattr(func, "__module__", None) == module.__name__
    ]
    scans = [func for func in declared if hasattr(func, "alert_scan")]
    sections = [func for func in declared if hasattr(func, "digest_order")]
    hooks = [func for func in declared if hasattr(func, "alert_hook_kind")]
    registered = {section for _order, section in DIGEST_SECTIONS}
    registered.update(hook for kind_hooks in ALERT_HOOKS.values() for hook in kind_hooks)
    names = [func.alert_scan[0] for func in scans]
    taken = [name for name in names if name in SCANS or names.count(name) > 1]
    if taken:
        raise ImproperlyConfigured(f"alert scans registered twice: {', '.join(taken)}")
    if twice := [func.__qualname__ for func in sections + hooks if func in registered]:
        raise ImproperlyConfigured(f"{module.__name__} registered twice: {', '.join(twice)}")
    for func in scans:
        name, label = func.alert_scan
        SCANS[name] = Scan(name=name, label=str(label), func=func)
    for func in sections:
        DIGEST_SECTIONS.append((func.digest_order, func))
    DIGEST_SECTIONS.sort(key=lambda item: item[0])
    for func in hooks:
        ALERT_HOOKS.setdefault(func.alert_hook_kind, []).append(func)


def setting(name: str, default):
    return getattr(settings, name, default)


def not_alerted(qs: QuerySet, kind: str, date_field: str) -> QuerySet:
    """Leave out rows already alerted for `kind` at the deadline in `date_field`: an
    anti-join on the alert_once unique index."""
    content_type = ContentType.objects.get_for_model(qs.model)
    return qs.filter(
        ~Exists(
            Alert.objects.filter(
                kind=kind,
                content_type=content_type,
                object_id=OuterRef("pk"),
                due_on=OuterRef(date_field),
            )
        )
    )


def catch_up_start(ctx: ScanContext, day: datetime.date) -> datetime.date:
    """How far back a scan looks for deadlines it may have missed (beat outage)."""
    return day - datetime.timedelta(days=setting("COLLAB_ALERT_CATCHUP_DAYS", 7))


def run_scan(scan: Scan, ctx: ScanContext, *, dry_run: bool) -> ScanResult:
    result = ScanResult(scan=scan.name, label=scan.label)
    try:
        specs = list(scan.func(ctx))
    except Exception as error:  # one broken scan never stops the others
        logger.exception("Alert scan %s failed", scan.name)
        result.error = str(error)
        return result
    if dry_run:
        result.specs = [spec for spec in specs if not alert_exists(spec)]
        return result
    result.specs = specs
    result.raised = len(alerts_raise(specs=specs))
    return result


def run_all(*, dry_run: bool = False, now=None, only: Iterable[str] | None = None):
    """Every scan once (the beat entry and `manage.py run_alerts`), then the delivery
    sweep. Returns one ScanResult per scan."""
    ctx = ScanContext.at(now)
    names = list(only) if only else list(SCANS)
    results = [run_scan(SCANS[name], ctx, dry_run=dry_run) for name in names if name in SCANS]
    if not dry_run:
        deliveries_sweep(now=ctx.now)
    return results


# The daily digest (日同步): one message per person, skipped when empty.
def digest_due(ctx: ScanContext) -> bool:
    hour, _sep, minute = str(setting("COLLAB_ALERT_DIGEST_TIME", "09:00")).partition(":")
    local_now = timezone.localtime(ctx.now)
    return local_now.time() >= datetime.time(int(hour), int(minute or 0))


@alert_scan("daily_digest", _("日同步"))
def scan_daily_digest(ctx: ScanContext):
    if not digest_due(ctx) or not DIGEST_SECTIONS:
        return []
    if Alert.objects.filter(kind=AlertKind.DAILY_DIGEST, due_on=ctx.today).exists():
        # The digest is a snapshot taken once a day, at the first scan after its time.
        return []
    lines = _digest_lines(ctx)
    if not lines:
        return []
    from django.contrib.auth import get_user_model

    User = get_user_model()
    opted_out = set(
        ChannelPreference.objects.filter(user_id__in=lines, digest=False).values_list(
            "user_id", flat=True
        )
    )
    already = set(
        Alert.objects.filter(
            kind=AlertKind.DAILY_DIGEST,
            content_type=ContentType.objects.get_for_model(User),
            object_id__in=lines,
            due_on=ctx.today,
        ).values_list("object_id", flat=True)
    )
    users = list(
        User.objects.filter(pk__in=set(lines) - opted_out - already, is_active=True).order_by("pk")
    )
    # Each person's lines in their own language: the sections run once per language.
    for language in {language_of(u) for u in users} - {settings.LANGUAGE_CODE}:
        with translation.override(language):
            translated = _digest_lines(ctx)
        for user in users:
            if language_of(user) == language and user.pk in translated:
                lines[user.pk] = translated[user.pk]
    limit = setting("COLLAB_ALERT_DIGEST_MAX_LINES", 30)
    specs = []
    for user in users:
        entries = lines[user.pk]
        with translation.override(language_of(user)):
            body = "\n".join(entries[:limit])
            if len(entries) > limit:
                body += "\n" + _("……另有 %(n)s 项，请在系统中查看") % {"n": len(entries) - limit}
        specs.append(
            AlertSpec(
                kind=AlertKind.DAILY_DIGEST,
                target=user,
                due_on=ctx.today,
                recipients=[user],
                message="",
                params={"date": ctx.today.isoformat(), "body": body},
                url="/notifications/",
                robots=False,
            )
        )
    return specs


def _digest_lines(ctx: ScanContext) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for _order, section in DIGEST_SECTIONS:
        for user_id, entries in section(ctx).items():
            lines.setdefault(user_id, []).extend(entries)
    return lines
