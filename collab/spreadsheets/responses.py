"""File responses shared by pages and API."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone

from . import registry as r
from .csvfile import csv_bytes_iter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IGNORED_PARAMS = ("requirement", "page", "page_size", "format", "layout")


def filter_params(query) -> QueryDict:
    """The list filters of a request (multi-valued, e.g. status=done&status=blocked)."""
    params = QueryDict(mutable=True)
    for key in query:
        values = [v for v in query.getlist(key) if v != ""]
        if key not in IGNORED_PARAMS and values:
            params.setlist(key, values)
    return params


def params_to_json(params) -> dict:
    return {key: params.getlist(key) for key in params}


def params_from_json(data: dict) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, values in (data or {}).items():
        params.setlist(key, values if isinstance(values, list) else [values])
    return params


def filename(title: str, extension: str) -> str:
    return f"{title}-{timezone.localdate():%Y%m%d}.{extension}"


def xlsx_response(name: str, write) -> FileResponse:
    """`write(handle)` fills a temporary file; it streams out and is then closed."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX)


def csv_response(sheet: r.Sheet, queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_bytes_iter(sheet, sheet.export_rows(queryset)), content_type="text/csv; charset=utf-8"
    )
    name = filename(str(sheet.title), "csv")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
