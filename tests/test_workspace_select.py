"""Selecting the files of a run: what is scanned, what is listed as not scanned, and the sizes the
gates batch by, on a real git repository whose working tree was tampered with after checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gates import workspace
from gates.model import Unscanned
from tests.gatekit import make_repo


def _tampered(tmp_path: Path, more: int = 0) -> Path:
    """A repository whose working tree no longer matches git's view of it; `more` plain files
    sort after the tampered ones."""
    repo = make_repo(
        tmp_path / "repo",
        {
            **{f"z{n:02d}.py": "y = 2\n" * n for n in range(more)},
            "text.py": "x = 1\n",
            "empty.txt": "",
            "blob.bin": b"\x00\x01" * 10,
            "big.txt": "a" * 300,
            "fifo.txt": "was a file\n",
            "gone.txt": "deleted later\n",
            "link.txt": "becomes a symlink\n",
        },
    )
    (repo / "fifo.txt").unlink()
    os.mkfifo(repo / "fifo.txt")  # opening it for reading would block without O_NONBLOCK
    (repo / "gone.txt").unlink()
    (repo / "link.txt").unlink()
    (repo / "link.txt").symlink_to("text.py")
    return repo


def test_tracked_files_as_the_working_tree_holds_them(tmp_path: Path) -> None:
    repo = _tampered(tmp_path)
    ws = workspace.tracked(repo, max_bytes=100)
    assert ws.files == ("empty.txt", "text.py")
    assert {s.path: (s.reason.split(" (")[0].split(":")[0], s.kind) for s in ws.skipped} == {
        "big.txt": ("large", Unscanned.LARGE),
        "blob.bin": ("binary", Unscanned.BINARY),
        "fifo.txt": ("not a regular file", Unscanned.OTHER),
        "link.txt": ("symlink", Unscanned.OTHER),
    }
    assert "symlink (inside the repository), not followed" in {s.reason for s in ws.skipped}
    # the sizes seen while selecting, raw files included; nothing else was stat'ed twice
    assert ws.seen_sizes == {"empty.txt": 0, "text.py": 6}
    assert ws.sizes(["text.py", "empty.txt"]) == [6, 0]
    (repo / "text.py").write_text("x = 1234\n")  # a stale size moves a batch boundary only
    assert ws.sizes(["text.py"]) == [6]
    assert ws.sizes(["big.txt"]) == [300]  # not seen as a scanned file: asked of the disk
    assert ws.subset(["text.py"]).seen_sizes == {"text.py": 6}


def test_named_and_plain_directory_selection_agree(tmp_path: Path) -> None:
    repo = _tampered(tmp_path)
    names = ["text.py", "empty.txt", "blob.bin", "big.txt", "fifo.txt", "link.txt"]
    old = Path.cwd()
    os.chdir(repo)
    try:
        git_named = workspace.named(repo, names, is_git=True, max_bytes=100)
        plain_named = workspace.named(repo, names, is_git=False, max_bytes=100)
    finally:
        os.chdir(old)
    plain = workspace.directory(repo, max_bytes=100)
    for ws in (git_named, plain_named, plain):
        assert ws.files == ("empty.txt", "text.py")
        assert [s.path for s in ws.skipped] == ["big.txt", "blob.bin", "fifo.txt", "link.txt"]
        assert ws.seen_sizes == {"empty.txt": 0, "text.py": 6}


def test_selection_split_over_two_processes_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _tampered(tmp_path, more=40)  # both halves hold scanned and skipped files
    serial = workspace.directory(repo, max_bytes=100)
    alone = workspace.tracked(repo, max_bytes=100)
    monkeypatch.setattr(workspace, "_FORK_MIN_FILES", 2)
    here = os.getpid()
    split = workspace.tracked(repo, max_bytes=100)
    assert os.getpid() == here
    assert split == alone
    assert workspace.directory(repo, max_bytes=100) == serial


def test_a_pass_over_many_files_reads_each_whole_whatever_happened_since_selection(
    tmp_path: Path,
) -> None:
    """The reader sizes its read by the size seen at selection: a file that grew or shrank since
    is still read to its end, and one swapped for a symlink is refused, as `read_bytes` does.
    (Files larger than the selection's sniff: smaller ones were read whole by it, below.)"""
    big = 2000  # lines of 6 bytes: past the 8 KiB sniff
    repo = make_repo(
        tmp_path / "repo",
        {
            "grows.py": "a = 1\n" * big,
            "shrinks.py": "b = 2\n" * big,
            "same.py": "c = 3\n" * big,
            "e.txt": "",
        },
    )
    ws = workspace.tracked(repo)
    assert set(ws.kept) == {"e.txt"}
    (repo / "grows.py").write_text("a = 1\n" * 200_000)  # 1.2 MB: more than one read on
    (repo / "shrinks.py").write_text("b\n")
    (repo / "same.py").unlink()
    (repo / "same.py").symlink_to("grows.py")
    with ws.reader() as read:
        assert read("grows.py") == (repo / "grows.py").read_bytes()
        assert read("shrinks.py") == b"b\n"
        assert read("e.txt") == b""
        with pytest.raises(OSError, match="symbolic links"):
            read("same.py")
    assert [ws.read_bytes(p) for p in ("grows.py", "shrinks.py")] == [
        (repo / p).read_bytes() for p in ("grows.py", "shrinks.py")
    ]
    with pytest.raises(OSError, match="symbolic links"):
        ws.read_bytes("same.py")


def test_a_small_file_is_read_once_and_scanned_as_selection_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Selecting a file reads its first 8 KiB; a text file no larger than that was read whole,
    so the gates get those bytes and never open it again (up to a budget of bytes kept): what
    was classified as text is what is scanned, even if the file changed in between."""
    repo = make_repo(
        tmp_path / "repo",
        {"a.py": "a = 1\n", "b.py": "b = 2\n", "c.py": "c = 3\n", "blob.bin": b"\x00" * 10},
    )
    monkeypatch.setattr(workspace, "_KEPT_BYTES", 12)  # room for two of the three
    ws = workspace.tracked(repo)
    assert ws.kept == {"a.py": b"a = 1\n", "b.py": b"b = 2\n"}
    for name in ("a.py", "b.py", "c.py"):
        (repo / name).unlink()
        (repo / name).write_bytes(b"\x00 changed since selection\n")
    with ws.reader() as read:
        assert read("a.py") == b"a = 1\n"  # kept: not opened again
        assert read("c.py") == b"\x00 changed since selection\n"  # past the budget: read now
    assert ws.read_bytes("b.py") == b"b = 2\n"
    assert ws.subset(["b.py"]).kept == {"b.py": b"b = 2\n"}
