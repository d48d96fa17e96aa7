"""A scored corpus for the secrets gate: must-find cases and decoys, recall and decoys per rule.

Each must-find case names the rule that has to report it (other rules may report it too); a
decoy must produce no finding at all. The test prints recall and decoy counts per rule (run
with `-s` to see them) and requires recall >= 98 % and zero decoys. Values are assembled at run
time, so this file itself holds none of them.
"""

from __future__ import annotations

from collections import Counter

import pytest

from gates.checks.secrets import config, scanner
from gates.checks.secrets.hits import ScanSettings
from gates.checks.secrets.rules import BY_TYPE, rule_id
from tests.test_secrets_providers import FOUND, PLACEHOLDERS


def _j(*parts: str) -> str:
    return "".join(parts)


B62 = "51H8xKqLyjWDarjtT1zdp7dcAbQ93kfXm2"
HEX40 = "9b1e4c7a2f5d8b3e6a9c1f4d7b2e5a8c3f9a0c2e"
PASSWORD = _j("Zq8vR2mK", "5pL9wXhunter")

# (id, path, text, rule that must report it)
MUST_FIND: list[tuple[str, str, str, str]] = [
    *((f"provider-{c[0]}", c[1], c[2], f"secrets.{c[3]}") for c in FOUND),
    ("env-default-stripe", "app.py", _j('k = os.environ.get("STRIPE_API_KEY", "sk_', 'live_', B62, '")'), "secrets.stripe-key"),
    ("env-default-getenv", "app.py", f'pw = os.getenv("DB_PASSWORD", "{PASSWORD}")', "secrets.keyword"),
    ("env-default-shell", "deploy.sh", f"DB_PASSWORD=${{DB_PASSWORD:-{PASSWORD}}}", "secrets.keyword"),
    ("env-default-compose", "docker-compose.yml", f"services:\n  db:\n    environment:\n      - DB_PASSWORD=${{DB_PASSWORD:-{PASSWORD}}}", "secrets.keyword"),
    ("env-default-dockerfile", "Dockerfile", f"FROM python:3.12\nENV API_KEY=${{API_KEY:-{PASSWORD}}}", "secrets.keyword"),
    ("call-literal", "pay.py", _j('client = stripe.StripeClient("sk_', 'live_', B62, '")'), "secrets.stripe-key"),
    ("aws-key", "aws.py", _j('AWS_ACCESS_KEY_ID = "AKIA', 'Q3EGRLN5T6MBVXYZ"'), "secrets.aws-key"),
    ("github-token", "ci.py", _j('TOKEN = "ghp_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"'), "secrets.github-token"),
    ("private-key", "key.pem", _j("-----BEGIN RSA ", "PRIVATE KEY-----\nMIICXgIBAAKBgQC6gGVshvPX5xWZMp41QPaRz2rjHWyhjrk18ut2Yf5+a7G8J9bZ\n-----END RSA ", "PRIVATE KEY-----"), "secrets.private-key"),
    ("password-yaml", "values.yaml", f"db:\n  password: {PASSWORD}", "secrets.keyword"),
    ("password-dotenv", ".env", f"DB_PASSWORD={PASSWORD}", "secrets.keyword"),
    ("basic-auth-url", "db.py", _j("DSN = 'postgres://app:", PASSWORD, "@db.internal:5432/pay'"), "secrets.basic-auth"),
    ("slack-token", "notify.py", _j('SLACK = "xox', 'b-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"'), "secrets.slack-token"),
    ("hex-secret", "app.py", f'HMAC_SALT = "{HEX40}"', "secrets.hex-high-entropy"),
    ("jwt", "auth.py", _j('TOKEN = "eyJhbGciOiJIUzI1NiJ9.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"'), "secrets.jwt"),
    ("gitlab-token", "ci.py", _j('TOKEN = "glpat-', 'Kx9Pq2Rz7Tv4Wm8Yb1Nc"'), "secrets.gitlab-token"),
    ("square-oauth", "square.py", _j('SECRET = "sq0csp-', 'Kx9Pq2Rz7Tv4Wm8Yb1Nc6Hd5Jf0Gs3Ae9Uk2Io7Lp4Q"'), "secrets.square-oauth"),
]  # fmt: skip

