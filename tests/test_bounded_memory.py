"""A large repository is scanned in bounded memory: semgrep in several processes, the sast
gate's cache keys and the secrets gate's texts in batches, the secrets pool started once.

Peak memory itself is measured by `python -m bench.run` (bench/README.md); these tests pin the
behaviour that bounds it, on real tools, and that batching changes no finding."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates import budget
from gates.checks.sast import GATE as SAST
from gates.checks.sast import gate as sast_gate
from gates.checks.sast import semgrep
from gates.checks.secrets import GATE as SECRETS
from gates.checks.secrets import gate as secrets_gate
from gates.checks.secrets import scanner
from gates.model import Finding
from tests.gatekit import context, make_repo, meeting_at_a_barrier

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file is not itself a finding
_T = TypeVar("_T")
TLS_OFF = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"


def _where(found: list[Finding]) -> list[tuple[str, str, int]]:
    return [(f.rule, f.location.path, f.location.line) for f in found]


def test_semgrep_batches_bound_the_source_bytes_per_process(tmp_path: Path) -> None:
    sizes = {"a.py": 40, "b.py": 40, "c.py": 100, "d.py": 10, "e.py": 10}
    for name, size in sizes.items():
        (tmp_path / name).write_text("#" * (size - 1) + "\n")
    names = list(sizes)
    assert semgrep.batches(tmp_path, names, 80) == [["a.py", "b.py"], ["c.py"], ["d.py", "e.py"]]
    assert semgrep.batches(tmp_path, names, 1 << 20) == [names]


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=12),
    jobs=st.integers(min_value=2, max_value=4),
)
def test_semgrep_batches_give_each_process_a_share_and_no_more_processes_than_jobs(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], jobs: int
) -> None:
    """With `jobs` processes side by side, a repository of `jobs` shares or more is cut into at
    most `jobs` runs (no small straggler starting a process of its own), in order, each within
    the byte budget unless it is one file; a smaller repository is one run."""
    root = tmp_path_factory.mktemp("b")
    names = [f"m{i:02d}.py" for i in range(len(sizes))]
    for name, size in zip(names, sizes, strict=True):
        (root / name).write_bytes(b"#" * size)
    share = 100
    got = _with_share(share, lambda: semgrep.batches(root, names, 10_000, jobs=jobs))
    assert [n for run in got for n in run] == names
    if sum(sizes) < jobs * share:
        assert got == [names]
    else:
        assert len(got) <= jobs
        # each closed run would have overflowed with the next file: the runs hold real shares
        assert all(sum(sizes[names.index(n)] for n in run) <= sum(sizes) // jobs + 1 + max(sizes)
                   for run in got)  # fmt: skip


def _with_share(share: int, fn: Callable[[], _T]) -> _T:
    saved = semgrep.MIN_SHARE_BYTES
    semgrep.MIN_SHARE_BYTES = share
    try:
        return fn()
    finally:
        semgrep.MIN_SHARE_BYTES = saved


def test_semgrep_processes_run_side_by_side_single_threaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches, two jobs: both semgrep processes are running at once (each waits for the
    other at a barrier before it starts: one after another, the first would wait in vain), each
    with `--jobs=1`, and the findings are those of one process."""
    files = {f"svc/m{i}.py": TLS_OFF for i in range(2)}
    repo = make_repo(tmp_path / "repo", files)
    config = {"bandit": {"enabled": False}}
    whole = list(SAST.run(context("sast", repo, config)))
    started = meeting_at_a_barrier(monkeypatch, semgrep, "run_tool", 2)
    monkeypatch.setattr(semgrep, "TARGET_BYTES", len(TLS_OFF))
    assert list(SAST.run(dataclasses.replace(context("sast", repo, config), jobs=2))) == whole
    assert len(started) == 2
    assert all("--jobs=1" in argv for argv in started)


