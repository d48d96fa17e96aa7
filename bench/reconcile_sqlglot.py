"""What the one-plan design costs: sqlglot transpile time, and the plan vs hand-written DuckDB.

    python -m bench.reconcile_sqlglot [N]     # N payments (default 200,000)

1. Time to transpile the whole plan (DuckDB dialect) to PostgreSQL and Spark with sqlglot.
2. The DuckDB engine runs the plan's SQL as built, so sqlglot adds nothing at run time there; to
   check that a sqlglot round trip (duckdb -> duckdb) does not change the SQL's speed or answer,
   both are run on the same data.
3. The replay step as a DuckDB-only query (arg_min/arg_max aggregates instead of the portable
   LAG/LEAD window) for the final state and first-event values, to show what portability costs.
"""

from __future__ import annotations

import resource
import sys
import time

from bench.bench_reconcile import dataset
from bench.reconcile_gen import POLICY


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main(argv: list[str] | None = None) -> int:
    from gates.checks.reconcile import config, plan
    from gates.checks.reconcile.engine import EVENTS_RAW, REPORT_RAW
    from gates.checks.reconcile.engine_duckdb import DuckDBEngine
    from gates.checks.reconcile.results import assemble
    from gates.checks.reconcile.sources import parse_source, quote_ident

    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 200_000
    data = dataset(n)
    cfg = config.parse(POLICY, file="bench")
    assert cfg.as_of is not None
    ev = parse_source({"kind": "parquet", "path": "events.parquet"}, root=data, file="b", field="e")
    rp = parse_source({"kind": "parquet", "path": "report.parquet"}, root=data, file="b", field="r")

    def run(p: plan.Plan) -> tuple[float, float, dict[str, int]]:
        with DuckDBEngine() as engine:
            engine.bind(ev, EVENTS_RAW, cfg.events.raw_columns())
            engine.bind(rp, REPORT_RAW, cfg.report.raw_columns())
            t0, c0 = time.perf_counter(), _cpu()
            rows = engine.execute(p, sink=None)
            return (
                time.perf_counter() - t0,
                _cpu() - c0,
                assemble(p, rows, engine="duckdb").counts(),
            )

    with DuckDBEngine() as engine:
        es = engine.bind(ev, EVENTS_RAW, cfg.events.raw_columns())
        rs = engine.bind(rp, REPORT_RAW, cfg.report.raw_columns())
    built = plan.build_plan(cfg, es, rs, as_of=cfg.as_of)
    for dialect in ("postgres", "spark", "duckdb-roundtrip"):
        t0 = time.perf_counter()
        if dialect == "duckdb-roundtrip":
            trip = built.map_sql(lambda q: plan.transpile(q, "duckdb", "duckdb"), "duckdb")
        else:
            built.sql_for(dialect)
        print(f"transpile to {dialect}: {1000 * (time.perf_counter() - t0):.0f} ms")
    wall, cpu, counts = run(built)
    wall2, cpu2, counts2 = run(trip)
    print(f"plan as built:        {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(
        f"sqlglot round trip:   {wall2:.2f} s wall, {cpu2:.2f} s CPU, same counts: {counts == counts2}"
    )

    with DuckDBEngine() as engine:
        engine.bind(ev, EVENTS_RAW, cfg.events.raw_columns())
        engine.bind(rp, REPORT_RAW, cfg.report.raw_columns())
        step = built.steps[0]
        engine.con.execute(f"CREATE TEMP VIEW {quote_ident(step.name)} AS {step.sql}")
        portable = next(s for s in built.steps if s.name == "rg_ev_pay").sql
        duck_only = (
            "SELECT pid, COUNT(*) AS n_rows, arg_max(etype, (seq, ts, etype, eid)) AS l_type, "
            "arg_min(amt, (seq, ts, etype, eid)) AS amt, arg_min(cur, (seq, ts, etype, eid)) AS cur, "
            "arg_min(country, (seq, ts, etype, eid)) AS country, MIN(ts) AS first_ts, "
            "MAX(ts) AS last_ts FROM rg_ev_parsed WHERE err IS NULL GROUP BY pid"
        )
        for name, sql in (
            ("portable replay step", portable),
            ("DuckDB-only aggregates", duck_only),
        ):
            t0, c0 = time.perf_counter(), _cpu()
            engine.con.execute(f"CREATE OR REPLACE TEMP TABLE t AS {sql}")
            print(f"{name:22s}{time.perf_counter() - t0:.2f} s wall, {_cpu() - c0:.2f} s CPU")
    print("(the DuckDB-only query computes final state and first values only: no transitions,")
    print(" gaps, inversions or repeats, which need the ordered predecessor the window gives)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
