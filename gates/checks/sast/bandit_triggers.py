"""Which Python files bandit can report anything on: a necessary textual condition per test.

bandit's cost is parsing and walking every file (bench/README.md), so the gate sends it only the
files where some enabled test *can* fire; every other file is proved silent for those tests by
its text. A test's condition is a disjunction of conjunctions of atoms (regular expressions over
the file's bytes); a file is sent when, for some enabled test, every atom of one conjunction
occurs in it. Each condition is *necessary*, never a heuristic: if bandit can report the test
on a file, the file's text satisfies it. Why, per kind of atom:

- `ident(w)`: bandit resolves a call's qualified name (`call_function_name_qual`) from the
  call's own dotted name with import aliases substituted (bandit.core.utils.get_call_name, the
  node visitor's `import_aliases`); every component of it is an identifier written in the
  file, in the call or in an `import`/`from ... import` statement. So a test that needs
  `qualname == "a.b.c"` needs the identifiers a, b and c. Keywords (`assert`, `except`) are
  identifiers in the same sense. The bounds are ASCII word boundaries: an identifier cannot be
  adjacent to another identifier character.
- `sub(s)`: a substring test bandit makes on an identifier or an import's dotted name
  (`'chmod' in call_function_name`, `is_module_imported_like("django.db.models")`: each dotted
  part is then a substring of an identifier).
- `string(s)`: a string constant's *value* contains `s`. The value may be spelt with escapes
  (`"\\x2ftmp"`), split over implicitly concatenated literals (`"/t" "mp"`) or over a
  backslash-newline inside the literal; the atom allows every such spelling between any two
  characters of `s`, so it matches whenever the value can contain `s` (and more often).
  B608 also joins an f-string's literal parts, so its atoms allow `{...}` between characters.
- Non-ASCII text: Python normalises identifiers with NFKC (`ｅｖａｌ` is `eval`), so a file with
  non-ASCII characters is also matched in its NFKC form; a file declaring another encoding than
  UTF-8 (a coding cookie) is always sent, since its bytes are not the text bandit decodes.

Conditions are derived from bandit's own data where bandit has data (the blacklists, each
plugin's default config from `gen_config`: shell function lists, tmp dirs, bad SSL versions,
the password word regex, the bidi characters) and are written here for plugin logic, which
bandit keeps as code. That logic is pinned: each condition names the bandit module it was read
from, with the module's digest (`DERIVED_FROM`, bandit 1.9.4), and so are the core modules
that build qualified names; a module whose digest differs has no condition. Any enabled test
without a condition (a third-party plugin, an id we do not know, a changed bandit) means no
prefilter: every file goes to bandit (fail closed). tests/test_sast_bandit_triggers.py runs
real bandit on examples of every test and checks the prefilter sends each and changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 publishes no stubs or py.typed

from gates.record import record

# Digests (sha256, first 16 hex digits) of the bandit modules the conditions below were read
# from, as installed with bandit 1.9.4. core/*: how qualified names, imports and blacklists are
# matched and which config a plugin gets (every condition depends on them).
DERIVED_FROM: Mapping[str, str] = {
    "core/blacklisting.py": "01c5765defe0166a",
    "core/config.py": "e950a458ddcf1462",
    "core/context.py": "dbba8fa2070465c1",
    "core/node_visitor.py": "1ec4921372a72b12",
    "core/test_set.py": "8f0799ede2b52068",
    "core/tester.py": "d229bb23f1dad223",
    "core/utils.py": "86483ddab8e9b989",
    "blacklists/calls.py": "40254e78109932bc",
    "blacklists/imports.py": "de508d0f4d83a031",
    "plugins/app_debug.py": "d19a7e0d388b9eeb",
    "plugins/asserts.py": "88e3f95918dda457",
    "plugins/crypto_request_no_cert_validation.py": "03211280167b26dc",
    "plugins/django_sql_injection.py": "898340594fa3d034",
    "plugins/django_xss.py": "1ce50093ac3694c1",
    "plugins/exec.py": "e64a2c4a6808f18d",
    "plugins/general_bad_file_permissions.py": "f13e7d08ff9a96e0",
    "plugins/general_bind_all_interfaces.py": "327f180647c5e50c",
    "plugins/general_hardcoded_password.py": "605938fb5ddaf5db",
    "plugins/general_hardcoded_tmp.py": "3a30d981ba19175f",
    "plugins/hashlib_insecure_functions.py": "f9c6092942dacdbc",
    "plugins/huggingface_unsafe_download.py": "a24f93d9ec6f060f",
    "plugins/injection_paramiko.py": "6c06ea1fee021d06",
    "plugins/injection_shell.py": "66c49c2d001bca4d",
    "plugins/injection_sql.py": "51bdc4d629fdf343",
    "plugins/injection_wildcard.py": "19e1c9721a03c542",
    "plugins/insecure_ssl_tls.py": "56b47dab23b263ba",
    "plugins/jinja2_templates.py": "e7ed213dc26a9be4",
    "plugins/logging_config_insecure_listen.py": "5330ed2d3888c119",
    "plugins/mako_templates.py": "1c1871b687e8d601",
    "plugins/markupsafe_markup_xss.py": "4131705def7d30ad",
    "plugins/pytorch_load.py": "c83cc5727d7b3a79",
    "plugins/request_without_timeout.py": "20969d3c2c105440",
    "plugins/snmp_security_check.py": "b537689d174a30ab",
    "plugins/ssh_no_host_key_verification.py": "d45ab1e64e60b4bb",
    "plugins/tarfile_unsafe_members.py": "f952acad2d3a21d1",
    "plugins/trojansource.py": "5beb762d14988680",
    "plugins/try_except_continue.py": "2be56b412fd89e27",
    "plugins/try_except_pass.py": "0f03e28b389c7285",
    "plugins/weak_cryptographic_key.py": "4861f760cdcb881a",
    "plugins/yaml_load.py": "6ce7c264139c4970",
}
CORE = tuple(m for m in DERIVED_FROM if m.startswith("core/"))
_LEVELS = ("low", "medium", "high")
_ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the string B104 looks for, not a bind

Atom = bytes  # a re2 pattern over a file's bytes
Condition = tuple[tuple[Atom, ...], ...]  # any of: all of


@record
class BanditFacts:
    """What the installed bandit is, as read by bandit_install.py: module digests, its plugin
    and blacklist entry points, the blacklists' data and the plugins' default config."""

    digests: Mapping[str, str]  # DERIVED_FROM's keys -> the installed module's digest
    plugins: Mapping[str, str]  # entry point name -> "module:function"
    blacklists: Mapping[str, str]  # entry point name -> "module:function"
    # test id -> (node kind, qualnames), kinds "Call" / "Import" (Import and ImportFrom)
    blacklist: Sequence[tuple[str, str, tuple[str, ...]]]
    config: Mapping[str, Mapping[str, Any]]  # plugin config name -> gen_config(name)
    password_words: str  # general_hardcoded_password.RE_WORDS
    bidi: tuple[str, ...]  # trojansource.BIDI_CHARACTERS


# --- atoms -----------------------------------------------------------------------------------


def ident(word: str) -> Atom:
    return rb"\b" + re.escape(word).encode() + rb"\b"


def sub(text: str) -> Atom:
    return re.escape(text).encode()


# How a string value's next character may be spelt in source: an escape (numeric or named; the
# simple ones only stand for the characters they name) ...
_NUMERIC_ESCAPE = r"\\(?:x[0-9A-Fa-f]{2}|[0-7]{1,3}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}\n]*\})"
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "\n": "n", "\t": "t", "\r": "r"}
# ... after a backslash-newline inside the literal, or after the end of one literal and the
# start of the next (implicit concatenation: quotes, then blanks, comments or line
# continuations, then the next literal's prefix and quotes).
_JOIN = r"""(?:\\\r?\n|['"]{1,3}(?:[ \t\f\r\n]|\\\r?\n|#[^\n]*)*[rRbBuUfF]{0,2}['"]{1,3})"""
# An f-string's literal parts around a `{...}` replacement field (only B608 joins them).
_FIELD = r"\{[\s\S]*?\}"


def string(text: str, *, ignore_case: bool = False, fstring: bool = False) -> Atom:
    """A string constant whose value contains `text`, however the literal spells it."""
    return _spelled(tuple((c, "") for c in text), ignore_case=ignore_case, fstring=fstring)


def _spelled(
    chars: Sequence[tuple[str, str]], *, ignore_case: bool = False, fstring: bool = False
) -> Atom:
    """`string` for a sequence of (character, quantifier "", "?" or "+")."""
    gap = f"(?:{_JOIN}|{_FIELD})*" if fstring else f"{_JOIN}*"
    out = ""
    for i, (ch, quantifier) in enumerate(chars):
        lit = re.escape(ch)
        if ignore_case and ch.lower() != ch.upper():
            lit = f"[{re.escape(ch.lower())}{re.escape(ch.upper())}]"
        simple = _SIMPLE_ESCAPES.get(ch)
        extra = f"|\\\\{re.escape(simple)}" if simple else ""
        piece = f"(?:{lit}|{_NUMERIC_ESCAPE}{extra})"
        joined = piece if i == 0 else gap + piece
        if quantifier == "+":
            out += f"{joined}(?:{gap}{piece})*"
        elif quantifier == "?":
            out += f"(?:{joined})?"
        else:
            out += joined
    return out.encode()


def _qualname(name: str) -> tuple[Atom, ...]:
    """`call_function_name_qual == name`: every dotted part is an identifier in the file."""
    return tuple(ident(part) for part in name.split("."))


def _imported_like(module: str) -> tuple[Atom, ...]:
    """`is_module_imported_like(module)`: `module` is a substring of an import's dotted name,
    so each of its dotted parts is a substring of an identifier."""
    return tuple(sub(part) for part in module.split(".") if part)


def _import_prefix(qualname: str) -> tuple[Atom, ...]:
    """A blacklisted import (`(module + "." + name).startswith(qualname)`): the parts but the
    last are whole identifiers, the last starts one."""
    *whole, last = qualname.split(".")
    return (*(ident(p) for p in whole), rb"\b" + re.escape(last).encode())


def _any(*atoms: Atom) -> Condition:
    return tuple((a,) for a in atoms)


def _all(*atoms: Atom) -> Condition:
    return (tuple(atoms),)


def _and(left: Condition, right: Condition) -> Condition:
    return tuple((*a, *b) for a in left for b in right)


# --- conditions per test ---------------------------------------------------------------------

_DYNAMIC_IMPORT = (ident("__import__"), ident("import_module"))


def _blacklist(facts: BanditFacts) -> dict[str, Condition]:
    """A blacklisted call is matched on the call's qualified name, except `__import__(x)` and
    `importlib.import_module(x)` / `importlib.__import__(x)`, matched on the argument: a name
    or attribute (an identifier, which the qualified-name condition already requires) or a
    string equal to the qualified name (so the file calls one of those and has a string
    holding the name's first part). A blacklisted import is matched on each imported dotted
    name's prefix."""
    out: dict[str, list[tuple[Atom, ...]]] = {}
    for test_id, kind, qualnames in facts.blacklist:
        conj = out.setdefault(test_id, [])
        for q in qualnames:
            if kind == "Call":
                conj.append(_qualname(q))
                conj.extend((fn, string(q.split(".")[0])) for fn in _DYNAMIC_IMPORT)
            else:
                conj.append(_import_prefix(q))
    return {test_id: tuple(dict.fromkeys(c)) for test_id, c in out.items()}


# RE_WORDS spelt out, as (character, quantifier) sequences, for matching inside string values.
_PASSWORD_SPELLINGS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("p", ""), ("a", ""), ("s", "+"), ("w", ""), ("o", "?"), ("r", "?"), ("d", "")),
    tuple((c, "") for c in "pass"),
    tuple((c, "") for c in "passphrase"),
    tuple((c, "") for c in "pwd"),
    tuple((c, "") for c in "token"),
    tuple((c, "") for c in "secret"),
    tuple((c, "") for c in "secrete"),
)
_PASSWORD_WORDS = "(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)"  # noqa: S105 - bandit's RE_WORDS
# Between a name and what follows it: blanks, newlines and brackets (a parenthesised name or
# value; newlines inside brackets), comments, line continuations.
_WS = r"(?:[ \t\f\r\n()]|\\\r?\n|#[^\n]*)*"
_QUOTE = r"""[rRbBuUfF]{0,2}['"]"""  # a string literal starts
_COMPARE = rf"(?:[=!]=|[<>]=?|\b(?:is|in|not)\b(?:{_WS}\b(?:not|in)\b)?)"


