"""Running the secrets gate: cache lookups, parallel scanning, hits turned into masked findings.

Binary files (their printable strings) and files over `max_file_bytes` (streamed) are scanned
in this process by `rawscan`, outside the cache.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import mmap
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO, cast

from gates import progress
from gates._proc import die_with_parent, stop_pool
from gates.budget import runs_within
from gates.checks.result_cache import (
    ByteValues,
    ResultCache,
    canonical_json,
    digest,
    rejected_finding,
    scan_through,
)
from gates.checks.secrets import clean_proof, config
from gates.checks.secrets.hits import ALLOWLIST_PRAGMA, Hit, ScanSettings
from gates.checks.secrets.mask import mask
from gates.checks.secrets.rules import BY_TYPE, Kind, rule_id
from gates.errors import GateCannotRun
from gates.fingerprint import FingerprintKey
from gates.model import Finding, Location, Unscanned
from gates.redact import KIND_KEY, VALUE_KEY
from gates.registry import GateContext

if TYPE_CHECKING:
    from concurrent.futures import Executor

GATE_ID = "secrets"
ENGINE_VERSION = "secrets-engine-7"  # bump when scanning logic changes: invalidates the cache
_PARALLEL_MIN_FILES = 24


def settings_for(ctx: GateContext) -> ScanSettings:
    cfg = config.parse(
        ctx.config, source=ctx.policy.sources[-1] if ctx.policy.sources else "policy"
    )
    return ScanSettings(detect_secrets=cfg.detect_secrets_settings(), placeholders=cfg.placeholders)


def _chunks(items: Sequence[tuple[str, str]], n: int) -> list[list[tuple[str, str]]]:
    """Split into `n` groups of similar total size (largest first, each to the lightest group)."""
    groups: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    sizes = [0] * n
    for item in sorted(items, key=lambda it: (-len(it[1]), it[0])):
        i = sizes.index(min(sizes))
        groups[i].append(item)
        sizes[i] += len(item[1])
    return [g for g in groups if g]


def _parallel(jobs: int, files: int) -> bool:
    if jobs <= 1 or files < _PARALLEL_MIN_FILES:
        return False
    import multiprocessing  # lazy: ~5 ms of imports a pre-commit run on a few files never needs

    # A daemonic worker (how a runner may host the gate) may not start processes of its own.
    return not multiprocessing.current_process().daemon


def _scanner() -> ModuleType:
    """The detect-secrets scanner, imported on first need: a run whose files are all proved
    clean (clean_proof.py) never imports detect-secrets."""
    from gates.checks.secrets import offline

    offline.preload()  # before anything imports detect-secrets: without `requests`
    from gates.checks.secrets import scanner

    return scanner


@contextmanager
def _pool(jobs: int) -> Iterator[Executor]:
    """The worker processes for a whole run, started before any file is read: a worker forked
    from this process while it held a batch of texts kept a private copy of much of it (140 MiB
    each at 16x stripe, against 60 when forked first). Stopped at once on an interruption."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # lazy: one-file runs never pool

    _scanner()  # imported here, not once per worker (offline.py), before they are forked

    pool = ProcessPoolExecutor(
        min(jobs, os.cpu_count() or 1),  # never more processes than CPUs
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,  # a worker must not outlive this process (timeout, kill)
        initargs=(os.getpid(),),
    )
    try:
        pool.submit(os.getpid).result()  # a forking pool starts all its workers on first use
        yield pool
    except BaseException:
        # Interrupted (SIGTERM on timeout) or a worker died: don't wait for queued work.
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def scan(
    items: Sequence[tuple[str, str]],
    settings: ScanSettings,
    jobs: int,
    pool: Executor | None = None,
    *,
    prove: bool = True,
) -> dict[str, list[Hit]]:
    """Hits per path; files spread over `jobs` processes (`pool`'s, or a pool of its own) when
    there are enough of them. `prove`: as scanner.scan_many's."""
    scanner = _scanner()
    if not _parallel(jobs, len(items)):
        found = scanner.scan_many(items, settings, prove=prove)
        return dict(zip((p for p, _ in items), found, strict=True))
    if pool is None:
        with _pool(jobs) as own:
            return scan(items, settings, jobs, own, prove=prove)
    groups = _chunks(items, jobs * 4)
    out: dict[str, list[Hit]] = {}
    futures = [pool.submit(scanner.scan_many, g, settings, prove=prove) for g in groups]
    for group, future in zip(groups, futures, strict=True):
        out.update(zip((p for p, _ in group), future.result(), strict=True))
        progress.advance(len(group))
    return out


def _kind(hit: Hit) -> Kind:
    kind = BY_TYPE.get(hit.type)
    if kind is None:
        raise GateCannotRun(
            GATE_ID,
            f"detect-secrets reported an unknown secret type {hit.type!r}",
            "pin detect-secrets to the version this release supports (1.5.0)",
        )
    return kind


def to_finding(hit: Hit, ctx: GateContext) -> Finding:
    return finding_for(hit, ctx.fingerprint_key)


def finding_for(hit: Hit, key: FingerprintKey) -> Finding:
    """A hit as the gate reports it: masked, with the keyed fingerprint of its value."""
    kind = _kind(hit)
    rule = rule_id(kind)
    masked = mask(hit.value, kind.slug)
    where = f" at byte offset {hit.offset} of a binary file" if hit.offset >= 0 else ""
    return Finding(
        gate=GATE_ID,
        rule=rule,
        severity=kind.severity,
        message=f"{kind.ds_type} hard-coded: {masked}{where}",
        location=Location(path=hit.path, line=hit.line),
        fingerprint=key.sensitive(GATE_ID, rule, hit.path, hit.identity),
        snippet=masked,
        # The raw value stays in memory only: it teaches the report masker (gates.redact) to
        # mask it in every other finding and log line; no report renders a `sensitive.` key.
        properties=(
            ("secret_type", kind.ds_type),
            (VALUE_KEY, hit.identity),
            (KIND_KEY, f"secret:{kind.slug}"),
        )
        + ((("byte_offset", str(hit.offset)),) if hit.offset >= 0 else ()),
        suppression_requests=(ALLOWLIST_PRAGMA,) if hit.allowlisted else (),
    )


