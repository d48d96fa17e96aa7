"""`gates list` and `gates explain`: the installed gates, their rules, and what each rule means."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from gates.errors import InvalidInput
from gates.model import RuleInfo

if TYPE_CHECKING:
    from gates.controls.catalog import Catalog


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "list",
        help="list installed gates and their rules",
        description="List every installed gate (built-in or plugin) and its rules.",
        epilog="examples:\n  gates list\n  gates list --controls",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--controls",
        action="store_true",
        help="also show the PCI DSS 4.0, SOC 2 and GDPR controls each rule gives evidence for",
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

    cat = None
    if args.controls:
        from gates.controls import catalog

        cat = catalog.load()
    for spec in registry.load():
        tools = f" (tools: {', '.join(spec.tools)})" if spec.tools else ""
        out.write(f"{spec.id}: {spec.summary}{tools}\n")
        _rules(spec.rules, cat, out)
    if cat is not None:
        from gates.controls import run_level_rules

        out.write("run: rules the runner reports itself\n")
        _rules(run_level_rules(), cat, out)
    return 0


def _rules(rules: Iterable[RuleInfo], cat: Catalog | None, out: TextIO) -> None:
    for rule in sorted(rules, key=lambda r: r.id):
        out.write(f"  {rule.id:<40} {rule.default_severity.value:<8} {rule.summary}\n")
        if cat is not None:
            found = cat.resolve(rule)
            shown = "unmapped" if found is None else ", ".join(found.controls) or "none"
            out.write(f"  {'':<40} controls: {shown}\n")


def explain(args: argparse.Namespace, out: TextIO) -> int:
    from gates import registry
    from gates.controls import catalog, run_level_rules

    gate_id = args.rule.split(".", 1)[0]
    specs = registry.load([gate_id]) if gate_id in registry.available() else ()
    rules = {r.id: r for s in specs for r in s.rules}
    rules.update((r.id, r) for r in run_level_rules())
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
    _controls(catalog.load(), rule, out)
    from gates.redact import example

    masked = example(rule.id)
    if masked is not None:
        out.write(
            f"\nmasked: the value is never shown in clear; reports, logs, errors and caches show "
            f"it as {masked}\n"
        )
    return 0


def _controls(cat: Catalog, rule: RuleInfo, out: TextIO) -> None:
    """The controls the rule gives evidence for, with why (gates/controls/controls.yaml)."""
    found = cat.resolve(rule)
    if found is None:
        out.write("\ncontrols: unmapped (no entry in gates/controls/controls.yaml)\n")
        return
    if not found.controls:
        out.write(f"\ncontrols: none ({' '.join(found.reasons)})\n")
        return
    out.write(f"\ncontrols (mapped by {found.by}):\n")
    for control_id in found.controls:
        out.write(f"  {control_id:<20} {cat.control(control_id).title}\n")
    out.write(f"  why: {' '.join(found.reasons)}\n")
