"""The secrets gate: proves no credential is hard-coded in the scanned files.

detect-secrets' plugins and heuristic filters run as a library (engine.py), in parallel over files
(`ctx.jobs` processes), with our payment-provider plugins (providers.py: Stripe, Adyen, Braintree,
PayPal, Square, Checkout.com, GoCardless, Plaid, Twilio) loaded as detect-secrets custom plugins,
literal defaults of environment reads scanned (envdefaults.py), plus our placeholder filter, a
public-identifier filter (publishable keys, account sids; public.py) and a pinned-digest filter
(git object ids and checksums under `rev:`/`sha:`/`checksum:`-like keys or in lockfiles are not
secrets; digests.py);
`.env`, YAML/JSON/INI config, notebooks (cell by cell) and private key blocks are covered. A finding carries a keyed fingerprint of the
secret (HMAC, never the value) and a masked snippet (`sk_l••••••••abcd`). detect-secrets'
`# pragma: allowlist secret` is recorded as a suppression request and still blocks: only signed
approvals override. Per-file results are cached in `ctx.cache_dir` by content, settings, tool
version and fingerprint key. Binary files are scanned in their printable strings (a finding names
its byte offset) and files over `max_file_bytes` are streamed in overlapping chunks (rawscan.py),
uncached. Pool workers die with the gate process and never outnumber the CPUs.

Config keys: see config.py (plugins, base64_limit, hex_limit, keyword_exclude, disable_filters,
exclude_secrets, exclude_lines, placeholders).
Rule ids: `secrets.<kind>`, one per detect-secrets plugin (rules.py), e.g. `secrets.stripe-key`,
`secrets.adyen-api-key`, `secrets.private-key`, `secrets.keyword`, `secrets.base64-high-entropy`.
The lines a change's commits added (git history) are scanned by `gates.history` with this
gate's settings and reported under its rule ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.secrets.config import SCHEMA
from gates.checks.secrets.rules import RULES
from gates.model import Finding
from gates.registry import GateContext, GateSpec

# detect-secrets is imported only when the gate runs: registering and validating the gate must
# stay cheap, since every pre-commit run does it for every gate its policy mentions.


def run(ctx: GateContext) -> Iterable[Finding]:
    # detect-secrets is imported (without `requests`, offline.py) only for a file that is not
    # proved clean without it (clean_proof.py)
    from gates.checks.secrets.gate import run as run_gate

    return run_gate(ctx)


def import_detect_secrets_baseline(path: Path, ctx: GateContext) -> tuple[Finding, ...]:
    """Our findings for the secrets an existing `.secrets.baseline` accepts (see baseline_import)."""
    from gates.checks.secrets import offline

    offline.preload()
    from gates.checks.secrets import baseline_import

    return baseline_import.import_detect_secrets_baseline(path, ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    from gates.checks.secrets import config as secrets_config

    secrets_config.parse(config, source=source)


def _active(config: Mapping[str, Any]) -> frozenset[str]:
    """The rules of the plugins the config runs (IPPublicDetector is off by default)."""
    from gates.checks.result_cache import rejected_rule
    from gates.checks.secrets import config as secrets_config
    from gates.checks.secrets.rules import KINDS, rule_id

    plugins = set(secrets_config.parse(config).plugins)
    return frozenset(
        {rule_id(k) for k in KINDS if k.plugin in plugins} | {rejected_rule("secrets").id}
    )


GATE = GateSpec(
    id="secrets",
    summary="No hard-coded credentials (detect-secrets plugins and filters, keyed fingerprints).",
    config_schema=SCHEMA,
    rules=RULES,
    run=run,
    default_timeout_s=600,
    check_config=_check,
    reads_raw=True,  # printable strings of binaries, large files streamed
    in_process=True,  # no tools, no state: a one-file run skips the worker (runner._runs_here)
    active_rules=_active,
)

__all__ = ["GATE", "import_detect_secrets_baseline"]
