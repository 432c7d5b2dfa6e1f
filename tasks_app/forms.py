from django import forms
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.forms import style_form
from requests_app.forms import DateInput
from requests_app.models import Priority

from .models import BudgetUnit, Plan, Task
from .plan_services import PLAN_FIELDS


def _style(form):
    style_form(form)


class TaskForm(forms.Form):
    """Create or edit a row of the task register; the service validates the whole row."""

    code = forms.CharField(
        label=_("任务ID"),
        max_length=32,
        required=False,
        help_text=_("工作分解编号，例如 1.1；留空则自动编号"),
    )
    name = forms.CharField(label=_("子任务名称"), max_length=200)
    owner_department = forms.ModelChoiceField(label=_("负责部门"), queryset=Department.objects)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects)
    collaborating_departments = forms.ModelMultipleChoiceField(
        label=_("协作部门"),
        queryset=Department.objects,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    collaborators = forms.ModelMultipleChoiceField(
        label=_("协作人"),
        queryset=User.objects,
        required=False,
    )
    planned_start = forms.DateField(label=_("计划开始时间"), widget=DateInput())
    planned_end = forms.DateField(label=_("计划结束时间"), widget=DateInput())
    deliverable = forms.CharField(label=_("交付成果"), max_length=500, required=False)
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial="P1")
    depends_on = forms.ModelMultipleChoiceField(
        label=_("前置任务"),
        queryset=Task.objects.none(),
        required=False,
        help_text=_("完成-开始依赖：前置任务完成后本任务才能开始"),
    )

    def __init__(self, *args, requirement, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        involved = [requirement.initiating_department_id] + [
            d.pk for d in requirement.departments.all()
        ]
        departments = Department.objects.filter(pk__in=involved)
        self.fields["owner_department"].queryset = departments
        self.fields["collaborating_departments"].queryset = departments
        people = User.objects.filter(is_active=True, department__in=involved).select_related(
            "department"
        )
        self.fields["owner"].queryset = people
        self.fields["collaborators"].queryset = people
        others = requirement.tasks.exclude(status="cancelled")
        if task is not None:
            others = others.exclude(pk=task.pk)
        self.fields["depends_on"].queryset = others.order_by("code_sort")
        _style(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("计划结束时间不能早于计划开始时间"))
        return data

    @classmethod
    def initial_for(cls, task) -> dict:
        """What the form shows for a stored task."""
        return {
            "code": task.code,
            "name": task.name,
            "owner_department": task.owner_department_id,
            "owner": task.owner_id,
            "collaborating_departments": list(task.collaborating_departments.all()),
            "collaborators": list(task.collaborators.all()),
            "planned_start": task.planned_start,
            "planned_end": task.planned_end,
            "deliverable": task.deliverable,
            "priority": task.priority,
            "depends_on": list(task.depends_on.all()),
        }


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("进度(%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "required": _("请填写进度"),
            "min_value": _("进度应在 0 到 100 之间"),
            "max_value": _("进度应在 0 到 100 之间"),
        },
    )
    note = forms.CharField(
        label=_("进展说明"), max_length=2000, error_messages={"required": _("请填写进展说明")}
    )
    expected_end = forms.DateField(label=_("预计完成时间"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CommentForm(forms.Form):
    note = forms.CharField(
        label=_("评论"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写评论内容")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000)
    actual_end = forms.DateField(label=_("实际完成时间"), required=False)


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "task",
            *PLAN_FIELDS,
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 5}),
            "people": forms.Textarea(attrs={"rows": 2}),
            "tools": forms.Textarea(attrs={"rows": 2}),
            "contingency": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, requirement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = requirement.tasks.order_by("code_sort")
        self.fields["task"].required = False
        self.fields["task"].empty_label = _("（整个需求的方案）")
        self.fields["budget_unit"].choices = BudgetUnit.choices
        if self.instance.pk:
            self.fields["task"].disabled = True
        _style(self)

    def _post_clean(self):
        # Model validation runs in the service.
        pass


class PlanCommentForm(forms.Form):
    body = forms.CharField(
        label=_("评审意见"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("请填写评审意见")},
    )
