"""Assembling a run: the I/O shell around the runner (repository, policy, files, key, trust root).

Everything the pure runner needs is read here: the repository root, the policy (from the trust ref
in CI), the workspace (tracked files, pre-commit names, or the `--diff` change and its base side),
the fingerprint key, the baseline and the verified approvals.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from gates import baseline as baseline_mod
from gates import (
    cache_sweep,
    clock,
    git,
    log,
    registry,
    root_commits,
    runner,
    tool_search,
    tool_timeouts,
    trust,
    workspace,
)
from gates import policy as policy_mod
from gates.atomic import write_bytes_atomic
from gates.errors import GateCannotRun, InvalidInput
from gates.fingerprint import FingerprintKey, derived_key
from gates.globs import GlobSet
from gates.model import ApprovalNote, Finding, GateError, RunResult, Waiver
from gates.policy import Policy
from gates.record import record
from gates.registry import GateSpec, Scope
from gates.safe_files import UnsafeFile, read_regular
from gates.trust_source import TrustSource

KEY_ENV = "RELEASE_GATES_FINGERPRINT_KEY"
_MIN_KEY_BYTES = 16


@record
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
    clock_source: str = clock.CALLER  # the CLI says clock.SYSTEM or clock.FLAG (`--now`)
    debug: bool = False
    jobs: int = 0  # 0: one per CPU
    allow_empty: bool = False  # zero files selected is an error unless the user says it is fine
    history: bool = False  # also scan every commit reachable from HEAD (gates.history)


@record
class Repo:
    root: Path
    is_git: bool
    head: git.Head | None = None  # HEAD when find_repo learnt it (None: unborn, or not asked)


def find_repo(cwd: Path) -> Repo:
    """The repository (or plain directory) a command works on. From here on no tool is taken
    from inside it (gates.tool_search): not even the git that says where it is."""
    worktree = tool_search.enclosing_worktree(cwd)
    around = [cwd] if worktree is None else [cwd, worktree]
    tool_search.confine(*around)
    found = git.locate(cwd)
    if found is None:
        return Repo(root=cwd.resolve(), is_git=False)
    tool_search.confine(*around, found[0])
    return Repo(root=found[0], is_git=True, head=found[1])


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
    if trust_ref is None:
        return policy_mod.load(repo.root, explicit, validate=validate, parse_cache=parse_cache)
    if not repo.is_git:
        raise InvalidInput(
            "--trust-ref",
            trust_ref,
            "this directory is not a git repository",
            "run inside the repository's clone (or drop --trust-ref)",
        )
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
    policy: Policy, wanted: Sequence[str], *, known_valid: Path | None = None, root: Path
) -> tuple[GateSpec, ...]:
    """The gates to run (`wanted`, else every installed one), after checking the policy with the
    same `check_policy` that `gates policy validate` uses.

    `known_valid` is a cache directory: a marker keyed by the policy's exact contents, our version
    and the gate schemas records a past success, so the common case (an unchanged policy) skips
    JSON Schema validation and its ~100 ms import on every commit.

    A run of built-in gates named with `--gate` (what the pre-commit hooks run) first looks for
    a marker keyed by the policy, our version and those ids alone, which needs neither the
    entry-point scan nor the other gates' modules: the built-in schemas are fixed by our version,
    and the gates not run cannot change this run's verdict. Any miss takes the full path, which
    writes both markers."""
    markers: list[tuple[Path, bytes]] = []
    quick = registry.load_built_in(wanted) if known_valid is not None else None
    if known_valid is not None and quick is not None:
        marker = _marker(known_valid, _quick_validity_key(policy, wanted))
        if marker is not None:
            if _marker_holds(*marker):
                return quick
            markers.append(marker)
    eps = registry.discover()
    installed = registry.available(eps)
    specs = registry.load(list(wanted) if wanted else None, eps)
    loaded = {s.id for s in specs}
    extra = [g for g in policy_mod.mentioned_gates(policy) if g in installed and g not in loaded]
    checked = (*specs, *registry.load(extra, eps))
    if known_valid is not None:
        marker = _marker(known_valid, _validity_key(policy, checked, installed))
        if marker is not None:
            if _marker_holds(*marker):
                for quick_marker in markers:  # the full check holds: so does the quick one
                    _write_marker(*quick_marker)
                return specs
            markers.append(marker)
    check_policy(policy, checked, installed, root)
    for marker in markers:
        _write_marker(*marker)
    return specs


def _marker(known_valid: Path, name: str) -> tuple[Path, bytes] | None:
    """Where a validity marker lives and what it must hold; None without a machine key.

    The marker holds an HMAC of its name under the machine key (gates.cachekey): a cache
    directory on a shared runner is writable by others, and a forged marker would let an
    invalid policy (a typo that disables a check) skip validation."""
    from gates.cachekey import machine_key, tag

    try:
        proof = tag(machine_key(), "valid-policy", name).encode()
    except (OSError, ValueError):  # no usable machine key: validate, as on a first run
        return None
    return known_valid / "valid-policies" / name, proof


def _write_marker(marker: Path, proof: bytes) -> None:
    # a marker we cannot write is a miss next run (validation again), never a pass
    with contextlib.suppress(OSError):
        write_bytes_atomic(marker, proof)


def _marker_holds(marker: Path, proof: bytes) -> bool:
    try:
        data = read_regular(marker, len(proof) + 1, str(marker))
    except (OSError, UnsafeFile):
        return False
    if not hmac.compare_digest(data, proof):
        return False
    cache_sweep.keep(marker)  # in use: not to be aged out
    return True


def check_policy(
    policy: Policy, specs: Sequence[GateSpec], installed: Sequence[str], root: Path
) -> None:
    """Everything about a policy that can be wrong before a gate runs: each file and the merged
    result against the schema, each gate section against its gate's schema and its gate's own
    check (regexes, files it names, sources), and the approvals and roles. One function, so
    `gates policy validate` reports every error `gates run` would."""
    policy_mod.validate_policy_layers(policy)
    policy_mod.validate_gates(policy, specs, installed)
    for spec in sorted(specs, key=lambda s: s.id):  # the same first error, however called
        if spec.check_config is None:
            continue
        base = policy_mod.settings(policy, spec)
        if base.enabled:
            spec.check_config(base.config, policy.source, root)
        for _pats, overlay in policy_mod.overlays(policy, spec.id):
            merged = policy_mod.settings(policy, spec, overlay)
            if merged.enabled:
                spec.check_config(merged.config, policy.source, root)
    if "approvals" in policy.document or "roles" in policy.document:
        from gates.approvals import config as approvals_config

        approvals_config.parse(policy.document, policy.source)


def _quick_validity_key(policy: Policy, gate_ids: Sequence[str]) -> str:
    from gates import __version__

    material = {
        "built-in gates": sorted(gate_ids),
        "version": __version__,
        "layers": [[label, doc] for label, doc in policy.layers],
    }
    return hashlib.sha256(policy_mod.canonical_json(material).encode()).hexdigest()


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


def validate_policy(policy: Policy, repo: Repo) -> None:
    """`gates policy validate|show`: `check_policy` for every installed gate, the
    fingerprint key it names, and its path globs against the tracked files (the checks `gates
    run` makes before scanning)."""
    eps = registry.discover()
    installed = registry.available(eps)
    mentioned = [g for g in policy_mod.mentioned_gates(policy) if g in installed]
    specs = list(registry.load(mentioned, eps))
    for gid in installed:  # the rest run with their defaults when `gates run` has no --gate
        if gid not in mentioned:
            try:
                specs += registry.load([gid], eps)
            except GateCannotRun:
                continue  # a broken plugin is `gates run`'s exit 3, not an error in this policy
    check_policy(policy, specs, installed, repo.root)
    fingerprint_key(repo, policy)
    if repo.is_git:
        files = workspace.tracked(repo.root, max_bytes=policy.max_file_bytes).files
        for spec in specs:
            if spec.scope is Scope.FILES and files:
                found = _unmatched_paths(policy, spec, files)
                if found is not None:
                    raise InvalidInput(found.file, found.field, found.problem, found.fix)


def fingerprint_key(
    repo: Repo, policy: Policy, *, cache: Path | None = None
) -> tuple[FingerprintKey, str | None]:
    """The HMAC key and, when it is a fallback, the note the report must carry. `cache` (the
    policy cache) keeps the fallback's root commit between runs (gates.root_commits)."""
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
    root_commit = root_commits.oldest(repo.root, cache, repo.head) if repo.is_git else None
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


