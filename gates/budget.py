"""Cutting a sequence into runs whose sizes add up to at most a budget (bytes of text held in
memory at once, bytes of a command line), keeping the order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

_T = TypeVar("_T")


def runs_within(items: Sequence[_T], sizes: Iterable[int], budget: int) -> Iterator[list[_T]]:
    """`items` in order, in runs whose `sizes` sum to at most `budget`; an item larger than the
    budget is a run of its own. No run is empty."""
    run: list[_T] = []
    used = 0
    for item, size in zip(items, sizes, strict=True):
        if run and used + size > budget:
            yield run
            run, used = [], 0
        run.append(item)
        used += size
    if run:
        yield run
