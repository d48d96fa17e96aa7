"""The trust root: the policy's approvals settings and the allowed_signers file they point to.

In CI both come from the base of the change (`--trust-ref`), never from the change under review,
so a pull request cannot add its own author as a trusted signer. The runner picks the ref
(`--trust-ref`, else `origin/$GITHUB_BASE_REF` under GitHub Actions: see
`gates.pipeline.default_trust_ref`); without one (a developer's machine) the working tree is read.
"""

from __future__ import annotations

from pathlib import Path

from gates import git
from gates.approvals.config import ApprovalsConfig
from gates.approvals.signers import MAX_BYTES, AllowedSigners, parse
from gates.errors import InvalidInput
from gates.record import record
from gates.trust_source import TrustSource


@record
class TrustRoot:
    config: ApprovalsConfig
    signers: AllowedSigners
    ref: str | None  # where allowed_signers was read from; None = working tree


def read_trusted(root: Path, rel: str, trust_ref: str | None) -> bytes:
    """A trust-root file's bytes from `trust_ref` (git) or the working tree: a regular file only
    (never a symlink, FIFO or directory), within the size limit."""
    if trust_ref is not None and git.rev_parse(root, trust_ref) is None:
        raise InvalidInput(
            "--trust-ref",
            trust_ref,
            "no such commit",
            "fetch the base branch (git fetch origin <base>) or pass an existing ref",
        )
    source = TrustSource(root=root, ref=trust_ref)
    fix = 'create it: one `principal namespaces="..." key` line per approver'
    data = source.read(rel, MAX_BYTES, fix)
    if data is None:
        if trust_ref is not None:
            raise InvalidInput(
                source.label(rel),
                "$",
                "the trust root is not in the base ref",
                "commit allowed_signers to the base branch first (it needs its own review)",
            )
        raise InvalidInput(rel, "$", f"{rel} is missing", fix)
    return data


def load_trust_root(root: Path, config: ApprovalsConfig, trust_ref: str | None) -> TrustRoot:
    data = read_trusted(root, config.allowed_signers, trust_ref)
    label = config.allowed_signers if trust_ref is None else f"{trust_ref}:{config.allowed_signers}"
    return TrustRoot(config=config, signers=parse(data, label), ref=trust_ref)
