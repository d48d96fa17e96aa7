"""Running the sast gate: cache lookups, one semgrep and the bandit processes, findings out.

semgrep runs our packs (policies/semgrep/), the local rule files and, when the plan says so
(bandit_pack.plan: `bandit.engine`), the pack of bandit's checks (policies/semgrep-bandit/);
bandit starts for the enabled tests the plan leaves to it, or not at all, and is given only the
Python files where one of those tests can fire (bandit_triggers.py); the others must parse."""

from __future__ import annotations

import ast
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from importlib.metadata import version
from importlib.resources import as_file, files
from pathlib import Path

from gates import budget, log
from gates._proc import resolve_executable
from gates.checks.result_cache import (
    ResultCache,
    canonical_json,
    digest,
    rejected_finding,
    scan_through,
)
from gates.checks.sast import (
    bandit,
    bandit_install,
    bandit_pack,
    bandit_triggers,
    preconditions,
    semgrep,
    targets,
)
from gates.checks.sast.catalog import BUNDLED_PROOFS
from gates.checks.sast.config import SastConfig, parse
from gates.checks.sast.hits import ToolHit
from gates.checks.sast.merge import Proof, merge
from gates.checks.sast.rule_files import SUPPORTED_MODES, load, unsupported
from gates.checks.sast.suppressions import requests_for
from gates.errors import GateCannotRun, InvalidInput
from gates.extras import require
from gates.fingerprint import fingerprint
from gates.model import Finding, Location
from gates.record import record
from gates.registry import GateContext
from gates.textlines import lines_of

GATE_ID = "sast"
ENGINE_VERSION = "sast-engine-5"  # bump when result handling or the engine changes: drops the cache
_LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){11,}")
_OPAQUE = re.compile(r"[A-Za-z0-9+/=_.-]{20,}")
_BATCH_BYTES = 8 << 20  # source text read at once for the cache keys


def _opaque(match: re.Match[str]) -> str:
    token = match.group(0)
    looks_random = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    return "<redacted>" if looks_random else token


def redact(line: str) -> str:
    """A code line safe to show and to hash: long digit runs (card numbers) and long opaque
    tokens (keys: letters and digits, 20+ characters) replaced, so a plain fingerprint of the
    line cannot be brute-forced back to a secret and a snippet never shows one."""
    return _OPAQUE.sub(_opaque, _LONG_DIGITS.sub("<digits>", line))


def bundled_rule_files() -> list[str]:
    """Names of the bundled rule pack files (policies/semgrep/*.yaml, shipped as package data)."""
    pack = files("gates") / "policies" / "semgrep"
    return sorted(e.name for e in pack.iterdir() if e.is_file() and e.name.endswith(".yaml"))


def _bandit_pack(stack: ExitStack) -> tuple[Path, dict[str, bandit_pack.PackRule]]:
    """The pack of bandit's checks as semgrep rules (a file path) and what its rules stand for."""
    resource = files("gates") / "policies" / bandit_pack.FOLDER / bandit_pack.FILE
    path = stack.enter_context(as_file(resource))
    try:
        return path, bandit_pack.load(path)
    except (OSError, ValueError) as exc:
        raise GateCannotRun(
            GATE_ID,
            f"the bundled semgrep pack of bandit's checks is missing or broken ({exc})",
            "reinstall release-gates, or set gates.sast.bandit.engine: bandit",
        ) from None


def _needs_pack(cfg: SastConfig) -> bool:
    return cfg.bandit and cfg.bandit_engine != "bandit"


def plan_for(cfg: SastConfig) -> bandit_pack.Plan:
    """Who runs the policy's bandit tests: the bundled pack, a bandit process, or both."""
    return bandit_pack.plan(cfg, bandit_pack.COVERED if _needs_pack(cfg) else frozenset())


_PREFILTER_MIN_FILES = 16  # bandit parses ~10 ms a file: below this, deciding costs more


