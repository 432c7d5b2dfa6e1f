"""Answers the probe and metrics paths before the rest of the middleware.

Kubernetes probes and Prometheus address a pod by its IP over plain HTTP: host
validation (ALLOWED_HOSTS) and the HTTPS redirect would answer them 400 or 301, and
sessions, locale or request logging have nothing to do for them."""

from . import health, metrics

ROUTES = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics.metrics_view,
}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ROUTES.get(request.path_info.rstrip("/") or "/")
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return view(request)
