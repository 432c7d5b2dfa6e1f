from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.history import history_entries
from collab.core.pages import apply_errors, run_service, submit_form
from collab.core.versioning import save_edit, versioned
from requests_app.pages import requirement_or_404

from . import rules as perms
from . import services
from .forms import (
    ActionItemForm,
    ActionItemStatusForm,
    ConvertForm,
    MeetingForm,
    ReviewMeetingForm,
)
from .hooks import action_item_converter, action_item_converters
from .models import ActionItem, MeetingKind
from .selectors import agenda_suggestion, meeting_detail, meeting_list


def _meeting_or_404(request, pk):
    return get_object_or_404(meeting_detail(request.user), pk=pk)


def _filtered(request, qs):
    params = request.GET
    if params.get("kind") in MeetingKind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("published") == "yes":
        qs = qs.filter(published_at__isnull=False)
    elif params.get("published") == "no":
        qs = qs.filter(published_at__isnull=True)
    return qs


@login_required
def meeting_list_view(request, pk=None):
    """All meetings the user may see, or one requirement's meetings (its 会议 tab)."""
    requirement = requirement_or_404(request, pk, detail=True) if pk is not None else None
    qs = meeting_list(request.user)
    if requirement is not None:
        qs = qs.filter(requirement=requirement)
    page = Paginator(_filtered(request, qs), 20).get_page(request.GET.get("page"))
    kinds = []
    if requirement is not None:
        kinds = [
            (value, label)
            for value, label in MeetingKind.choices
            if value != MeetingKind.REVIEW and perms.can_organize(request.user, requirement, value)
        ]
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "requirement": requirement,
            "page_obj": page,
            "kinds": MeetingKind.choices,
            "new_kinds": kinds,
            "now": timezone.now(),
        },
    )


def _new_meeting_form(request, requirement, kind) -> MeetingForm:
    """The form for a new meeting: now, the kind's title and the agenda prefilled."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    return MeetingForm(
        request.POST or None,
        requirement=requirement,
        kind=kind,
        initial={
            "held_at": now,
            "title": MeetingKind(kind).label,
            "agenda": agenda_suggestion(requirement, kind, now.date()),
        },
    )


@login_required
def meeting_create_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in MeetingKind.values:
        kind = MeetingKind.WEEKLY
    if not perms.can_organize(request.user, requirement, kind):
        raise PermissionDenied
    form = _new_meeting_form(request, requirement, kind)
    if request.method == "POST" and form.is_valid():
        meeting = submit_form(
            request,
            form,
            lambda data: services.meeting_create(
                requirement=requirement,
                actor=request.user,
                kind=kind,
                attendees=data.pop("attendees"),
                departments=data.pop("departments"),
                **data,
            ),
            _("已记录会议"),
        )
        if meeting is not None:
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "form": form,
            "requirement": requirement,
            "kind": kind,
            "meeting": None,
            "kind_label": MeetingKind(kind).label,
        },
    )


@login_required
def meeting_edit_view(request, pk):
    meeting = _meeting_or_404(request, pk)
    if not perms.can_edit(request.user, meeting):
        raise PermissionDenied
    requirement = meeting.requirement
    form = MeetingForm(
        request.POST or None, instance=meeting, requirement=requirement, kind=meeting.kind
    )
    versioned(form, meeting)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: services.meeting_update(
                meeting=meeting,
                actor=request.user,
                attendees=data.pop("attendees"),
                departments=data.pop("departments"),
                data=data,
            ),
            _("已保存"),
        )
        if saved is not None:
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "form": form,
            "requirement": requirement,
            "kind": meeting.kind,
            "meeting": meeting,
            "kind_label": meeting.get_kind_display(),
        },
    )


@login_required
def meeting_detail_view(request, pk):
    meeting = _meeting_or_404(request, pk)
    can_edit = perms.can_edit(request.user, meeting)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "requirement": meeting.requirement,
            "can_edit": can_edit,
            "item_form": ActionItemForm(requirement=meeting.requirement) if can_edit else None,
            "converters": action_item_converters(),
            "history": history_entries(meeting),
            "user_id": request.user.pk,
        },
    )


@login_required
@require_POST
def meeting_publish_view(request, pk):
    meeting = _meeting_or_404(request, pk)
    run_service(
        request,
        lambda: services.meeting_publish(meeting=meeting, actor=request.user),
        _("纪要已发布给协作小组全体成员"),
    )
    return redirect("meetings:detail", pk=pk)


@login_required
def action_item_add_view(request, pk):
    meeting = _meeting_or_404(request, pk)
    if not perms.can_edit(request.user, meeting):
        raise PermissionDenied
    form = ActionItemForm(request.POST or None, requirement=meeting.requirement)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已添加待办"))
            return redirect("meetings:detail", pk=pk)
    return render(request, "meetings/action_item_form.html", {"form": form, "meeting": meeting})


def _item_or_404(request, pk, item_id):
    meeting = _meeting_or_404(request, pk)
    return get_object_or_404(
        ActionItem.objects.select_related("meeting"), pk=item_id, meeting=meeting
    )


@login_required
@require_POST
def action_item_status_view(request, pk, item_id):
    item = _item_or_404(request, pk, item_id)
    form = ActionItemStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未知状态"))
        return redirect("meetings:detail", pk=pk)
    run_service(
        request,
        lambda: services.action_item_update(
            item=item, actor=request.user, data={"status": form.cleaned_data["status"]}
        ),
        _("待办状态已更新"),
    )
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def action_item_convert_view(request, pk, item_id):
    item = _item_or_404(request, pk, item_id)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("不支持的转换目标"))
        return redirect("meetings:detail", pk=pk)
    converter = action_item_converter(form.cleaned_data["to"])
    run_service(
        request,
        lambda: services.action_item_convert(
            item=item, actor=request.user, to=form.cleaned_data["to"]
        ),
        _("已转为%(label)s") % {"label": converter.label},
    )
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def review_meeting_record_view(request, pk):
    """Record the requirement review meeting from the requirement page."""
    requirement = requirement_or_404(request, pk, detail=True)
    form = ReviewMeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写会议日期和评审结论"))
    else:
        run_service(
            request,
            lambda: services.meeting_record_review(
                requirement=requirement, actor=request.user, **form.cleaned_data
            ),
            _("已记录需求评审会"),
        )
    return redirect("requirements:detail", pk=pk)
