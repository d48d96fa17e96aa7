"""Running the pii gate over a workspace: config, then every file, in one process or several.

The configuration is compiled once (`Plan`). A handful of files (the pre-commit case) is scanned
in this process; a big tree is split by bytes over `ctx.jobs` chunks, all but one scanned in
forked copies of this process (gates.forked_map). Binary files (their printable strings) and
files over `max_file_bytes` (streamed) are scanned by `rawscan`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from gates import progress
from gates.checks.pii import config as pii_config
from gates.checks.pii.filescan import Plan, scan
from gates.errors import GateCannotRun
from gates.fingerprint import FingerprintKey
from gates.model import Finding
from gates.registry import GateContext
from gates.workspace import Workspace

# Below this, a forked child costs more than it saves. Measured 2026-12-06 (2 cores, wall
# medians of 11): braintree 1.6 MB 245 ms alone, 263 ms split; the 10 MB bench corpus 297 -> 265
# ms; stripe 15 MB 295 -> 267 ms (+30 ms CPU).
PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def _scan_files(workspace: Workspace, paths: Sequence[str], plan: Plan) -> list[Finding]:
    raw = workspace.raw_files()  # binary and large files: streamed, never read whole
    found: list[Finding] = []
    with workspace.reader() as read:
        for path in paths:
            kind = raw.get(path)
            if kind is None:
                found.extend(scan(path, read(path), plan))
            else:
                from gates.checks.pii import rawscan  # lazy: only repositories with such files

                with workspace.open_raw(path) as fh:
                    found.extend(rawscan.scan(path, fh, kind, plan))
            progress.advance()  # a no-op in forked children: the parent counts their chunks
    return found


def run(ctx: GateContext) -> list[Finding]:
    cfg = pii_config.parse(ctx.config, source=pii_config.source_name(ctx.policy.sources))
    files = ctx.files
    if not files:
        raise GateCannotRun(
            "pii",
            "no files to scan",
            "check the gate's paths/exclude in the policy, or disable the gate for this repository",
        )
    plan = Plan(config=cfg, key=ctx.fingerprint_key)
    jobs = max(1, min(ctx.jobs, os.cpu_count() or 1, len(files)))
    sizes = ctx.workspace.sizes(files) if jobs > 1 else []
    if jobs == 1 or sum(sizes) < PARALLEL_MIN_BYTES or not hasattr(os, "fork"):
        found = _scan_files(ctx.workspace, files, plan)
    else:
        found = _scan_parallel(ctx.workspace, _balanced(files, sizes, jobs), plan)
    return sorted(found, key=Finding.sort_key)


def _balanced(files: Sequence[str], sizes: Sequence[int], jobs: int) -> list[list[str]]:
    """`jobs` chunks of about equal bytes: the largest file first, each to the lightest chunk."""
    chunks: list[list[str]] = [[] for _ in range(jobs)]
    load = [0] * jobs
    for size, path in sorted(zip(sizes, files, strict=True), reverse=True):
        lightest = load.index(min(load))
        chunks[lightest].append(path)
        load[lightest] += size
    return [sorted(c) for c in chunks if c]


def _scan_parallel(workspace: Workspace, chunks: list[list[str]], plan: Plan) -> list[Finding]:
    """One chunk here, the others in forked copies of this process, which inherit the compiled
    plan (a process pool compiled it again in every worker and cost more to start than it saved
    below ~32 MiB; bench/README.md)."""
    from gates.forked_map import forked_map  # lazy: the pre-commit path never forks

    parts = forked_map(lambda chunk: _scan_files(workspace, chunk, plan), chunks)
    progress.advance(sum(len(c) for c in chunks[1:]))
    return [f for part in parts for f in part]


def scan_text(
    path: str,
    text: str | bytes,
    *,
    key: FingerprintKey,
    config: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Findings for one file's content, as the gate reports them (for tests and tools)."""
    plan = Plan(config=pii_config.parse(config or {}), key=key)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return sorted(scan(path, data, plan), key=Finding.sort_key)
