"""Cockpit pages: the portfolio and the department KPIs (with the Excel export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from collab.core.pages import form_errors
from collab.spreadsheets.responses import filename, xlsx_response

from .excel import write_kpis
from .forms import KpiFilterForm, PortfolioFilterForm
from .kpis import DEFINITIONS, department_kpis, risk_impacts
from .portfolio import Health, portfolio, portfolio_rows
from .scope import may_use_cockpit

PAGE_SIZE = 50


def _allowed(request) -> None:
    if not may_use_cockpit(request.user):
        raise PermissionDenied


@login_required
def portfolio_view(request):
    _allowed(request)
    form = PortfolioFilterForm(request.GET)
    page, rows, error = None, [], ""
    if form.is_valid():
        page = Paginator(portfolio(request.user, form.filters()), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = portfolio_rows(page.object_list)
    else:
        error = _("筛选条件无效：%(errors)s") % {"errors": form_errors(form)}
    return render(
        request,
        "cockpit/portfolio.html",
        {"form": form, "page_obj": page, "rows": rows, "error": error, "healths": Health},
    )


def _kpis(request):
    _allowed(request)
    form = KpiFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, department_kpis(request.user, data["period"], data.get("department"))


@login_required
def kpi_view(request):
    form, kpis = _kpis(request)
    error = "" if kpis else _("查询条件无效：%(errors)s") % {"errors": form_errors(form)}
    charts = None
    if kpis is not None:
        charts = {
            "weekly": {
                "weeks": [w["week"].isoformat() for w in kpis.weekly],
                "rates": [float(w["rate"]) if w["rate"] is not None else None for w in kpis.weekly],
                "finished": [w["finished"] for w in kpis.weekly],
            },
            "causes": [{"name": c["label"], "value": c["days"]} for c in kpis.by_cause],
            "turnaround": {
                "departments": [r.label for r in kpis.departments if r.signoffs],
                "hours": [float(r.turnaround_median) for r in kpis.departments if r.signoffs],
            },
            "labels": {
                "rate": _("按期完成率(%)"),
                "finished": _("完成任务数"),
                "days": _("延迟天数"),
                "hours": _("中位小时数"),
            },
        }
    return render(
        request,
        "cockpit/kpis.html",
        {
            "form": form,
            "kpis": kpis,
            "error": error,
            "definitions": DEFINITIONS,
            "impacts": risk_impacts(),
            "charts": charts,
        },
    )


@login_required
def kpi_export_view(request):
    form, kpis = _kpis(request)
    if kpis is None:
        return render(
            request,
            "cockpit/kpis.html",
            {"form": form, "kpis": None, "error": form_errors(form), "definitions": DEFINITIONS},
            status=400,
        )
    return xlsx_response(filename(_("部门KPI"), "xlsx"), lambda handle: write_kpis(kpis, handle))
