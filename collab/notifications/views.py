from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import robots
from .deliveries import digest_alerts
from .forms import ChannelPreferenceForm, DepartmentRobotForm
from .models import ChannelPreference, RobotConfig
from .selectors import notifications_visible_to, robot_digests_visible_to, with_done
from .services import channel_preference_update, notification_mark_read, notifications_mark_all_read


@login_required
def notification_list_view(request):
    qs = notifications_visible_to(request.user).select_related("alert")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    page.object_list = with_done(list(page.object_list), request.user)
    return render(
        request, "notifications/list.html", {"page_obj": page, "unread_only": unread_only}
    )


@login_required
@require_POST
def notification_read_view(request, pk):
    notification = get_object_or_404(notifications_visible_to(request.user), pk=pk)
    notification_mark_read(notification=notification, actor=request.user)
    target = notification.target
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request):
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect("notifications:list")


@login_required
def preference_view(request):
    preference = ChannelPreference.objects.filter(user=request.user).first() or ChannelPreference(
        user=request.user
    )
    form = ChannelPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        channel_preference_update(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("通知渠道已保存"))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def _robot_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@login_required
def department_robots_view(request):
    departments = list(robots.departments_managed_by(request.user).prefetch_related("robots"))
    if not departments:
        raise Http404
    form = DepartmentRobotForm(request.POST or None)
    if request.method == "POST":
        department = next(
            (d for d in departments if str(d.pk) == request.POST.get("department")), None
        )
        if department is None:
            messages.error(request, _("请选择您负责的部门"))
        elif form.is_valid():
            try:
                robots.department_robot_save(
                    department=department, actor=request.user, data=form.cleaned_data
                )
            except ValidationError as error:
                _robot_errors(form, error)
            else:
                messages.success(request, _("群机器人已保存"))
                return redirect("notifications:department_robots")
    return render(
        request,
        "notifications/department_robots.html",
        {"departments": departments, "form": form},
    )


@login_required
@require_POST
def department_robot_delete_view(request, pk):
    managed = robots.departments_managed_by(request.user)
    robot = get_object_or_404(RobotConfig, pk=pk, department__in=managed)
    robots.department_robot_delete(robot=robot, actor=request.user)
    messages.success(request, _("群机器人已删除"))
    return redirect("notifications:department_robots")


@login_required
def robot_digest_view(request, pk):
    """The full list behind a robot's digest message, newest first."""
    lead = get_object_or_404(robot_digests_visible_to(request.user).select_related("robot"), pk=pk)
    alerts = digest_alerts(lead)
    return render(request, "notifications/robot_digest.html", {"lead": lead, "alerts": alerts})
