"""Reconcile benchmark: our DuckDB engine vs the pandas reference, one run each.

    python -m bench.bench_reconcile            # 1M payments vs pandas, then 10M ours alone
    python -m bench.bench_reconcile --small    # 100k payments: a quick smoke run

Data comes from bench/reconcile_gen.py (cached under bench/.cache/reconcile/). Each measurement
runs in its own child process, which reports its wall time (reading + reconciling, after
imports) and its peak RSS (VmHWM from /proc, cross-checked with getrusage); the parent also
checks that both implementations find identical counts per class. Targets (issue 6): at 1M,
ours <= 0.25x pandas' time and <= 0.5x its peak RSS; at 10M, ours <= 60 s and <= 4 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "reconcile"
MEMORY_LIMIT = "3GB"  # DuckDB spills beyond this; the 10M target is 4 GB peak RSS


def _peak_rss_mb() -> float:
    import resource

    hwm = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return max(hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child(which: str, data: Path) -> dict[str, Any]:
    from bench.reconcile_gen import POLICY

    events, report = data / "events.parquet", data / "report.parquet"
    if which == "pandas":
        from bench.reconcile_pandas import counts

        t0 = time.perf_counter()
        result = counts(events, report, POLICY)
        seconds = time.perf_counter() - t0
    else:
        from gates.checks.reconcile import config
        from gates.checks.reconcile.engine import reconcile
        from gates.checks.reconcile.engine_duckdb import DuckDBEngine
        from gates.checks.reconcile.sources import parse_source

        t0 = time.perf_counter()
        cfg = config.parse(POLICY, file="bench")
        ev = parse_source(
            {"kind": "parquet", "path": "events.parquet"}, root=data, file="bench", field="events"
        )
        rp = parse_source(
            {"kind": "parquet", "path": "report.parquet"}, root=data, file="bench", field="report"
        )
        assert cfg.as_of is not None
        with DuckDBEngine(memory_limit=MEMORY_LIMIT) as engine:
            res = reconcile(engine, cfg, ev, rp, as_of=cfg.as_of)
        seconds = time.perf_counter() - t0
        result = res.counts()
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "rss_mb": _peak_rss_mb(),
        "counts": result,
    }


def measure(which: str, data: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_reconcile", "--child", which, str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{which} failed:\n{proc.stderr}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def dataset(n: int) -> Path:
    from bench.reconcile_gen import generate

    target = CACHE / str(n)
    if not (target / "report.parquet").exists():
        t0 = time.perf_counter()
        generate(n, target)
        print(f"generated {n:,} payments in {time.perf_counter() - t0:.1f}s", flush=True)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        print(json.dumps(child(args[1], Path(args[2]))))
        return 0
    small = "--small" in args
    n = 100_000 if small else 1_000_000
    data = dataset(n)
    ours, ref = measure("ours", data), measure("pandas", data)
    same = ours["counts"] == ref["counts"]
    t_ratio, m_ratio = ours["seconds"] / ref["seconds"], ours["rss_mb"] / ref["rss_mb"]
    c_ratio = ours["cpu_seconds"] / ref["cpu_seconds"]
    rows = [
        f"| {n:,} payments | pandas | {ref['seconds']:.1f} s | {ref['cpu_seconds']:.1f} s "
        f"| {ref['rss_mb']:.0f} MB | |",
        f"| {n:,} payments | release-gates (DuckDB) | {ours['seconds']:.1f} s "
        f"| {ours['cpu_seconds']:.1f} s | {ours['rss_mb']:.0f} MB "
        f"| time {t_ratio:.2f}x (<= 0.25), CPU {c_ratio:.2f}x, RSS {m_ratio:.2f}x (<= 0.5), "
        f"counts identical: {same} |",
    ]
    ok = same and t_ratio <= 0.25 and m_ratio <= 0.5
    if not small:
        big = measure("ours", dataset(10_000_000))
        ok = ok and big["seconds"] <= 60 and big["rss_mb"] <= 4096
        rows.append(
            f"| 10,000,000 payments | release-gates (DuckDB) | {big['seconds']:.1f} s | "
            f"{big['cpu_seconds']:.1f} s | {big['rss_mb']:.0f} MB | <= 60 s, <= 4096 MB |"
        )
    print("| data | implementation | wall time | CPU time | peak RSS | vs target |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    print("\n".join(rows))
    print(json.dumps({"counts": ours["counts"]}, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
