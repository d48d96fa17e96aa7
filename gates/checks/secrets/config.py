"""The secrets gate's policy section: its JSON Schema, its typed form and detect-secrets settings.

Keys (all optional):
- `plugins`: detect-secrets plugin class names to run, built-in or our payment-provider plugins
  (providers.py). Default: all of them except `IPPublicDetector` (it flags documentation IPs far
  more often than secrets) and `StripeDetector`/`TwilioKeyDetector` (superseded by
  `StripeKeyDetector`/`TwilioApiKeyDetector`).
- `base64_limit` / `hex_limit`: Shannon entropy limits of the high-entropy plugins (4.5 / 3.0).
- `keyword_exclude`: a regex; keyword findings on lines matching it are dropped.
- `disable_filters`: detect-secrets heuristic filters to turn off, by short name
  (`is_likely_id_string`, ...); every other default heuristic filter stays on.
- `exclude_secrets` / `exclude_lines`: regexes (detect-secrets' own regex filters).
- `placeholders`: extra placeholder words, added to ours (see placeholders.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gates.errors import InvalidInput
from gates.record import record

_HEURISTICS = (
    "is_sequential_string",
    "is_potential_uuid",
    "is_likely_id_string",
    "is_templated_secret",
    "is_prefixed_with_dollar_sign",
    "is_indirect_reference",
    "is_lock_file",
    "is_not_alphanumeric_string",
    "is_swagger_file",
)
# IPPublicDetector flags documentation IPs far more often than secrets; StripeDetector and
# TwilioKeyDetector are superseded by our provider plugins (full-length Stripe keys; Twilio
# API keys without reporting bare account sids).
_NOT_BY_DEFAULT = frozenset({"IPPublicDetector", "StripeDetector", "TwilioKeyDetector"})
# Our payment-provider plugins (providers.py), loaded by detect-secrets from that file.
PROVIDER_PLUGINS = (
    "AdyenApiKeyDetector",
    "AdyenHmacKeyDetector",
    "BraintreeAccessTokenDetector",
    "BraintreePrivateKeyDetector",
    "CheckoutSandboxKeyDetector",
    "CheckoutSecretKeyDetector",
    "GoCardlessAccessTokenDetector",
    "PaypalAccessTokenDetector",
    "PaypalClientSecretDetector",
    "PlaidSecretDetector",
    "SquareAccessTokenDetector",
    "StripeKeyDetector",
    "StripeTestKeyDetector",
    "StripeWebhookSecretDetector",
    "TwilioApiKeyDetector",
    "TwilioAuthTokenDetector",
)
_UUID_FILTER = "is_potential_uuid"


# detect-secrets 1.5.0's built-in plugins (it is pinned). Listed, not discovered: discovery imports
# every plugin (~300 ms), which every run would pay just to validate a policy.
# tests/test_secrets_engine.py checks this list against detect-secrets' own discovery.
BUILTIN_PLUGINS = (
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "Base64HighEntropyString",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "HexHighEntropyString",
    "IPPublicDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "KeywordDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)


def builtin_plugins() -> tuple[str, ...]:
    return BUILTIN_PLUGINS


def all_plugins() -> tuple[str, ...]:
    """Every plugin a policy may name: detect-secrets' built-ins and our provider plugins."""
    return tuple(sorted((*BUILTIN_PLUGINS, *PROVIDER_PLUGINS)))


def providers_path() -> str:
    """The file detect-secrets loads our provider plugins from (a `file://` plugin path)."""
    from gates.package_data import shipped

    resource = shipped("checks", "secrets", "providers.py")
    if isinstance(resource, Path):  # installed as files (a wheel or -e): no importlib.resources
        return str(resource)
    from importlib.resources import as_file

    with as_file(resource) as path:
        return str(path)


def _regex_list(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "uniqueItems": True,
        "description": description,
    }


SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "plugins": {
            "type": "array",
            "items": {"type": "string", "enum": list(all_plugins())},
            "minItems": 1,
            "uniqueItems": True,
            "description": "detect-secrets plugin class names to run, built-in or our payment-"
            "provider plugins (default: all except IPPublicDetector, StripeDetector and "
            "TwilioKeyDetector, which the provider plugins supersede).",
        },
        "base64_limit": {
            "type": "number",
            "minimum": 0,
            "maximum": 8,
            "description": "Shannon entropy limit for Base64HighEntropyString (default 4.5).",
        },
        "hex_limit": {
            "type": "number",
            "minimum": 0,
            "maximum": 8,
            "description": "Shannon entropy limit for HexHighEntropyString (default 3.0).",
        },
        "keyword_exclude": {
            "type": "string",
            "minLength": 1,
            "description": "Regex: KeywordDetector ignores lines matching it.",
        },
        "disable_filters": {
            "type": "array",
            "items": {"type": "string", "enum": list(_HEURISTICS)},
            "uniqueItems": True,
            "description": "detect-secrets heuristic filters to turn off (short names).",
        },
        "exclude_secrets": _regex_list("Regexes: secrets matching any of them are dropped."),
        "exclude_lines": _regex_list("Regexes: lines matching any of them are not scanned."),
        "placeholders": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Za-z0-9_-]{3,}$"},
            "uniqueItems": True,
            "description": "Extra placeholder words: a value made of them is not a secret.",
        },
    },
}


@record
class SecretsConfig:
    plugins: tuple[str, ...]
    base64_limit: float = 4.5
    hex_limit: float = 3.0
    keyword_exclude: str = ""
    disable_filters: tuple[str, ...] = ()
    exclude_secrets: tuple[str, ...] = ()
    exclude_lines: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()

    def detect_secrets_settings(self) -> dict[str, Any]:
        """The `transient_settings` configuration: plugins and filters, spelt as detect-secrets."""
        plugins: list[dict[str, Any]] = []
        providers = providers_path() if set(self.plugins) & set(PROVIDER_PLUGINS) else ""
        for name in self.plugins:
            entry: dict[str, Any] = {"name": name}
            if name in PROVIDER_PLUGINS:
                entry["path"] = f"file://{providers}"
            if name == "Base64HighEntropyString":
                entry["limit"] = self.base64_limit
            elif name == "HexHighEntropyString":
                entry["limit"] = self.hex_limit
            elif name == "KeywordDetector" and self.keyword_exclude:
                entry["keyword_exclude"] = self.keyword_exclude
            plugins.append(entry)
        filters: list[dict[str, Any]] = [
            {"path": "detect_secrets.filters.allowlist.is_line_allowlisted"},
            *(
                {"path": _heuristic_path(name)}
                for name in _HEURISTICS
                if name not in self.disable_filters
            ),
        ]
        if self.exclude_secrets:
            filters.append(
                {
                    "path": "detect_secrets.filters.regex.should_exclude_secret",
                    "pattern": list(self.exclude_secrets),
                }
            )
        if self.exclude_lines:
            filters.append(
                {
                    "path": "detect_secrets.filters.regex.should_exclude_line",
                    "pattern": list(self.exclude_lines),
                }
            )
        return {"plugins_used": plugins, "filters_used": filters}


def _heuristic_path(name: str) -> str:
    if name == _UUID_FILTER:  # keeps uuid-shaped provider keys (dsfilters.py)
        return "gates.checks.secrets.dsfilters.is_potential_uuid"
    return f"detect_secrets.filters.heuristic.{name}"


def _strings(config: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in config.get(key, ()))


def parse(config: Mapping[str, Any], *, source: str = "policy") -> SecretsConfig:
    """The validated policy section as a SecretsConfig; bad regexes are InvalidInput."""
    default = tuple(p for p in all_plugins() if p not in _NOT_BY_DEFAULT)
    parsed = SecretsConfig(
        plugins=tuple(sorted(_strings(config, "plugins"))) or default,
        base64_limit=float(config.get("base64_limit", 4.5)),
        hex_limit=float(config.get("hex_limit", 3.0)),
        keyword_exclude=str(config.get("keyword_exclude", "")),
        disable_filters=tuple(sorted(_strings(config, "disable_filters"))),
        exclude_secrets=_strings(config, "exclude_secrets"),
        exclude_lines=_strings(config, "exclude_lines"),
        placeholders=tuple(sorted(s.lower() for s in _strings(config, "placeholders"))),
    )
    regexes = [("keyword_exclude", parsed.keyword_exclude)] if parsed.keyword_exclude else []
    regexes += [(f"exclude_secrets[{i}]", r) for i, r in enumerate(parsed.exclude_secrets)]
    regexes += [(f"exclude_lines[{i}]", r) for i, r in enumerate(parsed.exclude_lines)]
    for field, pattern in regexes:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidInput(
                source, f"$.gates.secrets.{field}", f"not a valid regex ({exc})", "fix the pattern"
            ) from None
    return parsed
