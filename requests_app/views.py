from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.accounts.models import Department
from collab.core.history import history_entries
from collab.core.pages import apply_errors, run_service, transition_buttons
from collab.core.versioning import save_edit, versioned
from collab.signoffs.pages import sign_response

from . import rules as perms
from . import services
from .forms import GroupMemberForm, ReasonForm, RequirementForm
from .models import REVIEW_STAGE, GroupMember, Priority, Requirement, RequirementStatus
from .pages import requirement_or_404
from .selectors import group_members, requirement_rows


@login_required
def requirement_list_view(request):
    qs = requirement_rows(request.user)
    params = request.GET
    if params.get("status") in RequirementStatus.values:
        qs = qs.filter(status=params["status"])
    if params.get("priority") in Priority.values:
        qs = qs.filter(priority=params["priority"])
    if params.get("department", "").isdigit():
        dept = int(params["department"])
        involved = Requirement.departments.through.objects.filter(department=dept)
        qs = qs.filter(Q(initiating_department=dept) | Q(pk__in=involved.values("requirement")))
    if params.get("q"):
        q = params["q"].strip()
        qs = qs.filter(Q(number__icontains=q) | Q(topic__icontains=q) | Q(goal__icontains=q))
    page = Paginator(qs.order_by("-created_at", "-id"), 20).get_page(params.get("page"))
    return render(
        request,
        "requests_app/requirement_list.html",
        {
            "page_obj": page,
            "statuses": RequirementStatus.choices,
            "priorities": Priority.choices,
            "departments": Department.objects.all(),
            "can_create": not request.user.is_partner,
        },
    )


@login_required
def requirement_create_view(request):
    if request.user.is_partner:
        raise PermissionDenied
    form = RequirementForm(
        request.POST or None,
        initial={
            "initiating_department": request.user.department_id,
            "contact_info": request.user.phone or request.user.email,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        departments = data.pop("departments")
        try:
            requirement = services.requirement_create(
                actor=request.user, data=data, departments=departments
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("需求 %(number)s 已提交，等待评审") % {"number": requirement.number}
            )
            return redirect("requirements:detail", pk=requirement.pk)
    return render(
        request, "requests_app/requirement_form.html", {"form": form, "requirement": None}
    )


@login_required
def requirement_edit_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    if not perms.can_edit(request.user, requirement):
        raise PermissionDenied
    form = versioned(RequirementForm(request.POST or None, instance=requirement), requirement)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: services.requirement_update(
                requirement=requirement,
                actor=request.user,
                departments=data.pop("departments"),
                data=data,
            ),
            _("已保存"),
        )
        if saved is not None:
            return redirect("requirements:detail", pk=requirement.pk)
    return render(
        request, "requests_app/requirement_form.html", {"form": form, "requirement": requirement}
    )


@login_required
def requirement_detail_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    user = request.user
    context = {
        "requirement": requirement,
        "buttons": transition_buttons(requirement, user),
        "members": group_members(requirement),
        "history": history_entries(requirement),
        "can_edit": perms.can_edit(user, requirement),
        "can_manage_group": perms.can_manage_group(user, requirement),
        "can_review": perms.can_review(user, requirement),
        "group_form": GroupMemberForm(),
    }
    return render(request, "requests_app/requirement_detail.html", context)


@login_required
@require_POST
def requirement_transition_view(request, pk, name):
    requirement = requirement_or_404(request, pk, detail=True)
    service = services.TRANSITION_SERVICES.get(name)
    if service is None:
        return redirect("requirements:detail", pk=pk)
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "") if form.is_valid() else ""
    run_service(
        request,
        lambda: service(requirement=requirement, actor=request.user, reason=reason),
        lambda done: _("操作成功，当前状态：%(status)s") % {"status": done.get_status_display()},
    )
    return redirect("requirements:detail", pk=pk)


@login_required
@require_POST
def requirement_sign_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    return sign_response(
        request,
        partial(services.requirement_sign, requirement=requirement),
        target=requirement,
        stage=REVIEW_STAGE,
        person_slot="coordinator",
        back=reverse("requirements:detail", args=[pk]),
    )


@login_required
@require_POST
def group_add_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    form = GroupMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择成员和角色"))
        return redirect("requirements:detail", pk=pk)
    run_service(
        request,
        lambda: services.group_add_member(
            requirement=requirement, actor=request.user, **form.cleaned_data
        ),
        _("已加入协作小组"),
    )
    return redirect("requirements:detail", pk=pk)


@login_required
@require_POST
def group_remove_view(request, pk, member_id):
    requirement = requirement_or_404(request, pk, detail=True)
    member = get_object_or_404(GroupMember, pk=member_id, requirement=requirement)
    run_service(
        request,
        lambda: services.group_remove_member(member=member, actor=request.user),
        _("已移出协作小组"),
    )
    return redirect("requirements:detail", pk=pk)
