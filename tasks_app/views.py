"""Pages of the task register: table, task detail, kanban, Gantt, weekly meeting view
and the workbench (home page). Plans live in plan_views.py."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.accounts.models import Department
from collab.core.history import history_entries
from collab.core.pages import (
    REFUSALS,
    error_text,
    redirect_next,
    submit_form,
    transition_buttons,
)
from collab.core.paging import BoundedPaginator
from collab.core.versioning import save_edit, versioned
from requests_app.models import Priority
from requests_app.pages import requirement_or_404

from . import board, services
from . import rules as perms
from .baselines import OPEN_REQUIREMENT, gantt_marks
from .forms import CommentForm, ProgressForm, TaskForm, TransitionForm
from .lifecycle import TASK_LIFECYCLE
from .models import Task, TaskStatus
from .selectors import (
    gantt_rows,
    progress_updates,
    task_list,
    today,
)
from .workbench import weekly_view_data, workbench_data


def _task_or_404(request, task_id) -> Task:
    return get_object_or_404(task_list(request.user), pk=task_id)


def _mark_permissions(tasks, user, *, own_only: bool = False):
    """`can_update`: the user may post progress on the task; `inline_progress`: the row
    shows the progress form (on a list across requirements only on the user's own tasks,
    those they own or collaborate on, so a coordinator's list is not a wall of forms)."""
    for task in tasks:
        task.can_update = perms.can_update_task(user, task)
        own = task.owner_id == user.pk or any(u.pk == user.pk for u in task.collaborators.all())
        task.inline_progress = task.can_update and (own or not own_only)
    return tasks


FILTERS = ("status", "owner_department", "owner", "overdue", "priority")


def _filter_tasks(qs, params, *, by_requirement: bool = False):
    """Filtered and sorted tasks; `by_requirement` (lists across requirements) keeps
    each requirement's tasks together, in the chosen order within it."""
    if params.get("status") in TaskStatus.values:
        qs = qs.filter(status=params["status"])
    if params.get("priority") in Priority.values:
        qs = qs.filter(priority=params["priority"])
    if params.get("owner_department", "").isdigit():
        qs = qs.filter(owner_department_id=int(params["owner_department"]))
    if params.get("owner", "").isdigit():
        qs = qs.filter(owner_id=int(params["owner"]))
    if params.get("overdue") == "1":
        qs = qs.filter(is_overdue=True)
    # The default and the planned-end order are read from an index (Task.Meta).
    ordering = {
        "delay": ("-delay_days", "code_sort", "id"),
        "planned_end": ("planned_end", "code_sort", "id"),
    }.get(params.get("sort", ""), ("-requirement_id", "code_sort", "id"))
    if by_requirement and ordering[0] != "-requirement_id":
        ordering = ("-requirement_id", *ordering)
    return qs.order_by(*ordering)


def _register_context(request, qs, **extra):
    across = bool(extra.get("show_requirement"))
    tasks = _filter_tasks(qs, request.GET, by_requirement=across)
    page = BoundedPaginator(tasks, 50).get_page(request.GET.get("page"))
    _mark_permissions(page.object_list, request.user, own_only=across)
    return {
        "page_obj": page,
        "statuses": TaskStatus.choices,
        "priorities": Priority.choices,
        "departments": Department.objects.all(),
        **extra,
    }


@login_required
def task_list_view(request):
    """Every task the user may see, across requirements."""
    qs = task_list(request.user)
    if request.GET.get("mine") == "1":
        qs = qs.filter(owner=request.user)
    context = _register_context(request, qs, requirement=None, show_requirement=True)
    return render(request, "tasks_app/task_register.html", context)


@login_required
def register_view(request, pk):
    """Template 2 for one requirement, in the template's column order plus delay."""
    requirement = requirement_or_404(request, pk)
    qs = task_list(request.user).filter(requirement=requirement)
    context = _register_context(
        request,
        qs,
        requirement=requirement,
        show_requirement=False,
        can_create=perms.can_create_in(request.user, requirement),
    )
    return render(request, "tasks_app/task_register.html", context)


@login_required
def task_create_view(request, pk):
    requirement = requirement_or_404(request, pk)
    if not perms.can_create_in(request.user, requirement):
        raise PermissionDenied(perms.editing_refusal(request.user, requirement))
    form = TaskForm(request.POST or None, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        task = submit_form(
            request,
            form,
            lambda data: services.task_create(requirement=requirement, actor=request.user, **data),
            lambda task: _("已添加任务 %(code)s") % {"code": task.code},
        )
        if task is not None:
            for warning in services.task_warnings(task):
                messages.warning(request, warning)
            if "another" in request.POST:
                return redirect("tasks:create", pk=requirement.pk)
            return redirect("tasks:register", pk=requirement.pk)
    return render(
        request,
        "tasks_app/task_form.html",
        {"form": form, "requirement": requirement, "task": None},
    )


@login_required
def task_edit_view(request, task_id):
    task = _task_or_404(request, task_id)
    if not perms.can_manage_task(request.user, task):
        raise PermissionDenied(perms.editing_refusal(request.user, task.requirement))
    form = TaskForm(request.POST or None, requirement=task.requirement, task=task)
    versioned(form, task)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: services.task_update(task=task, actor=request.user, data=data),
            _("已保存"),
        )
        if saved is not None:
            for warning in services.task_warnings(saved):
                messages.warning(request, warning)
            return redirect("tasks:detail", task_id=task.pk)
    return render(
        request,
        "tasks_app/task_form.html",
        {"form": form, "requirement": task.requirement, "task": task},
    )


@login_required
def task_detail_view(request, task_id):
    task = _task_or_404(request, task_id)
    user = request.user
    context = {
        "task": task,
        "requirement": task.requirement,
        "updates": progress_updates(task),
        "buttons": transition_buttons(task, user),
        "warnings": services.task_warnings(task),
        "history": history_entries(task),
        "plans": task.plans.all(),
        "can_update": perms.can_update_task(user, task),
        "can_manage": perms.can_manage_task(user, task),
        "can_comment": perms.can_comment_task(user, task),
        "progress_form": ProgressForm(initial={"progress": task.progress}),
        "comment_form": CommentForm(),
        "today": today(),
    }
    return render(request, "tasks_app/task_detail.html", context)


def _row_response(request, task_id, error: str = "", saved: bool = False):
    task = _task_or_404(request, task_id)
    across = request.POST.get("show_requirement") == "1"
    _mark_permissions([task], request.user, own_only=across)
    return render(
        request,
        "tasks_app/_task_row.html",
        {"t": task, "row_error": error, "row_saved": saved, "show_requirement": across},
    )


@login_required
@require_POST
def progress_view(request, task_id):
    """Post a progress update; inline (htmx) answers the re-rendered table row."""
    task = _task_or_404(request, task_id)
    form = ProgressForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "；".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            services.task_post_update(task=task, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
    if request.htmx:
        return _row_response(request, task_id, error=error, saved=not error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已填报进度"))
    return redirect("tasks:detail", task_id=task_id)


@login_required
@require_POST
def comment_view(request, task_id):
    task = _task_or_404(request, task_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写评论内容"))
    else:
        try:
            services.task_post_update(
                task=task, actor=request.user, note=form.cleaned_data["note"], kind="comment"
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已发表评论"))
    return redirect("tasks:detail", task_id=task_id)


def _run(task, name, user, data) -> str:
    """Run a transition by name; answers an error text ("" when done)."""
    service = services.TRANSITION_SERVICES.get(name)
    if service is None:
        return _("未知的操作")
    form = TransitionForm(data)
    if not form.is_valid():
        return _("实际完成时间格式不正确")
    kwargs = {"reason": form.cleaned_data["reason"]}
    if name == "finish":
        kwargs["actual_end"] = form.cleaned_data["actual_end"]
    try:
        service(task=task, actor=user, **kwargs)
    except REFUSALS as exc:
        return error_text(exc)
    return ""


@login_required
@require_POST
def transition_view(request, task_id, name):
    task = _task_or_404(request, task_id)
    error = _run(task, name, request.user, request.POST)
    if error:
        messages.error(request, error)
    else:
        task.refresh_from_db()
        messages.success(request, _("操作成功，当前状态：%(s)s") % {"s": task.get_status_display()})
    return redirect_next(request, "tasks:detail", task_id=task_id)


@login_required
@require_POST
def move_view(request, task_id):
    """Kanban drop: run the transition between the two columns, or refuse."""
    task = _task_or_404(request, task_id)
    target = request.POST.get("status", "")
    labels = dict(TaskStatus.choices)
    # A drop is one declared transition from the card's column to the target column.
    path = TASK_LIFECYCLE.path(task.status, target)
    name = path[0] if path and len(path) == 1 else None
    if name is None:
        message = _("不能从“%(a)s”直接移到“%(b)s”") % {
            "a": labels.get(task.status, task.status),
            "b": labels.get(target, target),
        }
        return JsonResponse({"ok": False, "message": message}, status=409)
    error = _run(task, name, request.user, request.POST)
    if error:
        return JsonResponse({"ok": False, "message": error}, status=409)
    task.refresh_from_db()
    return JsonResponse(
        {"ok": True, "status": task.status, "message": _("已移到“%(b)s”") % {"b": labels[target]}}
    )


@login_required
def kanban_view(request, pk):
    """Each column's first cards with its count; the rest load as the column scrolls."""
    requirement = requirement_or_404(request, pk)
    return render(
        request,
        "tasks_app/kanban.html",
        {
            "requirement": requirement,
            "columns": board.kanban_columns(requirement, request.user),
            "needs_reason": ["blocked", "cancelled"],
        },
    )


@login_required
def kanban_column_view(request, pk, status):
    """The next cards of one kanban column (htmx, on scroll)."""
    requirement = requirement_or_404(request, pk)
    if status not in TaskStatus.values:
        raise Http404
    try:
        offset = max(int(request.GET.get("offset", "0")), 0)
    except ValueError:
        offset = 0
    column = board.kanban_more(requirement, request.user, status, offset)
    return render(
        request, "tasks_app/_kanban_cards.html", {"requirement": requirement, "column": column}
    )


@login_required
def gantt_view(request, pk):
    requirement = requirement_or_404(request, pk)
    gantt = gantt_marks(
        gantt_rows(requirement, request.user, limit=board.GANTT_WINDOW),
        requirement,
        request.GET.get("baseline"),
    )
    return render(
        request,
        "tasks_app/gantt.html",
        {
            "requirement": requirement,
            # The first window of bars; the page fetches the next ones as it scrolls.
            "gantt": gantt,
            "can_save_baseline": perms.manages_all(request.user, requirement)
            and requirement.status in OPEN_REQUIREMENT,
        },
    )


@login_required
@require_POST
def reschedule_view(request, task_id):
    """Gantt drag: new planned dates through the same service and permission check."""
    task = _task_or_404(request, task_id)
    try:
        start = datetime.date.fromisoformat(request.POST.get("planned_start", ""))
        end = datetime.date.fromisoformat(request.POST.get("planned_end", ""))
    except ValueError:
        return JsonResponse({"ok": False, "message": _("日期格式不正确")}, status=400)
    try:
        task = services.task_reschedule(
            task=task, actor=request.user, planned_start=start, planned_end=end
        )
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "message": error_text(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "message": error_text(exc)}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "message": _("已调整 %(code)s 的计划时间：%(s)s 至 %(e)s")
            % {"code": task.code, "s": start, "e": end},
            "warnings": services.task_warnings(task),
        }
    )


@login_required
def weekly_view(request, pk):
    requirement = requirement_or_404(request, pk)
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today()
    context = weekly_view_data(requirement, day)
    context["requirement"] = requirement
    return render(request, "tasks_app/weekly.html", context)


@login_required
def workbench(request):
    """Home page (工作台)."""
    return render(request, "tasks_app/workbench.html", workbench_data(request.user))
