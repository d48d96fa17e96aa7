"""`gates reconcile`: the reconcile gate as a standalone command (see checks/reconcile/command)."""

from __future__ import annotations

from gates.checks.reconcile.command import add_parser, run

__all__ = ["add_parser", "run"]
