"""A large repository is scanned in bounded memory: semgrep in several processes, the sast
gate's cache keys and the secrets gate's texts in batches, the secrets pool started once.

Peak memory itself is measured by `python -m bench.run` (bench/README.md); these tests pin the
behaviour that bounds it, on real tools, and that batching changes no finding."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from gates.checks.sast import GATE as SAST
from gates.checks.sast import gate as sast_gate
from gates.checks.sast import semgrep
from gates.checks.secrets import GATE as SECRETS
from gates.checks.secrets import gate as secrets_gate
from gates.checks.secrets import scanner
from gates.model import Finding
from tests.gatekit import context, make_repo

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file is not itself a finding
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
    assert started == [[f"svc/m{i}.py"] for i in range(3)]


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


def _recording_scan_many(items: Any, settings: Any) -> Any:
    """scanner.scan_many, noting the process it ran in (the pool's: forked with this patch)."""
    with open(os.environ[_PIDS], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _SCAN_MANY(items, settings)


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
