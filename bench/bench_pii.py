"""Benchmark: the pii gate vs ripgrep with an equivalent pattern and `grep -nE`, in one run.

Over the corpus (real payment SDK sources, bench.corpus) it times, best of N each:
- the gate in-process (`GATE.run` on every tracked file: read, scan, validate, log-call check);
- `rg -n` with one pattern covering what the gate looks for (card-number, IBAN and SSN shapes,
  the SSN context words, the PII field names, the suppression comment, and the national ids:
  `peer_pattern`), and `grep -nE` with the part of it POSIX ERE can spell (`_ere`: no national
  ids, so grep has less to do than the gate);
- the candidate pass alone with Python `re`, google-re2, and hyperscan (prefilter + re2);
- pre-commit latency: a fresh `python -c` process importing the gate and scanning one file.
Prints the table bench/README.md shows, with ratios. Run: python -m bench.bench_pii
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import corpus_dir

REPEAT = 5
ONE_FILE = "stripe/_charge.py"


def _best(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _ere() -> str:
    from gates.checks.pii.fieldnames import DEFAULT_FIELD_NAMES, normalise

    def anycase(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    fields = sorted({anycase(normalise(n)) for n in DEFAULT_FIELD_NAMES})
    return "|".join(
        [
            "[0-9]{13,19}",
            "[0-9]{4}([ -][0-9]{3,6}){2,5}",
            "[A-Z]{2}[0-9]{2}([A-Z0-9]{11,30}|( [A-Z0-9]{4}){2,7})",
            "[0-9]{3}-[0-9]{2}-[0-9]{4}",
            "[0-9]{3} [0-9]{2} [0-9]{4}",
            "("
            + anycase("ssn")
            + "|"
            + anycase("social")
            + "[ _-]*"
            + anycase("security")
            + ")[^0-9]{0,24}[0-9]{9}",
            "gates: allow pii",
            *fields,
        ]
    )


def peer_pattern() -> str:
    """What ripgrep searches for when it stands in for the gate: `_ere()` and the gate's own
    national-id alternatives (their shapes and the keyword group, gates.checks.pii.scanner),
    read as ripgrep reads them with --no-unicode: one byte a character, non-ASCII bytes spelt
    `\\xHH`. `_ere()` was written before the gate looked for national ids (2026-12-05):
    alone, it asks ripgrep for less than the gate does (bench/README.md has both timings)."""
    from gates.checks.pii.national_ids import DEFAULT_KEYWORDS
    from gates.checks.pii.scanner import id_alternatives

    ids = id_alternatives(DEFAULT_KEYWORDS)
    return _ere() + "".join(chr(b) if b < 0x80 else f"\\x{b:02X}" for b in ids)


def _files(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout
    return [p for p in out.decode().split("\0") if p and (root / p).is_file()]


def _tool(argv: list[str], root: Path) -> Callable[[], object]:
    def run() -> object:
        proc = subprocess.run(argv, cwd=root, capture_output=True, check=False)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{argv[0]} failed: {proc.stderr[-300:]!r}")
        return proc.stdout

    return run


def _gate_run(root: Path) -> tuple[Callable[[], object], int]:
    from gates.checks.pii import GATE
    from gates.fingerprint import derived_key
    from gates.model import Severity
    from gates.policy import Policy
    from gates.registry import GateContext
    from gates.workspace import tracked

    ws = tracked(root)
    ctx = GateContext(
        gate="pii",
        config={},
        workspace=ws,
        files=ws.files,
        policy=Policy(sources=(), document={}, digest="0" * 64, fail_on=Severity.HIGH),
        fingerprint_key=derived_key("bench"),
        now=__import__("datetime").datetime(2026, 1, 1),
    )
    return (lambda: list(GATE.run(ctx))), len(ws.files)


def _engines(root: Path, files: list[str]) -> dict[str, float]:
    import hyperscan

    from gates.checks.pii import engine, scanner

    datas = [(root / f).read_bytes() for f in files]
    pattern = scanner._BASE  # the gate's own combined pattern
    py = re.compile(pattern)
    r2 = engine.compile_known(pattern)

    def hs_prefilter() -> object:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=[pattern], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_SINGLEMATCH]
        )
        hit: list[int] = []
        for i, data in enumerate(datas):
            db.scan(data, match_event_handler=lambda *_a, i=i: hit.append(i))
        return [r2.search(datas[i]) for i in hit]

    return {
        "python re": _best(lambda: [py.search(d) for d in datas], repeat=1),
        "google-re2": _best(lambda: [r2.search(d) for d in datas]),
        "hyperscan prefilter + re2 (incl. compile)": _best(hs_prefilter),
    }


def _precommit(root: Path) -> tuple[float, float]:
    code = (
        "import sys, datetime\n"
        "from pathlib import Path\n"
        "from gates.checks.pii import GATE\n"
        "from gates.fingerprint import derived_key\n"
        "from gates.model import Severity\n"
        "from gates.policy import Policy\n"
        "from gates.registry import GateContext\n"
        "from gates.workspace import named\n"
        "root = Path(sys.argv[1])\n"
        "ws = named(root, [str(root / sys.argv[2])], is_git=True)\n"
        "ctx = GateContext(gate='pii', config={}, workspace=ws, files=ws.files,"
        " policy=Policy(sources=(), document={}, digest='0'*64, fail_on=Severity.HIGH),"
        " fingerprint_key=derived_key('x'), now=datetime.datetime(2026, 1, 1))\n"
        "print(len(list(GATE.run(ctx))))\n"
    )
    # Bytecode caches on, as after `pip install` (this sandbox sets PYTHONDONTWRITEBYTECODE,
    # which makes every start recompile every module); the first, untimed run writes them.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    argv = [sys.executable, "-c", code, str(root), ONE_FILE]
    subprocess.run(argv, env=env, check=True, capture_output=True)
    gate = _best(lambda: subprocess.run(argv, env=env, check=True, capture_output=True))
    bare = _best(lambda: subprocess.run([sys.executable, "-c", "pass"], env=env, check=True))
    return gate, bare


def main() -> int:
    root = corpus_dir().resolve()
    files = _files(root)
    size = sum((root / f).stat().st_size for f in files)
    pattern = _ere()
    gate, n_files = _gate_run(root)
    gate()  # warm: imports, page cache
    results: dict[str, float] = {"pii gate (in-process)": _best(gate)}
    results["grep -nE"] = _best(_tool(["grep", "-nE", "-e", pattern, "--", *files], root))
    rg = shutil.which("rg")
    if rg is not None:
        full = peer_pattern()
        rg_argv = [rg, "-n", "--no-unicode", "--no-heading", "-e", full]
        results["rg -n"] = _best(_tool([*rg_argv, "--", *files], root))
        results["rg -n -j1"] = _best(_tool([*rg_argv, "-j1", "--", *files], root))
    fastest = min(v for k, v in results.items() if k.startswith(("grep", "rg")))
    print(f"corpus: {n_files} files, {size / 1e6:.1f} MB; best of {REPEAT}; {os.cpu_count()} CPUs")
    print("| tool | seconds | × fastest of grep/rg |")
    print("| --- | ---: | ---: |")
    for name, secs in results.items():
        print(f"| {name} | {secs:.3f} | {secs / fastest:.2f} |")
    print()
    print("| candidate pass (same combined pattern, bytes in memory) | seconds |")
    print("| --- | ---: |")
    for name, secs in _engines(root, files).items():
        print(f"| {name} | {secs:.3f} |")
    print()
    gate_s, bare_s = _precommit(root)
    print("| pre-commit proxy: fresh `python -c`, import + scan one file | seconds |")
    print("| --- | ---: |")
    print(f"| gate on {ONE_FILE} | {gate_s:.3f} |")
    print(f"| `python -c pass` (interpreter start alone) | {bare_s:.3f} |")
    ratio = results["pii gate (in-process)"] / fastest
    print()
    print(f"pii / fastest(grep, rg) = {ratio:.2f} (target <= 3)")
    print(f"pre-commit proxy = {gate_s * 1000:.0f} ms (target <= 300, interpreter start included)")
    return 0 if ratio <= 3 and gate_s <= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
