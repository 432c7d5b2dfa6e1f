"""The cockpit's query parameters, validated once for the pages and the API (an
invalid value answers a message on the page and 400 with field errors in the API)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department
from collab.core.api import IdFormField
from collab.core.fields import validate_date_range
from requests_app.models import Priority

from .kpis import Period
from .portfolio import RUNNING_STEPS, Health, PortfolioFilters

MAX_PERIOD_DAYS = 731
DEFAULT_WEEKS = 12


class DepartmentField(forms.ModelChoiceField):
    """A department by id: digits only (core IdFormField rules), one that exists."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("部门"))
        kwargs.setdefault("empty_label", _("全部部门"))
        super().__init__(Department.objects.all(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            IdFormField(required=False).clean(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        return super().to_python(value)


class PortfolioFilterForm(forms.Form):
    department = DepartmentField()
    priority = forms.ChoiceField(
        choices=[("", _("全部优先级")), *Priority.choices], required=False, label=_("优先级")
    )
    stage = forms.ChoiceField(
        choices=[("", _("全部步骤")), *[(s.value, s.label) for s in RUNNING_STEPS]],
        required=False,
        label=_("步骤"),
    )
    health = forms.ChoiceField(
        choices=[("", _("全部状况")), *Health.choices], required=False, label=_("健康状况")
    )

    def filters(self) -> PortfolioFilters:
        data = self.cleaned_data
        return PortfolioFilters(
            department=data.get("department"),
            priority=data.get("priority") or "",
            stage=data.get("stage") or "",
            health=data.get("health") or "",
        )


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve weeks, from a Monday to today."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday(), weeks=DEFAULT_WEEKS - 1)
    return start, today


class KpiFilterForm(forms.Form):
    # `from` is a Python keyword: the field is declared under that name below.
    to = forms.DateField(required=False, label=_("截止日期"), validators=[validate_date_range])
    department = DepartmentField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "from": forms.DateField(
                required=False, label=_("开始日期"), validators=[validate_date_range]
            ),
            **self.fields,
        }

    def clean(self):
        data = super().clean()
        start, end = default_period()
        start = data.get("from") or start
        end = data.get("to") or end
        if "from" in self.errors or "to" in self.errors:
            return data
        if start > end:
            self.add_error("to", _("截止日期不能早于开始日期"))
        elif (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error("to", _("统计期间不能超过两年"))
        data["period"] = Period(start, end)
        return data
