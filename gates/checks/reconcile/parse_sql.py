"""Row parsing in SQL: raw source columns to canonical typed values, and why a row is unreadable.

Builds the SELECT behind `rg_ev_parsed` / `rg_rp_parsed` for the plan, in the DuckDB dialect and
portable through sqlglot: every cast is guarded by a regex that fully validates the text, so no
engine (PostgreSQL has no TRY_CAST) can fail a run on one bad value.
"""

from __future__ import annotations

from collections.abc import Iterable

from gates.checks.reconcile.config import AmountFormat, ColumnMap, ReconcileConfig
from gates.checks.reconcile.model import ColumnType, Side, SourceSchema
from gates.checks.reconcile.sources import (
    ERROR_COLUMN,
    REF_COLUMN,
    quote_ident,
    quote_literal,
)
from gates.errors import InvalidInput


def _lit(value: str) -> str:
    return quote_literal(value)


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


# The regex is the whole validation (every engine may then cast without failing: PostgreSQL has
# no TRY_CAST): real months, days per month (29 February only in leap years), hours 00-23.
_DATE = (
    "([0-9]{4}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|[0-9]{4}-(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|[0-9]{4}-02-(0[1-9]|1[0-9]|2[0-8])"
    "|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"
)
_TIME = "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?"
_ZONE = "(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?"
_ISO_TIME = f"^{_DATE}{_TIME}{_ZONE}$"
_INT_TEXT = r"^-?[0-9]{1,18}$"


def _col(
    cmap: ColumnMap, schema: SourceSchema, canonical: str, file: str
) -> tuple[str, ColumnType] | None:
    raw = cmap.raw(canonical)
    if raw is None:
        return None
    typ = schema.type_of(raw)
    if typ is None:
        have = (
            ", ".join(c for c, _ in schema.columns if c not in (ERROR_COLUMN, REF_COLUMN))
            or "(none)"
        )
        raise InvalidInput(
            file,
            f"$.gates.reconcile.columns.{cmap.side.value}.{canonical}",
            f"the {cmap.side.value} source has no column {raw!r} (it has: {have})",
            "map the column to one the source has",
        )
    return quote_ident(raw), typ


def _trim(expr: str) -> str:
    """TRIM(expr), trimming only the values that need it: most have no edge spaces, and the two
    LIKE tests are far cheaper than building a trimmed copy of every value (TRIM removes spaces
    only, so the value is the same either way)."""
    return f"CASE WHEN {expr} LIKE ' %' OR {expr} LIKE '% ' THEN TRIM({expr}) ELSE {expr} END"


def _text(expr: str, typ: ColumnType) -> str:
    inner = expr if typ is ColumnType.STRING else f"CAST({expr} AS VARCHAR)"
    return f"NULLIF({_trim(inner)}, '')"


def _time(expr: str, typ: ColumnType, where: str) -> str:
    match typ:
        case ColumnType.TIMESTAMP:
            return f"CAST({expr} AS TIMESTAMP)"
        case ColumnType.DATE:
            return f"CAST({expr} AS TIMESTAMP)"
        case ColumnType.STRING:
            t = _trim(expr)
            return (
                f"CASE WHEN REGEXP_MATCHES({t}, {_lit(_ISO_TIME)}) "
                f"THEN CAST(CAST({t} AS TIMESTAMPTZ) AS TIMESTAMP) END"
            )
        case _:
            raise InvalidInput(
                where,
                "type",
                f"a {typ.value} column cannot hold times",
                "store RFC 3339 text or a timestamp",
            )


def _integer(expr: str, typ: ColumnType, where: str) -> str:
    match typ:
        case ColumnType.INTEGER:
            return f"CAST({expr} AS BIGINT)"
        case ColumnType.DECIMAL:
            return f"CASE WHEN {expr} = FLOOR({expr}) THEN CAST({expr} AS BIGINT) END"
        case ColumnType.STRING:
            t = _trim(expr)
            return f"CASE WHEN REGEXP_MATCHES({t}, {_lit(_INT_TEXT)}) THEN CAST({t} AS BIGINT) END"
        case _:
            raise InvalidInput(
                where,
                "type",
                f"a {typ.value} column cannot hold whole numbers",
                "store integers or their text",
            )


