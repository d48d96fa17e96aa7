"""The reconcile plan: every discrepancy check written once, as SQL, for every engine.

The SQL is built in the DuckDB dialect from the policy and the sources' column types, and
transpiled by sqlglot for PostgreSQL and Spark (`Plan.sql_for`). Inputs are the relations
`events_raw` and `report_raw` (raw column names); the steps produce:

- `rg_ev_parsed`  every event row, canonical columns parsed, `err` = why it is unreadable (or NULL),
               `etc` = the event type's code (parse_sql.type_code);
- `rg_rp_parsed`  the same for report rows;
- `rg_ev_pay`     one row per payment with readable events: replay counters, final event type,
               first event's amount/currency/country, first and last event time;
- `rg_rp_pay`     one row per payment id in the report (`copies` > 1 means ambiguous);
- `rg_pay`        the full outer join of both, with the derived final state;
- `rg_bad_parsed` one row per row of either side its parsing found unreadable;
- `rg_pay`        also `tainted`: the payment has an unreadable row (judged only as unreadable);
- `rg_bad_rows`   one row per unreadable row of either side (plus each copy of an ambiguous one);
- `rg_disc`       one row per (class, payment) discrepancy, plus one per unreadable row.

The two parsed relations are views, not tables: reading a source twice (the replay, then the
unreadable rows) costs less time than holding every parsed row, and far less memory.

Outputs (name: columns) read by results.assemble:
`classes: (class, count)`, `amounts: (class, currency, amount)`, `samples: (class, sample, pid)`,
`unreadable: (side, reason, count)`, `unreadable_examples: (side, reason, example, pid, eid)`,
`timeline: (day, class, count)`, `geo: (country, class, count)`,
`audit_counts: (payments, events, report_rows)`, `audit_amounts: (currency, amount)`,
`audit_states: (state, count)`.
`discrepancies` streams DISCREPANCY_COLUMNS ordered by class and payment id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.model import DiscrepancyClass, Side, SourceSchema
from gates.checks.reconcile.parse_sql import parsed_select, uses_ip
from gates.checks.reconcile.sources import REF_COLUMN, quote_literal
from gates.checks.reconcile.tax import with_expected_tax
from gates.record import record

DISCREPANCY_COLUMNS = ("class", "payment_id", "detail", "currency", "amount", "country", "day")
CLASS_ORDER = {c: i for i, c in enumerate(DiscrepancyClass)}
LISTED_PER_CLASS = 1000  # samples per class kept for the HTML report (the first sample_size: JSON)


@record
class Step:
    name: str
    sql: str  # a SELECT
    materialize: bool  # True: temp table (read more than once / expensive); False: a view


@record
class Plan:
    dialect: str
    steps: tuple[Step, ...]
    outputs: tuple[tuple[str, str], ...]
    discrepancies: str
    sample_size: int
    statuses: tuple[tuple[str, str], ...]  # final state -> the reporting status shown in audit
    evaluated: frozenset[DiscrepancyClass]  # classes the mapped columns allow to check

    def output(self, name: str) -> str:
        return next(sql for n, sql in self.outputs if n == name)

    def sql_for(self, dialect: str) -> Plan:
        """The same plan in another sqlglot dialect ("postgres", "spark"); "duckdb" is as built."""
        if dialect == self.dialect:
            return self
        return self.map_sql(lambda sql: transpile(sql, self.dialect, dialect), dialect)

    def map_sql(self, fn: Callable[[str], str], dialect: str) -> Plan:
        return replace(
            self,
            dialect=dialect,
            steps=tuple(replace(s, sql=fn(s.sql)) for s in self.steps),
            outputs=tuple((n, fn(q)) for n, q in self.outputs),
            discrepancies=fn(self.discrepancies),
        )


def transpile(sql: str, read: str, write: str) -> str:
    import sqlglot

    out = sqlglot.transpile(sql, read=read, write=write, unsupported_level=sqlglot.ErrorLevel.RAISE)
    if len(out) != 1:
        raise AssertionError("one statement in, one out")
    return out[0]


def _lit(value: str) -> str:
    return quote_literal(value)


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _by_code(code: str, values: Iterable[str]) -> str:
    """CASE mapping an event type code (see parse_sql.type_code) to the i-th value; NULL else."""
    whens = " ".join(f"WHEN {i} THEN {_lit(v)}" for i, v in enumerate(values))
    return f"CASE {code} {whens} END"


def _state_of(code: str, cfg: ReconcileConfig) -> str:
    """The state an event type code leads to; NULL for NULL."""
    return _by_code(code, (t.target for t in cfg.machine.transitions))


def _type_name(code: str, cfg: ReconcileConfig) -> str:
    return _by_code(code, (t.event_type for t in cfg.machine.transitions))


def _allowed(prev_code: str, code: str, cfg: ReconcileConfig) -> str:
    """TRUE when event `code` may follow event `prev_code` (NULL: the payment's first event).

    Resolved here, per pair of event types, so the replay compares integers, not state names;
    -1 stands for the initial state, and the result is never NULL."""
    transitions = cfg.machine.transitions
    whens = []
    for i, t in enumerate(transitions):
        after = [j for j, p in enumerate(transitions) if p.target in t.sources]
        after += [-1] if cfg.machine.initial in t.sources else []
        test = f"COALESCE({prev_code}, -1) IN ({', '.join(map(str, after))})" if after else "FALSE"
        whens.append(f"WHEN {i} THEN {test}")
    return f"(CASE {code} {' '.join(whens)} ELSE FALSE END)"


def _geo_ok(country: str, value: str, rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """TRUE when `value` is allowed for `country` (countries without a rule allow anything)."""
    if not rules:
        return "TRUE"
    whens = " ".join(f"WHEN {_lit(c)} THEN {value} IN {_in_list(vals)}" for c, vals in rules)
    return f"(CASE {country} {whens} ELSE TRUE END)"


MASK_BITS = 62  # allowed-region sets per mask column: bits of a BIGINT, sign bit unused


def _region_sets(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, ...]]:
    """The distinct allowed-region sets, in the order that numbers the mask bits."""
    return sorted({vals for _, vals in rules})


def _region_masks(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """Per event row, which of the policy's allowed-region sets its region falls outside of.

    Bit k of mask column k // MASK_BITS is set when the region is not NULL and not in the k-th
    distinct set. Computed before the replay's sort, so rows carry one integer there instead of
    the region's text, and a payment's verdict needs only BIT_OR of its rows (see _region_bad)."""
    sets = _region_sets(rules)
    masks = []
    for start in range(0, len(sets), MASK_BITS):
        bits = " + ".join(
            f"CASE WHEN region IN {_in_list(vals)} THEN 0 ELSE {1 << (k - start)} END"
            for k, vals in enumerate(sets[start : start + MASK_BITS], start)
        )
        masks.append(f"CASE WHEN region IS NULL THEN 0 ELSE {bits} END")
    return masks


def _region_bad(country: str, rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """TRUE when some event's region is outside the set allowed for `country` (the payment's
    first event's); FALSE for countries without a rule and payments without events."""
    sets = _region_sets(rules)
    whens = []
    for c, vals in rules:
        k = sets.index(vals)
        whens.append(f"WHEN {_lit(c)} THEN (rmask{k // MASK_BITS} & {1 << (k % MASK_BITS)}) <> 0")
    if not whens:
        return "FALSE"
    return f"COALESCE(CASE {country} {' '.join(whens)} ELSE FALSE END, FALSE)"


def _ip_columns(ev_ip: bool, rp_ip: bool) -> str:
    """The payment's address and its country: its first event's, else its report row's."""
    if ev_ip and rp_ip:
        return (
            "CASE WHEN e.ip IS NOT NULL THEN e.ip ELSE r.ip END AS ip, "
            "CASE WHEN e.ip IS NOT NULL THEN e.ip_country ELSE r.ip_country END AS ip_country, "
        )
    if ev_ip or rp_ip:
        side = "e" if ev_ip else "r"
        return f"{side}.ip AS ip, {side}.ip_country AS ip_country, "
    return ""


def _cited(pid: str) -> str:
    """A payment's sample: its id, and the source rows behind it when the sources can say
    (`p1 (at events t[0]@4 to t[0]@6, report ...)`); just the id otherwise."""
    ev = (
        "'events ' || ev_ref_first || COALESCE(CASE WHEN ev_ref_last <> ev_ref_first "
        "THEN ' to ' || ev_ref_last END, '')"
    )
    rp = "'report ' || rp_ref"
    refs = f"COALESCE({ev} || COALESCE(', ' || {rp}, ''), {rp})"
    return f"{pid} || COALESCE(' (at ' || {refs} || ')', '')"


def evaluated_classes(cfg: ReconcileConfig) -> frozenset[DiscrepancyClass]:
    """The classes the mapped columns and the policy allow to check."""
    out = {
        DiscrepancyClass.STATUS_MISMATCH,
        DiscrepancyClass.MISSING_IN_REPORT,
        DiscrepancyClass.MISSING_EVENTS,
        DiscrepancyClass.ILLEGAL_TRANSITION,
        DiscrepancyClass.DUPLICATE_EVENT,
        DiscrepancyClass.STUCK,
        DiscrepancyClass.UNREADABLE,
    }
    if cfg.events.has("amount") and cfg.report.has("amount"):
        out.add(DiscrepancyClass.AMOUNT_MISMATCH)
    if cfg.events.has("currency") and cfg.report.has("currency"):
        out.add(DiscrepancyClass.CURRENCY_MISMATCH)
    if cfg.events.has("sequence"):
        out.add(DiscrepancyClass.OUT_OF_ORDER)
    if cfg.geo_currencies:
        out.add(DiscrepancyClass.GEO_CURRENCY)
    if cfg.geo_residency:
        out.add(DiscrepancyClass.GEO_RESIDENCY)
    if cfg.tax and cfg.report.has("tax"):
        out.add(DiscrepancyClass.TAX_MISMATCH)
    if uses_ip(cfg.events, cfg) or uses_ip(cfg.report, cfg):
        out |= {DiscrepancyClass.GEO_IP_MISMATCH, DiscrepancyClass.GEO_UNKNOWN_IP}
    return frozenset(out)


def build_plan(
    cfg: ReconcileConfig,
    events: SourceSchema,
    report: SourceSchema,
    *,
    as_of: datetime,
    file: str = "policy",
) -> Plan:
    """The plan for these sources (their column types decide how values are parsed)."""
    machine = cfg.machine
    has_seq = cfg.events.has("sequence")
    has_eid = cfg.events.has("event_id")
    cutoff = (as_of.astimezone(UTC) - cfg.grace).replace(tzinfo=None).isoformat(sep=" ")
    cutoff_sql = f"CAST({_lit(cutoff)} AS TIMESTAMP)"

    rg_ev_parsed = parsed_select(Side.EVENTS, cfg.events, events, cfg, file, "events_raw")
    rg_rp_parsed = parsed_select(Side.REPORT, cfg.report, report, cfg, file, "report_raw")

    # Replay order: sequence (when mapped), then time, type and event id as tie-breakers.
    order = ", ".join((["seq"] if has_seq else []) + ["ts", "etc"] + (["eid"] if has_eid else []))
    same = "etc = prev_etc" + (" AND eid = prev_eid" if has_eid else " AND ts = prev_ts")
    if has_seq:
        same += " AND seq = prev_seq"
    win = f"OVER (PARTITION BY pid ORDER BY {order})"
    # The first row of a payment has no predecessor, the last no successor: their values give the
    # payment's amount/currency/country and its final event type without extra window frames.
    lags = [f"LAG(etc) {win} AS prev_etc", f"LEAD(etc) {win} AS next_etc"]
    lags += [f"LAG(ts) {win} AS prev_ts"]
    lags += [f"LAG(eid) {win} AS prev_eid"] if has_eid else []
    lags += [f"LAG(seq) {win} AS prev_seq"] if has_seq else []
    # Where rows came from rides through the replay only when the source can say (see _cited):
    # a source without positions (Parquet, PostgreSQL) sorts no extra column.
    if events.type_of(REF_COLUMN) is not None:
        ref_col = "src_ref, "
        ref_aggs = (
            "MAX(CASE WHEN prev_etc IS NULL THEN src_ref END) AS ref_first, "
            "MAX(CASE WHEN next_etc IS NULL THEN src_ref END) AS ref_last "
        )
    else:
        ref_col = ""
        ref_aggs = "CAST(NULL AS VARCHAR) AS ref_first, CAST(NULL AS VARCHAR) AS ref_last "
    # Residency compares every event's region with the payment's country (its first event's).
    masks = _region_masks(cfg.geo_residency)
    mask_cols = "".join(f"{m} AS rmask{j}, " for j, m in enumerate(masks))
    ev_ip = uses_ip(cfg.events, cfg)
    rp_ip = uses_ip(cfg.report, cfg)
    mask_cols += "ip, ip_country, " if ev_ip else ""
    windowed = (
        f"SELECT pid, eid, seq, etc, ts, {mask_cols}amt, cur, country, {ref_col}{', '.join(lags)} "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        "FROM rg_ev_parsed WHERE err IS NULL"
    )
    flagged = (
        f"SELECT *, CASE WHEN prev_etc IS NOT NULL AND {same} THEN 1 ELSE 0 END AS rep "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        f"FROM ({windowed}) AS w"
    )
    judged = (
        f"SELECT *, CASE WHEN rep = 0 AND NOT {_allowed('prev_etc', 'etc', cfg)} "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        f"THEN 1 ELSE 0 END AS bad FROM ({flagged}) AS f"
    )
    prev_state = f"COALESCE({_state_of('prev_etc', cfg)}, {_lit(machine.initial)})"
    illegal = f"{prev_state} || ' -> ' || {_type_name('etc', cfg)}"
    gap = (
        f"CASE WHEN rep = 0 AND ((prev_etc IS NULL AND seq <> {cfg.sequence_start}) "
        "OR (prev_etc IS NOT NULL AND seq - prev_seq <> 1)) THEN 1 ELSE 0 END"
        if has_seq
        else "0"
    )
    inv = "CASE WHEN rep = 0 AND ts < prev_ts THEN 1 ELSE 0 END" if has_seq else "0"
    mask_aggs = "".join(f"BIT_OR(rmask{j}) AS rmask{j}, " for j in range(len(masks)))
    ev_ip_aggs = (
        "MAX(CASE WHEN prev_etc IS NULL THEN ip END) AS ip, "
        "MAX(CASE WHEN prev_etc IS NULL THEN ip_country END) AS ip_country, "
        if ev_ip
        else ""
    )
    rp_ip_aggs = ", MIN(ip) AS ip, MIN(ip_country) AS ip_country" if rp_ip else ""
    rg_ev_pay = (
        "SELECT pid, COUNT(*) AS n_rows, SUM(rep) AS n_rep, SUM(bad) AS n_illegal, "
        f"MIN(CASE WHEN bad = 1 THEN {illegal} END) AS illegal_detail, "
        f"SUM({gap}) AS n_gap, SUM({inv}) AS n_inv, {mask_aggs}"
        "MAX(CASE WHEN next_etc IS NULL THEN etc END) AS l_etc, "
        "MAX(CASE WHEN prev_etc IS NULL THEN amt END) AS amt, "
        "MAX(CASE WHEN prev_etc IS NULL THEN cur END) AS cur, "
        "MAX(CASE WHEN prev_etc IS NULL THEN country END) AS country, "
        f"{ev_ip_aggs}MIN(ts) AS first_ts, MAX(ts) AS last_ts, "
        # Where the payment's first and last events came from (when the source can say).
        f"{ref_aggs}FROM ({judged}) AS j GROUP BY pid"
    )
    rg_rp_pay = (
        "SELECT pid, COUNT(*) AS copies, MIN(status) AS status, MIN(amt) AS amt, MIN(cur) AS cur, "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        "MIN(country) AS country, MIN(region) AS region, MAX(region) AS region_max, MIN(ts) AS ts, "
        f"MIN(tax) AS tax{rp_ip_aggs}, "
        f"{'MIN(src_ref)' if report.type_of(REF_COLUMN) is not None else 'CAST(NULL AS VARCHAR)'} AS ref "
        "FROM rg_rp_parsed WHERE err IS NULL GROUP BY pid"
    )
    final_state = _state_of("e.l_etc", cfg)
    rg_pay = (
        "SELECT COALESCE(e.pid, r.pid) AS pid, e.pid IS NOT NULL AS has_ev, "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        "r.pid IS NOT NULL AND r.copies = 1 AS has_rp, r.pid IS NOT NULL AS in_rp, "
        "COALESCE(e.n_rows, 0) AS n_rows, COALESCE(r.copies, 0) AS copies, "
        f"{final_state} AS state, e.n_rep, e.n_illegal, e.illegal_detail, e.n_gap, e.n_inv, "
        f"{_region_bad('e.country', cfg.geo_residency)} AS ev_region_bad, e.amt AS ev_amt, "
        "e.cur AS ev_cur, r.amt AS rp_amt, r.cur AS rp_cur, "
        "r.status, r.region AS rp_region, r.region_max AS rp_region_max, "
        "COALESCE(e.country, r.country) AS country, COALESCE(e.cur, r.cur) AS cur, "
        "COALESCE(e.amt, r.amt) AS amt, e.last_ts, r.tax AS rp_tax, "
        f"{_ip_columns(ev_ip, rp_ip)}"
        f"CAST(COALESCE(e.first_ts, r.ts) AS DATE) AS day, "
        f"e.pid IS NOT NULL AND e.last_ts > {cutoff_sql} AS in_flight, "
        "b.pid IS NOT NULL AS tainted, e.ref_first AS ev_ref_first, e.ref_last AS ev_ref_last, "
        "r.ref AS rp_ref "
        "FROM rg_ev_pay AS e FULL OUTER JOIN rg_rp_pay AS r ON e.pid = r.pid "
        "LEFT JOIN (SELECT DISTINCT pid FROM rg_bad_parsed WHERE pid IS NOT NULL) AS b "
        "ON b.pid = COALESCE(e.pid, r.pid)"
    )
    evaluated = evaluated_classes(cfg)
    if DiscrepancyClass.TAX_MISMATCH in evaluated:
        rg_pay = with_expected_tax(rg_pay, cfg.tax)

    status_ok = " ".join(
        f"WHEN {_lit(st)} THEN status IN {_in_list(vals)}" for st, vals in machine.statuses
    )
    implied = " ".join(f"WHEN {_lit(st)} THEN {_lit(vals[0])}" for st, vals in machine.statuses)
    terminal = _in_list(sorted(machine.terminal)) if machine.terminal else "('')"
    both_amt = cfg.events.has("amount") and cfg.report.has("amount")
    both_cur = cfg.events.has("currency") and cfg.report.has("currency")
    branches: list[tuple[DiscrepancyClass, str, str, str, str]] = [
        # class, condition, detail, currency, amount at stake
        (
            DiscrepancyClass.STATUS_MISMATCH,
            f"has_ev AND has_rp AND NOT in_flight AND NOT COALESCE(CASE state {status_ok} END, FALSE)",
            f"'report shows ' || status || ', events imply ' || COALESCE(CASE state {implied} END, '?') || ' (' || state || ')'",
            "cur",
            "amt",
        ),
        (
            DiscrepancyClass.MISSING_IN_REPORT,
            "has_ev AND NOT in_rp AND NOT in_flight",
            "'no report row; events end in ' || state",
            "cur",
            "amt",
        ),
        (
            DiscrepancyClass.MISSING_EVENTS,
            "in_rp AND NOT has_ev",
            "'report shows ' || status || ' without events'",
            "cur",
            "amt",
        ),
        (
            DiscrepancyClass.ILLEGAL_TRANSITION,
            "n_illegal > 0",
            "CAST(n_illegal AS VARCHAR) || ' illegal: first ' || illegal_detail",
            "cur",
            "amt",
        ),
        (
            DiscrepancyClass.DUPLICATE_EVENT,
            "n_rep > 0",
            "CAST(n_rep AS VARCHAR) || ' repeated event(s)'",
            "cur",
            "amt",
        ),
        (
            DiscrepancyClass.STUCK,
            f"has_ev AND state NOT IN {terminal} AND NOT in_flight",
            "'in ' || state || ' since ' || CAST(last_ts AS VARCHAR)",
            "cur",
            "amt",
        ),
    ]
    if both_amt:
        same_cur = "(ev_cur IS NULL OR rp_cur IS NULL OR ev_cur = rp_cur)"
        branches.append(
            (
                DiscrepancyClass.AMOUNT_MISMATCH,
                f"has_ev AND has_rp AND ev_amt IS NOT NULL AND rp_amt IS NOT NULL AND {same_cur} "
                f"AND ABS(ev_amt - rp_amt) > {cfg.tolerance}",
                "'report ' || CAST(rp_amt AS VARCHAR) || ', events ' || CAST(ev_amt AS VARCHAR)",
                "cur",
                "ABS(ev_amt - rp_amt)",
            )
        )
    if both_cur:
        branches.append(
            (
                DiscrepancyClass.CURRENCY_MISMATCH,
                "has_ev AND has_rp AND ev_cur IS NOT NULL AND rp_cur IS NOT NULL AND ev_cur <> rp_cur",
                "'report ' || rp_cur || ', events ' || ev_cur",
                "ev_cur",
                "ev_amt",
            )
        )
    if DiscrepancyClass.TAX_MISMATCH in evaluated:
        same_cur = "(ev_cur IS NULL OR rp_cur IS NULL OR ev_cur = rp_cur)"
        branches.append(
            (
                DiscrepancyClass.TAX_MISMATCH,
                f"has_rp AND tax_rule IS NOT NULL AND rp_tax IS NOT NULL AND amt IS NOT NULL "
                f"AND {same_cur} AND ABS(exp_tax - rp_tax) > tax_tol",
                "'report tax ' || CAST(rp_tax AS VARCHAR) || ', expected ' "
                "|| CAST(exp_tax AS VARCHAR) || ' (' || country || ' ' || tax_label || ')'",
                "cur",
                "ABS(exp_tax - rp_tax)",
            )
        )
    if has_seq:
        branches.append(
            (
                DiscrepancyClass.OUT_OF_ORDER,
                "n_gap + n_inv > 0",
                "CAST(n_gap AS VARCHAR) || ' gap(s), ' || CAST(n_inv AS VARCHAR) || ' inversion(s)'",
                "cur",
                "amt",
            )
        )
    if cfg.geo_currencies:
        branches.append(
            (
                DiscrepancyClass.GEO_CURRENCY,
                f"country IS NOT NULL AND cur IS NOT NULL AND NOT {_geo_ok('country', 'cur', cfg.geo_currencies)}",
                "cur || ' is not allowed in ' || country",
                "cur",
                "amt",
            )
        )
    if cfg.geo_residency:
        rp_ok = (
            f"(rp_region IS NULL OR ({_geo_ok('country', 'rp_region', cfg.geo_residency)} "
            f"AND {_geo_ok('country', 'rp_region_max', cfg.geo_residency)}))"
        )
        branches.append(
            (
                DiscrepancyClass.GEO_RESIDENCY,
                f"country IS NOT NULL AND (ev_region_bad OR NOT {rp_ok})",
                "'data stored outside the regions allowed for ' || country",
                "cur",
                "amt",
            )
        )

    if ev_ip or rp_ip:
        branches += [
            (
                DiscrepancyClass.GEO_IP_MISMATCH,
                "ip_country IS NOT NULL AND country IS NOT NULL AND ip_country <> country",
                "'IP address in ' || ip_country || ', payment country ' || country",
                "cur",
                "amt",
            ),
            (
                DiscrepancyClass.GEO_UNKNOWN_IP,
                "ip IS NOT NULL AND ip_country IS NULL",
                "'IP address not in the GeoIP database'",
                "cur",
                "amt",
            ),
        ]

    selects = [
        f"SELECT {_lit(cls.value)} AS class, {CLASS_ORDER[cls]} AS class_order, pid AS payment_id, "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        f"{detail} AS detail, {cur} AS currency, CAST({amt} AS BIGINT) AS amount, country, "
        f"CAST(day AS VARCHAR) AS day, {_cited('pid')} AS sample FROM rg_pay "
        f"WHERE NOT tainted AND ({cond})"
        for cls, cond, detail, cur, amt in branches
    ]
    unread = CLASS_ORDER[DiscrepancyClass.UNREADABLE]
    # Unreadable rows are gathered before the payments are joined: a payment with one (its id
    # known) is judged only as unreadable, since its replay or its report row is incomplete and
    # every other class would repeat the one bad cell (a bad amount is not also a missing row).
    rg_bad_parsed = (
        "SELECT 'events' AS side, err AS reason, pid, eid AS ref, src_ref, cur, amt, country, "
        "CAST(ts AS DATE) AS day FROM rg_ev_parsed WHERE err IS NOT NULL "
        "UNION ALL SELECT 'report' AS side, err AS reason, pid, CAST(NULL AS VARCHAR) AS ref, "
        "src_ref, cur, amt, country, CAST(ts AS DATE) AS day FROM rg_rp_parsed "
        "WHERE err IS NOT NULL"
    )
    rg_bad_rows = (
        "SELECT side, reason, pid, ref, src_ref, cur, amt, country, day FROM rg_bad_parsed "
        # Each copy of a payment the report lists more than once: as a semi-join on the (usually
        # empty) set of such ids, so the report is read a third time only when there are some.
        "UNION ALL SELECT 'report' AS side, 'payment id appears more than once' AS reason, "
        "pid, CAST(NULL AS VARCHAR) AS ref, src_ref, cur, amt, country, CAST(ts AS DATE) AS day "
        "FROM rg_rp_parsed WHERE err IS NULL AND pid IN (SELECT pid FROM rg_pay WHERE copies > 1)"
    )
    example = (
        "side || ': ' || reason || ' (payment ' || COALESCE(pid, '?') "
        "|| COALESCE(', event ' || ref, '') || COALESCE(', at ' || src_ref, '') || ')'"
    )
    selects.append(
        f"SELECT 'unreadable' AS class, {unread} AS class_order, pid AS payment_id, {example} AS detail, "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        "cur AS currency, amt AS amount, country, CAST(day AS VARCHAR) AS day, "
        f"{example} AS sample FROM rg_bad_rows"
    )
    rg_disc = " UNION ALL ".join(selects)
    n = cfg.sample_size
    outputs = (
        ("classes", "SELECT class, COUNT(*) AS n FROM rg_disc GROUP BY class ORDER BY class"),
        (
            "amounts",
            "SELECT class, currency, SUM(amount) AS total FROM rg_disc WHERE currency IS NOT NULL AND amount IS NOT NULL GROUP BY class, currency ORDER BY class, currency",
        ),
        (
            "samples",
            # Up to LISTED_PER_CLASS per class (the HTML report pages through them), each with
            # its payment id: files and SQLite tables are cited afterwards (citations.py).
            f"SELECT class, sample, pid FROM (SELECT class, sample, pid, ROW_NUMBER() OVER (PARTITION BY class ORDER BY sample) AS rn FROM (SELECT class, sample, MIN(payment_id) AS pid FROM rg_disc GROUP BY class, sample) AS d) AS s WHERE rn <= {max(n, LISTED_PER_CLASS)} ORDER BY class, sample",  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        ),
        (
            "unreadable",
            "SELECT side, reason, COUNT(*) AS n FROM rg_bad_rows GROUP BY side, reason ORDER BY side, reason",
        ),
        (
            "unreadable_examples",
            # with the row's payment and event ids: citations.apply finds file rows by them
            f"SELECT side, reason, example, pid, ref FROM (SELECT side, reason, example, pid, ref, ROW_NUMBER() OVER (PARTITION BY side, reason ORDER BY example) AS rn FROM (SELECT side, reason, {example} AS example, MIN(pid) AS pid, MIN(ref) AS ref FROM rg_bad_rows GROUP BY side, reason, {example}) AS d) AS s WHERE rn <= {n} ORDER BY side, reason, example",  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        ),
        (
            "timeline",
            "SELECT day, class, COUNT(*) AS n FROM rg_disc WHERE day IS NOT NULL GROUP BY day, class ORDER BY day, class",
        ),
        (
            "geo",
            "SELECT country, class, COUNT(*) AS n FROM rg_disc WHERE class IN ('geo_currency', 'geo_residency', 'geo_ip_mismatch', 'geo_unknown_ip') AND country IS NOT NULL GROUP BY country, class ORDER BY country, class",
        ),
        (
            "audit_counts",
            "SELECT COUNT(*) AS payments, COALESCE(SUM(n_rows), 0) AS events, COALESCE(SUM(copies), 0) AS report_rows FROM rg_pay",
        ),
        (
            "audit_amounts",
            "SELECT cur, SUM(amt) AS total FROM rg_pay WHERE cur IS NOT NULL AND amt IS NOT NULL GROUP BY cur ORDER BY cur",
        ),
        (
            "audit_states",
            "SELECT state, COUNT(*) AS n FROM rg_pay WHERE state IS NOT NULL GROUP BY state ORDER BY state",
        ),
    )
    return Plan(
        dialect="duckdb",
        steps=(
            # Parsed rows are read by several steps: a view re-reads a Parquet file cheaply (and
            # holds nothing), but would re-parse a text file's every line each time.
            Step(name="rg_ev_parsed", sql=rg_ev_parsed, materialize=events.parse_once),
            Step(name="rg_rp_parsed", sql=rg_rp_parsed, materialize=report.parse_once),
            Step(name="rg_ev_pay", sql=rg_ev_pay, materialize=False),
            Step(name="rg_rp_pay", sql=rg_rp_pay, materialize=False),
            Step(name="rg_bad_parsed", sql=rg_bad_parsed, materialize=True),
            Step(name="rg_pay", sql=rg_pay, materialize=True),
            Step(name="rg_bad_rows", sql=rg_bad_rows, materialize=True),
            Step(name="rg_disc", sql=rg_disc, materialize=True),
        ),
        outputs=outputs,
        discrepancies=f"SELECT {', '.join(DISCREPANCY_COLUMNS)} FROM rg_disc ORDER BY class_order, payment_id, detail",  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        sample_size=n,
        statuses=tuple((st, vals[0]) for st, vals in machine.statuses),
        evaluated=evaluated,
    )
