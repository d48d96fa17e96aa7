"""Coverage is part of the verdict: a value hidden where a gate does not look still blocks.

Each test plants a card number or a token where the gates used to skip silently (after 1 MiB of
padding, in a file with a NUL byte, in UTF-16, in a submodule) in a real git repository, runs the
CLI and asserts what a user sees: the exit code, the finding's location, the skipped-file list.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.cli import main
from tests.gatekit import git, make_repo

PAN = "4301661318609135"  # Luhn-valid Visa, not a published test card
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
MIB = 1024 * 1024


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, dict[str, object]]:
    monkeypatch.chdir(root)
    out = io.StringIO()
    code = main(["run", *argv, "--no-cache", "--format", "json"], out=out)
    return code, json.loads(out.getvalue())


def _found(doc: dict[str, object]) -> list[tuple[str, str, int]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return sorted((f["rule"], f["location"]["path"], f["location"]["line"]) for f in findings)


def _skipped(doc: dict[str, object]) -> dict[str, str]:
    skipped = doc["skipped"]
    assert isinstance(skipped, list)
    return {s["path"]: s["reason"] for s in skipped}


def test_card_after_one_mib_of_padding_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    padding = ("# padding line, nothing to see here\n" * (MIB // 36 + 10)).encode()
    lines = padding.count(b"\n")
    root = make_repo(tmp_path / "r", {"big.py": padding + f"card = '{PAN}'\n".encode()})
    code, doc = _run(root, monkeypatch, "--gate", "pii", "--gate", "audit-log")
    assert code == 1
    assert _found(doc) == [("pii.pan", "big.py", lines + 1)]
    # audit-log (which parses Python) skips it, and the report says so
    assert "big.py" in _skipped(doc)
    assert "streamed" in _skipped(doc)["big.py"]
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert "big.py" not in _skipped(doc)  # pii alone read all of it: no gap to report


@pytest.mark.parametrize("brk", ["\r", "\r\n"], ids=["cr", "crlf"])
def test_token_in_a_streamed_file_with_cr_line_ends_is_found_on_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, brk: str
) -> None:
    # Over 1 MiB a text file is scanned in windows, each hit mapped back to the window line that
    # holds it. The lines are counted at \n, \r\n and a lone \r, as detect-secrets counts them
    # (gates/textlines.py), so every hit maps to a line its window owns; a form feed is no break.
    padding = ("# padding line,\x0c nothing to see here" + brk) * (5 * MIB // 2 // 39)  # 3 windows
    lines = padding.count(brk)
    root = make_repo(tmp_path / "r", {"big.py": (padding + f"token = '{TOKEN}'{brk}").encode()})
    code, doc = _run(root, monkeypatch, "--gate", "secrets")
    assert code == 1
    assert ("secrets.github-token", "big.py", lines + 1) in _found(doc)
    assert {n for _, p, n in _found(doc) if p == "big.py"} == {lines + 1}


def test_card_in_the_third_window_of_a_streamed_file_is_found_on_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pii gate numbers a streamed file's lines by the newlines of the windows before (counted
    # only for text files, and only as the pii gate counts them: gates.streaming.numbered).
    padding = "# padding line, nothing to see here\n" * (5 * MIB // 2 // 36)  # 3 windows
    lines = padding.count("\n")
    root = make_repo(tmp_path / "r", {"big.txt": padding + f"card {PAN}\n" + padding})
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert code == 1
    assert _found(doc) == [("pii.pan", "big.txt", lines + 1)]


def test_card_spanning_a_chunk_boundary_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gates import streaming

    # One long line, so no newline can realign the chunk: the card straddles the boundary.
    head = b"x" * (streaming.CHUNK_BYTES - 8) + b" "
    root = make_repo(tmp_path / "r", {"blob.txt": head + PAN.encode() + b" " + b"y" * MIB})
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert code == 1
    assert _found(doc) == [("pii.pan", "blob.txt", 1)]


def test_card_in_file_with_nul_byte_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\x00\x01\x02header" + b"\x00" * 40 + f"customer card {PAN} end".encode() + b"\x00"
    root = make_repo(tmp_path / "r", {"dump.bin": data})
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert code == 1
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert len(findings) == 1
    assert findings[0]["rule"] == "pii.pan"
    assert findings[0]["location"]["path"] == "dump.bin"
    offset = data.index(PAN.encode())
    assert f"byte offset {offset}" in findings[0]["message"]
    assert PAN not in json.dumps(doc)
    # no gate that skips binaries would scan a .bin: its printable strings were all there was
    assert "dump.bin" not in _skipped(doc)


def test_utf16_card_in_binary_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\x00\xff\xfe" + f"card={PAN};".encode("utf-16-le") + b"\x00\x00"
    root = make_repo(tmp_path / "r", {"sheet.xls": data})
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert code == 1
    assert [r for r, _, _ in _found(doc)] == ["pii.pan"]


def test_card_in_sqlite_database_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "db\n"}, commit=False)
    with sqlite3.connect(root / "cards.sqlite") as db:
        db.execute("create table cards (holder text, pan text)")
        db.execute("insert into cards values ('Jane Doe', ?)", (PAN,))
    db.close()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "db")
    code, doc = _run(root, monkeypatch, "--gate", "pii")
    assert code == 1
    assert [p for _, p, _ in _found(doc)] == ["cards.sqlite"]


def test_token_in_binary_blocks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\x00\x00PK\x03\x04" + f"\x00github_token = '{TOKEN}'\x00".encode() + b"\x00" * 16
    root = make_repo(tmp_path / "r", {"bundle.bin": data, "ok.py": "x = 1\n"})
    code, doc = _run(root, monkeypatch, "--gate", "secrets")
    assert code == 1
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert {f["location"]["path"] for f in findings} == {"bundle.bin"}
    assert any("byte offset" in f["message"] for f in findings)
    assert TOKEN not in json.dumps(doc)


def test_token_after_one_mib_blocks_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    padding = ("value = 1\n" * (MIB // 10 + 10)).encode()
    lines = padding.count(b"\n")
    root = make_repo(tmp_path / "r", {"settings.py": padding + f"t = '{TOKEN}'\n".encode()})
    code, doc = _run(root, monkeypatch, "--gate", "secrets")
    assert code == 1
    assert {(p, line) for _, p, line in _found(doc)} == {("settings.py", lines + 1)}


def _with_submodule(tmp_path: Path, policy: str) -> Path:
    sub = make_repo(tmp_path / "sub", {"cards.txt": f"{PAN}\n"})
    root = make_repo(tmp_path / "r", {".release-gates/policy.yaml": policy, "app.py": "x = 1\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendored")
    git(root, "commit", "-q", "-m", "add submodule")
    return root


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        ("version: 1\nextends: pci-strict\n", 3),
        ("version: 1\nextends: fintech-default\n", 0),
        ("version: 1\nextends: pci-strict\nunscanned: {submodules: warn}\n", 0),
        ("version: 1\nextends: pci-strict\nexclude: [vendored]\n", 0),
    ],
    ids=["pci-strict-blocks", "fintech-default-warns", "policy-says-warn", "excluded"],
)
def test_submodule_is_named_and_policy_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, code: int
) -> None:
    root = _with_submodule(tmp_path, policy)
    got, doc = _run(root, monkeypatch, "--gate", "pii")
    assert got == code
    assert _skipped(doc)["vendored"] == "submodule, not scanned"
    errors = doc["errors"]
    assert isinstance(errors, list)
    if code == 3:
        assert [e["gate"] for e in errors] == ["coverage"]
        assert "vendored" in errors[0]["reason"]
        assert "scan the submodule's own repository" in errors[0]["fix"]
        assert "exclude" in errors[0]["fix"]
    else:
        assert errors == []


def test_a_submodule_below_a_named_directory_is_ruled_on_like_one_in_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gates run .` (a directory argument) lists the submodule under it as a submodule, so the
    policy's unscanned.submodules applies: blocked under pci-strict, as for the whole tree."""
    root = _with_submodule(tmp_path, "version: 1\nextends: pci-strict\n")
    got, doc = _run(root, monkeypatch, "--gate", "pii", ".")
    assert got == 3
    assert _skipped(doc)["vendored"] == "submodule, not scanned"
    errors = doc["errors"]
    assert isinstance(errors, list)
    assert [e["gate"] for e in errors] == ["coverage"]
    assert "vendored" in errors[0]["reason"]


