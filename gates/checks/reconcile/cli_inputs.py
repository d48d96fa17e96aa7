"""What every `gates reconcile` action reads from its arguments: the policy's reconcile section
and `--events`/`--report` source specs.

Shared by the batch command (command.py), `watch` (watch_command.py) and `show` (show.py), so
that none of them imports another.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from gates.errors import InvalidInput
from gates.model import Severity

_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
}


def source_spec(text: str) -> dict[str, Any]:
    """`KIND:PATH?k=v` or a bare path -> a source spec mapping."""
    kind, sep, rest = text.partition(":")
    if not sep or len(kind) < 2 or "/" in kind or kind.lower() != kind:
        ext = Path(text.split("?", 1)[0]).suffix.lower()
        if ext not in _EXTENSIONS:
            raise InvalidInput(
                "--events/--report",
                text,
                "cannot tell the source kind",
                "write KIND:PATH, e.g. jsonl:data/events.jsonl",
            )
        kind, rest = _EXTENSIONS[ext], text
    path, _, query = rest.partition("?")
    spec: dict[str, Any] = {"kind": kind}
    if path:
        spec["path"] = path
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        spec[key] = _scalar(value)
    return spec


def _scalar(value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    if value.isdigit():
        return int(value)
    return value


def policy_section(args: argparse.Namespace, root: Path) -> tuple[Mapping[str, Any], str, Severity]:
    from gates import policy as policy_mod
    from gates.checks.reconcile import GATE

    policy = policy_mod.load(root, args.policy)
    section = policy.gate_section("reconcile")
    policy_mod.check_schema(
        dict(section), policy_mod.gate_schema(GATE), policy.source, ("gates", "reconcile")
    )
    if "state_machine" not in section:
        raise InvalidInput(
            policy.source,
            "$.gates.reconcile.state_machine",
            "the policy has no state machine",
            "use --policy with a reconcile section, e.g. policies/reconcile-card-lifecycle.yaml",
        )
    kept = {k: v for k, v in section.items() if k not in policy_mod.COMMON_KEYS}
    return kept, policy.source, policy.fail_on
