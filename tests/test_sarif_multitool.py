"""Every gate's SARIF from `gates demo` validates clean under Microsoft's SARIF multitool with
GitHub's rules (`validate --rule-kind "Gh;Sarif"`) and under the SARIF 2.1.0 JSON schema.

The multitool is an npm package (`@microsoft/sarif-multitool`, a self-contained binary) that
`.ci/run` installs under `.ci/node`; a missing tool fails the test, it is never skipped.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gates.cli import main

ROOT = Path(__file__).resolve().parent.parent
MULTITOOL = Path(
    os.environ.get(
        "RELEASE_GATES_SARIF_MULTITOOL",
        ROOT / ".ci/node/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
    )
)


def validate(sarif: Path, tmp: Path) -> list[dict[str, Any]]:
    """The multitool's findings about `sarif` (empty: clean)."""
    assert MULTITOOL.is_file(), (
        f"{MULTITOOL} is missing: npm install --prefix .ci/node @microsoft/sarif-multitool@5.7.0"
    )
    out = tmp / f"{sarif.stem}.validation.sarif"
    done = subprocess.run(
        [str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif", "--output", str(out), str(sarif)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    return [r for run in doc["runs"] for r in run.get("results", [])]


@pytest.fixture(scope="module")
def demo_sarif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sarif"
    assert main(["demo", "--format", f"sarif={path}"], out=io.StringIO()) == 0
    return path


def test_demo_sarif_has_a_run_per_gate_each_its_own_category(demo_sarif: Path) -> None:
    doc = json.loads(demo_sarif.read_text(encoding="utf-8"))
    ids = [run["automationDetails"]["id"] for run in doc["runs"]]
    assert ids == [
        f"release-gates/{g}/"
        for g in ("audit-log", "pii", "reconcile", "sast", "secrets", "signoff")
    ]
    for run in doc["runs"]:
        assert run["results"], run["automationDetails"]
        for result in run["results"]:
            assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_demo_sarif_is_clean_under_the_multitool(demo_sarif: Path, tmp_path: Path) -> None:
    problems = validate(demo_sarif, tmp_path)
    assert [(p["ruleId"], p["message"]) for p in problems] == []


def test_the_multitool_does_catch_what_github_rejects(demo_sarif: Path, tmp_path: Path) -> None:
    """The check above can fail: strip the fields GitHub needs and the tool names them."""
    doc = json.loads(demo_sarif.read_text(encoding="utf-8"))
    for run in doc["runs"]:
        del run["tool"]["driver"]["informationUri"]
        for result in run["results"]:
            result["locations"][0]["physicalLocation"].pop("region")
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    assert {p["ruleId"] for p in validate(broken, tmp_path)} >= {"SARIF2005", "SARIF2017"}


def test_demo_sarif_matches_the_json_schema(demo_sarif: Path) -> None:
    schema = json.loads((ROOT / "tests/data/sarif-2.1.0.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(demo_sarif.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert [e.message for e in errors] == []
