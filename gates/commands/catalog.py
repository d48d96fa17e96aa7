"""`gates list` and `gates explain`: the installed gates, their rules, and what each rule means."""

from __future__ import annotations

import argparse
from typing import TextIO

from gates.errors import InvalidInput


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "list",
        help="list installed gates and their rules",
        description="List every installed gate (built-in or plugin) and its rules.",
        epilog="example:\n  gates list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=list_gates)
    e = sub.add_parser(
        "explain",
        help="explain a rule",
        description="Show what a rule proves, its default severity and how to fix its findings.",
        epilog="examples:\n  gates explain pii.pan\n  gates explain sast.float-money",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("rule", metavar="RULE", help="rule id, e.g. pii.pan")
    e.set_defaults(handler=explain)


def list_gates(args: argparse.Namespace, out: TextIO) -> int:
    from gates import registry

    for spec in registry.load():
        tools = f" (tools: {', '.join(spec.tools)})" if spec.tools else ""
        out.write(f"{spec.id}: {spec.summary}{tools}\n")
        for rule in sorted(spec.rules, key=lambda r: r.id):
            out.write(f"  {rule.id:<40} {rule.default_severity.value:<8} {rule.summary}\n")
    return 0


def explain(args: argparse.Namespace, out: TextIO) -> int:
    from gates import registry
    from gates.runner import EXPIRED_RULE_INFO

    gate_id = args.rule.split(".", 1)[0]
    specs = registry.load([gate_id]) if gate_id in registry.available() else ()
    rules = {r.id: r for s in specs for r in s.rules}
    rules[EXPIRED_RULE_INFO.id] = EXPIRED_RULE_INFO
    rule = rules.get(args.rule)
    if rule is None:
        raise InvalidInput(
            "gates explain", args.rule, "no such rule", "see `gates list` for rule ids"
        )
    out.write(f"{rule.id} ({rule.name})\n")
    out.write(f"severity: {rule.default_severity.value}\n")
    if rule.tags:
        out.write(f"tags: {', '.join(rule.tags)}\n")
    out.write(f"\n{rule.summary}\n\n{rule.help}\n")
    from gates.redact import example

    masked = example(rule.id)
    if masked is not None:
        out.write(
            f"\nmasked: the value is never shown in clear; reports, logs, errors and caches show "
            f"it as {masked}\n"
        )
    return 0
