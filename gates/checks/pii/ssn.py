"""US Social Security numbers: the SSA's structural rules.

Area 001–899 except 666, group 01–99, serial 0001–9999 (900–999 are ITINs, not SSNs). Two numbers
the SSA voided after they were published (078-05-1120, 219-09-9999) are examples, not PII. The
scanner only offers a plain nine-digit run as a candidate when a word such as 'SSN' or 'social
security' precedes it on the same line: most nine-digit numbers in code are ids or amounts.
"""

from __future__ import annotations

VOIDED = frozenset({"078051120", "219099999"})


def is_valid(digits: str) -> bool:
    """True when nine ASCII digits form a structurally valid, not voided SSN."""
    if len(digits) != 9 or not digits.isdigit() or digits in VOIDED:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area < "900" and group != "00" and serial != "0000"
