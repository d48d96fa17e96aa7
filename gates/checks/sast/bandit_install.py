"""What the installed bandit is, for the prefilter (bandit_triggers.py): read from its files.

The digests of the modules the trigger conditions were read from, its plugin and blacklist entry
points (a third-party plugin shows up here), the blacklists' data and the plugins' default config
(`gen_config`: bandit runs without a config file, so these are the values its tests use). The data
is bandit's own, read from its source with `ast` (literals only) rather than imported: importing
bandit loads every extension through stevedore at import time (~0.1 s, and an error logged to the
user's terminal for an optional formatter it cannot load).
"""

from __future__ import annotations

import ast
import hashlib
import os
import sysconfig
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from gates.checks.sast.bandit_triggers import DERIVED_FROM, BanditFacts

# plugin module -> the config name its gen_config answers
_CONFIGS = {
    "plugins/injection_shell.py": "shell_injection",
    "plugins/general_hardcoded_tmp.py": "hardcoded_tmp_directory",
    "plugins/insecure_ssl_tls.py": "ssl_with_bad_version",
    "plugins/markupsafe_markup_xss.py": "markupsafe_xss",
    "plugins/try_except_pass.py": "try_except_pass",
    "plugins/try_except_continue.py": "try_except_continue",
}


class _Unreadable(Exception):
    """bandit's source is not shaped as these readers expect."""


def _module(root: Path, rel: str) -> ast.Module:
    try:
        return ast.parse((root / rel).read_bytes())
    except (OSError, SyntaxError, ValueError) as exc:
        raise _Unreadable(rel) from exc


def _literal(node: ast.AST | None) -> Any:
    if node is None:
        raise _Unreadable("no value")
    try:
        return ast.literal_eval(node)
    except ValueError as exc:
        raise _Unreadable(ast.dump(node)[:80]) from exc


def _blacklist(tree: ast.Module) -> list[tuple[str, str, tuple[str, ...]]]:
    """gen_blacklist's entries: each `build_conf_dict(name, id, cwe, qualnames, ...)` call, for
    every node kind its returned dict maps to them ("Import"/"ImportFrom" read as "Import")."""
    entries: list[tuple[str, tuple[str, ...]]] = []
    kinds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "build_conf_dict":
            test_id, qualnames = _literal(node.args[1]), _literal(node.args[3])
            entries.append((str(test_id), tuple(str(q) for q in qualnames)))
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            kinds |= {str(_literal(k)) for k in node.value.keys}
    if not entries or not kinds:
        raise _Unreadable("gen_blacklist")
    named = {"Call" if k == "Call" else "Import" for k in kinds}
    return [(test_id, kind, q) for kind in sorted(named) for test_id, q in entries]


def _gen_config(tree: ast.Module, name: str) -> Any:
    """What `gen_config(name)` returns: the dict after `if name == "<name>":`."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and [_literal(c) for c in node.test.comparators] == [name]
            and isinstance(node.body[0], ast.Return)
        ):
            return _literal(node.body[0].value)
    raise _Unreadable(f"gen_config({name!r})")


def _assigned(tree: ast.Module, name: str) -> Any:
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            name
        ]:
            return _literal(node.value)
    raise _Unreadable(name)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


def _same_file(a: str | Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _installed(package: Path) -> bool:
    """The package lies in this interpreter's site-packages (not shadowed by PYTHONPATH or a
    path hook), where its own script imports it from."""
    site = {Path(sysconfig.get_path(name)).resolve() for name in ("purelib", "platlib")}
    return package.resolve().parent in site


def _entry_points(group: str) -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=group)}


def _own_package(executable: str | None) -> Path | None:
    """The bandit package `executable` runs, when it is this environment's own: the script beside
    this interpreter, the package in this interpreter's site-packages. None for a bandit found
    first on PATH (a pipx or system install, another version), which may be other code."""
    spec = find_spec("bandit")  # finds the package without importing it
    if spec is None or spec.origin is None or executable is None:
        return None
    root = Path(spec.origin).parent
    if not (
        _same_file(executable, Path(sysconfig.get_path("scripts")) / "bandit") and _installed(root)
    ):
        return None
    return root


def is_own(executable: str | None) -> bool:
    """`executable` is this environment's own bandit, which this interpreter can import as is
    (bandit.py then runs it through bandit_main.py)."""
    return _own_package(executable) is not None


def facts(executable: str | None) -> BanditFacts | None:
    """The facts of the bandit that `executable` (what the gate will run) is, or None when that
    cannot be known or its data cannot be read as expected: the gate then sends every file to
    bandit, which reports what is wrong. Known only for this environment's own bandit
    (`is_own`)."""
    root = _own_package(executable)
    if root is None:
        return None
    try:
        blacklist = [
            *_blacklist(_module(root, "blacklists/calls.py")),
            *_blacklist(_module(root, "blacklists/imports.py")),
        ]
        config = {name: _gen_config(_module(root, rel), name) for rel, name in _CONFIGS.items()}
        password = _assigned(_module(root, "plugins/general_hardcoded_password.py"), "RE_WORDS")
        bidi = _assigned(_module(root, "plugins/trojansource.py"), "BIDI_CHARACTERS")
    except (_Unreadable, IndexError, TypeError):
        return None
    return BanditFacts(
        digests={rel: _digest(root / rel) for rel in DERIVED_FROM},
        plugins=_entry_points("bandit.plugins"),
        blacklists=_entry_points("bandit.blacklists"),
        blacklist=tuple(blacklist),
        config=config,
        password_words=str(password),
        bidi=tuple(str(c) for c in bidi),
    )
