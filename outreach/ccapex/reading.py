"""Reading a spreadsheet export as it really comes: guess the encoding and the delimiter, find the
header row and map its columns (any case, with or without accents, usual synonyms) to our names.

Nothing here touches the database. A file that cannot be read at all raises `UnreadableFile`
before any row is returned, so the caller changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from messages import gettext
from outreach.text import fold

DELIMITERS = (";", ",", "\t")
# Rows scanned for the header: some exports put a title line or two above it.
HEADER_SEARCH_ROWS = 10
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message (French) says why."""


@dataclass(frozen=True)
class ColumnSpec:
    """The columns a table may have (canonical name -> other spellings) and the required ones."""

    synonyms: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]

    def lookup(self) -> dict[str, str]:
        """Folded spelling -> canonical name (the canonical name itself is always accepted)."""
        table: dict[str, str] = {}
        for name, spellings in self.synonyms.items():
            for spelling in (name, *spellings):
                table[fold(spelling)] = name
        return table


@dataclass(frozen=True)
class RowIssue:
    """A rejected row or a warning: its line in the file and a French reason. A rejected row
    also names its household, so the team finds it in its file (the import report is cleared
    by retention with everything read from the rows)."""

    line: int
    reason: str
    name: str = ""


@dataclass(frozen=True)
class SourceFormat:
    """What was detected about a file, for the report."""

    encoding: str
    delimiter: str
    header_line: int
    header: list[str]
    columns: dict[str, int]  # canonical name -> cell index
    ignored: list[str] = field(default_factory=list)  # header cells we do not use


@dataclass(frozen=True)
class SourceRow:
    line: int  # physical line where the record starts (1-based, header included)
    cells: list[str]
    values: dict[str, str]  # canonical name -> stripped cell ("" when absent)
    extra_cells: int  # non-empty cells beyond the header's width


def open_table(path: Path, spec: ColumnSpec) -> tuple[SourceFormat, Iterator[SourceRow]]:
    """Detect the file's format and return it with an iterator over its data rows.

    Raises UnreadableFile when the file is missing, empty, binary, or has no recognisable header.
    """
    encoding = detect_encoding(path)
    sample = _decoded_sample(path, encoding)
    source = _detect_format(sample, encoding, spec)
    return source, _rows(path, source)


