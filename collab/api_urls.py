"""REST API v1: every app registers its viewsets on one router."""

from django.urls import include, path, reverse_lazy
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

import requests_app.api
import reviews_app.api
import risks_app.api
import tasks_app.api
from calendars import api as calendars_api
from cockpit import api as cockpit_api
from collab.accounts import api as accounts_api
from collab.accounts import auth_api
from collab.integrations import api as integrations_api
from collab.notifications import api as notifications_api
from collab.spreadsheets import api as spreadsheets_api
from documents import api as documents_api
from meetings import api as meetings_api
from saved_views import api as saved_views_api

router = DefaultRouter()
for module in (
    accounts_api,
    notifications_api,
    integrations_api,
    meetings_api,
    documents_api,
    spreadsheets_api,
    requests_app.api,
    tasks_app.api,
    risks_app.api,
    reviews_app.api,
    calendars_api,
    saved_views_api,
):
    module.register(router)

urlpatterns = [
    path("v1/auth/token/", auth_api.ObtainTokenView.as_view(), name="api-token"),
    path("v1/auth/logout/", auth_api.LogoutView.as_view(), name="api-logout"),
    path("v1/auth/logout-all/", auth_api.LogoutAllView.as_view(), name="api-logout-all"),
    path("v1/auth/tokens/", auth_api.TokenListView.as_view(), name="api-tokens"),
    path(
        "v1/auth/tokens/<str:digest>/",
        auth_api.TokenDetailView.as_view(),
        name="api-token-detail",
    ),
    path("v1/me/password/", auth_api.PasswordChangeView.as_view(), name="api-password"),
    path("v1/me/", accounts_api.me, name="api-me"),
    path("v1/", include(spreadsheets_api.urlpatterns)),  # before the router: *.xlsx paths
    path("", include(cockpit_api.urlpatterns)),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        TemplateView.as_view(
            template_name="api/swagger_ui.html",
            extra_context={"schema_url": reverse_lazy("schema")},
        ),
        name="swagger-ui",
    ),
]
