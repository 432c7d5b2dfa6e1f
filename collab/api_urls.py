"""REST API v1: every app registers its viewsets on one router."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

import requests_app.api
import reviews_app.api
import risks_app.api
import tasks_app.api
from collab.accounts import api as accounts_api
from collab.notifications import api as notifications_api
from collab.spreadsheets import api as spreadsheets_api
from documents import api as documents_api
from meetings import api as meetings_api

router = DefaultRouter()
for module in (
    accounts_api,
    notifications_api,
    meetings_api,
    documents_api,
    spreadsheets_api,
    requests_app.api,
    tasks_app.api,
    risks_app.api,
    reviews_app.api,
):
    module.register(router)

urlpatterns = [
    path("v1/auth/token/", obtain_auth_token, name="api-token"),
    path("v1/me/", accounts_api.me, name="api-me"),
    path("v1/", include(spreadsheets_api.urlpatterns)),  # before the router: *.xlsx paths
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
