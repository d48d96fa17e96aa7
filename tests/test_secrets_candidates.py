"""The secrets prefilter's RE2 fast path keeps every line a plugin's own test would keep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import re2  # type: ignore[import-untyped]
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.settings import get_plugins, transient_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checks.secrets import candidates, config, engine, relax
from tests.test_secrets_engine import LINES


@pytest.mark.parametrize(
    ("pattern", "flags", "widened"),
    [
        (r"(?<![\w.])AKIA[0-9A-Z]{16}(?!\w)", 0, r"(?:(?:)AKIA[0-9A-Z]{16}(?:))"),
        (r"\Akey\Z", 0, r"(?:^key$)"),
        (r"token", re.IGNORECASE, r"(?i:token)"),
        (r"glagent-[A-Za-z0-9_\-]{50,1024}", 0, r"(?:glagent-[A-Za-z0-9_\-]{50,})"),
        (r"a{,5}", 0, r"(?:a{0,5})"),
        (r"[(?=]x", 0, r"(?:[(?=]x)"),  # a class is text, not a group
        (r"(?i:adyen)(?<![0-9])x", 0, r"(?:(?i:adyen)(?:)x)"),
        ("(?i)secret", 0, "(?:(?i)secret)"),
        ("a b  # comment (\n c[ #]", re.VERBOSE, "(?:abc[ #])"),
        (r"(['\"])x\1", 0, None),  # a backreference: no RE2 form
        (r"(?P<q>')x(?P=q)", 0, None),
        (r"(?>ab)", 0, None),  # atomic group
        (r"a(?x: b)", 0, None),  # scoped verbose mode
        (r"x{1001}", 0, None),  # more than RE2 counts
    ],
)
def test_widen(pattern: str, flags: int, widened: str | None) -> None:
    re.compile(pattern, flags)  # the examples are real Python patterns
    assert relax.widen(pattern, flags) == widened


@contextmanager
def _default_settings() -> Iterator[None]:
    """The gate's default plugins (detect-secrets' and our provider ones). detect-secrets builds
    its table of plugin classes once per process, from the settings of the moment, and keeps
    it; scanner.configure rebuilds it, and so must a test that configures the plugins itself:
    a table an earlier test built under other settings lacks our providers (TypeError)."""
    with transient_settings(config.parse({}).detect_secrets_settings()):
        get_mapping_from_secret_type_to_class.cache_clear()
        yield


@contextmanager
def _prefilter() -> Iterator[engine.Prefilter]:
    """The prefilter of the gate's default plugins."""
    with _default_settings():
        yield engine.build_prefilter()


def test_every_default_plugin_is_on_the_fast_path() -> None:
    with _prefilter() as prefilter:
        assert prefilter.checks is not None
        assert prefilter.fast is not None
        assert all(prefilter.fast.covers(c) for c in prefilter.checks)


# Lines built from pieces of real secrets and their surroundings, cut and re-joined, with
# quotes, separators and non-ASCII characters (where RE2's ASCII classes differ from Python's).
_PIECES = [piece for line in LINES for piece in re.split(r"(\W)", line) if piece]
_PIECES += ["'", '"', " ", "=", ":", "é", "\u00a0", "٣", "K", "\u212a", "_", "-", "\t"]
_PIECES += ["\t=\t", ":\t", "\t,", "\f", "\v"]  # the whitespace `\s` stands for
_TEXTS = st.lists(
    st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), min_size=1, max_size=8
)


@settings(max_examples=600, deadline=None)
@given(lines=_TEXTS)
def test_fast_path_keeps_every_line_the_exact_tests_keep(lines: list[str]) -> None:
    with _prefilter() as prefilter:
        assert prefilter.checks is not None
        exact = {i for i, line in enumerate(lines) if any(c.line(line) for c in prefilter.checks)}
        assert exact <= (prefilter.lines(lines) or set())


def _one_check_prefilters() -> list[engine.Prefilter]:
    with _prefilter() as prefilter:
        assert prefilter.checks is not None
        return [engine.Prefilter((c,), candidates.LineFinder.build((c,))) for c in prefilter.checks]


