"""The sast gate: proves the Python code has none of the known-dangerous patterns we check for.

semgrep runs our offline rule pack (policies/semgrep/: Python security basics and payment rules:
floats for money, unverified webhooks, timing-unsafe signature checks, card data in logs, raw SQL
on payment tables, DEBUG, CSRF-exempt payment views) plus optional local rule files, in one
process; bandit runs over the Python files. Both are parsed strictly: any tool error is a gate
error, never "no findings". `# nosec` / `# nosemgrep` are recorded as suppression requests and
the finding still blocks. Per-file results are cached by content, rules, policy and tool versions.

Config keys: see config.py (semgrep.enabled/rules/exclude_rules/timeout_per_file,
bandit.enabled/skip/min_confidence/severity, tool_timeout).
Rule ids: `sast.<semgrep-rule-id>` (catalog.py) and `sast.bandit.<Bxxx>` (bandit_tests.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.sast.config import SCHEMA
from gates.checks.sast.rules import RULES
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
)

__all__ = ["GATE"]
