from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("<int:pk>/read/", views.notification_read_view, name="read"),
    path("read-all/", views.notification_read_all_view, name="read_all"),
    path("preferences/", views.preference_view, name="preferences"),
    path("robot-digests/<int:pk>/", views.robot_digest_view, name="robot_digest"),
    path("department-robots/", views.department_robots_view, name="department_robots"),
    path(
        "department-robots/<int:pk>/delete/",
        views.department_robot_delete_view,
        name="department_robot_delete",
    ),
]