def _age_cache(folder: Path) -> None:
    """Mark this repository's cache folder used, and sweep the cache home once a day (what no
    run used for the maximum age goes: gates.cache_sweep). Before the policy is read: a bad
    `RELEASE_GATES_CACHE_MAX_AGE_DAYS` is an error whatever the run would have done."""
    import time

    max_age = cache_sweep.max_age_days(os.environ)
    now = time.time()
    cache_sweep.mark_used(folder, now=now)
    swept = cache_sweep.sweep_if_due(folder.parent, now=now, max_age=max_age)
    if swept is not None and log.verbose():
        log.get().debug("cache_swept", folders=swept.folders, files=swept.files)


@record
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


@record
class _Empty:
    """Why nothing (or a policy glob's nothing) would be scanned."""

    file: str
    field: str
    problem: str
    fix: str


def require_coverage(
    ws: Workspaces,
    opts: Options,
    policy: Policy,
    specs: Sequence[GateSpec],
    *,
    history_revs: tuple[str, ...] = (),
) -> str | None:
    """Fail closed on an empty selection: zero files is a mistake (a wrong path, a glob typo, a
    repository without commits), never a pass. Returns a note for the report when the selection
    is legitimately empty (a change that only deletes files, or whose commits cancel out: their
    added lines are still scanned) or `--allow-empty` accepted it."""
    if ws.changes is not None and ws.changes and not ws.current.files:
        return "the change only deletes files: no changed file to scan"
    if ws.changes is not None and not ws.changes and history_revs:
        commits = git.count_commits(ws.current.root, history_revs[0])
        if commits:
            return (
                f"the working tree equals the merge base, but its {commits} commit(s) are "
                "scanned for secrets and card numbers (git history)"
            )
    empty = _emptiness(ws, opts, policy, specs)
    if empty is None:
        return None
    if opts.allow_empty:
        return f"{empty.problem}; --allow-empty accepted it"
    raise InvalidInput(empty.file, empty.field, empty.problem, empty.fix)


