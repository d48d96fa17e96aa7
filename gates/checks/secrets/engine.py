"""The detect-secrets driver: a file's text in, the secrets its plugins and filters accept out.

We drive detect-secrets' own plugins, filters and transformers (pinned to 1.5.0), line by line as
its `scan_file` does: filename filters, then the file's lines (YAML/INI transformers first, eager
transformers only when the first pass found nothing), line filters, each plugin, secret filters.
What we add is a *sound* prefilter, derived from the plugins themselves: a line that none of the
enabled plugins' own patterns can match is skipped without entering the (slow) filter machinery.
Regex plugins use their `denylist`, the high-entropy plugins their quoted-string pattern plus the
entropy limit, the keyword plugin its keyword list; an unknown (custom) plugin disables the
prefilter. Those patterns run as RE2 over the whole text at once (candidates.py, widened by
relax.py so that they keep every line the Python patterns match); lines RE2 cannot judge and
patterns it cannot run get the plugins' exact per-line tests.

Two deliberate departures from `scan_file` (see `_candidates`): provider-shaped literals survive
the indirect-reference filter, and literal defaults of environment reads are scanned.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.core.scan import _is_filtered_out, _scan_line, get_filters_with_parameter
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import (
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.keyword import DENYLIST, KeywordDetector
from detect_secrets.settings import get_plugins
from detect_secrets.transformers import get_transformed_file
from detect_secrets.types import NamedIO
from detect_secrets.util.code_snippet import CodeSnippet, get_code_snippet
from detect_secrets.util.inject import call_function_with_arguments

from gates.checks.secrets import candidates, envdefaults, relax
from gates.textlines import lines_of

LineTest = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class _Check:
    """What one plugin may match: `line` is the exact test of one line (Python `re`, the
    plugin's own semantics); `widened` the same patterns widened for RE2 (relax.py), or None
    where a pattern has no sound RE2 form; `entropy` the plugin, for the RE2 run test, when its
    entropy is at most Shannon's (else None: the exact test alone)."""

    line: LineTest
    widened: tuple[str, ...] | None = None
    entropy: HighEntropyStringsPlugin | None = None


def _regex_check(patterns: Sequence[re.Pattern[str]]) -> _Check:
    wide = [relax.widen(p.pattern, p.flags) for p in patterns]
    return _Check(
        line=lambda line: any(p.search(line) for p in patterns),
        widened=None if any(w is None for w in wide) else tuple(w for w in wide if w),
    )


def _entropy_check(plugin: HighEntropyStringsPlugin) -> _Check:
    def test(text: str) -> bool:
        return any(_high_entropy(plugin, m.group(2)) for m in plugin.regex.finditer(text))

    # The RE2 fast path (candidates.py) skips values too short to pass, which is sound only
    # where the entropy never exceeds Shannon's; other plugins keep the exact per-line test.
    return _Check(line=test, entropy=plugin if entropy_is_bounded(plugin) else None)


# Entropy functions known never to exceed the Shannon entropy of the value over the charset:
# the base plugin's, and the hex plugin's (it only subtracts, for all-digit values).
_BOUNDED = (
    HighEntropyStringsPlugin.calculate_shannon_entropy,
    HexHighEntropyString.calculate_shannon_entropy,
)


def entropy_is_bounded(plugin: HighEntropyStringsPlugin) -> bool:
    """Whether the plugin's entropy is at most the value's Shannon entropy (so at most log2 of
    its length): then a value too short to pass can be skipped unread."""
    return type(plugin).calculate_shannon_entropy in _BOUNDED


def _high_entropy(plugin: HighEntropyStringsPlugin, value: str) -> bool:
    """The plugin's verdict on one quoted value, computed cheaply where that is exact."""
    limit = plugin.entropy_limit
    if not entropy_is_bounded(plugin):
        return plugin.calculate_shannon_entropy(value) > limit
    # Shannon entropy is at most log2(len): most quoted strings in code are too short to pass.
    if len(value) <= 2**limit or candidates.shannon_entropy(plugin.charset, value) <= limit:
        return False
    if type(plugin).calculate_shannon_entropy is _BOUNDED[0]:
        return True  # candidates.shannon_entropy is that function's value
    return plugin.calculate_shannon_entropy(value) > limit


_KEYWORD = re.compile("|".join(DENYLIST), re.IGNORECASE)


def patterns_of(plugin: BasePlugin) -> tuple[re.Pattern[str], ...]:
    """The patterns a regex-based plugin matches lines with (none for other plugins)."""
    if isinstance(plugin, KeywordDetector):
        return (_KEYWORD,)
    if isinstance(plugin, RegexBasedDetector):
        return tuple(plugin.denylist)
    return ()


def _check_for(plugin: BasePlugin) -> _Check | None:
    if isinstance(plugin, HighEntropyStringsPlugin):
        return _entropy_check(plugin)
    if isinstance(plugin, KeywordDetector | RegexBasedDetector):
        return _regex_check(patterns_of(plugin))
    return None  # a custom plugin: no sound prefilter known


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Which lines any enabled plugin may match; `checks` None: every line."""

    checks: tuple[_Check, ...] | None
    fast: candidates.LineFinder | None = None

    def lines(self, lines: Sequence[str]) -> set[int] | None:
        """The 0-based indices of `lines` some plugin may match (None: all of them)."""
        if self.checks is None:
            return None
        slow = [c for c in self.checks if self.fast is None or not self.fast.covers(c)]
        found = self.fast.lines(lines) if self.fast is not None else set()
        for index, line in enumerate(lines):
            if index in found:
                continue
            # Lines RE2 cannot judge (non-ASCII: its classes are ASCII-only) and patterns with
            # no RE2 form get the plugin's exact test.
            checks = self.checks if not line.isascii() else slow
            if checks and any(c.line(line) for c in checks):
                found.add(index)
        return found


def build_prefilter() -> Prefilter:
    """From the currently configured detect-secrets plugins (call inside transient_settings)."""
    checks = [_check_for(p) for p in get_plugins()]
    if any(c is None for c in checks):
        return Prefilter(None)
    kept = tuple(c for c in checks if c is not None)
    return Prefilter(kept, candidates.LineFinder.build(kept))


def _line_sets(name: str, text: str) -> Iterator[list[str]]:
    """The lines detect-secrets would scan: transformed first, eager transformers second."""
    # Universal newlines, as detect-secrets' `open()` reads a file (textlines.py): transformers see
    # the lines it would.
    handle = io.StringIO(text, newline=None)
    handle.name = name  # detect-secrets picks transformers by file name
    named: NamedIO = handle  # type: ignore[assignment]  # StringIO with .name is its NamedIO
    lines = get_transformed_file(named) or lines_of(text)
    yield lines
    handle.seek(0)
    eager = get_transformed_file(named, use_eager_transformers=True)
    if eager:
        yield eager


_INDIRECT_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"

# detect-secrets' filename filters that skip a whole file by its name: an extension it guesses is
# not text (.css, .svg, .map, .lock, .sum, .prefs, .iml, ...), a lockfile's name, or "swagger"
# anywhere in the path. The workspace already tells text from binary by content (binaries are
# scanned through their printable strings), and a key in `deploy.lock`, `theme.css` or
# `swagger_client.py` ships all the same: a name must not hide one. Digests in lockfiles are
# still not secrets (digests.py).
SKIPPED_BY_NAME = frozenset(
    {
        "detect_secrets.filters.heuristic.is_non_text_file",
        "detect_secrets.filters.heuristic.is_lock_file",
        "detect_secrets.filters.heuristic.is_swagger_file",
    }
)


def _name_filtered(name: str) -> bool:
    """Whether a filename filter we keep (e.g. `is_invalid_file`) drops the file; filters that
    need more than a name (a line, a secret) run later, as in `scan_file`."""
    for filter_fn in get_filters_with_parameter("filename"):
        if filter_fn.path in SKIPPED_BY_NAME:
            continue
        try:
            if call_function_with_arguments(filter_fn, filename=name):
                return True
        except TypeError:
            continue  # not a filename-only filter
    return False


def _line_verdict(name: str, line: str, snippet: CodeSnippet) -> tuple[bool, bool]:
    """(dropped by a line filter, dropped *only* by the indirect-reference filter)."""
    indirect = False
    for filter_fn in get_filters_with_parameter("line"):
        try:
            hit = call_function_with_arguments(filter_fn, filename=name, line=line, context=snippet)
        except TypeError:
            continue  # a filter that needs more than a line (a secret): not a line filter
        if not hit:
            continue
        if filter_fn.path != _INDIRECT_FILTER:
            return True, False
        indirect = True
    return indirect, indirect


def _candidates(
    name: str, line: str, snippet: CodeSnippet, plugins: Sequence[BasePlugin]
) -> Iterator[tuple[str, Sequence[BasePlugin]]]:
    """The strings to run plugins on for one line, each with the plugins that may read it.

    The line itself with every plugin, unless a line filter drops it. The indirect-reference
    filter (`x = lookup(...)`) is for values computed at run time: a provider-shaped literal in
    the same call (`Client("AC…", "token")`) is still read by the shape plugins (providers.py).
    Each literal default of an environment read (envdefaults.py) is read as `VAR = "default"`,
    through the line filters again, by every plugin.
    """
    dropped, only_indirect = _line_verdict(name, line, snippet)
    if not dropped:
        yield line, plugins
    elif only_indirect:
        shaped = [p for p in plugins if getattr(p, "shaped", False)]
        if shaped:
            yield line, shaped
    if dropped and not only_indirect:
        return
    for variable, value in envdefaults.defaults(line):
        synthetic = envdefaults.as_assignment(variable, value)
        if not _line_verdict(name, synthetic, snippet)[0]:
            yield synthetic, plugins


def scan_lines(
    name: str, lines: Sequence[str], prefilter: Prefilter
) -> Iterator[tuple[PotentialSecret, CodeSnippet]]:
    """detect-secrets' per-line pipeline over `lines` (1-based numbers), with the prefilter and
    our two additions (`_candidates`); one hit per (line, type, value)."""
    content = [line.rstrip() for line in lines]
    # A line is read when a plugin may match it or one of its literal environment defaults
    # (`os.getenv("K", "default")` read as `K = "default"`, envdefaults.py).
    extras = {
        i: [envdefaults.as_assignment(v, d) for v, d in found]
        for i, line in enumerate(content)
        if (found := envdefaults.defaults(line))
    }
    wanted = prefilter.lines(content)
    if wanted is not None and extras:
        synthetic = [(i, text) for i, texts in extras.items() for text in texts]
        hits = prefilter.lines([text for _, text in synthetic]) or set()
        wanted |= {synthetic[k][0] for k in hits}
    if wanted is not None and not wanted:
        return
    plugins = get_plugins()
    for number, line in enumerate(content, start=1):
        if wanted is not None and number - 1 not in wanted:
            continue
        snippet = get_code_snippet(lines=content, line_number=number)
        seen: set[tuple[str, str]] = set()
        for text, readers in _candidates(name, line, snippet, plugins):
            for plugin in readers:
                for secret in _scan_line(
                    plugin=plugin, filename=name, line=text, line_number=number, context=snippet
                ):
                    key = (secret.type, secret.secret_value or "")
                    if key in seen:
                        continue
                    if not _is_filtered_out(
                        required_filter_parameters=["context"],
                        filename=secret.filename,
                        secret=secret.secret_value,
                        plugin=plugin,
                        line=text,
                        context=snippet,
                    ):
                        seen.add(key)
                        yield secret, snippet


def scan_text(
    name: str, text: str, prefilter: Prefilter
) -> list[tuple[PotentialSecret, CodeSnippet]]:
    """Everything detect-secrets' `scan_file` would report for a file named `name`, except that
    its guesses from the name alone (SKIPPED_BY_NAME) do not apply: we hand it text only."""
    if _name_filtered(name):
        return []
    for lines in _line_sets(name, text):
        found = list(scan_lines(name, lines, prefilter))
        if found:
            return found
    return []
