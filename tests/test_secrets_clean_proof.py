"""A file proved clean without detect-secrets (clean_proof.py) is one detect-secrets, run as the
gate runs it, finds nothing in; and the shipped patterns are the installed detect-secrets' own.
Values are assembled at run time, so this file itself holds none of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gates.checks.secrets import clean_proof, config, scanner
from gates.checks.secrets.hits import Hit, ScanSettings
from tests.test_secrets_corpus import MUST_FIND

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ScanSettings(detect_secrets=config.parse({}).detect_secrets_settings(), placeholders=())
B62 = "51H8xKqLyjWDarjtT1zdp7dcAbQ93kfXm2"
HEX40 = "9b1e4c7a2f5d8b3e6a9c1f4d7b2e5a8c3f9a0c2e"


def _proof() -> clean_proof.CleanProof:
    proof = clean_proof.load(SETTINGS.detect_secrets)
    assert proof is not None, (
        "the shipped table does not match: python -m gates.checks.secrets.clean_proof"
    )
    return proof


def _detect_secrets_alone(path: str, text: str) -> list[Hit]:
    """What the gate found before the proof: detect-secrets' pipeline on every file."""
    from detect_secrets.settings import transient_settings

    with transient_settings(SETTINGS.detect_secrets):
        return scanner.scan_file(path, text, SETTINGS, scanner.configure(SETTINGS))


def test_the_shipped_table_is_what_the_installed_detect_secrets_gives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert clean_proof.main(["--check"]) == 0, capsys.readouterr().out


def test_other_plugin_settings_or_another_detect_secrets_prove_nothing() -> None:
    fewer = config.parse({"plugins": ["AWSKeyDetector"]}).detect_secrets_settings()
    assert clean_proof.load(fewer) is None
    table = json.loads((ROOT / "gates/checks/secrets/prefilter.json").read_text())
    assert clean_proof.key(SETTINGS.detect_secrets, "0.0.1") != table["key"]
    assert clean_proof.key(SETTINGS.detect_secrets, None) is None


@pytest.mark.parametrize(("case", "path", "text"), [c[:3] for c in MUST_FIND])
def test_no_file_with_a_secret_is_proved_clean(case: str, path: str, text: str) -> None:
    assert not _proof().clean(path, text)


def test_plain_source_is_proved_clean_with_non_ascii_text_and_long_names() -> None:
    source = (
        '"""Charges: “captured” means settled.\n\nÜbersicht der Zahlungen."""\n'
        "import os\n\n"
        "class PaymentMethodConfigurationDetails:\n"
        "    def retrieve_payment_method_configuration(self, id: str) -> None:\n"
        '        region = os.getenv("REGION", "eu")\n'
        "        return self._request('get', f'/v1/payment_method_configurations/{id}')\n"
    )
    assert _proof().clean("stripe/_configuration.py", source)
    assert _detect_secrets_alone("stripe/_configuration.py", source) == []


_PIECES = st.sampled_from(
    [
        "[s]", "[global]", "\n", "\r", "\r\n", "\x0c", "\x1d", "\x85", "\u2028", "# c\n", "; c\n",
        " ", "\t", "k = ", "k: ", "password = ",
        "token=", "api_key", '"', "'", B62, HEX40, B62[:12], "123456789", "AKIA", "Q3EGRLN5T6MBVXYZ",
        "-----BEGIN RSA PRIVATE KEY-----", "sk_live_", "ghp_", "é", "“", "\u00a0", "\u017f",
        "\u212a", "\u0661", "–", "\U0001f600", 'os.getenv("DB_PASSWORD", "',
        '")', "${X:-", "}", "process.env.K || '", "x = 1", ",",
    ]
)  # fmt: skip
_NAMES = st.sampled_from(
    ["app.py", "a.go", "x.cfg", "x.ini", "x.properties", "c.conf", "values.yaml", ".env",
     "poetry.lock", "n.ipynb", "README.md", "a.ts", "dir/.py", "Main.java", "s.tf"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_NAMES, st.lists(_PIECES, max_size=14).map("".join))
@example("x.cfg", f"[s]\nk = {B62}\n")  # the INI transformer quotes an unquoted value
@example("app.py", f"[s]\nk = {B62}\n")  # ... in any file whose first line is a section
@example("x.cfg", f"# c\n[s]\nk = {B62}\n")
@example("app.py", f"# c\r[s]\nk = {B62}\n")  # a lone \r ends the comment line, as in open()
@example("app.py", f"\u201c\nk = '{B62}'\n")  # a high-entropy value on a non-ASCII file's line
@example("app.py", f'pw = os.getenv("DB_PASSWORD", "{B62[:20]}")\n')
@example("app.py", f"cmd = '${{API:-{B62}}}'\n")  # only the default, read as `API = "..."`
@example("app.py", 'SLACK = "xoxb-\u0661\u0662\u0663\u0664-abcdefghij"\n')  # Python's \d
def test_a_file_proved_clean_is_one_detect_secrets_finds_nothing_in(name: str, text: str) -> None:
    if _proof().clean(name, text):
        assert _detect_secrets_alone(name, text) == []


def test_a_run_whose_files_are_all_proved_clean_never_starts_detect_secrets(
    tmp_path: Path,
) -> None:
    """The point of the proof, as a run shows it: detect-secrets is imported only when a file
    needs it (a file with a key), and both runs report what they should."""
    program = """
import json, sys
from pathlib import Path
from gates.checks.secrets.gate import run
from tests.gatekit import context, make_repo
root = make_repo(Path(sys.argv[1]), {"app/pay.py": sys.argv[2]})
found = [f.rule for f in run(context("secrets", root))]
print(json.dumps([found, "detect_secrets" in sys.modules]))
"""
    key = "AKIA" + "Q3EGRLN5T6MBVXYZ"
    runs = {}
    for case, text in (("clean", "x = 1\n"), ("key", f'AWS_ACCESS_KEY_ID = "{key}"\n')):
        proc = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / case), text],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs[case] = json.loads(proc.stdout.splitlines()[-1])
    assert runs["clean"] == [[], False]
    assert runs["key"][1] is True
    assert "secrets.aws-key" in runs["key"][0]


@pytest.mark.parametrize(
    "sep", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
)
def test_a_secret_behind_a_character_that_is_no_line_break_is_found_on_its_line(
    tmp_path: Path, sep: str
) -> None:
    """The attack: put a form feed (or another character `str.splitlines` breaks at, which
    detect-secrets reads as part of the line) between a keyword and its value. In `alone.py` it is
    the file's only secret, so the clean proof decides; in `beside.py` another secret sends the
    file to detect-secrets. Both must report it, on the line an editor and detect-secrets show."""
    from tests.gatekit import make_repo, run_cli

    hidden = f'db_password{sep}= "{B62[:20]}"'
    plain = f'token = "{B62}"'
    repo = make_repo(
        tmp_path / "repo",
        {"alone.py": f"x = 1\n{hidden}\ny = 2\n", "beside.py": f"{plain}\r\nx = 1\r\n{hidden}\n"},
    )
    code, out = run_cli(repo, "run", "--gate", "secrets", "--no-cache", "--format", "json")
    assert code == 1
    found = {(f["location"]["path"], f["location"]["line"]) for f in json.loads(out)["findings"]}
    assert {("alone.py", 2), ("beside.py", 3)} <= found