# After the word (and any continuation or concatenation), a dict key or subscript string ends
# (or goes on with `_` or an escape, then
# the rest of a one-line literal of either quote, or of a triple-quoted one), and what follows
# the literal is `:` (a dict key), `]` (a subscript) or another literal (implicit concatenation).
_REST = (
    r"(?:[^'\\\n]|\\[\s\S])*'"
    r'|(?:[^"\\\n]|\\[\s\S])*"'
    r"|[\s\S]*?'''"
    r'|[\s\S]*?"""'
)
_KEY_TAIL = (
    _JOIN + r"""*(?:['"]|[_\\](?:""" + _REST + r"""))['"]{0,2}"""
    r"""(?:[ \t\f\r\n)]|\\\r?\n|#[^\n]*)*(?:[:\]]|[rRbBuUfF]{0,2}['"])"""
).encode()


def _except_only(word: str, *, typed: bool) -> Condition:
    """B110/B112: an except clause whose body is only `pass` / `continue`.

    With `check_typed_exception` off (bandit's default, and the gate runs bandit without a
    config), only a bare `except:` or `except Exception` (a name; `as`, parentheses and `except*`
    allowed) counts: `except`, blanks, optionally `Exception` and its `as` name, `:`, blanks,
    the word. Typed clauses (`except KeyError: pass`, most of them) need no bandit.
    With it on, any header: one line ending in `:`, then (blanks, comments) the word; or it
    spans lines (an open bracket or a continuation: the line does not end in `:`), and then some
    `:` is followed by the word."""
    if not typed:
        named = rf"(?:Exception{_WS}(?:as{_WS}[^\s:#()\\]+{_WS})?)?"
        return ((rf"\bexcept{_WS}(?:\*{_WS})?{named}:{_WS}{word}\b".encode(),),)
    one_line = rf"\bexcept\b[^\n]*:{_WS}{word}\b".encode()
    spans = rb"\bexcept\b[^\n#]*[^:\s#][ \t]*(?:#[^\n]*)?\n"
    return ((one_line,), (spans, _after_colon(word)))


