"""Reference implementation of the reconcile checks in straightforward pandas (the benchmark's peer).

Same definitions as docs/reconcile.md, for the benchmark's data shape (Parquet with typed columns,
amounts in minor units): read both files, drop unreadable rows (counted), sort events in replay
order, compare each row with the previous one of its payment, aggregate per payment, outer-join the
report and count each class. `counts(events, report, policy)` returns payments per class.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from bench.reconcile_gen import CLASSES

_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def read_events(path: Path) -> pd.DataFrame:
    """Events as a pandas user reads them: Parquet as typed, JSONL with times parsed after."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    ev = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
    ev["ts"] = pd.to_datetime(ev["ts"], utc=True, format="ISO8601").dt.tz_localize(None)
    return ev


def read_report(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    text = dict.fromkeys(("payment_id", "status", "currency", "region"), "string")
    rp = pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
    return rp.astype(dict.fromkeys(text, object))


def counts(events_path: Path, report_path: Path, policy: dict[str, Any]) -> dict[str, int]:
    sm = policy["state_machine"]
    target = {ev: t["to"] for ev, t in sm["transitions"].items()}
    allowed = {f"{s}|{ev}" for ev, t in sm["transitions"].items() for s in t["from"]}
    statuses = {st: ([v] if isinstance(v, str) else list(v)) for st, v in sm["statuses"].items()}
    terminal = set(sm["terminal"])
    as_of = datetime.fromisoformat(policy["as_of"].replace("Z", "+00:00")).replace(tzinfo=None)
    g = re.match(r"^([0-9]+)([smhd])$", policy.get("grace_period", "24h"))
    assert g is not None
    cutoff = as_of - timedelta(seconds=int(g.group(1)) * _DURATION[g.group(2)])
    geo_cur = policy.get("geo", {}).get("currencies", {})
    geo_res = policy.get("geo", {}).get("residency", {})
    start = policy.get("sequence_start", 1)

    ev = read_events(events_path)
    rp = read_report(report_path)
    out = dict.fromkeys(CLASSES, 0)

    # unreadable rows
    for col in ("payment_id", "type", "event_id"):
        ev[col] = ev[col].str.strip().replace("", None)
    bad = (
        ev["payment_id"].isna()
        | ev["type"].isna()
        | ~ev["type"].isin(target.keys())
        | ev["ts"].isna()
        | ev["seq"].isna()
        | ev["event_id"].isna()
        | (ev["currency"].notna() & ~ev["currency"].str.fullmatch(r"[A-Z]{3}", na=False))
    )
    out["unreadable"] += int(bad.sum())
    tainted = set(ev.loc[bad & ev["payment_id"].notna(), "payment_id"])
    ev = ev[~bad]
    rp["payment_id"] = rp["payment_id"].str.strip().replace("", None)
    rp["status"] = rp["status"].str.strip().str.lower().replace("", None)
    rbad = rp["payment_id"].isna() | rp["status"].isna()
    out["unreadable"] += int(rbad.sum())
    tainted |= set(rp.loc[rbad & rp["payment_id"].notna(), "payment_id"])
    rp = rp[~rbad]
    copies = rp.groupby("payment_id")["payment_id"].transform("size")
    out["unreadable"] += int((copies > 1).sum())
    rp = rp.assign(copies=copies).drop_duplicates("payment_id")

    # replay
    ev = ev.sort_values(["payment_id", "seq", "ts", "type", "event_id"], kind="mergesort")
    grp = ev.groupby("payment_id", sort=False)
    prev_type = grp["type"].shift()
    prev_eid = grp["event_id"].shift()
    prev_seq = grp["seq"].shift()
    prev_ts = grp["ts"].shift()
    rep = (
        prev_type.notna()
        & (ev["type"] == prev_type)
        & (ev["event_id"] == prev_eid)
        & (ev["seq"] == prev_seq)
    )
    prev_state = prev_type.map(target).fillna(sm["initial"])
    illegal = ~rep & ~(prev_state + "|" + ev["type"]).isin(allowed)
    gap = ~rep & (
        (prev_type.isna() & (ev["seq"] != start))
        | (prev_type.notna() & (ev["seq"] - prev_seq != 1))
    )
    inv = ~rep & (ev["ts"] < prev_ts)
    first = grp.head(1).set_index("payment_id")
    f_country = ev["payment_id"].map(first["country"])
    ok_region = pd.Series(True, index=ev.index)
    for country, regions in geo_res.items():
        sel = f_country == country
        ok_region[sel] = ev.loc[sel, "region"].isin(regions) | ev.loc[sel, "region"].isna()
    flags = pd.DataFrame(
        {
            "payment_id": ev["payment_id"],
            "rep": rep,
            "illegal": illegal,
            "gap": gap | inv,
            "bad_region": ~ok_region,
            "ts": ev["ts"],
            "type": ev["type"],
        }
    )
    pay = flags.groupby("payment_id", sort=False).agg(
        n_rep=("rep", "sum"),
        n_illegal=("illegal", "sum"),
        n_ooo=("gap", "sum"),
        n_bad_region=("bad_region", "sum"),
        last_ts=("ts", "max"),
        last_type=("type", "last"),
    )
    pay["state"] = pay["last_type"].map(target)
    pay = pay.join(first[["amount", "currency", "country"]])

    both = pay.join(rp.set_index("payment_id"), how="outer", lsuffix="_ev", rsuffix="_rp")
    # A payment with an unreadable row is judged only as unreadable (docs/reconcile.md).
    both = both[~both.index.isin(tainted)]
    has_ev = both["state"].notna()
    in_rp = both["status"].notna()
    has_rp = in_rp & (both["copies"] == 1)
    in_flight = has_ev & (both["last_ts"] > cutoff)
    ok_status = pd.Series(False, index=both.index)
    for st, vals in statuses.items():
        sel = both["state"] == st
        ok_status[sel] = both.loc[sel, "status"].isin(vals)
    out["status_mismatch"] = int((has_ev & has_rp & ~in_flight & ~ok_status).sum())
    out["missing_in_report"] = int((has_ev & ~in_rp & ~in_flight).sum())
    out["missing_events"] = int((in_rp & ~has_ev).sum())
    cur_ok = (
        both["currency_ev"].isna()
        | both["currency_rp"].isna()
        | (both["currency_ev"] == both["currency_rp"])
    )
    amt_both = both["amount_ev"].notna() & both["amount_rp"].notna()
    out["amount_mismatch"] = int(
        (
            has_ev
            & has_rp
            & amt_both
            & cur_ok
            & (
                (both["amount_ev"] - both["amount_rp"]).abs()
                > policy.get("amounts", {}).get("tolerance", 0)
            )
        ).sum()
    )
    out["currency_mismatch"] = int(
        (
            has_ev
            & has_rp
            & both["currency_ev"].notna()
            & both["currency_rp"].notna()
            & (both["currency_ev"] != both["currency_rp"])
        ).sum()
    )
    out["illegal_transition"] = int((both["n_illegal"] > 0).sum())
    out["out_of_order"] = int((both["n_ooo"] > 0).sum())
    out["duplicate_event"] = int((both["n_rep"] > 0).sum())
    out["stuck"] = int((has_ev & ~both["state"].isin(terminal) & ~in_flight).sum())
    country = (
        both["country_ev"].fillna(both["country_rp"]) if "country_rp" in both else both["country"]
    )
    cur = both["currency_ev"].fillna(both["currency_rp"])
    bad_cur = pd.Series(False, index=both.index)
    for c, allowed_cur in geo_cur.items():
        sel = (country == c) & cur.notna()
        bad_cur[sel] = ~cur[sel].isin(allowed_cur)
    out["geo_currency"] = int(bad_cur.sum())
    bad_res = both["n_bad_region"].fillna(0) > 0
    for c, regions in geo_res.items():
        sel = (country == c) & both["region"].notna()
        bad_res[sel] = bad_res[sel] | ~both.loc[sel, "region"].isin(regions)
    out["geo_residency"] = int((bad_res & country.notna()).sum())
    return out
