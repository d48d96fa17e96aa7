"""Tax rules: the tax a payment should carry in its country, computed exactly in portable SQL.

Policy (`gates: reconcile: tax:`), per ISO country or region name (`regions`):
`{rate: "19%", inclusive: true, rounding: half_up, tolerance: 0}`. The rate is a percentage as
decimal text (at most 6 fraction digits, 0% to 100%); `inclusive: true` means the amount already
contains the tax (tax = amount * rate / (100% + rate)), `false` that tax is added on top
(tax = amount * rate); `rounding` rounds the exact quotient to the currency's minor unit:
`half_up` (.5 away from zero), `half_even` (.5 to the even neighbour), `down` (toward zero), `up`
(away from zero) — Python's decimal ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_UP, so a
refund's tax is the negative of the sale's. `tolerance`: largest difference in minor units that is
not a mismatch (default 0).

The SQL never divides anything but non-negative BIGINTs by a positive constant, and never builds a
product beyond BIGINT range: with the rate scaled to an integer R and the divisor D (R <= D),
|amount| * R / D = q * R + (r * R) / D for q, r = divmod(|amount|, D), where q * R <= |amount|
and r * R < D * R < 2 * 10^16. The remainder (r * R) mod D decides the rounding by comparison
only, so DuckDB, PostgreSQL and Spark give the same integer whatever their DECIMAL rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, assert_never

from gates.checks.reconcile.sources import quote_literal

RATE_DIGITS = 6  # fraction digits of a percentage
RATE_SCALE: int = 10**RATE_DIGITS
HUNDRED = 100 * RATE_SCALE  # 100% as a scaled rate
_RATE = re.compile(r"^([0-9]{1,3})(?:[.]([0-9]{1,6}))?%$")
RULE_KEYS = frozenset({"rate", "inclusive", "rounding", "tolerance"})


class Rounding(StrEnum):
    HALF_UP = "half_up"  # .5 away from zero
    HALF_EVEN = "half_even"  # .5 to the even neighbour
    DOWN = "down"  # toward zero
    UP = "up"  # away from zero


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class TaxRule:
    scaled: int  # the rate in percent times RATE_SCALE: "19%" -> 19_000_000
    inclusive: bool
    rounding: Rounding
    tolerance: int  # minor units

    @property
    def divisor(self) -> int:
        return HUNDRED + self.scaled if self.inclusive else HUNDRED

    def label(self) -> str:
        whole, frac = divmod(self.scaled, RATE_SCALE)
        rate = f"{whole}.{frac:0{RATE_DIGITS}d}".rstrip("0").rstrip(".")
        kind = "inclusive" if self.inclusive else "exclusive"
        return f"{rate}% {kind}, {self.rounding.value}"


def parse_rule(spec: object, path: str, bad: Any) -> TaxRule:
    """One rule from its policy mapping; `bad(path, problem, fix)` builds the InvalidInput."""
    if not isinstance(spec, Mapping):
        raise bad(path, "expected a mapping", 'write {rate: "19%", inclusive: true, ...}')
    extra = sorted(set(spec) - RULE_KEYS)
    if extra:
        raise bad(f"{path}.{extra[0]}", "unknown key", "use rate, inclusive, rounding, tolerance")
    for key in ("rate", "inclusive", "rounding"):
        if key not in spec:
            raise bad(
                path,
                f"a tax rule needs {key}",
                'write {rate: "19%", inclusive: true, rounding: half_up}',
            )
    rate = spec["rate"]
    m = _RATE.match(rate) if isinstance(rate, str) else None
    scaled = (
        int(m.group(1)) * RATE_SCALE + int((m.group(2) or "").ljust(RATE_DIGITS, "0")) if m else -1
    )
    if not 0 <= scaled <= HUNDRED:
        raise bad(
            f"{path}.rate",
            f"expected a percentage from 0% to 100% as text, got {rate!r}",
            'write rate: "19%" (quoted; up to 6 decimals, e.g. "8.875%")',
        )
    inclusive = spec["inclusive"]
    if not isinstance(inclusive, bool):
        raise bad(
            f"{path}.inclusive",
            f"expected true or false, got {inclusive!r}",
            "write inclusive: true when amounts include the tax",
        )
    try:
        rounding = Rounding(str(spec["rounding"]))
    except ValueError:
        raise bad(
            f"{path}.rounding",
            f"unknown rounding {spec['rounding']!r}",
            f"use one of: {', '.join(r.value for r in Rounding)}",
        ) from None
    tolerance = spec.get("tolerance", 0)
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance < 0:
        raise bad(
            f"{path}.tolerance",
            f"expected whole minor units >= 0, got {tolerance!r}",
            "write tolerance: 0",
        )
    return TaxRule(scaled=scaled, inclusive=inclusive, rounding=rounding, tolerance=tolerance)


def _mode_code(rounding: Rounding) -> int:
    match rounding:
        case Rounding.HALF_UP:
            return 0
        case Rounding.HALF_EVEN:
            return 1
        case Rounding.DOWN:
            return 2
        case Rounding.UP:
            return 3
        case _:
            assert_never(rounding)


def with_expected_tax(inner: str, rules: tuple[tuple[str, TaxRule], ...]) -> str:
    """Wrap `inner` (a SELECT with `country` and `amt` in minor units) adding `tax_rule` (NULL:
    the country has no rule), `tax_label`, `tax_tol` and `exp_tax` (NULL without an amount)."""
    distinct = sorted({r for _, r in rules})
    index = {r: i for i, r in enumerate(distinct)}

    def per_rule(values: list[str]) -> str:
        whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
        return f"CASE tax_rule {whens} END"

    rule_of = " ".join(f"WHEN {quote_literal(c)} THEN {index[r]}" for c, r in rules)
    step1 = f"SELECT *, CASE country {rule_of} END AS tax_rule FROM ({inner}) AS t0"  # noqa: S608 - literals escaped
    step2 = (
        f"SELECT *, {per_rule([str(r.scaled) for r in distinct])} AS t_num, "  # noqa: S608 - literals escaped
        f"{per_rule([str(r.divisor) for r in distinct])} AS t_den, "
        f"{per_rule([str(_mode_code(r.rounding)) for r in distinct])} AS t_mode, "
        f"{per_rule([str(r.tolerance) for r in distinct])} AS tax_tol, "
        f"{per_rule([quote_literal(r.label()) for r in distinct])} AS tax_label "
        f"FROM ({step1}) AS t1"
    )
    # q * R + (r * R) // D, and the remainder (r * R) % D, on |amt| (see the module docstring).
    step3 = (
        "SELECT *, CAST(ABS(amt) // t_den AS BIGINT) * t_num "  # noqa: S608 - no user text
        "+ CAST(((ABS(amt) % t_den) * t_num) // t_den AS BIGINT) AS t_lo, "
        "CAST(((ABS(amt) % t_den) * t_num) % t_den AS BIGINT) AS t_fr "
        f"FROM ({step2}) AS t2"
    )
    up = (
        "CASE t_mode WHEN 0 THEN (CASE WHEN 2 * t_fr >= t_den THEN 1 ELSE 0 END) "
        "WHEN 1 THEN (CASE WHEN 2 * t_fr > t_den OR (2 * t_fr = t_den AND t_lo % 2 = 1) "
        "THEN 1 ELSE 0 END) "
        "WHEN 2 THEN 0 "
        "WHEN 3 THEN (CASE WHEN t_fr > 0 THEN 1 ELSE 0 END) END"
    )
    return (
        f"SELECT *, (CASE WHEN amt < 0 THEN -1 ELSE 1 END) * (t_lo + {up}) AS exp_tax "  # noqa: S608 - no user text
        f"FROM ({step3}) AS t3"
    )
