"""Running the audit-log gate over a workspace: read and parse each Python file, judge it, and
turn issues into findings. Other modules of the repository are read only to resolve helpers."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates import git
from gates.checks.audit_log import config as audit_config
from gates.checks.audit_log import modules, rules
from gates.checks.audit_log.analyse import Issue, analyse
from gates.checks.audit_log.helpers import Helpers, Loader, Repository
from gates.errors import GateCannotRun
from gates.fingerprint import fingerprint
from gates.model import Finding, Location
from gates.registry import GateContext
from gates.workspace import DEFAULT_MAX_FILE_BYTES, Workspace

GATE = "audit-log"


def loader(workspace: Workspace) -> Loader:
    """Reads a repository file for helper resolution: a selected file through the workspace, any
    other regular file inside the root (never a symlink), or at the scanned git revision."""
    root = workspace.root.resolve()
    selected = set(workspace.files)

    def load(path: str) -> bytes | None:
        if path in selected:
            return workspace.read_bytes(path)
        if workspace.ref is not None:
            if not workspace.is_git:
                return None
            entry = git.entry_at(workspace.root, workspace.ref, path)
            if entry is None or entry.mode not in ("100644", "100755"):
                return None
            data = git.read_blobs(workspace.root, (entry.blob,))[entry.blob]
            return data if len(data) <= DEFAULT_MAX_FILE_BYTES else None
        full = root / path
        try:
            st = os.lstat(full)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > DEFAULT_MAX_FILE_BYTES:
            return None
        if not full.parent.resolve().is_relative_to(root):
            return None
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    return load


def to_finding(path: str, issue: Issue, cfg: audit_config.AuditConfig) -> Finding:
    rule = {r.id: r for r in rules.ALL}[issue.rule]
    fix_fields = issue.missing or cfg.required_fields
    fix = 'log.info("payment.<event>", ' + ", ".join(f"{f}=…" for f in fix_fields) + ")"
    where = f"{issue.change.what} at line {issue.change.line}"
    if issue.rule == rules.MISSING_FIELDS.id:
        message = (
            f"{issue.function}(): audit event {issue.event!r} after {where} lacks "
            f"{', '.join(issue.missing)} ({issue.path}). Fix: add {fix}"
        )
    elif issue.rule == rules.ERROR_PATH.id:
        message = (
            f"{issue.function}(): {issue.path} leaves without an audit event after {where}. "
            f"Fix: log the failure before leaving, e.g. {fix.replace('log.info', 'log.error')}"
        )
    else:
        where_not = "on any path out of it" if issue.path_kind == "any" else f"on the {issue.path}"
        message = f"{issue.function}(): no audit event {where_not} after {where}. Fix: add {fix}"
    return Finding(
        gate=GATE,
        rule=issue.rule,
        severity=rule.default_severity,
        message=message,
        location=Location(path=path, line=issue.line),
        fingerprint=fingerprint(GATE, issue.rule, path, f"{issue.function}\x1f{issue.path_kind}"),
        snippet=issue.change.what,
        properties=(
            ("function", issue.function),
            ("path", issue.path),
            *((("missing_fields", ",".join(issue.missing)),) if issue.missing else ()),
        ),
    )


def unparsed(path: str, exc: SyntaxError | ValueError | RecursionError) -> Finding:
    line = getattr(exc, "lineno", None) or 0
    why = (
        "nested too deeply to analyse"
        if isinstance(exc, RecursionError)
        else f"not parsed as Python 3 ({type(exc).__name__}: {getattr(exc, 'msg', exc)})"
    )
    return Finding(
        gate=GATE,
        rule=rules.UNPARSED.id,
        severity=rules.UNPARSED.default_severity,
        message=f"{why}: its payment-state changes were not checked",
        location=Location(path=path, line=line),
        fingerprint=fingerprint(GATE, rules.UNPARSED.id, path, type(exc).__name__),
    )


def scan(files: Iterable[str], read: Loader, cfg: audit_config.AuditConfig) -> list[Finding]:
    """Findings for the given Python files (pure apart from `read`)."""
    repo = Repository(load=read)
    helpers = Helpers(repo=repo, declared=cfg.audit_helpers)
    found: list[Finding] = []
    for path in files:
        if not path.endswith(".py") or cfg.skips(path):
            continue
        data = read(path)
        if data is None:
            raise GateCannotRun(GATE, f"could not read {path}", "check the file's permissions")
        try:
            mod = modules.parse(path, data)
        except (SyntaxError, ValueError, RecursionError) as exc:
            found.append(unparsed(path, exc))
            continue
        repo.start(mod)
        try:
            issues = analyse(mod, cfg, helpers)
        except RecursionError as exc:  # generated code nested beyond the walk's stack
            found.append(unparsed(path, exc))
            continue
        found.extend(to_finding(path, issue, cfg) for issue in issues)
    return sorted(found, key=Finding.sort_key)


def run(ctx: GateContext) -> list[Finding]:
    cfg = audit_config.parse(ctx.config, source=audit_config.source_name(ctx.policy.sources))
    if not ctx.files:
        raise GateCannotRun(
            GATE,
            "no files to scan",
            "check the gate's paths/exclude in the policy, or disable the gate for this repository",
        )
    return scan(ctx.files, loader(ctx.workspace), cfg)


def scan_text(
    path: str, text: str | bytes, config: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Findings for one file's content, as the gate reports them (tests and tools)."""
    cfg = audit_config.parse(config or {})
    data = text.encode("utf-8") if isinstance(text, str) else text
    return scan((path,), lambda p: data if p == path else None, cfg)


def scan_tree(
    root: Path, files: Iterable[str], config: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Findings for files below a plain directory (tests)."""
    ws = Workspace(root=root, files=tuple(files), is_git=False)
    return scan(ws.files, loader(ws), audit_config.parse(config or {}))
