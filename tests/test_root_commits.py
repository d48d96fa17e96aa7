"""The fallback fingerprint key's root commit, remembered between runs (gates.root_commits).

Every answer is checked against git's own full walk (`gates.git.root_commit`), through the
histories that change it: new commits, a merged unrelated history, another branch, rewritten
history, a shallow clone and grafts, and forged cache entries."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gates import git as gitmod
from gates import root_commits
from gates.cachekey import machine_key, tag
from tests.gatekit import commit_files, git, make_repo, run_cli

PAN = "4539148803436467"  # Luhn-valid Visa number, not a public test card


def _cached(cache: Path) -> tuple[str, list[str]]:
    commit, roots, _proof = (cache / "root-commits").read_text().split("\n")
    return commit, roots.split()


def _all_roots(repo: Path) -> list[str]:
    return sorted(git(repo, "rev-list", "--max-parents=0", "HEAD").split())


def _root_sorting_high(repo: Path) -> str:
    """The repository's only commit, amended until its id sorts at "4" or above, and that id. An
    orphan root below it then takes a few tries (a quarter of all ids or more), where a root that
    happened to sort low could take thousands (one at 0133... failed 200 tries in CI)."""
    for attempt in range(200):
        commit = git(repo, "rev-parse", "HEAD").strip()
        if commit >= "4":
            return commit
        git(repo, "commit", "-q", "--amend", "-m", f"initial {attempt}")
    raise AssertionError("no commit id at 4 or above in 200 tries")


def _orphan_root_below(repo: Path, bound: str, branch: str) -> str:
    """A commit with no parent on `branch` whose id sorts before `bound` (so it becomes the
    smallest root when merged): commit ids are hashes, so a few tries find one."""
    git(repo, "checkout", "-q", "--orphan", branch)
    git(repo, "rm", "-rq", "--cached", ".")
    for attempt in range(200):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"another root {attempt}")
        commit = git(repo, "rev-parse", "HEAD").strip()
        if commit < bound:
            return commit
        git(repo, "update-ref", "-d", f"refs/heads/{branch}")
    raise AssertionError("no commit id below the bound in 200 tries")


def test_the_answer_follows_history_as_git_walks_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    cache = tmp_path / "cache"
    first = _root_sorting_high(repo)
    assert root_commits.oldest(repo, cache) == first == gitmod.root_commit(repo)
    # new commits on top: only the commits in between are asked about
    commit_files(repo, {"b.py": "y = 2\n"}, "second")
    assert root_commits.oldest(repo, cache) == first
    assert _cached(cache) == (git(repo, "rev-parse", "HEAD").strip(), [first])
    # an unrelated history merged in brings a smaller root: the union, not the old answer
    other = _orphan_root_below(repo, first, "other")
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "merge", "-q", "--allow-unrelated-histories", "-m", "join", "other")
    assert root_commits.oldest(repo, cache) == other == gitmod.root_commit(repo)
    assert _cached(cache)[1] == _all_roots(repo) == sorted([first, other])
    # back to a branch that does not hold the cached commit: the whole walk again
    git(repo, "checkout", "-q", "-b", "old", first)
    assert root_commits.oldest(repo, cache) == first == gitmod.root_commit(repo)
    assert _cached(cache) == (first, [first])


def test_rewritten_history_whose_cached_commit_is_gone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    cache = tmp_path / "cache"
    old = root_commits.oldest(repo, cache)
    git(repo, "checkout", "-q", "--orphan", "fresh")
    git(repo, "commit", "-q", "-m", "rewritten")
    git(repo, "branch", "-D", "main")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")
    assert old is not None
    gone = subprocess.run(["git", "cat-file", "-e", f"{old}^{{commit}}"], cwd=repo, check=False)
    assert gone.returncode != 0
    assert root_commits.oldest(repo, cache) == gitmod.root_commit(repo) != old


def test_a_shallow_clone_and_grafts_are_never_cached(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"a.py": "x = 1\n"})
    for n in range(3):
        commit_files(origin, {"a.py": f"x = {n + 2}\n"}, f"change {n}")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    cache = tmp_path / "cache-shallow"
    # the shallow boundary is the root git reports; deepening changes it under the same HEAD
    assert root_commits.oldest(shallow, cache) == git(shallow, "rev-parse", "HEAD").strip()
    assert not (cache / "root-commits").exists()
    git(shallow, "fetch", "-q", "--unshallow")
    assert root_commits.oldest(shallow, cache) == gitmod.root_commit(shallow)
    assert (
        root_commits.oldest(shallow, cache)
        == git(origin, "rev-list", "--max-parents=0", "HEAD").strip()
    )

    grafted = tmp_path / "grafted"
    git(tmp_path, "clone", "-q", str(origin), str(grafted))
    head = git(grafted, "rev-parse", "HEAD").strip()
    (grafted / ".git" / "info").mkdir(exist_ok=True)
    (grafted / ".git" / "info" / "grafts").write_text(head + "\n")  # HEAD made parentless
    cache = tmp_path / "cache-grafted"
    assert root_commits.oldest(grafted, cache) == gitmod.root_commit(grafted)
    assert not (cache / "root-commits").exists()


def test_a_forged_entry_is_ignored_and_a_genuine_one_is_used(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    cache = tmp_path / "cache"
    head = git(repo, "rev-parse", "HEAD").strip()
    fake = "0" * 40
    entry = cache / "root-commits"
    cache.mkdir()
    entry.write_text(f"{head}\n{fake}\n{'f' * 64}")  # someone else's write: no valid tag
    assert root_commits.oldest(repo, cache) == head
    # an entry under this machine's key is believed without a walk: that is the speed-up
    entry.write_text(f"{head}\n{fake}\n{tag(machine_key(), 'root-commits', head, fake)}")
    assert root_commits.oldest(repo, cache) == fake


def test_without_a_cache_directory_git_is_asked_every_time(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    assert root_commits.oldest(repo, None) == gitmod.root_commit(repo)
    empty = make_repo(tmp_path / "empty", {"a.py": "x = 1\n"}, commit=False)
    assert root_commits.oldest(empty, tmp_path / "cache") is None


def test_fingerprints_from_a_remembered_root_equal_a_fresh_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user sees: the same fingerprints whether the run walked the history or used
    what an earlier run remembered, and a new smaller root changes them in both."""
    repo = make_repo(tmp_path / "repo", {"fixtures/card.txt": f"card {PAN}\n"})
    first = _root_sorting_high(repo)

    def fingerprints(cache_home: Path) -> list[str]:
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
        code, out = run_cli(repo, "run", "--gate", "pii", "--format", "json")
        assert code == 1
        return [f["fingerprint"] for f in json.loads(out)["findings"]]

    before = fingerprints(tmp_path / "warm")
    _orphan_root_below(repo, first, "other")
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "merge", "-q", "--allow-unrelated-histories", "-m", "join", "other")
    warm = fingerprints(tmp_path / "warm")
    assert warm == fingerprints(tmp_path / "cold")
    assert warm != before


