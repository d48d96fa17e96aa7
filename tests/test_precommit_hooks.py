"""Our `.pre-commit-hooks.yaml` as users run it: `pre-commit` on real temporary repositories.

The hooks repository is a snapshot commit of this working tree. pre-commit builds every hook
environment itself through pip, which reads pip's own configuration (the local package index), so
no test needs the network. `pre-commit try-repo` (all hooks at once, building every environment
in a throwaway store) runs on a repository where every hook must fail, naming its rule. Every
hook's environment is also built once per session (`pre-commit install-hooks` with a
`PRE_COMMIT_HOME` in a session temp dir): `pre-commit run` over that store shows every hook
passing on the negative samples, and the environments are measured (the pii hook's at most 60 MB:
the heavy engines are extras) and shown to fail closed when a heavy gate's engine is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.gatekit import git, make_repo

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
PII_ENV_LIMIT = 60 * MB
CARD = "4301 6613 1860 9135"  # passes Luhn, not a published test card
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # Stripe's documented example key shape
RECONCILE_POLICY = """\
version: 1
extends: reconcile-card-lifecycle
gates:
  reconcile:
    as_of: "2026-01-20T12:00:00Z"
"""
EVENTS = "".join(
    f'{{"payment_id": "pay_1", "event_id": "e{seq}", "seq": {seq}, "type": "{kind}", '
    f'"occurred_at": "2026-01-11T10:07:0{seq}Z", "region": "eu-west-1"{extra}}}\n'
    for seq, kind, extra in (
        (1, "created", ', "amount": 1737, "currency": "EUR", "country": "FR"'),
        (2, "authorized", ""),
        (3, "captured", ""),
    )
)
REPORT = "payment_id,status,amount,currency,region,updated_at\npay_1,{status},17.37,EUR,eu-west-1,2026-01-11T23:00:00Z\n"
BAD_PY = (
    "import subprocess\n\n\ndef convert(name):\n    subprocess.run('convert ' + name, shell=True)\n"
)
GOOD_PY = "def add(a: int, b: int) -> int:\n    return a + b\n"
UNAUDITED_PY = "def refund(payment):\n    payment.status = 'refunded'\n    payment.save()\n"

# hook id -> (positive sample files, rule the output names, negative sample files)
SAMPLES: dict[str, tuple[dict[str, str], str, dict[str, str]]] = {
    "pii": ({"billing.py": f'CARD = "{CARD}"\n'}, "pii.pan", {"app.py": GOOD_PY}),
    "secrets": ({"settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "secrets.", {"app.py": GOOD_PY}),
    "sast": ({"tools.py": BAD_PY}, "sast.", {"app.py": GOOD_PY}),
    "signoff": ({"payments/charge.py": GOOD_PY}, "signoff.", {"app.py": GOOD_PY}),
    "audit-log": ({"billing/refunds.py": UNAUDITED_PY}, "audit-log.missing", {"app.py": GOOD_PY}),
    "reconcile": (
        {
            ".release-gates/policy.yaml": RECONCILE_POLICY,
            "data/events/2026-01.jsonl": EVENTS,
            "data/report.csv": REPORT.format(status="pending"),
        },
        "reconcile.status_mismatch",
        {
            ".release-gates/policy.yaml": RECONCILE_POLICY,
            "data/events/2026-01.jsonl": EVENTS,
            "data/report.csv": REPORT.format(status="completed"),
        },
    ),
    "release-gates": (
        {"billing.py": f'CARD = "{CARD}"\n'},
        "pii.pan",
        {"app.py": GOOD_PY},
    ),
}


def _hooks() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return {str(h["id"]): h for h in data}


def _snapshot(dest: Path) -> Path:
    """This working tree (tracked and new, unignored files) as one commit in a fresh repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    for rel in sorted({p for p in listed.decode().split("\0") if p}):
        src = ROOT / rel
        if not src.is_symlink() and not src.exists():
            continue  # deleted in the working tree
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot")
    return dest


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    for name in ("VIRTUAL_ENV", "RELEASE_GATES_FINGERPRINT_KEY", "GITHUB_ACTIONS", "GITLAB_CI"):
        env.pop(name, None)
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    return env


def _pre_commit(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=3600,
    )


