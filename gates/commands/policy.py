"""`gates policy validate|show`: check a policy file, or print the resolved policy."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import yaml

if TYPE_CHECKING:
    from gates.policy import Policy


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "policy",
        help="validate or show a policy",
        description="Validate a policy file, or show the resolved policy (extends merged).",
        epilog="examples:\n  gates policy validate .release-gates/policy.yaml\n  gates policy show\n  gates policy show --policy pci-strict",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    v = psub.add_parser(
        "validate",
        help="validate a policy file (exit 0 valid, 2 invalid)",
        description="Validate a policy and every gate section in it against the schemas.",
    )
    v.add_argument("path", metavar="P", help="policy file or shipped name")
    v.set_defaults(handler=validate)
    s = psub.add_parser(
        "show",
        help="print the resolved policy",
        description="Print the policy that applies here, with extends merged.",
    )
    s.add_argument("--policy", metavar="P", help="policy file or shipped name (default: discovery)")
    s.set_defaults(handler=show)


def _load(explicit: str | None) -> Policy:
    from gates import pipeline

    repo = pipeline.find_repo(Path.cwd())
    pol = pipeline.load_policy(repo, explicit, None)
    pipeline.validate_policy(pol, repo)
    return pol


def validate(args: argparse.Namespace, out: TextIO) -> int:
    pol = _load(args.path)
    out.write(
        f"{pol.source}: valid (merged from {', '.join(pol.sources)}; digest sha256:{pol.digest[:16]})\n"
    )
    return 0


def show(args: argparse.Namespace, out: TextIO) -> int:
    pol = _load(args.policy)
    out.write(f"# resolved from: {', '.join(pol.sources)}\n# digest: sha256:{pol.digest}\n")
    out.write(
        yaml.safe_dump(
            dict(pol.document), sort_keys=True, default_flow_style=False, allow_unicode=True
        )
    )
    return 0
