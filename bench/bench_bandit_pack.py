"""bandit against the semgrep pack of its checks on the pinned corpora: findings diff and CPU.

    python -m bench.bench_bandit_pack            # stripe and braintree sdists

For each corpus: bandit restricted to the tests the pack covers (`-t`) and semgrep with the pack
alone, both over every Python file, compared as (test, path, line, severity, confidence) sets;
every difference is printed. Then the CPU (user+sys of the child process) of: semgrep with our
own packs, the same plus the bandit pack, bandit with every test, and bandit with only the tests
the pack lacks under fintech-default (min_confidence medium), one process each with --jobs=1.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path

from bench.corpus import sdist_dir
from gates.checks.sast import bandit_pack
from gates.checks.sast import gate as sast_gate
from gates.checks.sast import semgrep as sg
from gates.checks.sast.config import parse

BIN = Path(sys.executable).parent
Key = tuple[str, str, int, str, str]


def _python_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "*.py"], cwd=root, capture_output=True,
                         check=True)  # fmt: skip
    return sorted(p for p in out.stdout.decode().split("\0") if p)


def _cpu(argv: Sequence[str], cwd: Path) -> tuple[float, bytes]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, check=False,
                          env={**os.environ, **sg.ENV})  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, proc.stdout


def _bandit(root: Path, py: list[str], tests: Sequence[str] | None) -> tuple[float, set[Key]]:
    argv = [str(BIN / "bandit"), "-f", "json", "-q", "--ignore-nosec", "-x", ""]
    argv += ["-t", ",".join(tests)] if tests is not None else []
    secs, out = _cpu([*argv, "--", *py], root)
    found = {(r["test_id"], r["filename"].removeprefix("./"), r["line_number"],
              r["issue_severity"].lower(), r["issue_confidence"].lower())
             for r in json.loads(out)["results"]}  # fmt: skip
    return secs, found


def _semgrep(root: Path, rules: Sequence[Path], py: list[str]) -> tuple[float, bytes]:
    argv = sg.argv(rules, py, jobs=1, timeout_per_file=30)
    return _cpu([str(BIN / "semgrep"), *argv[1:]], root)


def main(argv: list[str] | None = None) -> int:
    del argv
    semgrep_dir = files("gates") / "policies" / "semgrep"
    pack_res = files("gates") / "policies" / bandit_pack.FOLDER / bandit_pack.FILE
    with as_file(pack_res) as pack:
        ours = [Path(str(semgrep_dir / n)) for n in sast_gate.bundled_rule_files()]
        rules = bandit_pack.load(pack)
        covered = sorted(bandit_pack.covered(rules))
        split = sast_gate.plan_for(parse({"bandit": {"engine": "semgrep",
                                                      "min_confidence": "medium"}}))  # fmt: skip
        for name in ("stripe", "braintree"):
            root = sdist_dir(name)
            py = _python_files(root)
            _secs, theirs = _bandit(root, py, covered)
            _secs, out = _semgrep(root, [pack], py)
            mine = set()
            for hit in sg.parse(out, py, 0):
                rule = rules[hit.rule]
                mine.add((rule.test, hit.path, hit.line, rule.severity, rule.confidence))
            print(f"{name}: bandit -t <{len(covered)} covered tests> {len(theirs)}, "
                  f"the pack {len(mine)}, the same {len(theirs & mine)}")  # fmt: skip
            for key in sorted(theirs - mine):
                print("  only bandit:  ", key)
            for key in sorted(mine - theirs):
                print("  only the pack:", key)
            cpu = {
                "semgrep, our packs": _semgrep(root, ours, py)[0],
                "semgrep, our packs + the bandit pack": _semgrep(root, [*ours, pack], py)[0],
                "bandit, every test": _bandit(root, py, None)[0],
                f"bandit -t the {len(split.bandit_tests or ())} tests the pack lacks": _bandit(
                    root, py, split.bandit_tests
                )[0],
            }
            for what, secs in cpu.items():
                print(f"  CPU {secs:6.1f} s  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
