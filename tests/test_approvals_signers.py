"""allowed_signers parsing: the OpenSSH syntax we accept, and what we refuse on purpose."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gates.approvals.signers import parse
from gates.errors import InvalidInput
from tests.sshkit import Key, keygen


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("signers"), "k", "ed25519")


@pytest.mark.parametrize(
    ("line", "principals", "namespaces", "after", "before"),
    [
        ("a@x.com {k}", {"a@x.com"}, None, None, None),
        ("a@x.com,b@x.com {k} laptop key", {"a@x.com", "b@x.com"}, None, None, None),
        ('"a@x.com,b@x.com" {k}', {"a@x.com", "b@x.com"}, None, None, None),
        ('a@x.com namespaces="n1,n2" {k}', {"a@x.com"}, {"n1", "n2"}, None, None),
        (
            'a@x.com NAMESPACES="n1",valid-after="20260101Z",valid-before="202701021530Z" {k}',
            {"a@x.com"},
            {"n1"},
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2027, 1, 2, 15, 30, tzinfo=UTC),
        ),
        ("\ta@x.com\t {k}  ", {"a@x.com"}, None, None, None),
    ],
    ids=["plain", "list-and-comment", "quoted", "namespaces", "all-options", "tabs"],
)
def test_accepted_lines(
    key: Key,
    line: str,
    principals: set[str],
    namespaces: set[str] | None,
    after: datetime | None,
    before: datetime | None,
) -> None:
    text = "# comment\n\n" + line.format(k=key.public) + "\n"
    (entry,) = parse(text.encode(), "allowed_signers").entries
    assert (entry.principals, entry.namespaces, entry.valid_after, entry.valid_before) == (
        frozenset(principals),
        None if namespaces is None else frozenset(namespaces),
        after,
        before,
    )
    assert (entry.line, entry.key.fingerprint) == (3, key.fingerprint)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("a@x.com", "expected `principals [options] keytype key`"),
        ('a@x.com namespaces="n1 {k}', "unterminated double quote"),
        ("a@x.com no-touch-required {k}", "unknown option 'no-touch-required'"),
        ("a@x.com namespaces=n1 {k}", "option namespaces needs a double-quoted value"),
        ('a@x.com namespaces="a",namespaces="b" {k}', "option namespaces given twice"),
        ('a@x.com namespaces="git*" {k}', "namespace 'git*' is empty or a wildcard"),
        ("!a@x.com {k}", "wildcard principal '!a@x.com' is not allowed"),
        ("a@x.com,,b@x.com {k}", "bad principal list"),
        ('a@x.com valid-after="2026" {k}', "is not YYYYMMDD[HHMM[SS]]Z"),
        ('a@x.com valid-after="20261340Z" {k}', "is not a real date"),
        ('a@x.com namespaces="n" ssh-foo AAAA', "unknown key type 'ssh-foo'"),
        ("a@x.com ssh-ed25519 !!!!", "the key is not valid base64"),
    ],
    ids=[
        "no-key",
        "open-quote",
        "unknown-option",
        "unquoted",
        "twice",
        "ns-wildcard",
        "negated",
        "empty-principal",
        "short-time",
        "bad-date",
        "unknown-type",
        "bad-base64",
    ],
)
def test_refused_lines(key: Key, line: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse((line.format(k=key.public) + "\n").encode(), "allowed_signers")
    assert info.value.field == "line 1"
    assert problem in info.value.problem


def test_unusable_keys_are_kept_aside(tmp_path: Path, key: Key) -> None:
    weak = keygen(tmp_path, "weak", "rsa", 1024)
    text = f"w@x.com {weak.public}\na@x.com {key.public}\n"
    signers = parse(text.encode(), "allowed_signers")
    assert [e.line for e in signers.entries] == [2]
    assert signers.unusable == (
        (1, "ssh-rsa key", "RSA key of 1024 bits is too weak (minimum 2048)"),
    )


def test_shipped_demo_allowed_signers_parses() -> None:
    from importlib import resources

    path = resources.files("gates") / "policies" / "demo" / "release-gates" / "allowed_signers"
    signers = parse(path.read_bytes(), "demo allowed_signers")
    assert signers.principals() == {"compliance@demo.example", "legal@demo.example"}
    assert signers.unusable == ()