def _kinds_of_repository(tmp_path: Path) -> dict[str, Path]:
    """A plain repository, a shallow clone, a grafted clone and an unborn one, each with a
    subdirectory to start from."""
    origin = make_repo(tmp_path / "origin", {"sub/a.py": "x = 1\n"})
    commit_files(origin, {"sub/a.py": "x = 2\n"}, "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    grafted = tmp_path / "grafted"
    git(tmp_path, "clone", "-q", str(origin), str(grafted))
    (grafted / ".git" / "info").mkdir(exist_ok=True)
    (grafted / ".git" / "info" / "grafts").write_text(git(grafted, "rev-parse", "HEAD"))
    unborn = make_repo(tmp_path / "unborn", {"sub/a.py": "x = 1\n"}, commit=False)
    return {"plain": origin, "shallow": shallow, "grafted": grafted, "unborn": unborn}


@pytest.mark.parametrize("start", [".", "sub"])
def test_locate_answers_as_toplevel_and_head_do_from_any_directory(
    tmp_path: Path, start: str
) -> None:
    # One git call answers both; the shallow and graft files it names are relative to where git
    # ran, so a run started in a subdirectory must still see them (or it would cache a root
    # that deepening the clone changes).
    for name, repo in _kinds_of_repository(tmp_path).items():
        located = gitmod.locate(repo / start)
        assert located is not None, name
        top, head = located
        assert top == gitmod.toplevel(repo / start) == repo.resolve(), name
        assert head == gitmod.head(repo), name
        expected_fixed = {"plain": True, "shallow": False, "grafted": False}
        assert (head is None) == (name == "unborn"), name
        if head is not None:
            assert head.parents_fixed is expected_fixed[name], name
            assert head.commit == git(repo, "rev-parse", "HEAD").strip(), name
    assert gitmod.locate(tmp_path) is None  # no repository at or above it


def test_a_run_from_a_subdirectory_of_a_shallow_clone_caches_no_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = make_repo(tmp_path / "origin", {"sub/a.py": "x = 1\n"})
    commit_files(origin, {"sub/a.py": "x = 2\n"}, "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    remembered = {}
    for name, repo in (("full", origin), ("shallow", shallow)):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"xdg-{name}"))
        code, _ = run_cli(repo / "sub", "run", "--gate", "pii", "--format", "json")
        assert code == 0
        remembered[name] = list((tmp_path / f"xdg-{name}").rglob("root-commits"))
    assert len(remembered["full"]) == 1  # a full history is remembered, from anywhere in it
    assert remembered["shallow"] == []  # the shallow boundary is not its root
