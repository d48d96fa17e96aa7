"""The secrets gate's rule ids: one per detect-secrets plugin (`secrets.<kind>`), why and fix.

A plugin that supersedes a built-in one keeps its rule id (`StripeKeyDetector` and
detect-secrets' `StripeDetector` are both `secrets.stripe-key`), so baselines and approvals
stay valid; `RULES` lists each rule once."""

from __future__ import annotations

from gates.checks.result_cache import rejected_rule
from gates.model import RuleInfo, Severity
from gates.record import record

_FIX = (
    "Remove it from the code and history, rotate it at the provider (assume it leaked), and read "
    "it at run time from the environment or a secret manager. If it is not a secret, get a "
    "signed approval: `# pragma: allowlist secret` is shown as a request but does not unblock."
)


@record
class Kind:
    plugin: str  # detect-secrets class name
    ds_type: str  # detect-secrets `secret_type`
    slug: str
    why: str
    severity: Severity = Severity.HIGH
    cwe: str = "CWE-798"


KINDS: tuple[Kind, ...] = (
    Kind(
        plugin="ArtifactoryDetector",
        ds_type="Artifactory Credentials",
        slug="artifactory",
        why="An Artifactory token lets anyone read or publish packages.",
    ),
    Kind(
        plugin="AWSKeyDetector",
        ds_type="AWS Access Key",
        slug="aws-key",
        why="An AWS access key grants whatever its IAM user may do, billed to you.",
    ),
    Kind(
        plugin="AzureStorageKeyDetector",
        ds_type="Azure Storage Account access key",
        slug="azure-storage-key",
        why="An Azure storage account key gives full access to the account's data.",
    ),
    Kind(
        plugin="Base64HighEntropyString",
        ds_type="Base64 High Entropy String",
        slug="base64-high-entropy",
        why="A random-looking quoted string is often a key or token.",
        severity=Severity.MEDIUM,
    ),
    Kind(
        plugin="BasicAuthDetector",
        ds_type="Basic Auth Credentials",
        slug="basic-auth",
        why="A URL with user:password embeds a credential in clear.",
    ),
    Kind(
        plugin="CloudantDetector",
        ds_type="Cloudant Credentials",
        slug="cloudant",
        why="Cloudant credentials open the database.",
    ),
    Kind(
        plugin="DiscordBotTokenDetector",
        ds_type="Discord Bot Token",
        slug="discord-bot-token",
        why="A Discord bot token controls the bot.",
    ),
    Kind(
        plugin="GitHubTokenDetector",
        ds_type="GitHub Token",
        slug="github-token",
        why="A GitHub token acts as its owner on repositories.",
    ),
    Kind(
        plugin="GitLabTokenDetector",
        ds_type="GitLab Token",
        slug="gitlab-token",
        why="A GitLab token acts as its owner on projects.",
    ),
    Kind(
        plugin="HexHighEntropyString",
        ds_type="Hex High Entropy String",
        slug="hex-high-entropy",
        why="A random-looking hex string is often a key, salt or token.",
        severity=Severity.MEDIUM,
    ),
    Kind(
        plugin="IbmCloudIamDetector",
        ds_type="IBM Cloud IAM Key",
        slug="ibm-cloud-iam",
        why="An IBM Cloud IAM key acts as its owner.",
    ),
    Kind(
        plugin="IbmCosHmacDetector",
        ds_type="IBM COS HMAC Credentials",
        slug="ibm-cos-hmac",
        why="IBM COS HMAC credentials open the object store.",
    ),
    Kind(
        plugin="IPPublicDetector",
        ds_type="Public IP (ipv4)",
        slug="public-ip",
        why="A hard-coded public IP can reveal infrastructure.",
        severity=Severity.LOW,
        cwe="CWE-200",
    ),
    Kind(
        plugin="JwtTokenDetector",
        ds_type="JSON Web Token",
        slug="jwt",
        why="A JWT is a bearer credential until it expires.",
    ),
    Kind(
        plugin="KeywordDetector",
        ds_type="Secret Keyword",
        slug="keyword",
        why="A value assigned to a password/secret/api_key name is usually a credential.",
    ),
    Kind(
        plugin="MailchimpDetector",
        ds_type="Mailchimp Access Key",
        slug="mailchimp-key",
        why="A Mailchimp key sends mail as you and reads your lists.",
    ),
    Kind(
        plugin="NpmDetector",
        ds_type="NPM tokens",
        slug="npm-token",
        why="An npm token can publish packages as you.",
    ),
    Kind(
        plugin="OpenAIDetector",
        ds_type="OpenAI Token",
        slug="openai-token",
        why="An OpenAI key is billed to its owner.",
    ),
    Kind(
        plugin="PrivateKeyDetector",
        ds_type="Private Key",
        slug="private-key",
        why="A private key block lets anyone sign or decrypt as its owner.",
        severity=Severity.CRITICAL,
        cwe="CWE-321",
    ),
    Kind(
        plugin="PypiTokenDetector",
        ds_type="PyPI Token",
        slug="pypi-token",
        why="A PyPI token can publish packages as you.",
    ),
    Kind(
        plugin="SendGridDetector",
        ds_type="SendGrid API Key",
        slug="sendgrid-key",
        why="A SendGrid key sends mail as you (phishing from your domain).",
    ),
    Kind(
        plugin="SlackDetector",
        ds_type="Slack Token",
        slug="slack-token",
        why="A Slack token or webhook posts and reads as the app.",
    ),
    Kind(
        plugin="SoftlayerDetector",
        ds_type="SoftLayer Credentials",
        slug="softlayer",
        why="SoftLayer credentials control the account.",
    ),
    Kind(
        plugin="SquareOAuthDetector",
        ds_type="Square OAuth Secret",
        slug="square-oauth",
        why="A Square OAuth secret moves money as the application.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="StripeDetector",
        ds_type="Stripe Access Key",
        slug="stripe-key",
        why="A live Stripe secret or restricted key can charge cards and issue refunds.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="TelegramBotTokenDetector",
        ds_type="Telegram Bot Token",
        slug="telegram-bot-token",
        why="A Telegram bot token controls the bot.",
    ),
    Kind(
        plugin="TwilioKeyDetector",
        ds_type="Twilio API Key",
        slug="twilio-key",
        why="A Twilio key sends SMS and calls billed to you (and OTP interception).",
    ),
    Kind(
        plugin="StripeKeyDetector",
        ds_type="Stripe Secret Key",
        slug="stripe-key",
        why="A live Stripe secret or restricted key can charge cards and issue refunds.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="StripeTestKeyDetector",
        ds_type="Stripe Test Key",
        slug="stripe-test-key",
        why="A Stripe test-mode key moves no money but reads the account's test data and marks "
        "where a live key will be put.",
        severity=Severity.LOW,
    ),
    Kind(
        plugin="StripeWebhookSecretDetector",
        ds_type="Stripe Webhook Secret",
        slug="stripe-webhook-secret",
        why="A Stripe webhook signing secret lets anyone forge payment events your service trusts.",
        severity=Severity.HIGH,
    ),
    Kind(
        plugin="AdyenApiKeyDetector",
        ds_type="Adyen API Key",
        slug="adyen-api-key",
        why="An Adyen API key makes payments, refunds and payouts as the merchant account.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="AdyenHmacKeyDetector",
        ds_type="Adyen HMAC Key",
        slug="adyen-hmac-key",
        why="An Adyen HMAC key lets anyone forge notifications (payment authorised) you accept.",
        severity=Severity.HIGH,
    ),
    Kind(
        plugin="BraintreeAccessTokenDetector",
        ds_type="Braintree Access Token",
        slug="braintree-access-token",
        why="A Braintree (PayPal SDK) production access token transacts as the merchant.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="BraintreePrivateKeyDetector",
        ds_type="Braintree Private Key",
        slug="braintree-private-key",
        why="A Braintree private key, with its public key, charges and refunds as the merchant.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="PaypalAccessTokenDetector",
        ds_type="PayPal Access Token",
        slug="paypal-access-token",
        why="A PayPal OAuth access token calls the REST API as the merchant until it expires.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="PaypalClientSecretDetector",
        ds_type="PayPal Client Secret",
        slug="paypal-client-secret",
        why="A PayPal client secret mints access tokens for the merchant's REST app.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="SquareAccessTokenDetector",
        ds_type="Square Access Token",
        slug="square-access-token",
        why="A Square access token takes payments and refunds as the seller.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="CheckoutSecretKeyDetector",
        ds_type="Checkout.com Secret Key",
        slug="checkout-secret-key",
        why="A Checkout.com secret key makes payments, refunds and payouts as the merchant.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="CheckoutSandboxKeyDetector",
        ds_type="Checkout.com Sandbox Key",
        slug="checkout-sandbox-key",
        why="A Checkout.com sandbox key moves no money but opens the sandbox account.",
        severity=Severity.LOW,
    ),
    Kind(
        plugin="GoCardlessAccessTokenDetector",
        ds_type="GoCardless Access Token",
        slug="gocardless-access-token",
        why="A GoCardless live token collects Direct Debit payments and reads mandates (bank "
        "details).",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="PlaidSecretDetector",
        ds_type="Plaid Secret",
        slug="plaid-secret",
        why="A Plaid secret or production access token reads customers' bank accounts.",
        severity=Severity.CRITICAL,
    ),
    Kind(
        plugin="TwilioApiKeyDetector",
        ds_type="Twilio API Key SID",
        slug="twilio-key",
        why="A Twilio key sends SMS and calls billed to you (and OTP interception).",
    ),
    Kind(
        plugin="TwilioAuthTokenDetector",
        ds_type="Twilio Auth Token",
        slug="twilio-auth-token",
        why="A Twilio auth token controls the whole account (SMS, calls, OTP interception).",
        severity=Severity.CRITICAL,
    ),
)

BY_TYPE = {k.ds_type: k for k in KINDS}
# detect-secrets' built-in secret types whose plugins ours supersede (config._NOT_BY_DEFAULT):
# a `.secrets.baseline` entry of the old type is the same secret under our type.
SUPERSEDED_TYPES = {
    "Stripe Access Key": "Stripe Secret Key",
    "Twilio API Key": "Twilio API Key SID",
}


def rule_id(kind: Kind) -> str:
    return f"secrets.{kind.slug}"


def _first_per_slug() -> tuple[Kind, ...]:
    """One kind per rule id: the last listed wins (our plugin over the built-in it supersedes)."""
    by_slug = {k.slug: k for k in KINDS}
    return tuple(sorted(by_slug.values(), key=lambda k: k.slug))


RULES: tuple[RuleInfo, ...] = (
    *(
        RuleInfo(
            id=rule_id(k),
            name=k.slug,
            summary=f"{k.ds_type} in the code",
            help=f"{k.why} {_FIX}",
            default_severity=k.severity,
            tags=(k.cwe,),
        )
        for k in _first_per_slug()
    ),
    rejected_rule("secrets"),
)
