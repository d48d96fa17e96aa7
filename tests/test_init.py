"""`gates init`: starter files that work as written, and never an overwritten file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from gates import policy as policy_mod
from gates.atomic import create_text_atomic
from gates.cli import main
from tests.gatekit import make_repo

ROOT = Path(__file__).resolve().parent.parent
FILES = (
    ".release-gates/policy.yaml",
    ".release-gates/allowed_signers",
    ".pre-commit-config.yaml",
    ".github/workflows/release-gates.yml",
)
NEXT = "\nnext: review .release-gates/policy.yaml, run `gates run`, then `pre-commit install`\n"


def init(root: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["init", "--repo", str(root), *args], out=out)
    return code, out.getvalue()


def test_writes_every_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"app.py": "x = 1\n"})
    code, out = init(root)
    assert code == 0
    assert out == "".join(f"wrote {f}\n" for f in FILES) + NEXT
    assert all((root / f).is_file() for f in FILES)
    assert not list(root.rglob("*.tmp"))


def test_written_policy_validates_and_extends_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path, {"app.py": "x = 1\n"})
    assert init(root)[0] == 0
    policy = policy_mod.load(root, None)
    assert policy.sources == (
        "policies/fintech-default.yaml (shipped)",
        ".release-gates/policy.yaml",
    )
    monkeypatch.chdir(root)
    out = io.StringIO()
    assert main(["policy", "validate", ".release-gates/policy.yaml"], out=out) == 0
    assert out.getvalue().startswith(".release-gates/policy.yaml: valid")
    assert main(["run", "--gate", "pii", "--no-cache"], out=io.StringIO()) == 0


def test_pre_commit_and_workflow_use_what_we_publish(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"app.py": "x = 1\n"})
    assert init(root)[0] == 0
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    published = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (repo,) = config["repos"]
    assert {h["id"] for h in repo["hooks"]} <= published
    workflow = yaml.safe_load((root / ".github/workflows/release-gates.yml").read_text())
    steps = workflow["jobs"]["gates"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")
    assert steps[0]["with"]["fetch-depth"] == 0
    assert uses[1].startswith("release-gates/release-gates@")
    assert uses[2].startswith("github/codeql-action/upload-sarif@")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert "sarif-file" in action["outputs"]


@pytest.mark.parametrize("existing", FILES, ids=[Path(f).name for f in FILES])
def test_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, existing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(tmp_path, {existing: "mine\n"})
    code, out = init(root)
    assert code == 2
    assert out == ""
    err = capsys.readouterr().err
    assert err.startswith(f"gates: {existing}: $: already exists; gates init never overwrites")
    assert (root / existing).read_text() == "mine\n"
    assert [f for f in FILES if (root / f).exists()] == [existing]


def test_skip_prints_the_pre_commit_entry_to_paste(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {".pre-commit-config.yaml": "repos: []\n"})
    code, out = init(root, "--skip", "pre-commit")
    assert code == 0
    assert (root / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    written, pasted = out.split("\nadd to your .pre-commit-config.yaml:\n")
    assert written == "".join(f"wrote {f}\n" for f in FILES if "pre-commit" not in f)
    entry = yaml.safe_load("repos:\n" + pasted.removesuffix(NEXT))
    assert entry["repos"][0]["repo"] == "https://github.com/release-gates/release-gates"


def test_exclusive_write_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.txt"
    create_text_atomic(target, "one\n")
    with pytest.raises(FileExistsError):
        create_text_atomic(target, "two\n")
    assert target.read_text() == "one\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]
