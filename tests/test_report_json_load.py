"""Reading a JSON report back: a faithful round trip, and strict about anything else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gates.errors import InvalidInput
from gates.model import RunResult
from gates.report import Format, json_load, render
from tests import reportkit

SOURCE = "report.json"
FIX = "Fix: use a report written by `gates run --format json` (schema_version 1), unmodified"


@pytest.mark.parametrize("make", [reportkit.sample, reportkit.empty], ids=["sample", "empty"])
def test_round_trip_gives_identical_reports(make: Callable[[], RunResult]) -> None:
    result = make()
    text = render(result, Format.JSON)
    loaded = json_load.loads(text, source=SOURCE)
    for fmt in Format:
        assert render(loaded, fmt) == render(result, fmt), fmt


def test_sensitive_properties_do_not_come_back() -> None:
    loaded = json_load.loads(render(reportkit.sample(), Format.JSON), source=SOURCE)
    pan = next(rf for rf in loaded.findings if rf.finding.rule == "pii.pan")
    assert pan.finding.properties == (("issuer", "visa"),)


def _edited(path: list[str | int], value: object) -> str:
    doc = json.loads(render(reportkit.sample(), Format.JSON))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            f"{SOURCE}: line 1 column 2: not JSON (Expecting property name enclosed in double "
            f"quotes). {FIX}",
        ),
        ('{"a": 1, "a": 2}', f"{SOURCE}: key 'a': appears twice in one object. {FIX}"),
        (_edited(["schema_version"], 2), f"{SOURCE}: $.schema_version: 1 was expected. {FIX}"),
        (
            _edited(["findings", 0, "severity"], "severe"),
            f"{SOURCE}: $.findings[0].severity: 'severe' is not one of "
            f"['low', 'medium', 'high', 'critical']. {FIX}",
        ),
        (
            _edited(["summary", "blocking"], 0),
            f"{SOURCE}: $.summary: disagrees with the findings it summarises (edited?). {FIX}",
        ),
        (
            _edited(["gates", 0, "verdict"], "pass"),
            f"{SOURCE}: $.gates: disagrees with the findings it summarises (edited?). {FIX}",
        ),
        (
            _edited(["findings", 0, "blocking"], True),
            f"{SOURCE}: $.gates: disagrees with the findings it summarises (edited?). {FIX}",
        ),
        (
            _edited(["exit_code"], 1),
            f"{SOURCE}: $.verdict: error (exit 1) does not follow from 1 blocking findings and 1 "
            f"gate errors. {FIX}",
        ),
    ],
    ids=[
        "not-json",
        "duplicate-key",
        "schema-version",
        "bad-severity",
        "edited-summary",
        "edited-verdict",
        "edited-finding",
        "exit-code-not-from-verdict",
    ],
)
def test_bad_reports_are_invalid_input(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        json_load.loads(text, source=SOURCE)
    assert str(info.value) == message


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(render(reportkit.sample(), Format.JSON), encoding="utf-8")
    assert render(json_load.load(path), Format.JSON) == path.read_text(encoding="utf-8")


def test_unreadable_file_is_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b'{"x": "\xff"}')
    with pytest.raises(InvalidInput, match=r"r\.json: \$: cannot read it \("):
        json_load.load(path)


def test_related_locations_round_trip() -> None:
    import dataclasses

    from gates.model import Location

    result = reportkit.sample()
    first = result.findings[0]
    related = ((Location(path="data/e.jsonl", line=3), "events row data/e.jsonl:3"),)
    rf = dataclasses.replace(first, finding=dataclasses.replace(first.finding, related=related))
    result = dataclasses.replace(result, findings=(rf, *result.findings[1:]))
    text = render(result, Format.JSON)
    assert '"message": "events row data/e.jsonl:3"' in text
    loaded = json_load.loads(text, source=SOURCE)
    assert [f.finding.related for f in loaded.findings if f.finding.related] == [related]
    assert render(loaded, Format.JSON) == text
