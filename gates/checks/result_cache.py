"""Warm result cache: per-file findings, authenticated, keyed by everything that decides them.

A scanner whose findings for a file depend only on that file's bytes (detect-secrets, semgrep
without cross-file analysis, bandit) stores them here, so a rerun with nothing changed rescans
nothing. The key is `sha256(format ‖ gate ‖ release-gates version ‖ policy digest ‖ namespace ‖
path ‖ sha256(content))`, where the gate's namespace digest covers everything else the answer
depends on (rule pack bytes, the gate's policy section, engine and tool versions, fingerprint key
id): any change there is a different key, never a stale hit.

**Authenticated.** A cache on a shared runner is writable by more people than the code is, and a
forged entry holding no findings would turn a blocked run into a pass. Every entry carries an
HMAC-SHA256 over its key and body under the per-machine key (`gates.cachekey`: created 0600 on
first use outside the cache directory, or given by `RELEASE_GATES_CACHE_KEY`). An entry made under
another key is a plain miss (a cache restored on a fresh runner); an entry claiming our key whose
MAC fails, or that cannot be read, is **rejected**: ignored, the file rescanned and rewritten,
and the gate reports a `<gate>.cache-rejected` finding for it, so tampering is counted in every
report.

**Clean files in sets.** Most files have no findings: storing an entry file for each took a
cold run of the stripe sdist 3,468 file creations (against 43 now), and a warm run as
many opens. A file stored without findings goes into the cache's *clean set* instead: its key is
held until `flush` (the gate's end), which writes the keys stored since as one file under
`clean/`, with its own MAC over all of them; a lookup reads every set once. A set whose MAC
fails under our key makes each of its keys **rejected** (counted as above, until a valid set or
entry holds the key again: the rescan stores one); a set that cannot be read names no key, so
its files are misses, rescanned. Past `CLEAN_SETS_MAX` sets, the valid keys are merged into one
set and the merged sets removed. A run over fewer than `CLEAN_SET_MIN_FILES` files (a pre-commit
call) neither reads nor writes sets: reading every set would cost it more than the few entries
it opens, so its clean files get an entry each, as before.

**Aged.** Each clean-set key carries the day it was last looked up: a hit on a key whose newest
day is before today stores it again with today's (a set a day at most), and a merge drops the
keys no run looked up within the cache's maximum age. An entry a run hits has its mtime
refreshed (once a day at most). `gates.cache_sweep` removes the files older than that age, so
only what runs no longer read ages out.

**Nothing in clear.** Entries store fingerprints and masked renderings only: every string passes
the masking boundary (`gates.redact`) and `sensitive.` properties are dropped. A finding's raw
value (`sensitive.value`, which teaches the report masker) is stored as its offset in the file
and a keyed MAC of it, and restored from the file's own bytes on a hit. Directories are 0700,
files 0600 (written atomically).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import mmap
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from gates import __version__, cache_sweep, progress, redact
from gates.atomic import private_dirs, staged
from gates.cachekey import machine_key
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, RuleInfo, Severity
from gates.record import record

_FORMAT = "release-gates-cache-v2"
REJECTED = "cache-rejected"


def digest(*parts: str) -> str:
    """A stable digest of strings (policy sections as canonical JSON, versions, rule bytes)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\x1f")
    return h.hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def finding_to_json(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "gate": f.gate,
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "location": [loc.path, loc.line, loc.column, loc.end_line, loc.end_column],
        "fingerprint": f.fingerprint,
        "snippet": f.snippet,
        "properties": [list(p) for p in f.properties],
        "suppression_requests": list(f.suppression_requests),
    }


