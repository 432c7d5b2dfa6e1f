"""Admin transitions run through the same services as pages and API."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django_fsm.admin import FSMAdminMixin

from .transitions import TransitionBlocked

logger = logging.getLogger(__name__)


class ServiceFSMAdminMixin(FSMAdminMixin):
    """FSMAdminMixin whose buttons call `transition_services[name](<target>=obj, actor=user)`."""

    transition_services: dict = {}
    transition_target = "obj"

    def response_change(self, request, obj):
        name = request.POST.get(self.fsm_post_param)
        if name and name not in self.transition_services:
            # Unknown names would otherwise fail inside django-fsm's admin lookup.
            self.message_user(
                request, _("未知的操作：%(name)s") % {"name": name}, level=messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        service = self.transition_services.get(transition_name)
        if service is None:
            self.message_user(
                request, _("未知的操作：%(name)s") % {"name": transition_name}, level=messages.ERROR
            )
            return False
        try:
            service(**{self.transition_target: obj}, actor=request.user, **(kwargs or {}))
        except TransitionBlocked as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return False
        except (ValidationError, PermissionDenied) as error:
            text = "；".join(getattr(error, "messages", [])) or str(error)
            self.message_user(request, text, level=messages.ERROR)
            return False
        transition = self._get_fsm_transition_by_name(obj=obj, transition_name=transition_name)
        label = self.get_fsm_label(transition)
        self.message_user(
            request, _("操作成功：%(label)s") % {"label": label}, level=messages.SUCCESS
        )
        return True