def _exponent(cur: str, exponents: tuple[tuple[str, int], ...]) -> str:
    if not exponents:
        return "2"
    whens = " ".join(f"WHEN {_lit(c)} THEN {e}" for c, e in exponents)
    return f"CASE {cur} {whens} ELSE 2 END"


def _amount(
    expr: str, typ: ColumnType, fmt: AmountFormat, cur: str, cfg: ReconcileConfig, where: str
) -> str:
    if typ is ColumnType.FLOAT:
        raise InvalidInput(
            where,
            "type",
            "the amount column is floating point, which cannot hold money exactly",
            "store minor units as integers or amounts as decimal text",
        )
    if fmt is AmountFormat.MINOR_UNITS:
        return _integer(expr, typ, where)
    exps = sorted({e for _, e in cfg.exponents} | {2})
    exp = _exponent(cur, cfg.exponents)
    if typ is ColumnType.STRING:
        t = _trim(expr)
        checks = " ".join(
            f"WHEN {e} THEN REGEXP_MATCHES({t}, {_lit(_decimal_re(e))})" for e in exps
        )
        values = " ".join(
            f"WHEN {e} THEN CAST(CAST({t} AS DECIMAL(38, 4)) * {10**e} AS BIGINT)" for e in exps
        )
        return f"CASE WHEN (CASE {exp} {checks} END) THEN CASE {exp} {values} END END"
    if typ in (ColumnType.INTEGER, ColumnType.DECIMAL):
        scaled = " ".join(f"WHEN {e} THEN CAST({expr} AS DECIMAL(38, 4)) * {10**e}" for e in exps)
        v = f"(CASE {exp} {scaled} END)"
        return f"CASE WHEN {v} = FLOOR({v}) THEN CAST({v} AS BIGINT) END"
    raise InvalidInput(
        where, "type", f"a {typ.value} column cannot hold amounts", "store decimal text"
    )


def _decimal_re(exp: int) -> str:
    frac = r"([.]0*)?" if exp == 0 else rf"([.][0-9]{{0,{exp}}}0*)?"
    return rf"^-?[0-9]{{1,14}}{frac}$"


def type_code(etype: str, cfg: ReconcileConfig) -> str:
    """The event type as its index in the policy's sorted transitions (NULL when unknown): the
    replay sorts and compares small integers instead of text, the same way on every engine
    whatever its collation."""
    whens = " ".join(
        f"WHEN {_lit(t.event_type)} THEN {i}" for i, t in enumerate(cfg.machine.transitions)
    )
    return f"CAST(CASE {etype} {whens} END AS SMALLINT)"


def ip_text(cmap: ColumnMap, schema: SourceSchema, file: str) -> str | None:
    """The side's IP address as the plan reads it (trimmed text, NULL when empty)."""
    v = _col(cmap, schema, "ip", file)
    return None if v is None else _text(*v)


def uses_ip(cmap: ColumnMap, cfg: ReconcileConfig) -> bool:
    return cfg.ip_database is not None and cmap.has("ip")


