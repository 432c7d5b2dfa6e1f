from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.forms import DatePicker, DateTimePicker, style_form
from requests_app.selectors import group_members

from .hooks import action_item_converters
from .models import RECORD_FIELDS, ActionItem, ActionItemStatus, Meeting, MeetingKind

SPECIAL_FIELDS = ("cause_category", "solution", "recovery_plan", "recovery_deadline")


DateInput = DatePicker
DateTimeInput = DateTimePicker


def people_of(requirement):
    """Who can attend or own items: the group, the coordinator and the involved heads."""
    member_ids = [m.user_id for m in group_members(requirement)]
    department_ids = [d.pk for d in requirement.departments.all()]
    department_ids.append(requirement.initiating_department_id)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=member_ids)
            | Q(pk=requirement.coordinator_id)
            | Q(headed_departments__in=department_ids)
        )
        .select_related("department")
        .distinct()
        .order_by("department__code", "username")
    )


class StyledForm:
    today_fields: tuple[str, ...] = ()

    def style(self):
        style_form(self, today=self.today_fields)


class MeetingForm(StyledForm, forms.ModelForm):
    held_at = forms.DateTimeField(
        label=_("会议时间"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": _("请填写会议时间"), "invalid": _("会议时间格式不正确")},
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            *RECORD_FIELDS,
            *SPECIAL_FIELDS,
        ]
        widgets = {
            "departments": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
            "solution": forms.Textarea(attrs={"rows": 3}),
            "recovery_plan": forms.Textarea(attrs={"rows": 3}),
            "recovery_deadline": DateInput(),
        }

    def __init__(self, *args, requirement, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people_of(requirement)
        self.fields["departments"].queryset = Department.objects.all()
        if kind != MeetingKind.SPECIAL:
            for name in SPECIAL_FIELDS:
                del self.fields[name]
        self.style()

    def _post_clean(self):
        # Model rules are checked by the service, which sees the whole meeting.
        pass


class ActionItemForm(StyledForm, forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_date"]
        widgets = {"due_date": DateInput()}
        error_messages = {
            "text": {"required": _("请填写待办事项")},
            "owner": {"required": _("请指定负责人")},
            "due_date": {"required": _("请填写截止日期"), "invalid": _("日期格式不正确")},
        }

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_of(requirement)
        self.style()

    def _post_clean(self):
        pass


class ActionItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


class ConvertForm(forms.Form):
    to = forms.ChoiceField(choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(c.key, c.label) for c in action_item_converters()]


class ReviewMeetingForm(StyledForm, forms.Form):
    today_fields = ("held_on",)

    held_on = forms.DateField(label=_("会议日期"), widget=DateInput())
    attendees = forms.ModelMultipleChoiceField(
        label=_("参会人"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(),
    )
    conclusion = forms.CharField(label=_("评审结论"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
