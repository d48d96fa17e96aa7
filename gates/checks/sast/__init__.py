"""The sast gate: proves the Python code has none of the known-dangerous patterns we check for.

semgrep runs our offline rule pack (policies/semgrep/: Python security basics and payment rules:
floats for money, unverified webhooks, timing-unsafe signature checks, card data and request
bodies in logs, plain PAN columns, missing idempotency keys, raw SQL on payment tables, DEBUG,
CSRF-exempt payment views) plus optional local rule files, in one process; bandit's checks run
in bandit or, where the bundled pack of them as semgrep rules covers them, in that same semgrep
run (policies/semgrep-bandit/, bandit_pack.py: `bandit.engine` auto, semgrep or bandit); bandit
is given only the files where an enabled test can fire (bandit_triggers.py).
Both are parsed strictly: any tool error is a gate error, never "no findings".
Hits that report the same problem on the same line are merged into one finding (merge.py, data in
equivalents.py); proof rules (proofs.yaml) drop bandit results our precise rules show wrong.
`# nosec` / `# nosemgrep` are recorded as suppression requests and the finding still blocks.
Per-file results are cached by content, rules, policy and tool versions.

Config keys: see config.py (semgrep.enabled/rules/exclude_rules/timeout_per_file,
bandit.enabled/engine/skip/min_confidence/severity/test_paths/skip_in_tests, tool_timeout).
Rule ids: `sast.<semgrep-rule-id>` (catalog.py) and `sast.bandit.<Bxxx>` (bandit_tests.py); a
bandit test that is the same problem as a semgrep rule is reported under that rule's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.sast.config import SCHEMA
from gates.checks.sast.rules import RULES, active
from gates.model import Finding
from gates.registry import GateContext, GateSpec


def run(ctx: GateContext) -> Iterable[Finding]:
    from gates.checks.sast.gate import run as run_gate  # heavy imports only when the gate runs

    return run_gate(ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    from gates.checks.sast.config import parse
    from gates.checks.sast.gate import local_rule_paths

    local_rule_paths(root, parse(config, source=source), source)


# Source files semgrep can parse (its language list, by file name), and so the files a large or
# binary file's absence from a sast scan would be a gap for; data (.jsonl, .csv, .parquet),
# images and archives are not.
_SOURCE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyi",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".go",
        ".rb",
        ".php",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".rs",
        ".swift",
        ".m",
        ".sh",
        ".bash",
        ".tf",
        ".hcl",
        ".yaml",
        ".yml",
        ".json",
        ".xml",
        ".html",
        ".lua",
        ".ex",
        ".exs",
        ".sol",
        ".dart",
        ".clj",
        ".jl",
        ".r",
        ".ml",
        ".mli",
        ".sql",
        ".vue",
        ".erb",
        ".jsonnet",
        ".dockerfile",
    ]
)


def _handles(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == "Dockerfile" or any(name.endswith(s) for s in _SOURCE_SUFFIXES)


GATE = GateSpec(
    id="sast",
    summary="No dangerous code patterns (bundled semgrep payment/security rules, bandit).",
    config_schema=SCHEMA,
    rules=RULES,
    run=run,
    default_timeout_s=900,
    tools=("semgrep", "bandit"),
    check_config=_check,
    handles=_handles,
    active_rules=active,
)

__all__ = ["GATE"]
