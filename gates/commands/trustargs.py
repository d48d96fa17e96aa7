"""Arguments shared by `gates approve` and `gates signoff`: repository, policy, trust ref, time."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from gates import git, pipeline
from gates.approvals.statements import StatementRejected, parse_time
from gates.errors import InvalidInput
from gates.policy import Policy


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="repository root (default: current directory)")
    parser.add_argument("--policy", help="policy file (default: .release-gates/policy.yaml)")
    parser.add_argument(
        "--trust-ref",
        help="read the policy and allowed_signers from this git ref (default under GitHub "
        "Actions: origin/$GITHUB_BASE_REF; GitLab CI: origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME; "
        "else the working tree)",
    )
    parser.add_argument(
        "--now", help=argparse.SUPPRESS
    )  # RFC 3339 UTC; tests and reproducible re-verification


def repo_root(args: argparse.Namespace) -> Path:
    start = Path(args.repo).resolve()
    if not start.is_dir():
        raise InvalidInput("--repo", args.repo, "not a directory", "pass the repository root")
    top = git.toplevel(start)
    if top is None:
        raise InvalidInput("--repo", args.repo, "not inside a git repository", "run it in a clone")
    return top


def trust_ref(args: argparse.Namespace) -> str | None:
    return pipeline.default_trust_ref(args.trust_ref)


def now(args: argparse.Namespace) -> datetime:
    if args.now is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return parse_time(args.now, "--now")
    except StatementRejected as exc:
        raise InvalidInput("--now", args.now, str(exc), "write 2026-11-25T12:00:00Z") from None


def policy(root: Path, args: argparse.Namespace) -> Policy:
    """The policy as `gates run` reads it: discovered or --policy, from the trust ref in CI."""
    return pipeline.load_policy(pipeline.Repo(root=root, is_git=True), args.policy, trust_ref(args))
