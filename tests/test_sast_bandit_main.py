"""This environment's bandit runs through gates/checks/sast/bandit_main.py: bandit's own command
line, its `# nosec` lookup linear when a file has none. It must print what bandit prints, run the
installed bandit whatever the scanned repository holds, and leave any other bandit alone.
Real bandit, real git repositories, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from gates.checks.sast import bandit as sast_bandit
from tests.gatekit import make_repo

SCRIPTS = Path(sysconfig.get_path("scripts"))
BANDIT_MAIN = Path(sast_bandit.__file__).with_name("bandit_main.py")

PAYMENTS = """\
import subprocess

password = "hunter2-but-longer"  # nosec B105


def refund(cmd):
    return subprocess.call(cmd, shell=True)
"""


def _generated_params(n: int) -> str:
    """A generated package index as stripe ships one: an `if TYPE_CHECKING:` block of `n` import
    lines (one statement spanning them all, the shape that made bandit quadratic), with a
    finding and a nosec comment inside it."""
    lines = ["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:"]
    lines += ["    from shop.params import ("]
    lines += [
        f"        Param{i} as Param{i},{'  # nosec' if i == n // 2 else ''}" for i in range(n)
    ]
    lines += ["    )", "    import pickle", "    token = 'fixed-token-value'  # nosec", ""]
    return "\n".join(lines)


FILES = {"svc/payments.py": PAYMENTS, "shop/params.py": _generated_params(3000)}


def _bandit_json(cwd: Path, command: list[str], *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [*command, "-f", "json", "-q", *args, "-x", "", "--", *sorted(f"./{f}" for f in FILES)],
        cwd=cwd,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    doc: dict[str, Any] = json.loads(proc.stdout)
    doc.pop("generated_at")
    return proc.returncode, doc


@pytest.mark.parametrize(
    "args",
    [("--ignore-nosec",), (), ("--ignore-nosec", "-t", "B105,B403,B602")],
    ids=["ignore-nosec", "nosec-obeyed", "some-tests"],
)
def test_bandit_main_prints_what_bandit_prints(tmp_path: Path, args: tuple[str, ...]) -> None:
    """The same JSON as bandit's own script, with nosec comments ignored (the linear answer) and
    obeyed (bandit's own lookup, delegated), and the exit code that goes with it."""
    repo = make_repo(tmp_path / "repo", FILES)
    code, ours = _bandit_json(repo, [sys.executable, "-I", str(BANDIT_MAIN)], *args)
    assert (code, ours) == _bandit_json(repo, [str(SCRIPTS / "bandit")], *args)
    assert code == 1  # issues found
    found = {(r["filename"].lstrip("./"), r["test_id"]) for r in ours["results"]}
    assert ("svc/payments.py", "B602") in found
    assert ("shop/params.py", "B403") in found
    if "--ignore-nosec" in args:
        assert ("svc/payments.py", "B105") in found  # reported despite its nosec
        assert ("shop/params.py", "B105") in found
    else:
        assert ("svc/payments.py", "B105") not in found


def test_the_gate_runs_this_environments_bandit_by_bandit_main_and_never_the_repositorys(
    tmp_path: Path,
) -> None:
    """A change that commits a `bandit` package (and Python start-up hooks) at the repository
    root, where bandit runs, never gets it imported: the gate's bandit is the installed one,
    reached through bandit_main.py in isolated mode, and reports the change's real issues."""
    mark = tmp_path / "imported"
    hook = f"open({str(mark)!r}, 'a').write(__name__ + '\\n')\n"
    planted = {
        "bandit/__init__.py": hook,
        "bandit/cli/__init__.py": hook,
        "bandit/cli/main.py": hook + 'def main():\n    print(\'{"results": [], "errors": []}\')\n',
        "bandit/core/__init__.py": hook,
        "bandit/core/utils.py": hook,
        "sitecustomize.py": hook,
        "usercustomize.py": hook,
    }
    repo = make_repo(tmp_path / "repo", {**FILES, **planted})
    gates = SCRIPTS / "gates"  # as users run it: the console script, not `python -m` in the repo
    proc = subprocess.run(
        [str(gates), "-v", "--log-format", "json", "run", "--gate", "sast", "--no-cache",
         "--format", "json"],
        cwd=repo, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert not mark.exists(), mark.read_text()
    started = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    bandit_runs = [
        e for e in started if e["event"] == "tool_started" and "--ignore-nosec" in e["argv"]
    ]
    assert bandit_runs, proc.stderr
    assert all(str(BANDIT_MAIN) in e["argv"] for e in bandit_runs), bandit_runs
    assert {e["tool"] for e in bandit_runs} == {"bandit"}  # the log names bandit, not python
    report = json.loads(proc.stdout)
    rules = {f["rule"] for f in report["findings"]}
    # bandit's own: B403 (pickle) from the generated file, B105 despite its nosec comment
    assert {"sast.bandit.B403", "sast.bandit.B105"} <= rules, rules


def test_a_bandit_first_on_path_runs_as_it_is(tmp_path: Path) -> None:
    """Another bandit the user put first on PATH (pipx, a pinned version) is other code than
    the package bandit_main.py would import: it is run itself."""
    repo = make_repo(tmp_path / "repo", FILES)
    mark = tmp_path / "theirs-ran"
    other = tmp_path / "bin" / "bandit"
    other.parent.mkdir()
    other.write_text(f'#!/bin/sh\necho ran >> "{mark}"\nexec "{SCRIPTS / "bandit"}" "$@"\n')
    other.chmod(0o755)
    env = {**os.environ, "PATH": f"{other.parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [str(SCRIPTS / "gates"), "run", "--gate", "sast", "--no-cache", "--format", "json"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert mark.exists(), proc.stderr
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert {"sast.bandit.B403", "sast.bandit.B105"} <= rules, rules
