"""The reconcile policy section's JSON Schema: the shape of every key, each with a description.

The runner validates the section against it (with the common keys added) before the gate runs;
config.parse then checks what a schema cannot (state names, mapped columns, geo codes).
"""

from __future__ import annotations

from typing import Any

from gates.checks.reconcile.model import (
    EVENT_COLUMNS,
    REPORT_COLUMNS,
    REQUIRED_COLUMNS,
    DiscrepancyClass,
    Side,
)
from gates.model import Severity

AMOUNT_FORMATS = ("minor_units", "decimal")


def _str_list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1}, "description": name}


_SOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A source spec: {kind: jsonl|csv|parquet|sqlite|postgres|kafka, ...}; file "
    "paths are globs relative to the repository root.",
    "required": ["kind"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["jsonl", "csv", "parquet", "sqlite", "postgres", "kafka"],
            "description": "Which reader to use.",
        }
    },
    "additionalProperties": True,
}
_THRESHOLD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "When a class blocks: more than max_count payments, or a larger share of all "
    "payments than max_ratio. With neither, any occurrence counts.",
    "additionalProperties": False,
    "properties": {
        "max_count": {"type": "integer", "minimum": 0, "description": "Largest count that passes."},
        "max_ratio": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Largest share of processed payments that passes (0..1).",
        },
        "severity": {
            "type": "string",
            "enum": [s.value for s in Severity],
            "description": "Severity of the finding when the threshold is exceeded.",
        },
    },
}


def _columns_schema(side: Side, names: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"Raw {side.value} column for each canonical column; unmapped optional "
        "columns are not checked. Required: " + ", ".join(REQUIRED_COLUMNS[side]) + ".",
        "additionalProperties": False,
        "properties": {
            n: {"type": "string", "minLength": 1, "description": f"Raw column holding {n}."}
            for n in names
        },
    }


SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Reconcile payment events with the reporting system.",
    "additionalProperties": False,
    "required": ["state_machine"],
    "properties": {
        "events": {**_SOURCE_SCHEMA, "description": "Where the payment events come from."},
        "report": {**_SOURCE_SCHEMA, "description": "Where the reporting system's rows come from."},
        "columns": {
            "type": "object",
            "description": "Column mapping per source.",
            "additionalProperties": False,
            "properties": {
                "events": _columns_schema(Side.EVENTS, EVENT_COLUMNS),
                "report": _columns_schema(Side.REPORT, REPORT_COLUMNS),
            },
        },
        "amounts": {
            "type": "object",
            "description": "How amounts are written and compared (never as floats).",
            "additionalProperties": False,
            "properties": {
                "events": {
                    "type": "string",
                    "enum": list(AMOUNT_FORMATS),
                    "description": "minor_units (integer, 1234 = 12.34 USD) or decimal text.",
                },
                "report": {
                    "type": "string",
                    "enum": list(AMOUNT_FORMATS),
                    "description": "minor_units (integer, 1234 = 12.34 USD) or decimal text.",
                },
                "tolerance": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Largest difference in minor units that is not a mismatch.",
                },
                "exponents": {
                    "type": "object",
                    "description": "Minor-unit digits per currency, overriding ISO 4217.",
                    "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 4},
                },
            },
        },
        "state_machine": {
            "type": "object",
            "description": "The payment lifecycle the events are replayed through.",
            "additionalProperties": False,
            "required": ["states", "initial", "terminal", "transitions", "statuses"],
            "properties": {
                "states": {**_str_list("Every state."), "minItems": 1},
                "initial": {"type": "string", "description": "State before the first event."},
                "terminal": _str_list("States in which a payment is finished (never stuck)."),
                "transitions": {
                    "type": "object",
                    "description": "Per event type: the states it may occur in and its target.",
                    "minProperties": 1,
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from", "to"],
                        "properties": {
                            "from": {**_str_list("States the event is legal in."), "minItems": 1},
                            "to": {"type": "string", "description": "State after the event."},
                        },
                    },
                },
                "statuses": {
                    "type": "object",
                    "description": "Reporting status (or list of accepted statuses) per final "
                    "state, e.g. captured: completed.",
                    "additionalProperties": {
                        "oneOf": [
                            {"type": "string", "minLength": 1},
                            {"type": "array", "items": {"type": "string"}, "minItems": 1},
                        ]
                    },
                },
            },
        },
        "sequence_start": {
            "type": "integer",
            "description": "First sequence number of every payment (gaps are counted from it).",
        },
        "as_of": {
            "type": "string",
            "description": "RFC 3339 time the data is judged at (default: the run's time).",
        },
        "grace_period": {
            "type": "string",
            "pattern": "^[0-9]{1,6}[smhd]$",
            "description": "How long a payment may stay in flight (e.g. 24h) before it is stuck; "
            "in-flight payments are not reported missing or mismatched.",
        },
        "geo": {
            "type": "object",
            "description": "Regional compliance rules; countries not listed are not checked.",
            "additionalProperties": False,
            "properties": {
                "currencies": {
                    "type": "object",
                    "description": "Allowed currencies per ISO country code.",
                    "additionalProperties": _str_list("ISO 4217 codes."),
                },
                "residency": {
                    "type": "object",
                    "description": "Allowed data-residency regions per ISO country code.",
                    "additionalProperties": _str_list("Region names."),
                },
                "ip_database": {
                    "type": "string",
                    "minLength": 1,
                    "description": "MaxMind database (.mmdb) inside the repository: the "
                    "country of each payment's ip column is compared with its country "
                    "(geo_ip_mismatch); addresses it does not hold are geo_unknown_ip.",
                },
            },
        },
        "regions": {
            "type": "object",
            "description": "Named country lists (e.g. EEA: [AT, BE, ...]), defined once and "
            "usable as a key wherever geo and tax rules take a country; a country's own entry "
            "wins over its region's.",
            "additionalProperties": _str_list("ISO 3166 alpha-2 country codes."),
        },
        "tax": {
            "type": "object",
            "description": "Tax rule per ISO country or region name; the report's tax column is "
            "compared with the tax computed exactly from the payment's amount.",
            "additionalProperties": {
                "type": "object",
                "description": "One tax rule.",
                "additionalProperties": False,
                "required": ["rate", "inclusive", "rounding"],
                "properties": {
                    "rate": {
                        "type": "string",
                        "pattern": "^[0-9]{1,3}([.][0-9]{1,6})?%$",
                        "description": 'Percentage as text, 0% to 100%, e.g. "19%" or "8.875%".',
                    },
                    "inclusive": {
                        "type": "boolean",
                        "description": "true: amounts include the tax; false: tax is added on top.",
                    },
                    "rounding": {
                        "type": "string",
                        "enum": ["half_up", "half_even", "down", "up"],
                        "description": "How the exact tax is rounded to the minor unit: half_up "
                        "(.5 away from zero), half_even, down (toward zero), up (away from zero).",
                    },
                    "tolerance": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Largest difference in minor units that is not a mismatch.",
                    },
                },
            },
        },
        "thresholds": {
            "type": "object",
            "description": "Per class (or `default`): when the class blocks, and its severity.",
            "additionalProperties": False,
            "properties": {
                name: {**_THRESHOLD_SCHEMA}
                for name in ["default", *(c.value for c in DiscrepancyClass)]
            },
        },
        "engine": {
            "type": "string",
            "enum": ["duckdb", "postgres", "spark"],
            "description": "Where the plan runs: embedded DuckDB (default), pushed down to the "
            "PostgreSQL holding both sources, or Spark.",
        },
        "sample_size": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "description": "How many sample payment ids each class shows.",
        },
    },
}
