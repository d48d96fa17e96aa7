"""Issue #15's performance table: every ratio from one interleaved run.

    python -m bench.run --quick     # every ratio, fewer repetitions (under 3 minutes)
    python -m bench.run             # more repetitions, plus peak memory at 16x the corpus
    python -m bench.run --write     # also replace the table in bench/README.md

Corpora: the stripe 16.1.0 and braintree 4.48.0 sdists, pinned by sha256 (bench/corpus.py),
each a git repository; the 10x and 16x corpora are copies of the stripe one. Everything runs as
users run it, in a fresh process: `gates run ...` (with bytecode allowed, as after `pip
install`), ripgrep, pre-commit with the peer hooks. Ours and the peer alternate within each
repetition, so a change in the machine's load moves both; each row reports the median.

Rows:
- pii end to end vs `rg --no-unicode` with one pattern covering what the gate looks for;
- the cold pii+secrets+sast run (`--no-cache`-equivalent: a fresh cache directory) vs
  `pre-commit run --all-files` with the detect-secrets, bandit and semgrep hooks;
- sast on one file vs the semgrep hook alone on that file;
- pii and secrets on one file (process start included), next to `python -c pass`;
- the warm rerun vs cold, and how many files one edited file makes the gates rescan;
- (without --quick, or with --counts) what each peer tool reports next to what we report for
  it, per corpus (untimed): detect-secrets, bandit (ours: `sast.bandit.*`, most of them run as
  semgrep rules, see gates/checks/sast/bandit_pack.py) and semgrep with our pack, as
  (rule, path, line) sets: both counts and how many agree;
- (without --quick) peak memory of the cold three-gate run at 16x stripe: PSS summed over the
  process tree (forked workers' shared pages count once), with the largest processes at the peak.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_pii import peer_pattern
from bench.bench_scanners import (
    OFFLINE,
    our_sets,
    peer_findings,
    precommit_config,
    rule_files,
    run_ours,
    write_section,
)
from bench.corpus import multiplied, sdist_dir

BIN = Path(sys.executable).parent
SECTION = "## issue 15: the performance table"
ONE_FILE = "stripe-16.1.0/stripe/_charge.py"  # a typical resource module, in the stripe sdist
THREE = ("--gate", "pii", "--gate", "secrets", "--gate", "sast")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **OFFLINE, **extra}


def _run(argv: Sequence[str], cwd: Path, env: dict[str, str], ok: Sequence[int] = (0, 1)) -> None:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    if proc.returncode not in ok:
        tail = (proc.stdout[-1500:] + proc.stderr[-1500:]).decode(errors="replace")
        raise SystemExit(f"{' '.join(argv[:6])} ... exited {proc.returncode}:\n{tail}")


def _gates(*args: str) -> list[str]:
    return [sys.executable, "-m", "gates", "run", *args, "--format", "json", "--output", os.devnull]


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(
    pairs: dict[str, Callable[[], None]], repeat: int, *, warm_up: bool = True
) -> dict[str, float]:
    """Median seconds of each callable, run in turn `repeat` times (after one warm-up each:
    the OS file cache and bytecode, as on a developer's machine; not for the cold rows, whose
    runs cost minutes and start from an empty cache directory anyway)."""
    for fn in pairs.values() if warm_up else ():
        fn()
    times: dict[str, list[float]] = {name: [] for name in pairs}
    for _ in range(repeat):
        for name, fn in pairs.items():
            times[name].append(_timed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def rg(root: Path) -> Callable[[], None]:
    """ripgrep searching for what the pii gate searches for (bench_pii.peer_pattern)."""
    exe = str(BIN / "rg") if (BIN / "rg").exists() else "rg"
    argv = [exe, "-n", "--no-unicode", "-e", peer_pattern()]
    return lambda: _run([*argv, "."], root, _env())


def gates_cli(root: Path, *args: str, cache: Path | None = None) -> Callable[[], None]:
    """`gates run ARGS`; with `cache`, under that XDG cache home, else --no-cache."""

    def run() -> None:
        extra = {} if cache is None else {"XDG_CACHE_HOME": str(cache)}
        argv = _gates(*args) if cache is not None else _gates("--no-cache", *args)
        _run(argv, root, _env(**extra))

    return run


class ColdThree:
    """The three gates with an empty cache home each time: nothing from an earlier run helps.
    The last run's cache home is kept (`last`), for the warm rows that follow."""

    def __init__(self, root: Path, scratch: Path) -> None:
        self.root, self.scratch, self.runs = root, scratch, 0
        self.last: Path | None = None

    def __call__(self) -> None:
        if self.last is not None:
            shutil.rmtree(self.last, ignore_errors=True)
        self.runs += 1
        self.last = self.scratch / f"cold-{self.runs}"
        gates_cli(self.root, *THREE, cache=self.last)()


def peer_hooks(root: Path, scratch: Path) -> Callable[[], None]:
    cfg = scratch / "pre-commit-config.yaml"
    cfg.write_text(precommit_config(rule_files()))
    env = _env(PRE_COMMIT_HOME=str(scratch / "pc-home"))
    argv = [str(BIN / "pre-commit"), "run", "--all-files", "-c", str(cfg)]
    return lambda: _run(argv, root, env)


