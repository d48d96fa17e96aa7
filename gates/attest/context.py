"""Gathering what the evidence records beyond the RunResult: the I/O shell of `--evidence`.

The subjects (HEAD, its tree, the sha256 of the tracked files as the gates read them, dirty or
not), the trust ref and its commit, installed engine versions (package metadata: no tool is run),
the bundled rule packs' digests, the expiry of each approval and the valid sign-offs.
"""

from __future__ import annotations

import hashlib
from importlib import metadata, resources

from gates import git, pipeline
from gates.attest import tree
from gates.errors import InvalidInput
from gates.report import evidence
from gates.runner import RunRequest

ENGINES = (
    "semgrep",
    "bandit",
    "detect-secrets",
    "google-re2",
    "duckdb",
    "pyarrow",
    "sqlglot",
    "cryptography",
)


def engines() -> tuple[tuple[str, str], ...]:
    found = []
    for name in ENGINES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue  # an extra not installed: its gate cannot have run
    return tuple(found)


def rule_packs() -> tuple[tuple[str, str], ...]:
    """The bundled semgrep packs: ours (policies/semgrep/) and bandit's checks as semgrep rules
    (policies/semgrep-bandit/)."""
    out = []
    for name in ("semgrep", "semgrep-bandit"):
        folder = resources.files("gates") / "policies" / name
        out += [
            (f"policies/{name}/{entry.name}", hashlib.sha256(entry.read_bytes()).hexdigest())
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith((".yaml", ".yml")) and entry.is_file()
        ]
    return tuple(out)


def signoffs(
    req: RunRequest, trust_ref: str | None, ran: tuple[str, ...]
) -> tuple[evidence.SignoffApplied, ...]:
    """The valid sign-offs of the released tree, when the signoff gate ran."""
    if "signoff" not in ran:
        return ()
    from gates.checks.signoff.clearance import valid_signoffs

    return tuple(
        evidence.SignoffApplied(id=v.id, signers=v.signers, issued_at=v.issued_at)
        for v in valid_signoffs(req.workspace.root, req.policy, req.now, trust_ref)
    )


def subjects(repo: pipeline.Repo) -> tuple[evidence.Subject, ...]:
    """`release` (HEAD) and `tree` (HEAD's tree, the tracked files' bytes now, dirty or not)."""
    if not repo.is_git:
        raise InvalidInput(
            "--evidence",
            str(repo.root),
            "evidence needs a git commit to bind to",
            "run inside a git repository with a commit",
        )
    root = repo.root
    head = git.rev_parse(root, "HEAD")
    tree_id = git.tree_of(root, "HEAD")
    if head is None or tree_id is None:
        raise InvalidInput(
            "--evidence", str(root), "the repository has no commit", "commit the release first"
        )
    files = tree.working_tree(root)
    return evidence.tree(head, tree_id, files.sha256, files.files, dirty=git.dirty(root))


def scope(opts: pipeline.Options) -> str:
    if opts.files:
        return "the files named on the command line (pre-commit mode)"
    if opts.diff:
        return f"the files changed since the merge base with {opts.diff}"
    return "all tracked files"


def gather(
    opts: pipeline.Options, req: RunRequest, ran: tuple[str, ...]
) -> tuple[tuple[evidence.Subject, ...], evidence.Context]:
    repo = pipeline.find_repo(opts.cwd)
    found = subjects(repo)
    trust_ref = pipeline.default_trust_ref(opts.trust_ref)
    return found, evidence.Context(
        trust_ref=trust_ref,
        trust_commit=git.rev_parse(repo.root, trust_ref) if trust_ref else None,
        engines=engines(),
        rule_packs=rule_packs(),
        approval_expiry=tuple((w.id, w.expires_at) for w in req.waivers),
        signoffs=signoffs(req, trust_ref, ran),
        scope=scope(opts),
    )
