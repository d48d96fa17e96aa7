"""Optional engines: which package extra provides the modules a gate needs, checked before it runs.

The core install carries what the light gates import (pii, secrets, signoff). The sast gate needs
the `sast` extra (semgrep, bandit) and the reconcile gate the `reconcile` extra (duckdb, pyarrow,
sqlglot). A gate whose engine is missing fails closed: GateCannotRun (exit 3) naming the exact
install command, never a pass with zero findings.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from gates.errors import GateCannotRun


def install_command(extra: str) -> str:
    """The one command that installs `extra` (quoted for a POSIX shell)."""
    return f"pip install 'release-gates[{extra}]'"


def missing(modules: Sequence[str]) -> tuple[str, ...]:
    """The top-level modules of `modules` that cannot be imported here, in the order given."""
    return tuple(m for m in modules if importlib.util.find_spec(m) is None)


def require(gate: str, extra: str, modules: Sequence[str]) -> None:
    """Raise GateCannotRun naming `pip install 'release-gates[<extra>]'` if a module is missing."""
    absent = missing(modules)
    if absent:
        raise GateCannotRun(
            gate,
            f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not installed "
            f"(the {extra!r} extra of release-gates)",
            install_command(extra),
        )
