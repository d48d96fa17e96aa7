"""Our detect-secrets driver (with its prefilter) reports what detect-secrets scan_file does."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import transient_settings

from gates.checks.secrets import config, engine
from gates.checks.secrets.mask import mask
from gates.checks.secrets.placeholders import is_placeholder

# One line per plugin family, plus near-misses; the same lines in several file types.
LINES = [
    'aws_key = "AKIAIOSFODNN7EXAMPLE"',
    'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    "url = 'https://admin:s3cr3tpw@db.internal:5432/payments'",
    'slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"',
    'hook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"',
    'jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.'
    'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
    'twilio = "SK0123456789abcdef0123456789abcdef"',
    'mailchimp = "0123456789abcdef0123456789abcdef-us12"',
    'sendgrid = "SG.aaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"',
    'stripe_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"',
    'restricted = "rk_live_4eC39HqLyjWDarjtT1zdp7dc"',
    'token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"',
    'gitlab = "glpat-abcdefghij1234567890"',
    'square = "sq0csp-0123456789abcdefghijklmnopqrstuvwxyzABCDE"',
    'password = "correct horse battery staple"',
    "password: hunter2hunter2",
    "PASSWORD=hunter2hunter2",
    'if password == "s3cr3t-value":',
    'hexy = "a8f5f167f44f4964e6c998dee827110c"',
    'b64 = "bXlzZWNyZXRrZXlmb3JwYXltZW50cw=="',
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIICXgIBAAKBgQC6gGVshvPX5xWZMp41QPaRz2rjHWyhjrk18ut2Yf5+a7G8J9bZ",
    "-----END RSA PRIVATE KEY-----",
    'uuid = "123e4567-e89b-12d3-a456-426614174000"',
    'seq = "abcdefghijklmnopqrstuvwxyz"',
    "secret = get_secret()",
    'api_key = os.environ["API_KEY"]',
    "x = 1  # nothing here",
    'name = "ordinary words only"',
    "password = '${DB_PASSWORD}'",
    "key = 'AKIA' + suffix  # pragma: allowlist secret",
]
NAMES = ["app/config.py", "deploy/values.yaml", "conf/app.ini", "notes.txt", "web/app.js"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "settings",
    [{}, {"plugins": ["KeywordDetector", "HexHighEntropyString"], "hex_limit": 2.0}],
    ids=["all-plugins", "two-plugins"],
)
def test_engine_matches_detect_secrets_scan_file(
    tmp_path: Path, name: str, settings: dict[str, object]
) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(LINES) + "\n"
    path.write_text(text)
    with transient_settings(config.parse(settings).detect_secrets_settings()):
        # detect-secrets keeps its plugin class table from whichever settings built it first;
        # rebuild it for these (as scanner.configure does), or our provider plugins may be missing
        get_mapping_from_secret_type_to_class.cache_clear()
        reference = {(s.type, s.line_number, s.secret_hash) for s in scan_file(str(path))}
        prefilter = engine.build_prefilter()
        ours = {
            (s.type, s.line_number, s.secret_hash)
            for s, _ in engine.scan_text(str(path), text, prefilter)
        }
        unfiltered = {
            (s.type, s.line_number, s.secret_hash)
            for s, _ in engine.scan_text(str(path), text, engine.Prefilter(None))
        }
    assert reference  # the sample must exercise the plugins
    assert ours == reference
    assert unfiltered == reference


@pytest.mark.parametrize(
    ("value", "line", "expected"),
    [
        ("sk_live_xxx", 'STRIPE = "sk_live_xxx"', True),
        ("sk_live_XXXXXXXXXXXXXXXXXXXXXXXX", "", True),
        ("sk_live_...", "", True),
        ("API_KEY", 'api_key = os.environ["API_KEY"]', True),
        ("DB_PASS", 'password = os.getenv("DB_PASS")', True),
        ("${STRIPE_KEY}", "", True),
        ("%(password)s", "", True),
        ("<your-key>", "", True),
        ("changeme", "", True),
        ("REPLACE_ME", "", True),
        ("your-api-key-here", "", True),
        ("********", "", True),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "", False),
        ("hunter2hunter2", "", False),
        ("Tr0ub4dor&3horse", "", False),
    ],
    ids=lambda v: str(v)[:24],
)
def test_placeholders(value: str, line: str, expected: bool) -> None:
    assert is_placeholder(value, line) is expected


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-key", "[stripe-key ••••p7dc]"),
        ("hunter2hunter2", "keyword", "[keyword ••••]"),
        ("BEGIN RSA PRIVATE KEY", "private-key", "[private-key ••••]"),
    ],
    ids=["long", "short", "private-key"],
)
def test_mask(value: str, kind: str, masked: str) -> None:
    assert mask(value, kind) == masked


def test_listed_plugins_are_exactly_what_detect_secrets_discovers() -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    from gates.checks.secrets.config import BUILTIN_PLUGINS, PROVIDER_PLUGINS

    with transient_settings({"plugins_used": []}):
        get_mapping_from_secret_type_to_class.cache_clear()  # other tests loaded our plugins
        try:
            discovered = sorted(
                c.__name__ for c in get_mapping_from_secret_type_to_class().values()
            )
        finally:  # a table without our plugins must not outlive this test
            get_mapping_from_secret_type_to_class.cache_clear()
    assert list(BUILTIN_PLUGINS) == discovered
    assert not set(PROVIDER_PLUGINS) & set(BUILTIN_PLUGINS)


def test_provider_plugins_load_through_detect_secrets_file_plugins() -> None:
    """Our payment-provider plugins reach detect-secrets as `file://` custom plugins, the
    loading path any third-party plugin takes, and each is listed in config and rules."""
    from gates.checks.secrets import providers
    from gates.checks.secrets.rules import KINDS

    settings = config.parse({}).detect_secrets_settings()
    by_name = {p["name"]: p for p in settings["plugins_used"]}
    names = sorted(c.__name__ for c in providers.PROVIDER_PLUGINS)
    assert names == sorted(config.PROVIDER_PLUGINS)
    assert all(by_name[n]["path"].startswith("file://") for n in names)
    assert "StripeDetector" not in by_name
    assert "TwilioKeyDetector" not in by_name
    assert {c.secret_type for c in providers.PROVIDER_PLUGINS} <= {k.ds_type for k in KINDS}


# What Python's `str.splitlines` breaks lines at beyond universal newlines (\n, \r\n, \r), which
# are all detect-secrets breaks at: it reads a file with `open()` and `readlines()`.
NOT_LINE_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("name", ["app/config.py", "conf/app.ini", "deploy/values.yaml"])
def test_lines_break_where_detect_secrets_breaks_them(tmp_path: Path, name: str) -> None:
    # A form feed (or any other character splitlines takes for a break) between a keyword and
    # its value must not cut the line in two: detect-secrets reads one line there and finds the
    # value; and every line after it keeps its number. \r and \r\n do end lines.
    secret_lines = [
        f'db_password{sep}= "Xk9mQ2vL8pR4tW7zA{i:03}"' for i, sep in enumerate(NOT_LINE_BREAKS)
    ]
    breaks = ["\n", "\r\n", "\r"]
    text = "".join(line + breaks[i % 3] for i, line in enumerate(["x = 1", *secret_lines, *LINES]))
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    with transient_settings(config.parse({}).detect_secrets_settings()):
        get_mapping_from_secret_type_to_class.cache_clear()
        reference = {(s.type, s.line_number, s.secret_hash) for s in scan_file(str(path))}
        ours = {
            (s.type, s.line_number, s.secret_hash)
            for s, _ in engine.scan_text(str(path), text, engine.build_prefilter())
        }
    assert {n for _, n, _ in reference} >= set(range(2, 2 + len(NOT_LINE_BREAKS)))
    assert ours == reference
