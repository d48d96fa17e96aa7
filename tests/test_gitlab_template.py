"""The GitLab CI include we publish: its shape, and its script run as a merge request pipeline would.

The script runs under `sh` in a real clone of a real "origin" with the merge request variables
GitLab sets; `gates` comes from this environment (the include's before_script pip-installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gates.commands.emit import FORMATS
from tests.gatekit import git, make_repo

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "ci" / "gitlab" / "release-gates.yml"
DATA = Path(__file__).parent / "data" / "gitlab"
CARD = "4301 6613 1860 9135"  # passes Luhn, not a published test card


def _job() -> dict[str, Any]:
    doc = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    job = doc["release-gates"]
    assert isinstance(job, dict)
    return job


def _outputs(script: list[str]) -> dict[str, str]:
    """FORMAT -> file, from the `--format FORMAT=FILE` arguments named in the script."""
    words = " ".join(script).split()
    pairs = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--format"]
    return dict(p.split("=", 1) for p in pairs if "=" in p)


def test_template_reports_are_formats_we_write() -> None:
    job = _job()
    outputs = _outputs(job["script"])
    assert outputs == {
        "gitlab-sast": "gl-sast-report.json",
        "gitlab-secrets": "gl-secret-detection-report.json",
        "codequality": "gl-code-quality-report.json",
    }
    assert set(outputs) <= set(FORMATS)
    reports = job["artifacts"]["reports"]
    assert reports == {
        "sast": "gl-sast-report.json",
        "secret_detection": "gl-secret-detection-report.json",
        "codequality": "gl-code-quality-report.json",
    }
    assert job["artifacts"]["when"] == "always"
    assert job["variables"]["GIT_DEPTH"] == "0"


def test_template_script_runs_a_merge_request(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"app.py": "x = 1\n", "old.py": f"CARD = '{CARD}'\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    git(clone, "checkout", "-q", "-b", "feature")
    (clone / "billing.py").write_text(f"CARD = '{CARD}'\n", encoding="utf-8")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "feature")
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")  # GitLab's clone has only the MR
    env = {
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), "/usr/bin", "/bin")),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(clone),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_PIPELINE_CREATED_AT": "2026-11-25T12:00:00Z",
        "CI_COMMIT_SHA": git(clone, "rev-parse", "HEAD").strip(),
        "RELEASE_GATES_ARGS": "--gate pii --gate secrets",
    }
    script = "\n".join(_job()["script"])
    proc = subprocess.run(
        ["sh", "-ec", script], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    sast = json.loads((clone / "gl-sast-report.json").read_text(encoding="utf-8"))
    schema = json.loads((DATA / "sast-report-format.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(sast)
    # --diff origin/main: only the card the merge request adds, not the one already on main
    assert {
        (v["identifiers"][0]["value"], v["location"]["file"]) for v in sast["vulnerabilities"]
    } == {("pii.pan", "billing.py")}
    assert (clone / "gl-secret-detection-report.json").is_file()
    assert (clone / "gl-code-quality-report.json").is_file()
    assert CARD not in proc.stdout


def test_a_merge_request_cannot_plant_code_in_the_tools_environment(tmp_path: Path) -> None:
    """The attack: the merge request commits a `.pth` file where the job creates its virtualenv.
    `python -m venv` keeps what is already there and pip leaves unknown files alone, so if the
    virtualenv lived in the checkout, every Python the job starts from it (`gates` itself) would
    run the merge request's code first. The before_script must put it outside $CI_PROJECT_DIR."""
    clone = make_repo(tmp_path / "clone", {"app.py": "x = 1\n"})
    marker = tmp_path / "planted-code-ran"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for venv in (".release-gates-venv", ".venv", "venv"):
        site = clone / venv / "lib" / version / "site-packages"
        site.mkdir(parents=True)
        (site / "zz_planted.pth").write_text(
            f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n"
        )
    env = {
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), "/usr/bin", "/bin")),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path / "tmp"),
        "CI_PROJECT_DIR": str(clone),
    }
    (tmp_path / "tmp").mkdir()
    # The before_script up to the install (which needs the package index), then what `gates`
    # would do first: start the environment's Python.
    steps = [s for s in _job()["before_script"] if "pip" not in s and "apt-get" not in s]
    script = "\n".join([*steps, 'python -c "import sys; print(sys.prefix)"'])
    proc = subprocess.run(
        ["sh", "-ec", script], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not marker.exists(), "the merge request's code ran in the job's Python"
    prefix = Path(proc.stdout.strip().splitlines()[-1]).resolve()
    assert not prefix.is_relative_to(clone.resolve()), prefix
    assert prefix != Path(sys.prefix).resolve()  # the job's own environment, on PATH first