def _emptiness(
    ws: Workspaces, opts: Options, policy: Policy, specs: Sequence[GateSpec]
) -> _Empty | None:
    current = ws.current
    if ws.changes is not None and not ws.changes:
        return _Empty(
            file="--diff",
            field=str(opts.diff),
            problem="the working tree equals the merge base: no change to review",
            fix="commit the change first, or pass --allow-empty",
        )
    if not current.files and not current.skipped:
        if ws.named:
            problem = "none of the named paths holds a file to scan"
        elif current.is_git:
            problem = "the repository tracks no files (no commit or `git add` yet?)"
        else:
            problem = "the directory holds no regular files"
        return _Empty(
            file="gates run",
            field="files",
            problem=problem,
            fix="name existing files, add files to the repository, or pass --allow-empty",
        )
    if not any(s.scope is Scope.FILES for s in specs) or not current.files:
        return None
    if all(policy.exclude.matches(p) for p in current.files):
        return _Empty(
            file=policy.source,
            field="$.exclude",
            problem=f"excludes every one of the {len(current.files)} selected files",
            fix="narrow the exclude globs",
        )
    whole = ws.whole.files if ws.whole is not None else () if ws.named else current.files
    for spec in specs:
        if spec.scope is Scope.FILES and whole:
            found = _unmatched_paths(policy, spec, whole)
            if found is not None:
                return found
    return None


