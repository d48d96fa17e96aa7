"""Running semgrep offline over many files (a bounded amount of source per single-threaded
process, up to `jobs` side by side: `batches`, `run`), and reading its JSON strictly.

`semgrep scan --experimental --metrics=off --disable-version-check --json --disable-nosem
--no-rewrite-rule-ids --config <each rule file> -- <files>` with SEMGREP_ENABLE_VERSION_CHECK=0
and SEMGREP_SEND_METRICS=off: only local rule files are ever passed, so nothing needs the network.

`--experimental` runs semgrep's OCaml CLI (osemgrep, the semgrep-core binary) instead of the
Python one it otherwise falls back to: one file costs 0.3 s of CPU instead of 2 s (Python start-up,
imports and a JSON-schema check of the rules before semgrep-core even starts), for the same
findings on our pack and corpora (tests/test_sast_engine.py runs both). The flag is documented
(`semgrep scan --help`) and goes through the same `semgrep` entry point we resolve, which finds
semgrep-core wherever the package put it; calling semgrep-core under the name `osemgrep` would
save ~40 ms but depends on an internal argv[0] dispatch and still needs the flag. The OCaml CLI
refuses YAML anchors/aliases in rule files (a rule parse error: a gate error) and skips
`mode: join` rules silently, so gate.py refuses those before starting it (rule_files.py).

Anything unexpected is GateCannotRun naming the fix: a non-zero exit, unparsable or wrongly shaped
JSON, skipped rules, a requested Python file missing from `paths.scanned`, and every `errors`
entry except one documented benign kind, `PartialParsing` at level `warn`: semgrep recovered from
a syntax error and matched the rest of the file (bandit, which parses the same file, reports
the syntax error itself when it runs; for a file the gate keeps from bandit, gate.py parses it).

A rule whose metadata has `release-gates: {proves-safe: [...], unless: [...]}` is a proof rule
(policies/semgrep/proofs.yaml): its hits carry those lists and are never reported (gate.py).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gates._proc import argv_batches, run_tool
from gates.budget import runs_within
from gates.checks.sast.hits import ToolHit
from gates.errors import GateCannotRun
from gates.extras import install_command
from gates.model import Severity
from gates.record import record

GATE = "sast"
INSTALL = install_command("sast")  # semgrep comes with the sast extra
ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
_BENIGN = frozenset({("PartialParsing", "warn")})
_SEVERITY = {"ERROR": Severity.HIGH, "WARNING": Severity.MEDIUM, "INFO": Severity.LOW}
# Source bytes one semgrep-core process is given. Its memory grows with what it has scanned and
# is not given back until it exits (peak RSS on the stripe sources: 108 MiB for one file, 199 MiB
# for 4.8 MB, 489 MiB for 18 MB, 645-668 MiB for 58 MB), while starting one costs 0.2-0.3 s of
# CPU: a large repository is scanned by several processes. Up to `jobs` run at once, each on half
# the 4 MiB one process was given when they ran one after another; each starts at ~100 MiB, so
# two hold more than one did (semgrep-core at the peak of 16x stripe: 235 against 147 MiB of PSS,
# for 218 against 343 s; bench/README.md).
TARGET_BYTES = 2 << 20
# A repository smaller than `jobs` of these is one process: a start costs more than it shares.
MIN_SHARE_BYTES = 512 << 10


def argv(
    rule_files: Sequence[Path],
    files: Sequence[str],
    *,
    jobs: int,
    timeout_per_file: int,
    exclude_rules: Sequence[str] = (),
) -> list[str]:
    out = [
        "semgrep", "scan", "--experimental", "--metrics=off", "--disable-version-check", "--json",
        "--quiet", "--disable-nosem", "--no-rewrite-rule-ids", "--oss-only", "--no-git-ignore",
        "--x-ignore-semgrepignore-files", f"--jobs={max(1, jobs)}",
        f"--timeout={timeout_per_file}", "--timeout-threshold=0", "--max-target-bytes=0",
    ]  # fmt: skip
    for rule_file in rule_files:
        out.append(f"--config={rule_file}")
    for rule in exclude_rules:
        out.append(f"--exclude-rule={rule}")
    return [*out, "--", *files]


def _fail(reason: str, fix: str) -> GateCannotRun:
    return GateCannotRun(GATE, f"semgrep {reason}", fix)


def _error_summary(errors: list[Any]) -> str:
    parts = []
    for err in errors[:3]:
        if isinstance(err, dict):
            kind = err.get("type")
            kind = kind[0] if isinstance(kind, list) and kind else kind
            where = err.get("path") or ""
            # The OCaml CLI puts the reason on the message's second line ("Rule parse error in
            # rule x:\n Expected a list for pattern-either"): keep every line, whitespace folded.
            message = " ".join(str(err.get("message") or err.get("long_msg") or "").split())[:240]
            parts.append(f"{kind} {where} {message}".strip())
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts)[:600] + more


def parse(
    stdout: bytes, requested: Sequence[str], returncode: int, stderr: str = ""
) -> list[ToolHit]:
    """semgrep's JSON as ToolHits; raises GateCannotRun on anything unexpected."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        if returncode != 0:
            raise _fail(
                f"exited with code {returncode}: {stderr or 'no error output'}",
                "run semgrep by hand with the same files to see the problem",
            ) from None
        raise _fail(
            f"printed output that is not JSON (exit code {returncode}): {stdout[:120]!r}",
            "run semgrep by hand; reinstall it if it is broken",
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise _fail("JSON has no results list", "use the semgrep version release-gates supports")
    errors = doc.get("errors")
    if not isinstance(errors, list):
        raise _fail("JSON has no errors list", "use the semgrep version release-gates supports")
    fatal = [e for e in errors if not _benign(e)]
    if fatal or returncode != 0:
        raise _fail(
            f"reported errors (exit code {returncode}): {_error_summary(fatal) or 'none listed'}",
            "fix the rule or file named (syntax errors: fix or exclude the file in the policy; "
            "timeouts: raise semgrep.timeout_per_file; rule files: write out YAML aliases)",
        )
    if doc.get("skipped_rules"):
        raise _fail(
            f"skipped rules: {doc['skipped_rules']!r:.200}",
            "remove rules semgrep OSS cannot run from the local rule files",
        )
    paths = doc.get("paths")
    scanned = paths.get("scanned") if isinstance(paths, dict) else None
    if not isinstance(scanned, list):
        raise _fail("JSON has no paths.scanned list", "use a supported semgrep version")
    missing = sorted({p for p in requested if p.endswith(".py")} - set(scanned))
    if missing:
        raise _fail(
            f"did not scan {len(missing)} requested file(s), e.g. {missing[0]}",
            "check that the file is readable Python",
        )
    return [_hit(r) for r in doc["results"]]


def _benign(err: Any) -> bool:
    if not isinstance(err, dict):
        return False
    kind = err.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return (kind, err.get("level")) in _BENIGN


def _hit(raw: Any) -> ToolHit:
    try:
        start, end, extra = raw["start"], raw["end"], raw["extra"]
        rule = str(raw["check_id"])
        proves_safe, unless = _proof(extra.get("metadata"))
        return ToolHit(
            tool="semgrep",
            rule=f"sast.{rule}",
            path=str(raw["path"]),
            line=int(start["line"]),
            column=int(start["col"]),
            end_line=int(end["line"]),
            end_column=int(end["col"]),
            severity=_SEVERITY[str(extra["severity"])],
            message=" ".join(str(extra["message"]).split()),
            proves_safe=proves_safe,
            unless=unless,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(
            f"result has an unexpected shape ({type(exc).__name__}: {exc})",
            "use the semgrep version release-gates supports",
        ) from None


def _proof(metadata: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(proves-safe, unless) of a proof rule's `release-gates` metadata; ((), ()) otherwise."""
    ours = metadata.get("release-gates") if isinstance(metadata, dict) else None
    if ours is None:
        return (), ()
    if not isinstance(ours, dict) or not isinstance(ours.get("proves-safe"), list):
        raise TypeError("metadata release-gates needs a proves-safe list")
    return (
        tuple(str(r) for r in ours["proves-safe"]),
        tuple(str(r) for r in ours.get("unless", ())),
    )


def _size(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0  # semgrep is given it all the same, and reports what it cannot scan (an error)


def batches(
    root: Path, files: Sequence[str], budget: int | None = None, *, jobs: int = 1
) -> list[list[str]]:
    """`files` in order, cut into the runs one semgrep process scans: at most `budget` bytes of
    source (TARGET_BYTES; a larger file alone), and at least `jobs` runs when each gets
    MIN_SHARE_BYTES or more, and paths that fit on one command line."""
    sizes = [_size(os.path.join(root, f)) for f in files]
    limit = TARGET_BYTES if budget is None else budget
    total = sum(sizes)
    if jobs > 1 and total >= jobs * MIN_SHARE_BYTES:
        # Runs filled in order up to a share plus the largest file each hold more than a share
        # when closed: no more than `jobs` of them.
        limit = min(limit, -(-total // jobs) + max(sizes))
    return [batch for run in runs_within(files, sizes, limit) for batch in argv_batches(run)]


@record
class Pass:
    """One set of rules over one set of files: `rule_files` less `exclude_rules`, over `files`."""

    rule_files: tuple[Path, ...]
    files: tuple[str, ...]
    exclude_rules: tuple[str, ...] = ()


def run(
    root: Path,
    passes: Sequence[Pass],
    *,
    jobs: int,
    timeout_per_file: int,
    timeout_s: float,
) -> list[ToolHit]:
    """semgrep for every pass: one single-threaded process per batch of a pass's files
    (`batches`), up to `jobs` at a time, the passes' batches side by side, all within
    `timeout_s`; the hits in pass and batch order.

    Single-threaded, because semgrep-core's own workers cost more than they give on these cores:
    the first 4 MiB of the stripe sdist took 2.55 s of wall and 2.67 s of CPU with `--jobs=1`,
    2.16 s and 3.83 s with `--jobs=2`; and when other processes want the cores too (bandit, the
    other gates), its idle workers spin: that batch took 7.3 s of CPU next to bandit. Two
    single-threaded processes side by side share the cores without that: the sast gate cold on
    stripe went 17.5 -> 14 s of wall, 31 -> 25 s of CPU, with the same findings."""
    deadline = time.monotonic() + timeout_s
    todo = [(p, batch) for p in passes for batch in batches(root, p.files, jobs=jobs)]

    def scan(task: tuple[Pass, list[str]]) -> list[ToolHit]:
        rules, batch = task
        result = run_tool(
            argv(rules.rule_files, batch, jobs=1, timeout_per_file=timeout_per_file,
                 exclude_rules=rules.exclude_rules),
            gate=GATE,
            cwd=root,
            timeout_s=max(deadline - time.monotonic(), 1.0),
            ok_codes=tuple(range(256)),  # the JSON says what went wrong; parse() decides
            install_hint=INSTALL,
            env=ENV,
        )  # fmt: skip
        return parse(result.stdout, batch, result.returncode, result.stderr_tail())

    if jobs == 1 or len(todo) <= 1:
        return [hit for task in todo for hit in scan(task)]
    with ThreadPoolExecutor(min(jobs, len(todo))) as pool:
        futures = [pool.submit(scan, task) for task in todo]
        try:
            return [hit for future in futures for hit in future.result()]
        except BaseException:
            for future in futures:  # the first failure is the answer: start no other batch
                future.cancel()
            raise