def _prefilter(cfg: SastConfig, plan: bandit_pack.Plan) -> bandit_triggers.Prefilter | None:
    """Which Python files bandit must see (bandit_triggers.py), or None: all of them."""
    if not plan.runs_bandit:
        return None
    tests = bandit_pack.enabled_tests(cfg) if plan.bandit_tests is None else plan.bandit_tests
    facts = bandit_install.facts(resolve_executable("bandit"))
    return bandit_triggers.prefilter(facts, tests, cfg.min_confidence)


def syntax_error(text: str) -> str | None:
    """Why Python cannot parse `text` (a UTF-8 file, decoded), or None. For the files the
    prefilter keeps from bandit, which would have reported the same. ~1 s for the stripe sdist's
    15 MB, a fraction of what bandit spends on them."""
    try:
        ast.parse(text.removeprefix("\ufeff"))  # bandit parses the bytes: a BOM is allowed
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes (Python < 3.12)
        return f"{type(exc).__name__}: {exc}"
    return None


def _local_rules(ctx: GateContext, cfg: SastConfig) -> list[Path]:
    sources = ctx.policy.sources
    return local_rule_paths(ctx.workspace.root, cfg, sources[-1] if sources else "policy")


def local_rule_paths(root: Path, cfg: SastConfig, source: str) -> list[Path]:
    """The policy's extra rule files, each a regular file inside the repository."""
    root = root.resolve()
    out = []
    for i, rel in enumerate(cfg.local_rules):
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise InvalidInput(
                source,
                f"$.gates.sast.semgrep.rules[{i}]",
                f"{rel} is not a file inside the repository",
                "give a repo-relative path to an existing .yaml rule file",
            )
        out.append(path)
    return out


def _exe_identity(name: str) -> str:
    exe = resolve_executable(name)
    if exe is None:
        return f"{name}:missing"
    st = os.stat(exe)
    return f"{exe}:{st.st_size}:{st.st_mtime_ns}"


def _namespace(cfg: SastConfig, rule_files: Sequence[Path], plan: bandit_pack.Plan) -> str:
    """The cache namespace: the config (with bandit.engine), every rule file's content, and the
    identity of each tool that runs (bandit only when it starts, with the tests it runs)."""
    rules = [f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in rule_files]
    tests = "all" if plan.bandit_tests is None else ",".join(plan.bandit_tests)
    return digest(
        ENGINE_VERSION,
        canonical_json(asdict(cfg)),
        *rules,
        f"semgrep {version('semgrep')} {_exe_identity('semgrep')}" if rule_files else "",
        f"bandit {version('bandit')} {_exe_identity('bandit')} tests={tests}"
        if plan.runs_bandit
        else "bandit: not started",
    )


def _scan(
    ctx: GateContext,
    cfg: SastConfig,
    rule_files: Sequence[Path],
    plan: bandit_pack.Plan,
    todo: Sequence[str],
    to_bandit: set[str] | None,
    split: _Split | None = None,
    conditional: set[str] | None = None,
) -> list[ToolHit]:
    """`to_bandit`: the Python files bandit must see (None: all of them); `conditional`: the
    files the split's rules must see."""
    python = [p for p in todo if p.endswith(".py") and (to_bandit is None or p in to_bandit)]
    # semgrep sees only the files some rule can match, and does not start when there are none
    sg_files = targets.semgrep_targets(todo, targets.rule_languages(rule_files))
    # Past ONE_AT_A_TIME_BYTES both tools keep every core busy alone: bandit waits for semgrep
    # (the pool's one thread takes them in turn), so memory holds one tool's processes.
    at_once = 1 if sum(ctx.workspace.sizes(todo)) >= budget.ONE_AT_A_TIME_BYTES else 2
    with ctx.workspace.on_disk(todo) as root, ThreadPoolExecutor(at_once) as pool:
        sg = (
            pool.submit(
                _semgrep, root, rule_files, sg_files, cfg, ctx.jobs, split, conditional or set()
            )
            if rule_files and sg_files
            else None
        )
        bd = (
            pool.submit(bandit.run, root, python, cfg, jobs=ctx.jobs, tests=plan.bandit_tests)
            if plan.runs_bandit and python
            else None
        )
        # Both are waited for; the first failure (semgrep's first) is raised.
        results = [f.result() for f in (sg, bd) if f is not None]
    return [hit for part in results for hit in part]


