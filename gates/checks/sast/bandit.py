"""Running bandit with JSON output over Python files and reading it strictly.

`bandit -f json -q --ignore-nosec [-s SKIP | -t TESTS] -- ./file ...`: `# nosec` is recorded by us
instead of obeyed; `-t` runs only the tests the bundled semgrep pack does not cover
(bandit_pack.py). Exit 0 (clean) and 1 (issues) are expected; anything else, JSON that does not parse or
has the wrong shape, every entry in `errors` (a file bandit could not parse is a file nobody
checked), exit 1 without issues, and a file we passed that is missing from bandit's `metrics`
(`-x ""` turns off its default excludes, which match `.tox`, `CVS`, ... anywhere in a path) are
GateCannotRun naming the fix. Files are split across `jobs` bandit processes.

This environment's own bandit (bandit_install.is_own) runs through bandit_main.py in this
interpreter (`python -I bandit_main.py <the same arguments>`), which makes bandit's `# nosec`
lookup linear when a file has none, as under `--ignore-nosec` always: the same output, without
a cost quadratic in a long statement's line count. Any other bandit runs as it is.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gates import _proc
from gates._proc import argv_batches, run_tool
from gates.checks.sast import bandit_install
from gates.checks.sast.config import SastConfig
from gates.checks.sast.hits import ToolHit
from gates.errors import GateCannotRun
from gates.extras import install_command

GATE = "sast"
INSTALL = install_command("sast")  # bandit comes with the sast extra
_MIN_FILES_PER_PROCESS = 40
# Some bandit messages print an AST node's repr (B202: "{'Other': <ast.List object at 0x7f..>}"):
# the address differs on every run, and findings must not.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
_MAIN = Path(__file__).with_name("bandit_main.py")


def argv(
    files: Sequence[str], skip: Sequence[str], tests: Sequence[str] | None = None
) -> list[str]:
    """`tests`: run only these test ids (None: every test but `skip`)."""
    # `-x ""`: bandit's default excludes (.svn, CVS, .tox, .eggs, ... matched as substrings of
    # the path) would silently drop files our workspace selected, e.g. `shop/legacy_CVS.py`.
    out = ["bandit", "-f", "json", "-q", "--ignore-nosec", "-x", ""]
    if tests is not None:
        if not tests:
            raise ValueError("bandit with no tests to run")
        out += ["-t", ",".join(tests)]
    elif skip:
        out += ["-s", ",".join(skip)]
    return [*out, "--", *(f"./{f}" for f in files)]


def _fail(reason: str, fix: str) -> GateCannotRun:
    return GateCannotRun(GATE, f"bandit {reason}", fix)


def _path(name: object) -> str:
    text = str(name)
    while text.startswith("./"):  # bandit prints "./" before the "./" we pass
        text = text[2:]
    return text


def parse(
    stdout: bytes,
    config: SastConfig,
    *,
    expected: Sequence[str] | None = None,
    returncode: int = 0,
) -> list[ToolHit]:
    """Hits from bandit's JSON; `expected` (the files we passed) must all appear in its metrics,
    and exit 1 ("issues found") must come with issues."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        raise _fail(
            f"printed output that is not JSON: {stdout[:120]!r}",
            "run bandit by hand; reinstall it if it is broken",
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise _fail("JSON has no results list", "use the bandit version release-gates supports")
    errors = doc.get("errors")
    if not isinstance(errors, list):
        raise _fail("JSON has no errors list", "use the bandit version release-gates supports")
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        raise _fail(
            f"could not check {len(errors)} file(s), e.g. {_path(first.get('filename'))}: "
            f"{first.get('reason')}",
            "fix the file (bandit parses it as Python 3) or exclude it in the policy",
        )
    hits = [h for h in (_hit(r, config) for r in doc["results"]) if h is not None]
    if returncode != 0 and not doc["results"]:
        raise _fail(
            f"exited with code {returncode} but reported no issue",
            "run bandit by hand on the files to see what went wrong",
        )
    if expected is not None:
        _check_scanned(doc.get("metrics"), expected)
    return hits


