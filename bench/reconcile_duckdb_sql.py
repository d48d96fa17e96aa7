"""A hand-written DuckDB query for the benchmark's counts: the floor a DuckDB user would reach.

The same definitions as bench/reconcile_pandas.py (docs/reconcile.md), written the way someone
fluent in DuckDB would for this one data shape: DuckDB's own typed readers (read_parquet,
read_json, read_csv), one window over the events in replay order, one aggregate per payment, an
outer join with the report. None of what the gate adds for arbitrary data: no per-value
validation with reasons, no unreadable-row citations, no samples or amounts at stake, no
discrepancy rows. `counts(events, report, policy)` returns payments per class, like the pandas
reference, so the benchmark can check that all three agree.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.reconcile_gen import CLASSES

_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: list[str]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


def _reader(path: Path, columns: dict[str, str]) -> str:
    spec = "{" + ", ".join(f"{_q(c)}: {_q(t)}" for c, t in columns.items()) + "}"
    match path.suffix:
        case ".parquet":
            return f"read_parquet({_q(str(path))})"
        case ".jsonl":
            return f"read_json({_q(str(path))}, format = 'newline_delimited', columns = {spec})"
        case ".csv":
            return f"read_csv({_q(str(path))}, header = true, columns = {spec})"
        case _:
            raise ValueError(f"unsupported file: {path}")


def query(events: Path, report: Path, policy: dict[str, Any]) -> str:
    sm = policy["state_machine"]
    target = {ev: t["to"] for ev, t in sm["transitions"].items()}
    allowed = [f"{s}|{ev}" for ev, t in sm["transitions"].items() for s in t["from"]]
    as_of = datetime.fromisoformat(policy["as_of"].replace("Z", "+00:00")).replace(tzinfo=None)
    g = re.match(r"^([0-9]+)([smhd])$", policy.get("grace_period", "24h"))
    assert g is not None
    cutoff = as_of - timedelta(seconds=int(g.group(1)) * _DURATION[g.group(2)])
    geo = policy.get("geo", {})
    state_of = "CASE " + " ".join(f"WHEN {{x}} = {_q(e)} THEN {_q(s)}" for e, s in target.items())
    state_of += " END"
    status_ok = " OR ".join(
        f"(state = {_q(st)} AND status IN {_in([v] if isinstance(v, str) else list(v))})"
        for st, v in sm["statuses"].items()
    )
    region_ok = " ".join(
        f"WHEN {{c}} = {_q(c)} THEN {{r}} IS NULL OR {{r}} IN {_in(rs)}"
        for c, rs in geo.get("residency", {}).items()
    )
    currency_bad = " OR ".join(
        f"(country = {_q(c)} AND cur NOT IN {_in(cs)})"
        for c, cs in geo.get("currencies", {}).items()
    )
    ev_cols = {
        "payment_id": "VARCHAR",
        "event_id": "VARCHAR",
        "seq": "BIGINT",
        "type": "VARCHAR",
        "ts": "TIMESTAMP",
        "amount": "BIGINT",
        "currency": "VARCHAR",
        "country": "VARCHAR",
        "region": "VARCHAR",
    }
    rp_cols = {
        "payment_id": "VARCHAR",
        "status": "VARCHAR",
        "amount": "BIGINT",
        "currency": "VARCHAR",
        "region": "VARCHAR",
    }
    start = policy.get("sequence_start", 1)
    return f"""
