"""The trust boundary of a change: which files can relax a verdict, and whether the change edits them.

In a pull-request pipeline the change under review must not be able to relax its own gates. So
everything that can (the policy with every file it extends, `allowed_signers`, the baseline, an
imported `.secrets.baseline`, ignore files, local rule files and the key file the policy names)
is read from the trust ref, and a change to any of them is itself a blocking `trust.changed`
finding that only a valid sign-off clears (it binds these files' contents, see the signoff gate).
reconcile's GeoIP database is in the boundary too: the gate reads the working tree's copy, but a
change to it blocks the same way until signed off.
The comparison is by content, so it works with and without `--diff`: the trust ref's version of
each file against the working tree's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from gates import pyproject_policy
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, RuleInfo, Severity
from gates.record import record
from gates.trust_source import TrustSource

GATE = "trust"
RULE = "trust.changed"
DISCOVERED_POLICY = ".release-gates/policy.yaml"
DEFAULT_BASELINE = ".release-gates/baseline.json"
DEFAULT_ALLOWED_SIGNERS = ".release-gates/allowed_signers"
# Files some tool or workflow may honour to skip findings. Listed whether or not the engines we run
# read them today (semgrep runs with its ignore files disabled, bandit without a config), so the
# boundary does not depend on a tool version's defaults.
IGNORE_FILES = (".secrets.baseline", ".semgrepignore", ".bandit", ".gitleaksignore")

RULE_INFO = RuleInfo(
    id=RULE,
    name="trust-root-changed",
    summary="The change edits a file that decides the verdict (policy, signers, baseline, ignores).",
    help="Files that can relax a gate are read from the trust ref (the pull request's base), never "
    "from the change. Editing one needs its own review: a sign-off signed by the required roles "
    "(`gates signoff new`, then `gates signoff sign`) clears this finding; or land the edit on "
    "the base branch first, in its own reviewed change. A waiver or baseline entry cannot.",
    default_severity=Severity.CRITICAL,
    tags=("CWE-284",),
)


@record
class TrustFile:
    path: str  # repo-relative POSIX
    role: str  # what it decides: "policy", "allowed_signers", "baseline", ...
    # Only part of the file decides (pyproject.toml's [tool.release-gates]): compare that part,
    # so a dependency bump in the same file is not a trust change.
    table: str | None = None


def policy_paths(sources: Iterable[str]) -> tuple[str, ...]:
    """Repo-relative paths of policy files among a policy's source labels (shipped ones and files
    outside the repository are nobody's to change in a pull request)."""
    out = []
    for label in sources:
        if label.endswith("(shipped)") or label.startswith("shipped:"):
            continue
        if ":" in label and not label.startswith("/"):  # "<ref>:<path>": git refs hold no ':'
            label = label.split(":", 1)[1]
        rel = _repo_relative(label)
        if rel is not None:
            out.append(rel)
    return tuple(out)


def _repo_relative(path: str) -> str | None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return None
    return pure.as_posix()


def trust_files(
    document: Mapping[str, Any],
    policy_sources: Iterable[str],
    *,
    baseline: str = DEFAULT_BASELINE,
    explicit_policy: str | None = None,
) -> tuple[TrustFile, ...]:
    """Every repository file that can relax the verdict under this (trusted) policy."""
    found: dict[str, str] = {}

    def add(path: object, role: str) -> None:
        if isinstance(path, str):
            rel = _repo_relative(path)
            if rel is not None:
                found.setdefault(rel, role)

    add(DISCOVERED_POLICY, "policy")
    add(explicit_policy, "policy")
    for rel in policy_paths(policy_sources):
        add(rel, "policy")
    approvals = document.get("approvals")
    signers = approvals.get("allowed_signers") if isinstance(approvals, Mapping) else None
    add(signers or DEFAULT_ALLOWED_SIGNERS, "allowed_signers")
    add(baseline, "baseline")
    add(document.get("fingerprint_key_file"), "fingerprint key")
    for rel in IGNORE_FILES:
        add(rel, "ignore file")
    for rule_file in _rule_files(document):
        add(rule_file, "rule file")
    add(_geoip_database(document), "GeoIP database")
    found.pop(pyproject_policy.PYPROJECT, None)  # always listed below, by its table only
    files = [TrustFile(path=p, role=r) for p, r in found.items()]
    files.append(
        TrustFile(
            path=pyproject_policy.PYPROJECT,
            role=f"policy table [{pyproject_policy.TABLE}]",
            table=pyproject_policy.TABLE,
        )
    )
    return tuple(sorted(files, key=lambda tf: tf.path))


def _rule_files(document: Mapping[str, Any]) -> list[object]:
    sections = [document.get("gates", {})]
    sections += [
        ov.get("gates", {}) for ov in document.get("overrides", ()) if isinstance(ov, Mapping)
    ]
    out: list[object] = []
    for gates in sections:
        sast = gates.get("sast") if isinstance(gates, Mapping) else None
        semgrep = sast.get("semgrep") if isinstance(sast, Mapping) else None
        rules = semgrep.get("rules") if isinstance(semgrep, Mapping) else None
        if isinstance(rules, list):
            out += rules
    return out


def _geoip_database(document: Mapping[str, Any]) -> object:
    """reconcile's `geo.ip_database`: a database that places every address in the payment's
    country would silence geo_ip_mismatch, so replacing it is a trust change."""
    gates = document.get("gates")
    reconcile = gates.get("reconcile") if isinstance(gates, Mapping) else None
    geo = reconcile.get("geo") if isinstance(reconcile, Mapping) else None
    return geo.get("ip_database") if isinstance(geo, Mapping) else None


@record
class TrustChange:
    file: TrustFile
    before: str | None  # content digest at the trust ref (None: absent)
    after: str | None  # in the working tree


def changes(
    files: Iterable[TrustFile], trusted: TrustSource, current: TrustSource
) -> tuple[TrustChange, ...]:
    """The trust files whose content differs between the trust ref and the working tree."""
    out = []
    for tf in files:
        before = _digest(trusted, tf)
        after = _digest(current, tf)
        if before != after:
            out.append(TrustChange(file=tf, before=before, after=after))
    return tuple(out)


def _digest(source: TrustSource, tf: TrustFile) -> str | None:
    if tf.table is None:
        return source.digest(tf.path)
    data = source.read(tf.path, _TABLE_FILE_LIMIT, "make pyproject.toml a regular file")
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    if not pyproject_policy.configures(text, source.label(tf.path)):
        return None  # no table: as if absent, for the trust boundary
    table = pyproject_policy.parse(text, source.label(tf.path))
    canonical = json.dumps(table, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_TABLE_FILE_LIMIT = 1_048_576


def findings(found: Iterable[TrustChange], ref: str) -> tuple[Finding, ...]:
    """One blocking finding per changed trust file, bound to its new content: a sign-off for one
    version of the file never clears the next."""
    out = []
    for ch in found:
        path = ch.file.path
        if ch.before is None:
            what = "adds"
        elif ch.after is None:
            what = "deletes"
        else:
            what = "edits"
        out.append(
            Finding(
                gate=GATE,
                rule=RULE,
                severity=Severity.CRITICAL,
                message=(
                    f"this change {what} {path} ({ch.file.role}), which decides the verdict; the "
                    f"gates used its version at {ref}. Fix: get a sign-off for the change "
                    f"(gates signoff new), or land the edit on the base branch in its own review"
                ),
                location=Location(path=path, line=1),
                fingerprint=fingerprint(GATE, RULE, path, ch.after or "absent"),
                properties=(("role", ch.file.role), ("compared_with", ref)),
            )
        )
    return tuple(out)