def _merge(*samples: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for files in samples:
        for path, text in files.items():
            assert out.get(path, text) == text, path
            out[path] = text
    return out


def _per_hook(stdout: str) -> dict[str, tuple[str, str]]:
    """try-repo --verbose output as hook id -> (Passed/Failed, the hook's own output)."""
    out: dict[str, tuple[str, str]] = {}
    status = re.compile(r"^(.*?)\.{3,}(Passed|Failed)$", re.M)
    names = {str(h["name"]): hook for hook, h in _hooks().items()}
    matches = list(status.finditer(stdout))
    for i, match in enumerate(matches):
        body = stdout[match.end() : matches[i + 1].start() if i + 1 < len(matches) else None]
        out[names[match.group(1).strip()]] = (match.group(2), body)
    return out


@pytest.fixture(scope="session")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _snapshot(tmp_path_factory.mktemp("hooks-repo"))


@dataclass(frozen=True)
class HookStore:
    """A session PRE_COMMIT_HOME where `pre-commit install-hooks` built every hook's environment,
    and the config (outside any scanned repository) that names the hooks repository's commit."""

    home: Path
    config: Path


@pytest.fixture(scope="session")
def hook_store(hooks_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> HookStore:
    home = tmp_path_factory.mktemp("pre-commit-home")
    rev = git(hooks_repo, "rev-parse", "HEAD").strip()
    hooks = _hooks()
    config = {"repos": [{"repo": str(hooks_repo), "rev": rev, "hooks": [{"id": h} for h in hooks]}]}
    repo = make_repo(
        tmp_path_factory.mktemp("envs"), {".pre-commit-config.yaml": yaml.safe_dump(config)}
    )
    proc = _pre_commit(["install-hooks"], repo, home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return HookStore(home=home, config=repo / ".pre-commit-config.yaml")


@pytest.fixture(scope="session")
def try_repo(
    hooks_repo: Path, hook_store: HookStore, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[subprocess.CompletedProcess[str], dict[str, tuple[str, str]]]]:
    """Every hook on the positive samples with `pre-commit try-repo` (as a user tries our hooks:
    it builds every environment in a throwaway store), and on the negative samples with
    `pre-commit run` over the same commit of the hooks, in the store built once per session
    (a second throwaway build would only cost minutes of pip)."""
    out = {}
    for kind, index in (("positive", 0), ("negative", 2)):
        files = _merge(*(sample[index] for sample in SAMPLES.values()))  # type: ignore[misc]
        repo = make_repo(tmp_path_factory.mktemp(kind), files)
        if kind == "positive":
            home = tmp_path_factory.mktemp("try-repo-home")
            args = ["try-repo", str(hooks_repo), "--all-files", "--verbose"]
        else:
            home = hook_store.home
            args = ["run", "--config", str(hook_store.config), "--all-files", "--verbose"]
        proc = _pre_commit(args, repo, home)
        assert "An unexpected error has occurred" not in proc.stdout + proc.stderr, (
            proc.stdout[-3000:] + proc.stderr[-3000:]
        )
        out[kind] = (proc, _per_hook(proc.stdout))
    return out


@pytest.fixture(scope="session")
def hook_envs(hooks_repo: Path, hook_store: HookStore) -> dict[str, Path]:
    """Every hook's environment by hook id, built once by `pre-commit install-hooks` in a session
    PRE_COMMIT_HOME (hooks with the same dependencies share one, as pre-commit does)."""
    home = hook_store.home
    hooks = _hooks()
    with sqlite3.connect(home / "db.db") as db:
        rows = db.execute("SELECT repo, path FROM repos").fetchall()
    by_deps: dict[tuple[str, ...], Path] = {}
    for name, path in rows:  # pre-commit's key: "<repo>" or "<repo>:<dep>,<dep>"
        deps = name.removeprefix(str(hooks_repo)).removeprefix(":")
        (env,) = Path(path).glob("py_env-*")
        by_deps[tuple(sorted(d for d in deps.split(",") if d))] = env
    return {
        hook: by_deps[tuple(sorted(h.get("additional_dependencies", ())))]  # type: ignore[call-overload]
        for hook, h in hooks.items()
    }


@pytest.fixture(scope="session")
def core_env(hook_envs: dict[str, Path]) -> Path:
    """The pii hook's environment: the core package only."""
    return hook_envs["pii"]


def _size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            file = Path(dirpath) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def _extra(name: str) -> tuple[str, ...]:
    import tomllib

    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return tuple(doc["project"]["optional-dependencies"][name])


def test_manifest_dependencies_are_the_package_extras() -> None:
    hooks = _hooks()
    sast, reconcile = _extra("sast"), _extra("reconcile")
    expected = {
        "pii": (),
        "secrets": (),
        "signoff": (),
        "audit-log": (),
        "sast": sast,
        "reconcile": reconcile,
        "release-gates": (*sast, *reconcile),
    }
    found = {h: tuple(hooks[h].get("additional_dependencies", ())) for h in hooks}  # type: ignore[call-overload]
    assert found == expected
    assert _extra("all") == ("release-gates[sast,reconcile]",)


def test_try_repo_runs_every_hook(try_repo: dict[str, tuple[object, dict[str, object]]]) -> None:
    for kind in ("positive", "negative"):
        assert set(try_repo[kind][1]) == set(_hooks()), kind


@pytest.mark.parametrize("hook", sorted(SAMPLES), ids=sorted(SAMPLES))
def test_hook_blocks_the_positive_sample(
    try_repo: dict[str, tuple[subprocess.CompletedProcess[str], dict[str, tuple[str, str]]]],
    hook: str,
) -> None:
    proc, hooks = try_repo["positive"]
    status, output = hooks[hook]
    assert proc.returncode == 1
    assert status == "Failed", output[-3000:]
    assert "- exit code: 1\n" in output, output[-3000:]
    assert SAMPLES[hook][1] in output, output[-3000:]
    assert CARD not in proc.stdout
    assert STRIPE not in proc.stdout


@pytest.mark.parametrize("hook", sorted(SAMPLES), ids=sorted(SAMPLES))
def test_hook_passes_the_negative_sample(
    try_repo: dict[str, tuple[subprocess.CompletedProcess[str], dict[str, tuple[str, str]]]],
    hook: str,
) -> None:
    proc, hooks = try_repo["negative"]
    status, output = hooks[hook]
    assert status == "Passed", output[-3000:] + proc.stderr[-2000:]


def test_hook_environment_sizes(hook_envs: dict[str, Path]) -> None:
    sizes = {hook: _size(env) for hook, env in hook_envs.items()}
    shown = ", ".join(f"{hook} {size / MB:.0f} MB" for hook, size in sorted(sizes.items()))
    assert sizes["pii"] <= PII_ENV_LIMIT, shown
    core = {hook_envs[h] for h in ("pii", "secrets", "signoff", "audit-log")}
    assert core == {hook_envs["pii"]}  # one core env
    for heavy in ("sast", "reconcile", "release-gates"):
        assert sizes[heavy] > 2 * sizes["pii"], shown  # the weight is in the extras


@pytest.mark.parametrize(
    ("hook", "present", "absent"),
    [
        (
            "pii",
            ("detect_secrets", "re2", "cryptography"),
            ("semgrep", "bandit", "duckdb", "pyarrow", "sqlglot"),
        ),
        ("sast", ("semgrep", "bandit"), ("duckdb", "pyarrow", "sqlglot")),
        ("reconcile", ("duckdb", "pyarrow", "sqlglot"), ("semgrep", "bandit")),
        ("release-gates", ("semgrep", "bandit", "duckdb", "pyarrow", "sqlglot"), ()),
    ],
    ids=["pii", "sast", "reconcile", "release-gates"],
)
def test_hook_environments_hold_what_their_gates_import(
    hook_envs: dict[str, Path], hook: str, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    site = next(hook_envs[hook].glob("lib/python*/site-packages"))
    assert [m for m in present if not (site / m).is_dir()] == []
    assert [m for m in absent if (site / m).exists()] == []


@pytest.mark.parametrize(
    ("gate", "extra", "modules"),
    [
        ("sast", "sast", "semgrep, bandit are"),
        ("reconcile", "reconcile", "duckdb, pyarrow, sqlglot are"),
    ],
    ids=["sast", "reconcile"],
)
def test_a_gate_without_its_engine_fails_closed(
    core_env: Path, tmp_path: Path, gate: str, extra: str, modules: str
) -> None:
    """In the core environment (the pii hook's), a heavy gate exits 3 naming the install command."""
    files, _, _ = SAMPLES[gate]
    repo = make_repo(tmp_path / "repo", files)
    proc = subprocess.run(
        [str(core_env / "bin" / "gates"), "run", "--gate", gate],
        cwd=repo,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"{modules} not installed (the '{extra}' extra of release-gates)" in proc.stdout
    assert f"pip install 'release-gates[{extra}]'" in proc.stdout


def test_core_environment_lists_every_gate(core_env: Path, tmp_path: Path) -> None:
    """`gates list` needs no engine: the catalogue is data, so the core lists heavy gates too."""
    proc = subprocess.run(
        [str(core_env / "bin" / "gates"), "list"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^  sast\.bandit\.B602 +high ", proc.stdout, re.M)
    assert re.search(r"^  reconcile\.status_mismatch ", proc.stdout, re.M)
