"""`gates.git.log_patches` and `_proc.stream_tool`: the history streamed from real git."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pytest

from gates import git as gitmod
from gates import tool_timeouts
from gates.errors import GateCannotRun
from gates.history.patch import added
from tests.gatekit import git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    (root / "a.txt").write_text("one\ntwo\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "two")
    return root


def test_streams_each_commit_with_its_added_lines(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    root = git(repo, "rev-parse", "HEAD~1").strip()
    chunks = gitmod.log_patches(repo, ("HEAD",), lambda out: list(added(out)))
    assert [(c.commit, c.path, c.lines) for c in chunks] == [
        (head, "a.txt", ((2, "two"),)),
        (root, "a.txt", ((1, "one"),)),  # the root commit's own diff
    ]


def test_user_config_does_not_change_the_stream(repo: Path) -> None:
    """Settings that would change `git log -p` output (colour, prefixes, root, pager) are pinned."""
    for key, value in [
        ("color.ui", "always"),
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("log.showRoot", "false"),
        ("log.showSignature", "true"),
    ]:
        git(repo, "config", key, value)
    chunks = gitmod.log_patches(repo, ("HEAD",), lambda out: list(added(out)))
    assert [(c.path, c.lines) for c in chunks] == [
        ("a.txt", ((2, "two"),)),
        ("a.txt", ((1, "one"),)),
    ]


def test_output_the_consumer_leaves_is_drained(repo: Path) -> None:
    assert gitmod.log_patches(repo, ("HEAD",), lambda out: out.read(1)) == b"\x01"


def test_consumer_error_propagates(repo: Path) -> None:
    def boom(out: IO[bytes]) -> None:
        out.readline()
        raise RuntimeError("parser bug")

    with pytest.raises(RuntimeError, match="parser bug"):
        gitmod.log_patches(repo, ("HEAD",), boom)


def test_unknown_revision_is_git_failed(repo: Path) -> None:
    with pytest.raises(gitmod.GitFailed, match="log -p"):
        gitmod.log_patches(repo, ("no-such-branch..HEAD",), lambda out: list(added(out)))


def test_timeout_kills_the_stream(repo: Path) -> None:
    with (
        tool_timeouts.using(tool_timeouts.ToolTimeouts(git=0.000001)),
        pytest.raises(GateCannotRun, match="did not finish within 1e-06s"),
    ):
        gitmod.log_patches(repo, ("HEAD",), lambda out: list(added(out)))


def test_root_commit_of_unborn_single_and_merged_histories(tmp_path: Path) -> None:
    """The derived fingerprint key's seed: None before the first commit, else the smallest id
    among HEAD's root commits (a merge of unrelated histories has two)."""
    empty = make_repo(tmp_path / "empty", {"a.py": "x = 1\n"}, commit=False)
    assert gitmod.root_commit(empty) is None
    one = make_repo(tmp_path / "one", {"a.py": "x = 1\n"})
    first = git(one, "rev-parse", "HEAD").strip()
    git(one, "commit", "-q", "--allow-empty", "-m", "second")
    assert gitmod.root_commit(one) == first
    git(one, "checkout", "-q", "--orphan", "other")
    git(one, "commit", "-q", "--allow-empty", "-m", "another root")
    other = git(one, "rev-parse", "HEAD").strip()
    git(one, "checkout", "-q", "main")
    git(one, "merge", "-q", "--allow-unrelated-histories", "-m", "join", "other")
    assert gitmod.root_commit(one) == min(first, other)


def test_root_commit_of_a_broken_repository_is_git_failed(tmp_path: Path) -> None:
    """A rev-list that fails while HEAD exists is an error, never "no commit yet"."""
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    parent = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    head = git(repo, "rev-parse", "HEAD").strip()
    obj = repo / ".git" / "objects" / parent[:2] / parent[2:]  # the walk must read it
    obj.chmod(0o644)
    obj.write_bytes(b"corrupt")
    assert gitmod.rev_parse(repo, "HEAD") == head
    with pytest.raises(gitmod.GitFailed):
        gitmod.root_commit(repo)
