"""The warm result cache cannot be forged into a pass, and holds nothing in clear."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import stat
from pathlib import Path

import pytest

from gates import cachekey
from gates.checks import result_cache
from gates.cli import main
from tests.gatekit import commit_files, make_repo

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file is not itself a finding


def _run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, object]]:
    monkeypatch.chdir(repo)
    out = io.StringIO()
    # a fixed clock: two runs compare equal even across a second boundary
    code = main(
        ["run", "--gate", "secrets", "--now", "2026-06-01T00:00:00Z", "--format", "json"], out=out
    )
    return code, json.loads(out.getvalue())


def _cache_files() -> list[Path]:
    root = Path(os.environ["XDG_CACHE_HOME"]) / "release-gates"
    return sorted(p for p in root.rglob("*.json") if "/secrets/" in p.as_posix())


def _entries() -> list[Path]:
    """The entries of files stored with findings (one file each)."""
    return [p for p in _cache_files() if p.parent.name != "clean"]


def _clean_sets() -> list[Path]:
    """The clean sets: the keys of files stored without findings, a file per run."""
    return [p for p in _cache_files() if p.parent.name == "clean"]


def _rules(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted(f["rule"] for f in findings)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n', "app/ok.py": "x = 1\n"},
    )


def test_a_forged_entry_does_not_turn_a_block_into_a_pass(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, report = _run(repo, monkeypatch)
    assert code == 1
    blocked = _rules(report)
    assert "secrets.stripe-key" in blocked
    # The attack: rewrite every entry to hold no findings, consistently (key and checksum as the
    # writer computes them), the way anyone with write access to the cache directory can.
    forged = 0
    for entry in _entries():
        doc = json.loads(entry.read_text())
        if doc["findings"]:
            doc["findings"] = []
            body = result_cache.canonical_json([])
            doc["check"] = result_cache.digest(body)
            doc["mac"] = result_cache.digest("entry", doc["key"], body)
            entry.write_text(json.dumps(doc))
            forged += 1
    assert forged == 1
    code, report = _run(repo, monkeypatch)
    assert code == 1
    assert _rules(report) == sorted([*blocked, "secrets.cache-rejected"])
    # the rejected entry was rewritten: the next run trusts it again, and counts nothing
    code, report = _run(repo, monkeypatch)
    assert (code, _rules(report)) == (1, blocked)


def test_unreadable_entry_is_rejected_and_counted(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(repo, monkeypatch)  # two files: an entry each
    assert len(_entries()) == 2
    assert not _clean_sets()
    for entry in _entries():
        entry.write_text("{not json")
    code, report = _run(repo, monkeypatch)
    assert code == 1
    assert _rules(report).count("secrets.cache-rejected") == 2


@pytest.fixture
def clean_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clean sets even for these small repositories (a run over many files uses them)."""
    monkeypatch.setattr(result_cache, "CLEAN_SET_MIN_FILES", 0)


