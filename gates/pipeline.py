"""Assembling a run: the I/O shell around the runner (repository, policy, files, key, trust root).

Everything the pure runner needs is read here: the repository root, the policy (from the trust ref
in CI), the workspace (tracked files, pre-commit names, or the `--diff` change and its base side),
the fingerprint key, the baseline and the verified approvals.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gates import baseline as baseline_mod
from gates import git, registry, runner, workspace
from gates import policy as policy_mod
from gates.atomic import write_bytes_atomic
from gates.errors import InvalidInput
from gates.fingerprint import FingerprintKey, derived_key
from gates.model import ApprovalNote, RunResult, Waiver
from gates.policy import Policy
from gates.registry import GateSpec, Scope

KEY_ENV = "RELEASE_GATES_FINGERPRINT_KEY"
_MIN_KEY_BYTES = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    cwd: Path
    policy: str | None = None
    gates: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    diff: str | None = None
    trust_ref: str | None = None
    baseline: str | None = None
    use_cache: bool = True
    now: datetime
    debug: bool = False
    jobs: int = 0  # 0: one per CPU


@dataclass(frozen=True, slots=True, kw_only=True)
class Repo:
    root: Path
    is_git: bool


def find_repo(cwd: Path) -> Repo:
    top = git.toplevel(cwd)
    if top is not None:
        return Repo(root=top, is_git=True)
    return Repo(root=cwd.resolve(), is_git=False)


def default_trust_ref(options_ref: str | None) -> str | None:
    """`--trust-ref`, else the pull request's base branch under GitHub Actions, else the merge
    request's target branch under GitLab CI."""
    if options_ref:
        return options_ref
    base = os.environ.get("GITHUB_BASE_REF") or os.environ.get(
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    )
    return f"origin/{base}" if base else None


def load_policy(
    repo: Repo,
    explicit: str | None,
    trust_ref: str | None,
    *,
    validate: bool = True,
    parse_cache: Path | None = None,
) -> Policy:
    if trust_ref is None or not repo.is_git:
        return policy_mod.load(repo.root, explicit, validate=validate, parse_cache=parse_cache)
    if git.rev_parse(repo.root, trust_ref) is None:
        raise InvalidInput(
            "--trust-ref",
            trust_ref,
            "no such commit",
            "fetch the base branch (actions/checkout with fetch-depth: 0)",
        )
    return policy_mod.load(
        repo.root,
        explicit,
        reader=policy_mod.ref_reader(repo.root, trust_ref),
        label_prefix=f"{trust_ref}:",
        validate=validate,
        parse_cache=parse_cache,
    )


def select_specs(
    policy: Policy, wanted: Sequence[str], *, known_valid: Path | None = None
) -> tuple[GateSpec, ...]:
    """The gates to run (`wanted`, else every installed one), after validating the policy: its
    files, and every gate section it mentions with that gate's own schema.

    `known_valid` is a cache directory: a marker keyed by the policy's exact contents, our version
    and the gate schemas records a past success, so the common case (an unchanged policy) skips
    JSON Schema validation and its ~100 ms import on every commit."""
    eps = registry.discover()
    installed = registry.available(eps)
    specs = registry.load(list(wanted) if wanted else None, eps)
    loaded = {s.id for s in specs}
    extra = [g for g in policy_mod.mentioned_gates(policy) if g in installed and g not in loaded]
    checked = (*specs, *registry.load(extra, eps))
    marker = None
    if known_valid is not None:
        marker = known_valid / "valid-policies" / _validity_key(policy, checked, installed)
        if marker.exists():
            return specs
    policy_mod.validate_policy_layers(policy)
    policy_mod.validate_gates(policy, checked, installed)
    if marker is not None:
        write_bytes_atomic(marker, b"")
    return specs


