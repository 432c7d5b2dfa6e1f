"""Checks an uploaded file before anything is stored: size, name, extension and the
content itself (magic bytes), never the browser's claimed content type."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 120

# Kinds the sniffer recognises: kind -> (label, MIME type, extensions it may carry)
KINDS = {
    "pdf": ("PDF", "application/pdf", {"pdf"}),
    "png": ("PNG 图片", "image/png", {"png"}),
    "jpeg": ("JPEG 图片", "image/jpeg", {"jpg", "jpeg"}),
    "docx": (
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {"docx"},
    ),
    "xlsx": (
        "Excel 表格",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        {"xlsx"},
    ),
    "pptx": (
        "PowerPoint 演示文稿",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        {"pptx"},
    ),
    "text": ("纯文本", "text/plain", {"txt", "csv", "md"}),
}
MIME_BY_EXTENSION = {"csv": "text/csv", "md": "text/markdown"}

EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts with an interpreter line
)
OFFICE_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
FORBIDDEN_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    mime_type: str
    size: int
    sha256: str


def reject(message: str):
    raise ValidationError({"file": [message]})


def sanitize_name(raw: str) -> str:
    """A safe display/download name: no path, no control or reserved characters,
    bounded length with the extension kept. Rejects names that end up empty."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = FORBIDDEN_NAME_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).rstrip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .")
    if not stem or WINDOWS_RESERVED.match(stem):
        reject(_("文件名无效：请使用包含文字的文件名，例如“活动方案.pdf”"))
    extension = extension.lower()
    room = MAX_NAME_LENGTH - len(extension) - 1
    stem = stem[:room].rstrip(" .")
    return f"{stem}.{extension}" if extension else stem


def sniff(head: bytes, upload) -> str | None:
    """The kind of file the bytes say it is, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if _looks_like_text(head):
        return "text"
    return None


def _office_kind(upload) -> str | None:
    # Only the central directory is read: nothing is decompressed.
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in OFFICE_PARTS.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            # A multibyte character cut at the end of the sample is still text.
            if error.start >= len(head) - 3 and len(head) >= SNIFF_BYTES:
                return True
    return False


def check_upload(upload) -> CheckedFile:
    """Validates an UploadedFile; raises ValidationError({'file': [...]}) with the
    reason in Chinese. Reads the file once for the checksum; stores nothing."""
    if upload is None:
        reject(_("请选择要上传的文件"))
    name = sanitize_name(getattr(upload, "name", ""))
    size = upload.size or 0
    if size == 0:
        reject(_("文件为空：%(name)s 没有内容") % {"name": name})
    limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    if size > limit:
        reject(
            _("文件过大：%(size)s，上限为 %(limit)s")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    allowed = [e.lower().lstrip(".") for e in settings.DOCUMENTS_ALLOWED_EXTENSIONS]
    if extension not in allowed:
        reject(
            _("不支持的文件类型“%(ext)s”，允许的类型：%(allowed)s")
            % {
                "ext": f".{extension}" if extension else _("无扩展名"),
                "allowed": "、".join(allowed),
            }
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(EXECUTABLE_SIGNATURES):
        reject(_("不允许上传可执行文件或脚本"))
    kind = sniff(head, upload)
    if kind is None:
        reject(_("无法识别文件内容，它不是声明的 .%(ext)s 文件，或文件已损坏") % {"ext": extension})
    label, mime_type, extensions = KINDS[kind]
    if extension not in extensions:
        reject(
            _("文件内容与扩展名不符：扩展名为 .%(ext)s，内容识别为%(kind)s")
            % {"ext": extension, "kind": _(label)}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        name=name,
        extension=extension,
        mime_type=MIME_BY_EXTENSION.get(extension, mime_type),
        size=size,
        sha256=digest.hexdigest(),
    )
