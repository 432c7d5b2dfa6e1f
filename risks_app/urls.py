from django.urls import path

from . import views

app_name = "risks"
urlpatterns = [
    path("", views.risk_list_view, name="list"),
    path("requirement/<int:pk>/", views.risk_list_view, name="requirement"),
    path("requirement/<int:pk>/new/", views.risk_create_view, name="create"),
    path("<int:pk>/", views.risk_detail_view, name="detail"),
    path("<int:pk>/edit/", views.risk_edit_view, name="edit"),
    path("<int:pk>/escalate/", views.risk_escalate_view, name="escalate"),
    path("<int:pk>/reallocate/", views.risk_reallocate_view, name="reallocate"),
    path("<int:pk>/special-meeting/", views.special_meeting_view, name="special_meeting"),
    path("<int:pk>/<str:name>/", views.risk_transition_view, name="transition"),
]
