"""The KPI tables as an Excel workbook (one sheet per table, styled as the register
exports, every text cell written as text so nothing is read as a formula)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from collab.spreadsheets.workbook import (
    DATE_FORMAT,
    HEADER_ALIGNMENT,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    sheet_title,
)

from .kpis import DEFINITIONS, Kpis, risk_impacts


def _header(ws, titles) -> list:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment, cell.border = HEADER_ALIGNMENT, HEADER_BORDER
        cells.append(cell)
    return cells


def _cell(ws, value):
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even "=..."
    elif hasattr(value, "isoformat"):
        cell.number_format = DATE_FORMAT
    return cell


def _sheet(workbook, title: str, headers, rows, note: str = "") -> None:
    ws = workbook.create_sheet(sheet_title(title))
    if note:
        ws.append([_cell(ws, note)])
    ws.append(_header(ws, headers))
    for row in rows:
        ws.append([_cell(ws, value) for value in row])


def write_kpis(kpis: Kpis, handle) -> None:
    workbook = Workbook(write_only=True)
    rows = [*kpis.departments, kpis.overall]
    period = f"{kpis.period.start.isoformat()} ~ {kpis.period.end.isoformat()}"
    impacts = risk_impacts()
    _sheet(
        workbook,
        _("部门KPI"),
        [
            _("部门"),
            _("完成任务数"),
            _("按期完成数"),
            _("按期完成率(%)"),
            _("延迟完成数"),
            _("延迟总天数"),
            _("平均延迟天数"),
            _("签字数"),
            _("签字周转中位数(小时)"),
            *[_("未关闭风险·%(impact)s") % {"impact": label} for _code, label in impacts],
            _("改进措施到期数"),
            _("按期完成改进数"),
            _("改进按期率(%)"),
            _("达成指标数"),
            _("指标数"),
            _("平均达成率(%)"),
        ],
        [
            [
                row.label,
                row.finished,
                row.on_time,
                row.on_time_rate,
                row.late,
                row.delay_total,
                row.delay_average,
                len(row.signoffs),
                row.turnaround_median,
                *[row.risks.get(code, 0) for code, _label in impacts],
                row.actions_due,
                row.actions_on_time,
                row.actions_rate,
                row.metrics_achieved,
                len(row.metrics),
                row.achievement_average,
            ]
            for row in rows
        ],
        note=_("统计期间：%(period)s") % {"period": period},
    )
    _sheet(
        workbook,
        _("按周按期完成率"),
        [_("周（周一）"), _("完成任务数"), _("按期完成数"), _("按期完成率(%)")],
        [[w["week"], w["finished"], w["on_time"], w["rate"]] for w in kpis.weekly],
    )
    _sheet(
        workbook,
        _("延迟原因"),
        [_("原因类别"), _("任务数"), _("延迟天数")],
        [[c["label"], c["tasks"], c["days"]] for c in kpis.by_cause],
    )
    _sheet(
        workbook,
        _("签字周转"),
        [_("部门"), _("环节"), _("签字数"), _("中位小时数")],
        [
            [t["department_name"], t["stage_label"], t["count"], t["median_hours"]]
            for t in kpis.turnaround
        ],
    )
    _sheet(
        workbook,
        _("指标定义"),
        [_("指标"), _("定义")],
        [[key, str(text)] for key, text in DEFINITIONS.items()],
    )
    workbook.save(handle)
