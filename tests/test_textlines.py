"""Lines as the tools count them (gates/textlines.py): exactly what Python's universal-newline
reading gives, which is how detect-secrets, Python, semgrep and bandit number a file's lines."""

from __future__ import annotations

import io
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from gates.textlines import count_breaks, line_starts, lines_of

_TEXT = st.lists(
    st.sampled_from(["a", "bc", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "é"]),
    max_size=30,
).map("".join)


def _read(text: str) -> list[str]:
    """A text file's lines as `open()` and `readlines()` give them, without their ends."""
    return [line.removesuffix("\n") for line in io.StringIO(text, newline=None).readlines()]


@given(_TEXT)
def test_lines_are_those_reading_the_file_gives(text: str) -> None:
    assert lines_of(text) == _read(text)


@given(_TEXT)
def test_line_starts_are_where_those_lines_begin(text: str) -> None:
    data = text.encode()
    starts = line_starts(data)
    lines = _read(text)
    # every line but an empty last one starts where the one before it ended, after its break
    assert [data[a:b].decode().rstrip("\r\n") for a, b in pairwise(starts)] == lines[
        : len(starts) - 1
    ]
    assert len(starts) - 1 == sum(line.endswith("\n") for line in io.StringIO(text, newline=None))


@given(_TEXT, st.integers(0, 40), st.integers(0, 40))
def test_counted_breaks_are_the_listed_ones(text: str, start: int, end: int) -> None:
    """Counting the breaks of a slice gives what listing them gives (a `\\r\\n` cut by the slice's
    end is a lone `\\r` in it), so a streamed window's line numbers stay exact."""
    data = text.encode()
    assert count_breaks(data, start, end) == len(line_starts(data[start:end])) - 1
    assert count_breaks(data) == len(line_starts(data)) - 1
