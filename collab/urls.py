from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from collab.accounts.views import PasswordChangeView, language_view
from collab.ops import health, metrics
from tasks_app.views import workbench

urlpatterns = [
    # Answered by collab.ops.middleware.ProbeMiddleware first; named here for reverse().
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", workbench, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
    path("identity/", include("collab.identity.handover_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("collab.api_urls")),
]
