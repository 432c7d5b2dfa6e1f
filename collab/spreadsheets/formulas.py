"""Formula cells of uploaded workbooks, found in the sheet XML of .xlsx and .ods files
(the reader returns only cached values), so the import can refuse them by address."""

from __future__ import annotations

import io
import re
import zipfile

from defusedxml import ElementTree as ET
from openpyxl.utils import column_index_from_string

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def xlsx_formulas(data: bytes, sheet_index: int) -> set[tuple[int, int]]:
    """(row, column) of every formula cell of the n-th worksheet of an .xlsx."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        ns = {"m": workbook.tag.split("}")[0][1:]}
        sheets = workbook.findall("m:sheets/m:sheet", ns)
        rel_id = sheets[sheet_index].get(
            "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        )
        target = next(rel.get("Target") for rel in rels if rel.get("Id") == rel_id)
        target = target.lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        xml = archive.read(path)
    if b"<f" not in xml and b":f" not in xml:
        return set()
    found = set()
    for _event, element in ET.iterparse(io.BytesIO(xml)):
        if element.tag.endswith("}c"):
            if any(child.tag.endswith("}f") for child in element):
                match = _CELL_REF.match(element.get("r", ""))
                if match:
                    found.add((int(match.group(2)), column_index_from_string(match.group(1))))
            element.clear()
    return found


def ods_formulas(data: bytes, title: str) -> set[tuple[int, int]]:
    """(row, column) of every formula cell of the named table of an .ods."""
    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("content.xml")
    if b"table:formula" not in xml:
        return set()
    found = set()
    row = 0
    inside = False
    for event, element in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = element.tag
        if tag == f"{{{table_ns}}}table" and event == "start":
            inside = element.get(f"{{{table_ns}}}name") == title
            row = 0
        elif inside and tag == f"{{{table_ns}}}table-row" and event == "start":
            row += 1
            column = 0
            repeat_rows = int(element.get(f"{{{table_ns}}}number-rows-repeated", "1"))
        elif inside and tag == f"{{{table_ns}}}table-row" and event == "end":
            row += repeat_rows - 1
        elif (
            inside
            and event == "start"
            and tag
            in (
                f"{{{table_ns}}}table-cell",
                f"{{{table_ns}}}covered-table-cell",
            )
        ):
            column += 1
            if element.get(f"{{{table_ns}}}formula"):
                found.add((row, column))
            column += int(element.get(f"{{{table_ns}}}number-columns-repeated", "1")) - 1
    return found
