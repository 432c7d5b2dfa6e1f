from django.urls import path

from .acceptance import views as acceptance
from .retrospective import views as retrospective

app_name = "reviews"
urlpatterns = [
    path("requirements/<int:pk>/acceptance/", acceptance.acceptance_view, name="acceptance"),
    path(
        "requirements/<int:pk>/acceptance/start/",
        acceptance.acceptance_start_view,
        name="acceptance_start",
    ),
    path("requirements/<int:pk>/criteria/", acceptance.criterion_add_view, name="criterion_add"),
    path(
        "requirements/<int:pk>/criteria/<int:criterion_id>/edit/",
        acceptance.criterion_edit_view,
        name="criterion_edit",
    ),
    path(
        "requirements/<int:pk>/criteria/<int:criterion_id>/delete/",
        acceptance.criterion_delete_view,
        name="criterion_delete",
    ),
    path(
        "requirements/<int:pk>/retrospective/",
        retrospective.retrospective_view,
        name="retrospective",
    ),
    path("requirements/<int:pk>/report/", retrospective.report_view, name="report"),
    path("acceptances/<int:pk>/edit/", acceptance.acceptance_edit_view, name="acceptance_edit"),
    path(
        "acceptances/<int:pk>/results/<int:result_id>/",
        acceptance.result_view,
        name="result",
    ),
    path(
        "acceptances/<int:pk>/deliverables/",
        acceptance.deliverable_add_view,
        name="deliverable_add",
    ),
    path(
        "acceptances/<int:pk>/deliverables/<int:deliverable_id>/delete/",
        acceptance.deliverable_delete_view,
        name="deliverable_delete",
    ),
    path("acceptances/<int:pk>/sign/", acceptance.acceptance_sign_view, name="acceptance_sign"),
    path(
        "acceptances/<int:pk>/<str:name>/",
        acceptance.acceptance_transition_view,
        name="acceptance_transition",
    ),
    path(
        "retrospectives/<int:pk>/edit/",
        retrospective.retrospective_edit_view,
        name="retrospective_edit",
    ),
    path("retrospectives/<int:pk>/metrics/", retrospective.metric_add_view, name="metric_add"),
    path(
        "retrospectives/<int:pk>/metrics/<int:metric_id>/delete/",
        retrospective.metric_delete_view,
        name="metric_delete",
    ),
    path("retrospectives/<int:pk>/findings/", retrospective.finding_add_view, name="finding_add"),
    path(
        "retrospectives/<int:pk>/findings/<int:finding_id>/delete/",
        retrospective.finding_delete_view,
        name="finding_delete",
    ),
    path(
        "retrospectives/<int:pk>/improvements/",
        retrospective.improvement_add_view,
        name="improvement_add",
    ),
    path(
        "retrospectives/<int:pk>/improvements/<int:action_id>/delete/",
        retrospective.improvement_delete_view,
        name="improvement_delete",
    ),
    path(
        "retrospectives/<int:pk>/confirm/",
        retrospective.retrospective_confirm_view,
        name="retrospective_confirm",
    ),
    path("lessons/", retrospective.lessons_view, name="lessons"),
    path("lessons/hint/", retrospective.lessons_hint_view, name="lessons_hint"),
    path("improvements/", retrospective.improvements_view, name="improvements"),
    path(
        "improvements/<int:action_id>/<str:name>/",
        retrospective.improvement_transition_view,
        name="improvement_transition",
    ),
]
