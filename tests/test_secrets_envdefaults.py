"""Literal defaults of environment reads are hard-coded secrets; the lookup alone is not."""

from __future__ import annotations

import pytest

from gates.checks.secrets import config, envdefaults, scanner
from gates.checks.secrets.hits import ScanSettings
from gates.checks.secrets.rules import BY_TYPE, rule_id

STRIPE = "sk_" + "live_" + "51H8xKqLyjWDarjtT1zdp7dcAbQ93kfXm2"
PASSWORD = "Zq8vR2mK" + "5pL9wXhunter"
TWILIO_SID = "AC" + "3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e"
HEX32 = "9b1e4c7a2f5d8b3e6a9c1f4d7b2e5a8c"


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        (f'k = os.environ.get("STRIPE_API_KEY", "{STRIPE}")', [("STRIPE_API_KEY", STRIPE)]),
        (f"k = os.getenv('DB_PASSWORD', '{PASSWORD}')", [("DB_PASSWORD", PASSWORD)]),
        (f'k = environ.get("X", default="{PASSWORD}")', [("X", PASSWORD)]),
        (f'os.environ.setdefault("X", "{PASSWORD}")', [("X", PASSWORD)]),
        (f'key = ENV.fetch("API_KEY", "{PASSWORD}")', [("API_KEY", PASSWORD)]),
        (f'const k = process.env.API_KEY || "{PASSWORD}";', [("API_KEY", PASSWORD)]),
        (f"const k = process.env['API_KEY'] ?? '{PASSWORD}';", [("API_KEY", PASSWORD)]),
        (f"export DB_PASSWORD=${{DB_PASSWORD:-{PASSWORD}}}", [("DB_PASSWORD", PASSWORD)]),
        (f'ENV API_KEY="${{API_KEY:-{PASSWORD}}}"', [("API_KEY", PASSWORD)]),
        (f"      - DB_PASSWORD=${{DB_PASSWORD:='{PASSWORD}'}}", [("DB_PASSWORD", PASSWORD)]),
        ('k = os.environ.get("STRIPE_API_KEY")', []),
        ('k = os.environ["STRIPE_API_KEY"]', []),
        ('k = os.getenv("X", "")', []),
        ("X=${API_KEY}", []),
        ("X=${API_KEY:-${OTHER_KEY}}", []),
        ("x = 1", []),
    ],
    ids=[
        "environ-get", "getenv", "default-kw", "setdefault", "ruby-fetch", "js-or", "js-nullish",
        "shell", "dockerfile", "compose-quoted", "no-default", "subscript", "empty-default",
        "shell-no-default", "shell-nested-var", "unrelated",
    ],
)  # fmt: skip
def test_defaults_parsed(line: str, pairs: list[tuple[str, str]]) -> None:
    assert envdefaults.defaults(line) == pairs


def _rules(path: str, text: str) -> set[tuple[str, str]]:
    settings = ScanSettings(
        detect_secrets=config.parse({}).detect_secrets_settings(), placeholders=()
    )
    [hits] = scanner.scan_many([(path, text + "\n")], settings)
    return {(rule_id(BY_TYPE[h.type]), h.value) for h in hits}


@pytest.mark.parametrize(
    ("path", "line", "expected"),
    [
        ("app.py", f'key = os.environ.get("STRIPE_API_KEY", "{STRIPE}")', ("secrets.stripe-key", STRIPE)),
        ("app.py", f'pw = os.getenv("DB_PASSWORD", "{PASSWORD}")', ("secrets.keyword", PASSWORD)),
        ("app.py", f'pw = environ.get("DB_PASSWORD", "{PASSWORD}")', ("secrets.keyword", PASSWORD)),
        ("run.sh", f"DB_PASSWORD=${{DB_PASSWORD:-{PASSWORD}}}", ("secrets.keyword", PASSWORD)),
        ("Dockerfile", f"ENV API_KEY=${{API_KEY:-{PASSWORD}}}", ("secrets.keyword", PASSWORD)),
        ("docker-compose.yml", f"services:\n  app:\n    environment:\n      - DB_PASSWORD=${{DB_PASSWORD:-{PASSWORD}}}", ("secrets.keyword", PASSWORD)),
    ],
    ids=["python-stripe", "python-getenv-keyword", "environ-get", "shell", "dockerfile", "compose"],
)  # fmt: skip
def test_default_is_a_finding(path: str, line: str, expected: tuple[str, str]) -> None:
    assert expected in _rules(path, line)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("app.py", 'key = os.environ.get("STRIPE_API_KEY")'),
        ("app.py", 'pw = os.getenv("DB_PASSWORD")'),
        ("app.py", 'pw = os.environ["DB_PASSWORD"]'),
        ("app.py", 'pw = os.getenv("DB_PASSWORD", "changeme")'),
        ("app.py", 'key = os.getenv("STRIPE_API_KEY", "sk_live_xxx")'),
        ("run.sh", "DB_PASSWORD=${DB_PASSWORD}"),
        ("run.sh", "DB_PASSWORD=${DB_PASSWORD:-}"),
        ("run.sh", "DB_PASSWORD=${DB_PASSWORD:-<your password>}"),
        ("Dockerfile", "ENV API_KEY=${API_KEY}"),
    ],
    ids=[
        "get", "getenv", "subscript", "placeholder-default", "vendor-filler-default", "shell",
        "shell-empty-default", "shell-angle-default", "dockerfile",
    ],
)  # fmt: skip
def test_lookup_without_a_real_default_is_not_a_finding(path: str, line: str) -> None:
    assert _rules(path, line) == set()


def test_one_finding_per_value_even_when_both_paths_see_it() -> None:
    """The Stripe plugin sees the key in the raw shell line and in the re-scanned default:
    reported once."""
    settings = ScanSettings(
        detect_secrets=config.parse({}).detect_secrets_settings(), placeholders=()
    )
    text = f'export STRIPE_KEY="${{STRIPE_KEY:-{STRIPE}}}"\n'
    [hits] = scanner.scan_many([("run.sh", text)], settings)
    assert [h.type for h in hits].count("Stripe Secret Key") == 1
