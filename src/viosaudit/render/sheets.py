"""A streamed workbook of declarative sheets: a sheet is a list of ``Column`` and an iterable of rows.

Written with XlsxWriter in constant-memory mode: each row goes to disk as soon as the next one starts,
so a 20,000-row Findings sheet never holds the book in memory (rows may be a generator). Every sheet gets
the same frame: a frozen, filterable, wrapped header row, fixed widths, row heights estimated from the
text and capped, and a print layout (landscape, fit to width, header row repeated, sheet name and page
numbers in the header and footer).

Every string cell goes through ``safe_text``: a value that a spreadsheet would read as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading single quote, and is
written with ``write_string``, never ``write``, so XlsxWriter never turns it into a formula or a link.
Service names, owners and raw output come from outside, and a CAB member pressing F2/Enter or exporting
to CSV must never run them. Adding a column is one ``Column`` and one value per row; adding a sheet is
one ``Sheet``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from viosaudit.errors import RenderError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit on the characters of one cell
MAX_URL = 2_079  # Excel's limit on a hyperlink
MAX_LINKS = 65_530  # Excel's limit on the hyperlinks of one sheet
ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # C0 controls XML 1.0 cannot hold (tab, LF, CR can)
LINE_HEIGHT = 15.0  # points per wrapped line
MAX_LINES = 12  # a row never grows past this many lines (180 pt): long text goes to its own sheet
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

Kind = Literal["text", "date", "status"]


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink cell: ``url`` (https://..., or internal:'Sheet'!A1) shown as ``text``."""

    url: str
    text: str


Value = str | int | date | datetime | Link | None


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: int
    kind: Kind = "text"  # "status": coloured by its value (see STATUS_COLOURS)


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet: its columns, its rows (any iterable, consumed once) and how it is framed."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Value]]
    freeze_columns: int = 0  # columns kept in view when scrolling right (the header row always is)
    auto_filter: bool = True
    # called with (sheet, formats, last row index, column index by header) once the rows are written:
    # data validations, conditional formats
    finish: Callable[[Any, Formats, int, dict[str, int]], None] | None = None
    fills: dict[str, str] = field(default_factory=dict)  # header -> background colour of its data cells


# Verdicts, statuses and severities, coloured wherever a "status" column shows them
STATUS_COLOURS = {
    "FAIL": ("FFC7CE", "9C0006"),
    "UNKNOWN": ("FFEB9C", "7F6000"),
    "PASS": ("C6EFCE", "006100"),
    "ACCEPTED (FAIL)": ("D9D9F3", "3F3F76"),
    "ACCEPTED (UNKNOWN)": ("D9D9F3", "3F3F76"),
    "Critical": ("C00000", "FFFFFF"),
    "High": ("FFC7CE", "9C0006"),
    "Medium": ("FFEB9C", "7F6000"),
    "Low": ("DDEBF7", "1F3A5F"),
    "Info": ("F2F2F2", "404040"),
    "exposed": ("FFC7CE", "9C0006"),
    "unknown": ("FFEB9C", "7F6000"),
    "ok": ("C6EFCE", "006100"),
    "unreadable": ("FFC7CE", "9C0006"),
    "not collected": ("FFEB9C", "7F6000"),
    "changed after collection": ("FFC7CE", "9C0006"),
    "ACTION NEEDED": ("FFC7CE", "9C0006"),
    "AT RISK": ("FFEB9C", "7F6000"),
    "UNKNOWN - DATA MISSING": ("FFEB9C", "7F6000"),
    "OK": ("C6EFCE", "006100"),
}


def parse_when(text: str) -> datetime | None:
    """An ISO timestamp of the view ("2026-11-23T06:00:00Z") as a naive UTC datetime; None if it is not one."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = when.utcoffset()
    return (when - offset if offset else when).replace(tzinfo=None)


def date_cell(text: str) -> date | str:
    """A YYYY-MM-DD text as a date cell; anything else stays text (never silently dropped)."""
    try:
        return date.fromisoformat(text) if text else ""
    except ValueError:
        return text


def safe_text(value: str) -> str:
    """Text a spreadsheet will never evaluate: formula-like starts get a leading ``'``.

    Characters XML cannot hold (NUL and other C0 controls from raw output) become U+FFFD; text
    longer than Excel's cell limit is cut with a visible marker.
    """
    text = ILLEGAL.sub("\ufffd", value)
    if len(text) > MAX_CELL:
        marker = " [truncated: see the evidence zip]"
        text = text[: MAX_CELL - len(marker) - 1] + marker
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


class Formats:
    """The book's cell formats, made once (XlsxWriter keeps one record per distinct format)."""

    def __init__(self, book: Any) -> None:
        self._book = book
        base = {"text_wrap": True, "valign": "top"}
        self.header = book.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3A5F"})
        self.text = book.add_format(base)
        self.date = book.add_format({**base, "num_format": DATE_FORMAT, "align": "left"})
        self.datetime = book.add_format({**base, "num_format": DATETIME_FORMAT, "align": "left"})
        self.link = book.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self._status = {
            text: book.add_format({**base, "bold": True, "bg_color": "#" + bg, "font_color": "#" + fg})
            for text, (bg, fg) in STATUS_COLOURS.items()
        }
        self._fills: dict[str, Any] = {}

    def status(self, text: str) -> Any:
        return self._status.get(text, self.text)

    def fill(self, colour: str, kind: Kind = "text") -> Any:
        """A format for cells someone fills in (the CAB's columns): a background, dates as dates."""
        key = f"{colour}:{kind}"
        if key not in self._fills:
            extra = {"num_format": DATE_FORMAT, "align": "left"} if kind == "date" else {}
            self._fills[key] = self._book.add_format(
                {"text_wrap": True, "valign": "top", "bg_color": "#" + colour, **extra}
            )
        return self._fills[key]


