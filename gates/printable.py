"""Printable strings in binary data, as `strings` and `strings -e l` find them.

A card number in a database dump, an SQLite file or a spreadsheet is still a card number: the pii
and secrets gates scan the runs of printable text inside binary files. Runs are printable ASCII
(plus tab) and well-formed UTF-8 sequences, and UTF-16LE runs of printable ASCII (how Windows
formats and spreadsheets store text), at least `MIN_RUN` characters long. Each run keeps its byte
offset in the file, so findings point at a place a user can look at (`xxd -s OFFSET`).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from gates.record import record

MIN_RUN = 6
_UTF8_RUN = re.compile(
    rb"(?:[\t\x20-\x7e]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
    rb"{%d,}" % MIN_RUN
)
_UTF16_RUN = re.compile(rb"(?:[\t\x20-\x7e]\x00){%d,}" % MIN_RUN)


@record
class Run:
    offset: int  # byte offset of the run in the scanned data
    text: bytes  # the run as UTF-8 (a UTF-16LE run transcoded)
    stride: int  # bytes per character in the source: 1 (ASCII/UTF-8 bytes) or 2 (UTF-16LE)

    def source_offset(self, index: int) -> int:
        """Byte offset in the scanned data of byte `index` of `text`."""
        return self.offset + index * self.stride


def runs(data: bytes) -> list[Run]:
    """Every printable run in `data`, by offset."""
    found = [Run(offset=m.start(), text=m.group(), stride=1) for m in _UTF8_RUN.finditer(data)]
    found += [
        Run(offset=m.start(), text=m.group()[::2], stride=2) for m in _UTF16_RUN.finditer(data)
    ]
    return sorted(found, key=lambda r: r.offset)


@record
class Strings:
    """Runs joined by newlines into one text a scanner can search, with the way back."""

    text: bytes
    runs: tuple[Run, ...]
    starts: tuple[int, ...]  # offset of each run in `text`

    def locate(self, pos: int) -> tuple[Run, int]:
        """The run holding `text[pos]` and the byte offset of `pos` in the scanned data."""
        i = bisect_right(self.starts, pos) - 1
        run = self.runs[i]
        return run, run.source_offset(pos - self.starts[i])


def strings(data: bytes) -> Strings:
    found = runs(data)
    starts = []
    pos = 0
    for run in found:
        starts.append(pos)
        pos += len(run.text) + 1
    return Strings(text=b"\n".join(r.text for r in found), runs=tuple(found), starts=tuple(starts))
