"""A pre-commit call in a repository with a long history: what the history costs every run.

Without a configured fingerprint key, the key is derived from the repository's root commit,
which git finds by walking the whole history (`rev-list --max-parents=0 HEAD`). This builds a
repository of N linear commits (default 100,000; `git fast-import`, cached under
bench/.cache/deep-history, no commit-graph file, as many clones have none) and times
`gates run --gate pii FILE` as pre-commit calls it:

- `git rev-list --max-parents=0 HEAD` alone: the walk;
- a first run (an empty cache directory each time: the walk is paid);
- later runs at the same HEAD (the root commits remembered, gates.root_commits);
- a run after one new commit (only the commits in between are asked about).

`--tree DIR` measures the `gates` package under DIR (on PYTHONPATH), to compare two versions:
python -m bench.bench_deep_history --tree . --tree /old/checkout
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import wall_and_cpu

CACHE = Path(__file__).resolve().parent / ".cache" / "deep-history"
GIT = ["git", "-c", "user.email=b@example.invalid", "-c", "user.name=b"]


def _stream(n: int) -> bytes:
    """fast-import input: n commits, each changing one of 100 small files."""
    out: list[str] = []
    for i in range(1, n + 1):
        data = f"line {i}\n"
        out.append(f"blob\nmark :{2 * i}\ndata {len(data)}\n{data}")
        msg = f"commit {i}\n"
        out.append(
            f"commit refs/heads/main\nmark :{2 * i + 1}\n"
            f"committer B <b@example.invalid> {1_600_000_000 + i} +0000\ndata {len(msg)}\n{msg}"
        )
        if i > 1:
            out.append(f"from :{2 * i - 1}\n")
        out.append(f"M 100644 :{2 * i} f{i % 100}.txt\n\n")
    return "".join(out).encode()


def deep_repo(n: int) -> Path:
    repo = CACHE / f"commits-{n}"
    if (repo / ".git" / "refs" / "heads" / "main").exists() or (
        repo / ".git" / "packed-refs"
    ).exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*GIT, "fast-import", "--quiet"], cwd=repo, input=_stream(n), check=True)
    subprocess.run([*GIT, "checkout", "-q", "-f", "main"], cwd=repo, check=True)
    return repo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", default=[], help="a checkout holding gates/")
    ap.add_argument("-n", type=int, default=7, help="runs per command")
    ap.add_argument("--commits", type=int, default=100_000)
    args = ap.parse_args(argv)
    trees = [Path(t).resolve() for t in args.tree] or [Path(__file__).resolve().parent.parent]
    repo = deep_repo(args.commits)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rows: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-deep-") as tmp:
        scratch = Path(tmp)
        gates = [sys.executable, "-m", "gates", "run", "--no-cache", "--gate", "pii", "f1.txt"]
        walk = ["git", "rev-list", "--max-parents=0", "HEAD"]
        for _ in range(args.n):
            rows.setdefault("git rev-list --max-parents=0 HEAD", []).append(
                wall_and_cpu(walk, repo, env)
            )
            for i, tree in enumerate(trees):
                tenv = {**env, "PYTHONPATH": str(tree)}
                label = f" [{tree}]" if len(trees) > 1 else ""
                first = scratch / f"first-{i}"
                shutil.rmtree(first, ignore_errors=True)
                rows.setdefault(f"pii, one file, first run{label}", []).append(
                    wall_and_cpu(gates, repo, {**tenv, "XDG_CACHE_HOME": str(first)})
                )
                warm = {**tenv, "XDG_CACHE_HOME": str(scratch / f"warm-{i}")}
                wall_and_cpu(gates, repo, warm)  # the same HEAD as the run before
                rows.setdefault(f"pii, one file, same HEAD{label}", []).append(
                    wall_and_cpu(gates, repo, warm)
                )
        # one new commit on top, then back (the repository stays as cached)
        subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", "new"], cwd=repo, check=True)
        try:
            for i, tree in enumerate(trees):
                label = f" [{tree}]" if len(trees) > 1 else ""
                warm = {
                    **env,
                    "PYTHONPATH": str(tree),
                    "XDG_CACHE_HOME": str(scratch / f"warm-{i}"),
                }
                rows.setdefault(f"pii, one file, after a new commit{label}", []).append(
                    wall_and_cpu(gates, repo, warm)
                )
        finally:
            subprocess.run([*GIT, "reset", "-q", "--hard", "HEAD~1"], cwd=repo, check=True)
    print(f"{args.commits} commits, no commit-graph; medians of {args.n} (the new-commit row: 1)")
    print(f"{'command':70s} {'wall ms':>8s} {'CPU ms':>8s}")
    for name, times in rows.items():
        wall = statistics.median(t[0] for t in times) * 1000
        cpu = statistics.median(t[1] for t in times) * 1000
        print(f"{name:70s} {wall:8.0f} {cpu:8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
