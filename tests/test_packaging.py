"""What we publish: the pre-commit manifest, the GitHub Action, and the wheel's package data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from gates import registry

ROOT = Path(__file__).resolve().parent.parent


def _hooks() -> list[dict[str, object]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(data, list)
    return data


def test_every_gate_has_a_hook_and_every_hook_runs_a_gate() -> None:
    hooks = {str(h["id"]): h for h in _hooks()}
    builtin = {"pii", "secrets", "sast", "signoff", "reconcile", "audit-log"}
    assert set(hooks) == builtin | {"release-gates"}
    for hook_id, hook in hooks.items():
        assert hook["language"] == "python"
        expected = "gates run" if hook_id == "release-gates" else f"gates run --gate {hook_id}"
        assert hook["entry"] == expected
    assert builtin <= set(registry.available())


def test_hook_file_filters_are_known_identify_tags() -> None:
    from identify import identify

    for hook in _hooks():
        for key in ("types", "types_or", "exclude_types"):
            for tag in hook.get(key, []):  # type: ignore[attr-defined]
                assert tag in identify.ALL_TAGS, (hook["id"], tag)


def test_pii_and_secrets_hooks_are_given_binary_files(tmp_path: Path) -> None:
    # A card number in a database dump is still a card number: pre-commit must pass binaries.
    from identify import identify

    dump = tmp_path / "cards.sqlite"
    dump.write_bytes(b"SQLite format 3\x00" + b"4301661318609135\x00")
    tags = identify.tags_from_path(str(dump))
    assert "binary" in tags
    hooks = {str(h["id"]): h for h in _hooks()}
    for hook_id in ("pii", "secrets"):
        hook = hooks[hook_id]
        assert set(hook.get("types", [])) <= tags, hook_id  # type: ignore[arg-type]
        assert not set(hook.get("exclude_types", [])) & tags, hook_id  # type: ignore[arg-type]


def test_audit_log_hook_takes_python_files_and_only_the_core_package() -> None:
    # The gate is pure stdlib `ast`: its hook environment is the core package (no extra).
    hook = {str(h["id"]): h for h in _hooks()}["audit-log"]
    assert hook["types"] == ["python"]
    assert "additional_dependencies" not in hook
    assert hook.get("pass_filenames", True) is True


def test_repository_wide_gates_do_not_take_file_names() -> None:
    hooks = {str(h["id"]): h for h in _hooks()}
    for hook_id in ("release-gates", "signoff", "reconcile"):
        assert hooks[hook_id]["pass_filenames"] is False
        assert hooks[hook_id]["always_run"] is True


def test_action_passes_inputs_through_env_never_inline() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    used = set()
    for step in steps:
        run = step.get("run", "")
        assert "${{" not in run, f"expression inside run: {step['name']}"
        for value in step.get("env", {}).values():
            used |= set(re.findall(r"inputs\.([a-z-]+)", str(value)))
    assert used == set(action["inputs"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds, and
    # two test workers building the checkout at once broke each other's build (ENOENT).
    source = out / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,  # gates/policies -> ../policies, as in the repository
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "bench", "tests", "build", "*.egg-info", "__pycache__"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("release_gates-*.whl")
    return found


def test_wheel_ships_schemas_policies_and_demo(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "gates/schemas/policy.schema.json",
        "gates/schemas/gate-common.schema.json",
        "gates/schemas/evidence.schema.json",
        "gates/schemas/controls.schema.json",
        "gates/controls/controls.yaml",  # the control mapping, read by gates explain/controls
        "gates/policies/fintech-default.yaml",
        "gates/policies/pci-strict.yaml",
        "gates/policies/demo/release-gates/policy.yaml",
        "gates/policies/init/policy.yaml",  # gates init's templates
        "gates/checks/secrets/prefilter.json",  # clean files skip detect-secrets
        "gates/policies/init/github-workflow.yml",
        "gates/py.typed",
    ):
        assert required in names, required
    assert any(n.startswith("gates/policies/demo/repo/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for gate in ("pii", "secrets", "sast", "signoff", "reconcile", "audit-log"):
        assert f"{gate} = gates.checks.{gate.replace('-', '_')}:GATE" in text


def test_wheel_runs_policy_commands_from_its_own_files(wheel: Path, tmp_path: Path) -> None:
    """The installed wheel (not the source tree) finds its policies through importlib.resources."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gates, sys; from gates.cli import main; print(gates.__file__); sys.exit(main(['policy', 'show']))",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(str(target))
    assert "# resolved from: policies/fintech-default.yaml (shipped)" in proc.stdout


def test_the_installed_wheel_proves_clean_files_with_its_own_table(
    wheel: Path, tmp_path: Path
) -> None:
    """The shipped secrets prefilter matches the plugin settings of an install elsewhere (our
    provider plugins' path differs per install and is not part of its key)."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    program = (
        "import gates; from gates.checks.secrets import clean_proof, config\n"
        "proof = clean_proof.load(config.parse({}).detect_secrets_settings())\n"
        "print(gates.__file__, proof is not None and proof.clean('a.py', 'x = 1\\n'))"
    )
    site = sysconfig.get_paths()["purelib"]  # detect-secrets, from this environment
    proc = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{target}{os.pathsep}{site}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    where, proved = proc.stdout.split()
    assert (where.startswith(str(target)), proved) == (True, "True")


def test_demo_runs_every_gate_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """`gates demo` from the wheel (byte-compiled by pip, as users get it), not the source tree."""
    import json
    import os

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "gates", "demo", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "blocked"
    assert [g["id"] for g in doc["gates"]] == [
        "audit-log",
        "pii",
        "reconcile",
        "sast",
        "secrets",
        "signoff",
    ]
    assert all(g["verdict"] == "blocked" for g in doc["gates"])
    assert doc["skipped"] == []  # no byte-compiled demo files copied into the demo repository
