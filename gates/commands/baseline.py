"""`gates baseline create|update|status|import`: manage accepted pre-existing findings."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gates.commands.run import add_run_arguments, options_from
from gates.errors import GateCannotRun, InvalidInput

if TYPE_CHECKING:
    from gates.model import Finding

_EPILOG = """\
examples:
  gates baseline create                 accept every current finding (refuses to overwrite)
  gates baseline create --force         start over from the current findings
  gates baseline update                 drop fixed findings; never adds new ones
  gates baseline status                 how current findings compare with the baseline
  gates baseline import .secrets.baseline   adopt an existing detect-secrets baseline
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "baseline",
        help="manage the baseline of accepted findings",
        description="Manage .release-gates/baseline.json: accepted pre-existing findings, by fingerprint.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bsub = p.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("create", create, "write a baseline from every current finding"),
        ("update", update, "drop stale entries and lower counts (never adds)"),
        ("status", status, "compare current findings with the baseline"),
    ):
        b = bsub.add_parser(name, help=text, description=text.capitalize() + ".")
        add_run_arguments(b)
        if name == "create":
            b.add_argument("--force", action="store_true", help="overwrite an existing baseline")
        b.set_defaults(handler=handler)
    imp = bsub.add_parser(
        "import",
        help="import a detect-secrets .secrets.baseline",
        description="Add the secrets a detect-secrets baseline accepts to our baseline.",
    )
    imp.add_argument("source", metavar="FILE", help="the .secrets.baseline file")
    add_run_arguments(imp)
    imp.set_defaults(handler=import_secrets)


def _current(args: argparse.Namespace) -> tuple[Path, list[Finding]]:
    """Every current finding, ignoring the baseline and approvals; errors stop the command."""
    from gates import pipeline, runner
    from gates.baseline import Baseline

    req = pipeline.prepare(options_from(args))
    result = runner.run(replace(req, baseline=Baseline(), waivers=(), approval_notes=()))
    if result.errors:
        first = result.errors[0]
        raise GateCannotRun(first.gate, first.reason, first.fix + "; the baseline was not changed")
    root = pipeline.find_repo(Path.cwd()).root
    return root, [rf.finding for rf in result.findings]


def _path(args: argparse.Namespace, root: Path) -> tuple[Path, str]:
    from gates.baseline import DEFAULT_PATH

    label = args.baseline or DEFAULT_PATH
    return (Path(label) if Path(label).is_absolute() else root / label), label


def create(args: argparse.Namespace, out: TextIO) -> int:
    from gates import baseline

    root, findings = _current(args)
    path, label = _path(args, root)
    if path.exists() and not args.force:
        raise InvalidInput(
            label,
            "$",
            "a baseline already exists",
            "use `gates baseline update`, or --force to replace it",
        )
    new = baseline.from_findings(findings)
    baseline.save(path, new)
    out.write(
        f"{label}: {sum(e.count for e in new.entries)} findings accepted ({len(new.entries)} entries)\n"
    )
    return 0


def update(args: argparse.Namespace, out: TextIO) -> int:
    from gates import baseline

    root, findings = _current(args)
    path, label = _path(args, root)
    old = baseline.load(path, label)
    new = baseline.shrink(old, findings)
    baseline.save(path, new)
    dropped = sum(e.count for e in old.entries) - sum(e.count for e in new.entries)
    out.write(
        f"{label}: {dropped} fixed findings dropped, {sum(e.count for e in new.entries)} remain\n"
    )
    return 0


def status(args: argparse.Namespace, out: TextIO) -> int:
    from collections import Counter

    from gates import baseline

    root, findings = _current(args)
    path, label = _path(args, root)
    base = baseline.load(path, label)
    budget = base.budget()
    limits = base.magnitude_limits()
    seen: Counter[str] = Counter(f.fingerprint for f in findings)
    # a sized finding (a reconcile class) past its recorded size is new, not baselined
    grown = {
        f.fingerprint
        for f in findings
        if budget[f.fingerprint] and not baseline.covers_magnitude(limits.get(f.fingerprint), f)
    }
    accepted = sum(min(seen[fp], n) for fp, n in budget.items() if fp not in grown)
    new = sum(n if fp in grown else max(0, n - budget[fp]) for fp, n in seen.items())
    stale = sum(max(0, n - seen[fp]) for fp, n in budget.items() if fp not in grown)
    out.write(
        f"{label}: {accepted} baselined, {new} new (not in the baseline), {stale} stale (fixed)\n"
    )
    return 1 if new else 0


def import_secrets(args: argparse.Namespace, out: TextIO) -> int:
    from gates import baseline, pipeline
    from gates.checks.secrets import import_detect_secrets_baseline

    req = pipeline.prepare(replace(options_from(args), gates=("secrets",)))
    root = req.workspace.root
    source = Path(args.source)
    if not source.is_file():
        raise InvalidInput(
            args.source, "$", "no such file", "give the path of your .secrets.baseline"
        )
    from gates.runner import context_for

    imported = import_detect_secrets_baseline(source, context_for(req, req.specs[0]))
    path, label = _path(args, root)
    old = baseline.load(path, label)
    merged = baseline.from_findings(imported)
    keep = {e.fingerprint for e in merged.entries}
    combined = baseline.Baseline(
        entries=tuple(e for e in old.entries if e.fingerprint not in keep) + merged.entries
    )
    baseline.save(path, combined)
    out.write(
        f"{label}: imported {sum(e.count for e in merged.entries)} accepted secrets from {args.source}\n"
    )
    return 0
