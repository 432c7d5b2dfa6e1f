from django.urls import path

from . import views, watching

app_name = "requirements"
urlpatterns = [
    path("", views.requirement_list_view, name="list"),
    path("new/", views.requirement_create_view, name="create"),
    path("<int:pk>/", views.requirement_detail_view, name="detail"),
    path("<int:pk>/edit/", views.requirement_edit_view, name="edit"),
    path("<int:pk>/sign/", views.requirement_sign_view, name="sign"),
    path("<int:pk>/group/", views.group_add_view, name="group_add"),
    path("<int:pk>/group/<int:member_id>/remove/", views.group_remove_view, name="group_remove"),
    path("<int:pk>/watch/", watching.watch_view, name="watch"),
    path("<int:pk>/<str:name>/", views.requirement_transition_view, name="transition"),
]
