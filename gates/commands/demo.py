"""`gates demo`: every gate on a small payments repository embedded in the package.

The embedded repository (policies/demo/repo) is copied to a temporary directory (or --keep DIR),
made a git repository with one commit, and scanned with the demo policy. It contains planted
problems, so the demo shows a blocked release; the command exits 0 when the demo ran as designed
(the release verdict is in the report), 3 when a gate could not run.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TextIO

from gates import clock
from gates.commands import emit
from gates.errors import InvalidInput
from gates.model import ExitCode, RunResult

_DEMO_TIME = "2026-01-15T09:00:00+00:00"  # fixed commit dates: the demo's output is reproducible
_NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="run every gate on an embedded payments repository",
        description="Run every gate on a small payments repository embedded in the package, with planted problems.",
        epilog="examples:\n  gates demo\n  gates demo --format json=demo.json --format text\n  gates demo --keep /tmp/demo-repo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sign",
        action="store_true",
        help="with --evidence: sign it with a demo ed25519 key made for this run (its "
        "allowed_signers is written beside the envelope, for `gates evidence verify`)",
    )
    p.add_argument(
        "--keep",
        metavar="DIR",
        help="build the demo repository in DIR (must not exist) and keep it",
    )
    emit.add_output_arguments(p)
    p.set_defaults(handler=run)


def build_repo(target: Path) -> None:
    """Copy the embedded repository to `target` and commit it."""
    from gates._proc import run_tool

    demo = resources.files("gates") / "policies" / "demo"
    with resources.as_file(demo) as src:
        # pip byte-compiles the demo's .py files when it installs the package: leave those out
        skip = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(src / "repo", target, symlinks=True, ignore=skip)
        shutil.copytree(
            src / "release-gates", target / ".release-gates", symlinks=True, ignore=skip
        )
    env = {
        "GIT_AUTHOR_NAME": "Demo Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Demo Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_AUTHOR_DATE": _DEMO_TIME,
        "GIT_COMMITTER_DATE": _DEMO_TIME,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    for argv in (
        ("git", "init", "-q", "-b", "main"),
        ("git", "add", "-A"),
        ("git", "commit", "-q", "-m", "Demo payments service"),
    ):
        run_tool(argv, gate="demo", cwd=target, timeout_s=60, install_hint="install git", env=env)


def _run_in(
    target: Path,
    args: argparse.Namespace,
    pairs: list[tuple[str, str | None]],
    out: TextIO,
    *,
    key_dir: Path,
) -> RunResult:
    """Build the demo repository at `target`, run every gate, write the reports (and the
    evidence, signed when asked) while the repository still exists."""
    from dataclasses import replace

    from gates import pipeline, runner

    build_repo(target)
    opts = pipeline.Options(
        cwd=target, now=_NOW, clock_source=clock.DEMO, use_cache=False, debug=args.debug
    )
    req = pipeline.prepare(opts)
    result = runner.run(req)
    attest = None
    if args.evidence:
        from gates.attest import context

        attest = context.gather(opts, req, result.gates)
        result = replace(result, tree_state=pipeline.tree_state(req.workspace))
    emit.emit(result, pairs, out, evidence=args.evidence, attest=attest)
    if args.evidence and (args.sign or args.sign_key):
        key = args.sign_key or str(_demo_key(key_dir, Path(args.evidence).resolve()))
        emit.sign_evidence(args.evidence, key, target)
    return result


def _demo_key(folder: Path, evidence: Path) -> Path:
    """A throwaway ed25519 key for the demo, and an allowed_signers naming it beside the
    evidence (`demo@release-gates.invalid`, evidence namespace only)."""
    from gates._proc import run_tool
    from gates.attest import NAMESPACE

    key = folder / "demo-evidence-key"
    run_tool(
        ("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "demo", "-f", str(key)),
        gate="demo",
        cwd=folder,
        timeout_s=60,
        install_hint="install OpenSSH (apt-get install openssh-client)",
    )
    public = key.with_name(key.name + ".pub").read_text("utf-8").split()
    signers = evidence.with_name(evidence.name + ".allowed_signers")
    from gates.atomic import write_text_atomic

    write_text_atomic(
        signers, f'demo@release-gates.invalid namespaces="{NAMESPACE}" {public[0]} {public[1]}\n'
    )
    return key


def run(args: argparse.Namespace, out: TextIO) -> int:
    pairs = emit.plan_outputs(args.formats, args.outputs)
    if (args.sign or args.sign_key) and not args.evidence:
        raise InvalidInput(
            "--sign", "--evidence", "not given: there is nothing to sign", "add --evidence FILE"
        )
    if args.keep:
        target = Path(args.keep).resolve()
        if target.exists():
            raise InvalidInput(
                "--keep", args.keep, "already exists", "name a directory that does not exist yet"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="release-gates-demo-key-") as keys:
            result = _run_in(target, args, pairs, out, key_dir=Path(keys))
    else:
        with tempfile.TemporaryDirectory(prefix="release-gates-demo-") as tmp:
            result = _run_in(Path(tmp) / "payments-service", args, pairs, out, key_dir=Path(tmp))
    return ExitCode.GATE_ERROR if result.errors else ExitCode.PASS
