"""Real office files: a round trip through LibreOffice (xlsx, xls, ods) applies exactly
the edits made, a CSV typed by a person and saved by LibreOffice imports, the seed's
forms come back unchanged, and the dossier prints as one short document."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from risks_app.models import Risk
from tasks_app.models import Task
from tests.conftest import require
from tests.spreadsheets.helpers import import_into, response_bytes
from tests.spreadsheets.test_diff_preview import edit, export, running  # noqa: F401
from tests.spreadsheets.test_risks_review import RISK_HEADERS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice") or ""
    require("LibreOffice (soffice)", bool(path), "apt-get install libreoffice-calc-nogui")
    return path


def convert(source: Path, fmt: str, *more: Path) -> bytes:
    """`soffice --headless --convert-to fmt`, with a profile of its own; `more` files
    are converted by the same run (read them from out-<fmt>/)."""
    outdir = source.parent / f"out-{fmt}"
    profile = source.parent / "lo-profile"
    # CSV: comma-separated, quoted by ", UTF-8 (76), from line 1; types detected.
    infilter = ["--infilter=CSV:44,34,76,1"] if source.suffix == ".csv" else []
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            *infilter,
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
            *map(str, more),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    return (outdir / f"{source.stem}.{fmt}").read_bytes()


def pdf_pages(data: bytes) -> int:
    """Page objects of a PDF as LibreOffice writes it (object dictionaries uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def test_round_trip_through_libreoffice_applies_exactly_the_edit(org, api, running, tmp_path):  # noqa: F811
    leader = org["users"]["mkt_head"]
    data = export(api, leader, "tasks", running)
    edited = tmp_path / "tasks.xlsx"
    edited.write_bytes(edit(data, {("1.2", "交付成果"): "《产品核心卖点清单V2》"}))
    before = {t.code: t.history.count() for t in Task.objects.filter(requirement=running)}
    for fmt in ("xlsx", "xls", "ods"):
        converted = convert(edited, fmt)
        preview = import_into(api, leader, running, "tasks", converted, name=f"t.{fmt}").data
        assert preview["file_format"] == fmt
        assert preview["from_export"] is True, fmt  # hidden sheet and column survived
        assert [(row["key"], row["action"]) for row in preview["rows"]] == [
            ("1.1", "unchanged"),
            ("1.2", "update"),
            ("2.1", "unchanged"),
            ("3.1", "unchanged"),
        ], (fmt, preview["rows"])
        assert [(c["field"], c["new"]) for c in preview["rows"][1]["changes"]] == [
            ("deliverable", "《产品核心卖点清单V2》")
        ], fmt
    confirmed = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.data
    after = {t.code: t.history.count() for t in Task.objects.filter(requirement=running)}
    assert after == {**before, "1.2": before["1.2"] + 1}


def test_csv_typed_by_a_person_and_saved_by_libreoffice(org, api, running, tmp_path):  # noqa: F811
    leader = org["users"]["mkt_head"]
    lines = [
        ",".join(RISK_HEADERS),
        "001,宣传物料设计不符合品牌规范,高,设计部＊,2024-08-06,2024-08-07,,重新设计,",
        "002,数据监测系统响应延迟,中,技术部*,2024-08-08,2024-08-10,,升级服务器,",
    ]
    source = tmp_path / "risks.csv"
    source.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    for fmt in ("xlsx", "ods"):
        converted = convert(source, fmt)
        preview = import_into(api, leader, running, "risks", converted, name=f"r.{fmt}").data
        # LibreOffice stored 001 as the number 1: the id comes back as typed.
        assert [(row["key"], row["action"], row["errors"]) for row in preview["rows"]] == [
            ("001", "create", []),
            ("002", "create", []),
        ], fmt
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 200
    assert sorted(Risk.objects.filter(requirement=running).values_list("code", flat=True)) == [
        "001",
        "002",
    ]
    workbook = load_workbook(io.BytesIO(convert(source, "xlsx")))
    assert workbook.worksheets[0]["A2"].data_type == "n"  # the case being handled


def test_seed_forms_and_dossier_through_libreoffice(seed, api, tmp_path):
    """Templates 1 and 4 of the demo saved again by LibreOffice read back as no change;
    the dossier converted to PDF prints each of its five sheets on one page or two."""
    requirement, director = seed["requirement"], seed["users"]["director"]
    api.as_user(director)
    files = {}
    for register in ("requirement", "review"):
        response = api.get(f"/api/v1/{register}/export.xlsx", {"requirement": requirement.pk})
        files[register] = tmp_path / f"{register}.xlsx"
        files[register].write_bytes(response_bytes(response))
    convert(files["requirement"], "xlsx", files["review"])
    for register in ("requirement", "review"):
        converted = (tmp_path / "out-xlsx" / f"{register}.xlsx").read_bytes()
        assert converted != files[register].read_bytes()  # written by LibreOffice
        preview = import_into(api, director, requirement, register, converted).data
        assert preview["file_errors"] == [] and preview["from_export"] is True, register
        assert [(r["action"], r["changes"], r["errors"]) for r in preview["rows"]] == [
            ("unchanged", [], [])
        ], (register, preview["rows"])

    dossier = tmp_path / "dossier.xlsx"
    response = api.get(f"/api/v1/requirements/{requirement.pk}/dossier.xlsx")
    dossier.write_bytes(response_bytes(response))
    pages = pdf_pages(convert(dossier, "pdf"))
    assert 5 <= pages <= 7, pages
