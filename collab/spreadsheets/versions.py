"""Row versions: what an exported file remembers about each row, so a later import can
tell the cells the user edited from the ones changed in Collab since the export.

A version is, per column, a short checksum of the cell's comparable text at export
time (base64 in the hidden last column of the sheet)."""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Sequence
from typing import Any

from . import registry as r
from .cells import cell_canonical

WIDTH = 3  # bytes of checksum per column


def _digest(canonical: str) -> bytes:
    return zlib.crc32(canonical.encode("utf-8")).to_bytes(4, "big")[:WIDTH]


def canonical_row(sheet: r.Sheet, values: Sequence[Any], directory=None) -> dict[str, str]:
    return {
        column.key: cell_canonical(column, value, directory)
        for column, value in zip(sheet.columns, values, strict=False)
    }


def row_version(canonicals: dict[str, str], sheet: r.Sheet) -> str:
    raw = b"".join(_digest(canonicals.get(column.key, "")) for column in sheet.columns)
    return base64.b64encode(raw).decode("ascii")


def version_digests(version: str, sheet: r.Sheet) -> dict[str, bytes] | None:
    """Column key -> checksum at export; None when the marker is not one of ours."""
    try:
        raw = base64.b64decode(version.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    columns = list(sheet.columns)
    if len(raw) != WIDTH * len(columns):
        return None
    return {c.key: raw[i * WIDTH : (i + 1) * WIDTH] for i, c in enumerate(columns)}


def same_as_exported(digests: dict[str, bytes], key: str, canonical: str) -> bool:
    return digests.get(key) == _digest(canonical)