_ONE_CHECK = _one_check_prefilters()


@settings(max_examples=300, deadline=None)
@given(lines=_TEXTS)
def test_each_plugins_fast_path_keeps_what_its_own_test_keeps(lines: list[str]) -> None:
    # Plugin by plugin: in the union another plugin's match could hide one plugin's narrowing.
    for prefilter in _ONE_CHECK:
        assert prefilter.checks is not None
        [check] = prefilter.checks
        exact = {i for i, line in enumerate(lines) if check.line(line)}
        assert exact <= (prefilter.lines(lines) or set())


def _plugin_patterns() -> list[re.Pattern[str]]:
    with _default_settings():
        return [p for plugin in get_plugins() for p in engine.patterns_of(plugin)]


@pytest.mark.parametrize("pattern", _plugin_patterns(), ids=lambda p: p.pattern[:40])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_widened_pattern_matches_every_line_its_pattern_matches(
    pattern: re.Pattern[str], data: st.DataObject
) -> None:
    # ASCII lines without line breaks: a non-ASCII line takes the exact test (RE2's classes
    # are ASCII-only), so the widened pattern answers for ASCII lines only.
    chars = st.characters(max_codepoint=127, exclude_characters="\n\r")
    line = data.draw(st.from_regex(pattern, alphabet=chars))
    assert pattern.search(line)
    widened = relax.widen(pattern.pattern, pattern.flags)
    assert widened is not None
    assert re2.compile("(?m)" + widened).search(line.encode())


@pytest.mark.parametrize("line", LINES)
def test_each_sample_line_is_kept_alone_and_among_others(line: str) -> None:
    with _prefilter() as prefilter:
        assert prefilter.checks is not None
        if not any(c.line(line) for c in prefilter.checks):
            pytest.skip("no plugin reads this line")
        assert prefilter.lines([line]) == {0}
        assert 3 in (prefilter.lines(["x = 1", "é", "", line, "y = 2"]) or set())


def test_the_fast_path_drops_lines_no_plugin_can_match() -> None:
    lines = ["def charge(amount):", "    return amount * 2", "# plain words"]
    with _prefilter() as prefilter:
        assert prefilter.lines(lines) == set()


def test_widened_patterns_compile_in_re2() -> None:
    with _prefilter() as prefilter:
        assert prefilter.checks is not None
        for check in prefilter.checks:
            for pattern in check.widened or ():
                re2.compile(pattern)


@pytest.mark.parametrize("plugin", [Base64HighEntropyString(), HexHighEntropyString()])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_entropy_verdicts_are_the_plugins_own(
    plugin: HighEntropyStringsPlugin, data: st.DataObject
) -> None:
    value = data.draw(st.text(alphabet=plugin.charset, min_size=1, max_size=80))
    base = HighEntropyStringsPlugin.calculate_shannon_entropy(plugin, value)
    assert candidates.shannon_entropy(plugin.charset, value) == base  # bit for bit
    verdict = plugin.calculate_shannon_entropy(value) > plugin.entropy_limit
    assert engine._high_entropy(plugin, value) == verdict


@pytest.mark.parametrize(
    ("plugin", "value"),
    [
        (HexHighEntropyString(), "01234567890123456789"),  # all digits: the hex penalty
        (HexHighEntropyString(), "0123456789"),
        (HexHighEntropyString(), "a8f5f167f44f4964e6c998dee827110c"),
        (Base64HighEntropyString(), "bXlzZWNyZXRrZXlmb3JwYXltZW50cw=="),
        (Base64HighEntropyString(), "abcdefghijklmnopqrstuvw"),  # 23 characters, 4.52 bits
    ],
)
def test_entropy_verdicts_at_the_edges(plugin: HighEntropyStringsPlugin, value: str) -> None:
    verdict = plugin.calculate_shannon_entropy(value) > plugin.entropy_limit
    assert engine._high_entropy(plugin, value) == verdict
