"""The cache home ages: what no run used for the maximum age is deleted, what runs read stays."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import time
import types
from pathlib import Path

import pytest

from gates import cache_sweep, pipeline
from gates.checks import result_cache
from gates.cli import main
from tests.gatekit import commit_files, make_repo

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file is not itself a finding
OTHER = "sk_live_" + "9xQ27WmPzvLkRtYb3HsJ8cNe"
DAY = cache_sweep.DAY_SECONDS


def _home() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "release-gates"


def _run(repo: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, list[str]]:
    """Exit code and rules found of a secrets run in `repo`."""
    monkeypatch.chdir(repo)
    out = io.StringIO()
    args = ["run", "--gate", "secrets", "--now", "2026-06-01T00:00:00Z", "--format", "json"]
    code = main([*args, *extra], out=out)
    return code, sorted(f["rule"] for f in json.loads(out.getvalue())["findings"])


def _age(path: Path, days: float) -> None:
    """Make `path` look last modified `days` days ago."""
    then = time.time() - days * DAY
    os.utime(path, (then, then), follow_symlinks=False)


def _sweep_due() -> None:
    _age(_home() / cache_sweep.SWEPT, 2)


def _folders() -> set[str]:
    return {p.name for p in _home().iterdir() if p.is_dir() and not p.is_symlink()}


def _folder_of(repo: Path) -> Path:
    return pipeline.cache_root(pipeline.Repo(root=repo.resolve(), is_git=True))


def _entries(folder: Path) -> set[Path]:
    """The result entries of the secrets gate that hold findings, in one repository folder."""
    return {
        p
        for p in (folder / "secrets").rglob("*.json")
        if p.parent.name != "clean" and json.loads(p.read_text())["findings"]
    }


def _repo(tmp_path: Path, name: str) -> Path:
    return make_repo(
        tmp_path / name,
        {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n', "app/ok.py": "x = 1\n"},
    )


def test_a_repository_folder_unused_for_the_maximum_age_goes_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deleted clone's folder goes once it is 30 days unused; the folder of a repository in
    use stays, and nothing that is not a repository folder of ours is touched: another folder in
    the home, or a symlink there to a folder elsewhere that looks like one."""
    old, current = _repo(tmp_path, "old"), _repo(tmp_path, "current")
    answer = _run(old, monkeypatch)
    assert answer[0] == 1
    _run(current, monkeypatch)
    assert _folders() == {_folder_of(old).name, _folder_of(current).name}
    for repo in (old, current):
        assert stat.S_IMODE((_folder_of(repo) / cache_sweep.USED).stat().st_mode) == 0o600
        assert stat.S_IMODE(_folder_of(repo).stat().st_mode) == 0o700  # made by the mark
    mine = _home() / "notes"
    mine.mkdir()
    (mine / "kept.txt").write_text("not the cache's\n")
    _age(mine / "kept.txt", 400)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / cache_sweep.USED).write_text("")
    (elsewhere / "precious.txt").write_text("keep me\n")
    _age(elsewhere / cache_sweep.USED, 400)
    (_home() / "0123456789abcdef").symlink_to(elsewhere)
    _age(_folder_of(old) / cache_sweep.USED, 31)
    _sweep_due()
    _run(current, monkeypatch)
    assert _folders() == {"notes", _folder_of(current).name}
    assert (mine / "kept.txt").exists()
    assert (elsewhere / "precious.txt").exists()
    assert (_home() / "0123456789abcdef").is_symlink()
    assert _run(old, monkeypatch) == answer  # scanned afresh, the same answer


def test_entries_not_read_for_the_maximum_age_go_and_a_hit_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a folder still in use, an entry of content long changed goes once 30 days old; an
    entry a run hits has its age refreshed, so it stays however old it was first written."""
    repo = _repo(tmp_path, "repo")
    assert _run(repo, monkeypatch)[0] == 1
    folder = _folder_of(repo)
    (dead,) = _entries(folder)
    commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{OTHER}"\n'}, "rotate the key")
    answer = _run(repo, monkeypatch)
    (live,) = _entries(folder) - {dead}
    _age(dead, 31)
    _age(live, 29)
    assert _run(repo, monkeypatch) == answer  # a hit, no sweep due: the entry is young again
    assert live.stat().st_mtime > time.time() - 3600
    _sweep_due()
    assert _run(repo, monkeypatch) == answer
    assert _entries(folder) == {live}


@pytest.fixture
def clean_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clean sets even for these small repositories (a run over many files uses them)."""
    monkeypatch.setattr(result_cache, "CLEAN_SET_MIN_FILES", 0)