@record
class _Split:
    """The bundled rules run only on the files their precondition holds in (preconditions.py):
    `rules`, from `files` (the bundled rule files holding them), with `others` (the rest of those
    files' rules) left out of that run and `rules` left out of the main one."""

    rules: frozenset[str]
    files: tuple[Path, ...]
    others: tuple[str, ...]


def _split(bundled: Sequence[Path], rule_files: Sequence[Path], cfg: SastConfig) -> _Split | None:
    """None when every rule runs on every file: no bundled rule with a precondition is enabled,
    or another rule file uses such an id (its rule would be left out of the main run)."""
    bundled_set = set(bundled)
    ids = {
        path: [str(r.get("id")) for r in load(path) or () if isinstance(r, dict)]
        for path in rule_files
    }
    if any(
        i in preconditions.REQUIRES
        for p, found in ids.items()
        if p not in bundled_set
        for i in found
    ):
        return None
    rules = frozenset(
        i
        for p in bundled
        for i in ids[p]
        if i in preconditions.REQUIRES and i not in cfg.exclude_rules
    )
    holding = tuple(p for p in bundled if rules.intersection(ids[p]))
    if not rules or not holding:
        return None
    others = tuple(sorted({i for p in holding for i in ids[p]} - rules))
    return _Split(rules=rules, files=holding, others=others)


# The split's second pass costs a semgrep start (~0.5 s of CPU); the taint rules' analysis costs
# ~8 ms a Python file (stripe sdist: 14 s for 1,728 files). Below this many files spared, one pass.
_SPLIT_MIN_SPARED = 100


def _semgrep(
    root: Path,
    rule_files: Sequence[Path],
    files: Sequence[str],
    cfg: SastConfig,
    jobs: int,
    split: _Split | None,
    conditional: set[str],
) -> list[ToolHit]:
    """semgrep over `files`; with a split, the rules with a precondition in a second pass over
    just the files it holds in (`conditional`), its processes beside the first pass's."""
    some = [f for f in files if f in conditional] if split is not None else []
    if some and len(files) - len(some) < _SPLIT_MIN_SPARED:
        split = None  # a second semgrep start would cost more than the analysis it spares
    exclude = tuple(cfg.exclude_rules) + (tuple(sorted(split.rules)) if split else ())
    passes = [semgrep.Pass(rule_files=tuple(rule_files), files=tuple(files), exclude_rules=exclude)]
    if split is not None and some:
        passes.append(
            semgrep.Pass(
                rule_files=split.files,
                files=tuple(some),
                exclude_rules=(*cfg.exclude_rules, *split.others),
            )
        )
    return semgrep.run(
        root, passes, jobs=jobs, timeout_per_file=cfg.timeout_per_file, timeout_s=cfg.tool_timeout
    )


def _refuse_unsupported(rule_files: Sequence[Path], root: Path) -> None:
    """A rule semgrep's OCaml CLI would skip without a word (rule_files.py) is a gate error."""
    found = unsupported(rule_files)
    if found:
        path, rule, mode = found[0]
        root = root.resolve()
        where = path.relative_to(root) if path.is_relative_to(root) else path.name
        raise GateCannotRun(
            GATE_ID,
            f"semgrep rule {rule} in {where} has mode {mode}, which the engine the gate runs "
            "skips without reporting it",
            f"rewrite it as a {', '.join(sorted(SUPPORTED_MODES))} rule, or remove it",
        )