def finding_from_json(raw: Mapping[str, Any]) -> Finding:
    """Rebuild a Finding; raises (KeyError, TypeError, ValueError) on any malformed field."""
    path, line, column, end_line, end_column = raw["location"]
    props = tuple((str(k), str(v)) for k, v in raw["properties"])
    for value in (line, column, end_line, end_column):
        if not isinstance(value, int):
            raise TypeError("location numbers must be integers")
    return Finding(
        gate=_str(raw["gate"]),
        rule=_str(raw["rule"]),
        severity=Severity(raw["severity"]),
        message=_str(raw["message"]),
        location=Location(
            path=_str(path), line=line, column=column, end_line=end_line, end_column=end_column
        ),
        fingerprint=_str(raw["fingerprint"]),
        snippet=_str(raw["snippet"]),
        properties=props,
        suppression_requests=tuple(_str(s) for s in raw["suppression_requests"]),
    )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def rejected_rule(gate: str) -> RuleInfo:
    """The rule a gate reports a rejected cache entry under (add it to the gate's rules)."""
    return RuleInfo(
        id=f"{gate}.{REJECTED}",
        name=REJECTED,
        summary="A warm-cache entry failed authentication and was ignored; the file was rescanned.",
        help="Someone or something changed the result cache on this machine (a forged or "
        "corrupted entry). The file was scanned again, so the verdict does not depend on the "
        "entry. Find out who can write the cache directory; delete it to start afresh.",
        default_severity=Severity.MEDIUM,
        tags=("CWE-345",),
    )


def rejected_finding(gate: str, path: str) -> Finding:
    rule = f"{gate}.{REJECTED}"
    return Finding(
        gate=gate,
        rule=rule,
        severity=Severity.MEDIUM,
        message="the warm-cache entry for this file failed authentication and was ignored",
        location=Location(path=path),
        fingerprint=fingerprint(gate, rule, path, REJECTED),
    )


@record
class Lookup:
    """A cache answer: the findings on a hit, None on a miss; `rejected` when an entry was there
    but failed authentication or could not be read (it is a miss too)."""

    findings: tuple[Finding, ...] | None
    rejected: bool = False


_MISS = Lookup(findings=None)
_REJECTED = Lookup(findings=None, rejected=True)
_CLEAN = Lookup(findings=())
CLEAN_SETS_MAX = 32  # clean sets read per lookup pass before they are merged into one
CLEAN_SET_MIN_FILES = 64  # a run over fewer files keeps an entry per file
# A clean set larger than this is not read (names no key: its files are rescanned); a million
# keys take 68 MB. Nothing in the cache folder may make a run read without bound.
CLEAN_SET_MAX_BYTES = 128 << 20