def _validity_key(policy: Policy, specs: Sequence[GateSpec], installed: Sequence[str]) -> str:
    from gates import __version__

    material = {
        "version": __version__,
        "layers": [[label, doc] for label, doc in policy.layers],
        "schemas": {s.id: s.config_schema for s in specs},
        "rules": {s.id: sorted(r.id for r in s.rules) for s in specs},
        "installed": list(installed),
    }
    return hashlib.sha256(policy_mod.canonical_json(material).encode()).hexdigest()


def validate_policy(policy: Policy) -> None:
    """Check every gate section the policy mentions (used by `gates policy validate|show`)."""
    eps = registry.discover()
    installed = registry.available(eps)
    mentioned = [g for g in policy_mod.mentioned_gates(policy) if g in installed]
    policy_mod.validate_gates(policy, registry.load(mentioned, eps), installed)


def fingerprint_key(repo: Repo, policy: Policy) -> tuple[FingerprintKey, str | None]:
    """The HMAC key and, when it is a fallback, the note the report must carry."""
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env.encode()) < _MIN_KEY_BYTES:
            raise InvalidInput(
                KEY_ENV,
                "$",
                f"key is shorter than {_MIN_KEY_BYTES} bytes",
                "use a random 32-byte value",
            )
        return FingerprintKey(key=env.encode(), source=f"env {KEY_ENV}", derived=False), None
    key_file = policy.document.get("fingerprint_key_file")
    if key_file:
        path = Path(os.path.expanduser(key_file))
        path = path if path.is_absolute() else repo.root / path
        try:
            data = path.read_bytes().strip()
        except OSError as exc:
            raise InvalidInput(
                policy.source,
                "$.fingerprint_key_file",
                f"cannot read {key_file}: {exc.strerror}",
                "create the file or set RELEASE_GATES_FINGERPRINT_KEY",
            ) from None
        if len(data) < _MIN_KEY_BYTES:
            raise InvalidInput(
                policy.source,
                "$.fingerprint_key_file",
                f"key is shorter than {_MIN_KEY_BYTES} bytes",
                "use a random 32-byte value",
            )
        return FingerprintKey(key=data, source=f"file {key_file}", derived=False), None
    root_commit = git.root_commit(repo.root) if repo.is_git else None
    key = derived_key(root_commit or "no-git:" + repo.root.name)
    note = (
        f"no fingerprint key configured: sensitive fingerprints use a key {key.source}; "
        f"set {KEY_ENV} in CI so they cannot be brute-forced by anyone with the repository"
    )
    return key, note


def cache_root(repo: Repo) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = hashlib.sha256(str(repo.root).encode()).hexdigest()[:16]
    return base / "release-gates" / tag


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspaces:
    current: workspace.Workspace  # what file-scope gates scan
    whole: workspace.Workspace | None = None  # every tracked file, when `current` is a subset
    base: workspace.Workspace | None = None  # --diff: the changed files at the merge base
    base_commit: str | None = None
    changes: tuple[git.Change, ...] | None = None
    named: bool = False  # pre-commit mode: `current` holds the files the user named


def build_workspaces(
    repo: Repo, opts: Options, max_bytes: int, *, whole_needed: bool
) -> Workspaces:
    """The files to scan; `whole_needed` when a repository-scope gate runs on a subset."""
    if opts.files:
        named = workspace.named(repo.root, opts.files, is_git=repo.is_git, max_bytes=max_bytes)
        whole = (
            workspace.tracked(repo.root, max_bytes=max_bytes)
            if whole_needed and repo.is_git
            else None
        )
        return Workspaces(current=named, whole=whole, named=True)
    if not repo.is_git:
        if opts.diff:
            raise InvalidInput(
                "--diff",
                opts.diff,
                "this directory is not a git repository",
                "drop --diff or run inside a repository",
            )
        return Workspaces(current=workspace.directory(repo.root, max_bytes=max_bytes))
    current = workspace.tracked(repo.root, max_bytes=max_bytes)
    if opts.diff is None:
        return Workspaces(current=current)
    if git.rev_parse(repo.root, opts.diff) is None:
        raise InvalidInput(
            "--diff",
            opts.diff,
            "no such commit or branch",
            "fetch it first, or name an existing ref",
        )
    base = git.merge_base(repo.root, opts.diff, "HEAD")
    if base is None:
        raise InvalidInput(
            "--diff",
            opts.diff,
            "has no common history with HEAD",
            "name the branch this change is based on",
        )
    changes = git.diff_against(repo.root, base)
    changed_now = {c.path for c in changes if c.status != "D"}
    base_map = {c.path: c.old_path for c in changes if c.status in "MRT"}
    return Workspaces(
        current=current.subset(changed_now),
        whole=current,
        base=workspace.at_revision(repo.root, base, base_map, max_bytes=max_bytes),
        base_commit=base,
        changes=changes,
    )