def _proof(hit: ToolHit) -> Proof:
    if hit.rule not in BUNDLED_PROOFS:
        raise GateCannotRun(
            GATE_ID,
            f"semgrep rule {hit.rule.removeprefix('sast.')} declares release-gates proves-safe, "
            "which only the bundled proof rules may",
            "remove the release-gates metadata from the local rule file",
        )
    return Proof.of(hit)


def to_finding(hit: ToolHit, lines: Sequence[str]) -> Finding:
    first = redact(lines[hit.line - 1]) if 0 < hit.line <= len(lines) else ""
    requests = requests_for(lines, hit.line, hit.end_line, previous_line=hit.tool == "semgrep")
    return Finding(
        gate=GATE_ID,
        rule=hit.rule,
        severity=hit.severity,
        message=redact(hit.message),
        location=Location(
            path=hit.path,
            line=hit.line,
            column=hit.column,
            end_line=hit.end_line,
            end_column=hit.end_column,
        ),
        fingerprint=fingerprint(GATE_ID, hit.rule, hit.path, first),
        snippet=first.strip()[:200],
        properties=(("tool", hit.tool), *((k, v) for k, v in hit.properties if v)),
        suppression_requests=requests,
    )


def engines(cfg: SastConfig, plan: bandit_pack.Plan | None = None) -> tuple[str, ...]:
    """The Python packages the tools that run come from (the `sast` extra): semgrep for our
    rules and for the bandit checks its pack covers, bandit only when its process starts."""
    plan = plan_for(cfg) if plan is None else plan
    return (
        *(("semgrep",) if cfg.semgrep or plan.use_pack else ()),
        *(("bandit",) if plan.runs_bandit else ()),
    )


def _refuse_impersonators(local: Sequence[Path], rules: dict[str, bandit_pack.PackRule]) -> None:
    found = bandit_pack.impersonators(local, rules)
    if found:
        path, rule = found[0]
        raise GateCannotRun(
            GATE_ID,
            f"local semgrep rule {rule} in {path.name} has the id of a bundled rule for bandit's "
            "checks, so its hits would be reported as bandit's",
            "rename the local rule",
        )


