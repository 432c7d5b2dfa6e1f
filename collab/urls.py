from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from collab.accounts.views import PasswordChangeView, language_view
from collab.core import site
from collab.ops import health, metrics
from tasks_app.views import workbench

urlpatterns = [
    # Answered by collab.ops.middleware.ProbeMiddleware first; named here for reverse().
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", workbench, name="home"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("manifest.webmanifest", site.web_manifest, name="web_manifest"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("collab.identity.urls")),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("language/", language_view, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("requirements/", include("requests_app.urls")),
    path("tasks/", include("tasks_app.urls")),
    path("risks/", include("risks_app.urls")),
    path("reviews/", include("reviews_app.urls")),
    path("notifications/", include("collab.notifications.urls")),
    path("meetings/", include("meetings.urls")),
    path("documents/", include("documents.urls")),
    path("spreadsheets/", include("collab.spreadsheets.urls")),
    path("cockpit/", include("cockpit.urls")),
    path("calendar/", include("calendars.urls")),
    path("views/", include("saved_views.urls")),
    path("identity/", include("collab.identity.handover_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("collab.api_urls")),
]

handler403 = "collab.core.site.permission_denied"
handler404 = "collab.core.site.page_not_found"
handler500 = "collab.core.site.server_error"