@record
class ResultCache:
    """Findings per (path, content) under one namespace digest, stored below `root`."""

    root: Path
    namespace: str  # digest of gate, version, policy digest, rules, section, tool versions, key id
    secret: bytes
    clean_sets: bool = False  # files without findings go to clean sets (a run over many files)
    max_age_days: int = cache_sweep.MAX_AGE_DAYS  # clean-set keys not looked up for longer go
    today: int = 0  # days since the epoch (cache_sweep.day_of), the day keys are stamped with
    # the key id every entry carries: one HMAC per cache, not one per lookup (a warm run of the
    # stripe SDK looked up 1,735 entries per gate)
    _key_id_memo: list[str] = field(default_factory=list, repr=False, compare=False)
    # keys stored clean (or looked up on an earlier day) since the last flush, and the clean sets
    # read: key -> (MAC verified, the newest day a verified set gives it)
    _clean_new: list[str] = field(default_factory=list, repr=False, compare=False)
    _clean_memo: list[dict[str, tuple[bool, int]]] = field(
        default_factory=list, repr=False, compare=False
    )

    @classmethod
    def open(
        cls, root: Path, *, gate: str, policy_digest: str, namespace: str, files: int = 0
    ) -> ResultCache | None:
        """The cache of one gate, under the machine key, for a run over `files` files; None when
        there is no usable machine key (its folder cannot be written, say): the gate then scans
        every file, as under --no-cache. A cache is saved time, never a condition of a verdict."""
        try:
            secret = machine_key()
        except (OSError, ValueError):
            return None
        return cls(
            clean_sets=files >= CLEAN_SET_MIN_FILES,
            max_age_days=cache_sweep.max_age_days(os.environ),
            today=cache_sweep.day_of(time.time()),
            root=root,
            namespace=digest(_FORMAT, gate, __version__, policy_digest, namespace),
            secret=secret,
        )

    def key(self, path: str, content: bytes | mmap.mmap) -> str:
        return digest(_FORMAT, self.namespace, path, hashlib.sha256(content).hexdigest())

    def _file(self, key: str) -> str:
        # a plain string: building Path objects cost a warm run more than reading the entries
        return os.path.join(self.root, key[:2], f"{key[2:]}.json")

    def _mac(self, *parts: str) -> str:
        return hmac.digest(self.secret, digest(*parts).encode(), "sha256").hex()

    def _key_id(self) -> str:
        if not self._key_id_memo:
            self._key_id_memo.append(self._mac("key-id"))
        return self._key_id_memo[0]

    def lookup(self, key: str, text: str) -> Lookup:
        """The cached findings of the file whose decoded content is `text`."""
        return self.lookup_in(key, TextValues(text))

    def lookup_in(self, key: str, values: ValueSource) -> Lookup:
        """The cached findings of the file whose raw values `values` reads back."""
        seen = self._clean_keys().get(key) if self.clean_sets else None
        if seen is not None and seen[0]:
            if seen[1] < self.today:  # looked up today: stamped again with today at flush
                self._clean_new.append(key)
            return _CLEAN
        target = self._file(key)
        try:
            with open(target, encoding="utf-8") as fh:
                raw_text = fh.read()
                modified = os.fstat(fh.fileno()).st_mtime
        except (FileNotFoundError, NotADirectoryError):  # no entry (or no folder) there
            return _MISS if seen is None else _REJECTED  # only a forged set held it
        except (OSError, ValueError):
            return _REJECTED
        try:
            raw = json.loads(raw_text)
            if not isinstance(raw, dict):
                return _REJECTED
            if raw.get("key_id") != self._key_id():
                return _MISS  # written under another machine's key: not ours to judge
            body = raw["findings"]
            expected = self._mac("entry", key, canonical_json(body))
            mac = raw.get("mac")
            if not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
                return _REJECTED
            if raw.get("key") != key or not isinstance(body, list):
                return _REJECTED
            found = tuple(self._restore(item, values) for item in body)
        except (ValueError, KeyError, TypeError):
            return _REJECTED
        cache_sweep.keep(target, modified=modified)  # read: not to be aged out
        return Lookup(findings=found)

    def _restore(self, item: Mapping[str, Any], values: ValueSource) -> Finding:
        finding = finding_from_json(item["finding"])
        span = item.get("value")
        if span is None:
            return finding
        offset, length, kind, mac = span
        if not isinstance(offset, int) or not isinstance(length, int):
            raise TypeError("a value span must be two integers")
        value = values.value_at(offset, length)
        if not hmac.compare_digest(mac, self._mac("value", value)):
            raise ValueError("the file does not hold the cached value")
        props = (*finding.properties, (redact.VALUE_KEY, value), (redact.KIND_KEY, _str(kind)))
        return replace(finding, properties=props)

    def put(self, key: str, findings: Iterable[Finding], text: str) -> tuple[Finding, ...]:
        """Store the findings of the file whose decoded content is `text`; returns them as a
        later hit will read them (masked strings, the raw value restored from the file)."""
        found = tuple(findings)
        stored = self.put_in(key, found, TextValues(text))
        return found if stored is None else stored

    def put_in(
        self, key: str, findings: Sequence[Finding], values: ValueSource
    ) -> tuple[Finding, ...] | None:
        """Store the findings of the file `values` reads; returns them as a later hit will read
        them, or None (nothing stored) when a finding's raw value is not in the file as such,
        e.g. a value a transformer rebuilt: a hit could not restore it, and the report masker
        needs it to mask that value wherever else it appears."""
        if not findings and self.clean_sets:
            self._clean_new.append(key)
            return ()
        entries = [self._entry(f, values) for f in findings]
        body = [entry for entry in entries if entry is not None]
        if len(body) < len(entries):
            return None
        doc = {
            "key": key,
            "key_id": self._key_id(),
            "mac": self._mac("entry", key, canonical_json(body)),
            "findings": body,
        }
        self._store(Path(self._file(key)), doc)
        return tuple(self._restore(item, values) for item in body)

    def _store(self, target: Path, doc: Mapping[str, Any]) -> bool:
        """Write one entry or clean set atomically, in folders private to this user; False when
        it cannot be written (a read-only or full disk): not stored, a miss next run."""
        try:
            private_dirs(self.root.parent, self.root, target.parent)
            with staged(target) as tmp:  # created 0600
                tmp.write_text(canonical_json(doc), encoding="utf-8")
        except OSError:
            return False
        return True

    def flush(self) -> None:
        """Write the keys stored clean since the last flush, and those looked up today whose
        newest day was earlier, as one clean set stamped today (call it when the gate is done
        storing: keys not flushed are only rescanned next time)."""
        if not self._clean_new:
            return
        days = dict.fromkeys(self._clean_new, self.today)
        self._clean_new.clear()
        self._write_clean(days)

    def _clean_dir(self) -> str:
        return os.path.join(self.root, "clean")

    def _write_clean(self, days: Mapping[str, int]) -> str | None:
        """One clean set of keys and their days, its path (None when it could not be written);
        its name is its content's digest (the same set twice is one file)."""
        pairs = _day_pairs(days)
        doc = {
            "key_id": self._key_id(),
            "keys": dict(days),  # written in key order (canonical_json)
            "mac": self._mac("clean", *pairs),
        }
        target = Path(self._clean_dir(), f"{digest('clean-set', *pairs)}.json")
        return str(target) if self._store(target, doc) else None

    def _clean_keys(self) -> dict[str, tuple[bool, int]]:
        """Every key of the clean sets under our key: (True, the newest day of the sets whose MAC
        holds that list it), or (False, -1) when only sets whose MAC fails do. Read once per
        cache."""
        if self._clean_memo:
            return self._clean_memo[0]
        known: dict[str, tuple[bool, int]] = {}
        valid_sets: list[str] = []
        folder = self._clean_dir()
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.is_file())
        except OSError:  # none yet, or a folder that cannot be listed: no sets
            names = []
        for name in names:
            if name.startswith(".") or not name.endswith(".json"):
                continue  # a set being written (atomic.staged)
            path = os.path.join(folder, name)
            days, valid = self._read_clean(path)
            if valid:
                valid_sets.append(path)
                for k, day in days.items():
                    old = known.get(k)
                    known[k] = (True, day if old is None or day > old[1] else old[1])
            else:
                for k in days:
                    known.setdefault(k, (False, -1))
        if len(valid_sets) > CLEAN_SETS_MAX:
            self._merge_clean(known, valid_sets)
        self._clean_memo.append(known)
        return known

    def _read_clean(self, path: str) -> tuple[dict[str, int], bool]:
        """A set's keys with their days, and whether its MAC holds; no keys for a set that cannot
        be read, is of an older format, or was made under another machine's key (not ours to
        judge)."""
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(CLEAN_SET_MAX_BYTES + 1)
            if len(text) > CLEAN_SET_MAX_BYTES:
                return {}, False
            raw = json.loads(text)
        except (OSError, ValueError):
            return {}, False
        if not isinstance(raw, dict) or raw.get("key_id") != self._key_id():
            return {}, False
        days = raw.get("keys")
        if not isinstance(days, dict) or not all(
            isinstance(k, str) and type(d) is int for k, d in days.items()
        ):
            return {}, False
        mac = raw.get("mac")
        valid = isinstance(mac, str) and hmac.compare_digest(
            mac, self._mac("clean", *_day_pairs(days))
        )
        return days, valid

    def _merge_clean(self, known: Mapping[str, tuple[bool, int]], sets: Sequence[str]) -> None:
        """The valid keys looked up within the maximum age as one set (each with its newest day),
        then the sets merged into it removed (a run doing the same at once loses at most keys,
        which are rescanned)."""
        oldest = self.today - self.max_age_days
        merged = self._write_clean(
            {k: day for k, (ok, day) in known.items() if ok and day >= oldest}
        )
        if merged is None:
            return  # not written: the sets stay as they are
        for path in sets:
            if path != merged:
                with contextlib.suppress(OSError):  # gone already, or a read-only disk
                    os.unlink(path)

    def _entry(self, f: Finding, values: ValueSource) -> dict[str, Any] | None:
        props = dict(f.properties)
        value = props.get(redact.VALUE_KEY, "")
        masker = redact.Masker.from_findings([f])
        masked = replace(
            f,
            message=masker.text(f.message),
            snippet=masker.text(f.snippet),
            properties=tuple(
                (k, masker.text(v))
                for k, v in f.properties
                if not k.startswith(redact.SENSITIVE_PREFIX)
            ),
            suppression_requests=tuple(masker.text(s) for s in f.suppression_requests),
        )
        entry: dict[str, Any] = {"finding": finding_to_json(masked)}
        if value:
            span = values.locate(value)
            if span is None:
                return None
            kind = props.get(redact.KIND_KEY, "pii")
            entry["value"] = [span[0], span[1], kind, self._mac("value", value)]
        return entry


