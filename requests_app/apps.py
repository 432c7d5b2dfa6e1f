from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("需求登记")

    def ready(self):
        # The lifecycle's own conditions join models.*_CHECKS when services load.
        from . import services  # noqa: F401

        _connect_meetings()
        _connect_accounts()


def _connect_accounts():
    """Partner contacts see the people of the requirements they can see."""
    from collab.accounts.selectors import add_colleague_source

    from . import selectors

    add_colleague_source(selectors.colleagues_of)


def _connect_meetings():
    """Meetings (a platform app) see requirements through this scope, never by import."""
    from meetings import hooks

    from . import rules, selectors

    hooks.set_scope(
        hooks.RequirementScope(
            visible=selectors.requirements_visible_to,
            detail=selectors.requirement_detail,
            can_view=rules.can_view,
            is_coordinator=rules.is_coordinator_of,
            is_leader=rules.is_leader,
            is_member=rules.is_group_member,
            members=lambda requirement: [m.user for m in selectors.group_members(requirement)],
        )
    )
