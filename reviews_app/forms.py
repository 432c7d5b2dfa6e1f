from django import forms
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.forms import style_form
from requests_app.forms import DateInput

from .models import FindingKind, QualityRating

MAX_REWORK_ROWS = 3


def _styled(form, today=(), placeholders=False):
    style_form(form, small=True, today=today, placeholders=placeholders)


class StyledForm(forms.Form):
    today_fields: tuple[str, ...] = ()
    inline = False  # laid out in one row without visible labels

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_init()
        _styled(self, self.today_fields, self.inline)

    def after_init(self):
        """Where a form sets its querysets before the shared styling sees them."""


class CriterionForm(StyledForm):
    text = forms.CharField(label=_("验收标准"), max_length=500)

    @classmethod
    def initial_for(cls, criterion) -> dict:
        return {"text": criterion.text}


class AcceptanceForm(StyledForm):
    accepted_on = forms.DateField(label=_("验收日期"), widget=DateInput())
    departments = forms.ModelMultipleChoiceField(
        label=_("验收小组"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择验收小组的部门")},
    )
    quality_rating = forms.ChoiceField(
        label=_("成果质量评价"),
        choices=[("", "—"), *QualityRating.choices],
        required=False,
    )
    quality_comment = forms.CharField(
        label=_("评价说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    today_fields = ("accepted_on",)

    def __init__(self, *args, requirement=None, **kwargs):
        self.requirement = requirement
        super().__init__(*args, **kwargs)

    def after_init(self):
        requirement = self.requirement
        if requirement is not None:
            ids = [requirement.initiating_department_id] + [
                d.pk for d in requirement.departments.all()
            ]
            self.fields["departments"].queryset = Department.objects.filter(pk__in=ids)

    @classmethod
    def initial_for(cls, acceptance) -> dict:
        return {
            "accepted_on": acceptance.accepted_on,
            "departments": [d.pk for d in acceptance.departments.all()],
            "quality_rating": acceptance.quality_rating,
            "quality_comment": acceptance.quality_comment,
        }


class ResultForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("结论"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda v: v == "1",
        error_messages={"required": _("请选择通过或不通过")},
    )
    comment = forms.CharField(label=_("说明"), required=False, max_length=2000)

    @classmethod
    def initial_for(cls, result) -> dict:
        return {"passed": result.passed, "comment": result.comment}


class DeliverableForm(StyledForm):
    name = forms.CharField(label=_("交付成果"), max_length=300)
    task = forms.ModelChoiceField(label=_("对应任务"), queryset=None, required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)

    def __init__(self, *args, requirement=None, **kwargs):
        self.requirement = requirement
        super().__init__(*args, **kwargs)

    def after_init(self):
        from tasks_app.models import Task

        qs = Task.objects.none()
        if self.requirement is not None:
            qs = Task.objects.filter(requirement=self.requirement).order_by("code_sort")
        self.fields["task"].queryset = qs


class FailForm(forms.Form):
    """Reason plus up to three rework tasks (返工任务)."""

    reason = forms.CharField(
        label=_("不通过原因"),
        max_length=2000,
        error_messages={"required": _("验收不通过时必须填写原因")},
    )

    def __init__(self, *args, requirement=None, **kwargs):
        super().__init__(*args, **kwargs)
        owners = User.objects.filter(is_active=True).select_related("department")
        for i in range(MAX_REWORK_ROWS):
            self.fields[f"rework-{i}-name"] = forms.CharField(
                label=_("返工任务"), required=False, max_length=200
            )
            self.fields[f"rework-{i}-owner"] = forms.ModelChoiceField(
                label=_("负责人"), queryset=owners, required=False
            )
            self.fields[f"rework-{i}-planned_start"] = forms.DateField(
                label=_("计划开始"), required=False, widget=DateInput()
            )
            self.fields[f"rework-{i}-planned_end"] = forms.DateField(
                label=_("计划结束"), required=False, widget=DateInput()
            )
        _styled(self)

    def clean(self):
        data = super().clean()
        rework = []
        for i in range(MAX_REWORK_ROWS):
            row = {
                key: data.get(f"rework-{i}-{key}")
                for key in ("name", "owner", "planned_start", "planned_end")
            }
            if not any(row.values()):
                continue
            if not all(row.values()):
                raise forms.ValidationError(
                    _("第%(n)s项返工任务请填写名称、负责人和计划起止日期") % {"n": i + 1}
                )
            if row["planned_end"] < row["planned_start"]:
                raise forms.ValidationError(
                    _("第%(n)s项返工任务的结束日期不能早于开始日期") % {"n": i + 1}
                )
            rework.append(row)
        data["rework"] = rework
        return data

    def rows(self):
        return [
            [self[f"rework-{i}-{key}"] for key in ("name", "owner", "planned_start", "planned_end")]
            for i in range(MAX_REWORK_ROWS)
        ]


class RetrospectiveForm(StyledForm):
    today_fields = ("held_on",)

    held_on = forms.DateField(label=_("复盘会日期"), widget=DateInput(), required=False)
    reviewer = forms.ModelChoiceField(
        label=_("复盘人"),
        queryset=User.objects.filter(is_active=True, department__kind="internal"),
        required=False,
    )
    summary = forms.CharField(
        label=_("总结"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, retrospective) -> dict:
        return {
            "held_on": retrospective.held_on,
            "reviewer": retrospective.reviewer_id,
            "summary": retrospective.summary,
        }


class MetricForm(StyledForm):
    inline = True

    name = forms.CharField(label=_("指标"), max_length=100)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    target = forms.DecimalField(label=_("目标值"), max_digits=16, decimal_places=4, min_value=0)
    actual = forms.DecimalField(label=_("实际值"), max_digits=16, decimal_places=4, min_value=0)


class FindingForm(StyledForm):
    inline = True

    kind = forms.ChoiceField(label=_("类型"), choices=FindingKind.choices)
    text = forms.CharField(label=_("内容"), max_length=500)


class ImprovementForm(StyledForm):
    inline = True

    action = forms.CharField(label=_("改进措施"), max_length=500)
    owner = forms.ModelChoiceField(
        label=_("负责人"),
        queryset=User.objects.filter(is_active=True, department__kind="internal").select_related(
            "department"
        ),
    )
    due_date = forms.DateField(label=_("完成期限"), widget=DateInput())


class FinishForm(StyledForm):
    today_fields = ("done_on",)

    done_on = forms.DateField(label=_("完成日期"), required=False, widget=DateInput())
    result = forms.CharField(label=_("完成情况"), required=False, max_length=2000)
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000)


class LessonsFilterForm(StyledForm):
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.all(), required=False
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
