"""Cutting a sequence into runs whose sizes add up to at most a budget (bytes of text held in
memory at once, bytes of a command line), keeping the order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

_T = TypeVar("_T")

# Past this many bytes of files a run is CPU-bound from start to end: each file gate alone keeps
# every core busy (pii splits its scan from 32 MiB, secrets pools its files, semgrep and bandit
# each run `jobs` processes), so gates side by side add no speed, only their memory. Such a run
# starts its gates one after another, and the sast gate starts bandit once semgrep is done.
# 16x the stripe sdist (300 MB), alternating runs: peak memory of the three gates 621 / 627 ->
# 329 / 331 MiB, wall 208 / 218 -> 224 / 219 s, CPU unchanged (bench/README.md); the sdist
# itself (19 MB) is well below and runs side by side.
ONE_AT_A_TIME_BYTES = 64 << 20


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