def _unmatched_paths(policy: Policy, spec: GateSpec, files: Sequence[str]) -> _Empty | None:
    """A gate's `paths` (or an override's) that match no tracked file: a typo that would scan
    nothing while the report says PASS."""
    fix = "fix the glob (repo-relative; `**` spans directories; a name without / matches anywhere)"
    gs = policy_mod.settings(policy, spec)
    if gs.enabled and gs.include and not any(gs.include.matches(p) for p in files):
        return _Empty(
            file=policy.source,
            field=f"$.gates.{spec.id}.paths",
            problem=f"matches none of the {len(files)} tracked files, so {spec.id} would scan nothing",
            fix=fix,
        )
    for i, ov in enumerate(policy.document.get("overrides", ())):
        if spec.id in ov.get("gates", {}):
            pats = GlobSet.of(ov.get("paths", ()))
            if not any(pats.matches(p) for p in files):
                return _Empty(
                    file=policy.source,
                    field=f"$.overrides[{i}].paths",
                    problem=f"matches none of the {len(files)} tracked files",
                    fix=fix,
                )
    return None


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
    trust_ref = default_trust_ref(opts.trust_ref)
    # The policy caches (parsed files, validity markers) are keyed by the policy's exact text
    # and authenticated, so they cannot change a verdict: they stay on under --no-cache, which
    # is about the warm result cache (findings), and spare each run the YAML parser and the
    # ~100 ms JSON Schema import.
    policy_cache = cache_root(repo)
    _age_cache(policy_cache)
    cache = policy_cache if opts.use_cache else None
    policy = load_policy(repo, opts.policy, trust_ref, validate=False, parse_cache=policy_cache)
    tool_timeouts.apply_policy(policy.section("tool_timeouts"))
    run_clock = clock.Clock(now=opts.now, source=opts.clock_source)
    clock.check(
        run_clock,
        policy.document,
        ci=clock.under_ci(),
        trust_commit_time=git.commit_time(repo.root, trust_ref) if trust_ref else None,
        trust_ref=trust_ref,
    )
    specs = select_specs(policy, opts.gates, known_valid=policy_cache, root=repo.root)
    key, key_note = fingerprint_key(repo, policy, cache=policy_cache)
    whole_needed = any(s.scope is Scope.REPOSITORY for s in specs)
    ws = build_workspaces(repo, opts, policy.max_file_bytes, whole_needed=whole_needed)
    history_revs = _history_revs(repo, opts, ws)
    coverage_note = require_coverage(ws, opts, policy, specs, history_revs=history_revs)
    baseline_rel = _baseline_path(repo, opts.baseline)
    baseline = _load_baseline(repo, baseline_rel, trust_ref)
    compared_with = _change_base(repo, trust_ref) or ws.base_commit
    trust_findings: tuple[Finding, ...] = ()
    cleared_by = None
    if compared_with is not None:
        files = trust.trust_files(
            policy.document,
            policy.sources,
            baseline=baseline_rel,
            explicit_policy=_repo_relative_policy(repo, opts.policy),
        )
        changed = trust.changes(
            files, TrustSource(root=repo.root, ref=compared_with), TrustSource(root=repo.root)
        )
        trust_findings = trust.findings(changed, trust_ref or f"the merge base with {opts.diff}")
        if trust_findings:
            cleared_by = _valid_signoff(repo, policy, opts.now, trust_ref)
    waivers, notes = _approvals(repo, policy, opts.now, trust_ref)
    history_findings: tuple[Finding, ...] = ()
    history_errors: tuple[GateError, ...] = ()
    if history_revs:
        from gates.history import collect

        try:
            history_findings = collect.findings(
                repo.root, history_revs, collect.scanners_for(policy, specs, key)
            )
        except GateCannotRun as exc:
            # As the runner records a gate that cannot run: the run errors (exit 3) and the
            # gates that did run still report.
            history_errors = (collect.error(exc),)
    run_notes = []
    if not repo.is_git:
        run_notes.append("not a git repository: scanned every regular file below the directory")
    if key_note:
        run_notes.append(key_note)
    if trust_ref:
        run_notes.append(
            f"policy, signers and baseline read from {trust_ref}; trust files compared with it"
        )
    elif compared_with:
        run_notes.append(
            f"no trust ref: the policy and baseline come from the working tree; trust files "
            f"compared with the merge base {compared_with[:12]}"
        )
    if coverage_note:
        run_notes.append(coverage_note)
    if history_revs:
        run_notes.append(f"git history scanned for secrets and card numbers: {history_revs[0]}")
    return runner.RunRequest(
        policy=policy,
        specs=specs,
        workspace=ws.current,
        repository_workspace=ws.whole,
        key=key,
        now=opts.now,
        clock_source=opts.clock_source,
        baseline=baseline,
        waivers=waivers,
        approval_notes=notes,
        trust_findings=trust_findings,
        trust_cleared_by=cleared_by,
        trust_checked=compared_with is not None,
        history_findings=history_findings,
        history_errors=history_errors,
        base_workspace=ws.base,
        base_ref=ws.base_commit or trust_ref,
        changed_files=_changed_files(ws),
        cache_root=cache,
        jobs=opts.jobs or (os.cpu_count() or 1),
        partial=bool(opts.files) or opts.diff is not None,
        debug=opts.debug,
        notes=tuple(run_notes),
    )