def semgrep_hook(root: Path, path: str) -> Callable[[], None]:
    configs = [f"--config={r}" for r in rule_files()]
    argv = [str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--error",
            *configs, path]  # fmt: skip
    return lambda: _run(argv, root, _env())


def python_pass() -> Callable[[], None]:
    return lambda: _run([sys.executable, "-c", "pass"], Path.cwd(), _env(), ok=(0,))


def clone(source: Path, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(source), str(into)], check=True)
    return into


def cache_entries(cache: Path) -> dict[str, int]:
    """Per-file result entries in a cache home, per gate (one per file the gate scanned)."""
    out: dict[str, int] = {}
    for entry in cache.rglob("*.json"):
        parts = entry.relative_to(cache).parts
        gate = next((p for p in parts if p in ("secrets", "sast")), None)
        if gate:
            out[gate] = out.get(gate, 0) + 1
    return out


def warm_rows(repo: Path, cache: Path) -> tuple[float, float, dict[str, int]]:
    """(warm, one-edit seconds, entries the edited rerun added per gate) in `repo`, a clone whose
    cold run filled `cache`."""
    warm = _timed(gates_cli(repo, *THREE, cache=cache))
    before = cache_entries(cache)
    target = repo / ONE_FILE
    target.write_text(target.read_text() + "\n# edited\n")
    edited = _timed(gates_cli(repo, *THREE, cache=cache))
    after = cache_entries(cache)
    return warm, edited, {g: after.get(g, 0) - before.get(g, 0) for g in after}