def _after_colon(word: str) -> Atom:
    return f":{_WS}{word}\\b".encode()


# weak_cryptographic_key.py's func_key_type tables (local to its functions, so not importable)
_WEAK_KEY_CALLS = (
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key",
    "Crypto.PublicKey.DSA.generate",
    "Crypto.PublicKey.RSA.generate",
    "Cryptodome.PublicKey.DSA.generate",
    "Cryptodome.PublicKey.RSA.generate",
)


def _password(facts: BanditFacts) -> dict[str, Condition]:
    """B105-B107 report a string constant given to a name that matches bandit's RE_CANDIDATES
    (one of RE_WORDS, in any case, that starts the name or follows `_`, and ends it or precedes
    `_`); {} when RE_WORDS is not the one these were read for.

    - B106, a keyword argument: the name, `=`, the string (`token="x"`, `token=("x")`).
    - B107, a parameter default: the same, or the name, an annotation (`:`), and somewhere
      after it `=` and a string (an annotation may hold anything, `=` included).
    - B105, the target of an assignment whose value is the string: the name, `=`, and
      somewhere `=` and a string (chained targets `token = a = "x"` put anything between);
      the left side of a comparison with the string: the name, the operator, the string; a
      dict key or subscript string matching RE_CANDIDATES: a quote, `_` or escape, the word,
      then a quote, `_` or backslash (the value ends, continues with `_`, or is escaped)."""
    if facts.password_words != _PASSWORD_WORDS:
        return {}
    words = _PASSWORD_WORDS
    # An identifier that is exactly the word: lower-case `pass` is the keyword, never a name.
    not_keyword = words.replace(
        "pass(phrase)?", r"passphrase|(?-i:P[Aa][Ss][Ss]|p(?:A[Ss][Ss]|a(?:S[Ss]|sS)))"
    )
    word = r"[A-Za-z0-9_]"
    name = (
        f"(?:^|[^A-Za-z0-9_])(?:{word}*_(?i:{words})(?:_{word}*)?"
        f"|(?i:{words})_{word}*|(?i:{not_keyword})){_WS}"
    )
    assigned = f"{name}=(?:[^=]|$)".encode()
    given = f"{name}={_WS}{_QUOTE}".encode()
    annotated = f"{name}:".encode()
    compared = f"{name}{_COMPARE}{_WS}{_QUOTE}".encode()
    some_string_assigned = f"={_WS}{_QUOTE}".encode()
    start = f"""(?:['"_]|{_NUMERIC_ESCAPE}){_JOIN}*""".encode()
    keys = tuple(start + _spelled(w, ignore_case=True) + _KEY_TAIL for w in _PASSWORD_SPELLINGS)
    return {
        "B105": ((assigned, some_string_assigned), (compared,), *((k,) for k in keys)),
        "B106": ((given,),),
        "B107": ((given,), (annotated, some_string_assigned)),
    }


