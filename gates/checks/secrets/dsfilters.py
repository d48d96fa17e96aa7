"""Our replacements for detect-secrets filters that would hide a provider's own key shapes.

detect-secrets drops every secret containing a uuid (`is_potential_uuid`): right for the
high-entropy and keyword plugins, wrong for a shape-specific plugin whose format *is* a prefix
plus a uuid (Checkout.com `sk_<uuid>`, Plaid `access-production-<uuid>`). The replacement keeps
the filter for every other plugin. Referenced by import path in the filter settings (config.py).
"""

from __future__ import annotations

from typing import Any

from detect_secrets.filters.heuristic import is_potential_uuid as _ds_is_potential_uuid


def is_potential_uuid(secret: str, plugin: Any = None) -> bool:
    """detect-secrets' uuid filter, except for the payment-provider plugins (providers.py)."""
    if plugin is not None and getattr(plugin, "shaped", False):
        return False
    return _ds_is_potential_uuid(secret)