def _pss_kib(pid: int) -> int:
    """Proportional set size: a page shared by forked workers counts once over all of them,
    where summing RSS would count it in every process (VmRSS when smaps_rollup is missing)."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def _peak_rss_kib(pid: int) -> int:
    """The largest resident set one process has had so far (VmHWM), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _process_tree(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of `pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        name_end = stat.rfind(")")
        names[int(entry)] = stat[stat.find("(") + 1 : name_end]
        ppid = int(stat[name_end + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append((p, names.get(p, "?")))
        todo.extend(children.get(p, ()))
    return out


def _tree_memory_kib(tree: Sequence[tuple[int, str]]) -> dict[str, int]:
    """Memory (PSS) of a process tree, by command name."""
    out: dict[str, int] = {}
    for pid, name in tree:
        out[name] = out.get(name, 0) + _pss_kib(pid)
    return out


def peak_tree_memory(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> tuple[float, int, dict[str, int], int]:
    """(seconds, peak PSS of the whole process tree in KiB, that moment's PSS by command, the
    largest peak RSS of any one process in KiB) of one run, sampling the tree every 50 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    peak: dict[str, int] = {}
    largest = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not done.is_set():
            tree = _process_tree(proc.pid)
            now = _tree_memory_kib(tree)
            if sum(now.values()) > sum(peak.values()):
                peak = now
            largest = max([largest, *(_peak_rss_kib(p) for p, _ in tree)])
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:6])} ... exited {code}")
    return time.perf_counter() - start, sum(peak.values()), peak, largest


def count_rows(name: str, root: Path, cache: Path) -> list[tuple[str, str, str, str, str]]:
    """Per peer tool: its (rule, path, line) findings next to ours for the same checks
    (untimed; the default policy, so ours drop what it filters, e.g. B101 in tests)."""
    peers = peer_findings(root)
    ours = our_sets(run_ours(root, cache, os.cpu_count() or 1))
    return [
        (f"findings, {name}: {tool}", f"{len(peers[tool])}", f"{len(ours[tool])}",
         f"{len(peers[tool] & ours[tool])} the same (rule, path, line)", "")
        for tool in ("detect-secrets", "bandit", "semgrep")
    ]  # fmt: skip


def _ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}x"


def _verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "**missed**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, no 16x memory")
    parser.add_argument("--write", action="store_true", help="replace the table in bench/README.md")
    parser.add_argument("--counts", action="store_true", help="finding counts vs peers (--quick)")
    args = parser.parse_args(argv)
    many, few = (5, 1) if args.quick else (11, 3)
    began = time.perf_counter()
    stripe, braintree = sdist_dir("stripe"), sdist_dir("braintree")
    stripe10 = multiplied("stripe", 10)
    rows: list[tuple[str, str, str, str, str]] = []  # work, peer, ours, ratio, goal/verdict

    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        scratch = Path(tmp)
        # ~0.25 s a pair: with medians of 5, two quick runs minutes apart gave 1.8x and 2.8x, so
        # this row takes four times the repetitions (~8 s more).
        t = interleaved(
            {"rg": rg(stripe), "ours": gates_cli(stripe, "--gate", "pii", ".")}, many * 4
        )
        r = t["ours"] / t["rg"]
        rows.append(("pii gate, stripe sdist, end to end", f"rg {t['rg']:.3f} s",
                     f"{t['ours']:.3f} s", f"{r:.1f}x rg", f"<= 3x: {_verdict(r, 3)}"))  # fmt: skip
        t = interleaved({"rg": rg(stripe10), "ours": gates_cli(stripe10, "--gate", "pii", ".")},
                        few)  # fmt: skip
        r = t["ours"] / t["rg"]
        rows.append(("pii gate, 10x stripe, end to end", f"rg {t['rg']:.3f} s",
                     f"{t['ours']:.3f} s", f"{r:.1f}x rg", f"<= 2x: {_verdict(r, 2)}"))  # fmt: skip
        # stripe in a clone: the warm rows reuse its last cold run's cache, then edit a file.
        stripe_clone = clone(stripe, scratch / "stripe")
        warm_cache, cold = None, 0.0
        for name, root, goal in (("stripe", stripe_clone, 0.2), ("braintree", braintree, 0.3)):
            ours = ColdThree(root, scratch / f"cache-{name}")
            # braintree's runs are short (~2 and ~6 s): one noisy second moved its ratio by
            # 0.09 between two runs, and two more repetitions cost ~17 s.
            reps = few if name == "stripe" else few + 2
            t = interleaved({"peer": peer_hooks(root, scratch), "ours": ours}, reps, warm_up=False)
            r = t["ours"] / t["peer"]
            rows.append((f"pii+secrets+sast cold, {name}", f"pre-commit hooks {t['peer']:.1f} s",
                         f"{t['ours']:.2f} s", f"{r:.2f}x", f"<= {goal}x: {_verdict(r, goal)}"))  # fmt: skip
            if name == "stripe":
                warm_cache, cold = ours.last, t["ours"]
            if args.counts or not args.quick:
                rows.extend(count_rows(name, root, scratch / f"count-cache-{name}"))
        t = interleaved(
            {
                "hook": semgrep_hook(stripe, ONE_FILE),
                "ours": gates_cli(stripe, "--gate", "sast", ONE_FILE),
            },
            few + 2,
        )
        ok = t["ours"] <= 1.0 and t["ours"] <= t["hook"]
        rows.append(("sast on one file", f"semgrep hook {t['hook']:.2f} s", f"{t['ours']:.2f} s",
                     _ratio(t["ours"], t["hook"]),
                     f"<= 1.0 s and <= the hook: {'met' if ok else '**missed**'}"))  # fmt: skip
        t = interleaved(
            {
                "python": python_pass(),
                "pii": gates_cli(stripe, "--gate", "pii", ONE_FILE),
                "secrets": gates_cli(stripe, "--gate", "secrets", ONE_FILE),
            },
            many * 2,
        )
        for gate, goal_ms in (("pii", 120), ("secrets", 150)):
            ms = t[gate] * 1000
            rows.append((f"{gate} on one file (process start included)",
                         f"`python -c pass` {t['python'] * 1000:.0f} ms", f"{ms:.0f} ms", "",
                         f"<= {goal_ms} ms: {_verdict(ms, goal_ms)}"))  # fmt: skip
        assert warm_cache is not None
        warm, edited, rescanned = warm_rows(stripe_clone, warm_cache)
        r = warm / cold
        rows.append(("warm rerun, nothing changed (stripe)", f"cold {cold:.2f} s", f"{warm:.2f} s",
                     f"{r:.3f}x cold", f"<= 0.05x: {_verdict(r, 0.05)}"))  # fmt: skip
        files = ", ".join(f"{g} {n}" for g, n in sorted(rescanned.items())) or "none"
        one = all(n == 1 for n in rescanned.values()) and bool(rescanned)
        rows.append(("one edited file, rerun", "", f"{edited:.2f} s",
                     f"files rescanned: {files}",
                     f"one file: {'met' if one else '**missed**'}"))  # fmt: skip
        if not args.quick:
            big = multiplied("stripe", 16)
            secs, kib, parts, one = peak_tree_memory(
                _gates(*THREE), big, _env(XDG_CACHE_HOME=str(scratch / "big-cache"))
            )
            mib = kib / 1024
            top = ", ".join(
                f"{n} {k / 1024:.0f}" for n, k in sorted(parts.items(), key=lambda i: -i[1])[:4]
            )
            rows.append(("peak memory (PSS), cold three gates, 16x stripe (process tree)", "",
                         f"{mib:.0f} MiB ({secs:.0f} s; at the peak: {top} MiB; largest "
                         f"process {one / 1024:.0f} MiB RSS)", "",
                         f"<= 400 MiB: {_verdict(mib, 400)}"))  # fmt: skip

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        SECTION,
        "",
        f"`python -m bench.run{' --quick' if args.quick else ''}` on {when}: {platform.node()}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, load "
        f"{load:.1f} at the end; {time.perf_counter() - began:.0f} s in all. Medians of "
        f"{many * 4} (pii on stripe), {many * 2} (one file), {few + 2} (sast on one file, "
        f"braintree cold), {few} (10x pii, stripe cold) or 1 (warm and edited reruns) "
        "alternating repetitions.",
        "",
        "| work | peer | ours | ratio | goal |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(text, SECTION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
