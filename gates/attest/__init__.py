"""Signed evidence: the digest of the scanned tree, DSSE envelopes, SSH signing and verification.

`tree` computes the subject digest (a working tree or a commit, the same way), `dsse` builds and
parses the envelope (PAE as the DSSE spec defines it), `sign` signs through `ssh-keygen -Y sign`
in namespace `release-gates-evidence@v1`, `verify` checks an envelope in-process (the SSHSIG
verifier of gates.approvals), the statement against the evidence schema, and the subject
against a checkout.
"""

NAMESPACE = "release-gates-evidence@v1"
