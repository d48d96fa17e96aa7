"""Files proved free of secrets without starting detect-secrets: the common pre-commit case.

detect-secrets costs a secrets run ~90 ms before it reads a line: importing it and its plugins,
configuring them, and its transformers' first use (the YAML one imports a YAML parser). Yet most
source files hold no line any plugin can match (93% of the stripe SDK's Python files): the RE2
prefilter (candidates.py) finds none, and for those its verdict is the whole answer. It needs
only the plugins' widened patterns, which depend on nothing but detect-secrets' version, the
plugin settings and our own code. They are shipped in `prefilter.json`, written by `python -m
gates.checks.secrets.clean_proof` and checked against the installed detect-secrets by
tests/test_secrets_clean_proof.py, and used only for the version and settings they were built
for; anything else (a policy's own plugin settings, another detect-secrets) scans as before.

A file is proved clean (`scanner.scan_file` would give no hit) when all of these hold:

- detect-secrets reads its raw lines. `scan_file` renames notebooks, `.env` and lock files: not
  those. Its extension is one `determine_file_type` knows and not YAML: no YAML transformer, and
  no eager INI transformer (it reads only unknown types). Its first line that is neither blank
  nor a comment does not start with `[`: the INI transformer, tried on every file, gives up on
  a first line that is no section header, so the lines stay as written.
- RE2's classes are ASCII-only: a line holding a letter, digit or space outside ASCII must also
  pass the plugins' own Python patterns (shipped too), as engine.Prefilter tests such lines.
- No widened plugin pattern matches the lines as `engine.scan_lines` reads them (each right-
  stripped), nor the assignments it reads from literal environment defaults (envdefaults.py),
  and no run long enough to pass an entropy limit occurs. Searching all of them joined into one
  text can find more, never less: a match within one line is still a match there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from gates.checks.secrets import candidates, envdefaults
from gates.checks.secrets.digests import is_lockfile
from gates.textlines import lines_of

TABLE = "prefilter.json"
_HERE = Path(__file__).parent
_OURS = f"file://{_HERE}/"  # our provider plugins' path in the settings: not part of the key
# Extensions whose files detect-secrets reads as raw lines when no section header comes first;
# the table keeps those `determine_file_type` knows and does not call YAML.
_EXTENSIONS = (
    ".c", ".cfg", ".cls", ".cnf", ".conf", ".cpp", ".cs", ".go", ".h", ".java", ".js", ".jsx",
    ".kt", ".m", ".md", ".mjs", ".php", ".properties", ".py", ".pyi", ".rb", ".rs", ".scala",
    ".sh", ".sql", ".swift", ".tf", ".ts", ".tsx", ".txt",
)  # fmt: skip
_VERSION = re.compile(r"""^VERSION\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_COMMENT = ("#", ";")  # configparser's full-line comment prefixes


def detect_secrets_version() -> str | None:
    """The installed detect-secrets' version, read from its `__version__.py` without importing
    the package (importing it is what a clean file saves; `importlib.metadata` costs ~10 ms)."""
    spec = importlib.util.find_spec("detect_secrets")
    for folder in (spec.submodule_search_locations or ()) if spec is not None else ():
        try:
            text = Path(folder, "__version__.py").read_text(encoding="utf-8")
        except OSError:
            continue
        if match := _VERSION.search(text):
            return match.group(1)
    return None


def key(settings: Mapping[str, Any], version: str | None) -> str | None:
    """What the shipped patterns are valid for: detect-secrets' version and the plugin settings
    (with our provider plugins' path, which differs per install, as a placeholder)."""
    if version is None:
        return None
    plugins = json.dumps(settings.get("plugins_used"), sort_keys=True).replace(_OURS, "file://@/")
    return hashlib.sha256(f"{version}\n{plugins}".encode()).hexdigest()


class CleanProof:
    """The shipped patterns, compiled: `clean(path, text)` is True for a file proved clean."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self._table = table
        self._extensions = frozenset(table["extensions"])
        matches, runs = table["matches"], table["runs"]
        self._matches = candidates.compile_pattern(matches) if matches is not None else None
        self._runs = candidates.compile_pattern(runs) if runs is not None else None
        self._entropy = [
            (re.compile(e["regex"]), e["charset"], float(e["limit"])) for e in table["entropy"]
        ]

    def clean(self, path: str, text: str) -> bool:
        extension = posixpath.splitext(path)[1]  # as determine_file_type splits the name
        if extension not in self._extensions or _renamed(path) or _may_be_ini(text):
            return False
        lines = [line.rstrip() for line in lines_of(text)]
        if envdefaults.may_have_defaults(text):
            lines += [
                envdefaults.as_assignment(variable, value)
                for line in lines
                for variable, value in envdefaults.defaults(line)
            ]
        data = "\n".join(lines).encode("utf-8", "surrogatepass")
        if self._matches is not None and self._matches.search(data) is not None:
            return False
        # A run long enough to pass an entropy limit: its line passes only if no quoted value
        # on it does (the plugins' test, with Shannon's entropy, which bounds theirs).
        seen = -1
        for run in self._runs.finditer(data) if self._runs is not None else ():
            start = data.rfind(b"\n", 0, run.start()) + 1
            if start != seen:
                seen = start
                end = data.find(b"\n", start)
                line = data[start : end if end >= 0 else len(data)]
                if self._may_pass_entropy(line.decode("utf-8", "surrogatepass")):
                    return False
        if text.isascii():
            return True
        # RE2's classes are ASCII-only: where Python's patterns see a character class RE2 does
        # not (a letter, digit or space outside ASCII, which is also what case-insensitive
        # matching can fold to ASCII), the line gets the plugins' own patterns, as
        # engine.Prefilter gives it. Other characters (typographic quotes, dashes, symbols) are
        # in no such class for either engine, so the search above already judged their lines.
        return not any(
            any(p.search(line) for p in self._line_patterns) or self._may_pass_entropy(line)
            for line in lines
            if not line.isascii() and _unicode_class_member(line)
        )

    @cached_property
    def _line_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(pattern, flags) for pattern, flags in self._table["line_patterns"]]

    def _may_pass_entropy(self, line: str) -> bool:
        for regex, charset, limit in self._entropy:
            for match in regex.finditer(line):
                value = match.group(2)
                if len(value) > 2**limit and candidates.shannon_entropy(charset, value) > limit:
                    return True
        return False


def _unicode_class_member(line: str) -> bool:
    """A character outside ASCII that Python's `\\w`, `\\d` or `\\s` matches (str.isalnum
    and str.isspace are those classes' definitions in `re`)."""
    return any(not c.isascii() and (c.isalnum() or c.isspace()) for c in line)


