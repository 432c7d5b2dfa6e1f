from django.urls import path

from . import views

app_name = "calendars"
urlpatterns = [
    path("", views.calendar_view, name="page"),
    path("regenerate/", views.regenerate_view, name="regenerate"),
    path("feed/<str:token>.ics", views.feed_view, name="feed"),
    path(
        "requirement/<int:pk>/<str:token>.ics",
        views.requirement_feed_view,
        name="requirement_feed",
    ),
    path("meetings/<int:pk>.ics", views.meeting_invitation_view, name="meeting"),
]