def _sql(floor: str) -> Condition:
    """B608 checks a string (a constant, the constants of a `+`/`%` chain joined with spaces,
    or an f-string's literal parts joined) against SIMPLE_SQL_RE; the issue has medium
    confidence only inside a call named execute or executemany."""

    def word(w: str) -> Atom:
        return string(w, ignore_case=True, fstring=True)

    sql = (
        (word("select"), word("from")),
        (word("delete"), word("from")),
        (word("insert"), word("into"), word("values")),
        (word("update"), word("set")),
    )
    if _LEVELS.index(floor) >= _LEVELS.index("medium"):
        return _and(sql, _any(ident("execute"), ident("executemany")))
    return sql


def conditions(facts: BanditFacts, floor: str) -> dict[str, Condition]:
    """Test id -> its condition, for the tests whose bandit modules are the ones read (a test
    missing here has no condition). `floor`: the lowest bandit confidence the gate keeps."""
    if any(facts.digests.get(m) != DERIVED_FROM[m] for m in CORE):
        return {}
    cfg = facts.config
    shell = cfg.get("shell_injection", {})
    subprocess_calls = tuple(shell.get("subprocess", ()))
    shell_calls = tuple(shell.get("shell", ()))
    no_shell_calls = tuple(shell.get("no_shell", ()))

    def calls(names: Iterable[str]) -> Condition:
        return tuple(_qualname(n) for n in names)

    def typed(word: str) -> bool:
        """try_except_<word>'s check_typed_exception (unknown: on, the looser condition)."""
        return bool(cfg.get(f"try_except_{word}", {}).get("check_typed_exception", True))

    http = _any(ident("requests"), ident("httpx"))
    bad_ssl = tuple(cfg.get("ssl_with_bad_version", {}).get("bad_protocol_versions", ()))
    by_module: dict[str, dict[str, Condition]] = {
        "plugins/asserts.py": {"B101": _all(ident("assert"))},
        "plugins/exec.py": {"B102": _all(ident("exec"))},
        "plugins/general_bad_file_permissions.py": {"B103": _all(sub("chmod"))},
        "plugins/general_bind_all_interfaces.py": {"B104": _all(string(_ALL_INTERFACES))},
        "plugins/general_hardcoded_tmp.py": {
            "B108": _any(
                *(string(d) for d in cfg.get("hardcoded_tmp_directory", {}).get("tmp_dirs", ()))
            )
        },
        # an except clause whose only statement is `pass` / `continue`: a `:` then that word
        "plugins/try_except_pass.py": {"B110": _except_only("pass", typed=typed("pass"))},
        "plugins/try_except_continue.py": {
            "B112": _except_only("continue", typed=typed("continue"))
        },
        "plugins/request_without_timeout.py": {"B113": http},
        "plugins/app_debug.py": {
            "B201": _all(sub("flask"), ident("run"), ident("debug"), ident("True"))
        },
        "plugins/tarfile_unsafe_members.py": {"B202": _all(ident("tarfile"), sub("extractall"))},
        "plugins/hashlib_insecure_functions.py": {"B324": _any(ident("hashlib"), ident("crypt"))},
        "plugins/crypto_request_no_cert_validation.py": {"B501": _and(http, _all(ident("verify")))},
        "plugins/insecure_ssl_tls.py": {
            # B502: a `method=` / `ssl_version=` keyword whose value (a name, an attribute or a
            # string) is a bad version; B503: a default argument that is one (an attribute).
            "B502": _and(
                _any(ident("method"), ident("ssl_version")),
                _any(*(ident(v) for v in bad_ssl), *(string(v) for v in bad_ssl)),
            ),
            "B503": _any(*(ident(v) for v in bad_ssl)),
            "B504": _all(*_qualname("ssl.wrap_socket")),
        },
        "plugins/weak_cryptographic_key.py": {"B505": calls(_WEAK_KEY_CALLS)},
        "plugins/yaml_load.py": {"B506": _all(ident("yaml"), ident("load"))},
        "plugins/ssh_no_host_key_verification.py": {
            "B507": _all(sub("paramiko"), ident("set_missing_host_key_policy"))
        },
        "plugins/snmp_security_check.py": {
            "B508": _all(*_qualname("pysnmp.hlapi.CommunityData")),
            "B509": _all(*_qualname("pysnmp.hlapi.UsmUserData")),
        },
        "plugins/injection_paramiko.py": {"B601": _all(sub("paramiko"), ident("exec_command"))},
        "plugins/injection_shell.py": {
            "B602": calls(subprocess_calls),
            "B603": calls(subprocess_calls),
            "B604": _all(ident("shell")),  # any call with a shell= keyword
            "B605": calls(shell_calls),
            "B606": calls(no_shell_calls),
            "B607": calls((*subprocess_calls, *shell_calls, *no_shell_calls)),
        },
        "plugins/injection_sql.py": {"B608": _sql(floor)},
        "plugins/injection_wildcard.py": {"B609": calls((*shell_calls, *subprocess_calls))},
        "plugins/django_sql_injection.py": {
            "B610": _all(ident("extra")),
            "B611": _all(*_imported_like("django.db.models"), ident("RawSQL")),
        },
        "plugins/logging_config_insecure_listen.py": {
            "B612": _all(*_qualname("logging.config.listen"))
        },
        # The bidi characters in the file as bandit decodes it (UTF-8 here: other encodings
        # are always sent, see _OTHER_ENCODING).
        "plugins/trojansource.py": {"B613": _any(*(sub(c) for c in facts.bidi))},
        "plugins/pytorch_load.py": {"B614": _all(ident("torch"), ident("load"))},
        "plugins/huggingface_unsafe_download.py": {
            "B615": _and(
                _any(sub("transformers"), sub("datasets"), sub("huggingface_hub")),
                _any(
                    *(
                        ident(f)
                        for f in (
                            "from_pretrained",
                            "load_dataset",
                            "hf_hub_download",
                            "snapshot_download",
                            "repository_id",
                        )
                    )
                ),
            )
        },
        "plugins/jinja2_templates.py": {"B701": _all(ident("jinja2"), ident("Environment"))},
        "plugins/mako_templates.py": {"B702": _all(ident("mako"), ident("Template"))},
        "plugins/django_xss.py": {
            "B703": _and(
                _all(*_imported_like("django.utils.safestring")),
                _any(
                    *(
                        ident(f)
                        for f in ("mark_safe", "SafeText", "SafeUnicode", "SafeString", "SafeBytes")
                    )
                ),
            )
        },
        "plugins/markupsafe_markup_xss.py": {
            "B704": calls(
                (
                    "markupsafe.Markup",
                    "flask.Markup",
                    *cfg.get("markupsafe_xss", {}).get("extend_markup_names", ()),
                )
            )
        },
    }
    by_module["plugins/general_hardcoded_password.py"] = _password(facts)
    out: dict[str, Condition] = {}
    for module, tests in by_module.items():
        if facts.digests.get(module) == DERIVED_FROM[module]:
            out.update(tests)
    if all(facts.digests.get(m) == DERIVED_FROM[m] for m in _BLACKLIST_MODULES):
        out.update(_blacklist(facts))
    return out


