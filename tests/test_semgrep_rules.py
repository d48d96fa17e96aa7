"""The bundled semgrep rule pack: its own rule tests pass, and it agrees with the catalogue."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from gates.checks.sast.catalog import BUNDLED, BUNDLED_PROOFS
from gates.model import Severity

PACK = Path(str(files("gates") / "policies" / "semgrep"))
SEMGREP = str(Path(sys.executable).parent / "semgrep")
_SEVERITY = {"ERROR": Severity.HIGH, "WARNING": Severity.MEDIUM, "INFO": Severity.LOW}


def _rules() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for path in sorted(PACK.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            assert rule["id"] not in out, f"duplicate rule id {rule['id']}"
            out[rule["id"]] = rule
    return out


def test_semgrep_test_passes_offline() -> None:
    proc = subprocess.run(
        [SEMGREP, "--test", "--metrics=off", "--disable-version-check",
         "--config", str(PACK), str(PACK / "tests")],
        capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
             "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"},
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-2000:]
    assert f"{len(_rules())}/{len(_rules())}: ✓ All tests passed" in out


def _proof(rule: dict[str, object]) -> bool:
    return rule["metadata"]["category"] == "proof"  # type: ignore[index]  # YAML shape: semgrep


def test_catalogue_matches_the_pack() -> None:
    rules = {k: v for k, v in _rules().items() if not _proof(v)}
    assert {r.name for r in BUNDLED} == set(rules)
    for info in BUNDLED:
        rule = rules[info.name]
        assert info.default_severity == _SEVERITY[str(rule["severity"])], info.id
        cwe = rule["metadata"]["cwe"]  # type: ignore[index]  # YAML shape checked by semgrep
        assert [c.split(":")[0] for c in cwe] == list(info.tags), info.id
        assert info.help
        assert info.summary


def test_proof_rules_are_only_in_the_proof_pack() -> None:
    proofs = {k for k, v in _rules().items() if _proof(v)}
    assert proofs == {"proof-sql-bound-parameters"}
    assert {f"sast.{p}" for p in proofs} == BUNDLED_PROOFS
    shipped = yaml.safe_load((PACK / "proofs.yaml").read_text())["rules"]
    assert {r["id"] for r in shipped} == proofs
    for rule in shipped:
        assert rule["severity"] == "INFO"
        assert rule["metadata"]["release-gates"]["proves-safe"]


def test_every_rule_has_metadata_and_a_fix() -> None:
    for rule_id, rule in _rules().items():
        if _proof(rule):
            continue
        meta = rule["metadata"]
        assert meta["cwe"], rule_id  # type: ignore[index]  # YAML shape checked by semgrep
        assert "Fix: " in str(rule["message"]), rule_id
        assert rule["severity"] in _SEVERITY, rule_id


@pytest.mark.parametrize("kind", ["ruleid", "ok"])
def test_every_rule_has_positive_and_negative_cases(kind: str) -> None:
    text = "\n".join(p.read_text() for p in sorted((PACK / "tests").glob("*.py")))
    covered = set(re.findall(rf"#\s*{kind}:\s*([\w-]+)", text))
    assert covered == set(_rules())