def _check_scanned(metrics: object, expected: Sequence[str]) -> None:
    """Every file we passed must be in bandit's per-file metrics: a file it dropped (an exclude,
    a filter) is a file nobody checked."""
    if not isinstance(metrics, dict):
        raise _fail("JSON has no metrics", "use the bandit version release-gates supports")
    scanned = {_path(name) for name in metrics if name != "_totals"}
    missing = [f for f in expected if f not in scanned]
    if missing:
        raise _fail(
            f"did not scan {len(missing)} requested file(s): {', '.join(missing[:5])}",
            "report this as a bug in release-gates (bandit filtered files it was given)",
        )


def _hit(raw: Any, config: SastConfig) -> ToolHit | None:
    try:
        if not config.confident_enough(str(raw["issue_confidence"])):
            return None
        if config.skipped_in(str(raw["test_id"]), _path(raw["filename"])):
            return None  # e.g. B101 assert in a pytest file
        lines = [int(n) for n in raw["line_range"]] or [int(raw["line_number"])]
        cwe = raw.get("issue_cwe") or {}
        return ToolHit(
            tool="bandit",
            rule=f"sast.bandit.{raw['test_id']}",
            path=_path(raw["filename"]),
            line=int(raw["line_number"]),
            column=int(raw["col_offset"]) + 1,
            end_line=max(lines),
            end_column=int(raw.get("end_col_offset", 0)) + 1,
            severity=config.severity_for(str(raw["issue_severity"]), str(raw["issue_confidence"])),
            message=_ADDRESS.sub(">", " ".join(str(raw["issue_text"]).split())),
            properties=(
                ("bandit_confidence", str(raw["issue_confidence"]).lower()),
                ("bandit_severity", str(raw["issue_severity"]).lower()),
                ("cwe", f"CWE-{cwe.get('id')}" if cwe.get("id") else ""),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(
            f"result has an unexpected shape ({type(exc).__name__}: {exc})",
            "use the bandit version release-gates supports",
        ) from None


def _run_one(
    root: Path,
    files: Sequence[str],
    config: SastConfig,
    tests: Sequence[str] | None,
    *,
    own: bool,
) -> list[ToolHit]:
    """One bandit process over `files`; `own`: this environment's bandit, run by bandit_main."""
    args = argv(files, config.bandit_skip, tests)
    if own:
        args = [sys.executable, "-I", str(_MAIN), *args[1:]]
    result = run_tool(
        args,
        gate=GATE,
        cwd=root,
        timeout_s=config.tool_timeout,
        ok_codes=(0, 1),
        install_hint=INSTALL,
        name="bandit",  # not the interpreter that runs bandit_main
    )
    return parse(result.stdout, config, expected=files, returncode=result.returncode)


def run(
    root: Path,
    files: Sequence[str],
    config: SastConfig,
    *,
    jobs: int,
    tests: Sequence[str] | None = None,
) -> list[ToolHit]:
    """bandit over `files` (repo-relative .py paths), split over up to `jobs` processes;
    `tests`: only these test ids (None: all but the policy's skips)."""
    if not files:
        return []
    n = max(1, min(jobs, len(files) // _MIN_FILES_PER_PROCESS))
    # Each process's paths must also fit on one command line (argv_batches).
    groups = [batch for i in range(n) for batch in argv_batches(files[i::n])]
    n = min(n, len(groups))
    # Resolved as run_tool resolves it: a bandit that is not there fails there, naming the
    # install (never python).
    own = bool(sys.executable) and bandit_install.is_own(_proc.resolve_executable("bandit"))
    if len(groups) == 1:
        return _run_one(root, groups[0], config, tests, own=own)
    with ThreadPoolExecutor(n) as pool:  # at most `n` bandit processes at a time
        parts = list(pool.map(lambda g: _run_one(root, g, config, tests, own=own), groups))
    return [hit for part in parts for hit in part]