_BLACKLIST_MODULES = ("blacklists/calls.py", "blacklists/imports.py")
# A coding cookie (PEP 263) naming anything but UTF-8: bandit decodes the bytes differently.
# Python reads it on the first two lines only (after a UTF-8 BOM, where it must say UTF-8).
_COOKIE = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:[^\n]*\n)?[ \t\f]*#[^\n]*?coding[:=][ \t]*([-\w.]+)")
_UTF8 = {"utf-8", "utf_8", "utf8", "ascii", "us-ascii"}


def _other_encoding(data: bytes) -> bool:
    found = _COOKIE.match(data)  # reads two lines at most
    return found is not None and found.group(1).decode().lower() not in _UTF8


class Prefilter:
    """Compiled conditions of the enabled tests: `sends(text)` says whether bandit must see a
    file (any enabled test's condition holds)."""

    def __init__(self, conds: Mapping[str, Condition]) -> None:
        atoms = sorted({a for cond in conds.values() for conj in cond for a in conj})
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 64 << 20
        self._set = re2.Set.SearchSet(options)
        for atom in atoms:
            self._set.Add(atom)
        # RE2::Set reports no match at all when its DFA gives up (out of memory): an atom that
        # matches every text, at its end, tells a finished search from one that gave up.
        self._end = self._set.Add(rb"\z")
        self._set.Compile()
        index = {a: i for i, a in enumerate(atoms)}
        self._conjs = tuple(
            {frozenset(index[a] for a in conj) for cond in conds.values() for conj in cond}
        )
        self.tests = tuple(sorted(conds))

    def _present(self, data: bytes) -> set[int] | None:
        """The atoms found in `data`, or None when the search gave up."""
        found = set(self._set.Match(data) or ())
        if self._end not in found:
            return None
        return found - {self._end}

    def sends(self, text: str) -> bool:
        """`text`: the file decoded as UTF-8 (undecodable bytes replaced)."""
        if not self._conjs:
            return False
        data = text.encode("utf-8", "surrogatepass")
        if _other_encoding(data):
            return True
        variants = [data]
        if not text.isascii():
            if "\ufffd" in text:
                return True  # not UTF-8 (replaced bytes): bandit reports what it makes of it
            variants.append(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass"))
        present: set[int] = set()
        for variant in variants:
            found = self._present(variant)
            if found is None:
                return True  # the search gave up: send (fail closed)
            present |= found
        return any(conj <= present for conj in self._conjs)


def prefilter(facts: BanditFacts | None, enabled: Iterable[str], floor: str) -> Prefilter | None:
    """The prefilter for the `enabled` test ids, or None (every file goes to bandit) when
    bandit's facts are unknown, its plugin or blacklist entry points are not the ones the
    conditions were read for, or an enabled test has no condition."""
    if facts is None:
        return None
    if dict(facts.plugins) != _KNOWN_PLUGINS:
        return None
    if dict(facts.blacklists) != _KNOWN_BLACKLISTS:
        return None
    conds = conditions(facts, floor)
    wanted = sorted(set(enabled))
    if any(t not in conds for t in wanted):
        return None
    return Prefilter({t: conds[t] for t in wanted})


_KNOWN_BLACKLISTS = {
    "calls": "bandit.blacklists.calls:gen_blacklist",
    "imports": "bandit.blacklists.imports:gen_blacklist",
}

_P = "bandit.plugins."
# bandit 1.9.4's plugin entry points (name -> module:function): another set (a third-party
# plugin, a renamed test) is a bandit whose tests these conditions were not read for.
_KNOWN_PLUGINS = {
    "any_other_function_with_shell_equals_true": _P
    + "injection_shell:any_other_function_with_shell_equals_true",
    "assert_used": _P + "asserts:assert_used",
    "django_extra_used": _P + "django_sql_injection:django_extra_used",
    "django_mark_safe": _P + "django_xss:django_mark_safe",
    "django_rawsql_used": _P + "django_sql_injection:django_rawsql_used",
    "exec_used": _P + "exec:exec_used",
    "flask_debug_true": _P + "app_debug:flask_debug_true",
    "hardcoded_bind_all_interfaces": _P
    + "general_bind_all_interfaces:hardcoded_bind_all_interfaces",
    "hardcoded_password_default": _P + "general_hardcoded_password:hardcoded_password_default",
    "hardcoded_password_funcarg": _P + "general_hardcoded_password:hardcoded_password_funcarg",
    "hardcoded_password_string": _P + "general_hardcoded_password:hardcoded_password_string",
    "hardcoded_sql_expressions": _P + "injection_sql:hardcoded_sql_expressions",
    "hardcoded_tmp_directory": _P + "general_hardcoded_tmp:hardcoded_tmp_directory",
    "hashlib_insecure_functions": _P + "hashlib_insecure_functions:hashlib",
    "huggingface_unsafe_download": _P + "huggingface_unsafe_download:huggingface_unsafe_download",
    "jinja2_autoescape_false": _P + "jinja2_templates:jinja2_autoescape_false",
    "linux_commands_wildcard_injection": _P
    + "injection_wildcard:linux_commands_wildcard_injection",
    "logging_config_insecure_listen": _P
    + "logging_config_insecure_listen:logging_config_insecure_listen",
    "markupsafe_markup_xss": _P + "markupsafe_markup_xss:markupsafe_markup_xss",
    "paramiko_calls": _P + "injection_paramiko:paramiko_calls",
    "pytorch_load": _P + "pytorch_load:pytorch_load",
    "request_with_no_cert_validation": _P
    + "crypto_request_no_cert_validation:request_with_no_cert_validation",
    "request_without_timeout": _P + "request_without_timeout:request_without_timeout",
    "set_bad_file_permissions": _P + "general_bad_file_permissions:set_bad_file_permissions",
    "snmp_insecure_version": _P + "snmp_security_check:snmp_insecure_version_check",
    "snmp_weak_cryptography": _P + "snmp_security_check:snmp_crypto_check",
    "ssh_no_host_key_verification": _P
    + "ssh_no_host_key_verification:ssh_no_host_key_verification",
    "ssl_with_bad_defaults": _P + "insecure_ssl_tls:ssl_with_bad_defaults",
    "ssl_with_bad_version": _P + "insecure_ssl_tls:ssl_with_bad_version",
    "ssl_with_no_version": _P + "insecure_ssl_tls:ssl_with_no_version",
    "start_process_with_a_shell": _P + "injection_shell:start_process_with_a_shell",
    "start_process_with_no_shell": _P + "injection_shell:start_process_with_no_shell",
    "start_process_with_partial_path": _P + "injection_shell:start_process_with_partial_path",
    "subprocess_popen_with_shell_equals_true": _P
    + "injection_shell:subprocess_popen_with_shell_equals_true",
    "subprocess_without_shell_equals_true": _P
    + "injection_shell:subprocess_without_shell_equals_true",
    "tarfile_unsafe_members": _P + "tarfile_unsafe_members:tarfile_unsafe_members",
    "trojansource": _P + "trojansource:trojansource",
    "try_except_continue": _P + "try_except_continue:try_except_continue",
    "try_except_pass": _P + "try_except_pass:try_except_pass",
    "use_of_mako_templates": _P + "mako_templates:use_of_mako_templates",
    "weak_cryptographic_key": _P + "weak_cryptographic_key:weak_cryptographic_key",
    "yaml_load": _P + "yaml_load:yaml_load",
}
