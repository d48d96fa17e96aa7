"""Merging tool hits that report the same problem into one hit (pure; data in equivalents.py).

Hits are the same problem when they share path and start line and their rules map to the same
key: a Problem of `equivalents.PROBLEMS` (see there for `broader` rules), otherwise the rule id
itself (one rule matching twice on a line is one problem). The merged hit:

- `rule`: the Problem's rule id, whichever engine(s) found it, so the fingerprint is stable;
- `message`: the most specific one (the first present in the Problem's `equivalent` order, so
  our own rule's message, which names the fix), followed by `[found by: ...]` naming every
  engine and rule when more than one rule matched;
- `severity`: the highest of the hits; location: the most specific hit's start, the largest end;
- properties: `engines` and `rules` (comma-separated, sorted) plus the hits' own properties
  (the first value of each key, most specific hit first).

`proofs` (a path and line range that one of our rules proved safe, for a set of rules) remove
the hits they cover before merging: see `Proof`. Today one proof exists: a SQLAlchemy `text()`
query run with bound parameters (policies/semgrep/proofs.yaml) drops bandit B608 on its lines,
unless our data-following sql-string-building rule reports those lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from gates.checks.sast.equivalents import PROBLEMS, Problem
from gates.checks.sast.hits import ToolHit
from gates.record import record


@record
class Proof:
    """A bundled rule matched code it proves safe for `rules` (e.g. bound SQL parameters prove
    bandit B608's string-built-SQL claim wrong): hits of those rules whose start line lies in
    `line..end_line` of `path` are dropped."""

    path: str
    line: int
    end_line: int
    rules: frozenset[str]
    unless: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hit: ToolHit) -> Proof:
        return cls(
            path=hit.path,
            line=hit.line,
            end_line=hit.end_line,
            rules=frozenset(hit.proves_safe),
            unless=frozenset(hit.unless),
        )

    def _spans(self, hit: ToolHit) -> bool:
        return hit.path == self.path and self.line <= hit.line <= self.end_line

    def covers(self, hit: ToolHit, hits: Sequence[ToolHit]) -> bool:
        """True when `hit` is one this proof drops: its rule is proven wrong on these lines
        and no `unless` rule (the precise rule that would show the opposite) matched here."""
        if hit.rule not in self.rules or not self._spans(hit):
            return False
        return not any(h.rule in self.unless and self._spans(h) for h in hits)


def _problems_for(rules: Iterable[str], problems: Sequence[Problem]) -> list[Problem]:
    present = set(rules)
    return [p for p in problems if present.intersection(p.equivalent)]


def _key(hit: ToolHit, present: Sequence[Problem]) -> str:
    for problem in present:  # a more specific problem on the line absorbs broader hits
        if hit.rule in problem.broader:
            return problem.rule
    for problem in present:
        if hit.rule in problem.equivalent:
            return problem.rule
    return hit.rule


def _rank(hit: ToolHit, key: str, problems: Sequence[Problem]) -> tuple[int, str, int]:
    for problem in problems:
        if problem.rule == key:
            order = (*problem.equivalent, *problem.broader)
            if hit.rule in order:
                return (order.index(hit.rule), hit.rule, hit.column)
    return (0, hit.rule, hit.column)


def _engine_rule(hit: ToolHit) -> str:
    short = hit.rule.removeprefix("sast.").removeprefix("bandit.")
    return f"{hit.tool} {short}"


def _combine(key: str, hits: Sequence[ToolHit], problems: Sequence[Problem]) -> ToolHit:
    ordered = sorted(hits, key=lambda h: _rank(h, key, problems))
    best = ordered[0]
    rules = sorted({h.rule for h in hits})
    message = best.message
    if len(rules) > 1:
        named = ", ".join(sorted({_engine_rule(h) for h in hits}))
        message = f"{message} [found by: {named}]"
    props: dict[str, str] = {}
    for hit in ordered:
        for name, value in hit.properties:
            if value and name not in props:
                props[name] = value
    props["engines"] = ",".join(sorted({h.tool for h in hits}))
    props["rules"] = ",".join(rules)
    return replace(
        best,
        rule=key,
        message=message,
        severity=max((h.severity for h in hits), key=lambda s: s.rank),
        end_line=max(h.end_line for h in hits),
        end_column=max(h.end_column for h in hits if h.end_line == max(x.end_line for x in hits)),
        properties=tuple(sorted(props.items())),
    )


def merge(
    hits: Iterable[ToolHit],
    proofs: Iterable[Proof] = (),
    *,
    problems: Sequence[Problem] = PROBLEMS,
) -> list[ToolHit]:
    """One hit per (path, start line, problem), in (path, line, rule) order."""
    proven = tuple(proofs)
    every = list(hits)
    by_line: dict[tuple[str, int], list[ToolHit]] = {}
    for hit in every:
        if any(p.covers(hit, every) for p in proven):
            continue
        by_line.setdefault((hit.path, hit.line), []).append(hit)
    out: list[ToolHit] = []
    for (_path, _line), line_hits in sorted(by_line.items()):
        present = _problems_for((h.rule for h in line_hits), problems)
        groups: dict[str, list[ToolHit]] = {}
        for hit in line_hits:
            groups.setdefault(_key(hit, present), []).append(hit)
        out.extend(_combine(key, group, problems) for key, group in sorted(groups.items()))
    return out