def _namespace(ctx: GateContext, settings: ScanSettings) -> str:
    # The key itself never reaches the cache, only a keyed tag identifying it.
    key_id = hmac.new(ctx.fingerprint_key.key, b"cache-namespace", hashlib.sha256).hexdigest()
    return digest(
        ENGINE_VERSION,
        _detect_secrets_version(),
        canonical_json(settings.detect_secrets),
        canonical_json(settings.placeholders),
        key_id,
    )


def _detect_secrets_version() -> str:
    found = clean_proof.detect_secrets_version()
    if found is not None:
        return found
    from importlib.metadata import version  # ~10 ms: only where the file read above fails

    return version("detect-secrets")


def _read(ctx: GateContext, path: str) -> tuple[bytes, str]:
    data = ctx.workspace.read_bytes(path)
    return data, data.decode("utf-8", "replace")


# Text a batch holds in memory at once (each file's bytes are read for the cache key, its text
# kept until its findings are stored): a repository of any size is scanned in bounded memory.
# 32 MiB: the secrets gate alone on 16x stripe peaked at 231-239 MiB PSS against 306-308 at 64,
# for 55.7-60.2 s of CPU against 51.5-62.2 (each batch configures detect-secrets once more per
# group of files, ~0.1 s each); the stripe sdist itself (19 MB) is still one batch.
_BATCH_BYTES = 32 << 20


def _raw_findings(
    ctx: GateContext,
    cache: ResultCache | None,
    path: str,
    kind: Unscanned,
    settings: ScanSettings,
) -> tuple[list[Finding], bool]:
    """(findings, whether a cache entry was rejected) of a large or binary file: streamed in
    windows, and cached like a text file, keyed by the digest of its bytes, with raw values
    stored as byte spans (a 1.5 MB generated test file took 2 s to rescan on every run)."""
    _scanner()  # detect-secrets, offline (rawscan imports it)
    from gates.checks.secrets import rawscan  # lazy: only repositories with such files

    with ctx.workspace.mapped(path) as data:

        def scanned() -> list[Finding]:
            # An mmap reads like a file; a revision's bytes are already in memory.
            stream = data if isinstance(data, mmap.mmap) else io.BytesIO(data)
            stream.seek(0)
            hits = rawscan.scan(path, cast(BinaryIO, stream), kind, settings)
            return [to_finding(h, ctx) for h in hits]

        if cache is None:
            return scanned(), False
        key = cache.key(f"raw:{path}", data)  # not a text file's key, even for the same bytes
        values = ByteValues(data)
        answer = cache.lookup_in(key, values)
        if answer.findings is not None:
            progress.advance()
            return list(answer.findings), False
        found = scanned()
        stored = cache.put_in(key, found, values)
        return list(stored if stored is not None else found), answer.rejected


def run(ctx: GateContext) -> Iterator[Finding]:
    settings = settings_for(ctx)
    if not ctx.files:
        raise GateCannotRun(
            GATE_ID, "no files to scan", "check the gate's paths/exclude in the policy"
        )
    cache = (
        ResultCache.open(
            ctx.cache_dir,
            gate=GATE_ID,
            policy_digest=ctx.policy.digest,
            namespace=_namespace(ctx, settings),
            files=len(ctx.files),
        )
        if ctx.cache_dir is not None
        else None
    )
    proof = clean_proof.load(settings.detect_secrets)
    raw = ctx.workspace.raw_files()  # binary and large files: streamed
    findings: list[Finding] = []
    rejected_raw: list[str] = []
    for path in ctx.files:
        kind = raw.get(path)
        if kind is not None:
            found, was_rejected = _raw_findings(ctx, cache, path, kind, settings)
            findings += found
            if was_rejected:
                rejected_raw.append(path)
    text_files = [p for p in ctx.files if p not in raw]
    rejected: list[str] = []
    with ExitStack() as stack:
        pool = (
            stack.enter_context(_pool(ctx.jobs)) if _parallel(ctx.jobs, len(text_files)) else None
        )
        for batch in runs_within(text_files, ctx.workspace.sizes(text_files), _BATCH_BYTES):
            cached, todo, batch_rejected = scan_through(cache, batch, lambda p: _read(ctx, p))
            findings += cached
            rejected += batch_rejected
            # A file proved clean needs no detect-secrets (most files of a pre-commit run). With
            # a pool, its workers prove them: the parent would do it for all of them in turn.
            items = [
                (p, text)
                for p, (_, text) in todo.items()
                if pool is not None or not clean_proof.proved_clean(proof, p, text)
            ]
            # Without a pool, the files left are those the proof failed on: not proved again.
            scanned = scan(items, settings, ctx.jobs, pool, prove=pool is not None) if items else {}
            for path in todo:
                found = [to_finding(h, ctx) for h in scanned.get(path, ())]
                if cache is not None:
                    key, text = todo[path]
                    found = list(cache.put(key, found, text))
                findings.extend(found)
            del items, todo
    if cache is not None:
        cache.flush()  # the files stored without findings, as one clean set
    findings.extend(rejected_finding(GATE_ID, path) for path in [*rejected_raw, *rejected])
    return iter(sorted(findings, key=Finding.sort_key))
