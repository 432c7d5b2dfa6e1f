"""Response headers for API answers."""

from django.utils.cache import add_never_cache_headers


class ApiResponseHeadersMiddleware:
    """Authenticated JSON is never stored by a browser or a proxy (`Cache-Control:
    no-store`); the other security headers come from SecurityMiddleware and django-csp
    for every response, API included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        authenticated = bool(request.headers.get("Authorization")) or (
            getattr(request, "user", None) is not None and request.user.is_authenticated
        )
        if authenticated and ("json" in content_type or request.path.startswith("/api/")):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private"
        return response
