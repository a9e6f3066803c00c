"""The one CSV export helper: every table a page offers as CSV leaves through `csv_response`.

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
