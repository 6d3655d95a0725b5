"""The indicators as spreadsheets: an XLSX workbook with one table per sheet (a title row, frozen
headers, column widths, number formats, and a "Définitions" sheet), and a CSV in the French Excel
dialect (";" between cells, decimals with a comma, a BOM) holding the same tables one after the
other. Small cells are hidden for the State's readers as on the page (outreach.reports.cells).

A table of an indicator holds one row for all households, one per sector and one per month,
with the sector and the month as its first two columns, so a reader can filter it in Excel.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from messages import gettext
from outreach.reports.cells import COUNT, DAYS, HOURS, PERCENT, Cells, csv_value, rate
from outreach.reports.evaluation import Evaluation
from outreach.reports.glossary import definitions
from outreach.reports.indicators import Funnel
from outreach.reports.tables import Table, Value
from outreach.spreadsheet import SafeCsvWriter, safe_row

TEXT = "text"
FORMATS = {COUNT: "#,##0", PERCENT: '0.0" %"', DAYS: "0.0", HOURS: "0.0"}
MAX_WIDTH = 45

Cell = Value | str


@dataclass
class Sheet:
    title: str  # translated
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # one per column; TEXT for the labels
    keys: int = 1  # label columns at the left (frozen with the header)


def funnel_sheet(result: Funnel, cells: Cells) -> Sheet:
    """The outreach funnel by import month and sector."""
    sheet = Sheet(
        gettext("Outreach funnel"),
        [gettext("Import month"), gettext("Sector"),
         *(gettext(stage.label) for stage in result.stages)],
        kinds=[TEXT, TEXT, *(COUNT for _ in result.stages)],
        keys=2,
    )  # fmt: skip
    for (code, month), counts in sorted(
        result.cells.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        values: list[Value] = [counts[key] for key in result.keys]
        sheet.rows.append([month, result.sector_label(code), *cells.export(values, [], {})])
    return sheet


def headline_sheet(evaluation: Evaluation, cells: Cells) -> Sheet:
    share = gettext("Share of the households transferred (%)")
    sheet = Sheet(
        gettext("Key figures"),
        [gettext("Indicator"), gettext("Period"), share,
         gettext("Previous period"), share],
        kinds=[TEXT, COUNT, PERCENT, COUNT, PERCENT],
    )  # fmt: skip
    for figure in evaluation.headline:
        row: list[Cell] = [gettext(figure.measure.label)]
        for count, whole in ((figure.count, figure.whole),
                             (figure.previous, figure.previous_whole)):  # fmt: skip
            if count is None or whole is None:
                row += [None, None]
                continue
            share = rate(count, whole)
            hidden = cells.hidden(count) or cells.hidden(whole)
            row += [
                cells.small if cells.hidden(count) else count,
                cells.too_few if hidden and share is not None else share,
            ]
        sheet.rows.append(row)
    return sheet


def table_sheet(table: Table, cells: Cells) -> Sheet:
    """One indicator: all households, each sector, each month (whichever it has)."""
    everyone, every_month = gettext("All sectors"), gettext("All months")
    sheet = Sheet(
        gettext(table.title),
        [gettext("Sector"), gettext("Import month"), *table.columns],
        kinds=[TEXT, TEXT, *(table.kinds[i] if i < len(table.kinds) else COUNT
                             for i in range(len(table.columns)))],
        keys=2,
    )  # fmt: skip
    for by in ("all", "sector", "month"):
        for label, values in table.rows.get(by, []):
            sector = label if by == "sector" else everyone
            month = label if by == "month" else every_month
            sheet.rows.append([sector, month, *cells.export(values, table.kinds, table.bases)])
    return sheet


def definitions_sheet(threshold: int) -> Sheet:
    sheet = Sheet(
        gettext("Definitions"), [gettext("Term"), gettext("Definition")], kinds=[TEXT, TEXT]
    )
    sheet.rows = [[term, text] for term, text in definitions(threshold)]
    return sheet


def workbook(sheets: list[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for number, sheet in enumerate(sheets, 1):
        _write(book.create_sheet(_sheet_name(number, sheet.title, used)), sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(target: object, sheet: Sheet) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(target, Worksheet)
    target.append(safe_row([sheet.title]))
    target["A1"].font = Font(bold=True, size=13)
    target.append(safe_row(sheet.header))
    for cell in target[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.rows:
        target.append(safe_row(row))
    target.freeze_panes = f"{get_column_letter(sheet.keys + 1)}3"
    for index, kind in enumerate(sheet.kinds, 1):
        letter = get_column_letter(index)
        if kind in FORMATS:
            for (cell,) in target.iter_rows(min_row=3, min_col=index, max_col=index):
                if isinstance(cell.value, int | float):
                    cell.number_format = FORMATS[kind]
                else:
                    cell.alignment = Alignment(horizontal="right")
        target.column_dimensions[letter].width = _width(sheet, index - 1)
        if kind == TEXT and len(sheet.kinds) == 2 and index == 2:  # the definitions
            target.column_dimensions[letter].width = 100
            for (cell,) in target.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _width(sheet: Sheet, column: int) -> float:
    longest = max([len(str(row[column])) for row in sheet.rows if row[column] is not None] or [0])
    header = len(sheet.header[column])
    return min(MAX_WIDTH, max(10, longest + 2, min(header, 30) + 2))


def _sheet_name(number: int, title: str, used: set[str]) -> str:
    """A worksheet's name: numbered, at most 31 characters, none of []:*?/\\."""
    name = f"{number}. " + re.sub(r"[\[\]:*?/\\]", "-", title).strip()
    name = name[:31].rstrip()
    used.add(name)
    return name


def csv_text(sheets: list[Sheet]) -> str:
    """The tables one after the other: the first without its title (as the CSV always began),
    then a blank line, the title, the header and the rows of each."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=";")
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerows([[], [sheet.title]])
        writer.writerow(sheet.header)
        writer.writerows([[csv_value(value) for value in row] for row in sheet.rows])
    return "\ufeff" + out.getvalue()
