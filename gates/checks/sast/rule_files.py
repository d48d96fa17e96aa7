"""Reading semgrep rule files ourselves, before semgrep does: once per file, with libyaml.

Two things need the rules before semgrep starts: which files some rule can match (targets.py)
and which rules the engine we run would leave out without a word (`unsupported`). semgrep
itself reads the file again and is the judge of whether it is valid: a file we cannot read here
is None, and semgrep reports what is wrong with it (a gate error).

The gate runs semgrep's OCaml CLI (`semgrep scan --experimental`, semgrep.py). It accepts the
rule modes `search` (no `mode:`), `taint` and `extract` exactly as the Python CLI does, but
drops a `mode: join` rule silently: no error, no `skipped_rules` entry, no findings (the Python
CLI crashed on one). Such a rule is refused up front: a rule that never runs is lost coverage.

libyaml (CSafeLoader) when PyYAML was built with it: the pure-Python loader took ~0.1 s of
CPU for the bundled pack, as much as semgrep spends parsing a large target file.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Rule modes semgrep's OCaml CLI runs (absent = search); anything else is refused.
SUPPORTED_MODES = frozenset({"search", "taint", "extract"})


def load(path: Path) -> list[Any] | None:
    """The `rules` list of a rule file; None when it cannot be read or has no such list."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _load(path, st.st_size, st.st_mtime_ns)


@functools.cache
def _load(path: Path, size: int, mtime_ns: int) -> list[Any] | None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    rules = doc.get("rules") if isinstance(doc, dict) else None
    return rules if isinstance(rules, list) else None


def unsupported(rule_files: Iterable[Path]) -> list[tuple[Path, str, str]]:
    """(file, rule id, mode) of every rule whose mode the OCaml CLI would not run."""
    out = []
    for path in rule_files:
        for rule in load(path) or ():
            mode = rule.get("mode", "search") if isinstance(rule, dict) else "search"
            if str(mode) not in SUPPORTED_MODES:
                out.append((path, str(rule.get("id")), str(mode)))
    return out
