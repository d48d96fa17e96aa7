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
