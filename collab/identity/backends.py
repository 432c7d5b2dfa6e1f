from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from .services import local_passwords_enabled


class LocalPasswordPolicyBackend:
    """Placed before Django's ModelBackend: when local passwords are turned off, stops a
    password sign-in of anyone but a superuser (the request is marked so the login page
    can say why); a superuser's password is then checked by ModelBackend as usual.

    It only ever refuses: no get_user, so sessions never name it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or local_passwords_enabled():
            return None
        User = get_user_model()
        is_superuser = User._default_manager.filter(
            **{User.USERNAME_FIELD: username, "is_superuser": True}
        ).exists()
        if is_superuser:
            return None
        if request is not None:
            request.local_password_refused = True
        raise PermissionDenied