@pytest.mark.usefixtures("clean_sets")
def test_an_unreadable_clean_set_names_no_file_to_reject(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry that cannot be read is rejected for its file. A clean set that cannot be read
    names no file: its files are misses, rescanned and stored again, not counted."""
    _run(repo, monkeypatch)
    assert len(_entries()) == 1  # app/settings.py
    assert len(_clean_sets()) == 1  # app/ok.py
    for entry in _cache_files():
        entry.write_text("{not json")
    code, report = _run(repo, monkeypatch)
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    rejected = [f["location"]["path"] for f in findings if f["rule"] == "secrets.cache-rejected"]
    assert rejected == ["app/settings.py"]


@pytest.mark.usefixtures("clean_sets")
def test_a_forged_clean_set_does_not_turn_a_block_into_a_pass(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack on the clean sets: list the blocked file's key in a set (with a checksum as
    anyone can compute it) and remove its entry. The set fails its MAC: the file is rejected,
    rescanned and still blocks; the rescan stores it again, and the next run counts nothing."""
    code, report = _run(repo, monkeypatch)
    assert code == 1
    blocked = _rules(report)
    (entry,) = _entries()
    key = json.loads(entry.read_text())["key"]
    (clean,) = _clean_sets()
    doc = json.loads(clean.read_text())  # a set of our machine's, rewritten to list the file
    (day,) = doc["keys"].values()
    doc["keys"] = {key: day}
    doc["mac"] = result_cache.digest("clean", f"{key}:{day}")
    (clean.parent / "forged.json").write_text(json.dumps(doc))
    entry.unlink()
    code, report = _run(repo, monkeypatch)
    assert code == 1
    assert _rules(report) == sorted([*blocked, "secrets.cache-rejected"])
    code, report = _run(repo, monkeypatch)
    assert (code, _rules(report)) == (1, blocked)


@pytest.mark.usefixtures("clean_sets")
def test_clean_sets_are_merged_past_the_limit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run that stores clean files adds a set; past CLEAN_SETS_MAX a lookup merges the
    valid ones into one, and the warm answers stay the same."""
    code, first = _run(repo, monkeypatch)
    for i in range(4):  # a new clean file each run: a new set each run
        commit_files(repo, {f"app/more{i}.py": f"y = {i}\n"}, f"more {i}")
        _run(repo, monkeypatch)
    assert len(_clean_sets()) == 5
    monkeypatch.setattr(result_cache, "CLEAN_SETS_MAX", 2)
    code, report = _run(repo, monkeypatch)  # reads 5 sets: merges them
    assert len(_clean_sets()) == 1
    assert (code, _rules(report)) == (1, _rules(first))
    assert _run(repo, monkeypatch) == (code, report)


def test_entries_of_another_machine_key_are_plain_misses(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache restored on a fresh runner (a different key) is rescanned, not reported."""
    code, report = _run(repo, monkeypatch)
    monkeypatch.setenv(cachekey.KEY_ENV, "another machine")
    assert _run(repo, monkeypatch) == (code, report)


@pytest.mark.usefixtures("clean_sets")
def test_cache_holds_no_clear_value_and_is_private(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(repo, monkeypatch)
    entries = _cache_files()
    assert _entries()
    assert _clean_sets()
    for entry in entries:
        raw = entry.read_bytes()
        assert STRIPE.encode() not in raw
        assert STRIPE[8:].encode() not in raw
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
        assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(entry.parent.parent.stat().st_mode) == 0o700
    key = Path(os.environ["XDG_STATE_HOME"]) / "release-gates" / "cache.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert not key.is_relative_to(Path(os.environ["XDG_CACHE_HOME"]))


def test_a_warm_hit_still_teaches_the_masker_the_value(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value is restored from the file on a hit, so other strings still mask it."""
    from gates.checks.secrets import GATE
    from tests.gatekit import context

    cache = Path(os.environ["XDG_CACHE_HOME"]) / "direct"
    cold = list(GATE.run(context("secrets", repo, cache_dir=cache)))
    warm = list(GATE.run(context("secrets", repo, cache_dir=cache)))
    assert warm == cold
    values = {dict(f.properties).get("sensitive.value") for f in warm}
    assert STRIPE in values


def test_a_forged_parsed_policy_is_not_enforced(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse cache is keyed by the policy text's digest; a forged document under that
    digest (a policy that blocks nothing) must not replace the real one."""
    (repo / ".release-gates").mkdir()
    (repo / ".release-gates/policy.yaml").write_text("version: 1\nextends: fintech-default\n")
    code, report = _run(repo, monkeypatch)
    assert code == 1
    root = Path(os.environ["XDG_CACHE_HOME"]) / "release-gates"
    entries = sorted(root.rglob("parsed-policies/*.json"))
    assert entries
    lenient = {"version": 1, "extends": "fintech-default", "gates": {"secrets": {"enabled": False}}}
    for entry in entries:
        doc = json.loads(entry.read_text())
        if doc.get("doc", doc).get("extends") == "fintech-default":
            entry.write_text(json.dumps(lenient))  # the unauthenticated format
    assert _run(repo, monkeypatch) == (code, report)
    for entry in entries:
        doc = json.loads(entry.read_text())
        if doc.get("doc", doc).get("extends") == "fintech-default":
            entry.write_text(json.dumps({"doc": lenient, "mac": "0" * 64}))
    assert _run(repo, monkeypatch) == (code, report)


@pytest.fixture
def raw_repo(tmp_path: Path) -> Path:
    """A large text file (streamed: over max_file_bytes) and a binary, each holding a key."""
    padding = "# filler line for a generated fixture\n" * 30_000  # ~1.1 MB
    return make_repo(
        tmp_path / "raw",
        {
            "fixtures/big.py": padding + f'KEY = "{STRIPE}"\n' + padding,
            "assets/blob.bin": b"\0\1\2" * 100 + f"token={STRIPE}\0".encode() + b"\3" * 100,
            "app/ok.py": "x = 1\n",
        },
    )


def test_large_and_binary_files_are_cached_and_restored(
    raw_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gates.checks.secrets import GATE
    from tests.gatekit import context

    cold_code, cold = _run(raw_repo, monkeypatch)
    found = {(f["location"]["path"], f["rule"]) for f in cold["findings"]}
    assert {
        ("assets/blob.bin", "secrets.stripe-key"),
        ("fixtures/big.py", "secrets.stripe-key"),
    } <= found
    entries = _entries()
    assert len(entries) == 3  # two streamed files and one text file
    for entry in entries:
        assert STRIPE[8:].encode() not in entry.read_bytes()
    assert _run(raw_repo, monkeypatch) == (cold_code, cold)
    # A hit restores each raw value from the file's bytes, so the masker still learns it.
    ctx = context("secrets", raw_repo, cache_dir=Path(os.environ["XDG_CACHE_HOME"]) / "direct")
    ctx = dataclasses.replace(ctx, files=(*ctx.files, *ctx.workspace.raw_files()))  # as run does
    first = list(GATE.run(ctx))
    warm = list(GATE.run(ctx))
    assert warm == first
    restored = [dict(f.properties).get("sensitive.value") for f in warm]
    assert len(restored) >= 2
    assert set(restored) == {STRIPE}


def test_a_forged_entry_of_a_large_file_is_rejected(
    raw_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, report = _run(raw_repo, monkeypatch)
    for entry in _entries():
        doc = json.loads(entry.read_text())
        if doc["findings"]:
            doc["findings"] = []
            entry.write_text(json.dumps(doc))
    forged_code, forged = _run(raw_repo, monkeypatch)
    assert forged_code == code == 1
    assert _rules(forged) == sorted([*_rules(report), *["secrets.cache-rejected"] * 2])


def test_the_cache_leaves_the_permissions_of_folders_it_did_not_create(
    repo: Path, tmp_path: Path
) -> None:
    """A cache directory put right below a shared folder (say /tmp) must not make it private:
    it once turned /tmp into 0700 and broke every other user of it."""
    from gates.checks.secrets import GATE
    from tests.gatekit import context

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    list(GATE.run(context("secrets", repo, cache_dir=shared / "cache")))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "cache").stat().st_mode) == 0o700


def test_files_scanned_in_several_batches_give_the_findings_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets gate holds a bounded amount of text at once (batches of files): cut into
    batches of a file or two, cold and warm, it reports exactly what one batch reports."""
    from gates.checks.secrets import GATE
    from gates.checks.secrets import gate as secrets_gate
    from tests.gatekit import context

    files = {f"app/m{i}.py": f'KEY_{i} = "{STRIPE}"\nx = {i}\n' for i in range(5)}
    repo = make_repo(tmp_path / "repo", files)
    whole = list(GATE.run(context("secrets", repo)))
    assert len({f.location.path for f in whole}) == 5
    monkeypatch.setattr(secrets_gate, "_BATCH_BYTES", 60)
    cache = tmp_path / "cache"
    assert list(GATE.run(context("secrets", repo))) == whole
    assert list(GATE.run(context("secrets", repo, cache_dir=cache))) == whole
    assert list(GATE.run(context("secrets", repo, cache_dir=cache))) == whole


@pytest.mark.usefixtures("clean_sets")
def test_a_clean_set_over_the_size_limit_is_not_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in the cache folder makes a run read without bound: a set over the limit names
    no file, and its files are rescanned as if it were not there."""
    code, report = _run(repo, monkeypatch)
    (clean,) = _clean_sets()
    monkeypatch.setattr(result_cache, "CLEAN_SET_MAX_BYTES", clean.stat().st_size - 1)
    read: list[str] = []
    real = result_cache.ResultCache._read_clean

    def spy(self: result_cache.ResultCache, path: str) -> tuple[list[str], bool]:
        found = real(self, path)
        read.append(f"{len(found[0])} keys")
        return found

    monkeypatch.setattr(result_cache.ResultCache, "_read_clean", spy)
    assert _run(repo, monkeypatch) == (code, report)
    assert read == ["0 keys"]


@pytest.mark.parametrize("variable", ["XDG_CACHE_HOME", "XDG_STATE_HOME"])
def test_a_cache_that_cannot_be_written_is_a_miss_never_an_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """A read-only or broken home (here a folder path below a regular file, where nothing can be
    made) leaves the run as it would be without a cache: the same findings, the same exit, no
    gate error. With the machine key's folder broken, no cache is used at all."""
    answer = _run(repo, monkeypatch)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    monkeypatch.setenv(variable, str(blocker / "home"))
    for _ in range(2):  # the second run finds nothing stored by the first
        code, report = _run(repo, monkeypatch)
        assert (code, _rules(report)) == (answer[0], _rules(answer[1]))
