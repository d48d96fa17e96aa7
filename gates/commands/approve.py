"""`gates approve new|sign|verify`: create, sign and check waivers (signed approvals)."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from gates.approvals import config as approvals_config
from gates.approvals import coverage
from gates.approvals.authoring import create, sign
from gates.approvals.load import UNWAIVABLE_GATES, load_waivers
from gates.approvals.reports import Named, parse_report
from gates.approvals.statements import WAIVER_KIND, Kind, format_time
from gates.approvals.trust import load_trust_root
from gates.commands import trustargs
from gates.errors import InvalidInput
from gates.model import Severity
from gates.policy import Policy

_EPILOG = """examples:
  gates approve new --finding sast:sast.float-money:3f9c...e1 --severity high \\
      --reason "Legacy rounding path, replaced in PAY-77" --ticket PAY-77 \\
      --requested-by carol@example.com
  gates approve new --report gates.sarif --rule pii.pan --reason "..." --ticket PAY-9 \\
      --requested-by carol@example.com --days 14
  gates approve sign W-3f9ce1a0b2c4 --key ~/.ssh/id_ed25519 --principal alice@example.com
  gates approve verify --report gates.json
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "approve",
        help="create, sign and verify signed waivers",
        description="Signed waivers are the only way to override a gate finding: a JSON "
        "statement under .release-gates/approvals/<ID>/ naming the findings, signed with SSH "
        "keys listed in allowed_signers by the roles the policy requires.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="approve_action", required=True)
    new = actions.add_parser("new", help="write a new waiver statement")
    trustargs.add_common(new)
    new.add_argument("--finding", action="append", default=[], metavar="GATE:RULE:FP[:COUNT]")
    new.add_argument("--severity", choices=[s.value for s in Severity], help="for --finding")
    new.add_argument("--report", help="SARIF 2.1.0 or JSON report to take findings from")
    new.add_argument("--rule", action="append", default=[], help="only these rule ids")
    new.add_argument("--fingerprint", action="append", default=[], help="only these findings")
    new.add_argument("--reason", required=True)
    new.add_argument("--ticket", required=True)
    new.add_argument("--requested-by", required=True, help="your principal (does not count)")
    new.add_argument("--days", type=int, help="lifetime (default: the policy's maximum)")
    new.add_argument("--id", help="statement id (default: derived from its content)")
    new.set_defaults(handler=run)
    sig = actions.add_parser("sign", help="sign a waiver with ssh-keygen -Y sign")
    trustargs.add_common(sig)
    sig.add_argument("id")
    sig.add_argument("--key", required=True, help="private key, or public key held by an agent")
    sig.add_argument("--principal", required=True, help="your name in allowed_signers")
    sig.set_defaults(handler=run)
    ver = actions.add_parser("verify", help="verify every waiver and print a table")
    trustargs.add_common(ver)
    ver.add_argument("--report", help="also show which waivers match no finding (unused)")
    ver.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    root = trustargs.repo_root(args)
    policy = trustargs.policy(root, args)
    cfg = approvals_config.parse(policy.document, policy.sources[-1])
    now = trustargs.now(args)
    action: str = args.approve_action
    if action == "new":
        return _new(root, cfg, args, now, out)
    if action == "sign":
        trust = load_trust_root(root, cfg, trustargs.trust_ref(args))
        path = sign(root, Kind.WAIVER, args.id, args.key, args.principal, trust, now)
        out.write(f"signed: {path.relative_to(root)}\n")
        return 0
    return _verify(root, policy, args, now, out)


def _named(args: argparse.Namespace) -> list[Named]:
    found: list[Named] = []
    if args.report:
        found.extend(parse_report(_read_report(args.report), args.report))
    for text in args.finding:
        parts = text.split(":")
        if len(parts) not in (3, 4) or not args.severity:
            raise InvalidInput(
                "--finding",
                text,
                "expected GATE:RULE:FINGERPRINT[:COUNT] with --severity",
                "copy gate, rule and fingerprint from the report; add --severity high",
            )
        if len(parts) == 4 and not (parts[3].isdigit() and int(parts[3]) >= 1):
            raise InvalidInput("--finding", text, "COUNT must be a whole number >= 1", "e.g. :3")
        count = int(parts[3]) if len(parts) == 4 else 1
        found.append(
            Named(
                gate=parts[0],
                rule=parts[1],
                fingerprint=parts[2],
                severity=Severity(args.severity),
                occurrences=count,
            )
        )
    if args.rule:
        found = [f for f in found if f.rule in args.rule]
    if args.fingerprint:
        found = [f for f in found if f.fingerprint in args.fingerprint]
    if not found:
        raise InvalidInput(
            "gates approve new",
            "findings",
            "no findings selected",
            "pass --finding, or --report with --rule/--fingerprint that match its findings",
        )
    return found