def test_windows_own_every_byte_once_and_overlap() -> None:
    import io as _io

    from gates import streaming

    data = bytes(range(256)) * 40 + b"\nabc\n" * 300
    wins = list(streaming.windows(_io.BytesIO(data), chunk=1000, overlap=100))
    assert b"".join(w.data[: w.owned] for w in wins) == data
    assert all(w.offset == sum(v.owned for v in wins[:i]) for i, w in enumerate(wins))
    assert all(len(w.data) <= 1100 for w in wins)
    lines = [n for _, n in streaming.numbered(iter(wins), streaming.newlines)]
    assert lines == [data.count(b"\n", 0, w.offset) for w in wins]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"ab", b"\n", b"\r", b"\r\n", b"\x0c", b"xyz" * 7]), max_size=400))
def test_windows_end_at_line_breaks_and_count_them_as_the_scanners_do(parts: list[bytes]) -> None:
    import io as _io

    from gates import streaming

    data = b"".join(parts)
    from gates.textlines import count_breaks

    wins = list(streaming.windows(_io.BytesIO(data), chunk=40, overlap=16))
    assert b"".join(w.data[: w.owned] for w in wins) == data
    for w, breaks in streaming.numbered(iter(wins), count_breaks):
        before = data[: w.offset].decode()
        # Python's own universal-newline reading, as detect-secrets reads a file
        read = _io.StringIO(before, newline=None).readlines()
        assert breaks == sum(line.endswith("\n") for line in read), "breaks before the window"
        # a window never starts inside a \r\n, and starts after a break when one was in reach
        assert not (before.endswith("\r") and data[w.offset : w.offset + 1] == b"\n")


