"""The bundled semgrep rules' metadata (`sast.<rule-id>`): summary, why and fix, severity, CWE.

Kept as data beside the YAML pack (policies/semgrep/) so `gates list/explain` need no file
reads or semgrep; tests/test_semgrep_rules.py checks that both list the same ids, CWEs and
severities. Proof rules (policies/semgrep/proofs.yaml, `category: proof`) are never reported and
have no entry here.
"""

from __future__ import annotations

from gates.model import RuleInfo, Severity


def _rule(name: str, summary: str, help: str, severity: Severity, cwe: str) -> RuleInfo:
    return RuleInfo(
        id=f"sast.{name}", name=name, summary=summary, help=help, default_severity=severity,
        tags=(cwe,),
    )  # fmt: skip


H, M = Severity.HIGH, Severity.MEDIUM

BUNDLED: tuple[RuleInfo, ...] = (
    _rule("shell-injection", "Command run through a shell or built from data",
          "Anyone who controls part of the command runs their own commands. Pass an argument "
          "list to subprocess without shell=True; never os.system with computed strings.",
          H, "CWE-78"),
    _rule("unsafe-yaml-load", "yaml.load with an object-building loader",
          "A crafted YAML document constructs arbitrary Python objects and runs code. Use "
          "yaml.safe_load or Loader=yaml.SafeLoader.", H, "CWE-502"),
    _rule("pickle-load", "Unpickling data",
          "Unpickling runs code chosen by whoever wrote the bytes. Use JSON or another "
          "data-only format for anything that crosses a trust boundary.", H, "CWE-502"),
    _rule("eval-exec", "eval/exec of a computed string",
          "eval/exec runs whatever code the string holds. Parse data instead: "
          "ast.literal_eval for literals, json for data, a dict of functions for choices.",
          H, "CWE-95"),
    _rule("tls-verify-disabled", "TLS certificate verification turned off",
          "Anyone on the network path can read and change the traffic (card data, API keys). "
          "Remove verify=False / CERT_NONE / _create_unverified_context; pin a CA bundle if "
          "you must trust a private CA.", H, "CWE-295"),
    _rule("sql-string-building", "SQL built from a function's input and executed",
          "A quote in the data rewrites the query (SQL injection). Pass values as query "
          "parameters: cursor.execute(\"... WHERE id = %s\", (id,)) or session.execute("
          "text(\"... WHERE id = :id\"), {\"id\": id}).", H, "CWE-89"),
    _rule("weak-hash", "MD5/SHA-1 used",
          "MD5 and SHA-1 collisions are practical, so they prove nothing about integrity or "
          "signatures. Use SHA-256 or better; mark a non-security use with "
          "usedforsecurity=False.", M, "CWE-327"),
    _rule("weak-hmac", "HMAC or signature with MD5/SHA-1",
          "Signatures must use a strong hash. Use hmac.new(key, msg, hashlib.sha256), or the "
          "algorithm the payment provider documents.", H, "CWE-328"),
    _rule("insecure-random-token", "random module used for a token, password or code",
          "random is a predictable PRNG: tokens, OTPs, reset codes and salts made with it can "
          "be guessed. Use the secrets module (secrets.token_urlsafe, secrets.choice).",
          H, "CWE-338"),
    _rule("float-money", "Money held in a binary float",
          "0.1 + 0.2 != 0.3: totals, fees, FX and refunds drift by cents and reconciliation "
          "fails. Use integer minor units or decimal.Decimal built from a str or int (never "
          "from a float).", H, "CWE-681"),
    _rule("webhook-signature-unverified", "Webhook payload parsed before its signature is verified",
          "Anyone can post a fake 'payment succeeded' event and get goods for free. Verify "
          "the provider's signature over the raw body before parsing: Stripe "
          "stripe.Webhook.construct_event(payload, sig_header, secret), Adyen "
          "is_valid_hmac_notification per item, Braintree webhook_notification.parse, PayPal "
          "WebhookEvent.verify, others an HMAC of the body compared with "
          "hmac.compare_digest.", H, "CWE-345"),
    _rule("signature-timing-compare", "Signature compared with == or !=",
          "== stops at the first differing byte, so response times reveal how much of a "
          "forged signature is right. Compare with hmac.compare_digest(a, b).", H, "CWE-208"),
    _rule("card-data-logged", "Card data passed to a logger",
          "Logs are shipped, indexed and kept far outside the PCI DSS cardholder-data "
          "environment (requirements 3.3/3.4). Log a token or the last four digits, never "
          "the PAN, CVV or track data.", H, "CWE-532"),
    _rule("raw-sql-payment-table", "Raw SQL on a payment table",
          "Raw SQL on payments, transactions, ledger or refunds bypasses the model layer's "
          "validation, audit log and state machine. Use the payment service/ORM, or have the "
          "query reviewed and covered by a signed approval.", M, "CWE-284"),
    _rule("debug-enabled", "Debug mode enabled",
          "Django/Flask debug pages show settings, secrets and stack traces to anyone who "
          "triggers an error. Read DEBUG from the environment, defaulting to False.",
          H, "CWE-489"),
    _rule("idempotency-key-missing", "Provider money call without an idempotency key",
          "A retry after a timeout or network error creates a second charge, refund or payout. "
          "Pass idempotency_key (StripeClient: options={'idempotency_key': ...}) derived from "
          "your own order or payment id.", M, "CWE-837"),
    _rule("pan-column-unprotected", "Card number stored in a plain ORM column",
          "A database dump, backup or replica exposes every card; PCI DSS 4.0 req. 3.5.1 wants "
          "the PAN unreadable wherever stored. Store the processor's token or the last four "
          "digits, or use an encrypted/tokenised column type.", H, "CWE-311"),
    _rule("request-body-logged", "Payment route logs the request body",
          "Request bodies of payment routes carry card, bank and personal data; logs live "
          "outside the PCI DSS scope. Log the ids you need (payment id, order id, event type), "
          "never the body or the parsed payload.", H, "CWE-532"),
    _rule("csrf-exempt-payment-view", "CSRF protection disabled on a payment view",
          "Another site can make a logged-in customer's browser submit a payment or refund. "
          "Remove @csrf_exempt; only webhook endpoints that verify the provider's signature "
          "may be exempt.", H, "CWE-352"),
)  # fmt: skip

BUNDLED_IDS = frozenset(r.name for r in BUNDLED)
# Proof rules (policies/semgrep/proofs.yaml): only these may drop another engine's results; a
# local rule file declaring `release-gates: proves-safe` is refused (it would silence bandit).
BUNDLED_PROOFS = frozenset({"sast.proof-sql-bound-parameters"})