def parsed_select(
    side: Side, cmap: ColumnMap, schema: SourceSchema, cfg: ReconcileConfig, file: str, raw_rel: str
) -> str:
    """SELECT for rg_ev_parsed / rg_rp_parsed: canonical typed columns plus `err`."""
    where = f"{file}: {side.value} source"
    col = {c: v for c in (n for n, _ in cmap.mapping) if (v := _col(cmap, schema, c, file))}

    def text(canonical: str) -> str:
        v = col.get(canonical)
        return _text(*v) if v is not None else "CAST(NULL AS VARCHAR)"

    def present(canonical: str) -> str:
        v = col.get(canonical)
        if v is None:
            return "FALSE"
        return (
            f"{text(canonical)} IS NOT NULL" if v[1] is ColumnType.STRING else f"{v[0]} IS NOT NULL"
        )

    inner = [
        f"{text('payment_id')} AS pid",
        f"UPPER({text('currency')}) AS cur",
        f"UPPER({text('country')}) AS country",
        f"{text('region')} AS region",
        f"{present('amount')} AS has_amt",
    ]
    amount = col.get("amount")
    cur_expr = f"UPPER({text('currency')})"
    inner.append(
        f"{_amount(amount[0], amount[1], cmap.amount_format, cur_expr, cfg, where)} AS amt"
        if amount is not None
        else "CAST(NULL AS BIGINT) AS amt"
    )
    err = ERROR_COLUMN if schema.type_of(ERROR_COLUMN) is not None else "CAST(NULL AS VARCHAR)"
    inner.append(f"{err} AS src_err")
    ref = REF_COLUMN if schema.type_of(REF_COLUMN) is not None else "CAST(NULL AS VARCHAR)"
    inner.append(f"{ref} AS src_ref")
    checks = ["WHEN src_err IS NOT NULL THEN src_err", "WHEN pid IS NULL THEN 'missing payment id'"]
    if side is Side.EVENTS:
        types = _in_list(t.event_type for t in cfg.machine.transitions)
        occurred = col["occurred_at"]
        seq = col.get("sequence")
        inner += [
            f"{text('event_type')} AS etype",
            f"{type_code(text('event_type'), cfg)} AS etc",
            f"{_time(occurred[0], occurred[1], where)} AS ts",
            f"{_integer(seq[0], seq[1], where) if seq else 'CAST(NULL AS BIGINT)'} AS seq",
            f"{text('event_id')} AS eid",
        ]
        checks += [
            "WHEN etype IS NULL THEN 'missing event type'",
            f"WHEN etype NOT IN {types} THEN 'unknown event type'",
            "WHEN ts IS NULL THEN 'bad timestamp'",
        ]
        if seq is not None:
            checks.append("WHEN seq IS NULL THEN 'bad sequence'")
        if cmap.has("event_id"):
            checks.append("WHEN eid IS NULL THEN 'missing event id'")
    else:
        upd = col.get("updated_at")
        inner += [
            f"LOWER({text('status')}) AS status",
            f"{_time(upd[0], upd[1], where) if upd else 'CAST(NULL AS TIMESTAMP)'} AS ts",
            f"{present('updated_at')} AS has_ts",
            f"{present('tax')} AS has_tax",
        ]
        tax = col.get("tax")
        inner.append(
            f"{_amount(tax[0], tax[1], cmap.amount_format, cur_expr, cfg, where)} AS tax"
            if tax is not None
            else "CAST(NULL AS BIGINT) AS tax"
        )
        checks.append("WHEN status IS NULL THEN 'missing status'")
        if upd is not None:
            checks.append("WHEN ts IS NULL AND has_ts THEN 'bad timestamp'")
    if amount is not None:
        checks.append("WHEN has_amt AND amt IS NULL THEN 'bad amount'")
    if side is Side.REPORT and cmap.has("tax"):
        checks.append("WHEN has_tax AND tax IS NULL THEN 'bad tax'")
    if cmap.has("currency"):
        checks.append(
            "WHEN cur IS NOT NULL AND NOT REGEXP_MATCHES(cur, '^[A-Z]{3}$') THEN 'bad currency'"
        )
    rows = f"SELECT {', '.join(inner)} FROM {raw_rel}"  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
    if uses_ip(cmap, cfg):
        # The country of each address comes from the ip_map relation (geoip.py).
        inner.append(f"{text('ip')} AS ip")
        rows = (
            f"SELECT r0.*, g.ip_country, g.ip_valid FROM (SELECT {', '.join(inner)} "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
            f"FROM {raw_rel}) AS r0 LEFT JOIN ip_map AS g ON r0.ip = g.ip_text"
        )
        checks.append("WHEN ip IS NOT NULL AND NOT COALESCE(ip_valid, TRUE) THEN 'bad ip'")
    return f"SELECT *, CASE {' '.join(checks)} END AS err FROM ({rows}) AS r"  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
