"""Scanning one file for secrets: detect-secrets (engine.py) plus our placeholder, pinned-digest
and public-identifier filters (placeholders.py, digests.py, public.py), private-key blocks,
notebooks and the allowlist pragma recorded as a suppression request.

Runs inside worker processes; returns `Hit`s holding the secret value, which never leave the gate
(the gate turns them into masked, keyed-fingerprint findings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.settings import get_settings, transient_settings
from detect_secrets.util.code_snippet import CodeSnippet

from gates import progress
from gates.checks.secrets import clean_proof, engine, notebook
from gates.checks.secrets.digests import is_lockfile, is_pinned_digest
from gates.checks.secrets.hits import Hit, ScanSettings
from gates.checks.secrets.placeholders import is_placeholder
from gates.checks.secrets.public import is_public_identifier
from gates.textlines import lines_of

_ALLOWLIST_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"
_INVALID_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"  # we read bytes ourselves
# detect-secrets skips whole lockfiles; we scan them and drop only pinned digests (digests.py), so
# a token in a lockfile's registry URL is still found.
_LOCK_FILE_FILTER = "detect_secrets.filters.heuristic.is_lock_file"


def _key_block(lines: Sequence[str], start: int) -> str:
    """The private key block starting at 1-based line `start` (to its END line, at most 200)."""
    block = []
    for line in lines[start - 1 : start + 199]:
        block.append(line.strip())
        if "END" in line and "PRIVATE KEY" in line:
            break
    return "\n".join(block)


def _hits(
    path: str,
    name: str,
    lines: Sequence[str],
    found: Iterable[tuple[PotentialSecret, CodeSnippet]],
    placeholders: tuple[str, ...],
    line_map: Sequence[int] | None = None,
) -> list[Hit]:
    out = []
    for secret, snippet in found:
        value = secret.secret_value or ""
        line = snippet.target_line
        if (
            is_placeholder(value, line, placeholders)
            or is_pinned_digest(path, line, value)
            or is_public_identifier(value)
        ):
            continue
        number = secret.line_number
        identity = _key_block(lines, number) if secret.type == "Private Key" else value
        out.append(
            Hit(
                path=path,
                line=line_map[number - 1] if line_map is not None else number,
                type=secret.type,
                value=value,
                identity=identity,
                allowlisted=is_line_allowlisted(filename=name, line=line, context=snippet),
            )
        )
    return out


def scan_file(
    path: str, text: str, settings: ScanSettings, prefilter: engine.Prefilter
) -> list[Hit]:
    """Secrets in one file's text (call with detect-secrets configured: see `configured`)."""
    if path.endswith(".ipynb"):
        cells = notebook.chunks(text)
        if cells is not None:
            hits = []
            for cell in cells:
                name = f"{path}{cell.suffix}"
                found = list(engine.scan_lines(name, cell.lines, prefilter))
                hits += _hits(path, name, cell.lines, found, settings.placeholders, cell.raw_lines)
            return hits
    # `.env` files are KEY=value lines: detect-secrets knows that syntax as a properties file.
    # Lockfiles: detect-secrets skips `.lock`/`.sum` files by extension; scanned as plain text.
    name = f"{path}.properties" if _is_dotenv(path) else path
    if is_lockfile(path):
        name = f"{path}.txt"
    found = engine.scan_text(name, text, prefilter)
    return _hits(path, name, lines_of(text), found, settings.placeholders)


def _is_dotenv(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base == ".env" or base.startswith(".env.") or base.endswith(".env")


def configure(settings: ScanSettings) -> engine.Prefilter:
    """Configure detect-secrets in this process (a worker's initializer, or inside `configured`)."""
    ds = get_settings()
    ds.clear()
    ds.configure_plugins(settings.detect_secrets["plugins_used"])  # type: ignore[arg-type]  # built by config.py
    ds.configure_filters(settings.detect_secrets["filters_used"])  # type: ignore[arg-type]  # built by config.py
    # detect-secrets caches its secret-type -> plugin class table once per process and does not
    # refresh it when plugins change: our file-loaded provider plugins must be in it.
    get_mapping_from_secret_type_to_class.cache_clear()
    # The pragma becomes a suppression request (recorded, still blocking), not a silent drop.
    ds.disable_filters(_ALLOWLIST_FILTER, _INVALID_FILE_FILTER, _LOCK_FILE_FILTER)
    return engine.build_prefilter()


def scan_many(
    items: Sequence[tuple[str, str]], settings: ScanSettings, *, prove: bool = True
) -> list[list[Hit]]:
    """Scan (path, text) pairs in this process, leaving detect-secrets' settings as they were.
    `prove`: try the clean proof on each file first (False: the caller already did, in vain)."""
    proof = clean_proof.load(settings.detect_secrets) if prove else None
    with transient_settings(settings.detect_secrets):
        prefilter = configure(settings)
        out: list[list[Hit]] = []
        for path, text in items:
            # A file proved clean skips detect-secrets' per-file machinery (transformers, filters).
            clean = clean_proof.proved_clean(proof, path, text)
            out.append([] if clean else scan_file(path, text, settings, prefilter))
            progress.advance()  # a no-op in pool processes: their parent counts whole groups
        return out
