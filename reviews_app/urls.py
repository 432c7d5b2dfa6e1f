from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("requirements/<int:pk>/acceptance/", views.acceptance_view, name="acceptance"),
    path(
        "requirements/<int:pk>/acceptance/start/",
        views.acceptance_start_view,
        name="acceptance_start",
    ),
    path("requirements/<int:pk>/criteria/", views.criterion_add_view, name="criterion_add"),
    path(
        "requirements/<int:pk>/criteria/<int:criterion_id>/edit/",
        views.criterion_edit_view,
        name="criterion_edit",
    ),
    path(
        "requirements/<int:pk>/criteria/<int:criterion_id>/delete/",
        views.criterion_delete_view,
        name="criterion_delete",
    ),
    path("requirements/<int:pk>/retrospective/", views.retrospective_view, name="retrospective"),
    path("requirements/<int:pk>/report/", views.report_view, name="report"),
    path("acceptances/<int:pk>/edit/", views.acceptance_edit_view, name="acceptance_edit"),
    path(
        "acceptances/<int:pk>/results/<int:result_id>/",
        views.result_view,
        name="result",
    ),
    path(
        "acceptances/<int:pk>/deliverables/",
        views.deliverable_add_view,
        name="deliverable_add",
    ),
    path(
        "acceptances/<int:pk>/deliverables/<int:deliverable_id>/delete/",
        views.deliverable_delete_view,
        name="deliverable_delete",
    ),
    path("acceptances/<int:pk>/sign/", views.acceptance_sign_view, name="acceptance_sign"),
    path(
        "acceptances/<int:pk>/<str:name>/",
        views.acceptance_transition_view,
        name="acceptance_transition",
    ),
    path(
        "retrospectives/<int:pk>/edit/",
        views.retrospective_edit_view,
        name="retrospective_edit",
    ),
    path("retrospectives/<int:pk>/metrics/", views.metric_add_view, name="metric_add"),
    path(
        "retrospectives/<int:pk>/metrics/<int:metric_id>/delete/",
        views.metric_delete_view,
        name="metric_delete",
    ),
    path("retrospectives/<int:pk>/findings/", views.finding_add_view, name="finding_add"),
    path(
        "retrospectives/<int:pk>/findings/<int:finding_id>/delete/",
        views.finding_delete_view,
        name="finding_delete",
    ),
    path(
        "retrospectives/<int:pk>/improvements/",
        views.improvement_add_view,
        name="improvement_add",
    ),
    path(
        "retrospectives/<int:pk>/improvements/<int:action_id>/delete/",
        views.improvement_delete_view,
        name="improvement_delete",
    ),
    path(
        "retrospectives/<int:pk>/confirm/",
        views.retrospective_confirm_view,
        name="retrospective_confirm",
    ),
    path("lessons/", views.lessons_view, name="lessons"),
    path("lessons/hint/", views.lessons_hint_view, name="lessons_hint"),
    path("improvements/", views.improvements_view, name="improvements"),
    path(
        "improvements/<int:action_id>/<str:name>/",
        views.improvement_transition_view,
        name="improvement_transition",
    ),
]
