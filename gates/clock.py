"""The clock a run judges expiry by, where it came from, and the rules that keep it honest.

An expired waiver counts again if the clock is set back, so the time used is part of the verdict:
every report and the evidence record it with its source. `--now` reproduces a past run on a
developer's machine; under CI (`CI`, `GITHUB_ACTIONS` or `GITLAB_CI` set) it is refused unless
the trusted policy says `unsafe_allow_now_in_ci: true`. A clock earlier than the trust ref's commit
(the protected base exists, so real time is past it) is refused too: a faked system clock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from gates.errors import InvalidInput
from gates.record import record

SKEW = timedelta(minutes=5)  # clocks of honest machines disagree by this much
SYSTEM = "system clock"
FLAG = "--now"
CALLER = "given by the caller"  # library use: `Options(now=...)`
# `gates demo` judges its own embedded repository and approvals, written for one fixed date; no
# pull request controls either, so its clock is allowed under CI (the README's first command runs there).
DEMO = "the demo's fixed date"
ALLOW_KEY = "unsafe_allow_now_in_ci"
_CI_VARS = ("CI", "GITHUB_ACTIONS", "GITLAB_CI")


@record
class Clock:
    now: datetime  # timezone-aware, UTC
    source: str  # SYSTEM or FLAG

    @property
    def overridden(self) -> bool:
        return self.source != SYSTEM


def under_ci(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return any(env.get(v, "").strip().lower() not in ("", "0", "false") for v in _CI_VARS)


def parse(arg: str | None) -> Clock:
    """`--now` (RFC 3339 with a zone) or the system clock."""
    if not arg:
        return Clock(now=datetime.now(UTC).replace(microsecond=0), source=SYSTEM)
    try:
        parsed = datetime.fromisoformat(arg.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "--now", arg, "not an RFC 3339 timestamp", "write e.g. 2026-01-31T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput("--now", arg, "timestamp has no time zone", "append Z for UTC")
    return Clock(now=parsed.astimezone(UTC), source=FLAG)


def check(
    clock: Clock,
    policy_document: Mapping[str, object],
    *,
    ci: bool,
    trust_commit_time: int | None = None,
    trust_ref: str | None = None,
) -> None:
    """Refuse a clock that a pull request (or its runner) could have chosen."""
    demo = clock.source == DEMO
    if clock.overridden and ci and not demo and policy_document.get(ALLOW_KEY) is not True:
        raise InvalidInput(
            "--now",
            clock.now.isoformat(),
            "setting the clock is refused under CI: an earlier time revives expired approvals",
            f"drop --now in CI (or set {ALLOW_KEY}: true in the policy on the base branch)",
        )
    if trust_commit_time is None or clock.overridden:
        return
    floor = datetime.fromtimestamp(trust_commit_time, UTC)
    if clock.now < floor - SKEW:
        raise InvalidInput(
            "clock",
            clock.now.isoformat(),
            f"the system clock is earlier than the commit time of {trust_ref} "
            f"({floor.isoformat()}): it is wrong or was set back",
            "fix the machine's clock (NTP) and rerun",
        )
