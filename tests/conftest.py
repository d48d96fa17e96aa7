"""Fixtures shared by the whole suite."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Real servers (PostgreSQL, a Kafka-protocol broker, Spark) for the reconcile tests, session-scoped.
pytest_plugins = ["tests.reconcile_servers"]

FAKE_GATES = (
    "marker",
    "boom",
    "hang",
    "garbage",
    "badprint",
    "dies",
    "badinput",
    "interrupt",
    "spawn",
    "outlives",
    "meeta",
    "meetb",
    "boomhere",
    "hanghere",
    "spinhere",
    "stuckhere",
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to servers they start on loopback and to unix sockets; nothing else."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family == socket.AF_UNIX:
            return True
        host = address[0] if isinstance(address, tuple) else address
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def connect(sock: socket.socket, address: Any) -> None:
        if not allowed(sock, address):
            raise OSError(f"network access blocked in tests: {address!r}")
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if not allowed(sock, address):
            raise OSError(f"network access blocked in tests: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


_CI_ENV = (
    "GITHUB_BASE_REF",
    "GITHUB_STEP_SUMMARY",
    "RELEASE_GATES_FINGERPRINT_KEY",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_PIPELINE_CREATED_AT",
    "CI_COMMIT_SHA",
)


@pytest.fixture(scope="session", autouse=True)
def _machine_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One "machine" per session: the warm cache's key file lives here, never in the real home
    (session-scoped so module-scoped fixtures that fill a cache see it too)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        mp.delenv("RELEASE_GATES_CACHE_KEY", raising=False)
        # module-scoped fixtures run before the function-scoped isolation below: CI runs with
        # these set, so they are cleared for the whole session too
        for var in _CI_ENV:
            mp.delenv(var, raising=False)
        yield


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No CI variables, key or cache of the machine leak into a test."""
    for var in _CI_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def plugin_gates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Registers tests/fake_gates.py through the real `release_gates.gates` entry-point group."""
    site = tmp_path / "plugin-site"
    dist = site / "release_gates_test_plugins-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: release-gates-test-plugins\nVersion: 0.0\n"
    )
    lines = ["[release_gates.gates]"] + [f"{g} = tests.fake_gates:{g.upper()}" for g in FAKE_GATES]
    (dist / "entry_points.txt").write_text(
        "\n".join(lines) + "\nnotaspec = tests.fake_gates:NOT_A_SPEC\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return dist
