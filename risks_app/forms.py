from django import forms
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from meetings.forms import DateInput, DateTimeInput, StyledForm, people_of
from meetings.models import CauseCategory
from tasks_app.models import Task

from .models import Risk
from .services import EDITABLE_FIELDS


class RiskForm(StyledForm, forms.ModelForm):
    today_fields = ("occurred_on",)

    class Meta:
        model = Risk
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
            "occurred_on": DateInput(),
            "planned_resolution": DateInput(),
        }

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_of(requirement)
        self.fields["task"].queryset = Task.objects.filter(requirement=requirement)
        self.fields["owner_department"].queryset = Department.objects.all()
        self.style()

    def _post_clean(self):
        pass


class ResolveForm(StyledForm, forms.Form):
    today_fields = ("actual_resolution",)

    measures = forms.CharField(
        label=_("解决措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    actual_resolution = forms.DateField(label=_("实际解决时间"), widget=DateInput(), required=False)
    result = forms.CharField(label=_("处理结果"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000)


class EscalateForm(StyledForm, forms.Form):
    note = forms.CharField(label=_("上报说明"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


def involved_people(requirement):
    """Everyone of the initiating and involved departments (task owners and collaborators
    must come from them)."""
    departments = [d.pk for d in requirement.departments.all()]
    departments.append(requirement.initiating_department_id)
    return (
        User.objects.filter(is_active=True, department__in=departments)
        .select_related("department")
        .order_by("department__code", "username")
    )


class ReallocateForm(StyledForm, forms.Form):
    task = forms.ModelChoiceField(label=_("任务"), queryset=Task.objects.none())
    owner = forms.ModelChoiceField(label=_("新负责人"), queryset=None, required=False)
    planned_start = forms.DateField(label=_("计划开始时间"), widget=DateInput(), required=False)
    planned_end = forms.DateField(label=_("计划结束时间"), widget=DateInput(), required=False)
    add_collaborators = forms.ModelMultipleChoiceField(
        label=_("增加协作人"),
        queryset=None,
        required=False,
    )
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(requirement=requirement)
        self.fields["owner"].queryset = involved_people(requirement)
        self.fields["add_collaborators"].queryset = involved_people(requirement)
        self.style()


class SpecialMeetingForm(StyledForm, forms.Form):
    held_at = forms.DateTimeField(
        label=_("会议时间"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("相关部门"),
        queryset=Department.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个相关部门")},
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("参会人"),
        queryset=None,
        required=False,
    )
    cause_category = forms.ChoiceField(label=_("原因类别"), choices=CauseCategory.choices)
    solution = forms.CharField(label=_("解决方案"), widget=forms.Textarea(attrs={"rows": 2}))
    recovery_plan = forms.CharField(label=_("恢复计划"), widget=forms.Textarea(attrs={"rows": 2}))
    recovery_deadline = forms.DateField(label=_("恢复期限"), widget=DateInput())
    minutes = forms.CharField(
        label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people_of(requirement)
        self.style()
