"""The pii gate: proves no card number, IBAN, national id or personal contact data is committed in
clear, and that no PII field is passed to a log call.

Rules: pii.pan (critical: Luhn-valid card numbers in an issuer range, plain or grouped with spaces
or dashes), pii.pan-test (low: public test card numbers of Stripe, Braintree, Adyen and PayPal,
testcards.py; not reported in test paths), pii.iban (high: registered country length and mod-97),
pii.ssn (high: US SSN structure; plain nine digits only next to 'SSN'), pii.<kind> (high: national
ids with their checksums, national_ids.py: uk-nino, ca-sin, br-cpf, br-cnpj, in-aadhaar, in-pan,
es-dni, es-nie, it-codice-fiscale, nl-bsn, fr-nir, de-tax-id, au-tfn, sg-nric, mx-curp; their
digit-only forms only after a keyword), pii.email and pii.phone (medium: in fixture/data paths),
pii.field-name (medium: PII-named fields with literal values in fixture/data paths), pii.log-field
(high: PII fields flowing into stdlib logging or structlog calls, found with `ast`), pii.unparsed
(low: a Python file its log rule could not read), and pii.custom.<id> (policy patterns).

Config keys (policy `gates: pii:`): test_paths, allow_test_cards_in, national_id_keywords,
fixture_paths, extra_field_names, log_sanitizers, extra_patterns (see schema.py). Every value is
masked in findings (`4111 11•• •••• 1111`; a national id: its last 4 characters) and fingerprinted
with the keyed hash; `# gates: allow pii` comments are recorded as suppression requests and never
remove a finding.

Coverage: binary files are scanned in their printable strings (ASCII/UTF-8 and UTF-16LE runs; a
finding names its byte offset) and files over `max_file_bytes` are streamed in overlapping chunks
(rawscan.py); in those only values are looked for, not field names or log calls.

This module stays import-light: the scanner, re2 and ast machinery load when the gate runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.pii import rules
from gates.checks.pii.schema import CONFIG_SCHEMA
from gates.model import Finding
from gates.registry import GateContext, GateSpec


def _run(ctx: GateContext) -> Iterable[Finding]:
    from gates.checks.pii.gate import run  # lazy: keeps `gates list` fast

    return run(ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    from gates.checks.pii import config as pii_config

    pii_config.parse(config, source=source)


GATE = GateSpec(
    id="pii",
    summary="Card numbers, IBANs, SSNs, national ids and personal data in clear, and PII fields "
    "in log calls.",
    config_schema=CONFIG_SCHEMA,
    rules=rules.ALL,
    run=_run,
    default_timeout_s=300,
    check_config=_check,
    reads_raw=True,  # printable strings of binaries, large files streamed
    in_process=True,  # no tools, no state: a one-file run skips the worker (runner._runs_here)
)
