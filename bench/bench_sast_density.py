"""Benchmark: how many sast results real payment SDKs get, and how many of them are duplicates.

Corpus: the stripe-python and braintree sdists (stripe 11.4.1, braintree 4.31.0 from the package
registry, `pip download --no-binary :all:`, cached in bench/.cache/sdists), each unpacked into its
own git repository. One run of both engines per SDK (semgrep with the bundled pack, bandit with
every confidence level), through the gate's own scan and merge code; then, per policy:

- results per 1,000 lines of Python (non-blank lines of the tracked .py files);
- raw: the tools' hits before merging (proof rules excluded), and how many of them the merge
  folded into another hit (same path, line and problem) or a proof dropped (bandit B608 on
  bound SQLAlchemy parameters);
- duplicates left after merging: results that share path, line and problem with another result
  (equivalents.py), as a share of all results. Target: 0.

`fintech-default` drops bandit's low-confidence results; `pci-strict` keeps them.

Usage: python -m bench.bench_sast_density
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path

from gates.checks.sast import gate as sast_gate
from gates.checks.sast.config import parse
from gates.checks.sast.equivalents import PROBLEMS
from gates.checks.sast.hits import ToolHit
from gates.checks.sast.merge import Proof, merge
from tests.gatekit import context

SDISTS = ("stripe==11.4.1", "braintree==4.31.0")
CACHE = Path(__file__).resolve().parent / ".cache" / "sdists"


def sdist_repo(spec: str) -> Path:
    """A git repository holding the unpacked sdist (built once, then cached)."""
    name = spec.split("==")[0]
    repo = CACHE / f"{name}-repo"
    if (repo / ".git").is_dir():
        return repo
    dists = CACHE / "dists"
    dists.mkdir(parents=True, exist_ok=True)
    found = sorted(dists.glob(f"{name}-*.tar.gz"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-q", "-d", str(dists), spec],
            check=True,
        )  # fmt: skip
        found = sorted(dists.glob(f"{name}-*.tar.gz"))
    repo.mkdir(parents=True, exist_ok=True)
    with tarfile.open(found[0]) as tf:
        tf.extractall(repo, filter="data")
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sdist"], cwd=repo, check=True)
    return repo


def python_lines(repo: Path, paths: Sequence[str]) -> int:
    return sum(
        1
        for p in paths
        if p.endswith(".py")
        for line in (repo / p).read_text(errors="replace").splitlines()
        if line.strip()
    )


def _problem(rule: str) -> str:
    for problem in PROBLEMS:
        if rule in problem.equivalent or rule in problem.broader:
            return problem.rule
    return rule


def duplicates(hits: Sequence[ToolHit]) -> int:
    """Hits beyond the first per (path, line, problem)."""
    keys = Counter((h.path, h.line, _problem(h.rule)) for h in hits)
    return sum(n - 1 for n in keys.values())


def scan(repo: Path) -> tuple[list[ToolHit], list[str], float]:
    ctx = dataclasses.replace(context("sast", repo), jobs=os.cpu_count() or 1)
    cfg = parse({"bandit": {"min_confidence": "low"}})
    with ExitStack() as stack:
        pack = files("gates") / "policies" / "semgrep"
        rules = [stack.enter_context(as_file(pack / n)) for n in sast_gate.bundled_rule_files()]
        start = time.perf_counter()
        hits = sast_gate._scan(ctx, cfg, rules, list(ctx.files))
        return hits, list(ctx.files), time.perf_counter() - start


def row(name: str, policy: str, hits: Sequence[ToolHit], kloc: float) -> str:
    if policy == "fintech-default":
        hits = [h for h in hits if dict(h.properties).get("bandit_confidence") != "low"]
    proofs = [Proof.of(h) for h in hits if h.proves_safe]
    raw = [h for h in hits if not h.proves_safe]
    proven = [h for h in raw if any(p.covers(h, raw) for p in proofs)]
    merged = merge(raw, proofs)
    folded = len(raw) - len(proven) - len(merged)
    left = duplicates(merged)
    share = left / len(merged) if merged else 0.0
    raw_share = duplicates([h for h in raw if h not in proven]) / max(1, len(raw) - len(proven))
    return (
        f"| {name} | {policy} | {len(merged)} | {len(merged) / kloc:.2f} | {len(raw)} "
        f"({raw_share:.1%} duplicates) | {folded} | {len(proven)} | {left} ({share:.1%}) |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    lines = [
        "| sdist | policy | results | per 1,000 lines | raw tool hits | merged away "
        "| dropped by proofs | duplicates left |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for spec in SDISTS:
        repo = sdist_repo(spec)
        hits, paths, seconds = scan(repo)
        loc = python_lines(repo, paths)
        notes.append(
            f"{spec}: {len(paths)} files, {loc} non-blank Python lines, scan {seconds:.1f}s"
        )
        for policy in ("fintech-default", "pci-strict"):
            lines.append(row(spec, policy, hits, loc / 1000))
        top = Counter(h.rule for h in merge([h for h in hits if not h.proves_safe]))
        notes.append(f"  most frequent (pci-strict): {top.most_common(6)}")
    print("\n".join([*lines, "", *notes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
