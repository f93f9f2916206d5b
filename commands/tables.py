"""Plain text tables for people: a header, aligned columns, one pass to measure.

Rich's table layout measures and wraps every cell and took 20 times as long as
writing the same rows as CSV; a list of tens of thousands of rows needs neither.
Columns are padded to their widest cell. Text is wrapped only to fit a terminal,
and then only between words; to a pipe or a file each row stays on one line, so
`grep` and `cut` see whole values.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from itertools import starmap
from typing import Any

GAP = "  "
NUMBERS = {int, float, type(None)}
# A column is never narrowed below this on a terminal, whatever its words.
NARROWEST = 8


def cell_text(value: Any) -> str:
    """How one value reads in a table (and in CSV): nothing for None, `yes` for
    true, lists joined with `; `."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def width_of(text: str) -> int:
    """Columns a text takes on a terminal: wide (CJK) characters take two."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # imported late: `ledger --help` loads this module

    return cell_len(text)


def render_table(
    headings: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    terminal_width: int | None = None,
) -> str:
    """The table as text: title, headings, a rule, the rows; columns of numbers are
    right-aligned. With `terminal_width` (output to a terminal), the widest columns
    are wrapped between words to fit it when they can be; otherwise rows never wrap."""
    # Worked column by column, so that most of the work runs in C (map, zip, join):
    # a list of 30,000 rows is as quick to draw as to write as CSV.
    raw = list(zip(*rows, strict=True)) if rows else [() for _ in headings]
    kinds = [set(map(type, column)) for column in raw]
    numeric = [bool(rows) and types <= NUMBERS for types in kinds]
    columns: list[Sequence[str]] = [
        column if types <= {str} else list(map(cell_text, column))
        for column, types in zip(raw, kinds, strict=True)
    ]
    plain = [all(map(str.isascii, column)) for column in columns]
    widths = [
        max(width_of(heading), max(map(len if ascii else width_of, column), default=0))
        for heading, column, ascii in zip(headings, columns, plain, strict=True)
    ]
    natural = widths
    if terminal_width is not None:
        widths = _fit(widths, headings, columns, terminal_width)
    lines = [] if title is None else [title]
    lines += _lines(list(headings), widths, numeric)
    lines.append(GAP.join("─" * width for width in widths))
    cells = zip(*columns, strict=True)
    if all(plain) and widths == natural and not any("\n" in "".join(c) for c in columns):
        # Every row fits on one line and each character is one column wide: one
        # format string pads them all (the common case, and the one that is long).
        template = GAP.join(
            f"{{:{'>' if right else '<'}{width}}}"
            for width, right in zip(widths, numeric, strict=True)
        )
        lines += map(str.rstrip, starmap(template.format, cells))
    else:
        for row_cells in cells:
            lines += _lines(list(row_cells), widths, numeric)
    return "\n".join(lines)


def _lines(cells: list[str], widths: list[int], numeric: list[bool]) -> list[str]:
    """One row as one line, or several where a cell holds a line break or is wider
    than its column (wrapped between words)."""
    if all(
        "\n" not in cell and (len(cell) <= width or width_of(cell) <= width)
        for cell, width in zip(cells, widths, strict=True)
    ):
        return [_line(cells, widths, numeric)]
    stacked = [_wrap(cell, width) for cell, width in zip(cells, widths, strict=True)]
    height = max(len(parts) for parts in stacked)
    return [
        _line([parts[n] if n < len(parts) else "" for parts in stacked], widths, numeric)
        for n in range(height)
    ]


def _line(cells: list[str], widths: list[int], numeric: list[bool]) -> str:
    padded = []
    for cell, width, right in zip(cells, widths, numeric, strict=True):
        pad = " " * (width - width_of(cell))
        padded.append(pad + cell if right else cell + pad)
    return GAP.join(padded).rstrip()


def _wrap(cell: str, width: int) -> list[str]:
    """A cell's lines: its own line breaks kept, long lines broken between words only
    (a word longer than the column stays whole)."""
    lines: list[str] = []
    for paragraph in cell.split("\n"):
        if width_of(paragraph) <= width:
            lines.append(paragraph)
        else:
            lines += textwrap.wrap(
                paragraph, width, break_long_words=False, break_on_hyphens=False
            ) or [""]
    return lines


def _fit(
    widths: list[int], headings: Sequence[str], columns: list[Sequence[str]], terminal: int
) -> list[int]:
    """Narrow the widest columns (never the first, which names the row) until the
    table fits `terminal`, but never below a column's longest word: a table that
    cannot fit without splitting words is left wider than the terminal."""
    total = sum(widths) + len(GAP) * (len(widths) - 1)
    if total <= terminal or len(widths) < 2:
        return widths
    floors = [widths[0]] + [
        min(width, max(NARROWEST, _longest_word([heading, *column])))
        for width, heading, column in zip(widths[1:], headings[1:], columns[1:], strict=True)
    ]
    fitted = list(widths)
    excess = total - terminal
    while excess > 0:
        shrinkable = [n for n in range(1, len(fitted)) if fitted[n] > floors[n]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda n: fitted[n])
        others = [fitted[n] for n in shrinkable if n != widest]
        # Narrow the widest column down to the next widest (or as far as needed).
        step = min(excess, fitted[widest] - floors[widest], fitted[widest] - max(others, default=0))
        step = max(step, 1)
        fitted[widest] -= step
        excess -= step
    return fitted


def _longest_word(column: Sequence[str]) -> int:
    return max((width_of(word) for cell in column for word in cell.split()), default=0)


def terminal_width(stream: Any) -> int | None:
    """The width of the terminal `stream` writes to, or None when it is not one."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return None
    import shutil  # (with its archive modules) only to draw on a terminal

    return shutil.get_terminal_size().columns
