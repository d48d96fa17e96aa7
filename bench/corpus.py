"""Benchmark corpus: the sources of real payment SDKs from the package registry, cached.

`corpus_dir()` downloads stripe, braintree and adyen once (pip download, no deps; their wheels are
pure Python, so they hold the same sources as the sdists without a build step) into bench/.cache/,
unpacks them, and makes the tree a git repository so `gates run`
scans it the way it scans any repository. Later calls reuse the cache.
"""

from __future__ import annotations

import hashlib
import shutil
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


# The sdists issue #15's table is measured on, pinned by hash: an sdist holds the whole source
# tree a team vendors or reviews (tests, fixtures, examples), not only the installed package.
SDISTS = {
    "stripe": (
        "stripe==16.1.0",
        "21e72b6779b8cff337ca8d2b8d30138f2d68f6a8d739701076f06a418ad75b8c",
    ),
    "braintree": (
        "braintree==4.48.0",
        "f884a9614f679a738273bb3d973d5dc9c7015816bf3439eb042aa3f4c612fb0f",
    ),
}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _commit_all(repo: Path) -> None:
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], cwd=repo, check=True)


def sdist_dir(name: str) -> Path:
    """A git repository holding the pinned sdist of `name` (stripe or braintree), unpacked.

    The archive's sha256 must equal the pin: a benchmark on other bytes is another benchmark."""
    spec, sha = SDISTS[name]
    repo = CACHE / "sdist" / name
    if (repo / ".git").is_dir():
        return repo
    dest = CACHE / "sdist-dists"
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / f"{spec.replace('==', '-')}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-q", "-d", str(dest), spec],
            check=True,
        )  # fmt: skip
    if _sha256(archive) != sha:
        raise SystemExit(f"{archive}: sha256 is not the pinned {sha}; delete it and retry")
    repo.mkdir(parents=True, exist_ok=True)
    _unpack(archive, repo)
    _commit_all(repo)
    return repo


def copies_of(source: Path, repo: Path, copies: int) -> Path:
    """A git repository at `repo` holding `copies` copies of `source`'s tree, one per folder
    (copy00/, copy01/, ...): the same code at a larger scale. Built once, then cached."""
    if (repo / ".git").is_dir():
        return repo
    repo.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        shutil.copytree(source, repo / f"copy{i:02d}", ignore=shutil.ignore_patterns(".git"))
    _commit_all(repo)
    return repo


def multiplied(name: str, copies: int) -> Path:
    """`copies` copies of the pinned sdist of `name`, for the throughput and memory rows."""
    return copies_of(sdist_dir(name), CACHE / "sdist" / f"{name}x{copies}", copies)


def corpus10_dir() -> Path:
    """Ten copies of the SDK corpus, for scaling runs (the corpus itself is untouched)."""
    return copies_of(corpus_dir(), CACHE / "corpus10", 10)


if __name__ == "__main__":
    print(corpus_dir())
    if sys.argv[1:] == ["--x10"]:
        print(corpus10_dir())
