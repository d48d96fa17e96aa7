"""Benchmark corpus: the sources of real payment SDKs from the package registry, cached.

`corpus_dir()` downloads stripe, braintree and adyen once (pip download, no deps; their wheels are
pure Python, so they hold the same sources as the sdists without a build step) into bench/.cache/,
unpacks them, and makes the tree a git repository so `gates run`
scans it the way it scans any repository. Later calls reuse the cache.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PACKAGES = ("stripe==11.4.1", "braintree==4.31.0", "Adyen==12.8.0")
CACHE = Path(__file__).resolve().parent / ".cache"


def _download(spec: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    name = spec.split("==")[0].lower()
    found = [p for p in dest.iterdir() if p.name.lower().startswith(name)]
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-q",
                "-d",
                str(dest),
                spec,
            ],
            check=True,
        )
        found = [p for p in dest.iterdir() if p.name.lower().startswith(name)]
    return sorted(found)[0]


def _unpack(archive: Path, into: Path) -> None:
    if archive.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)  # noqa: S202 - zipfile strips absolute and ".." member paths
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(into, filter="data")


def corpus_dir() -> Path:
    """A git repository holding the unpacked SDK sources (built once, then cached)."""
    repo = CACHE / "corpus"
    if (repo / ".git").is_dir():
        return repo
    repo.mkdir(parents=True, exist_ok=True)
    for spec in PACKAGES:
        _unpack(_download(spec, CACHE / "dists"), repo)
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], cwd=repo, check=True)
    return repo


def corpus10_dir() -> Path:
    """Ten copies of the corpus's tracked files (copy0/ .. copy9/) in one git repository, for
    scaling runs (built once from `corpus_dir()`, then cached; the corpus itself is untouched)."""
    repo = CACHE / "corpus10"
    if (repo / ".git").is_dir():
        return repo
    source = corpus_dir()
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True
    ).stdout
    names = [n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n]
    for copy in range(10):
        for name in names:
            target = repo / f"copy{copy}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((source / name).read_bytes())
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus x10"], cwd=repo, check=True)
    return repo


if __name__ == "__main__":
    print(corpus_dir())
    if sys.argv[1:] == ["--x10"]:
        print(corpus10_dir())
