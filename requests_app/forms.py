from django import forms
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.forms import DatePicker as DateInput
from collab.core.forms import style_form

from .models import SEED_FIELDS, GroupRole, Requirement

__all__ = ["DateInput", "GroupMemberForm", "ReasonForm", "RequirementForm"]


class RequirementForm(forms.ModelForm):
    departments = forms.ModelMultipleChoiceField(
        label=_("涉及部门"),
        queryset=Department.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("内部部门与外部合作伙伴"),
        error_messages={"required": _("请至少选择一个涉及部门")},
    )

    class Meta:
        model = Requirement
        fields = [
            "initiating_department",
            *SEED_FIELDS,
            "coordinator",
            "remarks",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "goal": forms.Textarea(attrs={"rows": 2}),
            "expected_outcomes": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 2}),
            "remarks": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiating_department"].queryset = Department.objects.filter(
            kind=Department.Kind.INTERNAL
        )
        self.fields["coordinator"].queryset = User.objects.filter(
            is_coordinator=True, is_active=True
        )
        style_form(self, today=["start_date"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期"))
        return data

    def _post_clean(self):
        # Model validation runs in the service, which sees the whole object.
        pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000)


class GroupMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("成员"),
        queryset=User.objects.filter(is_active=True).select_related("department"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=GroupRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
