"""Quorum: do the verified signers cover the required roles, each person counted once?

Counts distinct keys: principals that signed with one key are one person, filling one seat.
Each principal fills at most one role seat, even when listed in several roles; seats are assigned
by bipartite matching, so the answer does not depend on the order signatures were found in.
Excluded principals (the requester, and the change's authors unless the policy lets them count)
never count.
"""

from __future__ import annotations

from collections.abc import Mapping

from gates.record import record


@record
class Signed:
    """A principal whose signature verified, and the key that made it."""

    principal: str
    key_fingerprint: str


@record
class QuorumResult:
    met: bool
    counted: tuple[tuple[str, str], ...]  # (principal, role), sorted
    reason: str  # why it is not met ("" when met)


def evaluate(
    signed: tuple[Signed, ...],
    roles: Mapping[str, frozenset[str]],
    required: Mapping[str, int],
    excluded: Mapping[str, str],
) -> QuorumResult:
    """`excluded` maps principal -> why it does not count ("the requester", "a commit author")."""
    notes: list[str] = []
    people: dict[str, list[str]] = {}  # key fingerprint -> principals who signed with it
    for s in sorted(signed, key=lambda s: s.principal):
        if s.principal in excluded:
            notes.append(f"{s.principal} does not count ({excluded[s.principal]})")
            continue
        people.setdefault(s.key_fingerprint, []).append(s.principal)
    for names in people.values():
        if len(names) > 1:
            notes.append(f"{' and '.join(names)} signed with the same key: counted once")
    persons = sorted(people.values())
    seats = [role for role in sorted(required) for _ in range(required[role])]
    match = _assign(persons, seats, roles)
    counted = tuple(
        sorted(
            (next(n for n in persons[who] if n in roles[seats[i]]), seats[i])
            for i, who in match.items()
        )
    )
    filled: dict[str, int] = {}
    for _, role in counted:
        filled[role] = filled.get(role, 0) + 1
    short = [
        f"{role} {filled.get(role, 0)}/{need}"
        for role, need in sorted(required.items())
        if filled.get(role, 0) < need
    ]
    if not short:
        return QuorumResult(met=True, counted=counted, reason="")
    unassigned = [", ".join(p) for i, p in enumerate(persons) if i not in match.values()]
    if unassigned:
        notes.append(f"not in a needed role (or already counted): {'; '.join(unassigned)}")
    reason = "quorum not met: " + ", ".join(short)
    if notes:
        reason += " (" + "; ".join(notes) + ")"
    return QuorumResult(met=False, counted=counted, reason=reason)


def _assign(
    persons: list[list[str]], seats: list[str], roles: Mapping[str, frozenset[str]]
) -> dict[int, int]:
    """Maximum bipartite matching seat -> person index (Kuhn's augmenting paths; inputs are
    tiny). A person (one key) may fill a seat when any of their principals holds its role."""
    owner: dict[int, int] = {}

    def fits(who: int, role: str) -> bool:
        return any(n in roles.get(role, frozenset()) for n in persons[who])

    def place(who: int, tried: set[int]) -> bool:
        for i, role in enumerate(seats):
            if i in tried or not fits(who, role):
                continue
            tried.add(i)
            if i not in owner or place(owner[i], tried):
                owner[i] = who
                return True
        return False

    for who in range(len(persons)):
        place(who, set())
    return owner
