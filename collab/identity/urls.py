"""Single sign-on addresses under /accounts/: each configured provider's login and
callback (allauth), the in-app 免登 pages, and the pages allauth shows on errors."""

from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("<str:provider_id>/inapp/", views.inapp_login, name="identity_inapp_login"),
    # allauth's pages link to these names; Collab's own login page answers them.
    path(
        "login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="account_login",
    ),
    path(
        "signup/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="account_signup",
    ),
    path(
        "3rdparty/login/cancelled/",
        social_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("3rdparty/signup/", social_views.signup, name="socialaccount_signup"),
    *build_provider_urlpatterns(),
]
