"""GeoIP: the country of every distinct IP address, looked up in a MaxMind database in Python.

The engines cannot call a MaxMind reader, so the sources' mapped `ip` column is read once for its
DISTINCT values (a one-output plan, run on the engine itself), each value is looked up here with
maxminddb's C reader, and the result becomes a third relation `ip_map` with the columns
`ip_text` (the value as the plan reads it), `ip_country` (ISO code; NULL: not in the database)
and `ip_valid` (FALSE: not an IP address; the row is unreadable, "bad ip"). It is written as a
Parquet file in a temporary directory and bound like any file source, so PostgreSQL uploads it
and Spark reads it itself; the plan joins it.

The database (`geo.ip_database`) is a path inside the repository, opened read-only; the country
is the record's `country.iso_code` (where the address is used), never `registered_country`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.checks.reconcile.sources import resolve_glob
from gates.errors import InvalidInput
from gates.extras import require

if TYPE_CHECKING:
    import pyarrow as pa

IP_MAP = "ip_map"
MAP_COLUMNS = ("ip_text", "ip_country", "ip_valid")
GEOIP_MODULES = ("maxminddb",)  # the `geoip` extra


def resolve_database(root: Path, path: str, *, file: str, field: str) -> Path:
    """The database file: one existing file inside the repository (no `..`, no symlink out)."""
    found = resolve_glob(root, path, file=file, field=field)
    if len(found) != 1:
        raise InvalidInput(file, field, f"{path!r} matches {len(found)} files", "name one file")
    return found[0]


def _country(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    country = record.get("country")
    code = country.get("iso_code") if isinstance(country, dict) else None
    return code.upper() if isinstance(code, str) and len(code) == 2 else None


def lookup(database: Path, ips: Iterable[str], *, label: str) -> pa.Table:
    """The `ip_map` rows for `ips` (each once), sorted by ip_text."""
    require("reconcile", "geoip", GEOIP_MODULES)
    import maxminddb
    import pyarrow as pa

    try:
        reader = maxminddb.open_database(str(database), maxminddb.MODE_AUTO)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise InvalidInput(
            label, "geo.ip_database", f"cannot open as a MaxMind database: {exc}", "check the file"
        ) from exc
    texts: list[str] = []
    countries: list[str | None] = []
    valid: list[bool] = []
    with reader:
        for text in sorted(set(ips)):
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                texts.append(text)
                countries.append(None)
                valid.append(False)
                continue
            try:
                record = reader.get(address)
            except ValueError:  # an IPv6 address in an IPv4-only database: not in it
                record = None
            texts.append(text)
            countries.append(_country(record))
            valid.append(True)
    return pa.table(
        {
            "ip_text": pa.array(texts, pa.string()),
            "ip_country": pa.array(countries, pa.string()),
            "ip_valid": pa.array(valid, pa.bool_()),
        }
    )


def write_map(table: pa.Table, directory: Path) -> Path:
    import pyarrow.parquet as pq

    path = directory / "ip_map.parquet"
    pq.write_table(table, path)
    return path


def distinct_sql(texts: Sequence[tuple[str, str]]) -> str:
    """SELECT DISTINCT of each (relation, text expression) pair, NULLs left out."""
    return " UNION ".join(
        f"SELECT DISTINCT {expr} AS ip FROM {rel} WHERE {expr} IS NOT NULL"  # noqa: S608 - the plan's own expressions
        for rel, expr in texts
    )
