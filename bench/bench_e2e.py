"""End to end: `gates run --gate pii` as a user runs it, next to ripgrep and `python -c pass`.

Every command is a fresh process (interpreter start, imports, policy, git, workers, report all
count), bytecode caches on as after `pip install`. Per command: the median wall time and the
median CPU time (user + sys of the process and the children it waited for, from `wait4`) of N
runs, the commands taking turns so a load spike hits them alike. Rows:

- `python -c pass`: the floor for any Python tool;
- `rg -n --no-unicode -j1` with bench_pii's equivalent pattern, and `gates run --no-cache
  --gate pii .`, on the corpus (bench.corpus) and on ten copies of it (`corpus10_dir`);
- `gates run --gate pii FILE` and `--gate secrets FILE` as pre-commit calls them, on a copy of
  `stripe/_charge.py` in a one-file repository, the file changed before every run (a new line at
  its end) so no result cache answers, while the policy caches are warm as on every commit.

`--tree DIR` (repeatable) measures the `gates` package under DIR (put on PYTHONPATH), so two
versions are compared back to back in one run: python -m bench.bench_e2e --tree . --tree /old
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.bench_pii import peer_pattern
from bench.corpus import corpus10_dir, corpus_dir
from bench.timing import wall_and_cpu

ONE_FILE = "stripe/_charge.py"


def _one_file_repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    shutil.copy(corpus_dir() / ONE_FILE, repo / "module.py")
    git = ["git", "-c", "user.email=b@example.invalid", "-c", "user.name=b"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=repo, check=True)
    return repo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", default=[], help="a checkout holding gates/")
    ap.add_argument("-n", type=int, default=10, help="runs per command")
    ap.add_argument("--no-x10", action="store_true", help="skip the 10x corpus")
    args = ap.parse_args(argv)
    trees = [Path(t).resolve() for t in args.tree] or [Path(__file__).resolve().parent.parent]
    rg = shutil.which("rg") or str(Path(sys.executable).with_name("rg"))
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    corpora = {"corpus": corpus_dir()}
    if not args.no_x10:
        corpora["corpus x10"] = corpus10_dir()
    pattern = peer_pattern()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        one = _one_file_repo(tmp)
        original = (one / "module.py").read_bytes()
        runs: dict[str, Callable[[int], tuple[float, float]]] = {}
        runs["python -c pass"] = lambda _i: wall_and_cpu(
            [sys.executable, "-c", "pass"], tmp, base_env
        )
        for name, root in corpora.items():
            rg_argv = [rg, "-n", "--no-unicode", "-j1", "-e", pattern, "."]
            runs[f"rg -j1, {name}"] = lambda _i, a=rg_argv, r=root: wall_and_cpu(a, r, base_env)
        for tree in trees:
            env = {**base_env, "PYTHONPATH": str(tree)}
            gates = [sys.executable, "-m", "gates", "run"]
            for name, root in corpora.items():
                argv_pii = [*gates, "--no-cache", "--gate", "pii", "."]
                runs[f"{tree}: pii, {name}"] = lambda _i, a=argv_pii, r=root, e=env: wall_and_cpu(
                    a, r, e
                )
            for gate in ("pii", "secrets"):
                argv_one = [*gates, "--gate", gate, "module.py"]

                def one_file(
                    i: int, argv: list[str] = argv_one, env: dict[str, str] = env
                ) -> tuple[float, float]:
                    (one / "module.py").write_bytes(original + f"# change {i}\n".encode())
                    return wall_and_cpu(argv, one, env)

                runs[f"{tree}: {gate}, one file"] = one_file
        for run in runs.values():  # warm: bytecode, page cache, policy caches
            run(-1)
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
        for i in range(args.n):
            for name, run in runs.items():
                samples[name].append(run(i))
    print(f"{args.n} runs each, interleaved; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    print("| command | median wall ms | median CPU ms | min wall ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, got in samples.items():
        wall = statistics.median(w for w, _ in got) * 1000
        cpu = statistics.median(c for _, c in got) * 1000
        print(f"| {name} | {wall:.0f} | {cpu:.0f} | {min(w for w, _ in got) * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
