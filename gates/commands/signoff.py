"""`gates signoff new|sign|status|digest`: bind a release's protected files to a signed sign-off."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from gates.approvals.authoring import create, sign
from gates.approvals.statements import SIGNOFF_KIND, Kind, format_time
from gates.approvals.trust import load_trust_root
from gates.checks.signoff import digest as protected
from gates.checks.signoff.evaluate import State, evaluate_all
from gates.checks.signoff.settings import parse as parse_settings
from gates.checks.signoff.settings import policy_source, protected_paths, trust_files
from gates.commands import trustargs

_EPILOG = """examples:
  gates signoff digest --list           # what a sign-off made now would bind
  gates signoff new --ticket PAY-120 --summary "Refund flow v2 reviewed" \\
      --requested-by carol@example.com
  gates signoff sign S-9b1c2d3e4f5a --key ~/.ssh/id_ed25519 --principal alice@example.com
  gates signoff status
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "signoff",
        help="create, sign and check compliance sign-offs",
        description="A sign-off binds the digest of every file under the policy's protected "
        "paths (gates.signoff.protected_paths) to the signatures of the required roles; any "
        "later change to those files makes it stale.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="signoff_action", required=True)
    new = actions.add_parser("new", help="write a sign-off for the current protected files")
    trustargs.add_common(new)
    new.add_argument("--ticket", required=True)
    new.add_argument("--summary", required=True, help="what was reviewed")
    new.add_argument("--requested-by", required=True, help="your principal (does not count)")
    new.add_argument("--id", help="statement id (default: derived from its content)")
    new.set_defaults(handler=run)
    sig = actions.add_parser("sign", help="sign a sign-off with ssh-keygen -Y sign")
    trustargs.add_common(sig)
    sig.add_argument("id")
    sig.add_argument("--key", required=True, help="private key, or public key held by an agent")
    sig.add_argument("--principal", required=True, help="your name in allowed_signers")
    sig.set_defaults(handler=run)
    status = actions.add_parser("status", help="verify every sign-off against the current files")
    trustargs.add_common(status)
    status.set_defaults(handler=run)
    dig = actions.add_parser("digest", help="print the digest a sign-off would bind")
    trustargs.add_common(dig)
    dig.add_argument("--list", action="store_true", help="also list the files and blob ids")
    dig.add_argument("--ref", help="digest of a commit instead of the working tree")
    dig.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    root = trustargs.repo_root(args)
    policy = trustargs.policy(root, args)
    section = policy.gate_section("signoff")
    action: str = args.signoff_action
    patterns = protected_paths(section, policy_source(policy))
    current = protected.compute(
        root, getattr(args, "ref", None), patterns, trust_files(policy, root)
    )
    if action == "digest":
        out.write(f"{current.digest}  ({len(current.files)} files)\n")
        if args.list:
            for name, blob in current.files:
                out.write(f"{blob}  {name}\n")
        return 0
    settings = parse_settings(policy, section, root)
    now = trustargs.now(args)
    if action == "new":
        doc: dict[str, Any] = {
            "kind": SIGNOFF_KIND,
            "repo": settings.approvals.repository,
            "digest": current.digest,
            "protected_paths": list(settings.protected_paths),
            "files": len(current.files),
            "summary": args.summary,
            "ticket": args.ticket,
            "requested_by": args.requested_by,
            "issued_at": format_time(now),
        }
        sid, path = create(root, Kind.SIGNOFF, doc, args.id)
        needs = ", ".join(f"{n} {role}" for role, n in sorted(settings.required.items()))
        rel = path.relative_to(root)
        out.write(f"created: {rel} (binds {current.digest}, {len(current.files)} files)\n")
        out.write(
            f"next: signers ({needs}; not {args.requested_by}) run\n"
            f"  gates signoff sign {sid} --key ~/.ssh/id_ed25519 --principal <them>\n"
        )
        return 0
    trust = load_trust_root(root, settings.approvals, trustargs.trust_ref(args))
    if action == "sign":
        target = sign(root, Kind.SIGNOFF, args.id, args.key, args.principal, trust, now)
        out.write(f"signed: {target.relative_to(root)}\n")
        return 0
    verdicts = evaluate_all(root, settings, trust, current.digest, now)
    out.write(f"protected digest: {current.digest} ({len(current.files)} files)\n")
    if not verdicts:
        out.write("no sign-offs in .release-gates/signoffs\n")
        return 1
    width = max(len(v.id) for v in verdicts)
    for v in sorted(verdicts, key=lambda v: v.id):
        detail = "signed by " + ", ".join(v.signers) if v.state is State.VALID else v.reason
        out.write(f"{v.id:<{width}}  {v.state.value:<8}  {detail}\n")
    return 0 if any(v.state is State.VALID for v in verdicts) else 1
