"""Any source as a stream of Arrow record batches, read through an embedded DuckDB.

Engines that cannot read a source in place (Spark for JSONL, CSV, SQLite, Kafka and PostgreSQL;
PostgreSQL for anything outside its database) take the rows from here, so every engine sees
exactly the relation the DuckDB engine sees: the same text parsing, the same `_rg_error` column,
the same types. Rows stay in Arrow batches; none become Python objects.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gates.checks.reconcile.sources import Source
from gates.errors import InvalidInput

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 100_000


@contextmanager
def arrow_stream(source: Source, columns: Sequence[str]) -> Iterator[pa.RecordBatchReader]:
    """Bind `source` in a private DuckDB and yield a reader over all of its rows."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="release-gates-stream-") as tmp:
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"SET temp_directory = '{tmp}'")
            try:
                source.bind_duckdb(con, "_rg_src", columns)
                reader = con.sql("SELECT * FROM _rg_src").to_arrow_reader(BATCH_ROWS)
            except duckdb.Error as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise InvalidInput(
                    source.label, "data", f"cannot read it: {first}", "fix the data or the spec"
                ) from exc
            yield reader
        finally:
            con.close()
