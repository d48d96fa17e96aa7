"""The sast gate with the real semgrep and bandit on small repositories, and when they fail."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from gates.checks import sast
from gates.checks.sast import GATE
from gates.checks.sast import config as sast_config
from gates.checks.sast import gate as sast_gate
from gates.checks.sast import semgrep as sg
from gates.errors import GateCannotRun, InvalidInput
from gates.model import Finding, Severity
from tests.gatekit import context, make_repo

VIEWS = """\
import json
import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


def stripe_webhook(request):
    event = json.loads(request.body)
    mark_paid(event["data"]["object"]["id"])
    return HttpResponse(status=200)


@csrf_exempt
def refund_payment(request, order):
    amount = float(order.amount)
    logger.info("refunding card %s", order.card_number)
    return HttpResponse(str(amount))
"""
SETTINGS = 'ALLOWED_HOSTS = ["shop.example"]\nDEBUG = True\n'
TOOLS = """\
import subprocess

import yaml


def convert(name):
    subprocess.run("convert " + name, shell=True)  # nosec B602
    # nosemgrep: unsafe-yaml-load
    return yaml.load(open(name))


TOKEN = "4111111111111111 and abcdefghijklmnopqrstuvwxyz012345"  # long digits and literal
"""
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
FILES = {
    "shop/views.py": VIEWS,
    "shop/settings.py": SETTINGS,
    "shop/tools.py": TOOLS,
    "shop/clean.py": CLEAN,
    "README.md": "# shop\n",
}
EXPECTED = {
    ("sast.webhook-signature-unverified", "shop/views.py", 11),  # json.loads(request.body)
    ("sast.csrf-exempt-payment-view", "shop/views.py", 16),
    ("sast.float-money", "shop/views.py", 18),
    ("sast.card-data-logged", "shop/views.py", 19),
    ("sast.debug-enabled", "shop/settings.py", 2),
    ("sast.bandit.B404", "shop/tools.py", 1),
    ("sast.shell-injection", "shop/tools.py", 7),  # semgrep + bandit B602, merged
    ("sast.unsafe-yaml-load", "shop/tools.py", 9),  # semgrep + bandit B506, merged
    ("sast.bandit.B105", "shop/tools.py", 12),
}


def _triples(findings: list[Finding]) -> set[tuple[str, str, int]]:
    return {(f.rule, f.location.path, f.location.line) for f in findings}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("sast") / "repo", FILES)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sast-cache")


@pytest.fixture(scope="module")
def found(repo: Path, cache_dir: Path) -> list[Finding]:
    return list(GATE.run(context("sast", repo, cache_dir=cache_dir)))


def test_finds_exactly_the_planted_issues(found: list[Finding]) -> None:
    assert _triples(found) == EXPECTED
    assert found == sorted(found, key=Finding.sort_key)


def test_inline_suppressions_are_recorded_and_still_reported(found: list[Finding]) -> None:
    requested = {
        (f.rule, f.location.line, f.suppression_requests) for f in found if f.suppression_requests
    }
    assert requested == {
        ("sast.shell-injection", 7, ("nosec B602",)),
        ("sast.unsafe-yaml-load", 9, ("nosemgrep: unsafe-yaml-load",)),
    }


def test_messages_severities_and_metadata(found: list[Finding]) -> None:
    by_rule = {f.rule: f for f in found}
    assert by_rule["sast.float-money"].severity is Severity.HIGH
    assert by_rule["sast.float-money"].snippet == "amount = float(order.amount)"
    assert by_rule["sast.bandit.B404"].severity is Severity.LOW
    assert dict(by_rule["sast.shell-injection"].properties) == {
        "tool": "semgrep",
        "engines": "bandit,semgrep",
        "rules": "sast.bandit.B602,sast.shell-injection",
        "bandit_confidence": "high",
        "bandit_severity": "high",
        "cwe": "CWE-78",
    }
    assert by_rule["sast.shell-injection"].message.endswith(
        "[found by: bandit B602, semgrep shell-injection]"
    )
    assert by_rule["sast.debug-enabled"].message.startswith("Debug mode on: Django/Flask")


def test_snippets_never_show_card_numbers_or_long_literals(found: list[Finding]) -> None:
    (b105,) = [f for f in found if f.rule == "sast.bandit.B105"]
    assert b105.snippet == 'TOKEN = "<digits> and <redacted>"  # long digits and literal'
    assert all("4111111111111111" not in f.snippet + f.message for f in found)


def test_every_reported_rule_is_in_the_catalogue(found: list[Finding]) -> None:
    known = {r.id for r in GATE.rules}
    assert {f.rule for f in found} <= known


def test_fingerprints_survive_moving_code(repo: Path, found: list[Finding], tmp_path: Path) -> None:
    moved = {**FILES, "shop/views.py": "\n\n# moved down\n" + VIEWS}
    again = list(GATE.run(context("sast", make_repo(tmp_path / "moved", moved))))
    before = {(f.rule, f.location.path): f.fingerprint for f in found}
    after = {(f.rule, f.location.path): f.fingerprint for f in again}
    assert after == before
    assert {f.location.line for f in again if f.rule == "sast.float-money"} == {21}


def test_warm_run_reuses_the_cache(
    repo: Path, found: list[Finding], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_tools(*args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError("a warm run with nothing changed must not run the tools")

    monkeypatch.setattr(sast_gate, "_scan", no_tools)
    assert list(GATE.run(context("sast", repo, cache_dir=cache_dir))) == found


def test_changed_settings_or_files_rescan_only_what_changed(
    repo: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    def record(ctx: Any, cfg: Any, rules: Any, plan: Any, todo: list[str], *_: Any) -> list[Any]:
        seen.append(list(todo))
        return []

    monkeypatch.setattr(sast_gate, "_scan", record)
    list(GATE.run(context("sast", repo, {"bandit": {"skip": ["B101"]}}, cache_dir=cache_dir)))
    assert seen == [sorted(FILES)]  # a policy change invalidates every entry
    (repo / "shop/clean.py").write_text(CLEAN + "\n# edited\n")
    try:
        list(GATE.run(context("sast", repo, cache_dir=cache_dir)))
    finally:
        (repo / "shop/clean.py").write_text(CLEAN)
    assert seen[1] == ["shop/clean.py"]
    # who runs bandit's checks is part of the key: switching the engine rescans every file
    list(GATE.run(context("sast", repo, {"bandit": {"engine": "bandit"}}, cache_dir=cache_dir)))
    assert seen[2] == sorted(FILES)
    list(GATE.run(context("sast", repo, {"bandit": {"engine": "bandit"}}, cache_dir=cache_dir)))
    assert len(seen) == 3  # and the same engine again hits the cache


def test_corrupt_cache_entries_are_rebuilt(
    repo: Path, found: list[Finding], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    list(GATE.run(context("sast", repo, {"bandit": {"enabled": False}}, cache_dir=cache)))
    for entry in cache.rglob("*.json"):
        entry.write_text("{not json")
    again = list(GATE.run(context("sast", repo, {"bandit": {"enabled": False}}, cache_dir=cache)))
    rejected = {("sast.cache-rejected", path, 0) for path in FILES}
    assert _triples(again) == {t for t in EXPECTED if ".bandit." not in t[0]} | rejected


def test_semgrep_needs_no_network(repo: Path) -> None:
    """The exact command the gate runs succeeds in a network namespace with no interfaces up."""
    rules = sorted(Path(str(files("gates") / "policies" / "semgrep")).glob("*.yaml"))
    argv = sg.argv(rules, ["shop/views.py"], jobs=1, timeout_per_file=30)
    exe = str(Path(sys.executable).parent / "semgrep")
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], **sg.ENV}
    proc = subprocess.run(
        ["unshare", "-rn", exe, *argv[1:]], cwd=repo, env=env, capture_output=True, timeout=300
    )
    hits = sg.parse(proc.stdout, ["shop/views.py"], proc.returncode)
    assert {(h.rule, h.line) for h in hits} == {
        (r, line) for r, p, line in EXPECTED if p == "shop/views.py"
    }


def test_offline_flags_are_always_passed() -> None:
    argv = sg.argv([Path("r.yaml")], ["a.py"], jobs=2, timeout_per_file=5)
    for flag in ("--metrics=off", "--disable-version-check", "--json", "--disable-nosem"):
        assert flag in argv
    assert argv[-2:] == ["--", "a.py"]
    assert sg.ENV == {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def test_local_rules_run_with_the_pack(tmp_path: Path) -> None:
    rule = (
        "rules:\n  - id: no-print\n    languages: [python]\n    severity: WARNING\n"
        "    message: no print\n    pattern: print(...)\n"
    )
    root = make_repo(tmp_path / "r", {"rules/local.yaml": rule, "a.py": "print(1)\nDEBUG = True\n"})
    config = {"semgrep": {"rules": ["rules/local.yaml"]}, "bandit": {"enabled": False}}
    assert _triples(list(GATE.run(context("sast", root, config)))) == {
        ("sast.no-print", "a.py", 1),
        ("sast.debug-enabled", "a.py", 2),
    }


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"semgrep": {"rules": ["../outside.yaml"]}}, "$.gates.sast.semgrep.rules[0]"),
        ({"semgrep": {"rules": ["p/python.yaml"]}}, "$.gates.sast.semgrep.rules[0]"),
        ({"semgrep": {"enabled": False}, "bandit": {"enabled": False}}, "$.gates.sast"),
    ],
    ids=["escapes-repo", "missing-file", "nothing-enabled"],
)
def test_bad_config_is_invalid_input(tmp_path: Path, config: dict[str, Any], field: str) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(InvalidInput) as err:
        list(GATE.run(context("sast", root, config)))
    assert err.value.field == field


SG_OFF = {"semgrep": {"enabled": False}}
B311_LOW = ("sast.bandit.B311", Severity.LOW)
B307_MEDIUM = ("sast.eval-exec", Severity.MEDIUM)  # bandit B307 is the same problem as eval-exec
B311_HIGH = ("sast.bandit.B311", Severity.HIGH)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, {B311_LOW, B307_MEDIUM}),
        ({"bandit": {"severity": {"low": "high"}}}, {B311_HIGH, B307_MEDIUM}),
        ({"bandit": {"skip": ["B311"]}}, {B307_MEDIUM}),
        ({"bandit": {"min_confidence": "high"}}, {B311_LOW, B307_MEDIUM}),
    ],
    ids=["default", "severity-map", "skip", "min-confidence"],
)  # fmt: skip
def test_bandit_policy(
    tmp_path: Path, config: dict[str, Any], expected: set[tuple[str, Severity]]
) -> None:
    src = "import random\n\nx = random.random()\ny = eval(input())\n"
    root = make_repo(tmp_path / "r", {"a.py": src})
    full = {**config, "semgrep": {"enabled": False}}
    assert {(f.rule, f.severity) for f in GATE.run(context("sast", root, full))} == expected


def test_bandit_messages_are_the_same_on_every_run(tmp_path: Path) -> None:
    src = "import tarfile\n\ntarfile.open('a.tar').extractall(members=[])\n"
    root = make_repo(tmp_path / "r", {"a.py": src})
    (b202,) = [f for f in GATE.run(context("sast", root, SG_OFF)) if f.rule == "sast.bandit.B202"]
    assert "{'Other': <ast.List object>}" in b202.message  # bandit printed the node's address


def test_bandit_scans_files_its_default_excludes_would_drop(tmp_path: Path) -> None:
    # bandit's own default excludes (.tox, .eggs, CVS, ... as substrings of the path) silently
    # dropped files we named on its command line: each of these held an eval() nobody checked.
    src = "y = eval(input())\n"
    paths = ("shop/legacy_CVS.py", "shop/.tox/hook.py", "shop/my.eggs/pay.py", "shop/ok.py")
    root = make_repo(tmp_path / "r", dict.fromkeys(paths, src))
    found = GATE.run(context("sast", root, {"semgrep": {"enabled": False}}))
    assert {(f.rule, f.location.path) for f in found} == {("sast.eval-exec", p) for p in paths}


def test_unparsable_python_fails_closed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"ok.py": "x = 1\n", "broken.py": "def (:\n"})
    with pytest.raises(
        GateCannotRun, match=r"bandit could not check 1 file\(s\), e\.g\. broken\.py"
    ):
        list(GATE.run(context("sast", root, {"semgrep": {"enabled": False}})))


def test_no_files_fails_closed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(GateCannotRun, match="no files to scan"):
        list(GATE.run(dataclasses.replace(context("sast", root), files=())))


NOTHING_SCANNED = '{"results": [], "errors": [], "paths": {"scanned": []}}'
BANDIT_SKIPPED = '{"results": [], "errors": [], "metrics": {"_totals": {}}}'
BANDIT_EMPTY_1 = '{"results": [], "errors": [], "metrics": {"./a.py": {}, "_totals": {}}}'
BAD_SHAPE = '{"results": [{"test_id": "B101"}], "errors": []}'
SG_TIMEOUT = "semgrep reported errors (exit code 0): Timeout a.py rule float-money timed out"
FAKE_JSON_ERROR = (
    '{"results": [], "paths": {"scanned": ["a.py"]}, "errors": [{"type": "Timeout", '
    '"level": "error", "path": "a.py", "message": "rule float-money timed out"}]}'
)


@pytest.mark.parametrize(
    ("tool", "script", "config", "message"),
    [
        ("semgrep", "echo boom >&2; exit 2", {}, "semgrep exited with code 2: boom"),
        ("semgrep", "echo '<html>not json</html>'", {}, "semgrep printed output that is not JSON"),
        ("semgrep", f"echo '{FAKE_JSON_ERROR}'", {}, SG_TIMEOUT),
        ("semgrep", f"echo '{NOTHING_SCANNED}'", {}, "semgrep did not scan 1 requested file(s)"),
        ("semgrep", "sleep 30", {"tool_timeout": 1}, "semgrep did not finish within 1s"),
        ("bandit", "echo boom >&2; exit 2", {}, "bandit exited with code 2: boom"),
        ("bandit", "echo garbage; exit 1", {}, "bandit printed output that is not JSON"),
        ("bandit", f"echo '{BAD_SHAPE}'; exit 1", {}, "bandit result has an unexpected shape"),
        ("bandit", "sleep 30", {"tool_timeout": 1}, "bandit did not finish within 1s"),
        ("bandit", f"echo '{BANDIT_SKIPPED}'", {}, "bandit did not scan 1 requested file(s): a.py"),
        ("bandit", f"echo '{BANDIT_EMPTY_1}'; exit 1", {}, "bandit exited with code 1 but"),
    ],
    ids=["sg-exit-2", "sg-garbage", "sg-json-error", "sg-missing-file", "sg-timeout",
         "bandit-exit-2", "bandit-garbage", "bandit-bad-shape", "bandit-timeout",
         "bandit-dropped-file", "bandit-exit-1-no-results"],
)  # fmt: skip
def test_broken_tools_fail_closed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tool: str,
    script: str,
    config: dict[str, Any],
    message: str,
) -> None:
    fake = tmp_path / "bin" / tool
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    # `assert`: a file bandit is given (the gate keeps files no bandit test can fire on from it)
    root = make_repo(tmp_path / "r", {"a.py": "assert x\n"})
    other = "bandit" if tool == "semgrep" else "semgrep"
    with pytest.raises(GateCannotRun) as err:
        list(GATE.run(context("sast", root, {**config, other: {"enabled": False}})))
    assert message in err.value.reason
    assert err.value.fix


def test_gate_spec_is_consistent() -> None:
    assert GATE.id == "sast"
    assert GATE.tools == ("semgrep", "bandit")
    ids = [r.id for r in GATE.rules]
    assert len(ids) == len(set(ids))
    assert sast.GATE is GATE


def test_cache_namespace_tracks_rules_policy_and_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = tmp_path / "r.yaml"
    rule.write_text("rules: []\n")
    cfg = sast_config.parse({})
    plan = sast_gate.plan_for(cfg)

    def key(config: sast_config.SastConfig) -> str:
        return sast_gate._namespace(config, [rule], sast_gate.plan_for(config))

    base = key(cfg)
    assert key(cfg) == base  # stable
    assert key(sast_config.parse({"bandit": {"skip": ["B101"]}})) != base
    assert key(sast_config.parse({"bandit": {"engine": "bandit"}})) != base
    rule.write_text("rules: [] # edited\n")
    edited = key(cfg)
    assert edited != base
    fake = tmp_path / "bin" / "semgrep"  # another semgrep executable first on PATH
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert sast_gate._namespace(cfg, [rule], plan) != edited
    # another bandit matters only when bandit starts
    split = sast_gate.plan_for(sast_config.parse({"bandit": {"engine": "semgrep"}}))
    no_bandit = sast_config.parse({"bandit": {"skip": list(split.bandit_tests or ())}})
    assert not sast_gate.plan_for(no_bandit).runs_bandit
    before = (key(cfg), key(no_bandit))
    (fake.parent / "bandit").write_text("#!/bin/sh\nexit 0\n")
    (fake.parent / "bandit").chmod(0o755)
    assert key(cfg) != before[0]
    assert key(no_bandit) == before[1]


def test_a_finding_shows_the_line_the_tool_reported_past_a_form_feed(tmp_path: Path) -> None:
    # Python, semgrep and bandit count lines at \n, \r\n and \r only; a form feed (old source
    # files separate pages with one) is no line break, so the snippet, the fingerprint and the
    # suppression comments read are those of the line the tool reported (gates/textlines.py).
    code = "import requests\n\x0c\n# page two\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"
    repo = make_repo(tmp_path / "repo", {"svc/fetch.py": code})
    found = list(GATE.run(context("sast", repo, {"bandit": {"enabled": False}})))
    assert [(f.rule, f.location.line, f.snippet) for f in found] == [
        ("sast.tls-verify-disabled", 6, "return requests.get(url, verify=False)")
    ]
