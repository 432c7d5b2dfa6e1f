"""The declared lifecycles: one place per register, applied to the models, extended only
through explicit registration, printed by `manage.py lifecycle`."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from collab.core.lifecycle import Condition, Followup, Lifecycle, LifecycleError, all_lifecycles
from requests_app.lifecycle import LIFECYCLE as REQUIREMENT
from risks_app.lifecycle import LIFECYCLE as RISK
from tasks_app.lifecycle import TASK_LIFECYCLE

REGISTERS = {
    "requests_app.Requirement",
    "tasks_app.Task",
    "tasks_app.Plan",
    "risks_app.Risk",
    "reviews_app.Acceptance",
    "reviews_app.Retrospective",
    "reviews_app.ImprovementAction",
}


def test_every_register_declares_its_lifecycle():
    assert {lifecycle.model for lifecycle in all_lifecycles()} == REGISTERS


@pytest.mark.parametrize("lifecycle", all_lifecycles(), ids=lambda c: c.model)
def test_declared_transitions_are_the_models_transitions(lifecycle):
    """django-fsm runs exactly what the lifecycle declares: same names, sources, targets."""
    model = apps.get_model(lifecycle.model)
    field = model._meta.get_field(lifecycle.field_name)
    methods = field.transitions[model]
    assert set(methods) == set(lifecycle.transitions)
    for name, declared in lifecycle.transitions.items():
        meta = methods[name]._django_fsm
        assert set(meta.transitions) == set(declared.source)
        assert {t.target for t in meta.transitions.values()} == {declared.target}
        assert {t.permission for t in meta.transitions.values()} == {declared.permission}


def test_later_apps_add_conditions_to_the_requirement():
    start = {(c.name, c.app) for c in REQUIREMENT["start"].conditions}
    assert start == {
        ("group_ready", ""),
        ("has_tasks", "tasks_app"),
        ("plans_approved", "tasks_app"),
    }
    complete = {(c.name, c.app) for c in REQUIREMENT["complete"].conditions}
    assert complete == {("accepted", "reviews_app"), ("tasks_closed", "reviews_app")}
    assert [(f.name, f.app) for f in REQUIREMENT["complete"].followups] == [
        ("dissolve_group", "reviews_app")
    ]
    assert set(REQUIREMENT.prefetches()) == {"tasks", "plans", "acceptances"}
    assert REQUIREMENT.prefetches(listing=True) == []
    assert set(REQUIREMENT.list_annotations()) == {
        "has_live_tasks",
        "has_unapproved_plans",
        "has_passed_acceptance",
        "has_open_tasks",
    }


def test_conditions_are_added_only_at_start_up():
    condition = Condition("late", "x", lambda obj: None)
    with pytest.raises(LifecycleError, match="AppConfig.ready"):
        REQUIREMENT.add_condition("start", condition, app="tests")
    with pytest.raises(LifecycleError, match="AppConfig.ready"):
        REQUIREMENT.add_followup("complete", Followup("late", "x", print), app="tests")


def test_unknown_and_duplicate_names_are_refused(monkeypatch):
    monkeypatch.setattr(apps, "ready", False)  # as inside AppConfig.ready()
    scratch = Lifecycle(
        "tests.Scratch",
        states=REQUIREMENT.states,
        transitions=[type(REQUIREMENT["start"])("go", ("a",), "b", "go", "anyone")],
    )
    try:
        condition = Condition("ready", "x", lambda obj: None)
        with pytest.raises(LifecycleError, match="no transition 'stop'"):
            scratch.add_condition("stop", condition, app="tests")
        scratch.add_condition("go", condition, app="tests")
        with pytest.raises(LifecycleError, match="already has condition 'ready'"):
            scratch.add_condition("go", condition, app="other")
        with pytest.raises(LifecycleError, match="declared twice"):
            Lifecycle(
                "tests.Twice",
                states=REQUIREMENT.states,
                transitions=[scratch["go"], scratch["go"]],
            )
    finally:
        Lifecycle.registry.pop("tests.Scratch", None)


def test_paths_follow_the_declared_graph():
    assert TASK_LIFECYCLE.path("not_started", "done") == ["start", "finish"]
    assert TASK_LIFECYCLE.path("done", "blocked") == ["reopen", "block"]
    assert TASK_LIFECYCLE.path("in_progress", "cancelled") == ["cancel"]
    assert TASK_LIFECYCLE.path("cancelled", "in_progress") is None
    assert RISK.path("open", "closed") == ["resolve", "close"]
    assert RISK.path("closed", "open") is None
    assert RISK.path("open", "open") == []


def test_lifecycle_command_prints_every_rule():
    out = StringIO()
    call_command("lifecycle", stdout=out)
    text = out.getvalue()
    with translation.override("zh-hans"):
        for lifecycle in all_lifecycles():
            assert f"`{lifecycle.model}`" in text
            for name, declared in lifecycle.transitions.items():
                assert f"`{name}` {declared.label}" in text
    assert "至少有一个未取消的任务 [tasks_app]" in text
    assert "成果验收已通过 [reviews_app]" in text
    assert "解散协作小组" in text
    english = StringIO()
    call_command("lifecycle", language="en", stdout=english)
    assert "`requests_app.Requirement`" in english.getvalue()
    assert "Confirm requirement" in english.getvalue()


def test_tabs_are_registered_once_at_start_up():
    from requests_app.tabs import TABS, Tab, TabError, register_tab

    keys = [tab.key for tab in TABS]
    assert len(keys) == len(set(keys))
    assert {"tasks", "risks", "meetings", "documents", "acceptance", "excel"} <= set(keys)
    with pytest.raises(TabError, match="AppConfig.ready"):
        register_tab(Tab("late", "late", "requirements:detail"))
