"""Printed size of the dossier (协作档案) of the demo requirement 2024-MKT-001: the
workbook exported exactly as `GET /api/v1/requirements/{id}/dossier.xlsx` writes it,
converted to PDF by LibreOffice, pages counted per sheet and in total.

    DEBUG=1 .venv/bin/python benchmarks/dossier_pages.py [--keep DIR]

Runs against a throw-away SQLite database with the demo data (`manage.py load_demo`).
`--keep DIR` leaves the .xlsx and .pdf there to look at.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="collab-dossier-pages-"))
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

settings.MEDIA_ROOT = str(WORKDIR / "media")
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def to_pdf(source: Path, outdir: Path) -> Path:
    """`soffice --headless --convert-to pdf` with a profile of its own."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("LibreOffice (soffice) is not installed")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{WORKDIR / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return outdir / f"{source.stem}.pdf"


def pdf_pages(pdf: Path) -> int:
    """Page objects of a PDF (LibreOffice writes them uncompressed)."""
    return len(PAGE.findall(pdf.read_bytes()))


def sheet_pages(source: Path, outdir: Path) -> dict[str, int]:
    """Pages of each visible sheet, printed alone (a copy of the workbook keeping only
    that sheet)."""
    from openpyxl import load_workbook

    titles = [ws.title for ws in load_workbook(source).worksheets if ws.sheet_state == "visible"]
    found = {}
    for index, title in enumerate(titles):
        workbook = load_workbook(source)
        for other in list(workbook.worksheets):
            if other.title != title:
                workbook.remove(other)
        single = outdir / f"sheet-{index}.xlsx"
        workbook.save(single)
        found[title] = pdf_pages(to_pdf(single, outdir))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="directory to keep the .xlsx and .pdf in")
    args = parser.parse_args()

    from collab.accounts.models import User
    from collab.spreadsheets.exports import write_dossier
    from requests_app.models import Requirement

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    requirement = Requirement.objects.get(number="2024-MKT-001")
    director = User.objects.get(username="director")
    out = args.keep or WORKDIR
    out.mkdir(parents=True, exist_ok=True)
    source = out / f"{requirement.number}-dossier.xlsx"
    with source.open("wb") as handle:
        write_dossier(requirement, director, handle)
    total = pdf_pages(to_pdf(source, out))
    for title, count in sheet_pages(source, out).items():
        print(f"  {title:24s} {count:3d} page(s)")
    print(f"RESULT dossier {requirement.number}: {total} pages (A4)")
    if not args.keep:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
