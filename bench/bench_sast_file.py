"""One-file sast latency: `gates run --no-cache --gate sast FILE` as pre-commit calls it, cold.

Next to it, the semgrep pre-commit hook alone on the same file (the command bench_scanners.py's
peer runs: `semgrep scan --metrics=off --disable-version-check --error --config <our pack>`) and
`python -c pass`. The runs alternate, N rounds, so load from other jobs hits all alike; each
reports the median and best wall time and the median CPU time (user + sys of the process and
its children, from wait4). Runs in the corpus repository (bench/corpus.py), nothing written.
PYTHONDONTWRITEBYTECODE is dropped so imports use bytecode, as on a developer's machine.
Usage: python -m bench.bench_sast_file [FILE] [N]   (FILE relative to the corpus; stripe/_charge.py)
"""

from __future__ import annotations

import os
import statistics
import sys
from importlib.resources import files
from pathlib import Path

from bench.corpus import corpus_dir
from bench.timing import wall_and_cpu

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    target = argv[0] if argv else "stripe/_charge.py"
    rounds = int(argv[1]) if len(argv) > 1 else 5
    repo = corpus_dir()
    pack = sorted(Path(str(files("gates") / "policies" / "semgrep")).glob("*.yaml"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's gates, not an installed one
    env.update(SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    runs = {
        "gates run --no-cache --gate sast FILE": [
            sys.executable, "-m", "gates", "run", "--no-cache", "--gate", "sast", target,
        ],
        "semgrep pre-commit hook alone": [
            str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--error",
            *(f"--config={p}" for p in pack), target,
        ],
        "python -c pass": [sys.executable, "-c", "pass"],
    }  # fmt: skip
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, cmd in runs.items():
            times[name].append(wall_and_cpu(cmd, repo, env))
    print(
        f"{target} ({(repo / target).stat().st_size} bytes), {rounds} rounds, {os.cpu_count()} CPUs"
    )
    print("| run | wall median (s) | wall best (s) | CPU median (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in times.items():
        walls, cpus = [w for w, _ in samples], [c for _, c in samples]
        print(
            f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} "
            f"| {statistics.median(cpus):.2f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
