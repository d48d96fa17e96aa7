"""Running the pii gate over a workspace: config, then every file, in one process or several.

A handful of files (the pre-commit case) is scanned in this process; a big tree is split over
`ctx.jobs` forked worker processes when this process may have children. Binary files (their
printable strings) and files over `max_file_bytes` (streamed) are scanned by `rawscan`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from gates import progress
from gates._proc import die_with_parent, stop_pool
from gates.checks.pii import config as pii_config
from gates.checks.pii.filescan import Plan, scan
from gates.errors import GateCannotRun
from gates.fingerprint import FingerprintKey
from gates.model import Finding
from gates.registry import GateContext
from gates.workspace import Workspace

PARALLEL_MIN_BYTES = 32 * 1024 * 1024  # below this, worker start-up costs more than it saves


def _scan_files(
    workspace: Workspace, paths: Sequence[str], cfg: pii_config.PiiConfig, key: FingerprintKey
) -> list[Finding]:
    plan = Plan(config=cfg, key=key)
    raw = workspace.raw_files()  # binary and large files: streamed, never read whole
    found: list[Finding] = []
    for path in paths:
        kind = raw.get(path)
        if kind is None:
            found.extend(scan(path, workspace.read_bytes(path), plan))
        else:
            from gates.checks.pii import rawscan  # lazy: only repositories with such files

            with workspace.open_raw(path) as fh:
                found.extend(rawscan.scan(path, fh, kind, plan))
        progress.advance()  # a no-op in pool processes: the parent counts whole chunks
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
    jobs = max(1, min(ctx.jobs, os.cpu_count() or 1, len(files)))
    if jobs == 1 or sum(ctx.workspace.sizes(files)) < PARALLEL_MIN_BYTES:
        found = _scan_files(ctx.workspace, files, cfg, ctx.fingerprint_key)
    else:
        found = _scan_parallel(ctx, files, cfg, jobs)
    return sorted(found, key=Finding.sort_key)


def _scan_parallel(
    ctx: GateContext, files: Sequence[str], cfg: pii_config.PiiConfig, jobs: int
) -> list[Finding]:
    import multiprocessing  # lazy: the pre-commit path never needs it
    from concurrent.futures import ProcessPoolExecutor

    if (
        multiprocessing.current_process().daemon  # a daemonic worker may not start children
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _scan_files(ctx.workspace, files, cfg, ctx.fingerprint_key)
    chunks = [files[i::jobs] for i in range(jobs)]
    mp = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=mp,
        initializer=die_with_parent,  # pool workers must not outlive this process (a timeout)
        initargs=(os.getpid(),),
    )
    try:
        parts = []
        for chunk, part in zip(
            chunks,
            pool.map(
                _scan_files,
                *zip(*((ctx.workspace, c, cfg, ctx.fingerprint_key) for c in chunks), strict=True),
            ),
            strict=True,
        ):
            parts.append(part)
            progress.advance(len(chunk))
    except BaseException:
        stop_pool(pool)  # stopped (timeout, Ctrl-C): don't wait for the chunks in progress
        raise
    pool.shutdown(wait=True)
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
