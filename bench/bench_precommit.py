"""Pre-commit latency: `gates run --gate pii FILE` end to end, as pre-commit calls it.

Process start, imports, policy, git and the scan all count. Runs in a copy of one corpus file's
repository, warm (second and later runs, as on every commit after the first), and reports the
median and worst of N runs next to `python -c pass` (the floor no Python tool can beat).
Usage: python bench/bench_precommit.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.corpus import corpus_dir

GATES = Path(sys.executable).with_name("gates")


def _time(argv: list[str], cwd: Path, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(
            argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        out.append(time.perf_counter() - start)
    return out


def main(n: int = 20) -> None:
    corpus = corpus_dir()
    source = sorted(corpus.rglob("*.py"), key=lambda p: p.stat().st_size)[-1]  # the largest file
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        shutil.copy(source, repo / "module.py")
        git = ["git", "-c", "user.email=b@example.com", "-c", "user.name=b"]
        subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
        subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=repo, check=True)
        _time([str(GATES), "run", "--gate", "pii", "module.py"], repo, 2)  # warm the cache
        gates = _time([str(GATES), "run", "--gate", "pii", "module.py"], repo, n)
        floor = _time([sys.executable, "-c", "pass"], repo, n)
    size = source.stat().st_size
    print(f"file: {source.relative_to(corpus)} ({size} bytes), {n} runs")
    print("| command | median ms | max ms |\n| --- | ---: | ---: |")
    print(f"| python -c pass | {statistics.median(floor) * 1000:.0f} | {max(floor) * 1000:.0f} |")
    print(
        f"| gates run --gate pii FILE | {statistics.median(gates) * 1000:.0f} | {max(gates) * 1000:.0f} |"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
