"""The one CSV helper: every text cell a spreadsheet would run as a formula is made plain."""

import csv
import io

import pytest

from portal.csv import csv_lines, neutralise


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(evil)", "'=HYPERLINK(evil)"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ada Byron", "Ada Byron"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (12, 12),
    ],
)
def test_formula_cells_are_neutralised_and_others_kept(cell: object, written: object) -> None:
    assert neutralise(cell) == written


def test_lines_stream_a_header_and_rows_with_an_optional_bom() -> None:
    lines = list(csv_lines(["name", "note"], [["Ada", "=1+1"], ["Bo, Jr", 'say "hi"']]))
    assert lines[0] == "\ufeffname,note\r\n"
    assert len(lines) == 3
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["name", "note"], ["Ada", "'=1+1"], ["Bo, Jr", 'say "hi"']]
    assert next(csv_lines(["a"], [], bom=False)) == "a\r\n"
