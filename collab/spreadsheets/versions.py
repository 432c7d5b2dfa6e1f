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


class Canonicals:
    """canonical_row and row_version for many rows of one sheet: each column remembers
    the texts and checksums of the values it met (owners, statuses, dates recur on
    thousands of rows), up to LIMIT values per column."""

    LIMIT = 4096

    def __init__(self, sheet: r.Sheet, directory=None):
        self.columns = list(sheet.columns)
        self.directory = directory
        self._texts: list[dict] = [{} for _column in self.columns]
        self._digests: list[dict] = [{} for _column in self.columns]
        # Free-text columns, whose one-line text is its own comparable text, stripped.
        self._plain = [
            c.kind == r.TEXT and not c.identifier and c.key != "depends_on" for c in self.columns
        ]

    def _text(self, index: int, value) -> str:
        if (
            self._plain[index]
            and value.__class__ is str
            and "\n" not in value
            and "\r" not in value
            and not value.startswith("'")
        ):
            return value.strip()  # what normalise() and canonical() make of it
        cache = self._texts[index]
        try:
            return cache[value]
        except KeyError:
            found = cell_canonical(self.columns[index], value, self.directory)
            if len(cache) < self.LIMIT:
                cache[value] = found
            return found
        except TypeError:  # an unhashable cell value
            return cell_canonical(self.columns[index], value, self.directory)

    def row(self, values: Sequence[Any]) -> dict[str, str]:
        """Same as canonical_row(sheet, values, directory)."""
        return {
            column.key: self._text(index, value)
            for index, (column, value) in enumerate(zip(self.columns, values, strict=False))
        }

    def version(self, values: Sequence[Any]) -> str:
        """Same as row_version(canonical_row(sheet, values, directory), sheet)."""
        parts = []
        for index, cache in enumerate(self._digests):
            if index >= len(values):
                parts.append(_digest(""))
                continue
            value = values[index]
            try:
                digest = cache[value]
            except KeyError:
                digest = _digest(self._text(index, value))
                if len(cache) < self.LIMIT:
                    cache[value] = digest
            except TypeError:  # an unhashable cell value
                digest = _digest(self._text(index, value))
            parts.append(digest)
        return base64.b64encode(b"".join(parts)).decode("ascii")