def detect_encoding(path: Path) -> str:
    """UTF-16 or UTF-8 with a BOM, valid UTF-8, else cp1252 (Latin-1 when cp1252 cannot decode)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise UnreadableFile(
            gettext("cannot open the file: {error}", error=error.strerror or str(error))
        ) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _refuse_binary(head)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "cp1252"):
        return "cp1252"
    return "latin-1"


def _refuse_binary(head: bytes) -> None:
    if not head.strip():
        raise UnreadableFile(gettext("the file is empty"))
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            gettext("this is a spreadsheet (Excel/LibreOffice) file: save it as CSV first")
        )
    if b"\x00" in head:
        raise UnreadableFile(gettext("this is not a text file (CSV expected)"))


def _decodes(path: Path, encoding: str) -> bool:
    # Streamed so that a large file is checked without holding it all in memory.
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decoded_sample(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(_SNIFF_BYTES)
    if not sample.strip():
        raise UnreadableFile(gettext("the file is empty"))
    return sample


def _detect_format(sample: str, encoding: str, spec: ColumnSpec) -> SourceFormat:
    """Try each delimiter; keep the header row that maps the most known columns."""
    lookup = spec.lookup()
    best: SourceFormat | None = None
    for delimiter in DELIMITERS:
        found = _find_header(sample, delimiter, lookup, spec)
        if found is not None and (best is None or len(found.columns) > len(best.columns)):
            best = SourceFormat(
                encoding=encoding,
                delimiter=delimiter,
                header_line=found.header_line,
                header=found.header,
                columns=found.columns,
                ignored=found.ignored,
            )
    if best is None:
        raise UnreadableFile(_missing_columns(sample, lookup, spec))
    return best


def _missing_columns(sample: str, lookup: dict[str, str], spec: ColumnSpec) -> str:
    """Which required columns the likeliest header row lacks, and which columns it has."""
    found: dict[str, int] = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            for index, cells in enumerate(reader):
                if index >= HEADER_SEARCH_ROWS:
                    break
                columns, _ignored = map_header(cells, lookup)
                if len(columns) > len(found):
                    found = columns
        except csv.Error:
            continue
    missing = [name for name in spec.required if name not in found]
    if not found:
        return gettext(
            "no header row with the required columns ({columns}) was found, and no known column",
            columns=", ".join(spec.required),
        )
    return gettext(
        "required columns missing: {missing} (columns found: {found})",
        missing=", ".join(missing),
        found=", ".join(sorted(found, key=found.__getitem__)),
    )


@dataclass(frozen=True)
class _Header:
    header_line: int
    header: list[str]
    columns: dict[str, int]
    ignored: list[str]


def _find_header(
    sample: str, delimiter: str, lookup: dict[str, str], spec: ColumnSpec
) -> _Header | None:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    previous_line = 0
    try:
        for index, cells in enumerate(reader):
            if index >= HEADER_SEARCH_ROWS:
                break
            start, previous_line = previous_line + 1, reader.line_num
            columns, ignored = map_header(cells, lookup)
            if all(name in columns for name in spec.required):
                return _Header(start, [cell.strip() for cell in cells], columns, ignored)
    except csv.Error:
        return None
    return None


def map_header(cells: list[str], lookup: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Canonical name -> index for the known cells (first one wins), and the cells left unused."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        name = lookup.get(fold(cell.replace("\ufeff", "")))
        if name is None or name in columns:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        columns[name] = index
    return columns, ignored


def _rows(path: Path, source: SourceFormat) -> Iterator[SourceRow]:
    width = len(source.header)
    with path.open("r", encoding=source.encoding, newline="") as handle:
        lines = _RecordLines(handle)
        reader = csv.reader(lines, delimiter=source.delimiter)
        previous_line = 0
        record: list[str] = []
        start = 0
        try:
            for cells in reader:
                start, previous_line = previous_line + 1, reader.line_num
                record = lines.take()
                if start <= source.header_line or not any(cell.strip() for cell in cells):
                    continue
                yield SourceRow(
                    line=start,
                    cells=cells,
                    values=_values(cells, source.columns),
                    extra_cells=sum(1 for cell in cells[width:] if cell.strip()),
                )
        except csv.Error as error:
            # A broken quote makes the rest of the file unreadable: refuse the whole file.
            raise UnreadableFile(
                gettext("file line {line}: {reason}", line=previous_line + 1, reason=error)
            ) from None
        _refuse_unclosed_quote(record, start, source.delimiter)


class _RecordLines:
    """The file's lines, remembering those the csv reader took for the record it is reading."""

    def __init__(self, handle: Iterator[str]) -> None:
        self._handle = handle
        self._taken: list[str] = []

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self._taken.append(line)
        return line

    def take(self) -> list[str]:
        taken, self._taken = self._taken, []
        return taken


def _refuse_unclosed_quote(record: list[str], line: int, delimiter: str) -> None:
    """An opening quote that is never closed swallows every row after it into one cell.

    The csv module (lenient) reads on to the end of the file, so only the file's last record can
    hold it: read that one again strictly. Rows already read are not kept, since the caller's
    transaction ends with the error.
    """
    if len(record) < 2:
        return
    try:
        list(csv.reader(record, delimiter=delimiter, strict=True))
    except csv.Error as error:
        if "end of data" not in str(error):  # another oddity the lenient reading accepted
            return
        raise UnreadableFile(
            gettext(
                "file line {line}: a quotation mark opened on this line is never closed, so "
                "every row after it would be lost; close the quote or remove it",
                line=line,
            )
        ) from None


def _values(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {
        name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()
    }
