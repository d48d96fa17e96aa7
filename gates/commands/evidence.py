"""`gates evidence sign|verify`: sign an evidence statement as a DSSE envelope, and check one.

sign:   FILE (a statement from `gates run --evidence`, or an envelope to add a signature to) is
        checked against the evidence schema, signed with `ssh-keygen -Y sign -n
        release-gates-evidence@v1` over the DSSE PAE, and written atomically as the envelope.
verify: every signature checked in-process against an OpenSSH allowed_signers file, the
        statement against the schema, and with --repo the `tree` subject against --rev.
        Exit 0 valid, 1 invalid (the reasons are printed), 2 malformed input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

_EPILOG = """\
examples:
  gates run --evidence evidence.json
  gates evidence sign evidence.json --key ~/.ssh/id_ed25519        # writes evidence.dsse.json
  gates evidence verify evidence.dsse.json --allowed-signers auditors_signers
  gates evidence verify evidence.dsse.json --allowed-signers auditors_signers --repo . --rev v1.4.0

verify exit codes: 0 valid, 1 invalid (reason printed), 2 malformed input (file, field, fix)
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evidence",
        help="sign evidence as a DSSE envelope, or verify one",
        description="Sign an evidence statement with an SSH key (DSSE envelope), or verify a "
        "signed one against allowed signers and a checkout.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser(
        "sign",
        help="sign a statement (or add a signature to an envelope)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("file", metavar="FILE", help="evidence statement or DSSE envelope")
    s.add_argument(
        "--key", required=True, metavar="K", help="SSH private key, or its .pub with ssh-agent"
    )
    s.add_argument(
        "--output",
        metavar="OUT",
        help="where to write the envelope (default: FILE.dsse.json; an envelope is updated)",
    )
    s.set_defaults(handler=sign)
    v = actions.add_parser(
        "verify",
        help="verify a signed envelope",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("file", metavar="FILE", help="DSSE envelope from `gates evidence sign`")
    v.add_argument(
        "--allowed-signers",
        required=True,
        metavar="F",
        help="OpenSSH allowed_signers: who may sign evidence (namespace release-gates-evidence@v1)",
    )
    v.add_argument("--repo", metavar="DIR", help="a checkout to compare the subject with")
    v.add_argument(
        "--rev", default="HEAD", metavar="REV", help="the commit in --repo (default HEAD)"
    )
    v.add_argument(
        "--at",
        metavar="TIME",
        help="judge the keys' valid-after/valid-before at this RFC 3339 time (default: now), "
        "like ssh-keygen -Y verify -O verify-time=",
    )
    v.set_defaults(handler=verify)


def _read(path: str, what: str) -> bytes:
    from gates.errors import InvalidInput

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(path, "$", f"cannot read it ({exc.strerror})", f"pass {what}") from None


def sign(args: argparse.Namespace, out: TextIO) -> int:
    from gates.atomic import write_text_atomic
    from gates.attest import sign as signing
    from gates.cli import cwd
    from gates.commands.emit import signed_path
    from gates.report import jsontext

    data = _read(args.file, "the evidence file `gates run --evidence` wrote")
    envelope = signing.sign(data, args.file, args.key, cwd())
    if args.output:
        target = Path(args.output)
    elif _is_envelope(data):
        target = Path(args.file)
    else:
        target = signed_path(args.file)
    write_text_atomic(target, jsontext.dumps(envelope.to_json(), pretty=True))
    out.write(
        f"signed: {target} ({len(envelope.signatures)} signature(s), "
        f"key {envelope.signatures[-1].keyid})\n"
    )
    return 0


def _is_envelope(data: bytes) -> bool:
    from gates import strict_input
    from gates.attest import dsse

    try:
        return dsse.is_envelope(strict_input.parse_json(data))
    except ValueError:
        return False


def verify(args: argparse.Namespace, out: TextIO) -> int:
    from gates import clock
    from gates.approvals import signers as allowed_signers
    from gates.attest import verify as checking

    allowed = allowed_signers.parse(
        _read(args.allowed_signers, "an OpenSSH allowed_signers file"), args.allowed_signers
    )
    data = _read(args.file, "the envelope `gates evidence sign` wrote")
    result = checking.verify(
        data,
        args.file,
        allowed,
        clock.parse(args.at).now,  # when the keys' validity windows are judged
        repo=Path(args.repo) if args.repo else None,
        rev=args.rev,
    )
    for signer in result.signers:
        out.write(f"signed by: {signer}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
    if not result.valid:
        for reason in result.reasons:
            out.write(f"invalid: {reason}\n")
        return 1
    checked = f"; subject matches {args.rev} in {args.repo}" if args.repo else ""
    out.write(f"valid: {args.file}{checked}\n")
    return 0
