"""Tables for people: aligned columns; wrapped only to fit a terminal, and then only
between words."""

from __future__ import annotations

from commands.tables import render_table, width_of

HEADINGS = ["Case", "Owner", "Detail"]
DETAIL = "waiting on the customer for the signed quote of the strategic renewal"


def test_a_table_for_a_pipe_keeps_each_row_on_one_line_however_wide() -> None:
    text = render_table(HEADINGS, [["C-00001/CP1", "zhang.min", DETAIL]], title="Breaches")

    assert text.splitlines() == [
        "Breaches",
        "Case         Owner      Detail".rstrip(),
        "───────────  ─────────  " + "─" * len(DETAIL),
        f"C-00001/CP1  zhang.min  {DETAIL}",
    ]


def test_on_a_narrow_terminal_wide_text_wraps_between_words_in_its_own_column() -> None:
    text = render_table(HEADINGS, [["C-00001/CP1", "zhang.min", DETAIL]], terminal_width=50)

    lines = text.splitlines()
    assert all(width_of(line) <= 50 for line in lines)
    detail_lines = [line[24:] for line in lines[2:]]
    assert " ".join(detail_lines) == DETAIL
    assert lines[2].startswith("C-00001/CP1  zhang.min  ")
    assert all(line.startswith(" " * 24) for line in lines[3:])


def test_a_word_longer_than_the_terminal_allows_is_never_split() -> None:
    word = "Supercalifragilisticexpialidocious-and-then-some-more"
    text = render_table(HEADINGS, [["C-00001/CP1", "zhang.min", f"see {word}"]], terminal_width=40)

    assert any(word in line for line in text.splitlines())


def test_numbers_are_right_aligned_and_wide_characters_count_twice() -> None:
    text = render_table(["Score", "Name"], [[7, "北京首都机场"], [41, "Busy Cargo"]])

    assert text.splitlines()[2:] == ["    7  北京首都机场", "   41  Busy Cargo"]
    assert width_of("北京首都机场") == 12
