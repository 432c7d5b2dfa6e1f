from django.urls import path

from . import views, weekly_views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list_view, name="list"),
    path("requirement/<int:pk>/", views.meeting_list_view, name="requirement"),
    path("requirement/<int:pk>/new/", views.meeting_create_view, name="create"),
    path(
        "requirement/<int:pk>/weekly-schedule/",
        weekly_views.weekly_schedule_view,
        name="weekly_schedule",
    ),
    path("requirement/<int:pk>/review/", views.review_meeting_record_view, name="review"),
    path("<int:pk>/", views.meeting_detail_view, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit_view, name="edit"),
    path("<int:pk>/publish/", views.meeting_publish_view, name="publish"),
    path("<int:pk>/items/new/", views.action_item_add_view, name="item_add"),
    path("<int:pk>/items/<int:item_id>/status/", views.action_item_status_view, name="item_status"),
    path(
        "<int:pk>/items/<int:item_id>/convert/", views.action_item_convert_view, name="item_convert"
    ),
]
