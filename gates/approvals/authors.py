"""Change authors: who wrote the change under review, so they cannot approve it themselves.

With a base ref, the author e-mail of every non-merge commit in `base..HEAD` (an approver who
merged the base branch in is not an author); without one, the author of HEAD. Approvers are matched by principal, so this works when principals are the
e-mail addresses people commit with (the usual allowed_signers convention for git signing).
"""

from __future__ import annotations

from pathlib import Path

from gates import git


def change_authors(root: Path, base: str | None) -> frozenset[str]:
    """A git failure raises (exit 3): an unknown author list would let an author approve."""
    if base is None:
        head = git.head_author_email(root)
        return frozenset({head}) if head else frozenset()
    if git.rev_parse(root, base) is None:
        raise git.GitFailed(
            ("rev-parse", base), None, f"the trust ref {base} is not a commit in this clone"
        )
    return git.authors_since(root, base)