def _may_be_ini(text: str) -> bool:
    """Whether the INI transformer might read the file: configparser (reading the lines of a
    file opened in text mode: universal newlines) raises at the first line that is not blank,
    not a comment and not a section header, so a file is certainly no INI file when that line
    does not start with `[`."""
    for line in lines_of(text):
        stripped = line.strip()
        if stripped and not stripped.startswith(_COMMENT):
            return stripped.startswith("[")
    return False


def _renamed(path: str) -> bool:
    """Files `scanner.scan_file` hands detect-secrets under another name or in parts."""
    base = path.rsplit("/", 1)[-1]
    dotenv = base == ".env" or base.startswith(".env.") or base.endswith(".env")
    return dotenv or is_lockfile(path) or path.endswith(".ipynb")


def proved_clean(proof: CleanProof | None, path: str, text: str) -> bool:
    """Whether `proof` (None: the shipped table is not for these settings) proves a file clean."""
    return proof is not None and proof.clean(path, text)


def load(settings: Mapping[str, Any]) -> CleanProof | None:
    """The proof for these detect-secrets settings, or None (not the shipped ones)."""
    table = _table()
    if table is None or key(settings, detect_secrets_version()) != table.get("key"):
        return None
    return _proof(table["key"])


@cache
def _table() -> dict[str, Any] | None:
    from gates.package_data import shipped

    try:
        loaded = json.loads(shipped("checks", "secrets", TABLE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


@cache
def _proof(table_key: str) -> CleanProof:  # the key: compiled once per process and table
    table = _table()
    assert table is not None  # load() read it
    return CleanProof(table)


def build(settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The table for `settings` from the installed detect-secrets (which this imports), or None
    when some enabled plugin has no RE2 form (then no file is proved clean without it)."""
    from gates.checks.secrets import offline

    offline.preload()
    from detect_secrets.settings import get_plugins, transient_settings
    from detect_secrets.util.filetype import FileType, determine_file_type

    from gates.checks.secrets import engine, scanner
    from gates.checks.secrets.hits import ScanSettings

    with transient_settings(dict(settings)):
        prefilter = scanner.configure(ScanSettings(detect_secrets=dict(settings), placeholders=()))
        if prefilter.checks is None:
            return None
        matches, runs, covered = candidates.unions(prefilter.checks)
        if len(covered) != len(prefilter.checks):
            return None
        entropy = [
            {"regex": c.entropy.regex.pattern, "charset": c.entropy.charset,
             "limit": c.entropy.entropy_limit}
            for c in covered
            if c.entropy is not None
        ]  # fmt: skip
        line_patterns = [
            [p.pattern, p.flags] for plugin in get_plugins() for p in engine.patterns_of(plugin)
        ]
    assert isinstance(prefilter, engine.Prefilter)
    extensions = [
        e
        for e in _EXTENSIONS
        if determine_file_type(f"name{e}") not in (FileType.OTHER, FileType.YAML)
    ]
    return {
        "key": key(settings, detect_secrets_version()),
        "detect_secrets": detect_secrets_version(),
        "extensions": extensions,
        "matches": matches,
        "runs": runs,
        "entropy": entropy,
        "line_patterns": line_patterns,
    }


def default_settings() -> dict[str, Any]:
    """detect-secrets' settings for a policy that leaves the secrets gate's plugins as shipped."""
    from gates.checks.secrets import config

    return config.parse({}).detect_secrets_settings()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the table for the default settings next to this module (`--check`: compare)."""
    table = build(default_settings())
    text = json.dumps(table, indent=1, sort_keys=True) + "\n"
    target = _HERE / TABLE
    if "--check" in (sys.argv[1:] if argv is None else argv):
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{target} is stale: run python -m {__name__}")
        return 0 if same else 1
    from gates.atomic import write_text_atomic

    write_text_atomic(target, text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
