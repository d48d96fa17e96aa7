"""Change authors: who wrote the change under review, so they cannot approve it themselves.

With a base ref, the author e-mail of every non-merge commit in `base..HEAD` (an approver who
merged the base branch in is not an author); without one, the author of HEAD. Approvers are matched by principal, so this works when principals are the
e-mail addresses people commit with (the usual allowed_signers convention for git signing).
"""

from __future__ import annotations

from pathlib import Path

from gates import git
from gates._proc import run_tool


def change_authors(root: Path, base: str | None) -> frozenset[str]:
    if base is None or git.rev_parse(root, base) is None:
        head = git.head_author_email(root)
        return frozenset({head}) if head else frozenset()
    out = run_tool(
        ("git", "log", "-z", "--no-merges", "--format=%ae", f"{base}..HEAD"),
        gate="approvals",
        cwd=root,
        timeout_s=120.0,
        ok_codes=(0, 128),
        install_hint="install git (apt-get install git)",
    )
    if out.returncode != 0:
        head = git.head_author_email(root)
        return frozenset({head}) if head else frozenset()
    return frozenset(e for e in out.stdout.decode("utf-8", "replace").split("\0") if e.strip())
