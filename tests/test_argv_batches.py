"""A repository with more files than one command line holds still gets every file scanned."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gates import _proc
from tests.gatekit import make_repo


@given(
    # Paths as git gives them to us: any bytes but NUL, decoded with surrogateescape.
    paths=st.lists(
        st.binary(min_size=1, max_size=40)
        .filter(lambda b: b"\0" not in b)
        .map(lambda b: b.decode("utf-8", "surrogateescape"))
    ),
    budget=st.integers(min_value=1, max_value=200),
)
def test_batches_keep_every_path_in_order_within_the_budget(paths: list[str], budget: int) -> None:
    batches = _proc.argv_batches(paths, budget)
    assert [p for batch in batches for p in batch] == paths
    for batch in batches:
        assert batch
        size = sum(len(p.encode("utf-8", "surrogateescape")) + 3 for p in batch)
        assert size <= budget or len(batch) == 1


def _small_arg_max() -> None:
    # glibc and the kernel allow command lines of a quarter of the stack limit: 1 MiB of stack
    # leaves 256 KiB, which the paths below exceed.
    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (1 << 20, hard))


def test_a_repository_longer_than_one_command_line_is_scanned_whole(tmp_path: Path) -> None:
    """semgrep and bandit get the paths in batches that fit the system's limit: every file is
    scanned. Before, `exec` failed with E2BIG (a repository of 27,000 Python files) and the gate
    could only report that semgrep "could not start"."""
    folder = "pkg/" + "a_long_directory_name_for_a_generated_service_package/" * 2
    files = {
        f"{folder}module_{i:05d}_with_a_long_descriptive_name.py": "x = 1\n" for i in range(2300)
    }
    files[f"{folder}zz_loader.py"] = "import pickle\n\ndef load(b):\n    return pickle.loads(b)\n"
    repo = make_repo(tmp_path / "repo", files)
    assert sum(len(name) + 1 for name in files) > 256 * 1024
    out = tmp_path / "report.json"
    argv = [sys.executable, "-m", "gates", "run", "--no-cache", "--gate", "sast",
            "--format", "json", "--output", str(out)]  # fmt: skip
    proc = subprocess.run(
        argv, cwd=repo, preexec_fn=_small_arg_max, capture_output=True, check=False
    )
    assert proc.returncode == 1, proc.stderr[-800:]
    report = json.loads(out.read_text())
    assert report["gates"][0]["errors"] == []
    found = {(f["rule"], f["location"]["path"]) for f in report["findings"]}
    assert found == {
        ("sast.bandit.B403", f"{folder}zz_loader.py"),
        ("sast.pickle-load", f"{folder}zz_loader.py"),
    }
