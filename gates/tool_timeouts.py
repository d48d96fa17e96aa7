"""Tool timeouts: how long git and ssh-keygen may take before the run fails closed.

A large monorepo or a hardware key waiting for a touch needs more than the default, so the limits
are settings (`--git-timeout`/`--ssh-keygen-timeout`, or the policy's `tool_timeouts`), not
constants. They are ambient (a context variable set once by the CLI) because git is called from
every layer; forked gate workers inherit the value set before the fork.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from gates.record import record

DEFAULT_S = 120.0


@record
class ToolTimeouts:
    git: float = DEFAULT_S
    ssh_keygen: float = DEFAULT_S
    from_cli: bool = False  # set on the command line: the policy's values do not replace them

    def overridden(
        self, *, git: float | None = None, ssh_keygen: float | None = None
    ) -> ToolTimeouts:
        return replace(
            self,
            git=self.git if git is None else git,
            ssh_keygen=self.ssh_keygen if ssh_keygen is None else ssh_keygen,
        )


_DEFAULT = ToolTimeouts()
_CURRENT: ContextVar[ToolTimeouts | None] = ContextVar("release_gates_tool_timeouts", default=None)


def current() -> ToolTimeouts:
    return _CURRENT.get() or _DEFAULT


@contextmanager
def using(timeouts: ToolTimeouts) -> Iterator[None]:
    token = _CURRENT.set(timeouts)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def set_for_run(timeouts: ToolTimeouts) -> None:
    """Set the limits for the rest of this process (the CLI, once per command)."""
    _CURRENT.set(timeouts)


def apply_policy(section: Mapping[str, object]) -> None:
    """The policy's `tool_timeouts` (read from the trust ref), unless the CLI set them."""
    now = current()
    if now.from_cli or not section:
        return
    git = section.get("git")
    ssh = section.get("ssh_keygen")
    set_for_run(
        now.overridden(
            git=float(git) if isinstance(git, int | float) else None,
            ssh_keygen=float(ssh) if isinstance(ssh, int | float) else None,
        )
    )
