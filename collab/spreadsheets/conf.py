"""Limits of the spreadsheet engine; each one can be set in settings (env-driven)."""

from django.conf import settings

DEFAULTS = {
    # Largest upload accepted, in bytes.
    "SPREADSHEET_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    # Zip-bomb guards, checked on the archive directory before any XML is parsed.
    "SPREADSHEET_MAX_UNCOMPRESSED_BYTES": 200 * 1024 * 1024,
    "SPREADSHEET_MAX_COMPRESSION_RATIO": 200,
    "SPREADSHEET_MAX_ARCHIVE_MEMBERS": 500,
    # Largest number of data rows one import may hold.
    "SPREADSHEET_MAX_IMPORT_ROWS": 50_000,
    # Imports with more rows than this are checked and applied by a background job.
    "SPREADSHEET_ASYNC_IMPORT_ROWS": 1_000,
    # Exports with more rows than this are written by a background job.
    "SPREADSHEET_ASYNC_EXPORT_ROWS": 5_000,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))
