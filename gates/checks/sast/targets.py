"""Which files semgrep needs to see: only those some rule's language can match.

semgrep reads every rule file and starts its engine (0.2-0.3 s of CPU for the OCaml CLI, 2 s for
the Python one) even when no rule applies to the files it is given: a commit touching only
`README.md` paid that for nothing. The rule files'
`languages` say which files can match; a file no rule can match is not handed to semgrep, and
when no file is left semgrep does not start at all. The gate still counts those files as scanned:
no rule applies to them, so they have no findings.

Fail-safe: a rule in a language this table does not know, a `generic` or `regex` rule, or a rule
file that cannot be read here makes every file a target, exactly as before. Files without a
suffix stay targets too (semgrep detects a language from a shebang line). The rule files are
read once per run (rule_files.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from gates.checks.sast import rule_files

# semgrep language names -> the file suffixes (lower case) and file names semgrep selects for them.
_LANGUAGES: dict[str, tuple[str, ...]] = {
    "python": (".py", ".pyi"),
    "python2": (".py", ".pyi"),
    "python3": (".py", ".pyi"),
    "py": (".py", ".pyi"),
    "javascript": (".js", ".jsx", ".mjs", ".cjs"),
    "js": (".js", ".jsx", ".mjs", ".cjs"),
    "typescript": (".ts", ".tsx", ".mts", ".cts"),
    "ts": (".ts", ".tsx", ".mts", ".cts"),
    "java": (".java",),
    "go": (".go",),
    "golang": (".go",),
    "ruby": (".rb",),
    "rb": (".rb",),
    "php": (".php",),
    "c": (".c", ".h"),
    "cpp": (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h"),
    "c++": (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h"),
    "csharp": (".cs",),
    "c#": (".cs",),
    "kotlin": (".kt", ".kts", ".ktm"),
    "kt": (".kt", ".kts", ".ktm"),
    "scala": (".scala",),
    "rust": (".rs",),
    "swift": (".swift",),
    "yaml": (".yaml", ".yml"),
    "json": (".json", ".ipynb"),
    "terraform": (".tf", ".hcl"),
    "hcl": (".tf", ".hcl"),
    "bash": (".sh", ".bash"),
    "sh": (".sh", ".bash"),
    "html": (".html", ".htm"),
    "solidity": (".sol",),
    "sol": (".sol",),
    "lua": (".lua",),
    "elixir": (".ex", ".exs"),
    "ex": (".ex", ".exs"),
    "dockerfile": (".dockerfile", "dockerfile"),
    "docker": (".dockerfile", "dockerfile"),
}


def _file_languages(path: Path) -> frozenset[str] | None:
    """The languages of one rule file's rules; None when any rule can match any file (or the
    file cannot be read here: semgrep will say what is wrong with it)."""
    rules = rule_files.load(path)
    if rules is None:
        return None
    found: set[str] = set()
    for rule in rules:
        languages = rule.get("languages") if isinstance(rule, dict) else None
        if not isinstance(languages, list) or not languages:
            return None
        for language in languages:
            name = str(language).lower()
            if name not in _LANGUAGES:  # generic, regex, none, or one we do not know
                return None
            found.add(name)
    return frozenset(found)


def rule_languages(paths: Iterable[Path]) -> frozenset[str] | None:
    """The languages the rules are written for; None when some rule can match any file."""
    found: set[str] = set()
    for path in paths:
        languages = _file_languages(path)
        if languages is None:
            return None
        found |= languages
    return frozenset(found)


def semgrep_targets(files: Sequence[str], languages: frozenset[str] | None) -> list[str]:
    """The files some rule can match, in their order."""
    if languages is None:
        return list(files)
    suffixes = {s for name in languages for s in _LANGUAGES[name]}
    return [f for f in files if _matches(f, suffixes)]


def _matches(path: str, suffixes: set[str]) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if "." not in name.lstrip("."):
        return True  # no suffix: semgrep may find a language in its shebang line
    return name in suffixes or any(name.endswith(s) for s in suffixes if s.startswith("."))
