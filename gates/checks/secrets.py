"""The secrets gate (being built: see its issue). Placeholder so the entry point resolves."""

from __future__ import annotations

from collections.abc import Iterable

from gates.errors import GateCannotRun
from gates.model import Finding
from gates.registry import GateContext, GateSpec


def _run(ctx: GateContext) -> Iterable[Finding]:
    raise GateCannotRun("secrets", "this gate is not built yet", "disable it in the policy")


GATE = GateSpec(
    id="secrets",
    summary="(not built yet)",
    config_schema={"type": "object", "properties": {}},
    rules=(),
    run=_run,
)