def test_printable_runs_keep_byte_offsets() -> None:
    from gates import printable

    data = (
        b"\x00\x01hello world\x00\x00"
        + "caf\u00e9 au lait".encode()
        + b"\xff"
        + ("wide text".encode("utf-16-le"))
    )
    found = [(r.offset, r.text, r.stride) for r in printable.runs(data)]
    assert found == [
        (2, b"hello world", 1),
        (15, "caf\u00e9 au lait".encode(), 1),
        (29, b"wide text", 2),
    ]
    text = printable.strings(data)
    assert text.locate(text.text.index(b"text")) == (text.runs[2], 29 + 5 * 2)


@pytest.mark.parametrize(
    ("added", "code"), [(b"", 0), (b"4526018159087\x00", 1)], ids=["old-card", "new-card"]
)
def test_diff_mode_compares_binaries_with_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, added: bytes, code: int
) -> None:
    old = b"\x00hdr\x00" + PAN.encode() + b"\x00"
    root = make_repo(tmp_path / "r", {"dump.bin": old, "a.py": "x = 1\n"})
    git(root, "checkout", "-q", "-b", "change")
    (root / "dump.bin").write_bytes(old + b"\x00more rows\x00" + added)
    git(root, "commit", "-qam", "grow the dump")
    got, doc = _run(root, monkeypatch, "--gate", "pii", "--diff", "main")
    assert got == code
    assert len(doc["findings"]) == code  # type: ignore[arg-type]  # a list, from the JSON report