def _changed_files(ws: Workspaces) -> tuple[str, ...] | None:
    """What the change touches: --diff's changes (both rename sides), or the files pre-commit
    named; None when the whole repository is under review."""
    if ws.changes is not None:
        return tuple(sorted({c.path for c in ws.changes} | {c.old_path for c in ws.changes}))
    if ws.named:
        return ws.current.files
    return None


def prepare(opts: Options) -> runner.RunRequest:
    repo = find_repo(opts.cwd)
    trust_ref = default_trust_ref(opts.trust_ref) if repo.is_git else None
    cache = cache_root(repo) if opts.use_cache else None
    policy = load_policy(repo, opts.policy, trust_ref, validate=False, parse_cache=cache)
    specs = select_specs(policy, opts.gates, known_valid=cache)
    key, key_note = fingerprint_key(repo, policy)
    whole_needed = any(s.scope is Scope.REPOSITORY for s in specs)
    ws = build_workspaces(repo, opts, policy.max_file_bytes, whole_needed=whole_needed)
    baseline_label = opts.baseline or baseline_mod.DEFAULT_PATH
    baseline_path = (
        repo.root / baseline_label
        if not Path(baseline_label).is_absolute()
        else Path(baseline_label)
    )
    baseline = baseline_mod.load(baseline_path, baseline_label)
    waivers, notes = _approvals(repo, policy, opts.now, trust_ref)
    run_notes = []
    if not repo.is_git:
        run_notes.append("not a git repository: scanned every regular file below the directory")
    if key_note:
        run_notes.append(key_note)
    if trust_ref:
        run_notes.append(f"policy and trust root read from {trust_ref}")
    return runner.RunRequest(
        policy=policy,
        specs=specs,
        workspace=ws.current,
        repository_workspace=ws.whole,
        key=key,
        now=opts.now,
        baseline=baseline,
        waivers=waivers,
        approval_notes=notes,
        base_workspace=ws.base,
        base_ref=ws.base_commit or trust_ref,
        changed_files=_changed_files(ws),
        cache_root=cache,
        jobs=opts.jobs or (os.cpu_count() or 1),
        partial=bool(opts.files) or opts.diff is not None,
        debug=opts.debug,
        notes=tuple(run_notes),
    )


def _approvals(
    repo: Repo, policy: Policy, now: datetime, trust_ref: str | None
) -> tuple[tuple[Waiver, ...], tuple[ApprovalNote, ...]]:
    from gates.approvals import WAIVERS_DIR

    if not (repo.root / WAIVERS_DIR).is_dir():
        return (), ()  # nothing to verify: spare every commit the verifier's imports
    from gates.approvals.load import load_waivers

    approval_set = load_waivers(repo.root, policy, now, trust_ref=trust_ref)
    return approval_set.waivers, approval_set.notes


def head_commit(cwd: Path) -> str | None:
    """The commit being released (HEAD), for the evidence file; None outside git."""
    repo = find_repo(cwd)
    return git.rev_parse(repo.root, "HEAD") if repo.is_git else None


def run(opts: Options) -> RunResult:
    return runner.run(prepare(opts))
