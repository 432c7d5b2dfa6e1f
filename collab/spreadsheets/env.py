"""Settings of the Excel round trip, read from the environment; collab/settings.py takes
them in (collab/spreadsheets/conf.py reads them)."""

import environ

env = environ.Env()

# Excel round trip: upload limit, rows per import, and the row counts above which an
# export or an import runs as a background job (collab/spreadsheets/conf.py).
SPREADSHEET_MAX_UPLOAD_BYTES = env.int("SPREADSHEET_MAX_UPLOAD_MB", default=10) * 1024 * 1024
SPREADSHEET_MAX_IMPORT_ROWS = env.int("SPREADSHEET_MAX_IMPORT_ROWS", default=50000)
SPREADSHEET_ASYNC_EXPORT_ROWS = env.int("SPREADSHEET_ASYNC_EXPORT_ROWS", default=5000)
SPREADSHEET_ASYNC_IMPORT_ROWS = env.int("SPREADSHEET_ASYNC_IMPORT_ROWS", default=1000)


__all__ = [name for name in dir() if name.isupper()]
