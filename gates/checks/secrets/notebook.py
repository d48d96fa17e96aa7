"""Jupyter notebooks: the text a secret can hide in (cell sources and text outputs), by line.

A notebook is JSON, where each source line is a JSON string; scanning the raw JSON would show
detect-secrets escaped, quoted fragments. We scan each cell's text as the code it is and map every
line back to the line of the .ipynb file holding it, so the finding points at the real line.
"""

from __future__ import annotations

import json

from gates.record import record
from gates.textlines import lines_of


@record
class Chunk:
    suffix: str  # file type detect-secrets should assume: ".py" for code, ".md" for the rest
    lines: tuple[str, ...]
    raw_lines: tuple[int, ...]  # 1-based line in the .ipynb for each of `lines` (0: unknown)


def _as_lines(value: object) -> list[str]:
    if isinstance(value, str):
        return lines_of(value)
    if isinstance(value, list):
        return [line for part in value if isinstance(part, str) for line in lines_of(part)]
    return []


def chunks(text: str) -> tuple[Chunk, ...] | None:
    """The notebook's cells and text outputs, or None when it is not notebook JSON."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        return None
    raw = lines_of(text)
    cursor = 0
    out = []
    for cell in doc["cells"]:
        if not isinstance(cell, dict):
            continue
        suffix = ".py" if cell.get("cell_type") == "code" else ".md"
        parts = [(suffix, _as_lines(cell.get("source")))]
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            if isinstance(output, dict):
                data = output.get("data")
                plain = data.get("text/plain") if isinstance(data, dict) else None
                parts.append((".md", _as_lines(output.get("text")) + _as_lines(plain)))
        for part_suffix, lines in parts:
            numbers = []
            for line in lines:
                encoded = json.dumps(line)[1:-1]
                found = next(
                    (i for i in range(cursor, len(raw)) if encoded and encoded in raw[i]), None
                )
                if found is None:
                    numbers.append(0)
                else:
                    numbers.append(found + 1)
                    cursor = found
            if lines:
                out.append(Chunk(suffix=part_suffix, lines=tuple(lines), raw_lines=tuple(numbers)))
    return tuple(out)
