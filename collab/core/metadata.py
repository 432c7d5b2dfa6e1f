"""OPTIONS answers of the API (a module of its own: DRF reads it while building its
views, so it must not import them)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class Metadata(SimpleMetadata):
    """OPTIONS answers: the fields PUT and POST accept, for a caller allowed to use them.
    Each method is described as the action it runs (a viewset's serializer may depend on
    it), and an action whose URL names no object (`detail=False`, such as a preferences
    endpoint answering PUT) is described without looking an object up."""

    def determine_actions(self, request, view):
        actions = {}
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        names_object = lookup in getattr(view, "kwargs", {})
        action_map = getattr(view, "action_map", None) or {}
        options_action = getattr(view, "action", None)
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            if action_map:
                view.action = action_map.get(method.lower(), options_action)
            try:
                if hasattr(view, "check_permissions"):
                    view.check_permissions(view.request)
                if method == "PUT" and names_object and hasattr(view, "get_object"):
                    view.get_object()
            except (exceptions.APIException, DjangoPermissionDenied, Http404):
                pass
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
                if action_map:
                    view.action = options_action
        return actions
