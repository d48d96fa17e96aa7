"""The bandit prefilter (gates/checks/sast/bandit_triggers.py): every file where a test fires is
sent to bandit, and the gate's findings are the same with and without it (real bandit).

EXAMPLES holds one file per bandit test, in the style of bandit's own examples/ (which the wheel
does not ship), and TRICKY the spellings a textual condition could miss: escapes, implicit
concatenation, import aliases, NFKC identifiers, chained and parenthesised targets, f-string
fields, multi-line except headers. The fixture is checked to make every test fire.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates import _proc
from gates.checks.sast import GATE, bandit_install, bandit_pack
from gates.checks.sast import bandit as bandit_run
from gates.checks.sast import bandit_triggers as bt
from gates.checks.sast import config as sast_config
from gates.checks.sast import gate as sast_gate
from gates.checks.sast.bandit_tests import TESTS
from gates.errors import GateCannotRun
from gates.model import Finding
from tests.gatekit import context, make_repo

DATA = Path(__file__).parent / "data" / "bandit_parity"
ALL_TESTS = sorted(t[0] for t in TESTS)

EXAMPLES: dict[str, str] = {
    "B101": "assert x\n",
    "B102": "exec('x = 1')\n",
    "B103": "import os\nos.chmod('f', 0o777)\n",
    "B104": "s.bind(('0.0.0.0', 80))\n",
    "B105": "password = 'hunter2'\n",
    "B106": "login(user, password='hunter2')\n",
    "B107": "def login(password='hunter2'):\n    return password\n",
    "B108": "f = open('/tmp/x')\n",
    "B110": "try:\n    x()\nexcept Exception:\n    pass\n",
    "B112": "for i in y:\n    try:\n        x()\n    except Exception:\n        continue\n",
    "B113": "import requests\nrequests.get('https://x')\n",
    "B201": "import flask\napp = flask.Flask(__name__)\napp.run(debug=True)\n",
    "B202": "import tarfile\nt = tarfile.open('f')\nt.extractall()\n",
    "B301": "import pickle\npickle.loads(b)\n",
    "B302": "import marshal\nmarshal.loads(b)\n",
    "B303": "from cryptography.hazmat.primitives import hashes\nhashes.MD5()\n",
    "B304": "from cryptography.hazmat.primitives.ciphers import algorithms\nalgorithms.ARC4(k)\n",
    "B305": "from cryptography.hazmat.primitives.ciphers import modes\nmodes.ECB()\n",
    "B306": "import tempfile\ntempfile.mktemp()\n",
    "B307": "eval('1')\n",
    "B308": "from django.utils.safestring import mark_safe\nmark_safe(x)\n",
    "B310": "import urllib.request\nurllib.request.urlopen(u)\n",
    "B311": "import random\nrandom.random()\n",
    "B312": "import telnetlib\ntelnetlib.Telnet()\n",
    "B313": "import xml.etree.cElementTree as C\nC.parse(f)\n",
    "B314": "import xml.etree.ElementTree as E\nE.fromstring(s)\n",
    "B315": "import xml.sax.expatreader\nxml.sax.expatreader.create_parser()\n",
    "B316": "import xml.dom.expatbuilder\nxml.dom.expatbuilder.parse(f)\n",
    "B317": "import xml.sax\nxml.sax.parseString(s, h)\n",
    "B318": "from xml.dom import minidom\nminidom.parseString(s)\n",
    "B319": "import xml.dom.pulldom\nxml.dom.pulldom.parse(f)\n",
    "B321": "import ftplib\nftplib.FTP()\n",
    "B323": "import ssl\nssl._create_unverified_context()\n",
    "B324": "import hashlib\nhashlib.md5(b)\n",
    "B401": "import telnetlib\n",
    "B402": "from ftplib import FTP\n",
    "B403": "import pickle\n",
    "B404": "import subprocess\n",
    "B405": "import xml.etree.ElementTree\n",
    "B406": "import xml.sax\n",
    "B407": "import xml.dom.expatbuilder\n",
    "B408": "import xml.dom.minidom\n",
    "B409": "import xml.dom.pulldom\n",
    "B411": "import xmlrpc.client\n",
    "B412": "from wsgiref.handlers import CGIHandler\n",
    "B413": "from Crypto.Cipher import AES\n",
    "B415": "import pyghmi\n",
    "B501": "import requests\nrequests.get(u, verify=False, timeout=3)\n",
    "B502": "import ssl\nssl.wrap_socket(s, ssl_version=ssl.PROTOCOL_SSLv2)\n",
    "B503": "import ssl\ndef f(v=ssl.PROTOCOL_SSLv2):\n    return v\n",
    "B504": "import ssl\nssl.wrap_socket(s)\n",
    "B505": "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "rsa.generate_private_key(65537, 512)\n",
    "B506": "import yaml\nyaml.load(s)\n",
    "B507": "import paramiko\nc = paramiko.SSHClient()\n"
    "c.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n",
    "B508": "from pysnmp.hlapi import CommunityData\nCommunityData('public', mpModel=0)\n",
    "B509": "from pysnmp.hlapi import UsmUserData\nUsmUserData('user')\n",
    "B601": "import paramiko\nc.exec_command(cmd)\n",
    "B602": "import subprocess\nsubprocess.Popen(cmd, shell=True)\n",
    "B603": "import subprocess\nsubprocess.run(['/bin/ls'])\n",
    "B604": "spawn(cmd, shell=True)\n",
    "B605": "import os\nos.system(cmd)\n",
    "B606": "import os\nos.execl('/bin/ls', 'ls')\n",
    "B607": "import subprocess\nsubprocess.run(['ls'])\n",
    "B608": "cur.execute('SELECT * FROM t WHERE id = ' + x)\n",
    "B609": "import os\nos.system('tar cf x *')\n",
    "B610": "User.objects.extra(where=[x])\n",
    "B611": "from django.db.models.expressions import RawSQL\nRawSQL(x)\n",
    "B612": "import logging.config\nlogging.config.listen(9999)\n",
    "B613": "x = 1  # \u202e hidden\n",
    "B614": "import torch\ntorch.load(f)\n",
    "B615": "from transformers import AutoModel\nAutoModel.from_pretrained('x')\n",
    "B701": "import jinja2\njinja2.Environment()\n",
    "B702": "from mako.template import Template\nTemplate('x')\n",
    "B703": "from django.utils.safestring import mark_safe\nmark_safe(x)\n",
    "B704": "from markupsafe import Markup\nMarkup(x)\n",
}

# (name, source, a test it must trigger)
TRICKY: list[tuple[str, str, str]] = [
    ("tmp_escape", "f = open('\\x2ftmp/x')\n", "B108"),
    ("tmp_concat", "f = open('/t' 'mp/x')\n", "B108"),
    ("tmp_continuation", "f = open('/t\\\nmp/x')\n", "B108"),
    ("bind_concat", "s.bind(('0.0' \".0.0\", 80))\n", "B104"),
    ("nfkc_eval", "\uff45\uff56\uff41\uff4c('1')\n", "B307"),
    ("alias_popen", "from subprocess import Popen as P\nP(cmd, shell=True)\n", "B602"),
    ("dunder_import", "m = __import__('pickle')\n", "B403"),
    ("import_module", "import importlib\nm = importlib.import_module('telnetlib')\n", "B401"),
    ("chained_target", "api_token = other = 's3cr3t'\n", "B105"),
    ("parenthesised_target", "(password) = 'x'\n", "B105"),
    ("dict_key_concat", "d = {'pass' 'word': 'x'}\n", "B105"),
    ("dict_key_escape", "d = {'\\x74oken': 'x'}\n", "B105"),
    ("subscript_key", "d['db_' 'password'] = 'x'\n", "B105"),
    ("key_continued", "d = {'token\\\n_id': 'x'}\n", "B105"),
    ("compare", "if token == 'abc':\n    x()\n", "B105"),
    ("kwarg_parens", "login(\n    token = (\n        'abc'\n    )\n)\n", "B106"),
    ("annotated_default", "def f(secret: str = 'x'):\n    return secret\n", "B107"),
    ("except_multiline", "try:\n    x()\nexcept (\n    Exception\n):\n    pass\n", "B110"),
    ("except_comment", "try:\n    x()\nexcept Exception:  # why\n    # none\n    pass\n", "B110"),
    ("except_bare_inline", "try: x()\nexcept: pass\n", "B110"),
    ("except_as", "try:\n    x()\nexcept Exception as err:\n    pass\n", "B110"),
    ("except_paren_as", "try:\n    x()\nexcept(Exception)as err :pass\n", "B110"),
    ("except_continued", "try:\n    x()\nexcept Exception \\\n        as e:\n    pass\n", "B110"),
    ("except_star", "try:\n    x()\nexcept* Exception:\n    pass\n", "B110"),
    (
        "except_continue",
        "for i in y:\n    try:\n        x()\n    except:\n        continue\n",
        "B112",
    ),
    ("sql_fstring_field", "cur.execute(f\"SEL{''}ECT * FROM t WHERE a = {x}\")\n", "B608"),
    ("sql_continuation", "cur.execute('SEL\\\nECT * FROM t ' + x)\n", "B608"),
    ("key_size_alias", "from Crypto.PublicKey import RSA as R\nR.generate(512)\n", "B505"),
]

SOURCES: dict[str, str] = {
    **{f"ex_{test}.py": src for test, src in EXAMPLES.items()},
    **{f"tricky_{name}.py": src for name, src, _ in TRICKY},
    **{p.name: p.read_text() for p in sorted(DATA.glob("*.py"))},
    "quiet.py": "def add(a, b):\n    return a + b\n",  # nothing any test looks for
    # typed except clauses: bandit (check_typed_exception off) reports none of them
    "quiet_typed_except.py": "try:\n    x()\nexcept KeyError:\n    pass\n"
    "try:\n    x()\nexcept (ValueError, Exception):\n    pass\n"
    "try:\n    x()\nexcept builtins.Exception as e:\n    pass\n"
    "try:\n    x()\nexcept ExceptionGroup:\n    pass\n"
    "for i in y:\n    try:\n        x()\n    except OSError:\n        continue\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("triggers") / "repo", SOURCES)


@pytest.fixture(scope="module")
def facts() -> bt.BanditFacts:
    found = bandit_install.facts(_proc.resolve_executable("bandit"))
    assert found is not None
    return found


def test_a_bandit_other_than_this_environments_own_gets_no_prefilter(tmp_path: Path) -> None:
    """A bandit found first on PATH (pipx, the system's, another version) may be other code than
    the installed package the conditions are checked against: every file goes to it."""
    ours = _proc.resolve_executable("bandit")
    assert ours is not None
    other = tmp_path / "bandit"
    other.write_text(f'#!/bin/sh\nexec {ours} "$@"\n')
    other.chmod(0o755)
    assert bandit_install.facts(str(other)) is None
    assert bandit_install.facts(None) is None
    assert bandit_install.facts(ours) is not None


@pytest.fixture(scope="module")
def reported(repo: Path) -> set[tuple[str, str, str]]:
    """(test, file, confidence) of every issue real bandit reports, every test, every level."""
    argv = ["bandit", "-f", "json", "-q", "--ignore-nosec", "-x", "", "--", *sorted(SOURCES)]
    result = _proc.run_tool(argv, gate="sast", cwd=repo, timeout_s=600, ok_codes=(0, 1),
                            install_hint="pip install bandit")  # fmt: skip
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["errors"] == []
    return {
        (r["test_id"], r["filename"].removeprefix("./"), r["issue_confidence"].lower())
        for r in doc["results"]
    }


def test_the_installed_bandit_is_the_one_the_conditions_were_read_from(
    facts: bt.BanditFacts,
) -> None:
    """Otherwise the gate silently falls back to sending every file: re-read the changed
    modules (bandit_triggers.DERIVED_FROM names them) and update the conditions."""
    changed = {m for m, d in bt.DERIVED_FROM.items() if facts.digests.get(m) != d}
    assert changed == set()
    assert set(bt.conditions(facts, "low")) == set(ALL_TESTS)
    assert bt.prefilter(facts, ALL_TESTS, "low") is not None


def test_every_test_fires_on_its_example(reported: set[tuple[str, str, str]]) -> None:
    """A condition checked on a file where its test never fires would prove nothing."""
    fired = {(test, path) for test, path, _ in reported}
    assert {t for t in ALL_TESTS if (t, f"ex_{t}.py") not in fired} == set()
    assert {n for n, _, t in TRICKY if (t, f"tricky_{n}.py") not in fired} == set()
    assert not any(path.startswith("quiet") for _, path in fired)


@pytest.mark.parametrize("floor", ["low", "medium", "high"])
def test_every_file_a_test_fires_on_is_sent_for_that_test(
    facts: bt.BanditFacts, reported: set[tuple[str, str, str]], floor: str
) -> None:
    conds = bt.conditions(facts, floor)
    levels = ("low", "medium", "high")
    missed = []
    for test, path, confidence in sorted(reported):
        if levels.index(confidence) < levels.index(floor):
            continue  # the gate drops it anyway
        one = bt.Prefilter({test: conds[test]})
        if not one.sends(SOURCES[path]):
            missed.append((test, path))
    assert missed == []


def test_a_file_no_test_can_fire_on_is_not_sent(facts: bt.BanditFacts) -> None:
    everything = bt.prefilter(facts, ALL_TESTS, "low")
    assert everything is not None
    assert not everything.sends(SOURCES["quiet.py"])
    assert not everything.sends(SOURCES["quiet_typed_except.py"])
    # the keyword `pass` is no password name, a class body's `pass` no except clause
    assert not everything.sends("class A:\n    pass\n\n\ndef f():\n    pass\n")
    # ... but a file in another encoding always is (bandit decodes its bytes differently)
    assert everything.sends("# -*- coding: latin-1 -*-\nx = 1\n")
    assert everything.sends(f"#!/usr/bin/env python{' ' * 600}\n# coding: cp1252\nx = 1\n")
    assert not everything.sends("# -*- coding: utf-8 -*-\nx = 1\n")


def _shown(findings: list[Finding]) -> set[tuple[object, ...]]:
    return {
        (f.rule, f.location.path, f.location.line, f.severity, f.fingerprint,
         f.suppression_requests, f.message)
        for f in findings
    }  # fmt: skip


class _Spy:
    """bandit.run as it is, recording the files it was given."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.real = bandit_run.run

    def __call__(self, root: Path, files: list[str], *args: Any, **kwargs: Any) -> Any:
        self.files += files
        return self.real(root, files, *args, **kwargs)


@pytest.mark.parametrize(
    "bandit_config",
    [{}, {"min_confidence": "medium"}, {"skip": ["B101", "B105"], "engine": "semgrep"}],
    ids=["all-levels", "medium-confidence", "split-with-the-pack"],
)
def test_the_gate_finds_the_same_with_and_without_the_prefilter(
    repo: Path, bandit_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {"bandit": bandit_config}
    spy = _Spy()
    monkeypatch.setattr(bandit_run, "run", spy)
    with_prefilter = _shown(list(GATE.run(context("sast", repo, config))))
    sent = set(spy.files)
    monkeypatch.setattr(bt, "prefilter", lambda *_a, **_k: None)
    spy.files = []
    without = _shown(list(GATE.run(context("sast", repo, config))))
    assert with_prefilter == without
    assert set(spy.files) == {p for p in SOURCES if p.endswith(".py")}  # without: every file
    assert "quiet.py" not in sent
    assert len(sent) < len(spy.files)


def test_a_plugin_the_conditions_do_not_know_sends_every_file(
    repo: Path, facts: bt.BanditFacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third-party plugin (its test runs on every file bandit is given) or a test id without
    a condition: no prefilter at all."""
    plugin = {**facts.plugins, "my_check": "acme_bandit.checks:my_check"}
    extra = bt.BanditFacts(**{**_fields(facts), "plugins": plugin})
    assert bt.prefilter(extra, ALL_TESTS, "low") is None
    assert bt.prefilter(facts, [*ALL_TESTS, "B999"], "low") is None
    # a plugin module that is not the one read: its tests have no condition
    changed = {**facts.digests, "plugins/asserts.py": "0" * 16}
    other = bt.BanditFacts(**{**_fields(facts), "digests": changed})
    assert "B101" not in bt.conditions(other, "low")
    assert bt.prefilter(other, ALL_TESTS, "low") is None
    assert bt.prefilter(other, [t for t in ALL_TESTS if t != "B101"], "low") is not None
    # ... and a changed core module: no test has one
    core = {**facts.digests, "core/utils.py": "0" * 16}
    assert bt.conditions(bt.BanditFacts(**{**_fields(facts), "digests": core}), "low") == {}
    # the gate then gives bandit every Python file
    monkeypatch.setattr(bandit_install, "facts", lambda executable: extra)
    spy = _Spy()
    monkeypatch.setattr(bandit_run, "run", spy)
    list(GATE.run(context("sast", repo, {})))
    assert set(spy.files) == {p for p in SOURCES if p.endswith(".py")}


def _fields(facts: bt.BanditFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in bt.BanditFacts.__slots__}


def test_a_file_kept_from_bandit_that_does_not_parse_is_a_gate_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sast_gate, "_PREFILTER_MIN_FILES", 0)  # prefilter even two files
    root = make_repo(tmp_path / "r", {"ok.py": "x = 1\n", "broken.py": "def f(:\n    x = 1\n"})
    assert sast_gate.syntax_error("def f(:\n") is not None
    assert sast_gate.syntax_error("\ufeffx = 1\n") is None  # a BOM is allowed, as for bandit
    with pytest.raises(GateCannotRun, match=r"could not check 1 file\(s\), e.g. broken.py"):
        list(GATE.run(context("sast", root, {})))


def test_the_shipped_policies_get_a_prefilter(facts: bt.BanditFacts) -> None:
    for floor in ("low", "medium"):
        cfg = sast_config.parse({"bandit": {"min_confidence": floor}})
        enabled = bandit_pack.enabled_tests(cfg)
        assert bt.prefilter(facts, enabled, floor) is not None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # stevedore, as bandit loads plugins
def test_the_facts_read_from_bandits_source_are_what_bandit_itself_gives(
    facts: bt.BanditFacts,
) -> None:
    import importlib

    blacklist = set()
    for name in ("calls", "imports"):
        data = importlib.import_module(f"bandit.blacklists.{name}").gen_blacklist()
        for kind, entries in data.items():
            for entry in entries:
                kind_read = "Call" if kind == "Call" else "Import"
                blacklist.add((entry["id"], kind_read, tuple(entry["qualnames"])))
    assert set(facts.blacklist) == blacklist
    for module, name in (
        ("injection_shell", "shell_injection"),
        ("general_hardcoded_tmp", "hardcoded_tmp_directory"),
        ("insecure_ssl_tls", "ssl_with_bad_version"),
        ("markupsafe_markup_xss", "markupsafe_xss"),
    ):
        plugin = importlib.import_module(f"bandit.plugins.{module}")
        assert facts.config[name] == plugin.gen_config(name)
    password = importlib.import_module("bandit.plugins.general_hardcoded_password")
    assert facts.password_words == password.RE_WORDS
    assert facts.bidi == importlib.import_module("bandit.plugins.trojansource").BIDI_CHARACTERS


def test_a_search_that_gives_up_sends_the_file(facts: bt.BanditFacts) -> None:
    """RE2::Set answers "no match" when its DFA runs out of memory; that is no proof."""

    class GivesUp:
        def Match(self, data: bytes) -> None:  # re2.Set's method name
            return None

    prefilter = bt.prefilter(facts, ALL_TESTS, "low")
    assert prefilter is not None
    assert not prefilter.sends(SOURCES["quiet.py"])
    prefilter._set = GivesUp()
    assert prefilter.sends(SOURCES["quiet.py"])
