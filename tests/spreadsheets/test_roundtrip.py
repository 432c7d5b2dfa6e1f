"""Round trip: a requirement's dossier re-imported into its requirement changes
nothing; it is refused by another requirement; its content without the 需求编号
column imports into an empty requirement and the registers read back identical."""

import io

import pytest
from openpyxl import load_workbook

from collab.signoffs.services import signoff_state
from collab.spreadsheets.registry import get_sheet
from requests_app.services import requirement_start
from reviews_app.acceptance.services import (
    acceptance_accept,
    acceptance_judge,
    acceptance_sign,
    acceptance_submit,
    criterion_add,
)
from reviews_app.models import ACCEPTANCE_STAGE, Acceptance
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.spreadsheets.helpers import import_and_confirm, import_into, response_bytes

pytestmark = pytest.mark.django_db


def _rows(register, requirement, user):
    sheet = get_sheet(register)
    rows = list(sheet.export_rows(sheet.export_queryset(user, {}, requirement=requirement)))
    keys = [c.key for c in sheet.columns]
    return [
        {k: v for k, v in zip(keys, row, strict=True) if k != "requirement_number"} for row in rows
    ]


def _empty_twin(seed):
    source = seed["requirement"]
    twin = make_requirement(
        seed,
        topic=source.topic,
        goal=source.goal,
        start_date=source.start_date,
        end_date=source.end_date,
        priority=source.priority,
        departments=("PRD", "SAL", "DSN", "CHA"),
    )
    confirm_requirement(seed, twin)
    form_group(seed, twin)
    twin.refresh_from_db()
    return twin


def _pass_acceptance(seed, requirement):
    initiator = seed["users"]["mkt_staff"]
    acceptance = Acceptance.objects.get(requirement=requirement)
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
        if slot.signers:
            acceptance_sign(
                acceptance=acceptance,
                actor=slot.signers[0],
                decision="approve",
                comment="验收通过",
                department=slot.department,
            )
    acceptance_accept(acceptance=acceptance, actor=initiator)


def test_dossier_round_trip_into_an_empty_requirement(seed, api):
    source = seed["requirement"]
    users = seed["users"]
    leader = users["mkt_head"]
    api.as_user(users["director"])
    response = api.get(f"/api/v1/requirements/{source.pk}/dossier.xlsx")
    assert response.status_code == 200
    dossier = response_bytes(response)
    workbook = load_workbook(io.BytesIO(dossier), read_only=True)
    assert workbook.sheetnames == [
        "汇总",
        "跨部门协作需求登记表",
        "任务分工与进度跟踪表",
        "风险与问题登记表",
        "成果验收与复盘表",
        "_collab",  # hidden: the requirement and export time the rows' versions belong to
    ]
    assert workbook["_collab"].sheet_state == "hidden"
    workbook.close()

    # Into its own requirement: every row unchanged, nothing to write.
    for register in ("requirement", "tasks", "risks", "review"):
        same = import_into(api, leader, source, register, dossier).data
        assert {row["action"] for row in same["rows"]} == {"unchanged"}, register

    twin = _empty_twin(seed)
    # Into another requirement the file is refused, naming the one it belongs to.
    for register in ("requirement", "tasks", "risks", "review"):
        refused = import_into(api, leader, twin, register, dossier).data
        assert refused["valid"] is False and refused["status"] == "invalid", register
        message = refused["file_errors"][0]["message"]
        assert source.number in message and twin.number in message, register
        confirm = api.post(f"/api/v1/imports/{refused['id']}/confirm/")
        assert confirm.status_code == 409, register
    workbook = load_workbook(io.BytesIO(dossier))
    for title in ("任务分工与进度跟踪表", "风险与问题登记表"):
        sheet = workbook[title]
        headers = [cell.value for cell in sheet[1]]
        sheet.delete_cols(headers.index("需求编号") + 1)
    # The review form's title names its requirement too.
    workbook["成果验收与复盘表"]["A1"] = "成果验收与复盘表"
    del workbook["_collab"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    dossier = buffer.getvalue()

    # Tasks arrive before the requirement runs (statuses wait, with a warning) ...
    first = import_and_confirm(api, leader, twin, "tasks", dossier)
    assert all(row["action"] == "create" for row in first["rows"])
    requirement_start(requirement=twin, actor=leader)
    # ... and re-importing the same file sets the statuses instead of duplicating.
    second = import_and_confirm(api, leader, twin, "tasks", dossier)
    assert {row["action"] for row in second["rows"]} == {"update"}
    assert {c["field"] for row in second["rows"] for c in row["changes"]} <= {
        "status",
        "actual_end",
    }
    import_and_confirm(api, leader, twin, "risks", dossier)

    criterion_add(
        requirement=twin,
        actor=users["mkt_staff"],
        text=source.acceptance_criteria.first().text,
    )
    review = import_and_confirm(api, leader, twin, "review", dossier)
    assert review["rows"][0]["action"] == "create"
    assert "验收通过后才会生成复盘" in review["rows"][0]["warnings"][0]["message"]
    _pass_acceptance(seed, twin)
    again = import_and_confirm(api, leader, twin, "review", dossier)
    assert again["rows"][0]["action"] == "update"  # the retrospective part, now there

    director = users["director"]
    for register in ("tasks", "risks", "review"):
        assert _rows(register, twin, director) == _rows(register, source, director), register
    assert len(_rows("review", source, director)) == 1
    assert twin.tasks.count() == source.tasks.count() == 4
    assert twin.risks.count() == source.risks.count() == 3

    # A third import of the same dossier changes nothing and duplicates nothing.
    for register in ("tasks", "risks"):
        rows = import_into(api, leader, twin, register, dossier).data["rows"]
        assert {row["action"] for row in rows} == {"unchanged"}