def test_a_large_sast_run_starts_bandit_once_semgrep_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past budget.ONE_AT_A_TIME_BYTES each tool keeps every core busy alone, so bandit starts
    when semgrep has ended and memory holds one tool's processes; below it the two run at once
    (each waits for the other at a barrier). The findings are the same either way."""
    code = (
        TLS_OFF + "\n\ndef run(cmd):\n    import subprocess\n    subprocess.call(cmd, shell=True)\n"
    )
    repo = make_repo(tmp_path / "repo", {"svc/m.py": code})
    real_semgrep, real_bandit = sast_gate._semgrep, sast_gate.bandit.run
    barrier = threading.Barrier(2, timeout=60)

    def meeting(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            barrier.wait()
            return real(*args, **kwargs)

        return call

    with monkeypatch.context() as patched:
        patched.setattr(sast_gate, "_semgrep", meeting(real_semgrep))
        patched.setattr(sast_gate.bandit, "run", meeting(real_bandit))
        side_by_side = list(SAST.run(context("sast", repo, {})))
    assert {f.rule.split(".")[1] for f in side_by_side} >= {"tls-verify-disabled", "bandit"}

    events: list[str] = []

    def logged(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            events.append(f"{name} starts")
            try:
                return real(*args, **kwargs)
            finally:
                events.append(f"{name} ends")

        return call

    monkeypatch.setattr(budget, "ONE_AT_A_TIME_BYTES", 1)
    monkeypatch.setattr(sast_gate, "_semgrep", logged("semgrep", real_semgrep))
    monkeypatch.setattr(sast_gate.bandit, "run", logged("bandit", real_bandit))
    assert list(SAST.run(context("sast", repo, {}))) == side_by_side
    assert events == ["semgrep starts", "semgrep ends", "bandit starts", "bandit ends"]


def test_semgrep_in_several_processes_finds_what_one_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each semgrep process gets at most TARGET_BYTES of source: cut to one file per process,
    the sast gate starts one semgrep per file and reports exactly what one process reports."""
    files = {f"svc/m{i}.py": TLS_OFF for i in range(3)}
    repo = make_repo(tmp_path / "repo", files)
    config = {"bandit": {"enabled": False}}
    whole = list(SAST.run(context("sast", repo, config)))
    assert _where(whole) == [("sast.tls-verify-disabled", f"svc/m{i}.py", 5) for i in range(3)]
    started: list[list[str]] = []
    real = semgrep.run_tool

    def run_tool(argv: list[str], **kw: Any) -> Any:
        started.append(argv[argv.index("--") + 1 :])
        return real(argv, **kw)

    monkeypatch.setattr(semgrep, "run_tool", run_tool)
    monkeypatch.setattr(semgrep, "TARGET_BYTES", len(TLS_OFF))
    assert list(SAST.run(context("sast", repo, config))) == whole
    assert sorted(started) == [[f"svc/m{i}.py"] for i in range(3)]


def test_sast_cache_keys_read_in_batches_give_the_findings_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sast gate reads its files for their cache keys a few at a time (text read at once
    is bounded): cold and warm, cut into batches of one file, the findings are the same."""
    files = {f"svc/m{i}.py": TLS_OFF for i in range(3)}
    repo = make_repo(tmp_path / "repo", files)
    config = {"bandit": {"enabled": False}}
    whole = list(SAST.run(context("sast", repo, config)))
    assert len(whole) == 3
    monkeypatch.setattr(sast_gate, "_BATCH_BYTES", 1)
    cache = tmp_path / "cache"
    assert list(SAST.run(context("sast", repo, config, cache_dir=cache))) == whole
    entries = list(cache.rglob("*.json"))
    assert len(entries) == 3
    assert list(SAST.run(context("sast", repo, config, cache_dir=cache))) == whole


_PIDS = "RELEASE_GATES_TEST_PIDS"
_SCAN_MANY = scanner.scan_many


def _recording_scan_many(items: Any, settings: Any, **options: Any) -> Any:
    """scanner.scan_many, noting the process it ran in (the pool's: forked with this patch)."""
    with open(os.environ[_PIDS], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _SCAN_MANY(items, settings, **options)


def test_secrets_pool_is_started_once_for_every_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets gate's worker processes are forked once, before any text is read (a worker
    forked while a batch of texts was held kept a private copy of much of it), and serve every
    batch: several batches over two jobs are scanned by two processes, with the findings of a
    run in this process."""
    files = {f"app/m{i:02d}.py": f'KEY_{i} = "{STRIPE}"\nx = {i}\n' for i in range(12)}
    repo = make_repo(tmp_path / "repo", files)
    alone = list(SECRETS.run(context("secrets", repo)))
    assert len({f.location.path for f in alone}) == 12
    pids = tmp_path / "pids"
    monkeypatch.setenv(_PIDS, str(pids))
    monkeypatch.setattr(scanner, "scan_many", _recording_scan_many)
    monkeypatch.setattr(secrets_gate, "_PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(secrets_gate, "_BATCH_BYTES", 200)  # four files a batch: three batches
    ctx = dataclasses.replace(context("secrets", repo), jobs=2)
    assert list(SECRETS.run(ctx)) == alone
    used = pids.read_text().split()
    assert len(used) >= 6  # several groups in each of the batches
    assert len(set(used)) <= 2
    assert str(os.getpid()) not in used
