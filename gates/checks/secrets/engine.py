"""The detect-secrets driver: a file's text in, the secrets its plugins and filters accept out.

We drive detect-secrets' own plugins, filters and transformers (pinned to 1.5.0), line by line as
its `scan_file` does: filename filters, then the file's lines (YAML/INI transformers first, eager
transformers only when the first pass found nothing), line filters, each plugin, secret filters.
What we add is a *sound* prefilter, derived from the plugins themselves: a line that none of the
enabled plugins' own patterns can match is skipped without entering the (slow) filter machinery.
Regex plugins use their `denylist`, the high-entropy plugins their quoted-string pattern plus the
entropy limit, the keyword plugin its keyword list; an unknown (custom) plugin disables the
prefilter. The same patterns first run over the whole text (MULTILINE, so `^`/`$` and lookarounds
at line edges still hold) to drop the plugins that cannot match anywhere in the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.core.scan import _is_filtered_out, _scan_line
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.keyword import DENYLIST, KeywordDetector
from detect_secrets.settings import get_plugins
from detect_secrets.transformers import get_transformed_file
from detect_secrets.types import NamedIO
from detect_secrets.util.code_snippet import CodeSnippet, get_code_snippet

LineTest = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class _Check:
    whole_text: LineTest  # may the plugin match anywhere in the file?
    line: LineTest  # may it match this line?


def _regex_check(patterns: Sequence[re.Pattern[str]]) -> _Check:
    multiline = [re.compile(p.pattern, p.flags | re.MULTILINE) for p in patterns]
    return _Check(
        whole_text=lambda text: any(p.search(text) for p in multiline),
        line=lambda line: any(p.search(line) for p in patterns),
    )


def _entropy_check(plugin: HighEntropyStringsPlugin) -> _Check:
    # The charset excludes newlines, so a match never spans lines: whole-text and per-line
    # matches are the same strings.
    def test(text: str) -> bool:
        return any(
            plugin.calculate_shannon_entropy(m.group(2)) > plugin.entropy_limit
            for m in plugin.regex.finditer(text)
        )

    return _Check(whole_text=test, line=test)


_KEYWORD = re.compile("|".join(DENYLIST), re.IGNORECASE)


def _check_for(plugin: BasePlugin) -> _Check | None:
    if isinstance(plugin, HighEntropyStringsPlugin):
        return _entropy_check(plugin)
    if isinstance(plugin, KeywordDetector):
        return _regex_check((_KEYWORD,))
    if isinstance(plugin, RegexBasedDetector):
        return _regex_check(tuple(plugin.denylist))
    return None  # a custom plugin: no sound prefilter known


@dataclass(frozen=True, slots=True)
class Prefilter:
    checks: tuple[_Check, ...] | None  # None: scan every line

    def active(self, text: str) -> tuple[_Check, ...] | None:
        if self.checks is None:
            return None
        return tuple(c for c in self.checks if c.whole_text(text))


def build_prefilter() -> Prefilter:
    """From the currently configured detect-secrets plugins (call inside transient_settings)."""
    checks = [_check_for(p) for p in get_plugins()]
    if any(c is None for c in checks):
        return Prefilter(None)
    return Prefilter(tuple(c for c in checks if c is not None))


def _line_sets(name: str, text: str) -> Iterator[list[str]]:
    """The lines detect-secrets would scan: transformed first, eager transformers second."""
    handle = io.StringIO(text)
    handle.name = name  # detect-secrets picks transformers by file name
    named: NamedIO = handle  # type: ignore[assignment]  # StringIO with .name is its NamedIO
    lines = get_transformed_file(named) or text.splitlines()
    yield lines
    handle.seek(0)
    eager = get_transformed_file(named, use_eager_transformers=True)
    if eager:
        yield eager


def scan_lines(
    name: str, lines: Sequence[str], prefilter: Prefilter
) -> Iterator[tuple[PotentialSecret, CodeSnippet]]:
    """detect-secrets' per-line pipeline over `lines` (1-based numbers), with the prefilter."""
    content = [line.rstrip() for line in lines]
    active = prefilter.active("\n".join(content))
    if active is not None and not active:
        return
    plugins = get_plugins()
    for number, line in enumerate(content, start=1):
        if active is not None and not any(c.line(line) for c in active):
            continue
        snippet = get_code_snippet(lines=content, line_number=number)
        if _is_filtered_out(
            required_filter_parameters=["line"], filename=name, line=line, context=snippet
        ):
            continue
        for plugin in plugins:
            for secret in _scan_line(
                plugin=plugin, filename=name, line=line, line_number=number, context=snippet
            ):
                if not _is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    yield secret, snippet


def scan_text(
    name: str, text: str, prefilter: Prefilter
) -> list[tuple[PotentialSecret, CodeSnippet]]:
    """Everything detect-secrets' `scan_file` would report for a file named `name`."""
    if _is_filtered_out(required_filter_parameters=["filename"], filename=name):
        return []
    for lines in _line_sets(name, text):
        found = list(scan_lines(name, lines, prefilter))
        if found:
            return found
    return []
