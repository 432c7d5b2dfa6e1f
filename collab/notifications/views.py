from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ChannelPreferenceForm
from .models import ChannelPreference
from .selectors import notifications_visible_to
from .services import channel_preference_update, notification_mark_read, notifications_mark_all_read


@login_required
def notification_list_view(request):
    qs = notifications_visible_to(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
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