def run(ctx: GateContext) -> Iterator[Finding]:
    cfg = parse(ctx.config, source=ctx.policy.sources[-1] if ctx.policy.sources else "policy")
    with ExitStack() as stack:
        plan = plan_for(cfg)
        # the pack is read only when it runs: a missing one cannot stop a run that needs none
        pack_file, pack_rules = _bandit_pack(stack) if plan.use_pack else (None, {})
        require(GATE_ID, "sast", engines(cfg, plan))
        if not ctx.files:
            raise GateCannotRun(GATE_ID, "no files to scan", "check the gate's paths/exclude")
        pack = files("gates") / "policies" / "semgrep"
        bundled = [stack.enter_context(as_file(pack / name)) for name in bundled_rule_files()]
        if cfg.semgrep and not bundled:
            raise GateCannotRun(
                GATE_ID, "the bundled semgrep rule pack is missing", "reinstall release-gates"
            )
        local = _local_rules(ctx, cfg) if cfg.semgrep else []
        _refuse_impersonators(local, pack_rules)
        rule_files = [
            *(bundled if cfg.semgrep else ()),
            *((pack_file,) if plan.use_pack and pack_file is not None else ()),
            *local,
        ]
        _refuse_unsupported(rule_files, ctx.workspace.root)
        split = _split(bundled, rule_files, cfg) if cfg.semgrep else None
        # Deciding costs ~60 ms (bandit's data read, the patterns compiled): a few files (a
        # pre-commit call) go to bandit as they are, and the prefilter is built for the first
        # file to decide, never when every file's results come from the cache.
        few = sum(p.endswith(".py") for p in ctx.files) < _PREFILTER_MIN_FILES
        prefilter: bandit_triggers.Prefilter | None = None
        cache = (
            ResultCache.open(
                ctx.cache_dir,
                gate=GATE_ID,
                policy_digest=ctx.policy.digest,
                namespace=_namespace(cfg, rule_files, plan),
                files=len(ctx.files),
            )
            if ctx.cache_dir is not None
            else None
        )

        def read(path: str) -> tuple[bytes, str]:
            data = ctx.workspace.read_bytes(path)
            return data, data.decode("utf-8", "replace")

        # Only the keys are kept while the tools run: a large repository's sources (and their
        # lines) must not all stay in memory (on 16 copies of the stripe sdist they were most of
        # a 1.8 GiB peak), nor be read all at once: freed text leaves the process's heap as
        # large as it grew (266 MiB at 16x). A file with hits is read again for its snippets.
        findings: list[Finding] = []
        rejected: list[str] = []
        keys: dict[str, str] = {}
        # The files bandit must see, decided on the text already read for the cache keys; the
        # others must still parse, as bandit would have said (a file it cannot parse is an error).
        # None: every Python file (a few files, or bandit's facts unknown).
        to_bandit: set[str] | None = None if few else set()
        conditional: set[str] = set()  # the files the split's rules must see
        unparsable: list[tuple[str, str]] = []
        for batch in budget.runs_within(ctx.files, ctx.workspace.sizes(ctx.files), _BATCH_BYTES):
            cached, pending, batch_rejected = scan_through(cache, batch, read)
            findings += cached
            rejected += batch_rejected
            for path, (key, text) in pending.items():
                keys[path] = key
                if split is not None and preconditions.needed(text, split.rules):
                    conditional.add(path)
                if to_bandit is None or not path.endswith(".py"):
                    continue
                if prefilter is None:
                    prefilter = _prefilter(cfg, plan)
                    if prefilter is None:
                        to_bandit = None
                        continue
                if prefilter.sends(text):
                    to_bandit.add(path)
                elif (problem := syntax_error(text)) is not None:
                    unparsable.append((path, problem))
            del pending
        if unparsable:
            raise GateCannotRun(
                GATE_ID,
                f"bandit could not check {len(unparsable)} file(s), e.g. {unparsable[0][0]}: "
                f"{unparsable[0][1]}",
                "fix the file (bandit parses it as Python 3) or exclude it in the policy",
            )
        todo = list(keys)
        if prefilter is not None and to_bandit is not None and log.verbose():
            python = sum(p.endswith(".py") for p in todo)
            log.get().info(
                "bandit_prefilter", python_files=python, sent=len(to_bandit),
                proved_silent=python - len(to_bandit), tests=len(prefilter.tests),
            )  # fmt: skip
        hits = (
            _scan(ctx, cfg, rule_files, plan, todo, to_bandit, split, conditional) if todo else []
        )
        if plan.use_pack:
            hits = bandit_pack.as_bandit(hits, pack_rules, cfg)
    texts: dict[str, str] = {}

    def text_of(path: str) -> str:
        if path not in texts:
            texts[path] = read(path)[1]
        return texts[path]

    lines: dict[str, list[str]] = {}
    by_path: dict[str, list[Finding]] = {p: [] for p in todo}
    proofs = [_proof(h) for h in hits if h.proves_safe]
    for hit in merge((h for h in hits if not h.proves_safe), proofs):
        if hit.path not in by_path:
            raise GateCannotRun(
                GATE_ID,
                f"{hit.tool} reported a file it was not given: {hit.path}",
                "report this as a bug in release-gates",
            )
        if hit.path not in lines:
            lines[hit.path] = lines_of(text_of(hit.path))
        by_path[hit.path].append(to_finding(hit, lines[hit.path]))
    for path, found in by_path.items():
        if cache is not None:
            found = list(cache.put(keys[path], found, text_of(path) if found else ""))
        findings.extend(found)
    if cache is not None:
        cache.flush()  # the files stored without findings, as one clean set
    findings.extend(rejected_finding(GATE_ID, path) for path in rejected)
    return iter(sorted(findings, key=Finding.sort_key))