def _day_pairs(days: Mapping[str, int]) -> list[str]:
    """A clean set's keys and days as the strings its MAC and name cover, in key order."""
    return [f"{k}:{d}" for k, d in sorted(days.items())]


class ValueSource(Protocol):
    """Where a file's raw finding values are found at store time and read back on a hit."""

    def locate(self, value: str) -> tuple[int, int] | None: ...
    def value_at(self, offset: int, length: int) -> str: ...


@dataclass(frozen=True, slots=True)
class TextValues:
    """A decoded file: spans in characters."""

    text: str

    def locate(self, value: str) -> tuple[int, int] | None:
        offset = self.text.find(value)
        return None if offset < 0 else (offset, len(value))

    def value_at(self, offset: int, length: int) -> str:
        return self.text[offset : offset + length]


@dataclass(frozen=True, slots=True)
class ByteValues:
    """A file read as bytes (a large or binary file, mapped): spans in bytes, UTF-8 values."""

    data: bytes | mmap.mmap

    def locate(self, value: str) -> tuple[int, int] | None:
        raw = value.encode("utf-8")
        offset = self.data.find(raw, 0)  # an mmap would search from its read position
        return None if offset < 0 else (offset, len(raw))

    def value_at(self, offset: int, length: int) -> str:
        return bytes(self.data[offset : offset + length]).decode("utf-8", "replace")


def scan_through(
    cache: ResultCache | None,
    paths: Sequence[str],
    read: Callable[[str], tuple[bytes, str]],
) -> tuple[list[Finding], dict[str, tuple[str, str]], list[str]]:
    """Split `paths` into cached findings, files to scan ({path: (key, text)}) and the paths
    whose entries were rejected. `read(path) -> (bytes, text)`."""
    found: list[Finding] = []
    todo: dict[str, tuple[str, str]] = {}
    rejected: list[str] = []
    for path in paths:
        data, text = read(path)
        if cache is None:
            todo[path] = ("", text)
            continue
        key = cache.key(path, data)
        answer = cache.lookup(key, text)
        if answer.findings is not None:
            found.extend(answer.findings)
            progress.advance()  # a cache hit is a file done
            continue
        if answer.rejected:
            rejected.append(path)
        todo[path] = (key, text)
    return found, todo, rejected
