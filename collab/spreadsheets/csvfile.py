"""CSV export: UTF-8 with a BOM so Excel opens Chinese text, formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from . import registry as r
from .workbook import is_formula_like


def csv_bytes_iter(sheet: r.Sheet, rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM so Excel opens it in Chinese; formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([str(c.header) for c in sheet.columns])
    yield b"\xef\xbb\xbf" + flush()
    for count, values in enumerate(rows, start=1):
        writer.writerow(
            [
                ("'" + v)
                if is_formula_like(v)
                else (v.isoformat() if hasattr(v, "isoformat") else v)
                for v in values
            ]
        )
        if count % 500 == 0:
            yield flush()
    yield flush()
