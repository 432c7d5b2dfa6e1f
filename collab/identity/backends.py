from django.contrib.auth.backends import ModelBackend

from .services import local_passwords_enabled


class LocalPasswordBackend(ModelBackend):
    """Username and password, refused for everyone but superusers when local passwords
    are turned off (the request is marked so the login page can say why)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not user.is_superuser and not local_passwords_enabled():
            if request is not None:
                request.local_password_refused = True
            return None
        return user
