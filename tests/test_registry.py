"""Gate registration stays cheap: every pre-commit run loads the gates its policy mentions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gates import registry

HEAVY = (
    "detect_secrets",
    "bandit",
    "semgrep",
    "duckdb",
    "pyarrow",
    "sqlglot",
    "pyspark",
    "psycopg",
    "confluent_kafka",
    "re2",
    "cryptography",
    "jsonschema",
    "structlog",
)


@pytest.mark.parametrize("gate", ["pii", "secrets", "sast", "signoff", "reconcile", "audit-log"])
def test_loading_a_gate_imports_no_heavy_dependency(gate: str) -> None:
    code = (
        "import json, sys\n"
        "from gates import registry\n"
        f"registry.load([{gate!r}])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(out.stdout))
    assert loaded & set(HEAVY) == set()


def test_builtin_gates_are_entry_points_with_matching_ids() -> None:
    ids = ["pii", "secrets", "sast", "signoff", "reconcile", "audit-log"]
    specs = registry.load(ids)
    assert [s.id for s in specs] == ids
    for spec in specs:
        assert spec.rules, spec.id
        assert all(r.id.startswith(spec.id + ".") for r in spec.rules)


def test_the_built_in_table_is_what_the_package_registers() -> None:
    """`registry.BUILT_IN` lets a run of built-in gates skip the entry-point scan: it must name
    exactly the entry points pyproject.toml declares, and those the installed package exposes."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    declared = project["project"]["entry-points"][registry.GROUP]
    assert dict(registry.BUILT_IN) == declared
    installed = {name: ep.value for name, ep in registry.discover().items() if name in declared}
    assert installed == declared
    assert [s.id for s in registry.load_built_in(sorted(declared)) or ()] == sorted(declared)
    assert registry.load_built_in(["pii", "not-built-in"]) is None
