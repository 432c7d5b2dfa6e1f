"""The org sync: bring Collab's departments and people in line with a source's org chart
(DingTalk, Feishu or WeCom contacts, or LDAP / AD), in one transaction.

- Departments are found through their PlatformDepartment mapping (editable in the
  admin), else by name, else created with a code of their own; a mapped department's
  code (MKT…) is never touched. Name, parent and head (部门负责人) follow the source.
- People are found through their PlatformAccount, else by e-mail or mobile, else
  created (no local password). The source owns name, e-mail, mobile, department and
  title; an empty value from the source never overwrites (WeCom gives new apps no
  mobile or e-mail: single sign-on binds them). A source-owned field edited in Collab
  since the last sync is kept and flagged, until an admin takes the source's values.
- Nothing is deleted: a person the source no longer lists is deactivated, and the
  coordinators get a to-do to hand over their open work.

`org_sync(source=…, dry_run=…)` returns the SyncRun with the diff, also when it failed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from collab.accounts.models import Department

from . import orgsync_sources
from .models import Handover, PlatformAccount, PlatformDepartment, SyncedProfile, SyncRun

logger = logging.getLogger(__name__)

# Source-owned fields of a person: field -> (read from user/profile, write)
PERSON_FIELDS = ("name", "email", "mobile", "department", "title")


class SyncRefused(Exception):
    """The source answered nothing usable; applying it would deactivate everyone."""


@dataclass
class Diff:
    lines: list[dict] = field(default_factory=list)

    def add(self, action: str, obj: str, detail: str = "") -> None:
        self.lines.append({"action": action, "object": obj, "detail": detail})

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line["action"] == action)


def _local_values(user, profile: SyncedProfile | None) -> dict:
    return {
        "name": user.display_name,
        "email": user.email,
        "mobile": user.phone,
        "department": str(user.department_id or ""),
        "title": profile.title if profile else "",
    }


def _apply_value(user, profile: SyncedProfile, name: str, value: str) -> None:
    if name == "name":
        user.display_name = value
    elif name == "email":
        user.email = value
    elif name == "mobile":
        user.phone = value
    elif name == "department":
        user.department_id = int(value) if value else None
    else:
        profile.title = value


def _unique_name(name: str, taken: set[str], parent_name: str) -> str:
    candidate = name[:100]
    if candidate.lower() not in taken:
        return candidate
    candidate = f"{name}（{parent_name}）"[:100] if parent_name else name
    number = 2
    while candidate.lower() in taken:
        candidate = f"{name}-{number}"[:100]
        number += 1
    return candidate


def _new_code(platform: str, external_id: str, taken: set[str]) -> str:
    prefix = {"dingtalk": "DD", "feishu": "FS", "wecom": "WW", "ldap": "LD"}.get(platform, "X")
    tail = re.sub(r"[^A-Z0-9]", "", external_id.upper())[-8:] or "1"
    code = f"{prefix}{tail}"[:16]
    number = 2
    while code in taken:
        code = f"{prefix}{tail}"[:12] + str(number)
        number += 1
    return code


def _sync_departments(platform: str, snapshot, diff: Diff) -> dict[str, Department]:
    mapped = {
        m.external_id: m
        for m in PlatformDepartment.objects.filter(platform=platform).select_related("department")
    }
    departments = list(Department.objects.all())
    by_name = {d.name.lower(): d for d in departments}
    names = set(by_name)
    codes = {d.code for d in departments}
    taken_by_platform = {m.department_id for m in mapped.values()}
    source_names = {d.external_id: d.name for d in snapshot.departments}
    result: dict[str, Department] = {}
    for item in snapshot.departments:
        mapping = mapped.get(item.external_id)
        if mapping is None:
            department = by_name.get(item.name.lower())
            if department is not None and department.pk not in taken_by_platform:
                diff.add("changed", department.name, f"关联到平台部门 {item.external_id}")
            else:
                parent_name = source_names.get(item.parent_external_id, "")
                name = _unique_name(item.name, names, parent_name)
                department = Department.objects.create(
                    code=_new_code(platform, item.external_id, codes), name=name
                )
                codes.add(department.code)
                names.add(name.lower())
                diff.add("added", f"部门 {name}", f"代码 {department.code}")
            mapping = PlatformDepartment.objects.create(
                department=department,
                platform=platform,
                external_id=item.external_id,
                parent_external_id=item.parent_external_id,
            )
            taken_by_platform.add(department.pk)
        else:
            department = mapping.department
            if department.name != item.name and item.name.lower() not in names:
                diff.add("changed", f"部门 {department.name}", f"名称 → {item.name}")
                names.discard(department.name.lower())
                names.add(item.name.lower())
                department.name = item.name
                department.save(update_fields=["name"])
            if mapping.parent_external_id != item.parent_external_id:
                new_parent = source_names.get(item.parent_external_id, "—")
                diff.add("moved", f"部门 {department.name}", f"上级 → {new_parent}")
                mapping.parent_external_id = item.parent_external_id
                mapping.save(update_fields=["parent_external_id"])
        result[item.external_id] = department
    return result


def _find_user(person, accounts: dict, claimed: set[int]):
    """The account's user; else one with the same e-mail or mobile not yet linked to
    this platform."""
    account = accounts.get(person.external_id)
    if account is not None:
        return account.user, account
    User = get_user_model()
    condition = Q()
    if person.email:
        condition |= Q(email__iexact=person.email)
    if person.mobile:
        condition |= Q(phone=person.mobile)
    if not condition:
        return None, None
    for user in User.objects.filter(condition).order_by("pk"):
        if user.pk not in claimed:
            return user, None
    return None, None


def _username(platform: str, external_id: str) -> str:
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "_", f"{platform}.{external_id}")[:140]
    name, number = base, 2
    while User.objects.filter(username=name).exists():
        name, number = f"{base}-{number}", number + 1
    return name


def _sync_people(platform: str, snapshot, departments: dict, diff: Diff, now):
    User = get_user_model()
    accounts = {
        a.external_id: a
        for a in PlatformAccount.objects.filter(platform=platform).select_related(
            "user", "synced_profile"
        )
    }
    claimed = {a.user_id for a in accounts.values()}
    dept_names = {str(d.pk): d.name for d in departments.values()}
    users: dict[str, object] = {}
    for person in snapshot.people:
        user, account = _find_user(person, accounts, claimed)
        known = account is not None
        label = person.name or person.external_id
        if user is None:
            user = User(username=_username(platform, person.external_id), display_name=label)
            user.set_unusable_password()
            user.save()
            diff.add("added", f"人员 {label}", user.username)
        elif account is None:
            diff.add("changed", f"人员 {user.label}", f"关联到平台账号 {person.external_id}")
        if account is None:
            account = PlatformAccount.objects.create(
                user=user,
                platform=platform,
                external_id=person.external_id,
                union_id=person.union_id,
                open_id=person.open_id,
            )
            claimed.add(user.pk)
        profile = getattr(account, "synced_profile", None)
        if profile is None:
            profile = SyncedProfile.objects.create(account=account)
        department = departments.get(person.department_external_id)
        incoming = {
            "name": person.name,
            "email": person.email,
            "mobile": person.mobile,
            "department": str(department.pk) if department else "",
            "title": person.title,
        }
        local = _local_values(user, profile)
        previous = profile.source_values or {}
        edits = set(profile.local_edits or [])
        changes = []
        for name in PERSON_FIELDS:
            value = incoming[name]
            if not value:
                continue  # the source does not say: keep Collab's value
            if name in previous and local[name] != previous[name] and local[name]:
                if name not in edits and local[name] != value:
                    edits.add(name)
                    diff.add("flagged", f"人员 {user.label}", f"{name} 本地已修改，保留")
                if name in edits:
                    continue
            if local[name] != value:
                changes.append((name, local[name], value))
                _apply_value(user, profile, name, value)
        if not user.is_active and profile.left_at is not None:
            user.is_active = True
            profile.left_at = None
            diff.add("changed", f"人员 {user.label}", "重新启用")
        for name, old, new in changes if known else ():
            if name == "department":
                diff.add(
                    "moved",
                    f"人员 {user.label}",
                    f"{dept_names.get(old, '—')} → {dept_names.get(new, '—')}",
                )
        plain = [c for c in changes if c[0] != "department"]
        if plain and known:
            detail = "，".join(f"{n}: {o or '—'} → {v}" for n, o, v in plain)
            diff.add("changed", f"人员 {user.label}", detail)
        user.save()
        profile.source_values = {**previous, **{k: v for k, v in incoming.items() if v}}
        profile.local_edits = sorted(edits)
        profile.save()
        if account.union_id != person.union_id or account.open_id != person.open_id:
            account.union_id = person.union_id or account.union_id
            account.open_id = person.open_id or account.open_id
            account.save(update_fields=["union_id", "open_id", "updated_at"])
        users[person.external_id] = user
    return users, accounts


def _sync_heads(snapshot, departments: dict, users: dict, diff: Diff) -> None:
    for item in snapshot.departments:
        department = departments[item.external_id]
        heads = [users[h] for h in item.head_ids if h in users]
        if heads and department.head_id != heads[0].pk:
            department.head = heads[0]
            department.save(update_fields=["head"])
            diff.add("changed", f"部门 {department.name}", f"负责人 → {heads[0].label}")


def _deactivate_leavers(platform, snapshot, accounts: dict, run: SyncRun, diff: Diff, now):
    present = {p.external_id for p in snapshot.people}
    leavers = []
    for external_id, account in accounts.items():
        user = account.user
        if external_id in present or not user.is_active:
            continue
        if user.is_superuser:
            diff.add("flagged", f"人员 {user.label}", "来源中已无此人；超级用户不自动停用")
            continue
        user.is_active = False
        user.save(update_fields=["is_active"])
        SyncedProfile.objects.update_or_create(account=account, defaults={"left_at": now})
        diff.add("deactivated", f"人员 {user.label}", external_id)
        leavers.append(user)
    return leavers


def _tell_coordinators(platform: str, leavers: list, run: SyncRun) -> None:
    from collab.notifications.events import notify_event
    from collab.notifications.messages import translatable

    from .models import Platform

    coordinators = list(get_user_model().objects.filter(is_coordinator=True, is_active=True))
    for user in leavers:
        handover = Handover.objects.create(user=user, run=run)
        notify_event(
            "member_left",
            target=handover,
            url=reverse("identity:handover", args=[handover.pk]),
            params={"name": user.label, "source": translatable(Platform(platform).label)},
            action=f"handover:{handover.pk}",
            people=coordinators,
        )


def org_sync(
    *,
    source: str,
    dry_run: bool = False,
    triggered_by: str = "",
    fetch: Callable | None = None,
) -> SyncRun:
    """Read the source and apply the difference in one transaction (none with
    `dry_run`). `fetch` replaces reading the configured source (LDAP connections)."""
    now = timezone.now()
    run = SyncRun(source=source, started_at=now, triggered_by=triggered_by[:100])
    diff = Diff()
    try:
        snapshot = (fetch or orgsync_sources.SOURCES[source])()
        if not snapshot.people:
            raise SyncRefused("来源未返回任何人员，为避免停用所有人，本次同步未应用")
        with transaction.atomic():
            run.status = SyncRun.Status.DRY_RUN if dry_run else SyncRun.Status.APPLIED
            run.save()
            departments = _sync_departments(source, snapshot, diff)
            users, accounts = _sync_people(source, snapshot, departments, diff, now)
            _sync_heads(snapshot, departments, users, diff)
            leavers = _deactivate_leavers(source, snapshot, accounts, run, diff, now)
            if not dry_run:
                _tell_coordinators(source, leavers, run)
            _finish(run, diff)
            if dry_run:
                transaction.set_rollback(True)
        if dry_run:
            run.pk = None
            run.save()
    except Exception as error:
        logger.exception("Org sync from %s failed", source)
        run.pk = None
        run.status = SyncRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:4000]
        _finish(run, diff)
        run.save()
    return run


def _finish(run: SyncRun, diff: Diff) -> None:
    run.finished_at = timezone.now()
    run.lines = diff.lines
    for action in ("added", "changed", "moved", "deactivated", "flagged"):
        setattr(run, action, diff.count(action))
    if run.pk:
        run.save()


@transaction.atomic
def take_source_values(*, profile: SyncedProfile, actor) -> list[str]:
    """Admin: drop the local edits of a person's source-owned fields; the source's last
    values are written back. Returns the fields reset."""
    user = profile.account.user
    reset = list(profile.local_edits or [])
    for name in reset:
        value = (profile.source_values or {}).get(name, "")
        if value:
            _apply_value(user, profile, name, value)
    user.save()
    profile.local_edits = []
    profile.save()
    logger.info("%s took the source values of %s for %s", actor, user, reset)
    return reset


@transaction.atomic
def handover_done(*, handover: Handover, actor) -> None:
    from django.core.exceptions import PermissionDenied

    if not (actor.is_coordinator or actor.is_staff):
        raise PermissionDenied
    if handover.done_at is None:
        handover.done_at = timezone.now()
        handover.done_by = actor
        handover.save(update_fields=["done_at", "done_by"])


def format_run(run: SyncRun) -> str:
    """The diff as the command prints it."""
    labels = {
        "added": "新增",
        "changed": "变更",
        "moved": "调动",
        "deactivated": "停用",
        "flagged": "本地修改",
    }
    out = [
        f"{run.get_source_display()}：{run.get_status_display()}  "
        f"added={run.added} changed={run.changed} moved={run.moved} "
        f"deactivated={run.deactivated} flagged={run.flagged}"
    ]
    for line in run.lines:
        out.append(
            f"  [{line['action']}] {labels.get(line['action'], '')} {line['object']}"
            + (f"：{line['detail']}" if line["detail"] else "")
        )
    if run.error:
        out.append(f"  错误：{run.error}")
    return "\n".join(out)
