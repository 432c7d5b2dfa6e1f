"""Checks an uploaded workbook must pass before any reader opens it."""

from __future__ import annotations

import zipfile

from django.utils.translation import gettext as _

from .conf import limit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # CFB: encrypted .xlsx or legacy .xls
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
ODS_MEMBERS = ("mimetype", "content.xml")
FORMATS = (".xlsx", ".xls", ".ods", ".csv")


class UploadRejected(Exception):
    """The file is refused as a whole; the message is shown to the user."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def file_format(name: str) -> str:
    """xlsx, xls, ods or csv, from the file name; UploadRejected otherwise."""
    lowered = (name or "").lower()
    for suffix in FORMATS:
        if lowered.endswith(suffix):
            return suffix[1:]
    raise UploadRejected(
        _("只支持 .xlsx、.xls、.ods 和 .csv 文件，请另存为其中一种格式后再上传"), "type"
    )


def check_upload(upload, *, name: str | None = None) -> str:
    """Raise UploadRejected unless `upload` (a file object) looks like a safe workbook of
    a supported format; returns the format."""
    name = name or getattr(upload, "name", "") or ""
    kind = file_format(name)
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    max_bytes = limit("SPREADSHEET_MAX_UPLOAD_BYTES")
    if size > max_bytes:
        raise UploadRejected(
            _("文件过大：%(size)s，上限为 %(max)s") % {"size": _mb(size), "max": _mb(max_bytes)},
            "size",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if kind == "csv":
        return kind
    if kind == "xls":
        if not head.startswith(OLE_MAGIC):
            raise UploadRejected(_("文件不是有效的 .xls 工作簿"), "type")
        return kind
    if head.startswith(OLE_MAGIC):
        raise UploadRejected(
            _("文件已加密（设置了打开密码）或是旧版 .xls 格式，请取消密码并另存为 .xlsx 后再上传"),
            "encrypted",
        )
    if not head.startswith(ZIP_MAGIC):
        raise UploadRejected(_("文件不是有效的 .xlsx 工作簿"), "type")
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRejected(_("文件不是有效的 .xlsx 工作簿"), "type") from error
    with archive:
        members = archive.infolist()
        if len(members) > limit("SPREADSHEET_MAX_ARCHIVE_MEMBERS"):
            raise UploadRejected(_("文件结构异常（包含的部件过多），已拒绝"), "zip_bomb")
        names = {member.filename for member in members}
        required = ODS_MEMBERS if kind == "ods" else REQUIRED_MEMBERS
        if not all(member in names for member in required):
            raise UploadRejected(_("文件不是有效的 .%(kind)s 工作簿") % {"kind": kind}, "type")
        uncompressed = sum(member.file_size for member in members)
        compressed = sum(member.compress_size for member in members) or 1
        max_uncompressed = limit("SPREADSHEET_MAX_UNCOMPRESSED_BYTES")
        if uncompressed > max_uncompressed:
            raise UploadRejected(
                _("文件解压后过大（%(size)s，上限 %(max)s），疑似压缩炸弹，已拒绝")
                % {"size": _mb(uncompressed), "max": _mb(max_uncompressed)},
                "zip_bomb",
            )
        ratio_limit = limit("SPREADSHEET_MAX_COMPRESSION_RATIO")
        if uncompressed / compressed > ratio_limit:
            raise UploadRejected(
                _("文件压缩比异常（%(ratio)d 倍，上限 %(max)d 倍），疑似压缩炸弹，已拒绝")
                % {"ratio": uncompressed // compressed, "max": ratio_limit},
                "zip_bomb",
            )
    upload.seek(0)
    return kind
