"""`gates init`: a repository's starting configuration, written without overwriting anything.

From templates shipped in the package (`policies/init/`, read with importlib.resources):

- `.release-gates/policy.yaml`: a commented policy extending `fintech-default` (checked against
  the schemas before anything is written);
- `.release-gates/allowed_signers`: a commented template for approvers' SSH keys;
- `.pre-commit-config.yaml`: the pii, secrets and sast hooks;
- `.github/workflows/release-gates.yml`: the GitHub Action on pull requests, SARIF uploaded.

Every target is checked before the first write: if one exists, nothing is written and the exit
code is 2, naming it. `--skip KIND` leaves a file out; a skipped pre-commit config is printed
instead, to paste into an existing one. Each file is written atomically and exclusively (a file
that appears meanwhile is not replaced).
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import TextIO

from gates.atomic import create_text_atomic
from gates.errors import InvalidInput
from gates.record import record


@record
class Target:
    kind: str
    path: str  # repo-relative
    template: str  # file name under policies/init/


TARGETS = (
    Target(kind="policy", path=".release-gates/policy.yaml", template="policy.yaml"),
    Target(kind="signers", path=".release-gates/allowed_signers", template="allowed_signers"),
    Target(kind="pre-commit", path=".pre-commit-config.yaml", template="pre-commit-config.yaml"),
    Target(
        kind="workflow", path=".github/workflows/release-gates.yml", template="github-workflow.yml"
    ),
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="write a starter policy, signers, pre-commit and workflow files",
        description="Write a commented policy, an allowed_signers template, a pre-commit config "
        "and a GitHub workflow. Never overwrites: an existing file stops it with exit 2.",
        epilog="examples:\n  gates init\n  gates init --skip pre-commit   # prints the hooks to paste",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--repo", default=".", help="repository root (default: current directory)")
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=[t.kind for t in TARGETS],
        metavar="KIND",
        help=f"leave a file out (repeatable): {', '.join(t.kind for t in TARGETS)}",
    )
    p.set_defaults(handler=run)


def template(name: str) -> str:
    return (resources.files("gates") / "policies" / "init" / name).read_text(encoding="utf-8")


def check_policy(root: Path, text: str) -> None:
    """The policy template, validated as it will be read from `.release-gates/policy.yaml`."""
    from gates import pipeline
    from gates import policy as policy_mod

    def read(rel: str) -> str | None:
        return text if rel == policy_mod.DISCOVERED else None

    pipeline.validate_policy(policy_mod.load(root, None, reader=read), pipeline.find_repo(root))


def run(args: argparse.Namespace, out: TextIO) -> int:
    root = Path(args.repo).resolve()
    chosen = [t for t in TARGETS if t.kind not in args.skip]
    for target in chosen:
        path = root / target.path
        if path.exists() or path.is_symlink():
            raise InvalidInput(
                target.path,
                "$",
                "already exists; gates init never overwrites a file",
                f"remove it, or leave it out with --skip {target.kind}",
            )
    texts = {t.kind: template(t.template) for t in TARGETS}
    check_policy(root, texts["policy"])
    for target in chosen:
        try:
            create_text_atomic(root / target.path, texts[target.kind])
        except FileExistsError:
            raise InvalidInput(
                target.path,
                "$",
                "appeared while gates init was writing; not overwritten",
                "check what created it, then rerun",
            ) from None
        out.write(f"wrote {target.path}\n")
    if "pre-commit" in args.skip:
        out.write("\nadd to your .pre-commit-config.yaml:\n")
        out.write(texts["pre-commit"].split("repos:\n", 1)[1])
    out.write(
        "\nnext: review .release-gates/policy.yaml, run `gates run`, then `pre-commit install`\n"
    )
    return 0
