"""Demo: settings of a small checkout service, with two mistakes the gates catch."""

import os

DEBUG = True  # sast.debug-enabled

ALLOWED_HOSTS = ["checkout.example.com"]

# secrets.stripe-key: a live-looking Stripe secret key committed to the repository.
STRIPE_SECRET_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # Stripe's published example shape

# Not findings: read at run time, or an obvious placeholder.
STRIPE_WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
SENTRY_DSN = "${SENTRY_DSN}"
