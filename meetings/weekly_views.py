"""The requirement's standing weekly meeting (协作例会安排): the form and its occurrences."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from collab.core.pages import submit_form
from requests_app.pages import requirement_or_404

from .forms import StyledForm, people_of
from .models import WeeklySchedule
from .recurring import can_schedule, weekly_schedule_save


class WeeklyScheduleForm(StyledForm, forms.ModelForm):
    time = forms.TimeField(
        label=_lazy("开始时间"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _lazy("请填写开始时间"), "invalid": _lazy("时间格式不正确")},
    )

    class Meta:
        model = WeeklySchedule
        fields = ["weekday", "time", "duration_minutes", "location", "attendees", "active"]
        widgets = {"attendees": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people_of(requirement)
        self.fields["attendees"].label_from_instance = lambda user: user.label
        self.fields["active"].widget.attrs["class"] = "form-check-input"
        self.style()


@login_required
def weekly_schedule_view(request, pk):
    requirement = requirement_or_404(request, pk)
    schedule = WeeklySchedule.objects.filter(requirement=requirement).first()
    allowed = can_schedule(request.user, requirement)
    if request.method == "POST" and not allowed:
        raise PermissionDenied
    form = WeeklyScheduleForm(request.POST or None, instance=schedule, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        saved = submit_form(
            request,
            form,
            lambda data: weekly_schedule_save(requirement=requirement, actor=request.user, **data),
            _("已保存协作例会安排"),
        )
        if saved is not None:
            return redirect("meetings:weekly_schedule", pk=requirement.pk)
    occurrences = (
        schedule.occurrences.select_related("meeting").order_by("-date")[:12] if schedule else []
    )
    return render(
        request,
        "meetings/weekly_schedule.html",
        {
            "requirement": requirement,
            "schedule": schedule,
            "form": form,
            "can_schedule": allowed,
            "occurrences": occurrences,
        },
    )