def _history_revs(repo: Repo, opts: Options, ws: Workspaces) -> tuple[str, ...]:
    """The commits whose added lines the history scan reads: every commit reachable from HEAD
    with `--history`, the change's commits (`merge-base..HEAD`) with `--diff`, else none."""
    if opts.history and not repo.is_git:
        raise InvalidInput(
            "--history", "", "this directory is not a git repository", "drop --history"
        )
    if opts.files or not repo.is_git or git.rev_parse(repo.root, "HEAD") is None:
        if opts.history and opts.files:
            raise InvalidInput(
                "--history", "", "cannot be combined with file names", "drop the file names"
            )
        return ()
    if opts.history:
        return ("HEAD",)
    if ws.base_commit is not None:
        return (f"{ws.base_commit}..HEAD",)
    return ()


_BASELINE_FIX = (
    "make the baseline a regular JSON file inside the repository (gates baseline create)"
)


def _baseline_path(repo: Repo, given: str | None) -> str:
    """The baseline's repo-relative path: a baseline can relax the verdict, so it must live in
    the repository (where the trust ref governs it), never in a file the runner happens to have."""
    label = given or baseline_mod.DEFAULT_PATH
    full = Path(label) if Path(label).is_absolute() else repo.root / label
    rel = _relative_to(repo.root, full)
    if rel is None:
        raise InvalidInput(
            "--baseline", label, "the baseline lies outside the repository", _BASELINE_FIX
        )
    return rel


def _relative_to(root: Path, full: Path) -> str | None:
    """`full` as a repo-relative POSIX path (directories resolved, the file itself not)."""
    parent = full.parent.resolve()
    if not parent.is_relative_to(root):
        return None
    rel = (parent / full.name).relative_to(root)
    return rel.as_posix() if rel.parts and ".." not in rel.parts else None


def _repo_relative_policy(repo: Repo, explicit: str | None) -> str | None:
    if explicit is None or explicit in policy_mod.SHIPPED:
        return None
    full = Path(explicit) if Path(explicit).is_absolute() else Path.cwd() / explicit
    return _relative_to(repo.root, full)


def _load_baseline(repo: Repo, rel: str, trust_ref: str | None) -> baseline_mod.Baseline:
    """The baseline as the trust ref has it (in CI), else the working tree's."""
    source = TrustSource(root=repo.root, ref=trust_ref)
    data = source.read(rel, baseline_mod.MAX_BYTES, _BASELINE_FIX)
    if data is None:
        return baseline_mod.Baseline()
    return baseline_mod.parse(data, source.label(rel))


def _change_base(repo: Repo, trust_ref: str | None) -> str | None:
    """What the change started from: the merge base of HEAD with the trust ref. A trust file the
    change did not touch equals its version there, even when the base branch has moved on since
    (the gates read the trust ref's newer version anyway, so nothing is relaxed)."""
    if trust_ref is None:
        return None
    if git.rev_parse(repo.root, "HEAD") is None:
        return trust_ref
    return git.merge_base(repo.root, trust_ref, "HEAD") or trust_ref


def _valid_signoff(repo: Repo, policy: Policy, now: datetime, trust_ref: str | None) -> str | None:
    """The id of a valid sign-off for the current tree (it binds the trust files' contents too),
    or None: only a sign-off clears `trust.changed`."""
    from gates.checks.signoff.clearance import valid_signoff

    return valid_signoff(repo.root, policy, now, trust_ref if repo.is_git else None)


def _approvals(
    repo: Repo, policy: Policy, now: datetime, trust_ref: str | None
) -> tuple[tuple[Waiver, ...], tuple[ApprovalNote, ...]]:
    from gates.approvals import WAIVERS_DIR

    if not (repo.root / WAIVERS_DIR).is_dir():
        return (), ()  # nothing to verify: spare every commit the verifier's imports
    from gates.approvals.load import load_waivers

    approval_set = load_waivers(repo.root, policy, now, trust_ref=trust_ref)
    return approval_set.waivers, approval_set.notes


def tree_state(ws: workspace.Workspace) -> str:
    """ "dirty" when tracked files differ from HEAD (what was scanned is not the commit)."""
    if not ws.is_git:
        return "not a git repository"
    return "dirty" if git.dirty(ws.root) else "clean"


def head_commit(cwd: Path) -> str | None:
    """The commit being released (HEAD), for the evidence file; None outside git."""
    repo = find_repo(cwd)
    return git.rev_parse(repo.root, "HEAD") if repo.is_git else None


def run(opts: Options) -> RunResult:
    return runner.run(prepare(opts))
