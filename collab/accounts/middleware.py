"""The language of a signed-in person's pages is the one stored on their account; the
browser's language (django's LocaleMiddleware, which runs first) is only the default."""

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._language_of(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

    @staticmethod
    def _language_of(request) -> str:
        # Only a well-formed session key is looked up (session keys are lowercase
        # letters and digits): a request without a session — an API call with its
        # token — or with a forged cookie costs no query and cannot fail here.
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        if not (key.isascii() and key.isalnum()):
            return ""
        user = getattr(request, "user", None)
        return getattr(user, "language", "") if user and user.is_authenticated else ""
