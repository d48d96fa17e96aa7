"""The reconcile policy section: parsed into frozen dataclasses, with errors that name the fix.

Keys (all under `gates: reconcile:`; the JSON Schema in schema.py describes each):
`events`/`report` (source specs, see sources.py), `columns` (raw column per canonical column, per
side), `amounts` (representation per side, tolerance, currency exponents), `state_machine` (states,
initial, terminal, transitions, statuses), `sequence_start`, `as_of`, `grace_period`, `regions`
(named country lists such as EEA, usable wherever a country is), `geo` (allowed currencies and
residency regions per country), `tax` (tax rule per country, see tax.py), `thresholds` (per class
and default), `sample_size`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from gates.checks.reconcile.model import (
    EVENT_COLUMNS,
    REPORT_COLUMNS,
    REQUIRED_COLUMNS,
    DiscrepancyClass,
    Side,
)
from gates.checks.reconcile.schema import SCHEMA
from gates.checks.reconcile.tax import TaxRule, parse_rule
from gates.errors import InvalidInput
from gates.model import Severity
from gates.record import record

# ISO 4217 currencies whose minor unit is not 1/100 (the rest use 2 decimals).
ISO_EXPONENTS: Mapping[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
_DURATION = re.compile(r"^([0-9]{1,6})([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_REGION = re.compile(r"^[A-Z][A-Z0-9_]{2,31}$")


class AmountFormat(StrEnum):
    MINOR_UNITS = "minor_units"  # integer count of the currency's minor unit: 1234 = 12.34 USD
    DECIMAL = "decimal"  # decimal text in major units: "12.34"


@record
class ColumnMap:
    side: Side
    mapping: tuple[tuple[str, str], ...]  # (canonical, raw), only mapped columns
    amount_format: AmountFormat

    def raw(self, canonical: str) -> str | None:
        return next((r for c, r in self.mapping if c == canonical), None)

    def has(self, canonical: str) -> bool:
        return self.raw(canonical) is not None

    def raw_columns(self) -> tuple[str, ...]:
        return tuple(r for _, r in self.mapping)


@record
class Transition:
    event_type: str
    sources: frozenset[str]  # states the event is allowed from
    target: str


@record
class StateMachine:
    states: tuple[str, ...]
    initial: str
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]  # sorted by event type
    statuses: tuple[tuple[str, tuple[str, ...]], ...]  # state -> accepted reporting statuses

    def statuses_of(self, state: str) -> tuple[str, ...]:
        return next((s for st, s in self.statuses if st == state), ())


@record
class Threshold:
    max_count: int | None
    max_ratio: float | None
    severity: Severity | None  # None: the rule's default severity

    def exceeded(self, count: int, payments: int) -> bool:
        if self.max_count is None and self.max_ratio is None:
            return count > 0
        if self.max_count is not None and count > self.max_count:
            return True
        return self.max_ratio is not None and payments > 0 and count / payments > self.max_ratio


@record
class ReconcileConfig:
    events_source: Mapping[str, Any] | None  # raw specs: resolved against a root by the caller
    report_source: Mapping[str, Any] | None
    events: ColumnMap
    report: ColumnMap
    tolerance: int  # minor units
    exponents: tuple[tuple[str, int], ...]  # only currencies whose exponent is not 2, sorted
    machine: StateMachine
    sequence_start: int
    as_of: datetime | None
    grace: timedelta
    geo_currencies: tuple[tuple[str, tuple[str, ...]], ...]
    geo_residency: tuple[tuple[str, tuple[str, ...]], ...]
    tax: tuple[tuple[str, TaxRule], ...]  # per country (regions expanded), sorted
    ip_database: str | None  # geo.ip_database: repo-relative MaxMind file (geoip.py)
    thresholds: tuple[tuple[DiscrepancyClass, Threshold], ...]  # every class
    sample_size: int

    def threshold(self, cls: DiscrepancyClass) -> Threshold:
        return next(t for c, t in self.thresholds if c == cls)


def parse(
    section: Mapping[str, Any], *, file: str, field: str = "$.gates.reconcile"
) -> ReconcileConfig:
    """Validate the section semantically (the schema checked its shape) and build the config."""

    def bad(path: str, problem: str, fix: str) -> InvalidInput:
        return InvalidInput(file, f"{field}.{path}", problem, fix)

    machine = _machine(section.get("state_machine"), bad)
    amounts = _mapping(section.get("amounts", {}), "amounts", bad)
    cols = _mapping(section.get("columns", {}), "columns", bad)
    events = _column_map(Side.EVENTS, cols.get("events"), amounts.get("events"), bad)
    report = _column_map(Side.REPORT, cols.get("report"), amounts.get("report"), bad)
    exponents = dict(ISO_EXPONENTS)
    for cur, exp in _mapping(amounts.get("exponents", {}), "amounts.exponents", bad).items():
        if not _CURRENCY.match(str(cur)) or not isinstance(exp, int) or not 0 <= exp <= 4:
            raise bad(
                f"amounts.exponents.{cur}",
                "expected a 3-letter code and 0..4 digits",
                "write e.g. JPY: 0",
            )
        exponents[str(cur)] = exp
    tolerance = section.get("amounts", {}).get("tolerance", 0)
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance < 0:
        raise bad(
            "amounts.tolerance",
            f"expected whole minor units >= 0, got {tolerance!r}",
            "write tolerance: 0",
        )
    regions = _regions(section.get("regions", {}), bad)
    geo = _mapping(section.get("geo", {}), "geo", bad)
    geo_cur = _geo(geo.get("currencies", {}), "geo.currencies", _CURRENCY, regions, bad)
    geo_res = _geo(geo.get("residency", {}), "geo.residency", None, regions, bad)
    tax = tuple(
        (country, parse_rule(spec, f"tax.{key}", bad))
        for country, (key, spec) in sorted(
            _by_country(section.get("tax", {}), "tax", regions, bad).items()
        )
    )
    if geo_cur and not (events.has("country") or report.has("country")):
        raise bad("geo.currencies", "geo rules need a country column", "map columns.events.country")
    if geo_cur and not (events.has("currency") or report.has("currency")):
        raise bad(
            "geo.currencies",
            "geo currency rules need a currency column",
            "map columns.events.currency",
        )
    if geo_res and not (events.has("region") or report.has("region")):
        raise bad(
            "geo.residency",
            "residency rules need a region column",
            "map columns.events.region or columns.report.region",
        )
    if geo_res and not (events.has("country") or report.has("country")):
        raise bad(
            "geo.residency", "residency rules need a country column", "map columns.events.country"
        )
    ip_database = geo.get("ip_database")
    if ip_database is not None:
        if not isinstance(ip_database, str) or not ip_database.strip():
            raise bad(
                "geo.ip_database",
                "expected a path",
                "write ip_database: geo/GeoLite2-Country.mmdb",
            )
        if not (events.has("ip") or report.has("ip")):
            raise bad(
                "geo.ip_database",
                "a GeoIP database needs an ip column",
                "map columns.events.ip (or columns.report.ip)",
            )
        if not (events.has("country") or report.has("country")):
            raise bad(
                "geo.ip_database",
                "IP countries are compared with a country column",
                "map columns.events.country",
            )
    if tax and not (events.has("country") or report.has("country")):
        raise bad("tax", "tax rules need a country column", "map columns.events.country")
    if tax and not (events.has("amount") or report.has("amount")):
        raise bad("tax", "tax rules need an amount column", "map columns.events.amount")
    as_of_raw = section.get("as_of")
    as_of = (
        None if as_of_raw is None else parse_time(str(as_of_raw), file=file, field=f"{field}.as_of")
    )
    grace_raw = str(section.get("grace_period", "24h"))
    m = _DURATION.match(grace_raw)
    if m is None:
        raise bad(
            "grace_period",
            f"expected a duration like 30m, 24h or 7d, got {grace_raw!r}",
            "write grace_period: 24h",
        )
    grace = timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    seq_start = section.get("sequence_start", 1)
    if not isinstance(seq_start, int) or isinstance(seq_start, bool):
        raise bad(
            "sequence_start", f"expected an integer, got {seq_start!r}", "write sequence_start: 1"
        )
    sample = section.get("sample_size", 10)
    if not isinstance(sample, int) or isinstance(sample, bool) or not 1 <= sample <= 1000:
        raise bad("sample_size", f"expected 1..1000, got {sample!r}", "write sample_size: 10")
    return ReconcileConfig(
        events_source=_opt_mapping(section.get("events"), "events", bad),
        report_source=_opt_mapping(section.get("report"), "report", bad),
        events=events,
        report=report,
        tolerance=tolerance,
        exponents=tuple(sorted((c, e) for c, e in exponents.items() if e != 2)),
        machine=machine,
        sequence_start=seq_start,
        as_of=as_of,
        grace=grace,
        geo_currencies=geo_cur,
        geo_residency=geo_res,
        tax=tax,
        ip_database=ip_database,
        thresholds=_thresholds(_mapping(section.get("thresholds", {}), "thresholds", bad), bad),
        sample_size=sample,
    )


def parse_time(value: str, *, file: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            file, field, f"not an RFC 3339 time: {value!r}", "write e.g. 2026-11-25T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(
            file,
            field,
            f"{value!r} has no time zone",
            "add Z or an offset, e.g. 2026-11-25T12:00:00Z",
        )
    return parsed.astimezone(UTC)


def _mapping(value: object, path: str, bad: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise bad(
            path,
            f"expected a mapping, got {type(value).__name__}",
            f"write {path.split('.')[-1]}: {{...}}",
        )
    return value


def _opt_mapping(value: object, path: str, bad: Any) -> Mapping[str, Any] | None:
    return None if value is None else _mapping(value, path, bad)


def _names(value: object, path: str, bad: Any, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad(
            path, "expected a list of non-empty strings", f"write {path.split('.')[-1]}: [a, b]"
        )
    if not value and not allow_empty:
        raise bad(path, "the list is empty", "name at least one")
    if len(set(value)) != len(value):
        dup = next(v for v in value if value.count(v) > 1)
        raise bad(path, f"{dup!r} is listed twice", "list each once")
    return tuple(value)


def _machine(value: object, bad: Any) -> StateMachine:
    sm = _mapping(value, "state_machine", bad)
    states = _names(sm.get("states"), "state_machine.states", bad)
    known = set(states)

    def state(name: object, path: str) -> str:
        if not isinstance(name, str) or name not in known:
            raise bad(
                path,
                f"{name!r} is not one of the states",
                f"use one of: {', '.join(states)} (or add it to states)",
            )
        return name

    initial = state(sm.get("initial"), "state_machine.initial")
    terminal = frozenset(
        state(t, "state_machine.terminal")
        for t in _names(sm.get("terminal", []), "state_machine.terminal", bad, allow_empty=True)
    )
    transitions = []
    for ev, spec in sorted(
        _mapping(sm.get("transitions"), "state_machine.transitions", bad).items()
    ):
        path = f"state_machine.transitions.{ev}"
        spec = _mapping(spec, path, bad)
        if set(spec) != {"from", "to"}:
            raise bad(
                path,
                "a transition has exactly the keys from and to",
                "write {from: [state], to: state}",
            )
        sources = frozenset(
            state(s, f"{path}.from") for s in _names(spec["from"], f"{path}.from", bad)
        )
        transitions.append(
            Transition(event_type=str(ev), sources=sources, target=state(spec["to"], f"{path}.to"))
        )
    if not transitions:
        raise bad("state_machine.transitions", "no transitions", "add at least one event type")
    if not any(initial in t.sources for t in transitions):
        raise bad(
            "state_machine.initial",
            f"no event type is allowed from the initial state {initial!r}",
            "add the initial state to some transition's from",
        )
    statuses = []
    raw_statuses = _mapping(sm.get("statuses"), "state_machine.statuses", bad)
    for name in raw_statuses:
        state(name, f"state_machine.statuses.{name}")
    reachable = {t.target for t in transitions}
    for st in states:
        val = raw_statuses.get(st)
        if val is None:
            if st in reachable:
                raise bad(
                    "state_machine.statuses",
                    f"state {st!r} has no reporting status",
                    f"add {st}: <status the report shows>",
                )
            continue
        vals = (val,) if isinstance(val, str) else _names(val, f"state_machine.statuses.{st}", bad)
        statuses.append((st, tuple(sorted(v.strip().lower() for v in vals))))
    return StateMachine(
        states=states,
        initial=initial,
        terminal=terminal,
        transitions=tuple(transitions),
        statuses=tuple(statuses),
    )


def _column_map(side: Side, value: object, fmt: object, bad: Any) -> ColumnMap:
    allowed = EVENT_COLUMNS if side is Side.EVENTS else REPORT_COLUMNS
    cols = dict(_mapping(value if value is not None else {}, f"columns.{side.value}", bad))
    for key, raw in cols.items():
        if key not in allowed:
            raise bad(
                f"columns.{side.value}.{key}",
                "unknown canonical column",
                f"use one of: {', '.join(allowed)}",
            )
        if not isinstance(raw, str) or not raw:
            raise bad(
                f"columns.{side.value}.{key}",
                "expected a column name",
                f"write {key}: <raw column>",
            )
    for req in REQUIRED_COLUMNS[side]:
        cols.setdefault(req, req)
    raws = list(cols.values())
    dup = next((r for r in raws if raws.count(r) > 1), None)
    if dup is not None:
        raise bad(
            f"columns.{side.value}",
            f"raw column {dup!r} is mapped twice",
            "map each raw column once",
        )
    try:
        amount_format = AmountFormat(str(fmt) if fmt is not None else AmountFormat.MINOR_UNITS)
    except ValueError:
        raise bad(
            f"amounts.{side.value}", f"unknown amount format {fmt!r}", "use minor_units or decimal"
        ) from None
    mapping = tuple((c, cols[c]) for c in allowed if c in cols)
    return ColumnMap(side=side, mapping=mapping, amount_format=amount_format)


def _regions(value: object, bad: Any) -> Mapping[str, tuple[str, ...]]:
    """Named country lists (`EEA: [AT, BE, ...]`), defined once, usable wherever a country is."""
    out = {}
    for name, countries in _mapping(value, "regions", bad).items():
        if not _REGION.match(str(name)):
            raise bad(
                f"regions.{name}",
                "a region name is 3 to 32 capitals, digits or _, starting with a letter",
                "write e.g. EEA (2 letters would read as a country)",
            )
        if isinstance(countries, list) and any(isinstance(c, bool) for c in countries):
            raise bad(
                f"regions.{name}",
                "a country code was read as true/false (YAML reads a bare NO, ON, Y as booleans)",
                'quote the code: "NO"',
            )
        members = _names(countries, f"regions.{name}", bad)
        if not all(_COUNTRY.match(c) for c in members):
            raise bad(
                f"regions.{name}", "expected ISO 3166 alpha-2 country codes", "write e.g. [DE, FR]"
            )
        out[str(name)] = members
    return out


def _by_country(
    value: object, path: str, regions: Mapping[str, tuple[str, ...]], bad: Any
) -> dict[str, tuple[str, object]]:
    """Per country: (the key it came from, its value). A country's own key wins over a region's;
    a country that two regions with different values cover is ambiguous and an error."""
    own: dict[str, tuple[str, object]] = {}
    via: dict[str, tuple[str, object]] = {}
    for key, item in sorted(_mapping(value, path, bad).items()):
        key = str(key)
        if _COUNTRY.match(key):
            own[key] = (key, item)
        elif key in regions:
            for country in regions[key]:
                prior = via.get(country)
                if prior is not None and prior[1] != item:
                    raise bad(
                        f"{path}.{key}",
                        f"{country} is in regions {prior[0]} and {key} with different rules",
                        f"give {country} its own entry under {path}",
                    )
                via[country] = (key, item)
        else:
            raise bad(
                f"{path}.{key}",
                "expected an ISO 3166 alpha-2 country code or a name under regions",
                "write e.g. DE, or define the region under regions",
            )
    return {**via, **own}


def _geo(
    value: object,
    path: str,
    code: re.Pattern[str] | None,
    regions: Mapping[str, tuple[str, ...]],
    bad: Any,
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for country, (key, allowed) in sorted(_by_country(value, path, regions, bad).items()):
        names = _names(allowed, f"{path}.{key}", bad)
        if code is not None and not all(code.match(n) for n in names):
            raise bad(f"{path}.{key}", "expected 3-letter ISO 4217 codes", "write e.g. [EUR]")
        out.append((country, tuple(sorted(names))))
    return tuple(out)


def _thresholds(
    value: Mapping[str, Any], bad: Any
) -> tuple[tuple[DiscrepancyClass, Threshold], ...]:
    def one(spec: object, path: str, base: Threshold) -> Threshold:
        spec = _mapping(spec, path, bad)
        extra = set(spec) - {"max_count", "max_ratio", "severity"}
        if extra:
            raise bad(
                f"{path}.{sorted(extra)[0]}", "unknown key", "use max_count, max_ratio, severity"
            )
        # A class that sets either limit replaces both of the default's limits (an unset one is
        # no limit); a class that sets neither keeps the default's. Severity is inherited.
        own = "max_count" in spec or "max_ratio" in spec
        mc = spec.get("max_count") if own else base.max_count
        mr = spec.get("max_ratio") if own else base.max_ratio
        sev = spec.get("severity")
        if mc is not None and (not isinstance(mc, int) or isinstance(mc, bool) or mc < 0):
            raise bad(
                f"{path}.max_count",
                f"expected a whole number >= 0, got {mc!r}",
                "write max_count: 0",
            )
        if mr is not None and (
            isinstance(mr, bool) or not isinstance(mr, int | float) or not 0 <= mr <= 1
        ):
            raise bad(
                f"{path}.max_ratio",
                f"expected a share between 0 and 1, got {mr!r}",
                "write max_ratio: 0.001",
            )
        try:
            severity = Severity(sev) if sev is not None else base.severity
        except ValueError:
            raise bad(
                f"{path}.severity", f"unknown severity {sev!r}", "use low, medium, high or critical"
            ) from None
        return Threshold(
            max_count=mc, max_ratio=None if mr is None else float(mr), severity=severity
        )

    for key in value:
        if key != "default" and key not in {c.value for c in DiscrepancyClass}:
            raise bad(
                f"thresholds.{key}",
                "unknown discrepancy class",
                f"use default or one of: {', '.join(c.value for c in DiscrepancyClass)}",
            )
    default = one(
        value.get("default", {}),
        "thresholds.default",
        Threshold(max_count=0, max_ratio=None, severity=None),
    )
    return tuple(
        (c, one(value[c.value], f"thresholds.{c.value}", default) if c.value in value else default)
        for c in DiscrepancyClass
    )


__all__ = [
    "SCHEMA",
    "AmountFormat",
    "ColumnMap",
    "ReconcileConfig",
    "StateMachine",
    "Threshold",
    "Transition",
    "parse",
    "parse_time",
]
