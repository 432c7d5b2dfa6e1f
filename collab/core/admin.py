"""Admin transitions run through the same services as pages and API."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm.admin import FSMAdminMixin

from .transitions import TransitionBlocked

logger = logging.getLogger(__name__)


class ServiceFSMAdminMixin(FSMAdminMixin):
    """FSMAdminMixin whose buttons call `transition_services[name](<target>=obj, actor=user)`."""

    transition_services: dict = {}
    transition_target = "obj"

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        service = self.transition_services.get(transition_name)
        if service is None:
            self.message_user(request, f"{transition_name}: not available", level=messages.ERROR)
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
        self.message_user(request, f"{transition_name}: OK", level=messages.SUCCESS)
        return True
