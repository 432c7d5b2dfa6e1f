from django.urls import path

from . import baseline_views, plan_views, views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list_view, name="list"),
    path("requirement/<int:pk>/", views.register_view, name="register"),
    path("requirement/<int:pk>/new/", views.task_create_view, name="create"),
    path("requirement/<int:pk>/kanban/", views.kanban_view, name="kanban"),
    path(
        "requirement/<int:pk>/kanban/<str:status>/",
        views.kanban_column_view,
        name="kanban_column",
    ),
    path("requirement/<int:pk>/gantt/", views.gantt_view, name="gantt"),
    path(
        "requirement/<int:pk>/baselines/",
        baseline_views.baseline_create_view,
        name="baseline_create",
    ),
    path("requirement/<int:pk>/weekly/", views.weekly_view, name="weekly"),
    path("requirement/<int:pk>/plans/", plan_views.plans_view, name="plans"),
    path("requirement/<int:pk>/plans/new/", plan_views.plan_create_view, name="plan_create"),
    path("<int:task_id>/", views.task_detail_view, name="detail"),
    path("<int:task_id>/edit/", views.task_edit_view, name="edit"),
    path("<int:task_id>/progress/", views.progress_view, name="progress"),
    path("<int:task_id>/comment/", views.comment_view, name="comment"),
    path("<int:task_id>/move/", views.move_view, name="move"),
    path("<int:task_id>/reschedule/", views.reschedule_view, name="reschedule"),
    path("<int:task_id>/<str:name>/", views.transition_view, name="transition"),
    path("plans/<int:plan_id>/", plan_views.plan_detail_view, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", plan_views.plan_edit_view, name="plan_edit"),
    path("plans/<int:plan_id>/sign/", plan_views.plan_sign_view, name="plan_sign"),
    path("plans/<int:plan_id>/comment/", plan_views.plan_comment_view, name="plan_comment"),
    path(
        "plans/<int:plan_id>/<str:name>/", plan_views.plan_transition_view, name="plan_transition"
    ),
]