def _on_day(monkeypatch: pytest.MonkeyPatch, day: int) -> None:
    """The result cache's clock on `day` (days since the epoch), at noon."""
    monkeypatch.setattr(result_cache, "time", types.SimpleNamespace(time=lambda: (day + 0.5) * DAY))


def _clean_sets(folder: Path) -> list[Path]:
    return sorted((folder / "secrets" / "clean").glob("*.json"))


@pytest.mark.usefixtures("clean_sets")
def test_clean_keys_carry_their_last_lookup_and_merging_drops_the_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clean file's key carries the day it was last looked up: looked up on a later day it is
    stamped again (one set that day, none for further runs), and a merge keeps the keys looked up
    within 30 days and drops the others (a file deleted a month ago)."""
    repo = make_repo(
        tmp_path / "repo",
        {
            "app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n',
            "app/ok.py": "x = 1\n",
            "app/gone.py": "y = 2\n",
        },
    )
    day = cache_sweep.day_of(time.time())
    _on_day(monkeypatch, day)
    answer = _run(repo, monkeypatch)
    folder = _folder_of(repo)
    (first,) = _clean_sets(folder)
    assert sorted(json.loads(first.read_text())["keys"].values()) == [day, day]
    (repo / "app" / "gone.py").unlink()
    commit_files(repo, {}, "remove gone.py")
    _on_day(monkeypatch, day + 31)
    assert _run(repo, monkeypatch) == answer
    (stamped,) = set(_clean_sets(folder)) - {first}
    assert list(json.loads(stamped.read_text())["keys"].values()) == [day + 31]  # app/ok.py
    assert _run(repo, monkeypatch) == answer
    assert len(_clean_sets(folder)) == 2  # looked up today already: no set more
    monkeypatch.setattr(result_cache, "CLEAN_SETS_MAX", 1)
    assert _run(repo, monkeypatch) == answer  # reads two sets: merges them
    (merged,) = _clean_sets(folder)
    assert list(json.loads(merged.read_text())["keys"].values()) == [day + 31]


def test_a_bad_maximum_age_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path, "repo")
    monkeypatch.setenv(cache_sweep.ENV, "30d")
    monkeypatch.chdir(repo)
    assert main(["run", "--gate", "secrets"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert cache_sweep.ENV in err
    assert "whole number of days" in err


def test_a_home_that_cannot_be_written_leaves_the_run_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Housekeeping never decides a run: with the home a file (nothing can be made below it),
    a run without the result cache gives the answer it gives with a home."""
    repo = _repo(tmp_path, "repo")
    answer = _run(repo, monkeypatch, "--no-cache")
    shutil.rmtree(_home())
    _home().write_text("not a folder\n")
    assert _run(repo, monkeypatch, "--no-cache") == answer


def test_the_policy_caches_a_run_reads_stay_young(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parsed policy, the validity marker a `--gate` run looks for and the remembered root
    commits are read by every run: each read refreshes their age, so the sweep never takes them
    while they are in use. (The full check's marker, which such a run does not read, ages like
    any file no run reads.)"""
    repo = _repo(tmp_path, "repo")
    answer = _run(repo, monkeypatch)
    folder = _folder_of(repo)
    caches = [p for p in folder.rglob("*") if p.is_file() and "secrets" not in p.parts]
    caches = [p for p in caches if p.name != cache_sweep.USED]
    assert {p.parent.name for p in caches} == {"parsed-policies", "valid-policies", folder.name}
    for path in caches:
        _age(path, 29)
    assert _run(repo, monkeypatch) == answer
    young = {p for p in caches if p.stat().st_mtime > time.time() - 3600}
    assert {p for p in caches if p.parent.name != "valid-policies"} <= young
    assert len([p for p in young if p.parent.name == "valid-policies"]) == 1
