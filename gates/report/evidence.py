"""The evidence file: an in-toto Statement v1 an auditor can check a release decision against.

The statement's subjects are what was gated (the release commit, given by the caller as a
digest set such as `{"gitCommit": "<sha1>"}`); the predicate (type `PREDICATE_TYPE`) records
the policy digest, the tool versions, the verdict of the run and of each gate, every signed
approval that was applied (which findings it covered, who signed, why), the approval notes
(rejected, expired, expiring, unused), baseline use, and the sha256 of the JSON report rendered
from the same result, so the detailed findings can be checked against it. No wall-clock time,
no absolute path, no secret: the same result gives the same bytes. The statement is unsigned;
wrap it in a DSSE envelope (e.g. `cosign attest-blob`) to sign it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import gates
from gates.errors import InvalidInput
from gates.model import RunResult, Status
from gates.report import json_report, jsontext, view

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://release-gates.dev/evidence/v1"

# Digest algorithms from the in-toto ResourceDescriptor spec we accept, with their hex length.
_DIGEST_HEX = {
    "sha256": (64,),
    "sha384": (96,),
    "sha512": (128,),
    "sha1": (40,),
    "gitCommit": (40, 64),
    "gitTree": (40, 64),
    "gitBlob": (40, 64),
}
_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """What the evidence is about: a name and one or more digests of it."""

    name: str
    digest: tuple[tuple[str, str], ...]  # (algorithm, lowercase hex), e.g. ("gitCommit", sha)


def git_commit(name: str, commit: str) -> Subject:
    """The usual subject: the commit that was gated (`name` e.g. the repository or ref)."""
    algorithm = "gitCommit"
    return Subject(name=name, digest=((algorithm, commit),))


def _check(subjects: Sequence[Subject], policy_digest: str) -> None:
    if not subjects:
        raise InvalidInput(
            "evidence", "subject", "no subject to attest", "pass the gated commit as the subject"
        )
    for i, subject in enumerate(subjects):
        if not subject.name.strip():
            raise InvalidInput(
                "evidence", f"subject[{i}].name", "empty name", "name the repository or artifact"
            )
        if not subject.digest:
            raise InvalidInput(
                "evidence", f"subject[{i}].digest", "no digest", "give at least one digest"
            )
        for algorithm, value in subject.digest:
            lengths = _DIGEST_HEX.get(algorithm)
            if lengths is None:
                raise InvalidInput(
                    "evidence",
                    f"subject[{i}].digest",
                    f"unsupported digest algorithm {algorithm!r}",
                    f"use one of {', '.join(sorted(_DIGEST_HEX))}",
                )
            if len(value) not in lengths or not _HEX.match(value):
                raise InvalidInput(
                    "evidence",
                    f"subject[{i}].digest.{algorithm}",
                    f"{value!r} is not a lowercase hex digest of length "
                    + " or ".join(map(str, lengths)),
                    "pass the full digest in lowercase hex",
                )
    if not (len(policy_digest) == 64 and _HEX.match(policy_digest)):
        raise InvalidInput(
            "evidence",
            "policy_digest",
            "the run has no sha256 policy digest",
            "run with a resolved policy (the runner records its digest)",
        )


def _approvals_applied(result: RunResult) -> list[dict[str, object]]:
    """Each waiver that covered a finding: why, who signed, and which findings how often."""
    justification: dict[str, str] = {}
    signers: dict[str, set[str]] = {}
    covered: dict[str, dict[tuple[str, str, str], int]] = {}
    for rf in view.sorted_findings(result):
        if rf.status is not Status.WAIVED:
            continue
        justification.setdefault(rf.waiver_id, rf.justification)
        signers.setdefault(rf.waiver_id, set()).update(rf.signers)
        f = rf.finding
        counts = covered.setdefault(rf.waiver_id, {})
        key = (f.gate, f.rule, f.fingerprint)
        counts[key] = counts.get(key, 0) + 1
    return [
        {
            "id": waiver_id,
            "justification": justification[waiver_id],
            "signers": sorted(signers[waiver_id]),
            "findings": [
                {"gate": g, "rule": r, "fingerprint": fp, "occurrences": n}
                for (g, r, fp), n in sorted(covered[waiver_id].items())
            ],
        }
        for waiver_id in sorted(covered)
    ]


def predicate(result: RunResult) -> dict[str, object]:
    whole = view.total(result)
    report_bytes = json_report.render(result).encode("utf-8")
    return {
        "tool": {"name": view.TOOL_NAME, "version": gates.__version__},
        "policy": {"digest": {"sha256": result.policy_digest}},
        "verdict": result.verdict.value,
        "exitCode": int(result.exit_code),
        "failOn": result.fail_on.value,
        "gates": [
            {
                "id": s.gate,
                "verdict": s.verdict.value,
                "findings": len(s.findings),
                "blocking": s.blocking,
                **{st.value: n for st, n in s.by_status},
                "errors": [{"reason": e.reason, "fix": e.fix} for e in s.errors],
            }
            for s in view.gate_summaries(result)
        ],
        "toolVersions": dict(sorted(result.tool_versions)),
        "approvalsApplied": _approvals_applied(result),
        "approvalNotes": [
            {"id": a.id, "state": a.state, "reason": a.reason}
            for a in sorted(result.approvals, key=lambda a: (a.id, a.state, a.reason))
        ],
        "baseline": {
            "accepted": dict(whole.by_status)[Status.BASELINED],
            "stale": len(result.stale_baseline),
        },
        "scannedFiles": result.scanned_files,
        "clock": {"time": result.clock, "source": result.clock_source},
        "workingTree": result.tree_state or "unknown",
        "skippedFiles": len(result.skipped),
        "report": {
            "mediaType": "application/json",
            "schemaVersion": json_report.SCHEMA_VERSION,
            "digest": {"sha256": hashlib.sha256(report_bytes).hexdigest()},
        },
    }


def statement(result: RunResult, subjects: Sequence[Subject]) -> dict[str, object]:
    _check(subjects, result.policy_digest)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": s.name, "digest": dict(sorted(s.digest))}
            for s in sorted(subjects, key=lambda s: (s.name, s.digest))
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate(result),
    }


def render(result: RunResult, subjects: Sequence[Subject]) -> str:
    return jsontext.dumps(statement(result, subjects), pretty=True)
