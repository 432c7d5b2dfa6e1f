"""Uploading a document in the browser: the progress bar, the new version in the list,
and a refused upload that explains why."""

import re

import pytest

from documents.models import Document
from tests.factories import form_group, make_requirement

PDF = b"%PDF-1.4\n" + b"% filler\n" * 120_000 + b"%%EOF\n"  # about 1 MB
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Records the highest value the upload progress bar reached, across the navigation
# that follows a successful upload.
PROGRESS_PROBE = """
document.addEventListener('DOMContentLoaded', () => {
  const box = document.getElementById('upload-progress');
  if (!box) return;
  new MutationObserver(() => {
    const value = Number(box.getAttribute('aria-valuenow') || 0);
    const best = Number(sessionStorage.getItem('maxProgress') || 0);
    if (value > best) sessionStorage.setItem('maxProgress', String(value));
  }).observe(box, {attributes: true});
});
"""


@pytest.fixture
def requirement(org, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    return form_group(org, make_requirement(org))


def test_upload_with_progress_then_refused_version(page, login, requirement, artifact_path):
    page.add_init_script(PROGRESS_PROBE)
    login("sal_liaison")
    page.goto(f"/requirements/{requirement.pk}/")
    page.click("#requirement-tabs [data-tab=documents]")
    page.wait_for_selector("#no-documents")
    page.click("#upload-document")

    page.fill("#id_title", "推广活动方案")
    page.select_option("#id_category", "plan")
    page.set_input_files(
        "#id_file", {"name": "推广活动方案V1.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.fill("#id_note", "初稿")
    page.click("#upload-submit")
    page.wait_for_url(re.compile(r"/documents/\d+/$"))

    assert page.inner_text("#document-title") == "推广活动方案"
    assert page.locator("#versions tbody tr").count() == 1
    assert "推广活动方案V1.pdf" in page.inner_text("#versions")
    assert page.evaluate("sessionStorage.getItem('maxProgress')") == "100"
    document = Document.objects.get()
    assert document.current_version.size == len(PDF)
    page.screenshot(path=artifact_path("documents-detail.png"), full_page=True)

    # A spoofed file is refused on the page, with the reason, and no version is added.
    page.click("#upload-version")
    page.set_input_files(
        "#id_file", {"name": "海报.pdf", "mimeType": "application/pdf", "buffer": PNG}
    )
    page.click("#upload-submit")
    page.wait_for_selector("#upload-errors:not(.d-none)")
    assert "文件内容与扩展名不符" in page.inner_text("#upload-errors")
    assert document.versions.count() == 1
    page.screenshot(path=artifact_path("documents-upload-refused.png"), full_page=True)

    page.goto(f"/documents/requirement/{requirement.pk}/")
    row = page.locator(f"[data-document='{document.pk}']")
    assert "V1" in row.inner_text()
    assert "协作小组可查看" in row.inner_text()
    page.screenshot(path=artifact_path("documents-tab.png"), full_page=True)
