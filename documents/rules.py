"""Who may do what with a document. Pages, API and admin all ask here.

Defaults follow the requirement: internal people who can see the requirement may view
(the document's `group_access`), the owner and the group leader may edit. Grants add
view or edit for a department or a person; they are the only way an external partner
sees a document. Staff may do everything.

`selectors.documents_visible_to` annotates each row with the facts below
(`acl_leader`, `acl_sees_requirement` for `acl_user_id`) so a list checks every row
without extra queries; without them the facts are looked up.
"""

from __future__ import annotations

import rules

from requests_app import rules as requirement_rules

from .models import Access


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _annotated(document, user, name: str):
    if getattr(document, "acl_user_id", None) == user.pk and hasattr(document, name):
        return bool(getattr(document, name))
    return None


def _is_leader(user, document) -> bool:
    known = _annotated(document, user, "acl_leader")
    if known is not None:
        return known
    return bool(requirement_rules.is_leader(user, document.requirement))


def _sees_requirement(user, document) -> bool:
    known = _annotated(document, user, "acl_sees_requirement")
    if known is not None:
        return known
    return bool(requirement_rules.can_view(user, document.requirement))


def grant_level(user, document) -> str | None:
    """The strongest grant `user` holds on document, directly or through their
    department; uses prefetched grants when present."""
    levels = set()
    for grant in document.grants.all():
        if grant.user_id == user.pk or (
            grant.department_id is not None and grant.department_id == user.department_id
        ):
            levels.add(grant.level)
    if Access.EDIT in levels:
        return Access.EDIT
    return Access.VIEW if levels else None


@rules.predicate
def can_manage(user, document) -> bool:
    """Change permissions, delete, read the download log: owner, group leader, staff."""
    if not _active(user):
        return False
    if user.is_staff or document.owner_id == user.pk:
        return True
    return _is_leader(user, document)


@rules.predicate
def can_edit(user, document) -> bool:
    """Upload a new version and change title, category and link."""
    if not _active(user) or document.is_deleted:
        return False
    if can_manage(user, document) or grant_level(user, document) == Access.EDIT:
        return True
    if user.is_partner:
        return False
    return document.group_access == Access.EDIT and _sees_requirement(user, document)


@rules.predicate
def can_view(user, document) -> bool:
    """See the document, its versions and download them."""
    if not _active(user) or document.is_deleted:
        return False
    if can_manage(user, document) or grant_level(user, document) is not None:
        return True
    if user.is_partner:
        return False
    return document.group_access != Access.NONE and _sees_requirement(user, document)


@rules.predicate
def can_restore(user, document) -> bool:
    """Restore from the recycle bin: the group leader or staff."""
    if not _active(user):
        return False
    return bool(user.is_staff or _is_leader(user, document))


def can_create_in(user, requirement) -> bool:
    """Add documents to a requirement: internal people who can see it, and partners who
    are in its collaboration group."""
    if not _active(user):
        return False
    if user.is_staff:
        return True
    if user.is_partner:
        return bool(requirement_rules.is_group_member(user, requirement))
    return bool(requirement_rules.can_view(user, requirement))


def can_open_recycle_bin(user, requirement) -> bool:
    if not _active(user):
        return False
    return bool(user.is_staff or requirement_rules.is_leader(user, requirement))
