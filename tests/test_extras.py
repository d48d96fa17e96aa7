"""Optional engines: a gate whose extra is not installed fails closed, naming the install command."""

from __future__ import annotations

import pytest

from gates.checks.sast.config import parse
from gates.checks.sast.gate import engines, plan_for
from gates.errors import GateCannotRun
from gates.extras import install_command, missing, require


def test_present_modules_pass() -> None:
    require("sast", "sast", ("json", "yaml"))
    assert missing(("json", "yaml")) == ()


@pytest.mark.parametrize(
    ("modules", "reason"),
    [
        (("json", "rg_no_such_engine"), "rg_no_such_engine is not installed"),
        (("rg_no_a", "rg_no_b"), "rg_no_a, rg_no_b are not installed"),
    ],
    ids=["one", "two"],
)
def test_missing_modules_fail_closed(modules: tuple[str, ...], reason: str) -> None:
    with pytest.raises(GateCannotRun) as info:
        require("reconcile", "reconcile", modules)
    assert str(info.value) == (
        f"gate reconcile: {reason} (the 'reconcile' extra of release-gates). "
        "Fix: pip install 'release-gates[reconcile]'"
    )


_UNCOVERED = plan_for(parse({"bandit": {"engine": "semgrep"}})).bandit_tests or ()


def test_install_command_is_shell_quoted() -> None:
    assert install_command("sast") == "pip install 'release-gates[sast]'"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, ("semgrep", "bandit")),
        ({"semgrep": {"enabled": False}}, ("bandit",)),  # auto: the pack lacks some tests
        # engine semgrep: the tests the bundled pack covers run in semgrep, bandit the rest
        ({"semgrep": {"enabled": False}, "bandit": {"engine": "semgrep"}}, ("semgrep", "bandit")),
        ({"bandit": {"enabled": False}}, ("semgrep",)),
        ({"bandit": {"skip": list(_UNCOVERED)}}, ("semgrep",)),  # bandit need not be installed
        ({"semgrep": {"enabled": False}, "bandit": {"skip": list(_UNCOVERED)}}, ("semgrep",)),
    ],
    ids=["both", "bandit-only", "split", "semgrep-only", "all-covered", "all-covered-sg-off"],
)
def test_sast_requires_only_the_enabled_tools(
    config: dict[str, object], expected: tuple[str, ...]
) -> None:
    assert engines(parse(config)) == expected