def lines(values: Sequence[str]) -> str:
    return "\n".join(v for v in values if v)


def _height(values: Sequence[Value], columns: Sequence[Column]) -> float:
    n = 1
    for value, column in zip(values, columns, strict=False):
        text = value.text if isinstance(value, Link) else value
        if not isinstance(text, str) or not text:
            continue
        chars = max(column.width - 1, 1)
        if len(text) <= chars and "\n" not in text:  # one line: the common case, no split
            continue
        n = max(n, sum(max(1, math.ceil(len(part) / chars)) for part in text.split("\n")))
        if n >= MAX_LINES:
            return LINE_HEIGHT * MAX_LINES
    return LINE_HEIGHT * n


class _Writer:
    """Writes one sheet's cells through the one typed path (strings via ``safe_text``)."""

    def __init__(self, ws: Any, formats: Formats, name: str) -> None:
        self.ws = ws
        self.formats = formats
        self.name = name
        self.links = 0

    def cell(self, row: int, col: int, value: Value, column: Column, fill: Any = None) -> None:
        ws, f = self.ws, self.formats
        if isinstance(value, Enum):
            raise RenderError(f"sheet {self.name}: {type(value).__name__}.{value.name} written as is: use words()")
        if value is None or value == "":
            if fill is not None:  # an empty cell is written only when it is formatted (the CAB's columns)
                ws.write_blank(row, col, None, fill)
        elif isinstance(value, Link):
            text = safe_text(value.text)
            if value.url and len(value.url) <= MAX_URL and self.links < MAX_LINKS:
                self.links += 1
                ws.write_url(row, col, value.url, f.link, text)
            else:
                ws.write_string(row, col, text, fill or f.text)
        elif isinstance(value, str):
            text = safe_text(value)
            fmt = f.status(value) if column.kind == "status" else fill or f.text
            ws.write_string(row, col, text, fmt)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value.replace(tzinfo=None), f.datetime)
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day), f.date)
        elif isinstance(value, bool):  # before int: a flag is shown in words
            raise RenderError(f"sheet {self.name}: a flag written as is: use words()")
        else:
            ws.write_number(row, col, value, fill or f.text)


def write_sheet(book: Any, formats: Formats, sheet: Sheet) -> int:
    """Stream one sheet into ``book``; returns the number of data rows written."""
    ws = book.add_worksheet(sheet.name)
    columns = sheet.columns
    writer = _Writer(ws, formats, sheet.name)
    by_header = {c.header: i for i, c in enumerate(columns)}
    fills = {by_header[h]: formats.fill(colour, columns[by_header[h]].kind) for h, colour in sheet.fills.items()}
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width)
    ws.set_row(0, LINE_HEIGHT * 2)
    for col, column in enumerate(columns):
        ws.write_string(0, col, safe_text(column.header), formats.header)
    row = 0
    for values in sheet.rows:
        row += 1
        if len(values) != len(columns):
            raise RenderError(f"sheet {sheet.name}: row {row + 1} has {len(values)} values for {len(columns)} columns")
        ws.set_row(row, _height(values, columns))
        for col, value in enumerate(values):
            writer.cell(row, col, value, columns[col], fills.get(col))
    last = max(row, 1)
    ws.freeze_panes(1, sheet.freeze_columns)
    if sheet.auto_filter:
        ws.autofilter(0, 0, last, len(columns) - 1)
    _print_layout(ws, last, len(columns))
    if sheet.finish is not None:
        sheet.finish(ws, formats, last, by_header)
    return row


def _print_layout(ws: Any, last_row: int, n_columns: int) -> None:
    """Landscape A4, as wide as one page, the header row on every page, sheet name and page numbers."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.print_area(0, 0, last_row, n_columns - 1)
    ws.set_header("&L&A&R&D")
    ws.set_footer("&LVIOS estate audit&RPage &P of &N")
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