def _new(
    root: Path,
    cfg: approvals_config.ApprovalsConfig,
    args: argparse.Namespace,
    now: Any,
    out: TextIO,
) -> int:
    found = _named(args)
    for f in found:
        if f.gate in UNWAIVABLE_GATES:
            raise InvalidInput("findings", f.rule, "cannot be waived", UNWAIVABLE_GATES[f.gate])
    worst = max((f.severity for f in found), key=lambda s: s.rank)
    cap = cfg.max_lifetime_days[worst]
    days = cap if args.days is None else args.days
    if not 1 <= days <= cap:
        raise InvalidInput(
            "--days",
            str(days),
            f"the policy allows 1 to {cap} days for {worst} findings",
            f"pass --days {cap} or less",
        )
    if len(args.reason.strip()) < cfg.min_reason_length:
        raise InvalidInput(
            "--reason",
            args.reason,
            f"shorter than {cfg.min_reason_length} characters",
            "say why the finding is acceptable and until when",
        )
    doc: dict[str, Any] = {
        "kind": WAIVER_KIND,
        "repo": cfg.repository,
        "findings": [
            {
                "gate": f.gate,
                "rule": f.rule,
                "fingerprint": f.fingerprint,
                "max_occurrences": f.occurrences,
                "severity": f.severity.value,
            }
            for f in found
        ],
        "reason": args.reason,
        "ticket": args.ticket,
        "requested_by": args.requested_by,
        "issued_at": format_time(now),
        "expires_at": format_time(now + timedelta(days=days)),
    }
    sid, path = create(root, Kind.WAIVER, doc, args.id)
    out.write(f"created: {path.relative_to(root)}\n")
    needs = ", ".join(f"{n} {role}" for role, n in sorted(cfg.required.items()))
    out.write(
        f"next: signers ({needs}; not {args.requested_by}) run\n"
        f"  gates approve sign {sid} --key ~/.ssh/id_ed25519 --principal <them>\n"
    )
    return 0


def _verify(
    root: Path, policy: Policy, args: argparse.Namespace, now: datetime, out: TextIO
) -> int:
    result = load_waivers(root, policy, now, trust_ref=trustargs.trust_ref(args))
    rows: list[tuple[str, str, str, str]] = []
    unused: dict[str, list[str]] = {}
    if args.report:
        named = parse_report(_read_report(args.report), args.report)
        keys = [(n.gate, n.rule, n.fingerprint) for n in named for _ in range(n.occurrences)]
        for wid, (_, rule, fp) in coverage.apply(keys, result.waivers).unused:
            unused.setdefault(wid, []).append(f"{rule} {fp[:12]}")
    for w in result.waivers:
        signed = "signed by " + ", ".join(w.signers)
        if w.id in unused:
            rows.append(
                (w.id, "unused", w.expires_at, "matches no finding: " + ", ".join(unused[w.id]))
            )
        elif w.expiring_soon:
            rows.append((w.id, "expiring", w.expires_at, f"renew it; {signed}"))
        else:
            rows.append((w.id, "valid", w.expires_at, signed))
    for n in result.notes:
        rows.append((n.id, n.state, "", n.reason))
    rows.sort()
    if not rows:
        out.write("no waivers in .release-gates/approvals\n")
        return 0
    width = max(len(r[0]) for r in rows)
    out.write(f"{'ID':<{width}}  {'STATE':<8}  {'EXPIRES':<20}  DETAIL\n")
    for rid, state, expires, detail in rows:
        out.write(f"{rid:<{width}}  {state:<8}  {expires:<20}  {detail}\n")
    bad = any(r[1] in ("rejected", "expired") for r in rows)
    return 1 if bad else 0


def _read_report(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise InvalidInput(name, "$", exc.strerror or "unreadable", "check the path") from None
