"""The CSV helpers: every table a page offers as CSV leaves through `csv_response`, and a file
a marketer sends back (say the fulfilment queue's export, with tracking numbers filled in) is
read through `read_rows`.

Rows are streamed (a large export never sits whole in memory), and every text cell passes the
formula guard: spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage
return before one) as a formula, so an advocate who types `=HYPERLINK(...)` into a shipping
address or an answer must not get it run on a marketer's machine (OWASP "CSV injection").
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from starlette.responses import StreamingResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so spreadsheet programs read UTF-8 (accents, names) right


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain text with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def restore(value: str) -> str:
    """A cell as it was before `neutralise` guarded it (a re-imported export reads the same)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, trimmed cells) of every row that is not empty, from decoded CSV text (a
    leading BOM is dropped); line numbers count as a spreadsheet does, from 1."""
    return [
        (number, [restore(cell.strip()) for cell in cells])
        for number, cells in enumerate(csv.reader(io.StringIO(text.removeprefix(BOM))), start=1)
        if any(cell.strip() for cell in cells)
    ]


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Sequence[object]) -> str:
        writer.writerow([neutralise(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield (BOM if bom else "") + line(header)
    for row in rows:
        yield line(row)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True
) -> StreamingResponse:
    """A CSV download, streamed row by row (UTF-8, with a BOM unless `bom=False`)."""
    return StreamingResponse(
        csv_lines(header, rows, bom=bom),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