# (id, path, text): none of these is a secret
DECOYS: list[tuple[str, str, str]] = [
    *((f"placeholder-{c[0]}", "app.py", c[1]) for c in PLACEHOLDERS),
    ("env-lookup-only", "app.py", 'k = os.environ.get("STRIPE_API_KEY")'),
    ("getenv-only", "app.py", 'pw = os.getenv("DB_PASSWORD")'),
    ("shell-no-default", "deploy.sh", "DB_PASSWORD=${DB_PASSWORD}"),
    ("shell-empty-default", "deploy.sh", "DB_PASSWORD=${DB_PASSWORD:-}"),
    ("compose-lookup", "docker-compose.yml", "services:\n  db:\n    environment:\n      - DB_PASSWORD=${DB_PASSWORD}"),
    ("indirect-call", "pay.py", "client = stripe.StripeClient(get_secret_key())"),
    ("pinned-rev", ".pre-commit-config.yaml", f"repos:\n  - repo: https://github.com/x/y\n    rev: {HEX40}"),
    ("uuid", "ids.py", 'REQUEST_ID = "123e4567-e89b-12d3-a456-426614174000"'),
    ("twilio-sid-constant", "sms.py", _j('ACCOUNT_SID = "AC', '3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e"')),
    ("docs-ellipsis", "README.md", "Set `STRIPE_SECRET_KEY` to your live key (`sk_live_...`)."),
    ("template-jinja", "config.yaml", "password: '{{ db_password }}'"),
    ("changeme", "settings.py", 'PASSWORD = "changeme"'),
    ("adyen-hmac-without-context", "data.py", _j('CHECKSUM = "', "3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e", "5b7d9f1a3c5e7b9d2f4a6c8e0b1d3f5a", '"  # sha256 of the file')),
    ("name-is-the-value", "gitlab.py", 'SECRETS_GATE = "secrets"'),
    ("plaid-client-id", "plaid.py", 'PLAID_CLIENT_ID = "5f1a2b3c4d5e6f7a8b9c0d1e"'),
    ("stripe-publishable-test", "web.js", _j("const pk = 'pk_", "test_", B62, "';")),
    ("checkout-public-sbox", "web.js", _j("const pk = 'pk_", "sbox_", "m73dzbpy7cf3gfd46xr4yj5xo4e';")),
    ("adyen-client-key", "web.js", _j("clientKey: 'test_", "U6OJZI3TA5EDFOIMDHPMV2HUTARAZ6WV',")),
    ("square-application-id", "web.js", _j("const appId = 'sq0idp-", "Kx9Pq2Rz7Tv4Wm8Yb1Nc6H';")),
]  # fmt: skip


def _settings() -> ScanSettings:
    return ScanSettings(detect_secrets=config.parse({}).detect_secrets_settings(), placeholders=())


def _rules(path: str, text: str, settings: ScanSettings) -> set[str]:
    [hits] = scanner.scan_many([(path, text + "\n")], settings)
    return {rule_id(BY_TYPE[h.type]) for h in hits}


def test_corpus_is_large_and_balanced() -> None:
    assert len(MUST_FIND) + len(DECOYS) >= 50
    assert min(len(MUST_FIND), len(DECOYS)) * 2 >= 0.8 * max(len(MUST_FIND), len(DECOYS))
    assert len({c[0] for c in MUST_FIND}) == len(MUST_FIND)
    assert len({c[0] for c in DECOYS}) == len(DECOYS)


def test_scored_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings()
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    missed: list[str] = []
    for case, path, text, rule in MUST_FIND:
        expected[rule] += 1
        if rule in _rules(path, text, settings):
            found[rule] += 1
        else:
            missed.append(f"{case} ({rule})")
    decoys: Counter[str] = Counter()
    fired: list[str] = []
    for case, path, text in DECOYS:
        for rule in _rules(path, text, settings):
            decoys[rule] += 1
            fired.append(f"{case} ({rule})")
    with capsys.disabled():
        print(f"\nsecrets corpus: {len(MUST_FIND)} must-find, {len(DECOYS)} decoys")
        print(f"{'rule':38} {'recall':>9} {'decoys':>7}")
        for rule in sorted(set(expected) | set(decoys)):
            recall = f"{found[rule]}/{expected[rule]}" if expected[rule] else "-"
            print(f"{rule:38} {recall:>9} {decoys[rule]:>7}")
        total = sum(found.values()) / sum(expected.values())
        print(f"{'total':38} {total:>9.1%} {sum(decoys.values()):>7}")
    assert total >= 0.98, f"missed: {missed}"
    assert not fired, f"decoys reported: {fired}"
