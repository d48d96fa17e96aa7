"""The evidence file: an in-toto Statement v1 an auditor can check a release decision against.

The statement's subjects are what was gated: `release` (the commit, `gitCommit`) and `tree` (the
tree the gates read: `gitTree` of HEAD plus a sha256 over every tracked regular file's path and
bytes, see gates.attest.tree, with a `dirty` annotation when the working tree differed from
HEAD). The predicate (type `PREDICATE_TYPE`) records the resolved policy's digest and the trust
ref it came from, the engine versions and rule-pack digests, the clock and its source, the
verdict of the run and of each gate with counts by severity, every signed approval applied
(which findings, who signed, why, until when) and every valid sign-off, the approval notes
(rejected, expired, expiring, unused), baseline use, the reconciliation summary, the controls
table (gates.controls) and the sha256 of the JSON report rendered from the same result, so the
detailed findings can be checked against it. No absolute path, no secret: the same run gives the
same bytes. The statement is unsigned; `gates evidence sign` wraps it in a DSSE envelope.
Schema: gates/schemas/evidence.schema.json (versioned by its `$id` and `PREDICATE_TYPE`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import gates
from gates.errors import InvalidInput
from gates.model import RunResult, Status
from gates.record import record
from gates.report import json_report, jsontext, view

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://release-gates.dev/evidence/v2"

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


@record
class Subject:
    """What the evidence is about: a name and one or more digests of it."""

    name: str
    digest: tuple[tuple[str, str], ...]  # (algorithm, lowercase hex), e.g. ("gitCommit", sha)
    annotations: tuple[tuple[str, str | int | bool], ...] = ()


@record
class SignoffApplied:
    id: str
    signers: tuple[str, ...]
    issued_at: str


@record
class Context:
    """What the run knew beyond its RunResult (gathered by gates.attest.context in the shell)."""

    trust_ref: str | None = None
    trust_commit: str | None = None
    engines: tuple[tuple[str, str], ...] = ()  # (package, installed version)
    rule_packs: tuple[tuple[str, str], ...] = ()  # (bundled rule file, sha256)
    approval_expiry: tuple[tuple[str, str], ...] = ()  # (waiver id, expires_at RFC 3339)
    signoffs: tuple[SignoffApplied, ...] = ()
    scope: str = "all tracked files"


def tree(
    commit: str, tree_id: str, files_sha256: str, files: int, *, dirty: bool
) -> tuple[Subject, Subject]:
    """The `release` commit and the `tree` the gates read (see gates.attest.tree)."""
    return (
        git_commit("release", commit),
        Subject(
            name="tree",
            digest=(("gitTree", tree_id), ("sha256", files_sha256)),
            annotations=(
                ("digestAlgorithm", "release-gates-tree-v1"),
                ("dirty", dirty),
                ("files", files),
            ),
        ),
    )


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


def _approvals_applied(result: RunResult, context: Context) -> list[dict[str, object]]:
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
    expiry = dict(context.approval_expiry)
    return [
        {
            "id": waiver_id,
            "expiresAt": expiry.get(waiver_id),
            "justification": justification[waiver_id],
            "signers": sorted(signers[waiver_id]),
            "findings": [
                {"gate": g, "rule": r, "fingerprint": fp, "occurrences": n}
                for (g, r, fp), n in sorted(covered[waiver_id].items())
            ],
        }
        for waiver_id in sorted(covered)
    ]


def _severities(summary: view.GateSummary) -> dict[str, int]:
    return {sev.value: n for sev, n in summary.by_severity}


def _reconciliation(result: RunResult) -> dict[str, object] | None:
    """Per discrepancy class: findings, payments concerned (magnitude), blocking; None when the
    reconcile gate did not run."""
    if "reconcile" not in result.gates:
        return None
    summary = next(s for s in view.gate_summaries(result) if s.gate == "reconcile")
    classes: dict[str, dict[str, int]] = {}
    for rf in summary.findings:
        row = classes.setdefault(
            rf.finding.rule, {"findings": 0, "payments": 0, "blocking": 0, "accepted": 0}
        )
        row["findings"] += 1
        row["payments"] += rf.finding.magnitude or 1
        row["blocking"] += int(rf.blocking)
        row["accepted"] += int(rf.status is not Status.NEW)
    return {
        "verdict": summary.verdict.value,
        "classes": [{"rule": rule, **counts} for rule, counts in sorted(classes.items())],
    }


def _controls(result: RunResult) -> dict[str, object]:
    from importlib import resources

    from gates.controls import catalog, table

    mapping = resources.files("gates").joinpath("controls/controls.yaml").read_bytes()
    return {
        "mapping": {
            "name": "gates/controls/controls.yaml",
            "digest": {"sha256": hashlib.sha256(mapping).hexdigest()},
        },
        "table": table.to_json(table.rows(result, catalog.load())),
    }


def predicate(result: RunResult, context: Context | None = None) -> dict[str, object]:
    context = context or Context()
    whole = view.total(result)
    report_bytes = json_report.render(result).encode("utf-8")
    return {
        "tool": {"name": view.TOOL_NAME, "version": gates.__version__},
        "policy": {
            "digest": {"sha256": result.policy_digest},
            "trustRef": {"ref": context.trust_ref, "commit": context.trust_commit},
        },
        "scope": context.scope,
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
                "bySeverity": _severities(s),
                "errors": [{"reason": e.reason, "fix": e.fix} for e in s.errors],
            }
            for s in view.gate_summaries(result)
        ],
        "findingsBySeverity": _severities(whole),
        "toolVersions": dict(sorted(result.tool_versions)),
        "engines": dict(sorted(context.engines)),
        "rulePacks": [
            {"name": name, "digest": {"sha256": digest}}
            for name, digest in sorted(context.rule_packs)
        ],
        "approvalsApplied": _approvals_applied(result, context),
        "signoffsApplied": [
            {"id": s.id, "signers": sorted(s.signers), "issuedAt": s.issued_at}
            for s in sorted(context.signoffs, key=lambda s: s.id)
        ],
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
        "reconciliation": _reconciliation(result),
        "controls": _controls(result),
        "report": {
            "mediaType": "application/json",
            "schemaVersion": json_report.SCHEMA_VERSION,
            "digest": {"sha256": hashlib.sha256(report_bytes).hexdigest()},
        },
    }


def _subject(s: Subject) -> dict[str, object]:
    out: dict[str, object] = {"name": s.name, "digest": dict(sorted(s.digest))}
    if s.annotations:
        out["annotations"] = dict(sorted(s.annotations))
    return out


def statement(
    result: RunResult, subjects: Sequence[Subject], context: Context | None = None
) -> dict[str, object]:
    _check(subjects, result.policy_digest)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [_subject(s) for s in sorted(subjects, key=lambda s: (s.name, s.digest))],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate(result, context),
    }


def render(result: RunResult, subjects: Sequence[Subject], context: Context | None = None) -> str:
    return jsontext.dumps(statement(result, subjects, context), pretty=True)
