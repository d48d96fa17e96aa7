"""Test helpers shared by gate tests: build a real git repository and a GateContext for it."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gates import workspace
from gates.fingerprint import FingerprintKey
from gates.model import Finding, Severity
from gates.policy import Policy
from gates.registry import GateContext

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEST_KEY = FingerprintKey(key=b"k" * 32, source="tests", derived=False)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write `files` (repo-relative path -> content) under `root`, creating directories."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def commit_files(root: Path, files: Mapping[str, str | bytes], message: str) -> str:
    """Write `files` and commit everything in the working tree; the new commit's id."""
    write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def make_repo(root: Path, files: Mapping[str, str | bytes], *, commit: bool = True) -> Path:
    """A real git repository with `files` (path -> content) committed on `main`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    if commit:
        commit_files(root, files, "initial")
    else:
        write_files(root, files)
    return root


def context(
    gate: str,
    root: Path,
    config: Mapping[str, Any] | None = None,
    *,
    document: Mapping[str, Any] | None = None,
    now: datetime = NOW,
    base_ref: str | None = None,
    changed_files: tuple[str, ...] | None = None,
    cache_dir: Path | None = None,
) -> GateContext:
    """A GateContext over every tracked file of `root`, as the runner would build it."""
    ws = workspace.tracked(root.resolve())
    policy = Policy(sources=(), document=document or {}, digest="0" * 64, fail_on=Severity.HIGH)
    return GateContext(
        gate=gate,
        config=config or {},
        workspace=ws,
        files=ws.files,
        policy=policy,
        fingerprint_key=TEST_KEY,
        now=now,
        base_ref=base_ref,
        changed_files=changed_files,
        cache_dir=cache_dir,
    )


def shown(finding: Finding) -> Finding:
    """The finding as reports may show it: without the in-memory `sensitive.` properties (the
    raw value the masking boundary learns from; never rendered, never cached)."""
    public = tuple(p for p in finding.properties if not p[0].startswith("sensitive."))
    return dataclasses.replace(finding, properties=public)


def run_cli(root: Path, *argv: str) -> tuple[int, str]:
    """`gates ARGV` run in `root` as a user would: (exit code, stdout). stderr goes to capsys."""
    import io
    import os

    from gates.cli import main

    out = io.StringIO()
    old = Path.cwd()
    os.chdir(root)
    try:
        code = main(list(argv), out=out)
    finally:
        os.chdir(old)
    return code, out.getvalue()


def meeting_at_a_barrier(monkeypatch: Any, module: object, name: str, parties: int) -> list[Any]:
    """Patch `module.name` so each call waits until `parties` calls are under way before it
    runs the real one; the first arguments of the calls, in order. Calls made one after another
    break the barrier after 60 s (threading.BrokenBarrierError): the test fails."""
    import threading

    barrier = threading.Barrier(parties, timeout=60)
    calls: list[Any] = []
    real = getattr(module, name)

    def waiting(first: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(first)
        barrier.wait()
        return real(first, *args, **kwargs)

    monkeypatch.setattr(module, name, waiting)
    return calls