WITH ev_raw AS (
  SELECT NULLIF(trim(payment_id), '') AS pid, NULLIF(trim(event_id), '') AS eid, seq,
         NULLIF(trim(type), '') AS type, ts, amount, currency, country, region
  FROM {_reader(events, ev_cols)}
), ev_flag AS (
  SELECT *, pid IS NULL OR type IS NULL OR type NOT IN {_in(list(target))} OR ts IS NULL
            OR seq IS NULL OR eid IS NULL
            OR (currency IS NOT NULL AND NOT regexp_full_match(currency, '[A-Z]{{3}}')) AS bad
  FROM ev_raw
), rp_raw AS (
  SELECT NULLIF(trim(payment_id), '') AS pid, NULLIF(lower(trim(status)), '') AS status,
         amount, currency, region
  FROM {_reader(report, rp_cols)}
), rp_pay AS (
  SELECT pid, count(*) AS copies, first(status) AS status, first(amount) AS amount,
         first(currency) AS currency, first(region) AS region
  FROM rp_raw WHERE pid IS NOT NULL AND status IS NOT NULL GROUP BY pid
), tainted AS (
  SELECT pid FROM ev_flag WHERE bad AND pid IS NOT NULL
  UNION SELECT pid FROM rp_raw WHERE pid IS NOT NULL AND status IS NULL
), w AS (
  SELECT pid, eid, seq, ts, type, amount, currency, country, region,
    LAG(type) OVER p AS p_type, LAG(eid) OVER p AS p_eid, LAG(seq) OVER p AS p_seq,
    LAG(ts) OVER p AS p_ts, row_number() OVER p AS rn, LEAD(type) OVER p AS n_type
  FROM ev_flag WHERE NOT bad
  WINDOW p AS (PARTITION BY pid ORDER BY seq, ts, type, eid)
), j AS (
  SELECT *, p_type IS NOT NULL AND type = p_type AND eid = p_eid AND seq = p_seq AS rep FROM w
), pay AS (
  SELECT pid,
    sum(CASE WHEN rep THEN 1 ELSE 0 END) AS n_rep,
    sum(CASE WHEN NOT rep AND (coalesce({state_of.format(x="p_type")}, {_q(sm["initial"])})
                               || '|' || type) NOT IN {_in(allowed)} THEN 1 ELSE 0 END) AS n_ill,
    sum(CASE WHEN NOT rep AND ((p_type IS NULL AND seq <> {start})
             OR (p_type IS NOT NULL AND seq - p_seq <> 1) OR ts < p_ts) THEN 1 ELSE 0 END) AS n_ooo,
    max(ts) AS last_ts,
    max(CASE WHEN n_type IS NULL THEN {state_of.format(x="type")} END) AS state,
    max(CASE WHEN rn = 1 THEN amount END) AS amount,
    max(CASE WHEN rn = 1 THEN currency END) AS currency,
    max(CASE WHEN rn = 1 THEN country END) AS country,
    list(region) AS regions
  FROM j GROUP BY pid
), pay_region AS (
  SELECT *, len(list_filter(regions, lambda r: NOT (CASE {region_ok.format(c="country", r="r")}
                                                    ELSE TRUE END))) AS n_bad_region
  FROM pay
), b AS (
  SELECT coalesce(e.pid, r.pid) AS pid, e.pid IS NOT NULL AS has_ev, r.pid IS NOT NULL AS in_rp,
    r.pid IS NOT NULL AND r.copies = 1 AS has_rp,
    e.pid IS NOT NULL AND e.last_ts > TIMESTAMP '{cutoff.isoformat(sep=" ")}' AS in_flight,
    e.state, r.status, e.amount AS amt_ev, r.amount AS amt_rp, e.currency AS cur_ev,
    r.currency AS cur_rp, e.country, r.region, coalesce(e.n_bad_region, 0) AS n_bad_region,
    e.n_ill, e.n_ooo, e.n_rep
  FROM pay_region AS e FULL OUTER JOIN rp_pay AS r USING (pid)
  WHERE coalesce(e.pid, r.pid) NOT IN (SELECT pid FROM tainted)
), c AS (
  SELECT *, coalesce(cur_ev, cur_rp) AS cur FROM b
)
SELECT
  count(*) FILTER (has_ev AND has_rp AND NOT in_flight AND NOT coalesce({status_ok}, FALSE)),
  count(*) FILTER (has_ev AND NOT in_rp AND NOT in_flight),
  count(*) FILTER (in_rp AND NOT has_ev),
  count(*) FILTER (has_ev AND has_rp AND amt_ev IS NOT NULL AND amt_rp IS NOT NULL
                   AND (cur_ev IS NULL OR cur_rp IS NULL OR cur_ev = cur_rp)
                   AND abs(amt_ev - amt_rp) > {policy.get("amounts", {}).get("tolerance", 0)}),
  count(*) FILTER (has_ev AND has_rp AND cur_ev <> cur_rp),
  count(*) FILTER (n_ill > 0),
  count(*) FILTER (n_ooo > 0),
  count(*) FILTER (n_rep > 0),
  count(*) FILTER (has_ev AND NOT in_flight AND state NOT IN {_in(list(sm["terminal"]))}),
  count(*) FILTER (cur IS NOT NULL AND ({currency_bad or "FALSE"})),
  count(*) FILTER (country IS NOT NULL AND (n_bad_region > 0 OR NOT coalesce(
      CASE {region_ok.format(c="country", r="region")} ELSE TRUE END, TRUE))),
  (SELECT count(*) FROM ev_flag WHERE bad)
    + (SELECT count(*) FROM rp_raw WHERE pid IS NULL OR status IS NULL)
    + (SELECT coalesce(sum(copies), 0) FROM rp_pay WHERE copies > 1)
FROM c
"""


def counts(events: Path, report: Path, policy: dict[str, Any]) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    row = con.execute(query(events, report, policy)).fetchone()
    assert row is not None
    return {name: int(value) for name, value in zip(CLASSES, row, strict=True)}
